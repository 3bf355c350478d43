"""The daily entry grid: every holder in force on a day, grouped by village, with their record.

Two queries whatever the size: one for the holders, one for the day's records.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import groupby
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from ..dates import as_utc, district_zone
from ..extensions import db
from ..models import Assignment, AttendanceRecord, Person, Post, User, Village


@dataclass
class GridRow:
    assignment_id: int
    person_name: str
    post_code: str
    post_kind: str
    route_code: str
    section: str
    village_id: int
    village_name: str
    status: str | None = None
    note: str = ""
    certificate: bool = False
    version: int = 0
    recorded_by: str = ""
    recorded_at: dt.datetime | None = None
    recorded_text: str = ""
    error: str = ""
    conflict: bool = False
    # Shown as the user submitted it, not as stored (a refused save shown again): it is
    # still a change to save, so the page's script posts it with the changed rows.
    changed: bool = False


@dataclass
class VillageGroup:
    village_id: int
    village_name: str
    rows: list[GridRow]


def _when(at: dt.datetime | None, zone: ZoneInfo) -> str:
    """When a row was recorded, in the district's time (stored in UTC; SQLite returns it naive)."""
    if at is None:
        return ""
    return as_utc(at).astimezone(zone).strftime("%m-%d %H:%M")


def grid_rows(township_id: int, day: dt.date, village_id: int | None = None) -> list[GridRow]:
    """Holders in force on day in the township (or one village), with the day's record if any."""
    stmt = (
        select(
            Assignment.id, Person.name, Post.code, Post.kind, Post.route_code,
            Post.section_start, Post.section_end, Village.id, Village.name,
        )
        .join(Person, Person.id == Assignment.person_id)
        .join(Post, Post.id == Assignment.post_id)
        .join(Village, Village.id == Post.village_id)
        .where(Village.township_id == township_id, Assignment.in_force_on_clause(day))
        .order_by(Village.name, Post.code, Person.name, Assignment.id)
    )
    if village_id is not None:
        stmt = stmt.where(Village.id == village_id)
    rows = [
        GridRow(
            assignment_id=aid, person_name=name, post_code=code, post_kind=kind, route_code=route or "",
            section=" — ".join(p for p in (start, end) if p), village_id=vid, village_name=vname,
        )
        for aid, name, code, kind, route, start, end, vid, vname in db.session.execute(stmt)
    ]
    if not rows:
        return rows
    by_id = {r.assignment_id: r for r in rows}
    # The records of the day for the township's holders, through the same joins
    # (no IN list of 300 ids), with who recorded them.
    rec = (
        select(
            AttendanceRecord.assignment_id, AttendanceRecord.status, AttendanceRecord.note,
            AttendanceRecord.certificate, AttendanceRecord.version, AttendanceRecord.recorded_at,
            func.coalesce(User.display_name, User.username),
        )
        .join(Assignment, Assignment.id == AttendanceRecord.assignment_id)
        .join(Post, Post.id == Assignment.post_id)
        .join(Village, Village.id == Post.village_id)
        .outerjoin(User, User.id == AttendanceRecord.recorded_by_id)
        .where(AttendanceRecord.day == day, Village.township_id == township_id)
    )
    zone = district_zone()
    for aid, status, note, cert, version, at, who in db.session.execute(rec):
        row = by_id.get(aid)
        if row is not None:
            row.status, row.note, row.certificate, row.version = status, note or "", bool(cert), version
            row.recorded_at, row.recorded_by, row.recorded_text = at, who or "", _when(at, zone)
    return rows


def group_by_village(rows: list[GridRow]) -> list[VillageGroup]:
    """Split the (village-ordered) rows into one group per village."""
    return [
        VillageGroup(vid, vname, list(items))
        for (vid, vname), items in groupby(rows, key=lambda r: (r.village_id, r.village_name))
    ]
