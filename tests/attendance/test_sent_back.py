"""Sent back means told: the office's reason is stored on the month, with who and when, and the
township's clerks read it on the months page, the grid and their worklist until they submit again."""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, select, text

from tests.attendance.conftest import District, build_district, fresh, grid_post, sign_in
from wardens import create_app
from wardens.attendance.months import MonthStateError, return_month, sent_back_month, submit_month
from wardens.core.worklist import months_sent_back
from wardens.dates import as_utc
from wardens.extensions import db
from wardens.models import AttendanceMonth, AuditEvent
from wardens.models.enums import MonthState

REASON = "江店村11月缺3天考勤，请补录后重报"


@pytest.fixture
def district(clock: Any, make: Any) -> District:
    clock.move_to("2026-12-02 09:00+08:00")
    d = build_district(make)
    db.session.add(AttendanceMonth(township_id=d.township.id, year=2026, month=11, state=MonthState.SUBMITTED,
                                   submitted_by_id=d.clerk.id))
    db.session.commit()
    return d


def months_url(d: District, action: str) -> str:
    return f"/attendance/months/{d.township.id}/2026/11/{action}"


def test_the_reason_is_stored_on_the_month_with_who_and_when(client, district: District) -> None:
    d = district
    sign_in(client, d.office)
    assert client.post(months_url(d, "return"), data={"reason": f"  {REASON} "}).status_code == 302
    fresh()
    row = db.session.scalar(select(AttendanceMonth).where(AttendanceMonth.township_id == d.township.id))
    assert row.state == MonthState.RECORDING and row.sent_back_reason == REASON
    assert row.sent_back_by_id == d.office.id and not row.sent_back_by_reopening
    assert as_utc(row.sent_back_at) == dt.datetime(2026, 12, 2, 1, 0, tzinfo=dt.timezone.utc)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "attendance_month.return"))
    assert event.reason == REASON and event.actor_id == d.office.id


def test_a_blank_reason_is_refused_and_nothing_changes(app_ctx, district: District) -> None:
    with pytest.raises(MonthStateError):
        return_month(district.township.id, 2026, 11, "   ", actor_id=district.office.id)
    db.session.rollback()
    assert sent_back_month(district.township.id, 2026, 11) is None


def test_the_clerk_reads_the_reason_on_the_months_page_and_the_grid_until_submitting_again(client, district: District) -> None:
    d = district
    return_month(d.township.id, 2026, 11, REASON, actor_id=d.office.id)
    db.session.commit()
    sign_in(client, d.clerk)
    # The months page of this month (December) lists it, and November's own row says it too.
    page = client.get("/attendance/months").text
    listed = page.split('data-testid="sent-back"')[1].split("</section>")[0]
    assert REASON in listed and "2026-11" in listed and "office" in listed  # the office user's name
    page = client.get("/attendance/months?month=2026-11").text
    row = page.split(f'data-testid="month-{d.township.id}"')[1].split("</tr>")[0]
    assert REASON in row
    # The grid of any day of November carries the banner; December's does not.
    grid = client.get(f"/attendance/grid?day=2026-11-20&township_id={d.township.id}").text
    banner = grid.split('data-testid="sent-back-banner"')[1].split("</div>")[0]
    assert REASON in banner and "退回" in banner
    assert 'data-testid="sent-back-banner"' not in client.get(f"/attendance/grid?day=2026-12-01&township_id={d.township.id}").text
    # Another township's clerk is not told.
    sign_in(client, d.other_clerk)
    assert REASON not in client.get("/attendance/months?month=2026-11").text
    # Submitted again: the reason is answered and no longer shown (the audit trail keeps it).
    sign_in(client, d.clerk)
    assert client.post("/attendance/grid", data=grid_post(d, {d.holders[0].id: "present"}, day=dt.date(2026, 11, 30))
                       ).status_code == 302
    client.post(months_url(d, "submit"))
    fresh()
    assert sent_back_month(d.township.id, 2026, 11) is None
    row = db.session.scalar(select(AttendanceMonth).where(AttendanceMonth.township_id == d.township.id))
    assert row.state == MonthState.SUBMITTED and row.sent_back_reason is None and row.sent_back_by_id is None
    assert REASON not in client.get("/attendance/months?month=2026-11").text
    assert 'data-testid="sent-back-banner"' not in client.get(f"/attendance/grid?day=2026-11-20&township_id={d.township.id}").text


def test_the_worklist_reads_the_stored_reason(app_ctx, district: District) -> None:
    d = district
    return_month(d.township.id, 2026, 11, REASON, actor_id=d.office.id)
    [item] = months_sent_back(d.township.id)
    assert REASON in item.detail and item.args == {"month": "2026-11"}
    submit_month(d.township.id, 2026, 11, d.clerk, today=dt.date(2026, 12, 2))
    assert months_sent_back(d.township.id) == []


def test_the_migration_tells_the_months_already_sent_back(tmp_path) -> None:
    """Months sent back before the upgrade get the reason of their latest step from the audit trail."""
    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "k", "WARDENS_ENV": "test"})
    with app.app_context():
        upgrade(revision="b7e41c9a2d35")  # the revision before 9a4c6e2f1b70 (month_sent_back_reason)
        db.engine.dispose()
    engine = create_engine(url)
    at = dt.datetime(2026, 11, 3, 2, 0)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO township (id, name, active) VALUES (1, '西河口乡', 1)"))
        for mid, (state, month) in enumerate([("recording", 9), ("recording", 10), ("submitted", 8)], start=1):
            conn.execute(text("INSERT INTO attendance_month (id, township_id, year, month, state) VALUES (:i, 1, 2026, :m, :s)"),
                         {"i": mid, "m": month, "s": state})
        events = [(1, "attendance_month.submit", None, 0), (1, "attendance_month.return", "九月缺签到", 1),
                  (2, "attendance_month.return", "旧原因", 0), (2, "attendance_month.submit", None, 1),
                  (3, "attendance_month.return", "已重报", 0)]
        for entity, action, reason, hours in events:
            conn.execute(text("INSERT INTO audit_event (at, action, entity_type, entity_id, reason) "
                              "VALUES (:at, :a, 'attendance_month', :e, :r)"),
                         {"at": at + dt.timedelta(hours=hours), "a": action, "e": entity, "r": reason})
    engine.dispose()
    with app.app_context():
        upgrade()
        told = dict(db.session.execute(select(AttendanceMonth.month, AttendanceMonth.sent_back_reason)).all())
        db.engine.dispose()
    # September went back last: told. October was submitted again, August is not recording: not told.
    assert told == {9: "九月缺签到", 10: None, 8: None}
