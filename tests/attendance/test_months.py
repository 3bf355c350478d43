"""The month workflow: submit, close, send back, reopen (admin, reason, fresh login), and closed means closed."""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from typing import Any

import pytest
from sqlalchemy import select

from tests.attendance.conftest import District, build_district, count, fresh, grid_post, sign_in
from wardens.attendance.months import ClosedMonthError, ensure_month_open, month_state
from wardens.extensions import db
from wardens.models import AttendanceMonth, AttendanceRecord, AuditEvent, current_settings
from wardens.models.enums import MonthState


# The district's November is recorded on its last day; the month ends at midnight in the district.
LAST_DAY = "2026-11-30 23:40+08:00"
MONTH_OVER = "2026-12-01 00:05+08:00"


@pytest.fixture
def district(clock: Any, make: Any) -> District:
    """The attendance district, made on the last day of November (d.day), the clock stopped there."""
    clock.move_to(LAST_DAY)
    return build_district(make)


def url(d: District, action: str, township_id: int | None = None) -> str:
    return f"/attendance/months/{township_id or d.township.id}/{d.day.year}/{d.day.month}/{action}"


def state(d: District) -> str:
    fresh()
    return month_state(d.township.id, d.day.year, d.day.month)


def test_submit_close_and_the_month_refuses_every_write(client, clock, district: District) -> None:
    d = district
    sign_in(client, d.clerk)
    assert client.post("/attendance/grid", data=grid_post(d, {d.holders[0].id: "present"})).status_code == 302
    clock.move_to(MONTH_OVER)
    page = client.get("/attendance/months?month=2026-11").text
    assert "报送路长办" in page
    assert client.post(url(d, "submit")).headers["Location"].startswith("/attendance/months")
    assert state(d) == MonthState.SUBMITTED
    assert client.post(url(d, "close")).status_code == 403  # a clerk cannot close
    sign_in(client, d.office)
    client.post(url(d, "close"))
    assert state(d) == MonthState.CLOSED
    fresh()
    month = db.session.scalar(select(AttendanceMonth).where(AttendanceMonth.township_id == d.township.id))
    assert month.closed_by_id == d.office.id and month.settings_used["deduction_per_absent"] in ("0", "0.00")
    assert count(AuditEvent, AuditEvent.action == "attendance_month.close") == 1

    # Grid, 停工 declaration and import all refuse the closed month.
    sign_in(client, d.clerk)
    resp = client.post("/attendance/grid", data=grid_post(d, {d.holders[0].id: "absent"}, versions={d.holders[0].id: 1}))
    assert resp.status_code == 409 and "已关闭" in resp.text
    resp = client.post("/attendance/stoppage", data={"township_id": d.township.id, "village_id": 0,
                                                     "first_day": d.day.isoformat(), "last_day": d.day.isoformat(), "reason": "洪水"})
    assert resp.status_code == 409 and "已关闭" in resp.text
    sheet = client.get(f"/attendance/sheet/{d.township.id}/{d.day.year}/{d.day.month}/xlsx").data
    resp = client.post("/attendance/import", data={"township_id": d.township.id, "month": f"{d.day.year}-{d.day.month:02d}",
                                                   "file": (io.BytesIO(sheet), "sheet.xlsx")}, content_type="multipart/form-data")
    assert resp.status_code == 422 and "本月已关闭" in resp.text
    fresh()
    assert db.session.scalar(select(AttendanceRecord.status)) == "present"
    assert count(AttendanceRecord) == 1


def test_ensure_month_open_raises_a_translated_error(app_ctx, district: District) -> None:
    db.session.add(AttendanceMonth(township_id=district.township.id, year=2026, month=3, state=MonthState.CLOSED))
    db.session.flush()
    try:
        ensure_month_open(district.township.id, dt.date(2026, 3, 9))
    except ClosedMonthError as exc:
        assert "西河口乡 2026-03 已关闭" in str(exc)
        assert isinstance(exc, ValueError)
    else:
        raise AssertionError("a closed month must refuse")
    assert ensure_month_open(district.township.id, dt.date(2026, 4, 1)).state == MonthState.RECORDING


def test_only_a_submitted_month_can_be_closed(client, clock, district: District) -> None:
    clock.move_to(MONTH_OVER)
    sign_in(client, district.office)
    resp = client.post(url(district, "close"), follow_redirects=True)
    assert "只有已报送的月份才能关闭" in resp.text
    assert state(district) == MonthState.RECORDING


def test_office_can_send_a_submitted_month_back_with_a_reason(client, clock, district: District) -> None:
    clock.move_to(MONTH_OVER)
    sign_in(client, district.clerk)
    client.post(url(district, "submit"))
    sign_in(client, district.office)
    resp = client.post(url(district, "return"), data={"reason": ""})
    assert resp.status_code == 200 and "error" in resp.text
    assert state(district) == MonthState.SUBMITTED
    client.post(url(district, "return"), data={"reason": "石湖村缺3天"})
    assert state(district) == MonthState.RECORDING
    fresh()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "attendance_month.return"))
    assert event.reason == "石湖村缺3天"


def _closed(d: District) -> None:
    db.session.add(AttendanceMonth(township_id=d.township.id, year=d.day.year, month=d.day.month, state=MonthState.CLOSED,
                                   settings_used={"deduction_per_absent": "0", "posts": {}}))
    db.session.commit()


def test_reopen_needs_an_admin_a_reason_and_a_fresh_login(client, district: District) -> None:
    d = district
    _closed(d)
    sign_in(client, d.office)
    assert client.get(url(d, "reopen")).status_code == 403
    sign_in(client, d.admin)
    # Logged in long ago: asked to log in again, and nothing changes.
    d.admin.last_login_at = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=2)
    db.session.commit()
    page = client.get(url(d, "reopen")).text
    assert "请退出并重新登录" in page
    resp = client.post(url(d, "reopen"), data={"reason": "补录洪灾停工"})
    assert "重新登录" in resp.text and state(d) == MonthState.CLOSED
    # A fresh login, but no reason.
    fresh()
    d.admin.last_login_at = dt.datetime.now(dt.timezone.utc)
    db.session.commit()
    resp = client.post(url(d, "reopen"), data={"reason": ""})
    assert state(d) == MonthState.CLOSED
    resp = client.post(url(d, "reopen"), data={"reason": "补录洪灾停工"})
    assert resp.status_code == 302 and state(d) == MonthState.RECORDING
    fresh()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "attendance_month.reopen"))
    assert event.reason == "补录洪灾停工" and event.actor_id == d.admin.id and event.before["state"] == MonthState.CLOSED
    # Open again: the grid writes.
    sign_in(client, d.clerk)
    assert client.post("/attendance/grid", data=grid_post(d, {d.holders[0].id: "present"})).status_code == 302


def test_a_closed_month_keeps_the_numbers_it_was_closed_with(client, clock, district: District) -> None:
    d = district
    sign_in(client, d.clerk)
    client.post("/attendance/grid", data=grid_post(d, {d.holders[0].id: "absent"}))
    clock.move_to(MONTH_OVER)
    client.post(url(d, "submit"))
    fresh()
    current_settings().absence_deduction = Decimal("10")
    db.session.commit()
    sign_in(client, d.office)
    client.post(url(d, "close"))
    fresh()
    current_settings().absence_deduction = Decimal("50")
    db.session.commit()
    page = client.get(f"/attendance/sheet/{d.township.id}/{d.day.year}/{d.day.month}").text
    assert "10.00 元" in page and "50.00 元" not in page and "已锁定" in page


def test_a_clerk_cannot_act_on_another_townships_month(client, district: District) -> None:
    sign_in(client, district.clerk)
    assert client.post(url(district, "submit", district.other_township.id)).status_code == 404
    assert client.get(f"/attendance/sheet/{district.other_township.id}/2026/1").status_code == 404
    assert client.get(f"/attendance/sheet/{district.township.id}/2026/13").status_code == 404


def test_a_month_that_has_not_begun_cannot_be_submitted(client, district: District) -> None:
    d = district
    sign_in(client, d.clerk)
    year, month = (d.day.year + 1, 1)
    resp = client.post(f"/attendance/months/{d.township.id}/{year}/{month}/submit", follow_redirects=True)
    assert f"{year}-01 还没有结束：{year}-02-01 起才能报送和关闭。" in resp.text
    assert count(AttendanceMonth) == 0
