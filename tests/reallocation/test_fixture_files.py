"""Applications sheets saved by real spreadsheet programs (tests/fixtures/spreadsheets).

What the round's import reads from each file: the ID numbers and the post codes exactly
as typed (below a title row, after an instructions sheet); an ID typed into a number
cell is refused by the cell, with the same check check_import makes. (The import
through the pages, token and all, is tested in test_pages.py.)
"""
from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.fixtures import corpus
from wardens.reallocation.applications import IMPORT_HEADER_WORDS, IMPORT_ID_HEADERS
from wardens.spreadsheets import lossy_cells, read_table

FILES = Path(__file__).resolve().parents[1] / "fixtures" / "spreadsheets"


def _read(name: str):  # type: ignore[no-untyped-def]
    return read_table(name, io.BytesIO((FILES / name).read_bytes()), max_rows=5000, headers=IMPORT_HEADER_WORDS)


@pytest.mark.parametrize("producer", corpus.WORKBOOK_PRODUCERS + corpus.CSV_PRODUCERS)
def test_applications_from_every_producer_read_exactly(app_ctx, producer) -> None:  # type: ignore[no-untyped-def]
    table = _read(f"applications.{producer}")
    got = [[row[h] for h in corpus.APPLICATION_HEADERS] for _line, row in table.rows]
    assert got == corpus.APPLICATION_ROWS
    assert lossy_cells(table, table.headers) == {}


@pytest.mark.parametrize("producer", corpus.NUMBER_PRODUCERS)
def test_ids_in_number_cells_are_refused_by_the_cell(app_ctx, producer) -> None:  # type: ignore[no-untyped-def]
    table = _read(f"applications-numbers.{producer}")
    refused = lossy_cells(table, [h for h in table.headers if h in IMPORT_ID_HEADERS])
    # 341522197704082590 was a number cell; 34150319850315002X (an X) could only be text.
    assert list(refused) == [4] and refused[4][0].startswith("第 4 行 身份证号：单元格是数字格式")
