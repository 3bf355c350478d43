"""The road chief's (路长) own page: their sections, who holds them today, today's patrol check-ins,
and the open road reports on them — in a fixed number of queries whatever the number of sections.

What a road chief sees of a check-in is the evidence, not the place: the time, the tap, on or
off the section and how far. Locations and check-in photos stay with the township's clerk and
the office (docs/domain.md, "Patrol and road reports").
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..dates import district_zone
from ..extensions import db
from ..models import REPORT_OPEN, Assignment, CheckIn, CheckInKind, Person, Post, ReportState, RoadReport, User
from .reports import ReportFilter, reports_query


@dataclass(frozen=True)
class TapView:
    kind: CheckInKind
    time: str
    on_section: bool | None
    distance_m: float | None
    uncertain: bool


@dataclass
class SectionView:
    post: Post
    holders: list[str] = field(default_factory=list)
    taps: list[TapView] = field(default_factory=list)
    open_reports: int = 0


@dataclass(frozen=True)
class ChiefPage:
    sections: list[SectionView]
    to_handle: list[RoadReport]  # dispatched to the chief's sections: theirs to mark handled
    awaiting_dispatch: list[RoadReport]  # reported, not yet dispatched by the office or clerk


def chief_page(chief: User, day: dt.date) -> ChiefPage:
    """What the road chief's home page shows on day."""
    posts = list(db.session.scalars(
        select(Post).where(Post.road_chief_id == chief.id).options(joinedload(Post.village))
        .order_by(Post.code)))
    sections = {p.id: SectionView(p) for p in posts}
    if sections:
        for post_id, name in db.session.execute(
            select(Assignment.post_id, Person.name).join(Person, Person.id == Assignment.person_id)
            .where(Assignment.post_id.in_(sections), Assignment.in_force_on_clause(day))
            .order_by(Assignment.post_id, Person.name)
        ):
            sections[post_id].holders.append(name)
        zone = district_zone()
        for post_id, kind, taken, on, dist, unsure in db.session.execute(
            select(Assignment.post_id, CheckIn.kind, CheckIn.taken_at, CheckIn.on_section, CheckIn.distance_m,
                   CheckIn.uncertain)
            .join(Assignment, Assignment.id == CheckIn.assignment_id)
            .where(Assignment.post_id.in_(sections), CheckIn.day == day)
            .order_by(Assignment.post_id, CheckIn.taken_at, CheckIn.id)
        ):
            at = taken if taken.tzinfo else taken.replace(tzinfo=dt.timezone.utc)
            sections[post_id].taps.append(TapView(CheckInKind(kind), at.astimezone(zone).strftime("%H:%M"), on, dist,
                                                  bool(unsure)))
    open_reports = list(db.session.scalars(
        reports_query(ReportFilter(states=REPORT_OPEN, chief_id=chief.id)).limit(200)))
    counts: dict[int, int] = defaultdict(int)
    for r in open_reports:
        counts[r.post_id] += 1
    for post_id, n in counts.items():
        if post_id in sections:
            sections[post_id].open_reports = n
    return ChiefPage(
        sections=list(sections.values()),
        to_handle=[r for r in open_reports if r.state == ReportState.DISPATCHED],
        awaiting_dispatch=[r for r in open_reports if r.state == ReportState.REPORTED],
    )
