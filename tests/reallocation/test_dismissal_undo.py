"""清退 asks first (its consequence shown, nothing written) and the office can undo it while no fill of
the slot is approved and no closed month lies in the days it gives back. Posted by hand, clock at 2026-11-16."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from tests.attendance.conftest import sign_in
from tests.reallocation.district import District, build
from wardens.extensions import db
from wardens.models import AllocationRun, Assignment, AttendanceMonth, AuditEvent, DismissalCase, RunKind
from wardens.models.enums import DismissalState, EndReason, MonthState, Origin, RoundState
from wardens.reallocation import adapter, applications, pins
from wardens.reallocation.rounds import open_round


def setup(make) -> tuple[District, DismissalCase, DismissalCase]:  # type: ignore[no-untyped-def]
    """The 2026 round in force with 周受灾 waiting for XH-02, and two open flags on 李缺勤's agreement."""
    d = build(make)
    rnd = open_round(name="2026", year=2026, term_start=dt.date(2026, 1, 1), term_end=dt.date(2026, 12, 31),
                     reference_date=dt.date(2026, 1, 1), notice_days=5, today=dt.date(2025, 12, 1), user_id=None)
    for person, code in ((d.holder_good, "XH-01"), (d.holder_poor, "XH-02"), (d.poor, "XH-01"), (d.plain2, "XH-02")):
        applications.add_application(rnd, person, [code], actor_id=None)
    keeper = [a for a in rnd.applications if a.person_id == d.holder_poor.id][0]
    pins.pin(keeper, d.p2, "留任", actor_id=None)
    run = adapter.run_round(rnd, user_id=None)
    # Put on notice and approved last December, as the stored round would be (a notice cannot be
    # started today on a date before its run: the notice calendar).
    rnd.chosen_run_id, rnd.notice_start, rnd.notice_end = run.id, dt.date(2025, 12, 1), dt.date(2025, 12, 5)
    rnd.state = RoundState.IN_FORCE
    agreement = db.session.scalar(select(Assignment).where(Assignment.person_id == d.holder_poor.id))
    main = DismissalCase(assignment_id=agreement.id, rule="no_priority_group", period="2026", evidence="村干部户")
    other = DismissalCase(assignment_id=agreement.id, rule="absent_days", period="2026-10", evidence="旷工 11 天")
    db.session.add_all([main, other])
    db.session.commit()
    return d, main, other


def relogin(client, user) -> None:  # type: ignore[no-untyped-def]
    """A later day: a new login (the session clocks start again)."""
    with client.session_transaction() as session:
        session.clear()
    sign_in(client, user)


def dismiss(client, case_id: int, day: str = "2026-11-16", confirm: bool = True):  # type: ignore[no-untyped-def]
    data = {"reason": "村干部户不得上岗", "last_day": day}
    if confirm:
        data["confirm"] = "1"
    resp = client.post(f"/reallocation/dismissals/{case_id}/dismiss", data=data)
    db.session.rollback()
    return resp


def undo(client, case_id: int, reason: str = "核实后为误判"):  # type: ignore[no-untyped-def]
    resp = client.post(f"/reallocation/dismissals/{case_id}/undo", data={"reason": reason}, follow_redirects=True)
    db.session.rollback()
    return resp


def state(agreement_id: int, *case_ids: int) -> tuple:
    db.session.rollback()
    a = db.session.get(Assignment, agreement_id)
    return (a.ended_on, a.end_reason, a.end_note, *[db.session.get(DismissalCase, c).decision for c in case_ids])


def test_the_consequence_is_shown_first_and_nothing_is_written(clock, client, make) -> None:  # type: ignore[no-untyped-def]
    d, main, other = setup(make)
    sign_in(client, d.users["office"])
    before = state(main.assignment_id, main.id, other.id)
    events = db.session.scalar(select(db.func.count()).select_from(AuditEvent))
    resp = dismiss(client, main.id, confirm=False)
    assert resp.status_code == 200
    shown = resp.text.split('data-testid="dismiss-consequence"', 1)[1].split("</ul>", 1)[0]
    assert "协议于 2026-11-16 终止" in shown and "2026-12-31" in shown  # the end, and what it would have run to
    assert "2026-11-17" in shown and "XH-02" in shown and "2026 的候补名单" in shown  # the slot freed, and from where
    assert "李缺勤本人的页面将显示" in shown and "另有 1 条" in shown
    assert state(main.assignment_id, main.id, other.id) == before
    assert db.session.scalar(select(db.func.count()).select_from(AuditEvent)) == events
    # A last day outside the agreement is refused already here, by the field, with the dates.
    resp = dismiss(client, main.id, day="2027-02-01", confirm=False)
    assert resp.status_code == 302 and "2026-01-01 至 2026-12-31" in client.get("/reallocation/dismissals").text
    assert state(main.assignment_id, main.id, other.id) == before


def test_confirm_dismisses_and_undo_restores_the_agreement_and_both_flags(clock, client, make) -> None:  # type: ignore[no-untyped-def]
    d, main, other = setup(make)
    sign_in(client, d.users["office"])
    assert dismiss(client, main.id).status_code == 302
    assert state(main.assignment_id, main.id, other.id) == (dt.date(2026, 11, 16), EndReason.DISMISSED, "村干部户不得上岗",
                                                            DismissalState.DISMISSED, DismissalState.DISMISSED)
    page = client.get("/reallocation/dismissals").text
    assert "撤销清退" in page
    # The flag settled with it is undone with it, not on its own.
    resp = undo(client, other.id)
    assert "请撤销该条" in resp.text and state(main.assignment_id, other.id)[-1] == DismissalState.DISMISSED
    # Undo needs a reason.
    assert "请填写理由" in undo(client, main.id, reason="").text
    resp = undo(client, main.id)
    assert "已撤销" in resp.text
    assert state(main.assignment_id, main.id, other.id) == (None, None, None, None, None)
    fresh = db.session.get(DismissalCase, main.id)
    assert fresh.state == DismissalState.OPEN and fresh.decided_at is None and fresh.prior_ended_on is None
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "dismissal_undone")
                                     .order_by(AuditEvent.id)))
    assert [e.entity_id for e in events] == [main.id, other.id]
    assert events[0].actor_id == d.users["office"].id and events[0].reason == "核实后为误判"
    assert events[0].before["agreement"]["ended_on"] == "2026-11-16" and events[0].after["agreement"]["ended_on"] is None
    # Undone once: undoing again is refused, and it may be dismissed again.
    assert "“待决定”" in undo(client, main.id).text and state(main.assignment_id, main.id)[-1] is None
    assert dismiss(client, main.id).status_code == 302
    assert state(main.assignment_id, main.id)[-1] == DismissalState.DISMISSED


def test_undo_gives_back_an_earlier_end_the_agreement_had(clock, client, make) -> None:  # type: ignore[no-untyped-def]
    d, main, other = setup(make)
    agreement = db.session.get(Assignment, main.assignment_id)
    agreement.ended_on, agreement.end_reason, agreement.end_note = dt.date(2026, 12, 20), EndReason.REALLOCATED, "下年度调整"
    db.session.commit()
    sign_in(client, d.users["office"])
    dismiss(client, main.id)
    undo(client, main.id)
    assert state(main.assignment_id)[:3] == (dt.date(2026, 12, 20), EndReason.REALLOCATED, "下年度调整")


def test_undo_is_refused_once_a_fill_of_the_slot_is_approved(clock, client, make) -> None:  # type: ignore[no-untyped-def]
    d, main, other = setup(make)
    sign_in(client, d.users["office"])
    dismiss(client, main.id)
    clock.shift(dt.timedelta(days=1))
    relogin(client, d.users["office"])
    assert client.post("/reallocation/fills", data={"post_id": str(d.p2.id)}).status_code == 302
    db.session.rollback()
    fill = db.session.scalar(select(AllocationRun).where(AllocationRun.kind == RunKind.MID_YEAR))
    # A fill run but not approved does not stand in the way (shown on the page as undoable).
    assert "撤销清退" in client.get("/reallocation/dismissals").text
    client.post(f"/reallocation/fills/{fill.id}/approve")
    db.session.rollback()
    assert db.session.scalar(select(Assignment).where(Assignment.origin == Origin.MID_YEAR)) is not None
    page = client.get("/reallocation/dismissals").text
    assert f"#{fill.id}" in page.split('data-testid="undo-blocked"', 1)[1].split("</span>", 1)[0]
    before = state(main.assignment_id, main.id, other.id)
    resp = undo(client, main.id)
    assert f"#{fill.id}" in resp.text and "2026-11-17" in resp.text and "周受灾" in resp.text
    assert state(main.assignment_id, main.id, other.id) == before


def test_undo_is_refused_when_the_days_it_gives_back_are_in_a_closed_month(clock, client, make) -> None:  # type: ignore[no-untyped-def]
    d, main, other = setup(make)
    sign_in(client, d.users["office"])
    dismiss(client, main.id, day="2026-11-10")
    clock.move_to("2026-12-02 09:00+08:00")
    db.session.add(AttendanceMonth(township_id=d.v1.township_id, year=2026, month=11, state=MonthState.CLOSED))
    db.session.commit()
    relogin(client, d.users["office"])
    before = state(main.assignment_id, main.id, other.id)
    resp = undo(client, main.id)
    assert "2026-11 已关闭" in resp.text and "2026-11-11" in resp.text
    assert state(main.assignment_id, main.id, other.id) == before


def test_only_the_office_undoes_and_only_a_dismissal(clock, client, make) -> None:  # type: ignore[no-untyped-def]
    d, main, other = setup(make)
    sign_in(client, d.users["office"])
    client.post(f"/reallocation/dismissals/{other.id}/clear", data={"reason": "已核实"})
    dismiss(client, main.id)
    sign_in(client, d.users["clerk"])
    assert client.post(f"/reallocation/dismissals/{main.id}/undo", data={"reason": "x"}).status_code == 403
    sign_in(client, d.users["office"])
    resp = client.post(f"/reallocation/dismissals/{other.id}/undo", data={"reason": "x"})
    assert resp.status_code in (302, 303, 409)
    db.session.rollback()
    assert db.session.get(DismissalCase, other.id).decision == DismissalState.CLEARED
    assert state(main.assignment_id, main.id)[-1] == DismissalState.DISMISSED
