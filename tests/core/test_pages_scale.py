"""The office's everyday pages at any size: the same number of SQL statements for ten times the
rows, and under 50 each (issue #13: no query per row anywhere a list is shown).

The county benchmark found the dismissal review at 807 statements: one per post to count its
free slots, and the post, village and township of each flag loaded one at a time. The same pages
are built on a district and on one ten times larger (holders, villages, people, days recorded,
flags, a closed month) and their statements counted.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from tests.conftest import Factory, database_of_its_own
from tests.core.test_home_scale import TODAY, district
from tests.reallocation.test_scale import page_counts
from wardens.attendance.months import close_month, submit_month
from wardens.extensions import db
from wardens.models import DismissalCase, Township
from wardens.reallocation.dismissal import refresh_flags


def pages(town: int) -> list[str]:
    return ["/people", "/households", "/posts", "/places", "/attendance/dashboard", "/attendance/months",
            f"/attendance/grid?township_id={town}&day={TODAY}", f"/attendance/sheet/{town}/2026/10",
            f"/attendance/sheet/{town}/2026/11", "/reallocation/dismissals", "/statistics", "/audit"]


def measure(app: Any, villages: int) -> tuple[dict[str, int], int]:
    users = district(Factory(), villages, dt.date(2026, 9, 1))
    office = users["office"]
    towns = list(db.session.scalars(db.select(Township.id).order_by(Township.id)))
    for tid in towns:
        submit_month(tid, 2026, 10, office, today=TODAY)
        close_month(tid, 2026, 10, office)
    refresh_flags(TODAY, office.id)
    db.session.commit()
    flags = db.session.scalar(db.select(db.func.count()).select_from(DismissalCase))
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = office.get_id()
        session["_fresh"] = True
    return page_counts(client, pages(towns[0])), flags


def test_the_office_s_everyday_pages_send_the_same_statements_for_ten_times_the_rows(tmp_path, clock):
    measured = []
    for villages in (6, 60):
        with database_of_its_own(tmp_path / f'{villages}.sqlite3') as app:
            measured.append(measure(app, villages))
    (small, small_flags), (large, large_flags) = measured
    assert 0 < small_flags < large_flags  # the review has flags to show, ten times as many
    assert all(n < 50 for n in large.values()), large
    grown = {page: (small[page], n) for page, n in large.items() if n > small[page]}
    assert grown == {}, (small, large)
