"""Every bad input of issue 6 is refused with its precise message (in Chinese, the default), and nothing changes."""
from __future__ import annotations

import datetime as dt
from typing import Any, Callable

import pytest
from sqlalchemy import func, select

from tests.helpers import login
from tests.reallocation.district import District, build
from wardens.extensions import db
from wardens.models import AllocationRun, Application, Assignment, AuditEvent, Objection, Post, Round
from wardens.reallocation import adapter, applications, approval, notice, pins
from wardens.reallocation.errors import RefusedError
from wardens.reallocation.rounds import open_round
from wardens.models.enums import MonthState

TODAY = dt.date(2026, 11, 16)


def new_round(**kw: Any) -> Round:
    return open_round(name="2027", year=2027, term_start=dt.date(2027, 1, 1), term_end=dt.date(2027, 12, 31),
                      reference_date=dt.date(2027, 1, 1), notice_days=5, today=TODAY, **{"user_id": None, **kw})


def state() -> tuple:
    """A fingerprint of everything a refused action must leave untouched."""
    return (
        db.session.scalar(select(func.count()).select_from(Application)),
        db.session.scalar(select(func.count()).select_from(AllocationRun)),
        db.session.scalar(select(func.count()).select_from(Assignment)),
        db.session.scalar(select(func.count()).select_from(AuditEvent)),
        db.session.scalar(select(func.count()).select_from(Objection)),
        tuple(db.session.execute(select(Round.state, Round.chosen_run_id)).all()),
        tuple(db.session.execute(select(Application.id, Application.pinned_post_id)).all()),
    )


def on_notice(d: District, *, start: dt.date) -> Round:
    rnd = new_round()
    for person in (d.flood_poor, d.poor, d.plain2):
        applications.add_application(rnd, person, ["XH-01"] if person is not d.plain2 else ["XH-02"], actor_id=None)
    run = adapter.run_round(rnd, user_id=None)
    notice.start_notice(rnd, run, start, TODAY, actor_id=None)
    return rnd


def approve_during_notice(d: District) -> tuple[Callable[[], Any], str]:
    rnd = on_notice(d, start=TODAY)
    return (lambda: approval.approve_round(rnd, dt.date(2026, 11, 20), user_id=None),
            "公示期到 2026-11-20 结束，从 2026-11-21 起才能批准。")


def approve_with_open_objection(d: District) -> tuple[Callable[[], Any], str]:
    rnd = on_notice(d, start=TODAY)
    notice.record_objection(rnd, raised_by="村民乙", content="异议", raised_on=TODAY, about=None, today=TODAY,
                            user_id=None)
    # After the notice's end: the open objection alone holds the approval back.
    return (lambda: approval.approve_round(rnd, dt.date(2026, 11, 30), user_id=None),
            "有 1 条异议尚未处理：村民乙（2026-11-16）。请先处理完所有异议。")


def run_without_applicants(d: District) -> tuple[Callable[[], Any], str]:
    rnd = new_round()
    for a in list(rnd.applications):
        applications.withdraw(a, actor_id=None)
    return (lambda: adapter.run_round(rnd, user_id=None),
            "本轮没有申请：请先添加申请人再测算。")


def run_without_posts(d: District) -> tuple[Callable[[], Any], str]:
    rnd = new_round()
    for post in db.session.scalars(select(Post)):
        post.active = False
    return (lambda: adapter.run_round(rnd, user_id=None),
            "没有可安排名额的在用岗位：请先在花名册中添加岗位。")


def pin_too_old(d: District) -> tuple[Callable[[], Any], str]:
    rnd = new_round()
    a = applications.add_application(rnd, d.old, ["XH-01"], actor_id=None)
    return (lambda: pins.pin(a, d.p1, "照顾", actor_id=None),
            "不能把钱老指定到岗位 XH-01：2027-01-01 时年龄 77 岁，不在岗位要求的 18–60 岁之间。")


def pin_outside_scope(d: District) -> tuple[Callable[[], Any], str]:
    rnd = new_round()
    a = applications.add_application(rnd, d.poor, ["XH-01"], actor_id=None)
    return (lambda: pins.pin(a, d.p2, "照顾", actor_id=None),
            "不能把赵脱贫指定到岗位 XH-02：岗位在江店村，超出本户所在石湖村的范围。")


def pin_to_full_post(d: District) -> tuple[Callable[[], Any], str]:
    rnd = new_round()
    a = applications.add_application(rnd, d.plain2, ["XH-02"], actor_id=None)
    holder = next(x for x in rnd.applications if x.person_id == d.holder_poor.id)
    pins.pin(holder, d.p2, "留任", actor_id=None)
    return (lambda: pins.pin(a, d.p2, "照顾", actor_id=None),
            "不能把周受灾指定到岗位 XH-02：岗位 XH-02 已满：1 个名额已指定给李缺勤。")


def apply_twice(d: District) -> tuple[Callable[[], Any], str]:
    rnd = new_round()
    applications.add_application(rnd, d.poor, ["XH-01"], actor_id=None)
    last4 = d.poor.id_last4
    return (lambda: applications.add_application(rnd, d.poor, ["XH-01"], actor_id=None),
            f"赵脱贫（身份证尾号 {last4}）已在本轮申请过（申请编号 3）。")


def apply_for_post_outside_round(d: District) -> tuple[Callable[[], Any], str]:
    rnd = new_round()
    d.p2.active = False
    return (lambda: applications.add_application(rnd, d.poor, ["XH-02"], actor_id=None),
            "岗位 XH-02 不在本轮：没有这个编码的在用岗位。")


def apply_for_same_post_twice(d: District) -> tuple[Callable[[], Any], str]:
    rnd = new_round()
    return (lambda: applications.add_application(rnd, d.poor, ["XH-01", "XH-01"], actor_id=None),
            "岗位 XH-01 填了两次；每个岗位只能填一次。")


def notice_backdated(d: District) -> tuple[Callable[[], Any], str]:
    rnd = new_round()
    run = adapter.run_round(rnd, user_id=None)
    return (lambda: notice.start_notice(rnd, run, dt.date(2026, 11, 10), TODAY, actor_id=None),
            "公示不能从 2026-11-10 开始：最早从 2026-11-16 开始，既不能早于第 1 次测算的日期（2026-11-16），"
            "也不能早于今天（2026-11-16）。")


def notice_before_its_run(d: District) -> tuple[Callable[[], Any], str]:
    # Asked with yesterday's date (a page left open overnight): the run was made today.
    rnd = new_round()
    run = adapter.run_round(rnd, user_id=None)
    yesterday = TODAY - dt.timedelta(days=1)
    return (lambda: notice.start_notice(rnd, run, yesterday, yesterday, actor_id=None),
            "公示不能从 2026-11-15 开始：最早从 2026-11-16 开始，既不能早于第 1 次测算的日期（2026-11-16），"
            "也不能早于今天（2026-11-15）。")


def approve_late_over_a_closed_month(d: District) -> tuple[Callable[[], Any], str]:
    # A late round: its term began on 2026-10-01 and October was closed for payment meanwhile.
    # Approving would cut October's holders short and add the new ones to its paid sheet.
    from wardens.models import AttendanceMonth, Village

    rnd = open_round(name="补办", year=2026, term_start=dt.date(2026, 10, 1), term_end=dt.date(2027, 9, 30),
                     reference_date=dt.date(2026, 10, 1), notice_days=5, today=TODAY, user_id=None)
    for person in (d.flood_poor, d.poor):
        applications.add_application(rnd, person, ["XH-01"], actor_id=None)
    notice.start_notice(rnd, adapter.run_round(rnd, user_id=None), TODAY, TODAY, actor_id=None)
    township_id = db.session.scalar(
        select(Village.township_id).join(Post, Post.village_id == Village.id).where(Post.code == "XH-01"))
    db.session.add(AttendanceMonth(township_id=township_id, year=2026, month=10, state=MonthState.CLOSED))
    return (lambda: approval.approve_round(rnd, dt.date(2026, 11, 21), user_id=None),
            "西河口乡 2026-10 已关闭：考勤不能再修改。须由管理员先重新开启。")


@pytest.mark.parametrize("case", [
    approve_late_over_a_closed_month, approve_during_notice, approve_with_open_objection, run_without_applicants, run_without_posts,
    pin_too_old, pin_outside_scope, pin_to_full_post, apply_twice, apply_for_post_outside_round,
    apply_for_same_post_twice, notice_backdated, notice_before_its_run,
], ids=lambda f: f.__name__)
def test_refused_with_precise_message_and_nothing_changed(make, clock, case) -> None:  # type: ignore[no-untyped-def]
    d = build(make)
    act, message = case(d)
    db.session.commit()
    before = state()
    with pytest.raises(RefusedError) as refused:
        act()
    db.session.rollback()
    assert message in refused.value.messages
    assert state() == before


def test_refusal_shown_by_the_field_in_chinese(clock, client, make) -> None:  # type: ignore[no-untyped-def]
    d = build(make)
    rnd = new_round()
    applications.add_application(rnd, d.poor, ["XH-01"], actor_id=None)
    db.session.commit()
    before = state()
    login(client, "office1")
    page = client.post(f"/reallocation/rounds/{rnd.id}/apply", data={"person_id": d.poor.id, "choice1": "XH-01"})
    assert page.status_code == 200
    assert f"赵脱贫（身份证尾号 {d.poor.id_last4}）已在本轮申请过（申请编号 3）。" in page.text
    page = client.post(f"/reallocation/rounds/{rnd.id}/apply", data={"person_id": d.flood_poor.id, "choice1": "NOPE"})
    assert "岗位 NOPE 不在本轮：没有这个编码的在用岗位。" in page.text
    db.session.commit()
    assert state() == before


def test_approval_refused_through_the_page(clock, client, make) -> None:  # type: ignore[no-untyped-def]
    d = build(make)
    rnd = on_notice(d, start=TODAY)
    db.session.commit()
    before = state()
    login(client, "office1")
    page = client.post(f"/reallocation/rounds/{rnd.id}/approve", follow_redirects=True)
    assert "公示期到 2026-11-20 结束，从 2026-11-21 起才能批准。" in page.text
    db.session.commit()
    assert state() == before


def test_an_objection_settled_with_the_longest_outcome_the_form_takes_is_recorded(make, clock, sign_in) -> None:  # type: ignore[no-untyped-def]
    # The outcome may have 2000 characters; the audit event's reason column holds 500.
    d = build(make)
    rnd = on_notice(d, start=TODAY)
    objection_id = notice.record_objection(rnd, raised_by="村民乙", content="异议", raised_on=TODAY,
                                           about=None, today=TODAY, user_id=None).id
    office = make.user("office")
    db.session.commit()
    outcome = "经核实属实。" * 333 + "结"  # 1999 characters
    response = sign_in(office).post(f"/reallocation/objections/{objection_id}/settle", data={"outcome": outcome})
    assert response.status_code == 302
    settled = db.session.get(Objection, objection_id)
    assert settled.outcome == outcome and settled.settled_on is not None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "objection_settle"))
    assert event is not None and event.after["outcome"] == outcome
