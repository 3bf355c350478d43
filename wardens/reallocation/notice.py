"""Public notice (公示) of a round's proposal, and the objections raised during it (异议)."""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import select

from ..audit import AuditAction, record_audit, snapshot
from ..extensions import db
from ..models import AllocationRun, Objection, Person, Round, RoundState, RunKind
from ..models.enums import require_state
from .adapter import is_current
from .errors import RefusedError
from .proposal import Row, placed_rows
from .rounds import move_to

OBJECTION_FIELDS = ("round_id", "raised_by", "about_person_id", "content", "raised_on", "outcome", "settled_on")


def notice_end(start: dt.date, days: int) -> dt.date:
    """The last day of a notice of `days` days starting on start (both ends inside the period)."""
    return start + dt.timedelta(days=days - 1)


def start_notice(rnd: Round, run: AllocationRun, start: dt.date, today: dt.date, *, actor_id: int | None) -> None:
    """Put a run's proposal on public notice from start (today or earlier) for the round's notice days."""
    require_state(rnd, RoundState.PROPOSED)
    if run.round_id != rnd.id or run.kind != RunKind.ROUND:
        raise RefusedError(_("That run does not belong to this round."))
    if start > today:
        raise RefusedError(_("The notice cannot start in the future (%(day)s); start it on the day it is posted.",
                             day=start.isoformat()), field="start")
    if not is_current(run):
        raise RefusedError(_("The applications, pins or register changed after this run; run the matcher again "
                             "and put the new proposal on notice."))
    move_to(rnd, RoundState.NOTICE, chosen_run_id=run.id, notice_start=start, notice_end=notice_end(start, rnd.notice_days), actor_id=actor_id)


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
