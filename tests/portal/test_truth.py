"""The warden's page tells the truth on every day: months in post only, unrecorded months said so, the term's note."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from wardens.extensions import db
from wardens.models import AttendanceRecord
from wardens.portal.mine import term_note
from tests.registry.conftest import login_en

DISTRICT = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def warden(clock, make):
    town = make.township(name="西河口乡")
    village = make.village(town, name="石湖村")
    person = make.person(make.household(village), name="张大山")
    post = make.post(village, code="XHK-01")
    a = make.assignment(person, post, term_start=dt.date(2026, 3, 1), term_end=dt.date(2026, 12, 31))
    # The township started recording in October.
    for d in (dt.date(2026, 10, 1) + dt.timedelta(days=i) for i in range(40)):
        db.session.add(AttendanceRecord(assignment_id=a.id, day=d, status="present"))
    user = make.user("warden", person_id=person.id, username="zhang")
    db.session.commit()
    return {"assignment": a, "person": person, "post": post, "user": user.username, "make": make}


def _months(html: str) -> list[tuple[str, str]]:
    block = html.split('data-testid="past-months"')[1]
    return [(" ".join(re.sub(r"<[^>]+>", " ", m[0]).split()), " ".join(re.sub(r"<[^>]+>", " ", m[1]).split()))
            for m in re.findall(r'<a href="/me/month/\d+/\d+">\s*<span>(.*?)</span>(.*?)</a>', block, re.S)]


def test_only_months_in_post_and_a_month_without_records_says_so(warden, client):
    login_en(client, warden["user"])
    months = _months(client.get("/me/").get_data(as_text=True))
    assert [m[0] for m in months] == ["November 2026 (so far)", "October 2026", "September 2026", "August 2026",
                                      "July 2026", "June 2026", "May 2026", "April 2026", "March 2026"]
    assert months[1][1] == "31 days present 600.00 yuan"  # every October day recorded present
    for name, figures in months[2:]:
        assert figures == "not yet recorded —", name  # never "0.00 yuan"
    page = client.get("/me/month/2026/5").get_data(as_text=True)
    assert 'data-testid="month-not-recorded"' in page and "0.00" not in page
    assert client.get("/me/month/2026/2").status_code == 404  # before the term


def test_the_term_note_on_every_day_of_the_term_and_after_the_next_round(warden, client, clock):
    make, a = warden["make"], warden["assignment"]
    login_en(client, warden["user"])
    assert term_note(a, [a], dt.date(2026, 11, 16)).kind == ""
    # The next round is approved on 1 December: this agreement is ended on its last day, a new one follows.
    a.ended_on, a.end_reason = dt.date(2026, 12, 31), "term_end"
    nxt = make.assignment(warden["person"], warden["post"], term_start=dt.date(2027, 1, 1), term_end=dt.date(2027, 12, 31))
    db.session.commit()
    for day in (dt.date(2026, 12, 1), dt.date(2026, 12, 31)):
        clock.move_to(dt.datetime(day.year, day.month, day.day, 9, tzinfo=DISTRICT))
        login_en(client, warden["user"])
        html = client.get("/me/").get_data(as_text=True)
        term = re.search(r'data-testid="term">(.*?)</dd>', html, re.S).group(1)
        assert "Term ended" not in term, day
        assert "Next term from Jan 1, 2027, post XHK-01" in term
    clock.move_to(dt.datetime(2027, 1, 1, 9, tzinfo=DISTRICT))
    login_en(client, warden["user"])
    html = client.get("/me/").get_data(as_text=True)
    term = re.search(r'data-testid="term">(.*?)</dd>', html, re.S).group(1)
    assert term.strip() == "Jan 1, 2027 – Dec 31, 2027"
    assert term_note(a, [nxt, a], dt.date(2027, 1, 1)).kind == "ended"


def test_a_warden_not_renewed_reads_term_ended_only_after_the_last_day(warden, client, clock):
    a = warden["assignment"]
    a.ended_on, a.end_reason = dt.date(2026, 12, 31), "term_end"
    db.session.commit()
    clock.move_to(dt.datetime(2026, 12, 31, 9, tzinfo=DISTRICT))
    login_en(client, warden["user"])  # a session lasts less than the weeks the clock moves
    html = client.get("/me/").get_data(as_text=True)
    assert re.search(r'data-testid="term">(.*?)</dd>', html, re.S).group(1).strip() == "Mar 1, 2026 – Dec 31, 2026"
    clock.move_to(dt.datetime(2027, 1, 1, 9, tzinfo=DISTRICT))
    login_en(client, warden["user"])
    html = client.get("/me/").get_data(as_text=True)
    assert "(Term ended)" in re.search(r'data-testid="term">(.*?)</dd>', html, re.S).group(1)
