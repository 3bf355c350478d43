"""A round at any size: bounded queries per page, set-based writes that audit every row, lean runs.

The query-growth tests build the same pages on a district and on one ten times larger and
assert the number of SQL statements per request is the same: a page that reads one row at
a time fails here long before a county notices it (the county benchmark measures the times).
"""
from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from typing import Any, Iterator

from sqlalchemy import event, select

from tests.conftest import Factory, database_of_its_own
from tests.helpers import login
from wardens.extensions import db
from wardens.models import (AllocationRun, Application, Assignment, AuditEvent, HouseholdFlag, Person, Post, Round,
                            RunDecision)
from wardens.reallocation.digest import run_digest
from wardens.reallocation import adapter, applications, approval, notice, pins
from wardens.reallocation.rounds import open_round

TODAY = dt.date(2026, 11, 16)  # the clock fixture's day: the runs are made on it
AFTER_NOTICE = TODAY + dt.timedelta(days=10)
TERM_2026 = (dt.date(2026, 1, 1), dt.date(2026, 12, 31))


def county(make: Any, villages: int) -> dict[str, Any]:
    """A township per three villages; per village two posts (3 slots), 3 holders and 3 applicants."""
    towns = [make.township(name=f"乡镇{t:02d}") for t in range(max(2, villages // 3))]
    out: dict[str, Any] = {"villages": [], "holders": [], "applicants": [], "towns": towns}
    for v in range(villages):
        village = make.village(towns[v % len(towns)], name=f"村{v:03d}")
        out["villages"].append(village)
        posts = [make.post(village, code=f"Y{v:03d}-1", slots=2, section_start="K1", section_end="K4"),
                 make.post(village, code=f"Y{v:03d}-2", slots=1)]
        for k in range(3):
            holder = make.person(make.household(village, flags=("registered_poor",)), name=f"在岗{v}-{k}")
            make.assignment(holder, posts[min(k, 1)], term_start=TERM_2026[0], term_end=TERM_2026[1])
            out["holders"].append(holder)
        for k in range(3):
            flags = ("flood_affected", "registered_poor") if k == 0 else ("monitoring",) if k == 1 else ()
            out["applicants"].append((make.person(make.household(village, flags=flags), name=f"申请{v}-{k}"),
                                      [posts[k % 2].code]))
    make.user("office", username="office1")
    db.session.commit()
    return out


def whole_round(make: Any, villages: int) -> tuple[Round, AllocationRun, dict[str, Any]]:
    """A round opened, applied to, run, noticed and approved through the operations."""
    d = county(make, villages)
    rnd = open_round(name="2027年度动态调整", year=2027, term_start=dt.date(2027, 1, 1), term_end=dt.date(2027, 12, 31),
                     reference_date=dt.date(2027, 1, 1), notice_days=5, today=TODAY, user_id=None)
    for person, codes in d["applicants"]:
        applications.add_application(rnd, person, codes, actor_id=None)
    run = adapter.run_round(rnd, user_id=None)
    db.session.commit()
    return rnd, run, d


@contextmanager
def counted() -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)


    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def page_counts(client: Any, urls: list[str]) -> dict[str, int]:
    out = {}
    for url in urls:
        with counted() as statements:
            response = client.get(url)
        assert response.status_code == 200, url
        out[url] = len(statements)  # ids are the same in both databases: each is built from nothing
    return out


def pages_of(rnd: Round, run: AllocationRun, d: dict[str, Any], state: str) -> list[str]:
    town, village = d["towns"][0], d["villages"][0]
    application_id = db.session.scalar(select(Application.id).where(
        Application.round_id == rnd.id, Application.person_id == d["holders"][0].id))
    urls = [f"/reallocation/rounds/{rnd.id}", f"/reallocation/runs/{run.id}",
            f"/reallocation/runs/{run.id}?township={town.id}", f"/reallocation/runs/{run.id}?village={village.id}",
            f"/reallocation/runs/{run.id}?change=stays&q=在岗",
            f"/reallocation/rounds/{rnd.id}/applications/{application_id}", f"/reallocation/rounds/{rnd.id}/compare"]
    if state == "approved":
        urls += [f"/reallocation/rounds/{rnd.id}/notice/print?village={village.id}",
                 f"/reallocation/rounds/{rnd.id}/notice/print?township={town.id}",
                 f"/reallocation/rounds/{rnd.id}/agreements?township={town.id}"]
    return urls


def measure(app: Any, make: Any, villages: int) -> dict[str, int]:
    rnd, run, d = whole_round(make, villages)
    adapter.run_round(rnd, note="again", user_id=None)  # a second stored run: pages read only the one they show
    db.session.commit()
    client = app.test_client()
    login(client, "office1")
    counts = page_counts(client, pages_of(rnd, run, d, "proposed"))
    notice.start_notice(rnd, run, TODAY, TODAY, actor_id=None)
    approval.approve_round(rnd, AFTER_NOTICE, user_id=None)
    db.session.commit()
    counts |= {f"{k} (approved)": v for k, v in page_counts(client, pages_of(rnd, run, d, "approved")).items()}
    return counts


def test_query_count_of_every_round_page_does_not_grow_with_rows(tmp_path, clock) -> None:  # type: ignore[no-untyped-def]
    """The same pages on 9 villages and on 90 (10× the rows): the same number of statements, under 50.

    Nine villages already fill more than one screen of every list (more than 50 applications),
    so both sizes take the same paths (a list of one page skips its count query).
    """
    counts = []
    for villages in (9, 90):
        with database_of_its_own(tmp_path / f'{villages}.sqlite3') as app:
            counts.append(measure(app, Factory(), villages))
    small, large = counts
    assert set(large) == set(small) and all(n < 50 for n in large.values()), large
    # Not one statement more for ten times the rows (a related list that happens to be empty
    # on a screen costs one statement less, so "not more" rather than "equal").
    grown = {url: (small[url], n) for url, n in large.items() if n > small[url]}
    assert grown == {}


def test_bulk_approval_audits_every_agreement_it_makes_and_ends(make, clock) -> None:  # type: ignore[no-untyped-def]
    rnd, run, d = whole_round(make, 4)
    notice.start_notice(rnd, run, TODAY, TODAY, actor_id=None)
    first_event = db.session.scalar(select(db.func.max(AuditEvent.id)))
    created = approval.approve_round(rnd, AFTER_NOTICE, user_id=None)
    db.session.commit()
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.id > first_event).order_by(AuditEvent.id)))
    made = {a.id: a for a in db.session.scalars(select(Assignment).where(Assignment.round_id == rnd.id))}
    assert sorted(created) == sorted(made) and len(made) == len(run.result["assignments"]) > 0
    create_events = {e.entity_id: e.after for e in events if e.action == "assignment_create"}
    assert create_events == {a.id: approval_snapshot(a) for a in made.values()}
    ended = {a.id: a for a in db.session.scalars(select(Assignment).where(Assignment.origin == "initial"))}
    assert {a.ended_on for a in ended.values()} == {dt.date(2026, 12, 31)}
    end_events = {e.entity_id: (e.before, e.after, e.reason) for e in events if e.action == "assignment_end"}
    assert end_events == {a.id: ({**approval_snapshot(a), "ended_on": None, "end_reason": None, "end_note": None},
                                 approval_snapshot(a), "term_end") for a in ended.values()}
    assert all(e.entity_type == "assignment" for e in events if e.action.startswith("assignment_"))


def approval_snapshot(a: Assignment) -> dict[str, Any]:
    return {"person_id": a.person_id, "post_id": a.post_id, "term_start": a.term_start.isoformat(),
            "term_end": a.term_end.isoformat(), "origin": a.origin, "round_id": a.round_id,
            "ended_on": a.ended_on.isoformat() if a.ended_on else None, "end_reason": a.end_reason,
            "end_note": a.end_note}


def test_opening_a_round_audits_each_holder_included(make) -> None:  # type: ignore[no-untyped-def]
    d = county(make, 3)
    rnd = open_round(name="2027", year=2027, term_start=dt.date(2027, 1, 1), term_end=dt.date(2027, 12, 31),
                     reference_date=dt.date(2027, 1, 1), notice_days=5, today=TODAY, user_id=None)
    db.session.commit()
    included = {a.id: a for a in rnd.applications}
    assert {a.person_id for a in included.values()} == {p.id for p in d["holders"]}
    events = {e.entity_id: e.after for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "application_add"))}
    assert set(events) == set(included)
    assert all(events[i]["person_id"] == a.person_id and events[i]["current_post_id"] == a.current_post_id
               and events[i]["source"] == "holder" for i, a in included.items())


def test_a_run_is_current_until_something_it_reads_changes(make) -> None:  # type: ignore[no-untyped-def]
    rnd, run, d = whole_round(make, 2)
    assert adapter.is_current(run) and run.problem_hash == adapter.problem_hash(run.problem)
    person: Person = d["holders"][0]
    person.phone = "13900000000"  # not something the matcher reads
    db.session.commit()
    assert adapter.is_current(run)
    post = db.session.scalar(select(Post).where(Post.code == "Y000-1"))
    post.slots = 3
    db.session.commit()
    assert not adapter.is_current(run)
    again = adapter.run_round(rnd, user_id=None)
    db.session.commit()
    assert adapter.is_current(again) and not adapter.is_current(run)
    db.session.add(HouseholdFlag(household_id=person.household_id, flag="low_income", recorded_on=dt.date(2026, 11, 1)))
    db.session.commit()
    assert not adapter.is_current(again)
    third = adapter.run_round(rnd, user_id=None)
    db.session.commit()
    application = db.session.scalar(select(Application).where(Application.person_id == d["applicants"][0][0].id))
    pins.pin(application, application.choices[0], "村评议推荐", actor_id=None)
    assert not adapter.is_current(third)  # seen inside the same transaction, before the commit
    db.session.rollback()
    assert adapter.is_current(third)  # the pin was rolled back, and with it the move of the revision


def test_a_run_is_solved_once_and_stored_once_with_codes(make) -> None:  # type: ignore[no-untyped-def]
    rnd, run, d = whole_round(make, 2)
    assert "result_en" not in AllocationRun.__table__.c
    entries = run.result["assignments"] + run.result["unassigned"]
    assert entries and all(e["explanation"] and isinstance(e["reason"], str) and e["reason"] for e in entries)
    assert run.summary == run.result["summary"]
    # Beside it, what the pages read: one record per decision and the digest, both the result's own.
    stored = dict(db.session.execute(select(RunDecision.person_id, RunDecision.entry)
                                     .where(RunDecision.run_id == run.id)).all())
    assert stored == {int(e["candidate"][1:]): e for e in entries}
    assert run.digest == run_digest(run.problem, run.result)
    # Stored once: the run's own column keeps the result's head, its decisions only as those records.
    head = db.session.execute(select(AllocationRun.result_head).where(AllocationRun.id == run.id)).scalar_one()
    assert head["assignments"] is None and head["unassigned"] is None and head["summary"] == run.summary


def test_a_printout_of_a_place_that_is_not_there_is_a_404_not_the_whole_district(make, client, clock) -> None:  # type: ignore[no-untyped-def]
    """?township=99999999999999999999 (too large to be an id) printed every township's notice."""
    rnd, run, d = whole_round(make, 2)
    notice.start_notice(rnd, run, TODAY, TODAY, actor_id=None)
    db.session.commit()
    login(client, "office1")
    base = f"/reallocation/rounds/{rnd.id}/notice/print"
    for bad in ("township=99999999999999999999", "township=abc", "village=-1", "township=999"):
        assert client.get(f"{base}?{bad}").status_code == 404, bad
    assert client.get(f"{base}?township=").status_code == 200
    assert client.get(f"{base}?township={d['towns'][0].id}").status_code == 200
