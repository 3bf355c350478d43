"""Patrol benchmark: the clerk's grid with a day's check-ins, and a county's morning of check-ins.

Run: .venv/bin/python benchmarks/patrol_bench.py [--postgres URL] [--repeat 15] [--seconds 60]
Builds 1,200 holders in 4 townships of 300 (bulk inserts; the attendance benchmark's builder),
each with a warden account and a 3 km road line, then:
- renders the daily grid of a 300-holder township holding 600 check-ins of the day (two a
  holder, half with a photo), through the real view;
- sends 1,200 check-ins (one per warden, each judged against its line) to a real threaded
  HTTP server over one minute, at an even 20 a second from 16 client threads, and reports
  the latency percentiles.
On SQLite (a temporary file), and on PostgreSQL when --postgres (or WARDENS_BENCH_POSTGRES_URL)
names a database the benchmark may empty. Targets from issue #16: grid < 300 ms,
check-in p95 < 200 ms.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import threading
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from geographiclib.geodesic import Geodesic  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from benchmarks.attendance_bench import build  # noqa: E402
from benchmarks.common import bench_app, load, logged_in, percentile, scratch_folder, sqlite_url, timed  # noqa: E402
from wardens.dates import today  # noqa: E402
from wardens.extensions import db  # noqa: E402
from wardens.models import Assignment, CheckIn, Photo, Post, RoadLine, User, Village  # noqa: E402
from wardens.patrol.geo import line_length_m  # noqa: E402

ORIGIN = (31.47, 116.18)


def line_for(i: int) -> list[tuple[float, float]]:
    """A 3 km road of 12 legs, each post's a little further east (so lines don't overlap)."""
    g = Geodesic.WGS84.Direct(ORIGIN[0], ORIGIN[1], 90, 400 * i)
    points = [(g["lat2"], g["lon2"])]
    for k in range(12):
        last = points[-1]
        g = Geodesic.WGS84.Direct(last[0], last[1], 10 + 15 * (k % 3), 250)
        points.append((g["lat2"], g["lon2"]))
    return points


def add_patrol(app, world) -> dict:  # type: ignore[no-untyped-def]
    """Warden accounts, lines, and 600 check-ins of the day in the first township."""
    with app.app_context():
        day = today()
        hashed = db.session.scalar(select(User.password_hash).where(User.username == "office"))
        rows = db.session.execute(
            select(Assignment.id, Assignment.person_id, Assignment.post_id, Village.township_id)
            .join(Post, Post.id == Assignment.post_id).join(Village, Village.id == Post.village_id)
            .order_by(Assignment.id)).all()
        db.session.execute(insert(User), [
            {"username": f"w{aid}", "password_hash": hashed, "role": "warden", "person_id": pid} for aid, pid, _p, _t in rows])
        lines = {post_id: line_for(i) for i, (_a, _p, post_id, _t) in enumerate(rows)}
        db.session.execute(insert(RoadLine), [
            {"post_id": post_id, "points": [list(p) for p in pts], "length_m": line_length_m(pts), "source": "demo"}
            for post_id, pts in lines.items()])
        users = dict(db.session.execute(select(User.person_id, User.id).where(User.role == "warden")).all())
        first_town = world["townships"][0]
        photos = []
        checkins = []
        noon = dt.datetime.combine(day, dt.time(1, 0), dt.timezone.utc)
        for n, (aid, pid, post_id, town) in enumerate(rows):
            if town != first_town:
                continue
            for k, kind in enumerate(("start", "end")):
                photo_id = None
                if k == 0 and n % 2 == 0:
                    photos.append({"token": f"bench{aid:06d}xxxxxxxxxxxxxxxxxxxx", "owner_id": users[pid], "width": 1600,
                                   "height": 1200, "size_bytes": 200_000})
                    photo_id = len(photos)
                p = lines[post_id][k * 6]
                checkins.append({"assignment_id": aid, "user_id": users[pid], "client_id": f"b-{aid}-{kind}", "kind": kind,
                                 "taken_at": noon + dt.timedelta(hours=3 * k), "day": day, "lat": p[0], "lon": p[1],
                                 "accuracy_m": 9.0, "uncertain": False, "distance_m": 12.0 if n % 5 else 480.0,
                                 "on_section": bool(n % 5), "corridor_m": 200, "photo_id": photo_id})
        db.session.execute(insert(Photo), photos)
        ids = db.session.scalars(select(Photo.id).order_by(Photo.id)).all()
        for c in checkins:
            if c["photo_id"] is not None:
                c["photo_id"] = ids[c["photo_id"] - 1]
        db.session.execute(insert(CheckIn), checkins)
        db.session.commit()
        wardens = [(db.session.get(User, users[pid]).get_id(), lines[post_id][4]) for _a, pid, post_id, _t in rows]
        return {"wardens": wardens, "grid_checkins": len(checkins)}


def session_cookie(app, user_id: str) -> str:  # type: ignore[no-untyped-def]
    serializer = app.session_interface.get_signing_serializer(app)
    return f"{app.config['SESSION_COOKIE_NAME']}={serializer.dumps({'_user_id': user_id, '_fresh': True})}"


def morning(app, wardens, seconds: float) -> list[float]:  # type: ignore[no-untyped-def]
    """Send one check-in per warden, evenly over `seconds`, to a real HTTP server; latencies in ms."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}/patrol/checkins"
    cookies = [session_cookie(app, uid) for uid, _p in wardens]
    interval = seconds / len(wardens)
    start = time.perf_counter() + 0.5
    latencies: list[float] = []
    failures: list[str] = []
    taken = dt.datetime.now(dt.timezone.utc).isoformat()

    def send(i: int) -> None:
        uid, point = wardens[i]
        wait = start + i * interval - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        body = urllib.parse.urlencode({"kind": "start", "taken_at": taken, "client_id": f"morning-{i:06d}",
                                       "lat": point[0], "lon": point[1], "accuracy": "9"}).encode()
        req = urllib.request.Request(url, data=body, headers={"Cookie": cookies[i], "Accept": "application/json"})
        t0 = time.perf_counter()
        try:
            with urllib.request.urlopen(req, timeout=30) as res:
                res.read()
                if res.status != 201:
                    failures.append(str(res.status))
        except Exception as exc:  # a refused or failed request is a result, not a crash
            failures.append(repr(exc)[:80])
        latencies.append((time.perf_counter() - t0) * 1000)

    try:
        with ThreadPoolExecutor(max_workers=16) as pool:
            list(pool.map(send, range(len(wardens))))
    finally:
        server.shutdown()
        thread.join(timeout=10)
    if failures:
        raise SystemExit(f"{len(failures)} check-ins failed, e.g. {failures[:3]}")
    return latencies


def run(url: str, label: str, repeat: int, seconds: float) -> list[tuple[str, float, float, float, int]]:
    app = bench_app(url)
    t0 = time.perf_counter()
    world = build(app, 1200, 4, 2026, 10)  # in an emptied database (PostgreSQL: its schema dropped first)
    extra = add_patrol(app, world)
    built = time.perf_counter() - t0
    client = logged_in(app, world["office"])
    grid_url = f"/attendance/grid?day={world['day'].isoformat()}&township_id={world['townships'][0]}"

    def render_grid() -> None:
        resp = client.get(grid_url)
        assert resp.status_code == 200 and resp.text.count('data-testid="patrol-ev-') == 300, resp.status_code

    render_grid()
    grid = timed(render_grid, repeat)
    latencies = morning(app, extra["wardens"], seconds)
    with app.app_context():
        arrived = db.session.scalar(select(CheckIn.id).where(CheckIn.client_id == "morning-001199"))
        db.session.remove()
        db.engine.dispose()
    assert arrived is not None
    print(f"{label}: 1,200 holders, {extra['grid_checkins']} check-ins in the grid's township (built in {built:.1f} s)")
    return [
        (f"{label}: grid render, 300 holders, 600 check-ins", grid.median_ms, grid.max_ms, grid.cpu_median_ms, 300),
        (f"{label}: check-in, 1,200 in {seconds:.0f} s, median", statistics.median(latencies), max(latencies), 0, 200),
        (f"{label}: check-in, 1,200 in {seconds:.0f} s, p95", percentile(latencies, 95), max(latencies), 0, 200),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres", default=os.environ.get("WARDENS_BENCH_POSTGRES_URL"))
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    results = []
    with scratch_folder() as folder:
        results += run(sqlite_url(folder), "SQLite", args.repeat, args.seconds)
    if args.postgres:
        results += run(args.postgres, "PostgreSQL", args.repeat, args.seconds)
    else:
        print("PostgreSQL: skipped (give --postgres URL or WARDENS_BENCH_POSTGRES_URL; the database is emptied)")
    print(f"load average after the run: {load()}")
    print(f"{'measure':<58}{'median/p95 ms':>14}{'max ms':>9}{'cpu ms':>8}{'target':>8}  ok")
    ok = True
    for name, value, worst, cpu, target in results:
        ok &= value < target
        print(f"{name:<58}{value:>14.0f}{worst:>9.0f}{cpu:>8.0f}{target:>8}  {'yes' if value < target else 'NO'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
