"""Settings with an effective month: a change is a dated version, and only months from it pay with it.

Every test runs on the `clock` fixture (2026-11-16 in the district unless moved) against a
real database (SQLite, and PostgreSQL in the PostgreSQL run).
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event, func, select, update

from wardens.admin.versions import earliest_effective_month, plan_settings_change
from wardens.attendance.operations import RecordWrite, sick_runs_needing_certificate
from wardens.attendance.sheet import build_sheet
from wardens.attendance.months import close_month
from wardens.audit import AuditAction
from wardens.attendance.subsidy import holder_month
from wardens.core.worklist import worklist
from wardens.dates import today
from wardens.errors import Refusal
from wardens.extensions import db
from wardens.models import (
    AttendanceMonth,
    AttendanceRecord,
    AuditEvent,
    MonthState,
    SettingsVersion,
    User,
    current_settings,
    settings_for_month,
    settings_on,
    settings_versions,
)
from wardens.reallocation.rounds import open_round
from tests.admin.test_settings import _form


@pytest.fixture
def admin_client(sign_in, make, clock):  # type: ignore[no-untyped-def]
    admin = make.user("admin", username="boss")
    db.session.commit()
    return sign_in(admin)


@pytest.fixture
def towns(make, clock):  # type: ignore[no-untyped-def]
    """Two townships, one holder each, with one unexcused absence in each of October and November 2026."""
    out = {}
    for name in ("西河口乡", "新安镇"):
        town = make.township(name=name)
        village = make.village(town)
        holder = make.assignment(person=make.person(make.household(village)), post=make.post(village=village))
        for day, status in ((dt.date(2026, 10, 5), "absent"), (dt.date(2026, 11, 5), "absent")):
            db.session.add(AttendanceRecord(assignment_id=holder.id, day=day, status=status))
        for d in range(6, 16):
            db.session.add(AttendanceRecord(assignment_id=holder.id, day=dt.date(2026, 10, d), status="present"))
            db.session.add(AttendanceRecord(assignment_id=holder.id, day=dt.date(2026, 11, d), status="present"))
        out[name] = (town, holder)
    db.session.commit()
    return out


def _month_row(town_id: int, year: int, month: int, state: MonthState) -> None:
    row = AttendanceMonth(township_id=town_id, year=year, month=month,
                          state=MonthState.SUBMITTED if state == MonthState.CLOSED else state)
    db.session.add(row)
    db.session.flush()
    if state == MonthState.CLOSED:
        # Closed the site's way, so the month has its stored sheet.
        office = db.session.scalar(select(User).where(User.username == "closer"))
        if office is None:
            office = User(username="closer", password_hash="-", role="office")
            db.session.add(office)
            db.session.flush()
        close_month(town_id, year, month, office)
    db.session.commit()


def _pay(holder: Any, year: int, month: int) -> Decimal:
    db.session.rollback()  # read what the requests committed
    return holder_month(db.session.merge(holder), year, month).subsidy


def _errors(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<p class="error" id="([a-z_]+)-error">([^<]*)</p>', html)


def _versions() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(SettingsVersion.id))) or 0


# --- reading the version in force -------------------------------------------------------


def test_the_version_in_force_is_the_latest_effective_not_after_the_month(app_ctx, clock) -> None:  # type: ignore[no-untyped-def]
    base = current_settings()
    assert base.is_base and settings_for_month(1999, 1) is base
    db.session.add_all([
        SettingsVersion(effective_from=dt.date(2027, 1, 1), absence_deduction=Decimal("30")),
        SettingsVersion(effective_from=dt.date(2026, 11, 1), absence_deduction=Decimal("10")),
        SettingsVersion(effective_from=dt.date(2026, 11, 1), absence_deduction=Decimal("20")),  # saved later: wins
    ])
    db.session.commit()
    assert settings_for_month(2026, 10).absence_deduction == 0
    assert settings_for_month(2026, 11).absence_deduction == Decimal("20")
    assert settings_on(dt.date(2026, 12, 31)).absence_deduction == Decimal("20")
    assert settings_for_month(2027, 1).absence_deduction == Decimal("30")
    assert current_settings().absence_deduction == Decimal("20")  # 2026-11-16


def test_the_versions_are_read_once_per_transaction(app_ctx, clock) -> None:  # type: ignore[no-untyped-def]
    db.session.add(SettingsVersion(effective_from=dt.date(2026, 6, 1)))
    db.session.commit()
    statements: list[str] = []

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        for month in range(1, 13):
            settings_for_month(2026, month).absence_deduction
            settings_on(dt.date(2026, month, 1)).sick_certificate_days
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len([s for s in statements if "settings_version" in s]) == 1, statements


# --- saving: only months from the effective month change ---------------------------------


def test_a_change_alters_only_months_from_its_effective_month(admin_client, towns) -> None:  # type: ignore[no-untyped-def]
    _town, holder = towns["西河口乡"]
    assert (_pay(holder, 2026, 10), _pay(holder, 2026, 11)) == (Decimal("300.00"), Decimal("300.00"))
    response = admin_client.post("/admin/settings", data=_form(absence_deduction="20", effective_from="2026-11"),
                                 follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "设置已保存为第 2 号版本，自2026-11起生效。" in html
    assert "补贴将改变的月份：新安镇 2026-11（" in html and "西河口乡 2026-11（" in html
    assert "2026-10" not in html.split("补贴将改变的月份")[1].split("</")[0]
    # October keeps the version in force for it; November pays with the new one.
    assert _pay(holder, 2026, 10) == Decimal("300.00")
    assert _pay(holder, 2026, 11) == Decimal("280.00")
    version = current_settings()
    assert version.effective_from == dt.date(2026, 11, 1) and version.changes == {"absence_deduction": ["0.00", "20.00"]}
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "settings_changed"))
    assert audit.entity_type == "settings_version" and audit.entity_id == version.id
    assert audit.after == {"absence_deduction": "20.00", "effective_from": "2026-11-01"}


def test_the_effective_month_defaults_to_the_current_month_in_the_district(admin_client, clock) -> None:  # type: ignore[no-untyped-def]
    # 2026-11-30 20:00 UTC is already 2026-12-01 in Asia/Shanghai.
    clock.move_to("2026-11-30 20:00+00:00")
    html = admin_client.get("/admin/settings").get_data(as_text=True)
    assert 'name="effective_from" required type="month" value="2026-12"' in html


def test_the_confirmation_lists_the_submitted_months_it_alters(admin_client, towns) -> None:  # type: ignore[no-untyped-def]
    xhk, holder = towns["西河口乡"]
    xa, _other = towns["新安镇"]
    _month_row(xhk.id, 2026, 10, MonthState.SUBMITTED)
    _month_row(xa.id, 2026, 10, MonthState.CLOSED)
    data = _form(absence_deduction="20", effective_from="2026-10")
    response = admin_client.post("/admin/settings", data=data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    confirm = html.split('data-testid="settings-confirm"')[1].split("</section>")[0]
    listed = re.findall(r"<li( class=\"submitted\")?>([^<]*)</li>", confirm)
    submitted = MonthState.SUBMITTED.label
    recording = MonthState.RECORDING.label
    assert [(bool(cls), text.split(" — ")[0], text.split(" — ")[1]) for cls, text in listed] == [
        (True, "西河口乡 2026-10", submitted),
        (False, "新安镇 2026-11", recording),
        (False, "西河口乡 2026-11", recording),
    ]
    assert "2026-10在新安镇已结账" in confirm
    # Nothing saved until confirmed.
    assert _versions() == 1 and _pay(holder, 2026, 10) == Decimal("300.00")
    # A confirmation of some other plan (or a forged one) asks again.
    again = admin_client.post("/admin/settings", data=data | {"confirmed": "0123456789abcdef0123"})
    assert 'data-testid="settings-confirm"' in again.get_data(as_text=True) and _versions() == 1
    token = re.search(r'name="confirmed" type="hidden" value="([0-9a-f]+)"', html).group(1)
    # Confirming with other values than those shown asks again too.
    other = admin_client.post("/admin/settings", data=data | {"confirmed": token, "absence_deduction": "30"})
    assert 'data-testid="settings-confirm"' in other.get_data(as_text=True) and _versions() == 1
    done = admin_client.post("/admin/settings", data=data | {"confirmed": token}, follow_redirects=True)
    assert "设置已保存为第 2 号版本，自2026-10起生效。" in done.get_data(as_text=True)
    assert _versions() == 2 and _pay(holder, 2026, 10) == Decimal("280.00")


def test_a_submitted_month_without_an_unexcused_day_is_not_listed(admin_client, towns) -> None:  # type: ignore[no-untyped-def]
    """The deduction changes only a month with a 旷工 day: one without pays the same, so it is not listed."""
    xhk, holder = towns["西河口乡"]
    db.session.execute(update(AttendanceRecord).where(AttendanceRecord.assignment_id == holder.id,
                                                      AttendanceRecord.status == "absent").values(status="leave"))
    db.session.commit()
    _month_row(xhk.id, 2026, 11, MonthState.SUBMITTED)
    response = admin_client.post("/admin/settings", data=_form(absence_deduction="20", effective_from="2026-11"))
    # 西河口乡's submitted November has no 旷工 left: nothing to confirm, and its pay is the same.
    assert response.status_code == 302 and _versions() == 2
    assert _pay(holder, 2026, 11) == Decimal("300.00")


def test_a_month_open_in_every_township_needs_no_confirmation(admin_client, towns) -> None:  # type: ignore[no-untyped-def]
    response = admin_client.post("/admin/settings", data=_form(absence_deduction="5", effective_from="2026-11"))
    assert response.status_code == 302 and _versions() == 2


def test_closed_months_never_change(admin_client, towns) -> None:  # type: ignore[no-untyped-def]
    xhk, closed_holder = towns["西河口乡"]
    xa, open_holder = towns["新安镇"]
    _month_row(xhk.id, 2026, 10, MonthState.CLOSED)
    db.session.rollback()
    before = build_sheet(xhk.id, 2026, 10)
    before_cells = (before.totals(), before.settings_used)
    response = admin_client.post("/admin/settings", data=_form(absence_deduction="50", effective_from="2026-10"),
                                 follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "2026-10在西河口乡已结账：这些考勤表仍按结账时的设置计算。" in html
    assert _pay(closed_holder, 2026, 10) == Decimal("300.00")
    assert _pay(open_holder, 2026, 10) == Decimal("250.00")
    after = build_sheet(xhk.id, 2026, 10)
    assert (after.totals(), after.settings_used) == before_cells


@pytest.mark.parametrize("typed", ["2026-13", "2026/11", "Nov 2026", "2026-11-01x", "１"])
def test_a_malformed_effective_month_rerenders_the_form_and_changes_nothing(admin_client, towns, typed) -> None:  # type: ignore[no-untyped-def]
    response = admin_client.post("/admin/settings", data=_form(absence_deduction="20", effective_from=typed))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert ("effective_from", f"“{typed}”不是月份：请按年-月填写，例如 2026-12。") in _errors(html)
    assert 'value="20"' in html  # what was typed is kept
    assert _versions() == 1 and db.session.scalar(select(func.count(AuditEvent.id))) == 0


def test_a_month_closed_in_every_township_is_refused_by_the_field(admin_client, towns) -> None:  # type: ignore[no-untyped-def]
    for town, _holder in towns.values():
        _month_row(town.id, 2026, 9, MonthState.CLOSED)
        _month_row(town.id, 2026, 10, MonthState.CLOSED)
    response = admin_client.post("/admin/settings", data=_form(absence_deduction="20", effective_from="2026-09"))
    assert response.status_code == 200
    assert ("effective_from", "2026-09在所有乡镇均已结账：考勤表已拨付，保留原设置。请选择2026-11或以后的月份。") in _errors(
        response.get_data(as_text=True))
    assert _versions() == 1 and db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action != AuditAction.MONTH_CLOSE.value)) == 0
    assert _pay(towns["新安镇"][1], 2026, 10) == Decimal("300.00")


def test_a_month_before_the_first_settings_is_refused(admin_client, towns) -> None:  # type: ignore[no-untyped-def]
    response = admin_client.post("/admin/settings", data=_form(absence_deduction="20", effective_from="1999-12"))
    assert ("effective_from", "1999-12早于最初的设置（2000-01）：请选择更晚的月份。") in _errors(response.get_data(as_text=True))
    assert _versions() == 1


def _close_through(towns: dict, year: int, month: int) -> None:
    """Close every township's months from January 2026 (its holders' first month) through year-month."""
    for town, _holder in towns.values():
        for m in range(1, month + 1):
            _month_row(town.id, year, m, MonthState.CLOSED)


def test_an_effective_month_before_the_earliest_open_one_is_refused_naming_it(admin_client, towns) -> None:  # type: ignore[no-untyped-def]
    """2025-01 while January to September 2026 are closed everywhere: it would change no sheet, only the history."""
    _close_through(towns, 2026, 9)
    events = db.session.scalar(select(func.count(AuditEvent.id)))
    for typed in ("2025-01", "2026-09"):
        response = admin_client.post("/admin/settings", data=_form(absence_deduction="20", effective_from=typed))
        assert response.status_code == 200
        assert ("effective_from", f"{typed}早于修改最早可生效的月份2026-10：此前的月份凡有在岗人员的乡镇均已结账"
                "（考勤表已拨付，保留原设置），或当时没有在岗人员。请选择2026-10或以后的月份。") in _errors(response.get_data(as_text=True))
        assert 'value="20"' in response.get_data(as_text=True)  # what was typed is kept
    assert _versions() == 1 and db.session.scalar(select(func.count(AuditEvent.id))) == events
    # The earliest month itself is taken.
    response = admin_client.post("/admin/settings", data=_form(absence_deduction="20", effective_from="2026-10"))
    assert response.status_code == 302 and _versions() == 2
    assert settings_for_month(2026, 10).absence_deduction == Decimal("20")


def test_the_earliest_month_counts_only_months_that_had_holders(app_ctx, make, clock) -> None:  # type: ignore[no-untyped-def]
    assert earliest_effective_month(today()) == (2026, 11)  # no holder yet: the current month
    town = make.township(name="西河口乡")
    village = make.village(town)
    make.assignment(person=make.person(make.household(village)), post=make.post(village=village),
                    term_start=dt.date(2026, 3, 10))
    make.township(name="新设乡")  # a township without holders keeps no month open
    db.session.commit()
    assert earliest_effective_month(today()) == (2026, 3)
    assert earliest_effective_month(today(), not_before=(2026, 5)) == (2026, 5)
    assert earliest_effective_month(today(), not_before=(2027, 2)) == (2027, 2)  # a later month is always open
    for m in (3, 4, 5):
        _month_row(town.id, 2026, m, MonthState.CLOSED)
    assert earliest_effective_month(today()) == (2026, 6)


def test_with_every_month_before_closed_the_earliest_is_the_current_month_by_the_district_clock(admin_client, towns, clock) -> None:  # type: ignore[no-untyped-def]
    clock.move_to("2026-11-20 10:00+08:00")
    _close_through(towns, 2026, 10)
    html = admin_client.get("/admin/settings").get_data(as_text=True)
    assert 'min="2026-11"' in html and "目前最早可选2026-11" in html
    response = admin_client.post("/admin/settings", data=_form(absence_deduction="20", effective_from="2026-10"))
    assert ("effective_from", "2026-10早于修改最早可生效的月份2026-11：此前的月份凡有在岗人员的乡镇均已结账"
            "（考勤表已拨付，保留原设置），或当时没有在岗人员。请选择2026-11或以后的月份。") in _errors(response.get_data(as_text=True))
    # 2026-11-30 20:00 UTC is already December in the district: November is the month before, still open.
    clock.move_to("2026-11-30 20:00+00:00")
    assert earliest_effective_month(today()) == (2026, 11)
    for town, _holder in towns.values():
        db.session.add(AttendanceMonth(township_id=town.id, year=2026, month=11, state=MonthState.SUBMITTED))
    db.session.commit()
    for town, _holder in towns.values():
        close_month(town.id, 2026, 11, db.session.scalar(select(User).where(User.username == "closer")))
    db.session.commit()
    assert earliest_effective_month(today()) == (2026, 12)


def test_a_version_taking_effect_later_leaves_this_month_alone(admin_client, towns) -> None:  # type: ignore[no-untyped-def]
    _town, holder = towns["西河口乡"]
    admin_client.post("/admin/settings", data=_form(absence_deduction="20", effective_from="2026-12"))
    assert _pay(holder, 2026, 11) == Decimal("300.00")
    assert settings_for_month(2026, 12).absence_deduction == Decimal("20")
    # An earlier-effective change later on stops where the later version starts, and the page says so.
    html = admin_client.post("/admin/settings", data=_form(notice_days="7", effective_from="2026-11"),
                             follow_redirects=True).get_data(as_text=True)
    assert "已有更晚的版本自2026-12起生效：从那时起按该版本的设置执行，而不是这次修改。" in html
    db.session.rollback()
    assert settings_for_month(2026, 11).notice_days == 7 and settings_for_month(2026, 12).notice_days == 5
    plan = plan_settings_change(_values(absence_deduction=Decimal("10")), dt.date(2026, 10, 1))
    assert plan.until == dt.date(2026, 11, 1)  # the version just saved for November takes over
    assert {(m.year, m.month) for m in plan.altered} == {(2026, 10)}


def _values(**changes: Any) -> dict[str, Any]:
    values = current_settings().values() | changes
    return values


def test_refusals_from_the_plan_are_refusals(app_ctx, towns) -> None:  # type: ignore[no-untyped-def]
    for town, _holder in towns.values():
        _month_row(town.id, 2026, 10, MonthState.CLOSED)
    with pytest.raises(Refusal) as info:
        plan_settings_change(_values(absence_deduction=Decimal("10")), dt.date(2026, 10, 1))
    assert info.value.field == "effective_from"


# --- what reads the versions -------------------------------------------------------------


def test_the_sheet_shows_the_version_it_pays_with(admin_client, towns) -> None:  # type: ignore[no-untyped-def]
    xhk, _holder = towns["西河口乡"]
    _month_row(xhk.id, 2026, 10, MonthState.CLOSED)
    admin_client.post("/admin/settings", data=_form(absence_deduction="20", effective_from="2026-11"))
    db.session.rollback()
    base_id = settings_for_month(2026, 10).id
    new = settings_for_month(2026, 11)
    used_october = dict(build_sheet(xhk.id, 2026, 10).settings_used)
    used_november = dict(build_sheet(xhk.id, 2026, 11).settings_used)
    assert used_october["设置版本"] == f"第 {base_id} 号，最初设置"  # stored at its close
    assert used_november["设置版本"] == f"第 {new.id} 号，自2026-11起生效（2026-11-16保存）"


def test_the_sick_certificate_rule_is_the_days_own(app_ctx, make, clock) -> None:  # type: ignore[no-untyped-def]
    holder = make.assignment()
    db.session.add(SettingsVersion(effective_from=dt.date(2026, 11, 1), sick_certificate_days=2))
    db.session.commit()

    def two_sick(first: dt.date) -> list[RecordWrite]:
        return [RecordWrite(holder.id, first + dt.timedelta(days=i), "sick", None, False, None) for i in range(2)]

    assert sick_runs_needing_certificate(two_sick(dt.date(2026, 10, 20))) == []  # October: 3 days needed
    assert len(sick_runs_needing_certificate(two_sick(dt.date(2026, 11, 2)))) == 2  # November: 2


def test_a_round_keeps_the_rules_it_froze(admin_client, make, clock) -> None:  # type: ignore[no-untyped-def]
    rnd = open_round(name="2027年度动态调整", year=2027, term_start=dt.date(2027, 1, 1), term_end=dt.date(2027, 12, 31),
                     reference_date=dt.date(2027, 1, 1), notice_days=5, today=today(), user_id=None)
    db.session.commit()
    frozen = dict(rnd.rules)
    rnd_id = rnd.id
    response = admin_client.post("/admin/settings", data=_form(
        effective_from="2026-11", scope="township", min_age="20", max_choices="2", priority_groups="脱贫户\n其他"))
    assert response.status_code == 302
    db.session.rollback()
    assert current_settings().scope == "township"
    assert db.session.get(type(rnd), rnd_id).rules == frozen
    assert frozen["scope"] == "village" and frozen["min_age"] == 18


def test_the_admin_worklist_lists_a_version_taking_effect_next_month(admin_client, towns) -> None:  # type: ignore[no-untyped-def]
    assert [i for i in worklist("admin", today()) if i.rule == "settings_taking_effect"] == []
    admin_client.post("/admin/settings", data=_form(absence_deduction="20", notice_days="7", effective_from="2026-12"))
    db.session.rollback()
    items = [i for i in worklist("admin", today()) if i.rule == "settings_taking_effect"]
    version = settings_for_month(2026, 12)
    assert len(items) == 1 and items[0].args == {"_anchor": f"version-{version.id}"}
    assert items[0].text == f"第 {version.id} 号设置版本自2026年12月起生效"
    assert items[0].detail == "修改：每旷工一天扣款（元）、公示天数"
    home = admin_client.get("/").get_data(as_text=True)
    assert f'href="/admin/settings#version-{version.id}"' in home
    # A version for this month is not "next month".
    admin_client.post("/admin/settings", data=_form(absence_deduction="20", effective_from="2026-11"))
    db.session.rollback()
    items = [i for i in worklist("admin", today()) if i.rule == "settings_taking_effect"]
    assert [i.args for i in items] == [{"_anchor": f"version-{version.id}"}]


def test_the_page_lists_every_version_with_what_changed(admin_client, towns) -> None:  # type: ignore[no-untyped-def]
    admin_client.post("/admin/settings", data=_form(absence_deduction="20", effective_from="2026-11"))
    admin_client.post("/admin/settings", data=_form(absence_deduction="20", one_post_per_household=None,
                                                    scope="township", effective_from="2026-12"))
    html = admin_client.get("/admin/settings").get_data(as_text=True)
    table = html.split('data-testid="settings-versions"')[1]
    rows = re.findall(r'<tr id="version-(\d+)"', table)
    assert [int(r) for r in rows] == [v.id for v in reversed(settings_versions())] and len(rows) == 3
    assert "每旷工一天扣款（元）：0.00 → 20.00" in table
    assert "一户一岗：是 → 否" in table
    assert "2026-12" in table and "最初设置" in table and "boss" in table


def test_a_new_post_starts_from_the_defaults_in_force_today(sign_in, make, clock) -> None:  # type: ignore[no-untyped-def]
    office = make.user("office")
    db.session.add(SettingsVersion(effective_from=dt.date(2026, 11, 1), monthly_subsidy=Decimal("800"),
                                   required_days=22, default_labour="full", min_age=20, max_age=58, max_age_extended=62))
    db.session.add(SettingsVersion(effective_from=dt.date(2027, 1, 1), monthly_subsidy=Decimal("900")))  # not yet
    db.session.commit()
    html = sign_in(office).get("/posts/new").get_data(as_text=True)
    assert re.search(r'name="monthly_subsidy"[^>]*value="800(\.00)?"', html)
    assert re.search(r'name="required_days"[^>]*value="22"', html)
    assert re.search(r'name="min_age"[^>]*value="20"', html) and re.search(r'name="max_age"[^>]*value="58"', html)
    assert re.search(r'<option selected value="full">', html)
