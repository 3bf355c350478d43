"""Road problem reports (路况上报): filing one, moving it through its states, and the lists."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from ..dates import utcnow
from ..extensions import db
from ..models import (
    REPORT_OPEN,
    Assignment,
    Post,
    ReportEvent,
    ReportKind,
    ReportState,
    RoadReport,
    Role,
    User,
    Village,
    get_patrol_settings,
)
from .checkins import Fix, district_day, require_recent
from .errors import PatrolRefusal
from .photos import PhotoError, store_photo

NOTE_MAX = 500
# The button for each move (the moves themselves are ReportState's transition table).
TRANSITION_ACTIONS = {
    ReportState.DISPATCHED: _l("Dispatch"),
    ReportState.RESOLVED: _l("Mark resolved"),
}


def file_report(
    user: User,
    *,
    post: Post,
    kind: ReportKind,
    note: str,
    fix: Fix | None,
    reported_at: dt.datetime,
    client_id: str | None,
    photo: bytes | None = None,
    assignment: Assignment | None = None,
    now: dt.datetime | None = None,
) -> tuple[RoadReport, bool]:
    """Keep a new report in the 'reported' state; returns it and whether it is new (client_id repeats are not)."""
    if client_id:
        earlier = db.session.scalar(
            select(RoadReport).where(RoadReport.reported_by_id == user.id, RoadReport.client_id == client_id))
        if earlier is not None:
            return earlier, False
    now = now or utcnow()
    reported_at = require_recent(reported_at, now)
    if len(note) > NOTE_MAX:
        raise PatrolRefusal(_("The note is longer than %(n)d characters.", n=NOTE_MAX), field="note")
    if fix is not None and not (-90 <= fix.lat <= 90 and -180 <= fix.lon <= 180):
        raise PatrolRefusal(_("The location the phone gave is not a place on Earth."), field="location")
    photo_row = None
    if photo:
        try:
            photo_row = store_photo(photo, user.id, get_patrol_settings().photo_max_kb * 1024)
        except PhotoError as exc:
            raise PatrolRefusal(str(exc), field="photo") from None
    report = RoadReport(
        post_id=post.id, assignment_id=assignment.id if assignment else None, reported_by_id=user.id,
        client_id=client_id or None, kind=kind, state=ReportState.REPORTED, note=note,
        lat=fix.lat if fix else None, lon=fix.lon if fix else None, accuracy_m=fix.accuracy_m if fix else None,
        photo_id=photo_row.id if photo_row else None, reported_at=reported_at, day=district_day(reported_at),
        received_at=now,
    )
    db.session.add(report)
    db.session.flush()
    db.session.add(ReportEvent(report_id=report.id, from_state=None, to_state=ReportState.REPORTED,
                               user_id=user.id, at=now, note=note[:NOTE_MAX]))
    db.session.flush()
    return report, True


def may_move_to(user: User, to_state: ReportState) -> bool:
    """Who takes which step: the office and the township's clerk both; a road chief (路长) marks the
    reports dispatched to their sections handled, but dispatching is the office's or the clerk's."""
    return user.role != Role.ROAD_CHIEF or to_state is ReportState.RESOLVED


def allowed_moves(report: RoadReport, user: User) -> tuple[ReportState, ...]:
    """The states this user may move this report to next (the page shows a button for each)."""
    current = ReportState(report.state)
    return tuple(s for s in ReportState if current.may_become(s) and may_move_to(user, s))


def move_report(report: RoadReport, to_state: ReportState, user: User, note: str, *, expected: str | None = None) -> None:
    """Move a report one step (dispatch, resolve) with who, when and a note."""
    current = ReportState(report.state)
    if expected is not None and expected != current.value:
        raise PatrolRefusal(_("Someone else moved this report to “%(state)s” meanwhile; look again.",
                              state=current.label), status=409)
    if not current.may_become(to_state):
        raise PatrolRefusal(_("A report that is “%(state)s” cannot become “%(to)s”.",
                              state=current.label, to=to_state.label), status=409)
    if not may_move_to(user, to_state):
        raise PatrolRefusal(_("A road chief marks dispatched reports handled; the office or the township's clerk "
                              "dispatches them."), status=403)
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise PatrolRefusal(_("The note is longer than %(n)d characters.", n=NOTE_MAX), field="note")
    if to_state is ReportState.DISPATCHED and not note:
        raise PatrolRefusal(_("Say to whom it is dispatched and what is to be done."), field="note")
    if to_state is ReportState.RESOLVED and not note:
        raise PatrolRefusal(_("Say what was done on the road."), field="note")
    # The state compare-and-set keeps two clicks at the same moment from both moving it.
    moved = db.session.execute(
        RoadReport.__table__.update()
        .where(RoadReport.id == report.id, RoadReport.state == current)
        .values(state=to_state)
    ).rowcount
    if moved != 1:
        raise PatrolRefusal(_("Someone else moved this report meanwhile; look again."), status=409)
    db.session.add(ReportEvent(report_id=report.id, from_state=current, to_state=to_state,
                               user_id=user.id, at=utcnow(), note=note))
    db.session.flush()
    db.session.refresh(report)


@dataclass(frozen=True)
class ReportFilter:
    township_id: int | None = None
    states: tuple[ReportState, ...] = ()
    kind: str | None = None
    first_day: dt.date | None = None
    last_day: dt.date | None = None
    reported_by_id: int | None = None
    # A road chief's account: only the sections they are chief of.
    chief_id: int | None = None


def reports_query(f: ReportFilter) -> Select[tuple[RoadReport]]:
    stmt = (
        select(RoadReport)
        .join(Post, Post.id == RoadReport.post_id)
        .join(Village, Village.id == Post.village_id)
        .options(selectinload(RoadReport.post).selectinload(Post.village), selectinload(RoadReport.photo),
                 selectinload(RoadReport.reported_by))
        .order_by(RoadReport.reported_at.desc(), RoadReport.id.desc())
    )
    if f.township_id is not None:
        stmt = stmt.where(Village.township_id == f.township_id)
    if f.states:
        stmt = stmt.where(RoadReport.state.in_(f.states))
    if f.kind:
        stmt = stmt.where(RoadReport.kind == f.kind)
    if f.first_day:
        stmt = stmt.where(RoadReport.day >= f.first_day)
    if f.last_day:
        stmt = stmt.where(RoadReport.day <= f.last_day)
    if f.reported_by_id is not None:
        stmt = stmt.where(RoadReport.reported_by_id == f.reported_by_id)
    if f.chief_id is not None:
        stmt = stmt.where(Post.road_chief_id == f.chief_id)
    return stmt


def open_report_count(township_id: int | None = None) -> int:
    """Road reports not yet resolved (for the home pages), district-wide or for one township."""
    stmt = select(func.count(RoadReport.id)).where(RoadReport.state.in_(REPORT_OPEN))
    if township_id is not None:
        stmt = (stmt.join(Post, Post.id == RoadReport.post_id).join(Village, Village.id == Post.village_id)
                .where(Village.township_id == township_id))
    return int(db.session.scalar(stmt) or 0)


def week_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    """Monday to Sunday of the week holding day."""
    monday = day - dt.timedelta(days=day.weekday())
    return monday, monday + dt.timedelta(days=6)
