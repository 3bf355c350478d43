"""The home page's charts against figures worked out by hand on a small district (clock: 2026-11-16)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from flask_babel import force_locale

from wardens.attendance.months import close_month
from wardens.core.charts import district_charts, window
from wardens.extensions import db
from wardens.models import AttendanceMonth, AttendanceRecord, User
from tests.registry.conftest import login_en


def days(year: int, month: int, first: int, last: int) -> list[dt.date]:
    return [dt.date(year, month, d) for d in range(first, last + 1)]


def put(assignment, statuses: dict[str, list[dt.date]]) -> None:
    for status, ds in statuses.items():
        for d in ds:
            db.session.add(AttendanceRecord(assignment_id=assignment.id, day=d, status=status))


@pytest.fixture
def county(clock, make):
    a = make.township(name="甲乡")
    b = make.township(name="乙乡")
    va, vb = make.village(a, name="甲村"), make.village(b, name="乙村")
    # Holder 1: flood-affected and registered poor (group 1), in post since June 2025.
    h1 = make.assignment(make.person(make.household(va, flags=("flood_affected", "registered_poor")), name="一号"),
                         make.post(va, code="A-1"), term_start=dt.date(2025, 6, 1), term_end=dt.date(2026, 12, 31))
    # Holder 2: registered poor only (group 2), since January.
    h2 = make.assignment(make.person(make.household(va, flags=("registered_poor",)), name="二号"),
                         make.post(va, code="A-2"), term_start=dt.date(2026, 1, 1), term_end=dt.date(2026, 12, 31))
    # Holder 3, in the other township: no flag (everyone else eligible), 800 元 a month, 22 days.
    h3 = make.assignment(make.person(make.household(vb), name="三号"),
                         make.post(vb, code="B-1", monthly_subsidy=Decimal("800"), required_days=22),
                         term_start=dt.date(2026, 1, 1), term_end=dt.date(2026, 12, 31))
    # October (31 days): h1 20 present + 11 rest; h2 10 present, 2 absent, 19 rest; h3 11 present, 20 rest.
    put(h1, {"present": days(2026, 10, 1, 20), "rest": days(2026, 10, 21, 31)})
    put(h2, {"present": days(2026, 10, 1, 10), "absent": days(2026, 10, 11, 12), "rest": days(2026, 10, 13, 31)})
    put(h3, {"present": days(2026, 10, 1, 11), "rest": days(2026, 10, 12, 31)})
    # November so far: h1 10 present; h2 nothing; h3 5 present, 5 stopped.
    put(h1, {"present": days(2026, 11, 1, 10)})
    put(h3, {"present": days(2026, 11, 1, 5), "stopped": days(2026, 11, 6, 10)})
    db.session.flush()
    # 甲乡 closed October (it is paid); 乙乡 has not.
    office = make.user("office", username="office9")
    db.session.add(AttendanceMonth(township_id=a.id, year=2026, month=10, state="submitted"))
    close_month(a.id, 2026, 10, office, closed_at=dt.datetime(2026, 11, 3, 2, 0, tzinfo=dt.timezone.utc))
    db.session.commit()
    return {"a": a.id, "b": b.id, "office": office.username}


def test_twelve_months_end_at_the_chosen_month():
    assert window(2026, 3)[:2] == [(2025, 4), (2025, 5)] and window(2026, 3)[-1] == (2026, 3)
    assert len(window(2026, 3)) == 12


def test_rates_subsidy_and_priority_figures_by_hand(county, app_ctx):
    c = district_charts(2026, 11, dt.date(2026, 11, 16))
    rates = {r.township: r.rates for r in c.rates}
    # 甲乡 October: 30 present of 32 working days (20 + 10 + 2 absent); rest days are not working days.
    assert rates["甲乡"][-2] == pytest.approx(30 / 32)
    assert rates["乙乡"][-2] == pytest.approx(1.0)
    # November: 甲乡 10 of 10; 乙乡 5 of 5 (stopped days are not working days).
    assert rates["甲乡"][-1] == pytest.approx(1.0) and rates["乙乡"][-1] == pytest.approx(1.0)
    assert rates["甲乡"][:-2] == [None] * 10  # nothing recorded before October
    oct_, nov = c.subsidy[-2], c.subsidy[-1]
    # October: h1 600 (20 of 20); h2 600 × 10/20 = 300; h3 800 × 11/22 = 400. Paid: 甲乡 only (closed).
    assert (oct_.payable, oct_.paid) == (Decimal("1300.00"), Decimal("900.00"))
    # November: h1 600 × 10/20 = 300; h2 0; h3 800 × 5/(22 − 5 stopped) = 235.29. Nothing closed.
    assert (nov.payable, nov.paid) == (Decimal("535.29"), Decimal("0.00"))
    assert [(p.group, p.last_year, p.this_year) for p in c.priority if p.last_year or p.this_year] == [
        (["flood_affected", "registered_poor"], 1, 1), (["registered_poor"], 0, 1), ([], 0, 1)]
    assert c.priority_days == (dt.date(2025, 11, 16), dt.date(2026, 11, 16))
    progress = {line.name: (line.recorded_month, line.expected_month) for line in c.progress}
    assert progress == {"甲乡": (10, 32), "乙乡": (10, 16)}


def test_one_township_and_a_past_month(county, app_ctx):
    c = district_charts(2026, 10, dt.date(2026, 11, 16), county["b"])
    assert [r.township for r in c.rates] == ["乙乡"]
    assert (c.subsidy[-1].year, c.subsidy[-1].month, c.subsidy[-1].payable) == (2026, 10, Decimal("400.00"))
    # A past month's progress counts the whole month: 31 days expected, 31 recorded.
    assert [(line.recorded_month, line.expected_month) for line in c.progress] == [(31, 31)]


def test_a_closed_month_is_counted_once_and_kept(county, app_ctx):
    first = district_charts(2026, 11, dt.date(2026, 11, 16))
    # A record slipped into the closed month by hand is not seen: the paid month is a snapshot.
    db.session.execute(db.update(AttendanceRecord).where(AttendanceRecord.day == dt.date(2026, 10, 31))
                       .values(status="present"))
    db.session.flush()
    assert district_charts(2026, 11, dt.date(2026, 11, 16), county["b"]).subsidy[-2].payable == Decimal("436.36")
    again = district_charts(2026, 11, dt.date(2026, 11, 16))
    # 甲乡's closed October keeps its 900; 乙乡's open October counts h3's 12th day (800 × 12/22).
    assert again.subsidy[-2].paid == first.subsidy[-2].paid == Decimal("900.00")
    assert again.subsidy[-2].payable == Decimal("1336.36")


def test_an_open_month_counted_from_its_records_is_what_its_sheet_pays_once_closed(county, app_ctx):
    """The two ways the charts read a month agree: 乙乡's October counted live (with November, in
    the same two queries) and the same October read from its stored sheet after closing it."""
    live = district_charts(2026, 11, dt.date(2026, 11, 16), county["b"])
    db.session.add(AttendanceMonth(township_id=county["b"], year=2026, month=10, state="submitted"))
    office = db.session.scalar(db.select(User).where(User.username == county["office"]))
    close_month(county["b"], 2026, 10, office, closed_at=dt.datetime(2026, 11, 3, 2, 0, tzinfo=dt.timezone.utc))
    db.session.flush()
    closed = district_charts(2026, 11, dt.date(2026, 11, 16), county["b"])
    assert live.subsidy[-2].payable == closed.subsidy[-2].payable == closed.subsidy[-2].paid == Decimal("400.00")
    assert live.rates[0].rates == closed.rates[0].rates
    assert live.subsidy[-1] == closed.subsidy[-1]


def test_the_home_page_has_each_chart_with_its_table_and_a_picker(county, client):
    login_en(client, county["office"])
    html = client.get("/?month=2026-10&township_id=%d" % county["a"]).get_data(as_text=True)
    for name in ("rates", "subsidy", "priority", "progress"):
        assert f'data-testid="chart-{name}"' in html and f'data-chart="{name}"' in html
    assert "<td class=\"num\">1,300.00</td>" not in html  # one township only: 甲乡's 900
    assert "<td class=\"num\">900.00</td>" in html
    assert "data-figures='{\"datasets\"" in html and "vendor/chartjs/chart.umd.min.js" in html
    bad = client.get("/?month=2031-01&township_id=999").get_data(as_text=True)
    assert "is not a month up to this one" in bad and "There is no such township" in bad
