"""Public notice (公示) of a round's proposal, and the objections raised during it (异议)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from ..audit import AuditAction, record_audit, snapshot
from ..dates import as_utc, district_zone
from ..extensions import db
from ..models import AllocationRun, Objection, Person, Round, RoundState, RunKind
from ..models.enums import require_state
from .adapter import is_current
from .errors import RefusedError
from .proposal import Row, placed_rows
from .rounds import move_to

OBJECTION_FIELDS = ("round_id", "raised_by", "about_person_id", "content", "raised_on", "outcome", "settled_on")


@dataclass(frozen=True)
class NoticePeriod:
    """The dates that follow from a notice's first day: its last day and the first day it can be approved."""

    start: dt.date
    end: dt.date
    approvable_from: dt.date


def notice_period(start: dt.date, days: int) -> NoticePeriod:
    """A notice of `days` whole days from start: both ends inside it, approval from the day after."""
    end = notice_end(start, days)
    return NoticePeriod(start=start, end=end, approvable_from=end + dt.timedelta(days=1))


def notice_end(start: dt.date, days: int) -> dt.date:
    """The last day of a notice of `days` days starting on start (both ends inside the period)."""
    return start + dt.timedelta(days=days - 1)


def run_made_on(run: AllocationRun) -> dt.date:
    """The district's date on which a run was made (its creation time is stored in UTC)."""
    made = as_utc(run.created_at)
    assert made is not None
    return made.astimezone(district_zone()).date()


def earliest_notice_start(run: AllocationRun, today: dt.date) -> dt.date:
    """The first day a run's notice may start: not before the day the run was made, nor before today."""
    return max(run_made_on(run), today)


def why_run_cannot_go_on_notice(rnd: Round, run: AllocationRun) -> str | None:
    """Why this run cannot be put on notice whatever the date (None when it can); the page shows it first."""
    if run.round_id != rnd.id or run.kind != RunKind.ROUND:
        return _("That run does not belong to this round.")
    if not is_current(run):
        return _("The applications, pins or register changed after this run; run the matcher again "
                 "and put the new proposal on notice.")
    return None


def why_notice_cannot_start_on(run: AllocationRun, start: dt.date, today: dt.date) -> str | None:
    """Why a notice cannot start on that day (None when it can): it names the first day it can."""
    earliest = earliest_notice_start(run, today)
    if start >= earliest:
        return None
    return _("The notice cannot start on %(day)s: it starts on %(earliest)s at the earliest, neither before "
             "the day run #%(id)d was made (%(made)s) nor before today (%(today)s).",
             day=start.isoformat(), earliest=earliest.isoformat(), id=run.id, made=run_made_on(run).isoformat(),
             today=today.isoformat())


def check_notice_start(rnd: Round, run: AllocationRun, start: dt.date, today: dt.date) -> NoticePeriod:
    """Refuse a notice of this run from start, or give the period it would run (the confirm step shows it)."""
    require_state(rnd, RoundState.PROPOSED)
    reason = why_run_cannot_go_on_notice(rnd, run)
    if reason is not None:
        raise RefusedError(reason)
    reason = why_notice_cannot_start_on(run, start, today)
    if reason is not None:
        raise RefusedError(reason, field="start")
    return notice_period(start, rnd.notice_days)


def start_notice(rnd: Round, run: AllocationRun, start: dt.date, today: dt.date, *, actor_id: int | None) -> NoticePeriod:
    """Put a run's proposal on public notice from start for the round's notice days (frozen when it opened)."""
    period = check_notice_start(rnd, run, start, today)
    move_to(rnd, RoundState.NOTICE, chosen_run_id=run.id, notice_start=period.start, notice_end=period.end,
            actor_id=actor_id)
    return period


def notice_rows(rnd: Round, lang: str, township_id: int | None = None, village_id: int | None = None) -> list[Row]:
    """The placed people of the chosen run, for one township or village (or all), in village order."""
    if rnd.chosen_run is None:
        return []
    return placed_rows(rnd.chosen_run, lang, township_id, village_id)


def record_objection(rnd: Round, *, raised_by: str, content: str, raised_on: dt.date,
                     about: Person | None, today: dt.date, user_id: int | None) -> Objection:
    """Record an objection raised during the notice."""
    require_state(rnd, RoundState.NOTICE)
    if raised_on > today:
        raise RefusedError(_("The day the objection was raised cannot be in the future."), field="raised_on")
    if rnd.notice_start and raised_on < rnd.notice_start:
        raise RefusedError(_("The notice started on %(day)s; an objection cannot be raised before it.",
                             day=rnd.notice_start.isoformat()), field="raised_on")
    objection = Objection(round_id=rnd.id, raised_by=raised_by.strip(), content=content.strip(),
                          raised_on=raised_on, about_person_id=about.id if about else None,
                          recorded_by_id=user_id)
    db.session.add(objection)
    db.session.flush()
    record_audit(AuditAction.OBJECTION_RAISE, objection, after=snapshot(objection, OBJECTION_FIELDS), actor_id=user_id)
    return objection


def settle_objection(objection: Objection, outcome: str, today: dt.date, user_id: int | None) -> None:
    """Record how an objection was settled."""
    if objection.settled_on is not None:
        raise RefusedError(_("This objection was already settled on %(day)s.", day=objection.settled_on.isoformat()))
    before = snapshot(objection, OBJECTION_FIELDS)
    objection.outcome = outcome.strip()
    objection.settled_on = today
    objection.settled_by_id = user_id
    db.session.flush()
    # The outcome is in the event's 'after' already; it is not repeated as the event's
    # reason, whose column holds 500 characters while an outcome may have 2000.
    record_audit(AuditAction.OBJECTION_SETTLE, objection, before=before, after=snapshot(objection, OBJECTION_FIELDS), actor_id=user_id)


def open_objections(rnd: Round) -> list[Objection]:
    return list(db.session.scalars(
        select(Objection).where(Objection.round_id == rnd.id, Objection.settled_on.is_(None)).order_by(Objection.id)))


def round_objections(rnd: Round) -> list[Objection]:
    return list(db.session.scalars(select(Objection).where(Objection.round_id == rnd.id).order_by(Objection.id)))
