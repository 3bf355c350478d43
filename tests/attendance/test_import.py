"""Importing a township's month from the sheet's own layout: preview, all-or-nothing apply, same rules as the grid."""
from __future__ import annotations

import datetime as dt
import io

from openpyxl import load_workbook
from sqlalchemy import select

from tests.attendance.conftest import District, count, fresh, sign_in
from wardens.extensions import db
from wardens.models import AttendanceChange, AttendanceRecord

YEAR, MONTH = 2026, 10


def exported(client, d: District) -> bytes:  # type: ignore[no-untyped-def]
    return client.get(f"/attendance/sheet/{d.township.id}/{YEAR}/{MONTH}/xlsx").data


def edit(data: bytes, changes: dict[tuple[int, str], object]) -> bytes:
    """Change cells of the exported sheet: (row, header) → value."""
    wb = load_workbook(io.BytesIO(data))
    ws = wb.worksheets[0]
    header = [c.value for c in ws[1]]
    for (row, name), value in changes.items():
        ws.cell(row=row, column=header.index(name) + 1, value=value)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def upload(client, d: District, data: bytes, name: str = "sheet.xlsx"):  # type: ignore[no-untyped-def]
    return client.post("/attendance/import", data={"township_id": d.township.id, "month": f"{YEAR}-{MONTH:02d}",
                                                   "file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def apply_form(html: str) -> dict[str, str]:
    import re

    form = html[html.index('data-testid="import-apply"'):]
    return dict(re.findall(r'name="(token|township_id|month|fingerprint)"[^>]*value="([^"]*)"', form))


def test_preview_then_apply_writes_every_cell_with_history(client, district: District) -> None:
    d = district
    sign_in(client, d.office)
    data = edit(exported(client, d), {(2, "1"): "√", (2, "2"): "事", (3, "1"): "×", (2, "5"): "病"})
    preview = upload(client, d, data)
    assert preview.status_code == 200, preview.text
    assert "将修改 4 个人日" in preview.text
    assert count(AttendanceRecord) == 0  # the preview saves nothing
    fields = apply_form(preview.text)
    resp = client.post("/attendance/import/apply", data=fields | {"reason": "补录十月签到簿"})
    assert resp.status_code == 302 and f"/attendance/sheet/{d.township.id}/{YEAR}/{MONTH}" in resp.headers["Location"]
    fresh()
    statuses = sorted(db.session.scalars(select(AttendanceRecord.status)).all())
    assert statuses == sorted(["present", "leave", "absent", "sick"])
    assert {c.reason for c in db.session.scalars(select(AttendanceChange))} == {"补录十月签到簿"}
    # Importing the same file again changes nothing.
    again = upload(client, d, exported(client, d))
    assert "没有需要修改的内容" in again.text


def test_every_bad_row_is_listed_and_nothing_is_saved(client, district: District) -> None:
    d = district
    sign_in(client, d.office)
    data = edit(exported(client, d), {(2, "1"): "√", (2, "3"): "好", (3, "协议号"): 99999, (4, "姓名"): "张冒名"})
    resp = upload(client, d, data)
    assert resp.status_code == 422
    assert "第 2 行第 3 日：“好”不是六种考勤状态之一" in resp.text
    assert "第 3 行：协议号“99999”不是本乡镇本月的在岗人员" in resp.text
    assert "第 4 行：姓名“张冒名”与协议号" in resp.text
    assert 'data-testid="import-apply"' not in resp.text
    assert count(AttendanceRecord) == 0


def test_the_apply_refuses_when_records_changed_after_the_preview(client, district: District) -> None:
    d = district
    sign_in(client, d.office)
    preview = upload(client, d, edit(exported(client, d), {(2, "1"): "√"}))
    fields = apply_form(preview.text)
    fresh()
    db.session.add(AttendanceRecord(assignment_id=d.holders[3].id, day=dt.date(YEAR, MONTH, 9), status="rest"))
    db.session.commit()
    resp = client.post("/attendance/import/apply", data=fields | {"reason": "x"})
    assert resp.status_code == 409 and "预览之后本月记录已有变动" in resp.text
    assert count(AttendanceRecord) == 1


def test_old_days_need_a_reason_and_long_sick_runs_a_certificate(client, district: District) -> None:
    d = district
    sign_in(client, d.office)
    data = edit(exported(client, d), {(2, "1"): "病", (2, "2"): "病", (2, "3"): "病"})
    resp = upload(client, d, data)
    assert resp.status_code == 422 and "需要医院证明" in resp.text
    data = edit(exported(client, d), {(2, "1"): "病*", (2, "2"): "病*", (2, "3"): "病*"})
    preview = upload(client, d, data)
    assert preview.status_code == 200
    resp = client.post("/attendance/import/apply", data=apply_form(preview.text) | {"reason": ""})
    assert resp.status_code == 409 and "请填写导入原因" in resp.text
    assert count(AttendanceRecord) == 0
    resp = client.post("/attendance/import/apply", data=apply_form(preview.text) | {"reason": "补录"})
    assert resp.status_code == 302
    fresh()
    assert all(r.certificate for r in db.session.scalars(select(AttendanceRecord)))


def test_a_file_that_is_not_a_sheet_is_refused(client, district: District) -> None:
    sign_in(client, district.office)
    resp = upload(client, district, "姓名,身份证号\n张三,1\n".encode(), name="people.csv")
    assert resp.status_code == 422 and "不是月度考勤表" in resp.text
    resp = upload(client, district, b"not a workbook", name="sheet.xlsx")
    assert resp.status_code == 422
    resp = upload(client, district, b"x", name="sheet.pdf")
    assert resp.status_code == 422


def test_a_future_day_in_the_file_is_refused(clock, client, district: District) -> None:
    # The clock stands mid-month (2026-11-16), so tomorrow is a day of this month's sheet.
    d = district
    sign_in(client, d.office)
    today = d.day
    assert today == dt.date(2026, 11, 16)
    resp = client.get(f"/attendance/sheet/{d.township.id}/{today.year}/{today.month}/xlsx")
    wb = load_workbook(io.BytesIO(resp.data))
    ws = wb.worksheets[0]
    header = [c.value for c in ws[1]]
    ws.cell(row=2, column=header.index(str(today.day + 1)) + 1, value="√")
    buf = io.BytesIO()
    wb.save(buf)
    resp = client.post("/attendance/import", data={"township_id": d.township.id, "month": f"{today.year}-{today.month:02d}",
                                                   "file": (io.BytesIO(buf.getvalue()), "s.xlsx")}, content_type="multipart/form-data")
    assert resp.status_code == 422 and "该日期是将来的日期" in resp.text
