"""The monthly sheet's .xlsx keeps formula text as quote-prefixed text cells, and still imports back."""
from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.attendance.conftest import District, count, sign_in
from tests.attendance.test_import import MONTH, YEAR, apply_form, edit, exported, upload
from wardens.extensions import db
from wardens.models import AttendanceRecord
from wardens.spreadsheets import FORMULA_PREFIXES


def test_monthly_sheet_quotes_formula_text_and_imports_back(client, district: District) -> None:
    d = district
    d.holders[0].person.name = '=HYPERLINK("http://x","y")'
    d.holders[1].person.name = " +1+1"
    d.holders[2].post.code = "-2+3"
    d.villages[0].name = "@SUM(1)"
    db.session.commit()
    sign_in(client, d.office)
    data = exported(client, d)
    ws = load_workbook(io.BytesIO(data)).worksheets[0]
    cells = {c.value: c for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    # Shown and printed as typed (no apostrophe), stored as text that no spreadsheet evaluates.
    for text in ('=HYPERLINK("http://x","y")', " +1+1", "@SUM(1)", "-2+3"):
        assert cells[text].data_type == "s" and cells[text].quotePrefix, text
    formula_like = [c for c in cells.values() if c.value.lstrip().startswith(FORMULA_PREFIXES)]
    assert formula_like and all(c.quotePrefix for c in formula_like)
    # The quoted names are the holders' own: the sheet imports back as it came out.
    preview = upload(client, d, edit(data, {(2, "1"): "√", (3, "1"): "√"}))
    assert preview.status_code == 200, preview.text
    resp = client.post("/attendance/import/apply", data=apply_form(preview.text) | {"reason": "补录"})
    assert resp.status_code == 302
    assert count(AttendanceRecord) == 2
