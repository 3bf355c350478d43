"""Attendance benchmark: the demo district scaled to 1,500 holders on SQLite.

Run: .venv/bin/python benchmarks/attendance_bench.py [--holders 1500] [--townships 5] [--repeat 15]
Builds the data with bulk inserts in a temporary SQLite file (5 townships × 300 holders,
a full month of records), then times through the real views:
- the daily grid of a 300-holder township: render (GET) and save (POST, every row changed);
- the monthly sheet, 1,500 holders × 31 days (every township's sheet of the month);
- the .xlsx export of the same.
Targets from the issue: 300 ms, 500 ms, 1 s, 3 s.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402

from benchmarks.common import (  # noqa: E402
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
from wardens.auth.passwords import hash_password  # noqa: E402
from wardens.dates import month_days, today  # noqa: E402
from wardens.extensions import db  # noqa: E402
from wardens.models import (  # noqa: E402
    Assignment,
    AttendanceRecord,
    Household,
    Person,
    Post,
    Township,
    User,
    Village,
)

TOWNSHIPS = ("西河口乡", "单王乡", "新安镇", "城南镇", "丁集镇")
STATUSES = ("present",) * 16 + ("leave", "sick", "absent", "rest")


def build(app: Flask, holders: int, townships: int, year: int, month: int) -> dict:
    """Townships, villages, households, people, posts, assignments and a month of records, in bulk (in an emptied database)."""
    per_township = holders // townships
    create_database(app)
    with app.app_context():
        day = today()
        town_ids, village_of = [], []
        for t in range(townships):
            town = Township(name=TOWNSHIPS[t % len(TOWNSHIPS)] + ("" if t < len(TOWNSHIPS) else str(t)))
            db.session.add(town)
            db.session.flush()
            town_ids.append(town.id)
            villages = [Village(township_id=town.id, name=f"村{v + 1:02d}") for v in range(6)]
            db.session.add_all(villages)
            db.session.flush()
            village_of += [villages[i % len(villages)].id for i in range(per_township)]
        n = len(village_of)
        db.session.execute(insert(Household), [{"number": f"H{i:06d}", "village_id": village_of[i]} for i in range(n)])
        hh = db.session.scalars(select(Household.id).order_by(Household.id)).all()
        db.session.execute(insert(Person), holder_rows(hh))
        db.session.execute(insert(Post), [{"code": f"HL{i:05d}", "village_id": village_of[i], "route_code": "X0" + str(i % 90),
                                           "section_start": "起点", "section_end": "终点"} for i in range(n)])
        persons = db.session.scalars(select(Person.id).order_by(Person.id)).all()
        posts = db.session.scalars(select(Post.id).order_by(Post.id)).all()
        start = dt.date(year, month, 1) - dt.timedelta(days=200)
        db.session.execute(insert(Assignment), [
            {"person_id": p, "post_id": q, "term_start": start, "term_end": day + dt.timedelta(days=200)}
            for p, q in zip(persons, posts)
        ])
        ids = db.session.scalars(select(Assignment.id).order_by(Assignment.id)).all()
        rows = [
            {"assignment_id": aid, "day": d, "status": STATUSES[(aid * 7 + d.day) % len(STATUSES)], "version": 1}
            for aid in ids
            for d in month_days(year, month)
        ]
        for i in range(0, len(rows), 5000):
            db.session.execute(insert(AttendanceRecord), rows[i : i + 5000])
        office = User(username="office", password_hash=hash_password("benchmark password"), role="office")
        db.session.add(office)
        db.session.commit()
        return {"townships": town_ids, "assignments": ids[:per_township], "office": office.get_id(), "day": day,
                "holders": n, "records": len(rows)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--holders", type=int, default=1500)
    parser.add_argument("--townships", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    year, month = 2026, 10  # a 31-day month
    with scratch_folder() as folder:
        app = bench_app(sqlite_url(folder))
        building = timed(lambda: build(app, args.holders, args.townships, year, month))
        world, built = building.result, building.seconds
        client = logged_in(app, world["office"])
        town = world["townships"][0]
        day = world["day"].isoformat()
        grid_url = f"/attendance/grid?day={day}&township_id={town}"

        def render_grid() -> None:
            resp = client.get(grid_url)
            assert resp.status_code == 200 and resp.text.count("data-status") == len(world["assignments"])

        version = {"n": 0}

        def save_grid() -> None:
            status = ("present", "rest")[version["n"] % 2]
            data = {"day": day, "township_id": str(town), "village_id": "", "reason": "", "save": "1"}
            for aid in world["assignments"]:
                data[f"v-{aid}"] = str(version["n"])
                data[f"s-{aid}"] = status
                data[f"n-{aid}"] = ""
            resp = client.post("/attendance/grid", data=data)
            assert resp.status_code == 302, resp.status_code
            version["n"] += 1

        def sheets() -> None:
            for t in world["townships"]:
                resp = client.get(f"/attendance/sheet/{t}/{year}/{month}")
                assert resp.status_code == 200

        def exports() -> None:
            for t in world["townships"]:
                resp = client.get(f"/attendance/sheet/{t}/{year}/{month}/xlsx")
                assert resp.status_code == 200 and len(resp.data) > 10000

        render_grid()
        save_grid()  # first save inserts; the timed ones update every row
        grid_render = timed(render_grid, args.repeat)
        grid_save = timed(save_grid, args.repeat)
        sheet_render = timed(sheets, max(3, args.repeat // 3))
        sheet_export = timed(exports, max(3, args.repeat // 3))

    print(f"machine: {machine()}, SQLite")
    print(f"data: {world['holders']} holders in {len(world['townships'])} townships, {world['records']} records "
          f"for {year}-{month:02d} (built in {built:.1f} s)")
    print(f"load average during the run: {load()}")
    print(f"{'measure':<52}{'median ms':>10}{'max ms':>10}{'cpu ms':>8}{'target ms':>11}  ok")
    rows = [
        (f"grid render, {len(world['assignments'])}-holder township", grid_render, 300),
        (f"grid save, {len(world['assignments'])} rows changed (one transaction)", grid_save, 500),
        (f"monthly sheet render, {world['holders']} holders x 31 days", sheet_render, 1000),
        (f".xlsx export, {world['holders']} holders x 31 days", sheet_export, 3000),
    ]
    ok = True
    for name, timing, target in rows:
        median = timing.median_ms
        ok &= median < target
        print(f"{name:<52}{median:>10.0f}{timing.max_ms:>10.0f}{timing.cpu_median_ms:>8.0f}{target:>11}  "
              f"{'yes' if median < target else 'NO'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
