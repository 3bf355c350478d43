"""The home pages and the warden's own page at any size: the same number of SQL statements for ten
times the rows (holders, days recorded, road reports, months in post), and under 50 each.

#13 measured the warden's page at 66 statements (36 of them one past month at a time) and the
office home at 68. The same pages are built on a district and on one ten times larger, and on a
warden three months in post and one thirty-two months in post, and their statements counted.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import insert

from tests.conftest import Factory, database_of_its_own
from tests.reallocation.test_scale import page_counts
from wardens.attendance.months import close_month, submit_month
from wardens.attendance.subsidy import holder_months, holder_months_over
from wardens.extensions import db
from wardens.models import AttendanceRecord, ReportState, RoadReport
from wardens.portal.mine import months_of, my_assignments

TODAY = dt.date(2026, 11, 16)
PAGES = {"office": ["/", "/?month=2026-10"], "clerk": ["/"], "admin": ["/"], "warden": ["/me/"],
         "chief": ["/patrol/chief", "/patrol/reports", "/patrol/reports?state=all"]}


def district(make: Any, villages: int, warden_since: dt.date, first_day: dt.date = dt.date(2026, 10, 1)) -> dict[str, Any]:
    """Per village two posts with a holder each, every day from first_day (1 October) to today recorded,
    and a road report on each post; the first holder has a warden account, in post since warden_since."""
    towns = [make.township(name=f"乡镇{t:02d}") for t in range(max(2, villages // 3))]
    users: dict[str, Any] = {"office": make.user("office", username="office1"),
                             "admin": make.user("admin", username="admin1"),
                             "clerk": make.user("clerk", username="clerk1", township_id=towns[0].id)}
    chief = make.user("road_chief", username="chief1", township_id=towns[0].id)
    users["chief"] = chief
    assignments, reports = [], []
    days = [first_day + dt.timedelta(days=n) for n in range((TODAY - first_day).days + 1)]
    for v in range(villages):
        village = make.village(towns[v % len(towns)], name=f"村{v:03d}")
        for k in range(2):
            post = make.post(village, code=f"Y{v:03d}-{k}", road_chief_id=chief.id if v % len(towns) == 0 else None)
            person = make.person(make.household(village), name=f"在岗{v}-{k}")
            if v == 0 and k == 0:
                # Earlier agreements, one per calendar year, back to warden_since.
                for year in range(warden_since.year, 2026):
                    make.assignment(person, post, term_start=max(warden_since, dt.date(year, 1, 1)),
                                    term_end=dt.date(year, 12, 31))
                assignments.append(make.assignment(person, post, term_start=max(warden_since, dt.date(2026, 1, 1)),
                                                   term_end=dt.date(2026, 12, 31)))
                users["warden"] = make.user("warden", username="warden1", person_id=person.id)
            else:
                if v == 0:
                    # Someone held a post last year in both districts (a chart compares the two years).
                    make.assignment(person, post, term_start=dt.date(2025, 1, 1), term_end=dt.date(2025, 12, 31))
                assignments.append(make.assignment(person, post, term_start=dt.date(2026, 1, 1),
                                                   term_end=dt.date(2026, 12, 31)))
            reports.append({"post_id": post.id, "reported_by_id": users["office"].id, "kind": "pothole",
                            "state": [s.value for s in ReportState][(v + k) % 3], "note": "坑槽",
                            "reported_at": dt.datetime(2026, 11, 10, 2, tzinfo=dt.timezone.utc),
                            "day": dt.date(2026, 11, 10), "lat": 31.7, "lon": 116.4, "accuracy_m": 10.0})
    statuses = ("present", "present", "present", "leave", "absent", "rest")
    db.session.execute(insert(AttendanceRecord), [
        {"assignment_id": a.id, "day": d, "status": statuses[(a.id + d.day) % len(statuses)]}
        for a in assignments for d in days])
    db.session.execute(insert(RoadReport), reports)
    db.session.commit()
    return users


def measure(app: Any, villages: int, warden_since: dt.date, first_day: dt.date = dt.date(2026, 10, 1)) -> dict[str, int]:
    users = district(Factory(), villages, warden_since, first_day)
    counts: dict[str, int] = {}
    for who, urls in PAGES.items():
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = users[who].get_id()
            session["_fresh"] = True
        counts |= {f"{who} {url}": n for url, n in page_counts(client, urls).items()}
    return counts


def test_home_pages_and_the_warden_s_page_send_the_same_statements_for_ten_times_the_rows(tmp_path, clock):
    counts = []
    for villages, since in ((6, dt.date(2026, 9, 1)), (60, dt.date(2024, 4, 1))):
        with database_of_its_own(tmp_path / f'{villages}.sqlite3') as app:
            counts.append(measure(app, villages, since))
    small, large = counts
    assert set(small) == set(large)
    assert all(n < 50 for n in large.values()), [(k, small[k], large[k]) for k in sorted(large) if large[k] >= 50 or large[k] != small[k]]
    grown = {page: (small[page], n) for page, n in large.items() if n > small[page]}
    assert grown == {}, (small, large)


def test_the_home_page_sends_the_same_statements_with_three_open_months_or_a_whole_open_year(tmp_path, clock):
    """A county that never closed a month: its twelve open months are counted together (the
    county benchmark measured 54 statements, two per open month, before they were)."""
    counts = []
    for first_day in (dt.date(2026, 9, 1), dt.date(2025, 12, 1)):
        with database_of_its_own(tmp_path / f'{first_day}.sqlite3') as app:
            counts.append(measure(app, 6, dt.date(2026, 9, 1), first_day))
    three, year = counts
    assert {page: n for page, n in year.items() if n != three[page]} == {}, (three, year)


def test_the_warden_s_past_months_read_at_once_are_what_each_month_reads_alone(make, clock):
    """holder_months_over (all months at once) gives each month what holder_months gives it alone,
    open months with their settings version and a closed month with its frozen numbers."""
    users = district(make, 3, dt.date(2024, 4, 1))
    town = users["clerk"].township_id
    warden = users["warden"]
    submit_month(town, 2026, 10, users["clerk"], today=TODAY)
    close_month(town, 2026, 10, users["office"])
    db.session.commit()
    assignments = my_assignments(warden.person_id)
    wanted = [(a, y, m) for a in assignments for y, m in months_of(a, TODAY)]
    assert len(wanted) == 32
    together = holder_months_over(wanted)
    alone = [holder_months([a], y, m, with_days=False)[0] for a, y, m in wanted]
    fields = ("year", "month", "counts", "term_days", "standard", "required_days", "rate", "subsidy", "deduction",
              "settings_used")
    assert [tuple(getattr(h, f) for f in fields) for h in together] == [
        tuple(getattr(h, f) for f in fields) for h in alone]
    assert any(h.counts["present"] for h in together)
