"""The subsidy formula on its edge cases, and holder_month / holder_months against the database."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import event

from wardens.attendance.subsidy import holder_month, holder_months, subsidy_payable
from wardens.extensions import db
from wardens.models import AttendanceRecord, current_settings


def pay(**kw: object) -> Decimal:
    args = dict(standard=Decimal("600"), required_days=20, present_days=20, stopped_days=0, term_days_in_month=30,
                days_in_month=30, absent_days=0, deduction_per_absent=Decimal("0"))
    args.update(kw)
    return subsidy_payable(**args)  # type: ignore[arg-type]


def test_full_attendance_pays_the_standard() -> None:
    assert pay() == Decimal("600.00")


def test_more_present_days_than_required_never_pays_more() -> None:
    assert pay(present_days=28) == Decimal("600.00")


def test_zero_present_days_pays_nothing() -> None:
    assert pay(present_days=0) == Decimal("0.00")


def test_partial_attendance_is_proportional_and_rounded_half_up() -> None:
    # 600 × 13/20 = 390; 600 × 7/30... use a value that rounds: 500 × 7/15 = 233.333...
    assert pay(present_days=13) == Decimal("390.00")
    assert pay(standard=Decimal("500"), required_days=15, present_days=7) == Decimal("233.33")
    # 0.005 rounds up: 1 × 1/8 = 0.125 → 0.13
    assert pay(standard=Decimal("1"), required_days=8, present_days=1) == Decimal("0.13")


def test_a_stopped_week_is_taken_off_the_required_days() -> None:
    # 7 days 停工: required 20 − 7 = 13; 13 days present pays in full, 10 pays 10/13.
    assert pay(present_days=13, stopped_days=7) == Decimal("600.00")
    assert pay(present_days=10, stopped_days=7) == Decimal("461.54")


def test_a_whole_month_stopped_pays_the_full_prorated_standard() -> None:
    assert pay(present_days=0, stopped_days=30) == Decimal("600.00")
    # term from the 17th of a 30-day month, all of it stopped: 600 × 14/30
    assert pay(present_days=0, stopped_days=14, term_days_in_month=14) == Decimal("280.00")


def test_a_term_starting_on_the_17th_is_prorated() -> None:
    # 30-day month, term from the 17th: 14 days in term → standard 280, required 20 × 14/30 = 9.33
    assert pay(term_days_in_month=14, present_days=14) == Decimal("280.00")
    assert pay(term_days_in_month=14, present_days=10) == Decimal("280.00")
    # 7 ÷ 9.333… × 280 = 210
    assert pay(term_days_in_month=14, present_days=7) == Decimal("210.00")


def test_the_deduction_per_unexcused_day_is_taken_off_never_below_zero() -> None:
    # 15 present of 20 → 450, minus 2 × 100
    assert pay(present_days=15, absent_days=2, deduction_per_absent=Decimal("100")) == Decimal("250.00")
    assert pay(present_days=3, absent_days=5, deduction_per_absent=Decimal("100")) == Decimal("0.00")


def test_no_day_in_the_term_pays_nothing() -> None:
    assert pay(term_days_in_month=0, present_days=0) == Decimal("0.00")


@pytest.fixture
def holder(make):  # type: ignore[no-untyped-def]
    village = make.village()
    post = make.post(village, monthly_subsidy=Decimal("600"), required_days=20)
    a = make.assignment(make.person(make.household(village)), post, term_start=dt.date(2025, 9, 17), term_end=dt.date(2026, 9, 16))
    db.session.commit()
    return a


def _record(a, day: dt.date, status: str, certificate: bool = False) -> None:  # type: ignore[no-untyped-def]
    db.session.add(AttendanceRecord(assignment_id=a.id, day=day, status=status, certificate=certificate))


def test_holder_month_counts_prorates_and_pays(holder) -> None:  # type: ignore[no-untyped-def]
    # September 2025: term from the 17th → 14 days in term of 30.
    for d in range(17, 28):
        _record(holder, dt.date(2025, 9, d), "present")
    _record(holder, dt.date(2025, 9, 28), "stopped")
    _record(holder, dt.date(2025, 9, 29), "absent")
    _record(holder, dt.date(2025, 9, 10), "present")  # outside the term: not counted
    db.session.commit()
    hm = holder_month(holder, 2025, 9)
    assert hm.term_days == 14
    assert hm.days[dt.date(2025, 9, 10)] is None and hm.in_term[dt.date(2025, 9, 10)] is False
    assert hm.days[dt.date(2025, 9, 17)] == "present" and hm.days[dt.date(2025, 9, 30)] is None
    assert hm.counts["present"] == 11 and hm.counts["stopped"] == 1 and hm.counts["absent"] == 1
    assert hm.present_days == 11
    # required 20 × 14/30 − 1 = 8.33 → 11 present pays the pro-rated 280 in full
    assert hm.required_days == Decimal("8.33")
    assert hm.subsidy == Decimal("280.00")
    assert hm.rate == 1.0
    assert Decimal(hm.settings_used["standard"]) == Decimal("600")


def test_holder_month_applies_the_district_deduction(holder) -> None:  # type: ignore[no-untyped-def]
    current_settings().absence_deduction = Decimal("100")
    for d in range(1, 11):
        _record(holder, dt.date(2025, 10, d), "present")
    _record(holder, dt.date(2025, 10, 11), "absent")
    db.session.commit()
    hm = holder_month(holder, 2025, 10)
    # 600 × 10/20 − 100
    assert hm.subsidy == Decimal("200.00")
    assert hm.deduction == Decimal("100.00")
    assert hm.rate == 0.5
    assert hm.settings_used["deduction_per_absent"] == "100.00"


def test_holder_months_reads_every_holder_in_one_query(make) -> None:  # type: ignore[no-untyped-def]
    village = make.village()
    holders = [make.assignment(make.person(make.household(village)), make.post(village),
                               term_start=dt.date(2025, 1, 1), term_end=dt.date(2025, 12, 31)) for _i in range(12)]
    for a in holders:
        _record(a, dt.date(2025, 3, 3), "present")
    db.session.commit()
    statements: list[str] = []

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        result = holder_months(holders, 2025, 3)
        summary = holder_months(holders, 2025, 3, with_days=False)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert [hm.present_days for hm in result] == [1] * 12
    assert [hm.present_days for hm in summary] == [1] * 12
    record_queries = [s for s in statements if "attendance_record" in s]
    assert len(record_queries) == 2, statements
