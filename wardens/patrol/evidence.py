"""What check-ins tell the clerk and the dismissal review: evidence, never a decision.

- `grid_evidence`: per holder, the day's check-ins for the attendance grid (one query).
- `days_without_on_section_patrol`: the 人岗不在 rule for the dismissal review.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select

from ..dates import add_months, district_zone, month_bounds
from ..extensions import db
from ..models import Assignment, AttendanceRecord, CheckIn, Photo, Post, RoadLine, User, Village, get_patrol_settings
from ..models.enums import Role, Status


@dataclass
class CheckInView:
    id: int
    kind: str
    time: str
    on_section: bool | None
    distance_m: float | None
    uncertain: bool
    photo_token: str | None


@dataclass
class HolderEvidence:
    check_ins: list[CheckInView] = field(default_factory=list)

    @property
    def on_section(self) -> bool:
        """At least one check-in of the day on the section and not uncertain."""
        return any(c.on_section and not c.uncertain for c in self.check_ins)


def grid_evidence(township_id: int, day: dt.date) -> dict[int, HolderEvidence]:
    """The day's check-ins of every holder in the township, by assignment id, in time order."""
    zone = district_zone()
    stmt = (
        select(CheckIn.id, CheckIn.assignment_id, CheckIn.kind, CheckIn.taken_at, CheckIn.on_section,
               CheckIn.distance_m, CheckIn.uncertain, Photo.token)
        .join(Assignment, Assignment.id == CheckIn.assignment_id)
        .join(Post, Post.id == Assignment.post_id)
        .join(Village, Village.id == Post.village_id)
        .outerjoin(Photo, Photo.id == CheckIn.photo_id)
        .where(CheckIn.day == day, Village.township_id == township_id)
        .order_by(CheckIn.assignment_id, CheckIn.taken_at, CheckIn.id)
    )
    out: dict[int, HolderEvidence] = defaultdict(HolderEvidence)
    for cid, aid, kind, taken, on, dist, unsure, token in db.session.execute(stmt):
        at = taken if taken.tzinfo else taken.replace(tzinfo=dt.timezone.utc)
        out[aid].check_ins.append(CheckInView(cid, kind, at.astimezone(zone).strftime("%H:%M"), on, dist,
                                              bool(unsure), token))
    return dict(out)


@dataclass(frozen=True)
class AbsenceHit:
    assignment: Assignment
    period: str
    days: int
    evidence: str


# Days a holder was excused: not expected on the road, so no patrol is missing.
EXCUSED = (Status.LEAVE.value, Status.SICK.value, Status.REST.value, Status.STOPPED.value)


def days_without_on_section_patrol(day: dt.date, township_id: int | None = None) -> list[AbsenceHit]:
    """Holders with at least N working days in a month without an on-section check-in (人岗不在 evidence).

    Looks at the complete month before day's month. A working day is a day of the holder's
    term in that month not recorded as leave, sick, rest or stopped. Only posts with a road
    line count (without one, no check-in can be on the section), and only holders
    with a warden account. N is the patrol setting
    `absent_days_limit`; 0 turns the rule off. Uncertain check-ins do not count as on-section.
    """
    limit = get_patrol_settings().absent_days_limit
    if limit <= 0:
        return []
    year, month = add_months(day.year, day.month, -1)
    first, last = month_bounds(year, month)
    stmt = (
        select(Assignment)
        .join(Post, Post.id == Assignment.post_id)
        .join(RoadLine, RoadLine.post_id == Post.id)
        .join(Village, Village.id == Post.village_id)
        # Only holders with a warden account: without one there is no phone to check in from.
        .join(User, (User.person_id == Assignment.person_id) & (User.role == Role.WARDEN.value) & User.active)
        .where(Assignment.overlaps_clause(first, last))
        .order_by(Assignment.id)
    )
    if township_id is not None:
        stmt = stmt.where(Village.township_id == township_id)
    holders = list(db.session.scalars(stmt))
    if not holders:
        return []
    ids = [a.id for a in holders]
    on_days: dict[int, set[dt.date]] = defaultdict(set)
    for aid, d in db.session.execute(
        select(CheckIn.assignment_id, CheckIn.day).where(
            CheckIn.assignment_id.in_(ids), CheckIn.day >= first, CheckIn.day <= last,
            CheckIn.on_section.is_(True), CheckIn.uncertain.is_(False)).distinct()
    ):
        on_days[aid].add(d)
    excused: dict[int, set[dt.date]] = defaultdict(set)
    for aid, d in db.session.execute(
        select(AttendanceRecord.assignment_id, AttendanceRecord.day).where(
            AttendanceRecord.assignment_id.in_(ids), AttendanceRecord.day >= first, AttendanceRecord.day <= last,
            AttendanceRecord.status.in_(EXCUSED))
    ):
        excused[aid].add(d)
    period = f"{year:04d}-{month:02d}"
    hits = []
    for a in holders:
        start, end = max(first, a.term_start), min(last, a.last_day)
        working = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
        missing = [d for d in working if d not in excused[a.id] and d not in on_days[a.id]]
        if len(missing) >= limit:
            hits.append(AbsenceHit(a, period, len(missing), _(
                "%(period)s: %(n)d working days without an on-section patrol check-in (limit %(limit)d); "
                "%(on)d days with one. Evidence of 人岗不在 to look into, not a decision.",
                period=period, n=len(missing), limit=limit, on=len(on_days[a.id]))))
    return hits
