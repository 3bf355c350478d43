"""The notice calendar on the server's clock (docs/domain.md, The yearly round): a notice starts
no earlier than its run and than today, lasts whole days, and approval comes after its end with
every objection settled. The round page shows each refused action disabled with the same words."""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.helpers import login
from tests.reallocation.district import District, build
from wardens.extensions import db
from wardens.models import AuditEvent, Round
from wardens.models.enums import RoundState
from wardens.reallocation import adapter, applications, approval, notice
from wardens.reallocation.errors import RefusedError
from wardens.reallocation.rounds import open_round

TODAY = dt.date(2026, 11, 16)  # the clock fixture's day


@pytest.fixture
def d(clock: Any, make: Any) -> District:
    return build(make)


def proposed(d: District) -> tuple[Round, Any]:
    rnd = open_round(name="2027", year=2027, term_start=dt.date(2027, 1, 1), term_end=dt.date(2027, 12, 31),
                     reference_date=dt.date(2027, 1, 1), notice_days=5, today=TODAY, user_id=None)
    for person in (d.flood_poor, d.poor):
        applications.add_application(rnd, person, ["XH-01"], actor_id=None)
    run = adapter.run_round(rnd, user_id=None)
    db.session.commit()
    return rnd, run


def section(page: str, testid: str) -> str:
    return page.split(f'data-testid="{testid}"')[1].split("</div>")[0]


def test_the_period_follows_from_the_start_in_whole_days(app_ctx) -> None:
    period = notice.notice_period(dt.date(2026, 11, 28), 5)
    assert (period.end, period.approvable_from) == (dt.date(2026, 12, 2), dt.date(2026, 12, 3))
    assert notice.notice_period(dt.date(2026, 11, 16), 1).approvable_from == dt.date(2026, 11, 17)


def test_the_run_is_dated_by_the_district_s_day(clock, d: District) -> None:
    clock.move_to("2026-11-16 23:30+08:00")  # 15:30 UTC: still the 16th in the district
    rnd, run = proposed(d)
    assert notice.run_made_on(run) == dt.date(2026, 11, 16)
    clock.move_to("2026-11-17 00:10+08:00")  # the 16th in UTC, the 17th in the district
    assert notice.earliest_notice_start(run, dt.date(2026, 11, 17)) == dt.date(2026, 11, 17)


def test_a_notice_may_start_later_and_approval_waits_for_its_end(client, clock, d: District) -> None:
    rnd, run = proposed(d)
    period = notice.start_notice(rnd, run, dt.date(2026, 11, 19), TODAY, actor_id=None)
    db.session.commit()
    assert (rnd.notice_start, rnd.notice_end, period.approvable_from) == (
        dt.date(2026, 11, 19), dt.date(2026, 11, 23), dt.date(2026, 11, 24))
    # Before the notice starts nobody can object to it yet.
    with pytest.raises(RefusedError, match="2026-11-19"):
        notice.record_objection(rnd, raised_by="村民甲", content="异议", raised_on=TODAY, about=None, today=TODAY, user_id=None)
    db.session.rollback()
    for day in (TODAY, dt.date(2026, 11, 23)):
        assert approval.why_not_approvable_yet(rnd, day) == ["公示期到 2026-11-23 结束，从 2026-11-24 起才能批准。"]
    assert approval.why_not_approvable_yet(rnd, dt.date(2026, 11, 24)) == []
    # Through the page, on the server's clock: refused on the 23rd, done on the 24th.
    clock.move_to("2026-11-23 18:00+08:00")
    login(client, "office1")
    page = client.post(f"/reallocation/rounds/{rnd.id}/approve", follow_redirects=True).text
    assert "从 2026-11-24 起才能批准" in page
    db.session.commit()
    assert db.session.get(Round, rnd.id).state == RoundState.NOTICE
    clock.move_to("2026-11-24 08:00+08:00")
    login(client, "office1")
    assert client.post(f"/reallocation/rounds/{rnd.id}/approve").status_code == 302
    db.session.commit()
    assert db.session.get(Round, rnd.id).state == RoundState.APPROVED


def test_the_approve_button_is_disabled_with_every_reason(client, clock, d: District) -> None:
    rnd, run = proposed(d)
    notice.start_notice(rnd, run, TODAY, TODAY, actor_id=None)
    objection = notice.record_objection(rnd, raised_by="村民乙", content="异议", raised_on=TODAY, about=None, today=TODAY, user_id=None)
    db.session.commit()
    login(client, "office1")
    page = client.get(f"/reallocation/rounds/{rnd.id}").text
    refused = section(page, "approve-refused")
    assert "disabled" in refused and 'aria-describedby="why-approve"' in refused
    assert "公示期到 2026-11-20 结束，从 2026-11-21 起才能批准。" in refused
    assert "有 1 条异议尚未处理：村民乙（2026-11-16）。" in refused
    assert f'action="/reallocation/rounds/{rnd.id}/approve"' not in page
    assert "所有异议处理完毕后，2026-11-21 起可以批准本轮。" in page
    # The notice over, the objection still open: only that reason is left.
    clock.move_to("2026-11-21 09:00+08:00")
    login(client, "office1")
    refused = section(client.get(f"/reallocation/rounds/{rnd.id}").text, "approve-refused")
    assert "公示期" not in refused and "村民乙" in refused
    assert client.post(f"/reallocation/objections/{objection.id}/settle", data={"outcome": "已答复"}).status_code == 302
    page = client.get(f"/reallocation/rounds/{rnd.id}").text
    assert 'data-testid="approve-refused"' not in page and f'action="/reallocation/rounds/{rnd.id}/approve"' in page


def test_mark_in_force_is_disabled_before_the_term_and_refused_by_hand(client, clock, d: District) -> None:
    rnd, run = proposed(d)
    notice.start_notice(rnd, run, TODAY, TODAY, actor_id=None)
    approval.approve_round(rnd, dt.date(2026, 11, 21), user_id=None)
    db.session.commit()
    clock.move_to("2026-12-31 20:00+08:00")
    login(client, "office1")
    page = client.get(f"/reallocation/rounds/{rnd.id}").text
    refused = page.split('data-testid="in-force-refused"')[1].split("</span></span>")[0]
    assert "disabled" in refused and "聘期从 2027-01-01 开始" in refused
    assert f'action="/reallocation/rounds/{rnd.id}/in-force"' not in page
    events = db.session.scalar(select(func.count()).select_from(AuditEvent))
    page = client.post(f"/reallocation/rounds/{rnd.id}/in-force", follow_redirects=True).text
    assert "聘期从 2027-01-01 开始" in page
    db.session.commit()
    assert db.session.get(Round, rnd.id).state == RoundState.APPROVED
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == events
    clock.move_to("2027-01-01 08:00+08:00")
    login(client, "office1")
    assert f'action="/reallocation/rounds/{rnd.id}/in-force"' in client.get(f"/reallocation/rounds/{rnd.id}").text


def test_a_run_no_longer_current_cannot_go_on_notice(client, d: District) -> None:
    rnd, run = proposed(d)
    applications.add_application(rnd, d.plain2, ["XH-02"], actor_id=None)  # the input changed after the run
    db.session.commit()
    login(client, "office1")
    page = client.get(f"/reallocation/rounds/{rnd.id}").text
    refused = page.split('data-testid="notice-refused"')[1].split("</p>")[0]
    assert "disabled" in refused and "请重新测算" in refused
    assert 'data-testid="notice-form"' not in page
    # Posted by hand, confirmed or not: refused, nothing changed.
    for confirmed in ("", "1"):
        page = client.post(f"/reallocation/rounds/{rnd.id}/notice",
                           data={"run_id": str(run.id), "start": TODAY.isoformat(), "confirmed": confirmed},
                           follow_redirects=True).text
        assert "请重新测算" in page
    db.session.commit()
    assert db.session.get(Round, rnd.id).state == RoundState.PROPOSED and rnd.notice_start is None


def test_the_confirm_step_changes_nothing_and_a_backdated_start_is_refused_by_hand(client, d: District) -> None:
    rnd, run = proposed(d)
    login(client, "office1")
    page = client.get(f"/reallocation/rounds/{rnd.id}").text
    assert 'value="2026-11-16"' in page.split('data-testid="notice-form"')[1].split("</form>")[0]
    events = db.session.scalar(select(func.count()).select_from(AuditEvent))
    preview = client.post(f"/reallocation/rounds/{rnd.id}/notice", data={"run_id": str(run.id), "start": "2026-11-18"})
    assert preview.status_code == 200
    assert "2026-11-18 至 2026-11-22（5 天）" in preview.text.split('data-testid="confirm-period"')[1].split("</dd>")[0]
    assert "2026-11-23 起（所有异议处理完毕后）" in preview.text
    db.session.commit()
    assert db.session.get(Round, rnd.id).state == RoundState.PROPOSED
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == events
    page = client.post(f"/reallocation/rounds/{rnd.id}/notice",
                       data={"run_id": str(run.id), "start": "2026-11-15", "confirmed": "1"}, follow_redirects=True).text
    assert "公示不能从 2026-11-15 开始：最早从 2026-11-16 开始" in page
    db.session.commit()
    assert db.session.get(Round, rnd.id).state == RoundState.PROPOSED
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == events
