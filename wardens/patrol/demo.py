"""The demo district's road lines, a few days of the demo warden's check-ins, and road reports.

Village positions are plausible points near the real villages of 裕安区 (六安市), around
31.4–32.0°N, 116.1–116.5°E; they are for the demo's maps, not surveyed. Every post gets
a line that starts near its village and wanders like a village road, its length within
±10 % of the km on record, except every fifteenth, which is drawn 30 % long so the
"differs from the record" flag has something to show.
"""
from __future__ import annotations

import datetime as dt
import math
import random
from zoneinfo import ZoneInfo

from geographiclib.geodesic import Geodesic
from sqlalchemy import insert, select

from ..dates import district_zone
from ..extensions import db
from ..models import (
    Assignment,
    CheckIn,
    CheckInKind,
    LineSource,
    Post,
    ReportEvent,
    ReportKind,
    ReportState,
    RoadLine,
    RoadReport,
    User,
    Village,
)
from .geo import distance_to_line_m, line_length_m

VILLAGE_CENTRES: dict[str, tuple[float, float]] = {
    "王楼村": (31.530, 116.262), "胡台村": (31.548, 116.240),
    "河口居委会": (31.470, 116.180), "锅棚店村": (31.490, 116.205), "石湖村": (31.455, 116.160),
    "红石岩村": (31.440, 116.140), "江店村": (31.480, 116.150), "郝集村": (31.500, 116.170),
    "龙门冲村": (31.425, 116.175),
    "迎水村": (31.800, 116.300), "洪河村": (31.780, 116.330),
    "黄小桥村": (31.680, 116.470),
    "车贩村": (31.960, 116.280),
}
WGS84 = Geodesic.WGS84


def _centre(village_name: str, index: int) -> tuple[float, float]:
    """A real village's point, or for a benchmark's sibling village ("王楼村二组") a point beside it."""
    for name, point in VILLAGE_CENTRES.items():
        if village_name.startswith(name.removesuffix("村").removesuffix("居委会")):
            if village_name == name:
                return point
            g = WGS84.Direct(point[0], point[1], (index * 47) % 360, 1500 + 400 * (index % 7))
            return g["lat2"], g["lon2"]
    return (31.72, 116.45)


def wander(start: tuple[float, float], metres: float, rng: random.Random) -> list[tuple[float, float]]:
    """A village road of about `metres`: legs of 120–300 m, turning gently."""
    points = [start]
    heading = rng.uniform(0, 360)
    walked = 0.0
    while walked < metres:
        leg = min(rng.uniform(120, 300), metres - walked)
        heading += rng.gauss(0, 18)
        last = points[-1]
        g = WGS84.Direct(last[0], last[1], heading, leg)
        points.append((round(g["lat2"], 7), round(g["lon2"], 7)))
        walked += leg
    return points


def load_demo_lines(rng: random.Random) -> int:
    """Give every demo post a road line (bulk insert); returns how many."""
    rows = []
    posts = db.session.execute(
        select(Post.id, Post.code, Post.km, Village.name, Village.id).join(Village, Village.id == Post.village_id)
        .order_by(Post.code)).all()
    by_village: dict[int, int] = {}
    for n, (pid, code, km, vname, vid) in enumerate(posts):
        k = by_village.get(vid, 0)
        by_village[vid] = k + 1
        centre = _centre(vname, vid)
        # Posts of one village start a little apart, like roads leaving the village.
        g = WGS84.Direct(centre[0], centre[1], k * 83 % 360, 250 * k)
        factor = 1.3 if n % 15 == 14 else rng.uniform(0.92, 1.08)
        points = wander((g["lat2"], g["lon2"]), max(float(km), 0.3) * 1000 * factor, rng)
        rows.append({"post_id": pid, "points": [list(p) for p in points], "length_m": line_length_m(points),
                     "source": LineSource.DEMO})
    if rows:
        db.session.execute(insert(RoadLine), rows)
    return len(rows)


def load_demo_patrol(today: dt.date, warden_user: User, reporter_ids: list[int], rng: random.Random) -> None:
    """The demo warden's patrols over the last week and a week of road reports after rain."""
    zone = district_zone()
    assignment = db.session.scalar(select(Assignment).where(
        Assignment.person_id == warden_user.person_id, Assignment.in_force_on_clause(today)))
    if assignment is None:
        return
    line = db.session.scalar(select(RoadLine).where(RoadLine.post_id == assignment.post_id))
    rows = []
    for back in range(1, 8):
        day = today - dt.timedelta(days=back)
        if day < assignment.term_start:
            break
        for kind, hour, off in ((CheckInKind.START, 8, rng.uniform(5, 60)), (CheckInKind.END, 11, rng.uniform(5, 60))):
            # One day of the week the warden tapped from home: off the section.
            if back == 4 and kind is CheckInKind.START:
                off = 1400.0
            vertex = line.latlngs[rng.randrange(len(line.latlngs))]
            g = WGS84.Direct(vertex[0], vertex[1], rng.uniform(0, 360), off)
            point = (g["lat2"], g["lon2"])
            distance = distance_to_line_m(point, line.latlngs)
            taken = dt.datetime.combine(day, dt.time(hour, rng.randrange(60)), zone).astimezone(dt.timezone.utc)
            rows.append({"assignment_id": assignment.id, "user_id": warden_user.id, "client_id": f"demo-{day}-{kind}",
                         "kind": kind.value, "taken_at": taken, "day": day, "received_at": taken,
                         "lat": point[0], "lon": point[1], "accuracy_m": rng.choice([6.0, 9.0, 14.0, 22.0]),
                         "uncertain": False, "distance_m": distance, "on_section": distance <= 200, "corridor_m": 200})
    if rows:
        db.session.execute(insert(CheckIn), rows)
    _demo_reports(today, warden_user, assignment, reporter_ids, rng, zone)


def _demo_reports(today: dt.date, warden_user: User, assignment: Assignment, reporter_ids: list[int],
                  rng: random.Random, zone: ZoneInfo) -> None:
    lines = db.session.execute(select(RoadLine.post_id, RoadLine.points)).all()
    kinds = [ReportKind.WATER_DAMAGE, ReportKind.OBSTACLE, ReportKind.LANDSLIDE, ReportKind.POTHOLE,
             ReportKind.LITTER, ReportKind.SIGN_DAMAGE]
    notes = {ReportKind.WATER_DAMAGE: "路肩被雨水冲毁约5米", ReportKind.OBSTACLE: "大风刮倒树木横在路中",
             ReportKind.LANDSLIDE: "山坡土方滑落，占半幅路面", ReportKind.POTHOLE: "路面坑槽，车辆绕行",
             ReportKind.LITTER: "路边堆放生活垃圾", ReportKind.SIGN_DAMAGE: "急弯警示标志倒伏"}
    picks = rng.sample(lines, min(14, len(lines)))
    own_line = next((pts for pid, pts in lines if pid == assignment.post_id), None)
    if own_line:
        picks[0] = (assignment.post_id, own_line)
    for n, (post_id, points) in enumerate(picks):
        kind = kinds[n % len(kinds)]
        day = today - dt.timedelta(days=n % 6)
        at = dt.datetime.combine(day, dt.time(7 + n % 9, (n * 13) % 60), zone).astimezone(dt.timezone.utc)
        p = points[rng.randrange(len(points))]
        by = warden_user.id if n == 0 else reporter_ids[n % len(reporter_ids)]
        state = [ReportState.REPORTED, ReportState.DISPATCHED, ReportState.RESOLVED][n % 3] if n else ReportState.DISPATCHED
        report = RoadReport(post_id=post_id, assignment_id=assignment.id if n == 0 else None, reported_by_id=by,
                            client_id=f"demo-report-{n}", kind=kind, state=state, note=notes[kind],
                            lat=p[0], lon=p[1], accuracy_m=10.0, reported_at=at, day=day, received_at=at)
        db.session.add(report)
        db.session.flush()
        db.session.add(ReportEvent(report_id=report.id, from_state=None, to_state=ReportState.REPORTED,
                                   user_id=by, at=at, note=notes[kind]))
        if state in (ReportState.DISPATCHED, ReportState.RESOLVED):
            db.session.add(ReportEvent(report_id=report.id, from_state=ReportState.REPORTED,
                                       to_state=ReportState.DISPATCHED, user_id=reporter_ids[0],
                                       at=at + dt.timedelta(hours=2), note="派乡镇养护队处理"))
        if state is ReportState.RESOLVED:
            db.session.add(ReportEvent(report_id=report.id, from_state=ReportState.DISPATCHED,
                                       to_state=ReportState.RESOLVED, user_id=reporter_ids[0],
                                       at=at + dt.timedelta(hours=26), note="已清理完毕"))
    db.session.flush()
