"""A month import at any size: the preview and the apply send the same number of statements
for a township of 6 holders and one of 60, and every changed holder-day keeps its history.

A real township imports 300 holders × 31 days from its sign-in sheets; a write or read per
row would be 9,000 statements there (the county benchmark measures the time).
"""
from __future__ import annotations

import io
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import func, select

from tests.attendance.conftest import build_district, sign_in
from tests.attendance.test_import import apply_form, exported, upload
from tests.conftest import Factory, database_of_its_own
from tests.reallocation.test_scale import counted
from wardens.extensions import db
from wardens.models import AttendanceChange, AttendanceRecord


def every_day_marked(data: bytes, holders: int) -> bytes:
    """The exported sheet with every holder present on the first ten days."""
    wb = load_workbook(io.BytesIO(data))
    ws = wb.worksheets[0]
    header = [c.value for c in ws[1]]
    for row in range(2, holders + 2):
        for day in range(1, 11):
            ws.cell(row=row, column=header.index(str(day)) + 1, value="√")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def measure(app: Any, holders_per_village: int) -> tuple[int, int, int, int]:
    d = build_district(Factory(), holders_per_village=holders_per_village)
    client = app.test_client()
    sign_in(client, d.office)
    data = every_day_marked(exported(client, d), len(d.holders))
    with counted() as preview_statements:
        preview = upload(client, d, data)
    assert preview.status_code == 200, preview.text
    with counted() as apply_statements:
        resp = client.post("/attendance/import/apply", data=apply_form(preview.text) | {"reason": "补录签到簿"})
    assert resp.status_code == 302, resp.text
    db.session.rollback()
    records = db.session.scalar(select(func.count()).select_from(AttendanceRecord))
    changes = db.session.scalar(select(func.count()).select_from(AttendanceChange))
    return len(preview_statements), len(apply_statements), int(records or 0), int(changes or 0)


def test_a_month_import_sends_the_same_statements_for_ten_times_the_holders(tmp_path) -> None:  # type: ignore[no-untyped-def]
    results = []
    for per_village in (3, 30):
        with database_of_its_own(tmp_path / f'{per_village}.sqlite3') as app:
            results.append(measure(app, per_village))
    (small_preview, small_apply, small_records, small_changes), (large_preview, large_apply, large_records, large_changes) = results
    # Every cell written, each with its history row.
    assert (small_records, small_changes) == (6 * 10, 6 * 10)
    assert (large_records, large_changes) == (60 * 10, 60 * 10)
    assert large_preview == small_preview and large_apply == small_apply, results
    assert large_preview < 50 and large_apply < 50, results
