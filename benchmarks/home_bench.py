"""Home page benchmark: the office's first screen (worklist and charts) at the scale of a county.

Run: .venv/bin/python benchmarks/home_bench.py [--repeat 15] [--postgres URL]
Builds with bulk inserts: 20 townships × 3 villages, 1,200 households and holders (a share of
them flood-affected and/or registered poor), a year of daily attendance (Dec of last year to
today, ~430,000 records), the eleven months before this one closed, this month recording.
Then times GET / as the office (the district: worklist + four charts with their tables) and as
a township clerk, on SQLite and — with --postgres — on PostgreSQL. Target: < 300 ms.
"cpu ms" is this process's CPU time: all of the work on SQLite (in process), but not the
PostgreSQL server's share. On a loaded machine the CPU time is the figure to read.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask  # noqa: E402
from sqlalchemy import insert, select, text  # noqa: E402

from benchmarks.common import (  # noqa: E402
    Timing,
    bench_app,
    create_database,
    holder_rows,
    load,
    logged_in,
    machine,
    scratch_folder,
    sqlite_url,
    timed,
)
from wardens.attendance.months import close_month  # noqa: E402
from wardens.auth.passwords import hash_password  # noqa: E402
from wardens.dates import add_months, month_days, today  # noqa: E402
from wardens.extensions import db  # noqa: E402
from wardens.models import (  # noqa: E402
    Assignment,
    AttendanceMonth,
    AttendanceRecord,
    Household,
    HouseholdFlag,
    Person,
    Post,
    Township,
    User,
    Village,
)

STATUSES = ("present",) * 16 + ("leave", "sick", "absent", "rest")


def build_county(app: Flask, townships: int = 20, holders: int = 1200) -> dict:
    """A county in bulk (in an emptied database): places, households with flags, people, posts, agreements, a year of attendance."""
    create_database(app)
    with app.app_context():
        day = today()
        per = holders // townships
        village_of: list[int] = []
        town_ids = []
        for t in range(townships):
            town = Township(name=f"第{t + 1:02d}乡")
            db.session.add(town)
            db.session.flush()
            town_ids.append(town.id)
            villages = [Village(township_id=town.id, name=f"{t + 1:02d}村{v + 1}") for v in range(3)]
            db.session.add_all(villages)
            db.session.flush()
            village_of += [villages[i % 3].id for i in range(per)]
        n = len(village_of)
        db.session.execute(insert(Household), [{"number": f"H{i:06d}", "village_id": village_of[i]} for i in range(n)])
        hh = db.session.scalars(select(Household.id).order_by(Household.id)).all()
        flags = []
        for i, h in enumerate(hh):
            if i % 3 == 0:
                flags.append({"household_id": h, "flag": "flood_affected", "recorded_on": dt.date(2020, 7, 20), "source": "bench"})
            if i % 2 == 0:
                flags.append({"household_id": h, "flag": "registered_poor", "recorded_on": dt.date(2016, 1, 1), "source": "bench"})
        db.session.execute(insert(HouseholdFlag), flags)
        db.session.execute(insert(Person), holder_rows(hh))
        db.session.execute(insert(Post), [{"code": f"HL{i:05d}", "village_id": village_of[i]} for i in range(n)])
        persons = db.session.scalars(select(Person.id).order_by(Person.id)).all()
        posts = db.session.scalars(select(Post.id).order_by(Post.id)).all()
        y0, m0 = add_months(day.year, day.month, -11)
        start = dt.date(y0, m0, 1)
        db.session.execute(insert(Assignment), [
            {"person_id": p, "post_id": q, "term_start": start, "term_end": dt.date(day.year, 12, 31), "origin": "initial"}
            for p, q in zip(persons, posts)
        ])
        ids = db.session.scalars(select(Assignment.id).order_by(Assignment.id)).all()
        office = User(username="office", password_hash=hash_password("benchmark password"), role="office")
        clerk = User(username="clerk", password_hash=office.password_hash, role="clerk", township_id=town_ids[0])
        db.session.add_all([office, clerk])
        db.session.flush()
        records = 0
        for back in range(11, -1, -1):
            y, m = add_months(day.year, day.month, -back)
            days = [d for d in month_days(y, m) if d <= day]
            rows = [{"assignment_id": aid, "day": d, "status": STATUSES[(aid * 7 + d.toordinal()) % len(STATUSES)],
                     "version": 1} for aid in ids for d in days]
            for i in range(0, len(rows), 20000):
                db.session.execute(insert(AttendanceRecord), rows[i: i + 20000])
            records += len(rows)
            if back:
                # Closed the site's way: each close stores its month's sheet (the snapshot).
                for tid in town_ids:
                    db.session.add(AttendanceMonth(township_id=tid, year=y, month=m, state="submitted"))
                    close_month(tid, y, m, office)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as conn:
                conn.execute(text("ANALYZE"))
                conn.commit()
        return {"office": office.get_id(), "clerk": clerk.get_id(), "holders": n, "records": records,
                "townships": len(town_ids)}


def run(url: str, label: str, repeat: int) -> list[tuple[str, Timing]]:
    app = bench_app(url)
    building = timed(lambda: build_county(app))
    world = building.result
    print(f"{label}: {world['holders']} holders in {world['townships']} townships, {world['records']:,} records "
          f"(built in {building.seconds:.0f} s)", flush=True)
    out = []
    for who in ("office", "clerk"):
        client = logged_in(app, world[who])

        def home() -> None:
            resp = client.get("/")
            assert resp.status_code == 200 and 'data-testid="chart-rates"' in resp.text, resp.status_code

        # The first request also counts the closed months' figures, kept for the later ones.
        out.append((f"{label}: home page as {who}, first request", timed(home, 1)))
        out.append((f"{label}: home page as {who} (worklist + 4 charts)", timed(home, repeat)))
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--postgres", default=os.environ.get("WARDENS_BENCH_POSTGRES_URL"),
                        help="also run on this PostgreSQL database (it is emptied first)")
    args = parser.parse_args()
    rows = []
    with scratch_folder() as folder:
        rows += run(sqlite_url(folder, "home.sqlite3"), "SQLite", args.repeat)
    if args.postgres:
        rows += run(args.postgres, "PostgreSQL", args.repeat)
    print(f"machine: {machine()}")
    print(f"load average during the run: {load()}")
    print(f"{'measure':<60}{'median ms':>10}{'max ms':>10}{'cpu ms':>8}{'target':>8}  ok")
    ok = True
    for name, timing in rows:
        median = timing.median_ms
        target = "" if "first" in name else "300"
        good = "first" in name or median < 300
        ok &= good
        print(f"{name:<60}{median:>10.0f}{timing.max_ms:>10.0f}{timing.cpu_median_ms:>8.0f}{target:>8}  "
              f"{'' if 'first' in name else 'yes' if good else 'NO'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
