"""A post's edit that changes what a submitted month pays asks first, like a settings change.

The clock stands at 2026-11-16 (the `clock` fixture). 西河口乡 closed September, submitted October
and is recording November; the post's two holders were present 15 and 22 days in October. Every
request is posted as the page (or a hand) would post it, against a real database.
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from wardens.attendance.months import close_month
from wardens.attendance.subsidy import holder_month
from wardens.audit import AuditAction
from wardens.dates import today
from wardens.errors import Refusal
from wardens.extensions import db
from wardens.models import Assignment, AttendanceMonth, AttendanceRecord, AuditEvent, MonthState, Post, User, Village
from wardens.registry.operations.posts import edit_post

SUBMITTED, RECORDING = "已报送", "记录中"  # MonthState labels, as the pages show them in Chinese


class Office:
    """Ids only: objects expire when a request commits."""

    def __init__(self, make: Any) -> None:
        town = make.township(name="西河口乡")
        other = make.township(name="新安镇")
        village = make.village(town, name="石湖村")
        self.other_village_id = make.village(other, name="迎水村").id
        self.township_id, self.other_township_id, self.village_id = town.id, other.id, village.id
        post = make.post(village, code="XH-01", slots=2)
        self.post_id = post.id
        zhang = make.assignment(make.person(make.household(village), name="张三"), post)
        li = make.assignment(make.person(make.household(village), name="李四"), post)
        self.zhang, self.li = zhang.id, li.id
        days = {zhang.id: {9: range(1, 16), 10: range(1, 16), 11: range(2, 7)},
                li.id: {9: range(1, 23), 10: range(1, 23)}}
        for aid, months in days.items():
            for month, dates in months.items():
                db.session.add_all(AttendanceRecord(assignment_id=aid, day=dt.date(2026, month, d), status="present")
                                   for d in dates)
        office = make.user("office", username="office1")
        self.office_id = office.id
        for month in (9, 10):
            db.session.add(AttendanceMonth(township_id=town.id, year=2026, month=month, state=MonthState.SUBMITTED))
        db.session.flush()
        close_month(town.id, 2026, 9, office)
        db.session.commit()

    def post(self) -> Post:
        db.session.rollback()  # see what the requests committed
        return db.session.get(Post, self.post_id)

    def pay(self, assignment_id: int, month: int) -> Decimal:
        db.session.rollback()
        return holder_month(db.session.get(Assignment, assignment_id), 2026, month).subsidy


@pytest.fixture
def office(make: Any, clock: Any) -> Office:
    return Office(make)


@pytest.fixture
def client(office: Office, sign_in: Any) -> Any:
    return sign_in(db.session.get(User, office.office_id))


def _form(post: Post, **changes: str) -> dict[str, str]:
    data = {"code": post.code, "kind": post.kind, "village_id": str(post.village_id), "km": str(post.km),
            "slots": str(post.slots), "min_age": str(post.min_age), "max_age": str(post.max_age), "labour": post.labour,
            "monthly_subsidy": str(post.monthly_subsidy), "required_days": str(post.required_days)}
    return data | changes


def _listed(html: str) -> list[tuple[bool, str]]:
    confirm = html.split('data-testid="post-confirm"', 1)[1].split("</section>", 1)[0]
    return [(bool(cls), text) for cls, text in re.findall(r'<li( class="submitted")?>([^<]*)</li>', confirm)]


def _token(html: str) -> str:
    match = re.search(r'name="confirmed" type="hidden" value="([0-9a-f]+)"', html)
    assert match, "no confirmation token on the page"
    return match.group(1)


def _updates() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.action == AuditAction.UPDATE.value, AuditEvent.entity_type == "post")) or 0


def test_fewer_required_days_lists_the_submitted_month_and_its_holders_then_saves_on_confirmation(office, client) -> None:  # type: ignore[no-untyped-def]
    data = _form(office.post(), required_days="18")
    response = client.post(f"/posts/{office.post_id}/edit", data=data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    # 张三 (15 days) is paid 15/18 instead of 15/20; 李四 (22 days) is paid in full either way. September is closed.
    assert _listed(html) == [
        (True, f"西河口乡 2026-10 — {SUBMITTED} · 涉及在岗人员：张三"),
        (False, f"西河口乡 2026-11 — {RECORDING} · 涉及在岗人员：张三"),
    ]
    assert 'value="18"' in html  # what was typed is kept
    # Nothing saved until confirmed.
    assert office.post().required_days == 20 and _updates() == 0 and office.pay(office.zhang, 10) == Decimal("450.00")
    # A forged confirmation, or the token of one change posted with other values, asks again.
    for other in (data | {"confirmed": "0123456789abcdef0123"}, data | {"confirmed": _token(html), "required_days": "17"}):
        again = client.post(f"/posts/{office.post_id}/edit", data=other).get_data(as_text=True)
        assert 'data-testid="post-confirm"' in again and _updates() == 0
    done = client.post(f"/posts/{office.post_id}/edit", data=data | {"confirmed": _token(html)}, follow_redirects=True)
    page = done.get_data(as_text=True)
    assert f"补贴将改变的月份：西河口乡 2026-10（{SUBMITTED}）、西河口乡 2026-11（{RECORDING}）。" in page
    assert office.post().required_days == 18 and _updates() == 1
    assert (office.pay(office.zhang, 10), office.pay(office.li, 10)) == (Decimal("500.00"), Decimal("600.00"))
    assert office.pay(office.zhang, 9) == Decimal("450.00")  # the closed month keeps its sheet


def test_a_new_standard_lists_every_holder_it_pays_differently(office, client) -> None:  # type: ignore[no-untyped-def]
    html = client.post(f"/posts/{office.post_id}/edit", data=_form(office.post(), monthly_subsidy="800")).get_data(as_text=True)
    assert _listed(html) == [
        (True, f"西河口乡 2026-10 — {SUBMITTED} · 涉及在岗人员：张三、李四"),
        (False, f"西河口乡 2026-11 — {RECORDING} · 涉及在岗人员：张三"),  # 李四 has no day yet: 0 either way
    ]
    assert office.post().monthly_subsidy == Decimal("600.00")


def test_a_change_altering_only_months_being_recorded_saves_without_asking(office, client) -> None:  # type: ignore[no-untyped-def]
    db.session.execute(AttendanceMonth.__table__.update().where(AttendanceMonth.month == 10).values(state=MonthState.RECORDING))
    db.session.commit()
    response = client.post(f"/posts/{office.post_id}/edit", data=_form(office.post(), monthly_subsidy="800"),
                           follow_redirects=True)
    assert 'data-testid="post-confirm"' not in response.get_data(as_text=True)
    assert f"补贴将改变的月份：西河口乡 2026-10（{RECORDING}）、西河口乡 2026-11（{RECORDING}）。" in response.get_data(as_text=True)
    assert office.post().monthly_subsidy == Decimal("800.00") and office.pay(office.zhang, 10) == Decimal("600.00")


def test_an_edit_that_pays_nobody_differently_does_not_ask(office, client) -> None:  # type: ignore[no-untyped-def]
    response = client.post(f"/posts/{office.post_id}/edit", data=_form(office.post(), route_code="Y012"))
    assert response.status_code == 302 and office.post().route_code == "Y012"
    # More required days than 李四's 22 would cut his October; 22 exactly pays him in full still, and 张三
    # (15 days) less: only 张三 is named.
    html = client.post(f"/posts/{office.post_id}/edit", data=_form(office.post(), required_days="22")).get_data(as_text=True)
    assert _listed(html) == [(True, f"西河口乡 2026-10 — {SUBMITTED} · 涉及在岗人员：张三"),
                             (False, f"西河口乡 2026-11 — {RECORDING} · 涉及在岗人员：张三")]


def test_moving_a_post_to_another_township_lists_both_townships_months(office, client, make) -> None:  # type: ignore[no-untyped-def]
    """Its holders' rows leave 西河口乡's submitted October sheet for 新安镇's."""
    village = db.session.get(Village, office.village_id)
    post = make.post(village, code="XH-02")
    wang = make.assignment(make.person(make.household(village), name="王五"), post, term_start=dt.date(2026, 10, 1))
    db.session.add(AttendanceRecord(assignment_id=wang.id, day=dt.date(2026, 10, 9), status="present"))
    db.session.commit()
    post_id = post.id
    data = _form(db.session.get(Post, post_id), village_id=str(office.other_village_id))
    html = client.post(f"/posts/{post_id}/edit", data=data).get_data(as_text=True)
    assert _listed(html) == [
        (False, f"新安镇 2026-10 — {RECORDING} · 涉及在岗人员：王五"),
        (True, f"西河口乡 2026-10 — {SUBMITTED} · 涉及在岗人员：王五"),
        (False, f"新安镇 2026-11 — {RECORDING} · 涉及在岗人员：王五"),
        (False, f"西河口乡 2026-11 — {RECORDING} · 涉及在岗人员：王五"),
    ]
    db.session.rollback()
    assert db.session.get(Post, post_id).village_id == office.village_id
    assert client.post(f"/posts/{post_id}/edit", data=data | {"confirmed": _token(html)}).status_code == 302
    db.session.rollback()
    assert db.session.get(Post, post_id).village_id == office.other_village_id


def test_the_operation_refuses_a_submitted_month_changed_without_this_confirmation(office, app_ctx) -> None:  # type: ignore[no-untyped-def]
    """A post not from the page (or one whose months moved since the page showed them) is refused, by the field."""
    post = office.post()
    values = {k: v for k, v in _form(post, monthly_subsidy="800").items() if k != "village_id"}
    village = db.session.get(Village, office.village_id)
    with pytest.raises(Refusal) as info:
        edit_post(post, village, confirmed=None, today=today(), actor_id=office.office_id, **values)
    assert info.value.field == "monthly_subsidy"
    db.session.rollback()
    assert office.post().monthly_subsidy == Decimal("600.00")
