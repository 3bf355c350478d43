"""The attendance overview: this month's rate by township and village, what is still unrecorded,
and the holders crossing the dismissal-review thresholds. A fixed number of queries.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select

from ..extensions import db
from ..models import Assignment, AttendanceRecord, Post, Status, Township, Village
from .thresholds import ThresholdHit, holders_crossing_thresholds

# The overview's rate while a month is running: of the recorded working days (rest and
# stopped days are not working days), the share marked present. The sheet's rate (present
# ÷ required days) only means something once the month is complete.
WORKING = (Status.PRESENT.value, Status.LEAVE.value, Status.SICK.value, Status.ABSENT.value)


def working_rate(present: int, working: int) -> float | None:
    """Present ÷ recorded working days (the overview, the charts, good standing); None with none recorded."""
    return present / working if working else None


@dataclass
class RateBar:
    id: int
    name: str
    present: int = 0
    working: int = 0

    @property
    def rate(self) -> float | None:
        return working_rate(self.present, self.working)

    @property
    def percent(self) -> int:
        return round((self.rate or 0) * 100)


@dataclass
class TownshipLine(RateBar):
    expected_today: int = 0
    recorded_today: int = 0
    expected_month: int = 0
    recorded_month: int = 0
    villages: list[RateBar] = field(default_factory=list)

    @property
    def unrecorded_today(self) -> int:
        return max(0, self.expected_today - self.recorded_today)

    @property
    def unrecorded_month(self) -> int:
        return max(0, self.expected_month - self.recorded_month)


@dataclass
class Overview:
    day: dt.date
    townships: list[TownshipLine]
    hits: list[ThresholdHit]


def overview(day: dt.date, township_id: int | None = None) -> Overview:
    """Rates, unrecorded holder-days (today and month so far) and threshold hits."""
    return Overview(day, township_lines(day, township_id), holders_crossing_thresholds(day, township_id))


def township_lines(day: dt.date, township_id: int | None = None) -> list[TownshipLine]:
    """Each township's month so far: holder-days expected and recorded, the rate, by village (four queries)."""
    first = day.replace(day=1)
    t_stmt = select(Township.id, Township.name).order_by(Township.name)
    v_stmt = select(Village.id, Village.name, Village.township_id).order_by(Village.name)
    if township_id is not None:
        t_stmt = t_stmt.where(Township.id == township_id)
        v_stmt = v_stmt.where(Village.township_id == township_id)
    townships = {tid: TownshipLine(tid, name) for tid, name in db.session.execute(t_stmt)}
    villages: dict[int, RateBar] = {}
    village_township: dict[int, int] = {}
    for vid, name, tid in db.session.execute(v_stmt):
        if tid in townships:
            villages[vid] = RateBar(vid, name)
            village_township[vid] = tid

    # Holder-days expected: each assignment's days in force from the 1st to today.
    terms = db.session.execute(
        select(Post.village_id, Assignment.term_start, func.coalesce(Assignment.ended_on, Assignment.term_end))
        .join(Post, Post.id == Assignment.post_id)
        .where(Assignment.overlaps_clause(first, day))
    )
    for vid, start, end in terms:
        tid = village_township.get(vid)
        if tid is None:
            continue
        line = townships[tid]
        line.expected_month += (min(end, day) - max(start, first)).days + 1
        if start <= day <= end:
            line.expected_today += 1

    # Records of the month so far, within each holder's term, by village, day kind and status.
    # Grouped by the label (not the expression again): PostgreSQL sees two separately
    # bound "day = ?" otherwise and refuses the GROUP BY.
    is_today = (AttendanceRecord.day == day).label("is_today")
    counts = db.session.execute(
        select(Post.village_id, is_today, AttendanceRecord.status, func.count())
        .join(Assignment, Assignment.id == AttendanceRecord.assignment_id)
        .join(Post, Post.id == Assignment.post_id)
        .where(
            AttendanceRecord.day.between(first, day),
            AttendanceRecord.day >= Assignment.term_start,
            AttendanceRecord.day <= func.coalesce(Assignment.ended_on, Assignment.term_end),
        )
        .group_by(Post.village_id, is_today, AttendanceRecord.status)
    )
    for vid, is_today, status, n in counts:
        tid = village_township.get(vid)
        if tid is None:
            continue
        line, bar = townships[tid], villages[vid]
        line.recorded_month += n
        if is_today:
            line.recorded_today += n
        if status in WORKING:
            line.working += n
            bar.working += n
        if status == Status.PRESENT.value:
            line.present += n
            bar.present += n
    for vid, bar in villages.items():
        townships[village_township[vid]].villages.append(bar)
    return list(townships.values())
