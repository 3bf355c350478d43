"""Every worklist rule (待办), on a small district under a controlled clock (2026-11-16)."""
from __future__ import annotations

import datetime as dt

import pytest
from flask_babel import force_locale

from wardens.attendance.months import return_month, submit_month
from wardens.core import worklist as wl
from wardens.dates import utcnow
from wardens.extensions import db
from wardens.models import AllocationRun, AttendanceMonth, AttendanceRecord, DismissalCase, Objection, Round
from tests.attendance.conftest import build_district
from tests.registry.conftest import login_en


@pytest.fixture
def d(clock, make):
    with force_locale("en"):
        yield build_district(make)


def record(assignments, first: dt.date, last: dt.date, status: str = "present") -> None:
    day = first
    while day <= last:
        for a in assignments:
            db.session.add(AttendanceRecord(assignment_id=a.id, day=day, status=status))
        day += dt.timedelta(days=1)
    db.session.flush()


def test_a_month_sent_back_is_waiting_for_the_clerk_with_its_reason_until_submitted_again(d):
    submit_month(d.township.id, 2026, 10, d.clerk, today=d.day)
    assert wl.months_sent_back(d.township.id) == []
    return_month(d.township.id, 2026, 10, "江店村少了三天", actor_id=d.office.id)
    [item] = wl.months_sent_back(d.township.id)
    assert (item.rule, item.endpoint, item.args) == ("months_sent_back", "attendance.months", {"month": "2026-10"})
    assert item.detail == "Reason: 江店村少了三天" and item.urgent
    assert wl.months_sent_back(d.other_township.id) == []
    submit_month(d.township.id, 2026, 10, d.clerk, today=d.day)
    assert wl.months_sent_back(d.township.id) == []


def test_days_of_this_month_not_yet_recorded_each_link_to_the_grid_of_that_day(d):
    record(d.holders, dt.date(2026, 11, 1), dt.date(2026, 11, 15))
    db.session.delete(db.session.scalar(
        db.select(AttendanceRecord).where(AttendanceRecord.day == dt.date(2026, 11, 10)).limit(1)))
    db.session.flush()
    items = wl.days_not_recorded(d.township.id, d.day)
    assert [(i.args["day"], i.urgent) for i in items] == [("2026-11-10", True), ("2026-11-16", False)]
    assert items[0].text.endswith(": 1 holder not yet recorded")
    assert items[1].text == "today: 6 holders not yet recorded"
    assert items[0].endpoint == "attendance.grid" and items[0].args["township_id"] == d.township.id


def test_a_holder_not_yet_in_post_is_not_expected_on_the_grid(d, make):
    later = make.assignment(make.person(make.household(d.villages[0])), make.post(d.villages[0]),
                            term_start=dt.date(2026, 11, 16), term_end=dt.date(2027, 11, 15))
    record(d.holders, dt.date(2026, 11, 1), dt.date(2026, 11, 16))
    [item] = wl.days_not_recorded(d.township.id, d.day)
    assert item.args["day"] == "2026-11-16" and item.text == "today: 1 holder not yet recorded"
    record([later], d.day, d.day)
    assert wl.days_not_recorded(d.township.id, d.day) == []


def test_holders_with_unexcused_absences_from_the_review_limit(d):
    # The district's limit is 5 days in a month: 4 is not listed, 5 is.
    first, second = d.holders[0], d.holders[1]
    record([first], dt.date(2026, 11, 1), dt.date(2026, 11, 5), "absent")
    record([second], dt.date(2026, 11, 1), dt.date(2026, 11, 4), "absent")
    [item] = wl.absences_over_threshold(d.township.id, d.day)
    assert item.text == f"{first.person.name} ({first.post.code}): unexcused absences over the limit"
    assert (item.endpoint, item.args) == ("attendance.sheet", {"township_id": d.township.id, "year": 2026, "month": 11})
    assert "5 days of unexcused absence" in item.detail


def test_months_submitted_wait_for_the_office(d):
    assert wl.months_waiting_review() == []
    submit_month(d.township.id, 2026, 10, d.clerk, today=d.day)
    [item] = wl.months_waiting_review()
    assert item.text == "西河口乡 submitted October 2026"
    assert item.args == {"township_id": d.township.id, "year": 2026, "month": 10}


def test_months_past_their_deadline_are_chased_from_the_first_recorded_month(d, clock):
    # Attendance starts in September; September is closed, October nobody submitted.
    record(d.holders[:1], dt.date(2026, 9, 1), dt.date(2026, 9, 3))
    db.session.add(AttendanceMonth(township_id=d.township.id, year=2026, month=9, state="closed"))
    db.session.add(AttendanceMonth(township_id=d.other_township.id, year=2026, month=9, state="submitted"))
    db.session.flush()
    # The deadline is the 25th of the next month (a month is submitted once it has ended):
    # October is not due on November 16th, it is on the 26th.
    assert wl.months_past_deadline(d.day) == []
    assert wl.months_past_deadline(dt.date(2026, 11, 25)) == []
    items = wl.months_past_deadline(dt.date(2026, 11, 26))
    assert [i.text for i in items] == ["单王乡 has not submitted October 2026", "西河口乡 has not submitted October 2026"]
    assert items[0].detail == "Due Nov 25, 2026"
    assert wl.months_past_deadline(dt.date(2026, 12, 26))[-1].text == "西河口乡 has not submitted November 2026"
    submit_month(d.township.id, 2026, 10, d.clerk, today=d.day)
    assert [i.text for i in wl.months_past_deadline(dt.date(2026, 11, 26))] == ["单王乡 has not submitted October 2026"]


def test_a_township_without_holders_that_month_is_not_chased(clock, make):
    d = build_district(make, term_start=dt.date(2026, 11, 1))
    with force_locale("en"):
        _not_chased(d)


def _not_chased(d):
    record(d.holders[:1], dt.date(2026, 11, 1), dt.date(2026, 11, 1))
    assert wl.months_past_deadline(dt.date(2026, 12, 26))[0].text == "单王乡 has not submitted November 2026"
    assert wl.months_past_deadline(dt.date(2026, 12, 20)) == []


def _round(state: str, notice_end: dt.date | None = None) -> Round:
    rnd = Round(name="2027年度动态调整", year=2027, term_start=dt.date(2027, 1, 1), term_end=dt.date(2027, 12, 31),
                reference_date=dt.date(2026, 12, 31), rules={}, state=state,
                notice_start=notice_end and notice_end - dt.timedelta(days=7), notice_end=notice_end)
    db.session.add(rnd)
    db.session.flush()
    return rnd


def test_open_objections_and_notice_periods_ending(d):
    rnd = _round("notice", dt.date(2026, 11, 19))
    assert [i.text for i in wl.notice_periods_ending(d.day)] == ["2027年度动态调整: the notice ends on Nov 19, 2026"]
    assert wl.notice_periods_ending(dt.date(2026, 11, 15)) == []  # four days ahead: not yet
    [ended] = wl.notice_periods_ending(dt.date(2026, 11, 20))
    assert ended.urgent and "ready for approval" in ended.text
    assert wl.open_objections() == []
    for who in ("张三", "李四"):
        db.session.add(Objection(round_id=rnd.id, raised_by=who, content="不服", raised_on=d.day))
    db.session.add(Objection(round_id=rnd.id, raised_by="王五", content="不服", raised_on=d.day,
                             outcome="维持", settled_on=d.day))
    db.session.flush()
    [item] = wl.open_objections()
    assert item.text == "2027年度动态调整: 2 objections to settle"
    assert (item.endpoint, item.args) == ("reallocation.round_view", {"round_id": rnd.id})
    rnd.state = "approved"
    assert wl.notice_periods_ending(dt.date(2026, 11, 20)) == []


def test_dismissal_flags_open_and_fills_waiting(d):
    assert wl.dismissal_flags_open() == [] and wl.fills_waiting_approval() == []
    db.session.add(DismissalCase(assignment_id=d.holders[0].id, rule="age", period="2026", evidence="…"))
    db.session.add(DismissalCase(assignment_id=d.holders[1].id, rule="age", period="2026", evidence="…",
                                 decision="cleared", decision_reason="ok"))
    rnd = _round("in_force")
    post = d.holders[0].post
    older = AllocationRun(round_id=rnd.id, kind="mid_year", problem={}, result_head={}, post_id=post.id,
                          created_at=utcnow() - dt.timedelta(days=2))
    newer = AllocationRun(round_id=rnd.id, kind="mid_year", problem={}, result_head={}, post_id=post.id)
    db.session.add_all([older, newer])
    db.session.flush()
    assert [i.text for i in wl.dismissal_flags_open()] == ["1 dismissal flag to review"]
    [fill] = wl.fills_waiting_approval()
    assert (fill.args, fill.text) == ({"run_id": newer.id}, f"Mid-year fill of post {post.code} waits for approval")
    newer.approved_at = utcnow()
    assert wl.fills_waiting_approval() == []


def test_locked_accounts_until_the_lock_runs_out(d):
    d.clerk.locked_until = utcnow() + dt.timedelta(minutes=10)
    d.other_clerk.locked_until = utcnow() - dt.timedelta(minutes=1)
    db.session.flush()
    [item] = wl.locked_accounts()
    assert (item.endpoint, item.args) == ("admin.user_edit", {"user_id": d.clerk.id})


def test_each_role_sees_its_own_rules_and_a_clerk_only_their_township(d):
    submit_month(d.other_township.id, 2026, 10, d.other_clerk, today=d.day)
    return_month(d.other_township.id, 2026, 10, "重报", actor_id=d.office.id)
    clerk_rules = {i.rule for i in wl.worklist("clerk", d.day, d.township.id)}
    assert clerk_rules == {"days_not_recorded"}
    assert {i.rule for i in wl.worklist("clerk", d.day, d.other_township.id)} == {"days_not_recorded", "months_sent_back"}
    d.clerk.locked_until = utcnow() + dt.timedelta(minutes=10)
    assert {i.rule for i in wl.worklist("admin", d.day)} == {"locked_accounts"}
    assert wl.worklist("warden", d.day) == []


def test_the_home_page_lists_the_work_as_links(d, client):
    submit_month(d.township.id, 2026, 10, d.clerk, today=d.day)
    db.session.commit()
    login_en(client, d.office.username)
    html = client.get("/").get_data(as_text=True)
    assert 'data-rule="months_waiting_review"' in html
    assert f'href="/attendance/sheet/{d.township.id}/2026/10">西河口乡 submitted October 2026</a>' in html
    login_en(client, d.admin.username)
    assert "Nothing is waiting for you." in client.get("/").get_data(as_text=True)
