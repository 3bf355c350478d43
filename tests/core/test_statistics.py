"""The yearly statistics (年度统计) against figures worked out by hand on a small district (clock: 2026-11-16)."""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from wardens.attendance.months import close_month
from wardens.core.statistics import year_statistics
from wardens.dates import utcnow
from wardens.extensions import db
from wardens.models import AttendanceMonth, AttendanceRecord, DismissalCase, Round
from tests.registry.conftest import login_en

Y25, Y26 = dt.date(2025, 1, 1), dt.date(2026, 1, 1)


@pytest.fixture
def district(clock, make):
    a, b = make.township(name="甲乡"), make.township(name="乙乡")
    va, vb = make.village(a, name="甲村"), make.village(b, name="乙村")
    p1, p2 = make.post(va, code="A-1"), make.post(va, code="A-2")
    p3 = make.post(va, code="A-3", kind="road_cleaner", slots=2)
    p4 = make.post(vb, code="B-1")
    make.post(vb, code="B-OLD", active=False)  # not in use: not counted
    one = make.person(make.household(va, flags=("flood_affected", "registered_poor")), name="一号")
    two = make.person(make.household(va, flags=("registered_poor",)), name="二号")
    three = make.person(make.household(vb), name="三号")
    four = make.person(make.household(vb, flags=("flood_affected",)), name="四号")
    rnd = Round(name="2026年度动态调整", year=2026, term_start=Y26, term_end=dt.date(2026, 12, 31),
                reference_date=dt.date(2025, 12, 1), rules={}, state="in_force")
    db.session.add(rnd)
    db.session.flush()
    # 2025: one on A-1, two on A-2, four on B-1 (four leaves at the year's end).
    make.assignment(one, p1, term_start=Y25, term_end=dt.date(2025, 12, 31))
    make.assignment(two, p2, term_start=Y25, term_end=dt.date(2025, 12, 31))
    old = make.assignment(four, p4, term_start=Y25, term_end=dt.date(2025, 12, 31))
    # The 2026 round: one stays on A-1, two moves to A-3, three is newly placed on B-1.
    h1 = make.assignment(one, p1, term_start=Y26, term_end=dt.date(2026, 12, 31), origin="round", round_id=rnd.id)
    h2 = make.assignment(two, p3, term_start=Y26, term_end=dt.date(2026, 12, 31), origin="round", round_id=rnd.id)
    make.assignment(three, p4, term_start=Y26, term_end=dt.date(2026, 12, 31), origin="round", round_id=rnd.id)
    # October: one 20 present (600 元), two 10 present (300 元); 甲乡 closed it, so it is paid.
    for d in range(1, 21):
        db.session.add(AttendanceRecord(assignment_id=h1.id, day=dt.date(2026, 10, d), status="present"))
    for d in range(1, 11):
        db.session.add(AttendanceRecord(assignment_id=h2.id, day=dt.date(2026, 10, d), status="present"))
    db.session.flush()
    db.session.add(AttendanceMonth(township_id=a.id, year=2026, month=10, state="submitted"))
    close_month(a.id, 2026, 10, make.user("office", username="office8"))
    # Dismissals: two decided in 2026 (one each rule), one cleared, one dismissed back in 2025.
    for rule, decision, when in (("absent_days", "dismissed", utcnow()), ("age", "dismissed", utcnow()),
                                 ("two_posts", "cleared", utcnow()),
                                 ("absent_days", "dismissed", dt.datetime(2025, 6, 1, tzinfo=dt.timezone.utc))):
        db.session.add(DismissalCase(assignment_id=old.id, rule=rule, period=str(when.year), evidence="…", decision=decision,
                                     decision_reason="…", decided_at=when))
    office = make.user("office", username="office7")
    db.session.commit()
    return {"office": office.username}


def test_the_year_s_figures_by_hand(district, app_ctx):
    s = year_statistics(2026, dt.date(2026, 11, 16))
    assert s.posts == {("甲乡", "road_warden"): (2, 2), ("甲乡", "road_cleaner"): (1, 2), ("乙乡", "road_warden"): (1, 1)}
    assert s.kind_totals("road_warden") == (3, 3)
    # In post in 2026: one (both flags), two (poor only), three (no flag); four left in 2025.
    assert s.holders_by_group == {"both": 1, "poor_only": 1, "flood_only": 0, "neither": 1}
    assert (s.people_helped, s.households_helped) == (3, 3)
    assert s.paid["甲乡"][9] == Decimal("900.00") and s.paid["乙乡"] == [Decimal("0.00")] * 12
    assert s.paid_total == Decimal("900.00")
    assert s.dismissals == {"absent_days": 1, "age": 1}
    assert s.round_name == "2026年度动态调整"
    assert {t: dict(c) for t, c in s.placements.items()} == {"甲乡": {"stayed": 1, "moved": 1}, "乙乡": {"new": 1}}
    last = year_statistics(2025, dt.date(2026, 11, 16))
    assert (last.people_helped, last.holders_by_group["flood_only"], last.round_name) == (3, 1, None)


def test_the_page_and_its_xlsx(district, client):
    login_en(client, district["office"])
    html = client.get("/statistics?year=2026").get_data(as_text=True)
    assert 'data-testid="people-helped">3<' in html and 'data-testid="paid-total"><b>900.00</b>' in html
    assert "Stayed in post" in html and "data-print" in html
    resp = client.get("/statistics/2026.xlsx")
    assert resp.status_code == 200
    book = load_workbook(io.BytesIO(resp.data))
    # One sheet per table of the page, in its order, each with its header frozen above its rows.
    assert [ws.title for ws in book.worksheets] == [
        "Posts and slots", "Holders by priority group", "People and households helped",
        "Subsidy paid (yuan)", "Dismissals by reason", "The round's placements"]
    rows = {ws.title: [[c for c in row if c not in (None, "")] for row in ws.iter_rows(values_only=True)]
            for ws in book.worksheets}
    assert rows["People and households helped"] == [["People", "Households"], [3, 3]]
    assert rows["Subsidy paid (yuan)"][-1] == ["All townships"] + [0] * 9 + [900] + [0, 0, 900]
    assert all(ws.freeze_panes == "A2" for ws in book.worksheets)
    assert client.get("/statistics/2031.xlsx").status_code == 404
    assert client.get("/statistics?year=abc").status_code == 200  # this year, not a 500
