"""A closed month is a snapshot (issue #11, item 4): whatever is edited after the close, its sheet,
print view, .xlsx and the warden's page stay byte for byte what they were, for a month closed
on the site and for one closed by the demo loader; reopening removes the snapshot (kept in the
audit trail) and closing again takes a new one; a closed sheet's queries do not grow with its rows."""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event, func, select, update

from tests.attendance.conftest import District, build_district, fresh, sign_in
from tests.helpers import make_id_number
from wardens.attendance.months import close_month, reopen_month
from wardens.attendance.sheet import build_sheet
from wardens.attendance.subsidy import holder_months
from wardens.attendance.thresholds import holders_crossing_thresholds
from wardens.audit import AuditAction
from wardens.core.charts import district_charts
from wardens.core.statistics import year_statistics
from wardens.dates import today, utcnow
from wardens.demo.load import load_demo
from wardens.extensions import db
from wardens.models import (
    Assignment,
    AttendanceMonth,
    AttendanceRecord,
    AuditEvent,
    MonthSheetRow,
    MonthState,
    Person,
    Post,
    SettingsVersion,
    Township,
    User,
    Village,
    get_settings,
    settings_for_month,
)

YEAR, MONTH = 2026, 10


def _fill_october(d: District, make: Any) -> Assignment:
    """A month with every status, a certified sick spell, a 停工 day, and a holder who starts mid-month."""
    a, b, c = d.holders[0], d.holders[1], d.holders[2]
    for day in range(1, 32):
        when = dt.date(YEAR, MONTH, day)
        db.session.add(AttendanceRecord(assignment_id=a.id, day=when, status="rest" if when.weekday() == 6 else "present"))
    for day, status in ((1, "leave"), (2, "sick"), (3, "sick"), (4, "sick"), (5, "absent"), (6, "rest"), (7, "stopped"),
                        (8, "present")):
        db.session.add(AttendanceRecord(assignment_id=b.id, day=dt.date(YEAR, MONTH, day), status=status,
                                        certificate=status == "sick"))
    for day in range(1, 11):
        db.session.add(AttendanceRecord(assignment_id=c.id, day=dt.date(YEAR, MONTH, day), status="absent" if day < 3 else "present"))
    village = d.villages[1]
    late = make.assignment(make.person(make.household(village), name="新来员"),
                           make.post(village, code="江-新", monthly_subsidy=Decimal("800"), required_days=22),
                           term_start=dt.date(YEAR, MONTH, 17), term_end=dt.date(YEAR, 12, 31))
    for day in range(17, 32):
        db.session.add(AttendanceRecord(assignment_id=late.id, day=dt.date(YEAR, MONTH, day), status="present"))
    settings_for_month(YEAR, MONTH).absence_deduction = Decimal("10")
    db.session.commit()
    return late


def _main(html: str) -> str:
    """The page's content, without the header (its logout form carries a fresh CSRF token)."""
    return html[html.index("<main"):html.index("</main>")]


def _views(client: Any, township_id: int, year: int, month: int, warden: User | None = None) -> dict[str, Any]:
    base = f"/attendance/sheet/{township_id}/{year}/{month}"
    screen = client.get(base)
    printed = client.get(base + "/print")
    xlsx = client.get(base + "/xlsx")
    assert screen.status_code == printed.status_code == xlsx.status_code == 200
    out = {"screen": _main(screen.text), "print": printed.data, "xlsx": xlsx.data}
    if warden is not None:
        sign_in(client, warden)
        page = client.get(f"/me/month/{year}/{month}")
        assert page.status_code == 200
        out["portal"] = _main(page.text)
    return out


def _edit_everything(new_deduction: str = "77", term_start: dt.date = dt.date(YEAR, MONTH, 5)) -> None:
    """Every kind of later edit: posts, people, places, settings, agreements and even the records themselves."""
    for n, post in enumerate(db.session.scalars(select(Post)), start=1):
        post.monthly_subsidy = Decimal("1234")
        post.required_days = 10
        post.code = f"改-{n}"
        post.kind = "safety_persuader" if post.kind != "safety_persuader" else "road_cleaner"
    for n, person in enumerate(db.session.scalars(select(Person)), start=1):
        person.name = f"改名{n}"
        person.id_number = make_id_number(dt.date(1960, 1, 1) + dt.timedelta(days=n), seq=n, area="110105")
        person.id_last4 = person.id_number[-4:]
    for n, village in enumerate(db.session.scalars(select(Village)), start=1):
        village.name = f"改村{n}"
    for n, township in enumerate(db.session.scalars(select(Township)), start=1):
        township.name = f"改乡{n}"
    # Every settings version rewritten in place (never allowed on the site: a month pays with its version).
    for version in db.session.scalars(select(SettingsVersion)):
        version.absence_deduction = Decimal(new_deduction)
        version.monthly_subsidy = Decimal("999")
        version.required_days = 5
    get_settings().district_name = "改区"
    db.session.flush()
    # Agreements and records changed behind every rule's back (the operations refuse this in a closed
    # month): the sheet must not read them at all.
    db.session.execute(update(Assignment).where(Assignment.ended_on.is_(None)).values(term_start=term_start))
    db.session.execute(update(AttendanceRecord).values(status="absent"))
    db.session.commit()


def _close_on_the_site(client: Any, d: District) -> None:
    sign_in(client, d.clerk)
    assert client.post(f"/attendance/months/{d.township.id}/{YEAR}/{MONTH}/submit", follow_redirects=True).status_code == 200
    sign_in(client, d.office)
    closed = client.post(f"/attendance/months/{d.township.id}/{YEAR}/{MONTH}/close", follow_redirects=True)
    assert closed.status_code == 200 and "已关闭" in closed.text


def test_a_month_closed_on_the_site_is_the_same_bytes_after_every_later_edit(client, clock, make) -> None:
    d = build_district(make)
    late = _fill_october(d, make)
    warden = make.user("warden", username="warden", person_id=d.holders[1].person_id)
    db.session.commit()
    clock.move_to("2026-11-03 09:00+08:00")
    _close_on_the_site(client, d)
    fresh()
    month = db.session.scalar(select(AttendanceMonth).where(AttendanceMonth.township_id == d.township.id))
    rows = db.session.scalars(select(MonthSheetRow).where(MonthSheetRow.attendance_month_id == month.id)
                              .order_by(MonthSheetRow.number)).all()
    # One row per holder, with what the sheet prints: the masked ID, each day, the money.
    assert len(rows) == month.holders == 7
    by_assignment = {r.assignment_id: r for r in rows}
    b = by_assignment[d.holders[1].id]
    assert b.days[:8] == ["leave", "sick", "sick", "sick", "absent", "rest", "stopped", "present"] and b.days[8] is None
    assert b.certified == [2, 3, 4] and (b.sick_days, b.absent_days, b.stopped_days) == (3, 1, 1)
    assert re.fullmatch(r"\d{4}\*{10}[\dX]{4}", b.id_number_shown)
    assert b.deduction == Decimal("10.00") and b.standard == Decimal("600.00") and b.required_base == 20
    assert (by_assignment[late.id].term_first, by_assignment[late.id].term_last) == (17, 31)
    assert month.total_payable == sum((r.subsidy for r in rows), Decimal("0")) and month.township_name == "西河口乡"

    sign_in(client, d.office)
    before = _views(client, d.township.id, YEAR, MONTH, warden)
    assert "西河口乡" in before["screen"] and "新来员" in before["screen"] and "病*" in before["screen"]
    clock.move_to("2026-11-03 09:10+08:00")
    _edit_everything()
    sign_in(client, d.office)
    after = _views(client, d.township.id, YEAR, MONTH, warden)
    assert "改名" not in after["screen"] and "1234" not in after["screen"]
    for name in ("screen", "print", "xlsx", "portal"):
        assert after[name] == before[name], name
    # An open month reads the edits at once (the live path is still live).
    sign_in(client, d.office)
    assert "改名" in client.get(f"/attendance/sheet/{d.township.id}/2026/11").text


def test_the_xlsx_of_a_closed_month_carries_its_close_time(client, clock, make) -> None:
    d = build_district(make)
    _fill_october(d, make)
    clock.move_to("2026-11-03 09:00+08:00")
    _close_on_the_site(client, d)
    clock.move_to("2026-11-03 09:11+08:00")
    first = client.get(f"/attendance/sheet/{d.township.id}/{YEAR}/{MONTH}/xlsx").data
    clock.move_to("2026-11-03 09:32+08:00")
    assert client.get(f"/attendance/sheet/{d.township.id}/{YEAR}/{MONTH}/xlsx").data == first
    core = zipfile.ZipFile(io.BytesIO(first)).read("docProps/core.xml").decode()
    assert "<dcterms:created xsi:type=\"dcterms:W3CDTF\">2026-11-03T01:00:00Z</dcterms:created>" in core


def test_reopening_removes_the_snapshot_into_the_audit_trail_and_a_new_close_takes_a_new_one(client, clock, make) -> None:
    d = build_district(make)
    _fill_october(d, make)
    clock.move_to("2026-11-03 09:00+08:00")
    _close_on_the_site(client, d)
    fresh()
    month = db.session.scalar(select(AttendanceMonth).where(AttendanceMonth.township_id == d.township.id))
    old_total = month.total_payable
    _edit_everything(new_deduction="0")
    admin = db.session.get(User, d.admin.id)
    admin.last_login_at = utcnow()
    reopen_month(d.township.id, YEAR, MONTH, admin, "补录石湖村")
    db.session.commit()
    fresh()
    assert db.session.scalar(select(func.count()).select_from(MonthSheetRow)) == 0
    month = db.session.get(AttendanceMonth, month.id)
    assert month.state == MonthState.RECORDING and month.total_payable is None and month.totals is None
    reopened = db.session.scalar(select(AuditEvent).where(AuditEvent.action == AuditAction.MONTH_REOPEN.value))
    kept = reopened.before["snapshot"]
    assert reopened.actor_id == d.admin.id and len(kept["rows"]) == 7 and Decimal(kept["total_payable"]) == old_total
    assert {r["holder_name"] for r in kept["rows"]} >= {"石湖员0", "新来员"}
    # Closed again, the sheet is the register and records as they are now.
    month.state = MonthState.SUBMITTED
    close_month(d.township.id, YEAR, MONTH, db.session.get(User, d.office.id))
    db.session.commit()
    fresh()
    rows = db.session.scalars(select(MonthSheetRow).order_by(MonthSheetRow.number)).all()
    assert len(rows) == 7 and all(r.holder_name.startswith("改名") for r in rows)
    assert {r.standard for r in rows} == {Decimal("1234.00")} and {r.required_base for r in rows} == {10}
    sheet = build_sheet(d.township.id, YEAR, MONTH)
    assert sheet.township_name.startswith("改乡") and sheet.total_subsidy == Decimal("0.00")  # every day now absent


def _count_queries(fn: Any) -> int:
    n = 0

    def count(*_args: Any) -> None:
        nonlocal n
        n += 1

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return n


def test_a_closed_sheet_reads_the_same_number_of_queries_at_ten_times_the_rows(client, clock, make) -> None:
    d = build_district(make, holders_per_village=2)  # 4 holders in 西河口乡
    big = make.township(name="大乡")
    village = make.village(big, name="大村")
    for _i in range(40):
        make.assignment(make.person(make.household(village)), make.post(village),
                        term_start=dt.date(2026, 1, 1), term_end=dt.date(2026, 12, 31))
    office = db.session.get(User, d.office.id)
    for t in (d.township, big):
        db.session.add(AttendanceMonth(township_id=t.id, year=YEAR, month=MONTH, state=MonthState.SUBMITTED))
        close_month(t.id, YEAR, MONTH, office)
    db.session.commit()
    assert db.session.scalars(select(AttendanceMonth.holders).order_by(AttendanceMonth.holders)).all() == [4, 40]
    sign_in(client, d.office)
    counts = {}
    for t in (d.township, big):
        for view in ("", "/print", "/xlsx"):
            url = f"/attendance/sheet/{t.id}/{YEAR}/{MONTH}{view}"
            counts[(t.name, view)] = _count_queries(lambda: client.get(url))
    assert [counts[("西河口乡", v)] for v in ("", "/print", "/xlsx")] == [counts[("大乡", v)] for v in ("", "/print", "/xlsx")]


def test_closing_writes_its_rows_in_one_statement(make, clock) -> None:
    d = build_district(make, holders_per_village=5)
    db.session.add(AttendanceMonth(township_id=d.township.id, year=YEAR, month=MONTH, state=MonthState.SUBMITTED))
    db.session.flush()
    inserts: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO MONTH_SHEET_ROW"):
            inserts.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        close_month(d.township.id, YEAR, MONTH, db.session.get(User, d.office.id))
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert len(inserts) == 1
    assert db.session.scalar(select(func.count()).select_from(MonthSheetRow)) == 10


@pytest.fixture
def demo_app(app):  # type: ignore[no-untyped-def]
    with app.test_request_context():
        load_demo(today=dt.date(2026, 11, 16), with_round=False)
        db.session.commit()
    return app


def _sign_in_id(client: Any, user_id: str) -> None:
    with client.session_transaction() as session:
        session["_user_id"] = user_id
        session["_fresh"] = True
        session["lang"] = "zh"


def test_a_month_closed_by_the_demo_is_a_snapshot_like_any_other(clock, demo_app) -> None:
    client = demo_app.test_client()
    with demo_app.app_context():
        month = db.session.scalar(
            select(AttendanceMonth).join(Township).where(Township.name == "西河口乡", AttendanceMonth.year == 2026,
                                                         AttendanceMonth.month == 9))
        assert month.state == MonthState.CLOSED and month.holders and month.totals and month.total_payable > 0
        stored = db.session.scalar(select(func.count()).select_from(MonthSheetRow)
                                   .where(MonthSheetRow.attendance_month_id == month.id))
        assert stored == month.holders
        # Closed by the site's operation: audited like a close on the site, with the rules of each post frozen.
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == AuditAction.MONTH_CLOSE.value, AuditEvent.entity_id == month.id)) == 1
        assert month.settings_used["posts"]
        office = db.session.scalar(select(User).where(User.username == "office")).get_id()
        warden = db.session.scalar(select(User).where(User.username == "warden"))
        warden_id, township_id = warden.get_id(), month.township_id
    _sign_in_id(client, office)
    before = _demo_views(client, township_id, warden_id)
    with demo_app.app_context():
        _edit_everything(term_start=dt.date(2026, 9, 5))
    _sign_in_id(client, office)
    after = _demo_views(client, township_id, warden_id)
    for name in ("screen", "print", "xlsx", "portal"):
        assert after[name] == before[name], name


def _demo_views(client: Any, township_id: int, warden_id: str) -> dict[str, Any]:
    out = _views(client, township_id, 2026, 9)
    _sign_in_id(client, warden_id)
    page = client.get("/me/month/2026/9")
    assert page.status_code == 200
    out["portal"] = _main(page.text)
    return out


def test_the_paid_figures_and_the_dismissal_review_read_a_closed_month_from_its_snapshot(clock, make) -> None:
    d = build_district(make)
    _fill_october(d, make)
    clock.move_to("2026-11-03 09:00+08:00")
    db.session.add(AttendanceMonth(township_id=d.township.id, year=YEAR, month=MONTH, state=MonthState.SUBMITTED))
    close_month(d.township.id, YEAR, MONTH, db.session.get(User, d.office.id))
    db.session.commit()
    paid = district_charts(YEAR, MONTH, today()).subsidy[-1].paid
    stats = year_statistics(YEAR, today()).paid
    months = {hm.assignment_id: (hm.subsidy, hm.absent_days) for hm in holder_months(list(d.holders), YEAR, MONTH)}
    assert paid > 0 and stats["西河口乡"][MONTH - 1] == paid
    assert not holders_crossing_thresholds(dt.date(YEAR, 11, 2), d.township.id)
    _edit_everything()  # every record of October becomes 旷工
    assert district_charts(YEAR, MONTH, today()).subsidy[-1].paid == paid
    assert sorted(sum(year_statistics(YEAR, today()).paid.values(), []))[-1] == paid
    # Computed from the edited records every holder would have 31 unexcused days; the paid month says otherwise.
    assert not holders_crossing_thresholds(dt.date(YEAR, 11, 2), d.township.id)
    holders = list(db.session.scalars(select(Assignment).where(Assignment.id.in_([a.id for a in d.holders]))))
    again = holder_months(holders, YEAR, MONTH)
    assert {hm.assignment_id: (hm.subsidy, hm.absent_days) for hm in again} == months and all(hm.closed for hm in again)


def test_months_closed_before_sheets_were_stored_get_theirs_once_from_the_command(runner, clock, make) -> None:
    d = build_district(make)
    _fill_october(d, make)
    # A month closed by an earlier version: its frozen rules, but no stored sheet.
    db.session.add(AttendanceMonth(township_id=d.township.id, year=YEAR, month=MONTH, state=MonthState.CLOSED,
                                   closed_at=utcnow(), settings_used={"deduction_per_absent": "10"}))
    db.session.commit()
    assert build_sheet(d.township.id, YEAR, MONTH).rows == []
    result = runner.invoke(args=["attendance", "store-closed-sheets"])
    assert result.exit_code == 0 and "西河口乡 2026-10: 7 holders" in result.output, result.output
    fresh()
    sheet = build_sheet(d.township.id, YEAR, MONTH)
    assert len(sheet.rows) == 7 and sheet.rows[0].holder.closed and sheet.total_subsidy > 0
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == AuditAction.MONTH_SHEET_STORED.value)) == 1
    again = runner.invoke(args=["attendance", "store-closed-sheets"])
    assert again.exit_code == 0 and "nothing changed" in again.output
    fresh()
    assert db.session.scalar(select(func.count()).select_from(MonthSheetRow)) == 7
