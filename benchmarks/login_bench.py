"""Logins beside grid saves on SQLite: the saves' latency with and without login loops running.

Run: .venv/bin/python benchmarks/login_bench.py [--saves 300] [--login-loops 6]
A temporary SQLite file with one 600-holder township; one saver thread posts one-row grid
saves (as the grid page does since it posts only changed rows) through the real view, while
N processes (like gunicorn workers) log in through the real login view (argon2id, right and wrong passwords) in a loop.
Printed: the saves' p50/p95/max alone, beside the logins as the site does them now (the
password checked holding no lock), and beside logins made the old way (the whole login in one
BEGIN IMMEDIATE transaction, as every POST was; a save that waits past the busy timeout fails).
Target (issue #15): p95 < 100 ms beside logins.
"lock wait" is how long the saves' BEGIN IMMEDIATE waited for SQLite's write lock: on a
machine with fewer cores than login loops the rest of the slow-down is argon2 taking the CPU
(each check uses 4 lanes), which no lock change removes. Figures are printed, never asserted.
"""
from __future__ import annotations

import argparse
import logging
import multiprocessing
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402
from sqlalchemy.exc import OperationalError  # noqa: E402

from benchmarks.common import (  # noqa: E402
    bench_app,
    create_database,
    holder_rows,
    logged_in,
    percentile,
    scratch_folder,
    sqlite_url,
)
from wardens.auth.passwords import hash_password  # noqa: E402
from wardens.dates import today  # noqa: E402
from wardens.extensions import db  # noqa: E402
from wardens.models import Assignment, Household, Person, Post, Township, User, Village, get_settings  # noqa: E402

PASSWORD = "benchmark password"


def build(app: Flask, holders: int) -> dict:
    create_database(app)
    with app.app_context():
        day = today()
        town = Township(name="西河口乡")
        db.session.add(town)
        db.session.flush()
        village = Village(township_id=town.id, name="石湖村")
        db.session.add(village)
        db.session.flush()
        db.session.execute(insert(Household), [{"number": f"H{i:06d}", "village_id": village.id} for i in range(holders)])
        hh = db.session.scalars(select(Household.id).order_by(Household.id)).all()
        db.session.execute(insert(Person), holder_rows(hh))
        db.session.execute(insert(Post), [{"code": f"HL{i:05d}", "village_id": village.id} for i in range(holders)])
        persons = db.session.scalars(select(Person.id).order_by(Person.id)).all()
        posts = db.session.scalars(select(Post.id).order_by(Post.id)).all()
        db.session.execute(insert(Assignment), [
            {"person_id": p, "post_id": q, "term_start": day - dt.timedelta(days=100),
             "term_end": day + dt.timedelta(days=200)} for p, q in zip(persons, posts)])
        ids = db.session.scalars(select(Assignment.id).order_by(Assignment.id)).all()
        pw = hash_password(PASSWORD)
        clerk = User(username="clerk", password_hash=pw, role="clerk", township_id=town.id)
        db.session.add(clerk)
        db.session.add_all([User(username=f"office{i}", password_hash=pw, role="office") for i in range(8)])
        # Generous limits: the loops must keep checking passwords, not meet a lock.
        settings = get_settings()
        settings.login_max_failures = 10**6
        db.session.commit()
        return {"township": town.id, "assignments": ids, "clerk": clerk.get_id(), "day": day.isoformat()}


def login_loop(url: str, n: int, old_way: bool, stop, counter) -> None:  # type: ignore[no-untyped-def]
    """One login loop in its own process, as a gunicorn worker would be (its own GIL, its own connections)."""
    app = make_app(url)
    if old_way:
        _hold_lock_through_argon2(app)
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = f"10.0.0.{n}"
    i = 0
    while not stop.is_set():
        password = PASSWORD if i % 2 else "wrong password"
        try:
            response = client.post("/login", data={"username": f"office{n % 8}", "password": password})
            if response.status_code == 302:
                client.post("/logout")
        except OperationalError:
            pass
        with counter.get_lock():
            counter.value += 1
        i += 1


LOCK_WAITS: list[float] = []


def _time_lock_waits() -> None:
    """Record, in this (the saver's) process, how long each BEGIN IMMEDIATE waited for SQLite's write lock."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    @event.listens_for(Engine, "before_cursor_execute")
    def before(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        if statement == "BEGIN IMMEDIATE":
            conn.info["begin_at"] = time.perf_counter()

    @event.listens_for(Engine, "after_cursor_execute")
    def after(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        if statement == "BEGIN IMMEDIATE" and "begin_at" in conn.info:
            LOCK_WAITS.append((time.perf_counter() - conn.info.pop("begin_at")) * 1000)


def run(app, url, world, rows, login_loops: int, old_way: bool) -> tuple[list[float], int, int]:  # type: ignore[no-untyped-def]
    saver = logged_in(app, world["clerk"])
    ctx = multiprocessing.get_context("fork")
    stop, counter = ctx.Event(), ctx.Value("i", 0)
    workers = [ctx.Process(target=login_loop, args=(url, n, old_way, stop, counter)) for n in range(login_loops)]
    for w in workers:
        w.start()
    time.sleep(1.0 if login_loops else 0)
    LOCK_WAITS.clear()
    latencies: list[float] = []
    failed = 0
    for aid in rows:
        data = {"day": world["day"], "township_id": str(world["township"]), "village_id": "", "reason": "",
                "save": "1", f"v-{aid}": "0", f"s-{aid}": "present", f"n-{aid}": ""}
        t0 = time.perf_counter()
        try:
            status = saver.post("/attendance/grid", data=data).status_code
        except OperationalError:  # "database is locked": the busy timeout ran out behind the logins
            status = 500
        latencies.append((time.perf_counter() - t0) * 1000)
        failed += status != 302
    stop.set()
    for w in workers:
        w.join()
    return latencies, counter.value, failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--saves", type=int, default=150)
    parser.add_argument("--login-loops", type=int, default=6)
    args = parser.parse_args()
    with scratch_folder() as folder:
        url = sqlite_url(folder)
        app = make_app(url)
        world = build(app, args.saves * 3)
        _time_lock_waits()
        rows = world["assignments"]
        print(f"SQLite, {args.saves} one-row grid saves each; {args.login_loops} login loops (argon2id); "
              f"load: {os.getloadavg()[0]:.2f}")
        print(f"{'case':<50} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'lock wait p95':>14} "
              f"{'logins':>7} {'failed':>7}")
        cases = [
            ("saves alone", 0, False, rows[: args.saves]),
            ("beside logins (password checked holding no lock)", args.login_loops, False,
             rows[args.saves: 2 * args.saves]),
            ("beside logins the old way (BEGIN IMMEDIATE)", args.login_loops, True, rows[2 * args.saves:]),
        ]
        for name, loops, old_way, subset in cases:
            latencies, logins, failed = run(app, url, world, subset, loops, old_way)
            waits = percentile(LOCK_WAITS, 95) if LOCK_WAITS else 0.0
            print(f"{name:<50} {statistics.median(latencies):>8.1f} {percentile(latencies, 95):>8.1f} "
                  f"{max(latencies):>8.1f} {waits:>14.1f} {logins:>7} {failed:>7}", flush=True)
        with app.app_context():
            db.engine.dispose()
    return 0


def make_app(url: str) -> Flask:
    """The site quiet (warnings only): the saver and every login loop log hundreds of requests."""
    # PROPAGATE_EXCEPTIONS: a locked database reaches the loops and the saver as OperationalError.
    app = bench_app(url, LOG_LEVEL="WARNING", PROPAGATE_EXCEPTIONS=True)
    logging.getLogger("wardens").setLevel("WARNING")
    return app


def _hold_lock_through_argon2(app) -> None:  # type: ignore[no-untyped-def]
    """The old login: its first BEGIN takes the write lock and it stays in that transaction through argon2."""
    import wardens.auth.operations as operations

    app.view_functions["auth.login"]._reads_first = False
    operations.take_write_lock = lambda: None


if __name__ == "__main__":
    sys.exit(main())
