"""Exports never hand a spreadsheet a cell it would run as a formula, leading blanks or not."""
from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from wardens.spreadsheets import csv_bytes, neutralise_formula, xlsx_bytes

PAYLOADS = [
    '=HYPERLINK("http://x","y")', "+1+1", "-1+1", "@SUM(1)", "\t=1+1", "\r=1+1",
    ' =HYPERLINK("http://x")', "  +1", "\n=1+1", "\u3000=1+1", " \t-2",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_formula_text_is_quoted(payload: str) -> None:
    assert neutralise_formula(payload) == "'" + payload


@pytest.mark.parametrize("payload", ["王伟", " 王伟", "3401", "", "'=already quoted", "a=b"])
def test_plain_text_is_left_alone(payload: str) -> None:
    assert neutralise_formula(payload) == payload


def test_csv_quotes_and_xlsx_prefixes_formulas_after_leading_blanks() -> None:
    rows = [[p] for p in PAYLOADS]
    text = csv_bytes(["备注"], rows).decode("utf-8-sig")
    assert [r[0] for r in csv.reader(io.StringIO(text))][1:] == ["'" + p for p in PAYLOADS]
    # .xlsx: text cells with the quote prefix (never evaluated, no apostrophe shown), the text as it was.
    for text_columns in ([0], []):
        ws = load_workbook(io.BytesIO(xlsx_bytes(["备注"], rows, text_columns=text_columns))).active
        cells = [c for (c,) in ws.iter_rows(min_row=2)]
        assert all(c.data_type == "s" and c.quotePrefix for c in cells)
        # (openpyxl leaves the XML escape of a carriage return, _x000D_, as it is)
        assert [c.value.replace("_x000D_", "\r") for c in cells] == PAYLOADS
