"""Recording a check-in from the warden's phone, and judging it against the section's line.

A check-in is evidence, never an attendance record: it says where the phone was at a tap,
how sure the phone was, and how far that is from the post's road line.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..dates import district_zone, utcnow
from ..extensions import db
from ..models import Assignment, CheckIn, CheckInKind, PatrolSettings, RoadLine, User, get_patrol_settings
from .errors import PatrolRefusal
from .geo import distance_to_line_m
from .photos import PhotoError, store_photo

# A phone's clock may run a little ahead of the server's.
CLOCK_SKEW = dt.timedelta(minutes=5)
# An offline queue older than this is stale: the day it speaks of has been recorded by now.
MAX_QUEUE_AGE = dt.timedelta(hours=48)


@dataclass(frozen=True)
class Fix:
    """A location as the phone gave it."""

    lat: float
    lon: float
    accuracy_m: float


def district_day(at: dt.datetime) -> dt.date:
    """The district's calendar day of an instant."""
    return at.astimezone(district_zone()).date()


def require_location(fix: Fix | None) -> Fix:
    """Refuse a tap without a location, saying how to allow it."""
    if fix is None:
        raise PatrolRefusal(
            _("The phone gave no location. Allow location for this site (tap the lock icon beside the address, "
              "then Location → Allow), switch on the phone's location, and tap again."),
            field="location",
        )
    if not (-90 <= fix.lat <= 90 and -180 <= fix.lon <= 180) or fix.accuracy_m < 0:
        raise PatrolRefusal(_("The location the phone gave is not a place on Earth."), field="location")
    return fix


def require_recent(taken_at: dt.datetime, now: dt.datetime) -> dt.datetime:
    """Refuse a time in the future, or older than a stale offline queue may be."""
    if taken_at.tzinfo is None:
        raise PatrolRefusal(_("The time of the check-in has no time zone; reload the page."), field="taken_at")
    if taken_at > now + CLOCK_SKEW:
        raise PatrolRefusal(_("The check-in's time is in the future: check the phone's date and time."), field="taken_at")
    if taken_at < now - MAX_QUEUE_AGE:
        raise PatrolRefusal(
            _("This check-in was taken more than 48 hours ago and waited too long to be sent; it is not accepted. "
              "Tell your clerk about that day."),
            field="taken_at",
        )
    # Stored in UTC like every timestamp (SQLite keeps no offset).
    return taken_at.astimezone(dt.timezone.utc)


def current_assignment(user: User, day: dt.date, assignment_id: int | None = None) -> Assignment | None:
    """The warden's own agreement in force on day (the one named, if any), or None."""
    stmt = select(Assignment).where(Assignment.person_id == user.person_id, Assignment.in_force_on_clause(day))
    if assignment_id is not None:
        stmt = stmt.where(Assignment.id == assignment_id)
    return db.session.scalars(stmt.order_by(Assignment.id).limit(1)).first()


def holder_assignment(user: User, day: dt.date, assignment_id: int | None = None) -> Assignment:
    """The warden's own agreement in force on day (the one named, if any); refused otherwise."""
    found = current_assignment(user, day, assignment_id)
    if found is None:
        raise PatrolRefusal(_("You hold no post on %(day)s, so there is nothing to check in for.", day=day.isoformat()),
                            field="assignment_id", status=403)
    return found


def judge(fix: Fix, line: RoadLine | None, settings: PatrolSettings) -> tuple[float | None, bool | None, bool]:
    """Distance from the line, whether that is on the section, and whether the fix is too vague to tell."""
    uncertain = fix.accuracy_m > settings.accuracy_limit_m
    if line is None or len(line.points) < 1:
        return None, None, uncertain
    distance = distance_to_line_m((fix.lat, fix.lon), line.latlngs)
    return distance, distance <= settings.corridor_m, uncertain


def existing_check_in(user_id: int, client_id: str) -> CheckIn | None:
    return db.session.scalar(select(CheckIn).where(CheckIn.user_id == user_id, CheckIn.client_id == client_id))


def record_check_in(
    user: User,
    *,
    kind: CheckInKind,
    fix: Fix | None,
    taken_at: dt.datetime,
    client_id: str,
    photo: bytes | None = None,
    assignment_id: int | None = None,
    now: dt.datetime | None = None,
) -> tuple[CheckIn, bool]:
    """Keep one tap of 开始巡查/结束巡查; returns it and whether it is new.

    The same client_id sent twice (a queue resent after a lost answer) is the same
    check-in: the first is returned and nothing is added.
    """
    earlier = existing_check_in(user.id, client_id)
    if earlier is not None:
        return earlier, False
    now = now or utcnow()
    fix = require_location(fix)
    taken_at = require_recent(taken_at, now)
    day = district_day(taken_at)
    assignment = holder_assignment(user, day, assignment_id)
    settings = get_patrol_settings()
    line = db.session.scalar(select(RoadLine).where(RoadLine.post_id == assignment.post_id))
    distance, on_section, uncertain = judge(fix, line, settings)
    photo_row = None
    if photo:
        try:
            photo_row = store_photo(photo, user.id, settings.photo_max_kb * 1024)
        except PhotoError as exc:
            raise PatrolRefusal(str(exc), field="photo") from None
    check_in = CheckIn(
        assignment_id=assignment.id, user_id=user.id, client_id=client_id, kind=kind.value, taken_at=taken_at,
        day=day, received_at=now, lat=fix.lat, lon=fix.lon, accuracy_m=fix.accuracy_m, uncertain=uncertain,
        distance_m=distance, on_section=on_section, corridor_m=settings.corridor_m,
        photo_id=photo_row.id if photo_row else None,
    )
    try:
        # A savepoint: the same tap arriving twice at the same moment (a retry racing the
        # first send) loses only this insert, and answers with the one that won.
        with db.session.begin_nested():
            db.session.add(check_in)
    except IntegrityError:
        earlier = existing_check_in(user.id, client_id)
        if earlier is None:
            raise
        return earlier, False
    return check_in, True
