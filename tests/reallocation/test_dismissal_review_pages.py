"""The dismissal review a page at a time and a township at a time (a county's first refresh flags
a few hundred holders: every flag on one page was 525 KB)."""
from __future__ import annotations

import datetime as dt
import re

from tests.core.test_home_scale import TODAY, district
from wardens.extensions import db
from wardens.models import DismissalCase, Post, Township, Village
from wardens.reallocation.dismissal import refresh_flags
from wardens.reallocation.routes.dismissals import CASES_PER_PAGE


def flags_shown(html: str) -> int:
    return len(re.findall(r'data-testid="case"', html))


def test_the_review_shows_fifty_flags_a_page_and_one_township_s_when_asked(make, client, clock):
    users = district(make, 60, dt.date(2026, 9, 1))
    refresh_flags(TODAY, users["office"].id)
    db.session.commit()
    total = db.session.scalar(db.select(db.func.count()).select_from(DismissalCase))
    assert total > CASES_PER_PAGE
    with client.session_transaction() as session:
        session["_user_id"] = users["office"].get_id()
        session["_fresh"] = True
    first = client.get("/reallocation/dismissals").get_data(as_text=True)
    assert flags_shown(first) == CASES_PER_PAGE and f"{total}</span>" in first and 'rel="next"' in first
    last_page = (total - 1) // CASES_PER_PAGE + 1
    last = client.get(f"/reallocation/dismissals?page={last_page}").get_data(as_text=True)
    assert flags_shown(last) == total - CASES_PER_PAGE * (last_page - 1)
    town = db.session.scalars(db.select(Township).order_by(Township.id)).first()
    in_town = db.session.scalar(
        db.select(db.func.count()).select_from(DismissalCase).join(DismissalCase.assignment)
        .join(Post).join(Village).where(Village.township_id == town.id))
    one = client.get(f"/reallocation/dismissals?township={town.id}").get_data(as_text=True)
    assert 0 < in_town < total and flags_shown(one) == min(in_town, CASES_PER_PAGE)
    assert f'value="{town.id}" selected' in one
    # Anything that is not a township is no filter, not an error.
    assert flags_shown(client.get("/reallocation/dismissals?township=abc").get_data(as_text=True)) == CASES_PER_PAGE


def test_a_decision_goes_back_to_the_page_and_township_it_was_made_on(make, client, clock):
    users = district(make, 60, dt.date(2026, 9, 1))
    refresh_flags(TODAY, users["office"].id)
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = users["office"].get_id()
        session["_fresh"] = True
    page2 = client.get("/reallocation/dismissals?page=2").get_data(as_text=True)
    action = re.search(r'action="(/reallocation/dismissals/(\d+)/clear[^"]*)"', page2)
    assert action and "page=2" in action.group(1)
    response = client.post(action.group(1).replace("&amp;", "&"), data={"reason": "已核实，病假有证明"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/reallocation/dismissals?page=2")
    # A page past the end (its flags were all decided) shows the last page, with its pager.
    db.session.rollback()  # see the clear the request committed
    total = db.session.scalar(db.select(db.func.count()).select_from(DismissalCase)
                              .where(DismissalCase.decision.is_(None)))
    past = client.get("/reallocation/dismissals?page=99").get_data(as_text=True)
    assert flags_shown(past) == total - CASES_PER_PAGE * ((total - 1) // CASES_PER_PAGE) and 'rel="prev"' in past
