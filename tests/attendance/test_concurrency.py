"""Reliability under concurrency, on SQLite and PostgreSQL, with separate app instances per thread.

- Two clerks save the same 300-row grid at the same moment, 20 times: nothing lost,
  nothing duplicated, no server error, every row's final value one of the two submitted.
- A month is closed while a save is in flight: no record dated in the month is written after the close.
"""
from __future__ import annotations

import datetime as dt
import random
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Iterator

import pytest
import time_machine
from sqlalchemy import create_engine, delete, func, insert, select, text, update
from sqlalchemy.engine import make_url

from tests.conftest import DISTRICT, _test_config, clear_postgres_schema, postgres_url
from wardens import create_app
from wardens.dates import today
from wardens.extensions import db
from wardens.models import (
    Assignment,
    AttendanceChange,
    AttendanceMonth,
    MonthSheetRow,
    AttendanceRecord,
    Household,
    Person,
    Post,
    Township,
    User,
    Village,
    get_settings,
)
from tests.helpers import make_id_number
from wardens.models.enums import MonthState

pytestmark = pytest.mark.slow
HOLDERS = 300
STATUSES = ("present", "leave", "sick", "absent", "rest", "stopped")
_pg_ready: set[str] = set()


def _sqlite_url(tmp_path: Any) -> str:
    return f"sqlite:///{tmp_path / 'race.sqlite3'}"


def _own_postgres_url() -> str:
    """A database of its own on the test server, so other suites' TRUNCATEs never meet these threads."""
    base = postgres_url()
    if base is None:
        pytest.skip("PostgreSQL not reachable")
    url = make_url(base).set(database=make_url(base).database + "_attendance_race")
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": url.database}):
            conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    engine.dispose()
    return url.render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def race_url(request: Any, tmp_path: Any) -> Iterator[str]:
    url = _sqlite_url(tmp_path) if request.param == "sqlite" else _own_postgres_url()
    engine = create_engine(url)
    with engine.begin() as conn:
        if url.startswith("postgresql") and url in _pg_ready:
            names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            if url.startswith("postgresql"):
                clear_postgres_schema(conn)
            else:
                db.metadata.drop_all(conn)
            db.metadata.create_all(conn)
            _pg_ready.add(url)
    engine.dispose()
    yield url


def _build(app: Any) -> dict[str, Any]:
    """One township, 300 holders in force today, a clerk each for two browsers, and office staff (bulk inserts)."""
    from tests.conftest import _password_hash

    with app.app_context():
        get_settings()
        day = today()
        township = Township(name="西河口乡")
        db.session.add(township)
        db.session.flush()
        village = Village(township_id=township.id, name="石湖村")
        db.session.add(village)
        db.session.flush()
        db.session.execute(insert(Household), [{"number": f"H{i:05d}", "village_id": village.id} for i in range(HOLDERS)])
        households = db.session.scalars(select(Household.id).order_by(Household.id)).all()
        people = []
        for i, hid in enumerate(households):
            birth = dt.date(1965, 1, 1) + dt.timedelta(days=i)
            number = make_id_number(birth, seq=i + 1)
            people.append({"name": f"员{i:03d}", "id_number": number, "id_last4": number[-4:], "birth_date": birth,
                           "sex": "M", "household_id": hid, "labour": "weak"})
        db.session.execute(insert(Person), people)
        db.session.execute(insert(Post), [{"code": f"P{i:04d}", "village_id": village.id} for i in range(HOLDERS)])
        person_ids = db.session.scalars(select(Person.id).order_by(Person.id)).all()
        post_ids = db.session.scalars(select(Post.id).order_by(Post.id)).all()
        db.session.execute(insert(Assignment), [
            {"person_id": p, "post_id": q, "term_start": day - dt.timedelta(days=200), "term_end": day + dt.timedelta(days=200)}
            for p, q in zip(person_ids, post_ids)
        ])
        users = [User(username=n, password_hash=_password_hash(), role=r, township_id=township.id if r == "clerk" else None)
                 for n, r in (("clerk_a", "clerk"), ("clerk_b", "clerk"), ("office", "office"))]
        db.session.add_all(users)
        db.session.commit()
        return {
            "day": day,
            "township_id": township.id,
            "assignment_ids": db.session.scalars(select(Assignment.id).order_by(Assignment.id)).all(),
            "user_ids": {u.username: u.get_id() for u in users},
        }


def _client(url: str, user_id: str) -> Any:
    app = create_app(_test_config(url))
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user_id
        session["_fresh"] = True
    return app, client


def _grid_form(world: dict[str, Any], statuses: dict[int, str]) -> dict[str, str]:
    data = {"day": world["day"].isoformat(), "township_id": str(world["township_id"]), "village_id": "", "reason": "", "save": "1"}
    for aid, status in statuses.items():
        data[f"v-{aid}"] = "0"
        data[f"s-{aid}"] = status
        data[f"n-{aid}"] = ""
    return data


def _at_once(*calls: Any) -> list[Any]:
    barrier = threading.Barrier(len(calls))

    def run(call: Any) -> Any:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return [f.result() for f in [pool.submit(run, c) for c in calls]]


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def test_two_clerks_saving_the_same_grid_at_once_lose_and_duplicate_nothing(race_url: str) -> None:
    setup = create_app(_test_config(race_url))
    world = _build(setup)
    app_a, client_a = _client(race_url, world["user_ids"]["clerk_a"])
    app_b, client_b = _client(race_url, world["user_ids"]["clerk_b"])
    rng = random.Random(4)
    ids = world["assignment_ids"]
    try:
        for _round in range(20):
            submitted_a = {aid: rng.choice(STATUSES) for aid in ids}
            submitted_b = {aid: rng.choice(STATUSES) for aid in ids}
            # Nobody has a week of sick leave here, so no certificate is asked for.
            resp_a, resp_b = _at_once(
                lambda: client_a.post("/attendance/grid", data=_grid_form(world, submitted_a)),
                lambda: client_b.post("/attendance/grid", data=_grid_form(world, submitted_b)),
            )
            codes = sorted([resp_a.status_code, resp_b.status_code])
            assert all(code < 500 for code in codes), codes
            # Both opened the empty grid: the first save wins, the second is told of the conflict.
            assert codes == [302, 409], (codes, resp_a.text[resp_a.text.find("flash"):][:600], resp_b.text[resp_b.text.find("flash"):][:600])
            winner = submitted_a if resp_a.status_code == 302 else submitted_b
            loser_page = (resp_b if resp_a.status_code == 302 else resp_a).text
            assert "员" in loser_page and "别人修改" in loser_page
            with setup.app_context():
                rows = db.session.execute(select(AttendanceRecord.assignment_id, AttendanceRecord.status)
                                          .where(AttendanceRecord.day == world["day"])).all()
                assert len(rows) == HOLDERS  # nothing lost, nothing duplicated
                assert len({aid for aid, _s in rows}) == HOLDERS
                final = dict(rows)
                assert all(final[aid] in (submitted_a[aid], submitted_b[aid]) for aid in ids)
                assert final == winner
                assert db.session.scalar(select(func.count(AttendanceChange.id))) == HOLDERS
                db.session.execute(delete(AttendanceChange))
                db.session.execute(delete(AttendanceRecord))
                db.session.commit()
    finally:
        for app in (setup, app_a, app_b):
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


def test_a_month_closed_while_a_save_is_in_flight_gets_no_later_record(race_url: str) -> None:
    # A month is closed only once it has ended: the race is over November's last day, just
    # after midnight in the district (the clock runs, so the close stamps its time after the lock).
    with time_machine.travel(dt.datetime(2026, 12, 1, 0, 30, tzinfo=DISTRICT), tick=True):
        _close_while_saving(race_url)


def _close_while_saving(race_url: str) -> None:
    setup = create_app(_test_config(race_url))
    world = _build(setup)
    world["day"] = day = world["day"] - dt.timedelta(days=1)
    app_c, clerk = _client(race_url, world["user_ids"]["clerk_a"])
    app_o, office = _client(race_url, world["user_ids"]["office"])
    ids = world["assignment_ids"]
    close_url = f"/attendance/months/{world['township_id']}/{day.year}/{day.month}/close"
    outcomes = set()
    try:
        with setup.app_context():
            db.session.add(AttendanceMonth(township_id=world["township_id"], year=day.year, month=day.month, state=MonthState.SUBMITTED))
            db.session.commit()
        for _round in range(10):
            save, close = _at_once(
                lambda: clerk.post("/attendance/grid", data=_grid_form(world, {aid: "present" for aid in ids})),
                lambda: office.post(close_url),
            )
            assert save.status_code in (302, 409) and close.status_code == 302
            with setup.app_context():
                month = db.session.scalar(select(AttendanceMonth).where(AttendanceMonth.township_id == world["township_id"]))
                assert month.state == MonthState.CLOSED
                closed_at = _aware(month.closed_at)
                stamps = [_aware(t) for t in db.session.scalars(select(AttendanceRecord.recorded_at))]
                changes = [_aware(t) for t in db.session.scalars(select(AttendanceChange.changed_at))]
                assert all(t <= closed_at for t in stamps + changes), (closed_at, max(stamps + changes))
                if save.status_code == 409:
                    assert "已关闭" in save.text and stamps == []
                    outcomes.add("refused")
                else:
                    assert len(stamps) == HOLDERS
                    outcomes.add("saved before the close")
                db.session.execute(delete(AttendanceChange))
                db.session.execute(delete(AttendanceRecord))
                db.session.execute(delete(MonthSheetRow))
                db.session.execute(update(AttendanceMonth).values(state=MonthState.SUBMITTED, closed_at=None, closed_by_id=None,
                                                                  settings_used=None, township_name=None, holders=None,
                                                                  total_payable=None, totals=None))
                db.session.commit()
        assert outcomes  # each round was one of the two legal outcomes
    finally:
        for app in (setup, app_c, app_o):
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
