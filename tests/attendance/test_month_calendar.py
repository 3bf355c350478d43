"""The month calendar: a township's month is submitted and closed only after its last day has
passed in the district (docs/domain.md, Calendars), on every path, and the buttons say so first."""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

from tests.attendance.conftest import District, build_district, count, fresh, sign_in
from wardens.attendance.months import (
    MonthStateError,
    close_month,
    month_not_ended,
    month_state,
    submit_month,
    submittable_from,
)
from wardens.extensions import db
from wardens.models import AttendanceMonth, AuditEvent
from wardens.models.enums import MonthState

REFUSED = "2026-11 还没有结束：2026-12-01 起才能报送和关闭。"


@pytest.fixture
def district(clock: Any, make: Any) -> District:
    clock.move_to("2026-11-02 09:00+08:00")
    return build_district(make)


def url(d: District, action: str) -> str:
    return f"/attendance/months/{d.township.id}/2026/11/{action}"


def test_the_rule_names_the_first_day_of_the_next_month(app_ctx) -> None:
    assert submittable_from(2026, 11) == dt.date(2026, 12, 1)
    assert submittable_from(2026, 12) == dt.date(2027, 1, 1)
    assert submittable_from(2028, 2) == dt.date(2028, 3, 1)
    assert month_not_ended(2026, 12, dt.date(2026, 12, 31)) == "2026-12 还没有结束：2027-01-01 起才能报送和关闭。"
    assert month_not_ended(2026, 12, dt.date(2027, 1, 1)) is None


# The last minute of November in the district is 15:59 UTC; its first of December, 16:00 UTC.
@pytest.mark.parametrize("now", ["2026-11-01 00:00+08:00", "2026-11-16 12:00+08:00", "2026-11-30 23:59+08:00",
                                 "2026-11-30 15:59+00:00"])
def test_submitting_before_the_month_ends_is_refused_with_the_date(client, clock, district: District, now: str) -> None:
    d = district
    clock.move_to(now)
    sign_in(client, d.clerk)
    resp = client.post(url(d, "submit"), follow_redirects=True)
    assert REFUSED in resp.text
    fresh()
    assert month_state(d.township.id, 2026, 11) == MonthState.RECORDING
    assert count(AttendanceMonth) == 0 and count(AuditEvent, AuditEvent.action == "attendance_month.submit") == 0


def test_the_month_can_be_submitted_from_midnight_in_the_district(client, clock, district: District) -> None:
    d = district
    clock.move_to("2026-11-30 16:00+00:00")  # 2026-12-01 00:00 in Asia/Shanghai, still 11-30 in UTC
    sign_in(client, d.clerk)
    client.post(url(d, "submit"))
    fresh()
    assert month_state(d.township.id, 2026, 11) == MonthState.SUBMITTED


def test_closing_before_the_month_ends_is_refused_even_when_it_was_submitted(client, clock, district: District) -> None:
    """A month submitted early (as the old rule allowed) still cannot be closed before its end."""
    d = district
    db.session.add(AttendanceMonth(township_id=d.township.id, year=2026, month=11, state=MonthState.SUBMITTED,
                                   submitted_by_id=d.clerk.id))
    db.session.commit()
    clock.move_to("2026-11-30 23:59+08:00")
    sign_in(client, d.office)
    resp = client.post(url(d, "close"), follow_redirects=True)
    assert REFUSED in resp.text
    fresh()
    row = db.session.scalar(select(AttendanceMonth))
    assert row.state == MonthState.SUBMITTED and row.closed_at is None and row.settings_used is None
    assert count(AuditEvent, AuditEvent.action == "attendance_month.close") == 0
    # The operation refuses by itself, whoever calls it: it reads the district's clock.
    with pytest.raises(MonthStateError, match="2026-12-01"):
        close_month(d.township.id, 2026, 11, d.office)
    db.session.rollback()
    clock.move_to("2026-12-01 00:01+08:00")
    sign_in(client, d.office)
    client.post(url(d, "close"))
    fresh()
    assert month_state(d.township.id, 2026, 11) == MonthState.CLOSED


def test_the_operation_refuses_a_submit_before_the_end(app_ctx, district: District) -> None:
    with pytest.raises(MonthStateError, match="2026-12-01"):
        submit_month(district.township.id, 2026, 11, district.clerk, today=dt.date(2026, 11, 30))
    assert count(AttendanceMonth) == 0


def test_the_buttons_are_disabled_with_the_date_before_the_end(client, clock, district: District) -> None:
    d = district
    db.session.add(AttendanceMonth(township_id=d.other_township.id, year=2026, month=11, state=MonthState.SUBMITTED))
    db.session.commit()
    clock.move_to("2026-11-30 23:50+08:00")
    sign_in(client, d.office)
    page = client.get("/attendance/months?month=2026-11").text
    submit_cell = page.split(f'data-testid="month-{d.township.id}"')[1].split("</tr>")[0]
    close_cell = page.split(f'data-testid="month-{d.other_township.id}"')[1].split("</tr>")[0]
    for cell, label, reason_id in ((submit_cell, "报送路长办", f"why-submit-{d.township.id}"),
                                   (close_cell, "关闭并拨付", f"why-close-{d.other_township.id}")):
        assert "disabled" in cell and f'aria-describedby="{reason_id}"' in cell and label in cell
        assert f'id="{reason_id}">{REFUSED}</span>' in cell
        assert "<form" not in cell.split("退回")[0]  # nothing to post but sending back
    clock.move_to("2026-12-01 00:10+08:00")
    page = client.get("/attendance/months?month=2026-11").text
    assert REFUSED not in page and "disabled" not in page.split('data-testid="months"')[1]
    assert f'action="/attendance/months/{d.township.id}/2026/11/submit"' in page
    assert f'action="/attendance/months/{d.other_township.id}/2026/11/close"' in page


def test_the_office_can_still_send_back_a_month_before_its_end(client, clock, district: District) -> None:
    d = district
    db.session.add(AttendanceMonth(township_id=d.township.id, year=2026, month=11, state=MonthState.SUBMITTED))
    db.session.commit()
    clock.move_to("2026-11-20 10:00+08:00")
    sign_in(client, d.office)
    assert client.post(url(d, "return"), data={"reason": "月份还没结束"}).status_code == 302
    fresh()
    assert month_state(d.township.id, 2026, 11) == MonthState.RECORDING
