"""Approval (批准) of a round in one transaction, and its agreements (协议).

When a round is approved, every agreement in force on the day before the new term
starts ends on that day: with end_reason 'term_end' when its own term ended that day
anyway, 'reallocated' when the new term cuts it short. Then one new agreement per
placed person starts on the term's first day (origin 'round', round_id set). The round
becomes 'approved'; it becomes 'in_force' on approval when its term has already
started, otherwise staff mark it in force once the term starts.
"""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from ..attendance.months import ClosedMonthError, ensure_no_closed_month
from ..audit import AuditAction, record_audits, snapshot
from ..dates import utcnow
from ..extensions import db
from ..models import Assignment, Household, Origin, Person, Post, Round, RoundState, Township, Village
from ..models.enums import require_state
from .adapter import key_id
from .errors import RefusedError
from .notice import open_objections
from .rounds import move_to

ASSIGNMENT_FIELDS = ("person_id", "post_id", "term_start", "term_end", "origin", "round_id", "ended_on",
                     "end_reason", "end_note")


def why_not_approvable_yet(rnd: Round, today: dt.date) -> list[str]:
    """Why a round on notice cannot be approved today (empty when it can): the notice still runs, or objections are open.

    approve_round refuses with these, and the round page shows them beside the disabled button.
    """
    faults = []
    if rnd.notice_end is not None and today <= rnd.notice_end:
        faults.append(_("The public notice runs until %(end)s; the round can be approved from %(next)s.",
                        end=rnd.notice_end.isoformat(), next=(rnd.notice_end + dt.timedelta(days=1)).isoformat()))
    pending = open_objections(rnd)
    if pending:
        faults.append(_("%(n)d objection(s) are not settled yet: %(who)s. Settle every objection first.",
                        n=len(pending), who="、".join(f"{o.raised_by}（{o.raised_on.isoformat()}）" for o in pending)))
    return faults


def refuse_early_approval(rnd: Round, today: dt.date) -> None:
    """Refuse approval while the notice runs or any objection is open."""
    faults = why_not_approvable_yet(rnd, today)
    if faults:
        raise RefusedError(*faults)


def refuse_closed_months_in_the_new_term(rnd: Round, current: list[Assignment], post_ids: set[int]) -> None:
    """Refuse approval when it would rewrite a month already closed for payment.

    Approval after the term has started (a late round) cuts the old agreements
    short from the term's first day and starts the new ones on it: a township
    month in between that is closed would lose its holders or gain new ones.
    """
    last_day = rnd.term_start - dt.timedelta(days=1)
    spans: dict[int, dt.date] = {}  # township -> last day a changed term reaches
    cut = [a for a in current if a.last_day > last_day]
    township_of = dict(db.session.execute(
        select(Post.id, Village.township_id).join(Village, Village.id == Post.village_id)
        .where(Post.id.in_({a.post_id for a in cut}))).all()) if cut else {}
    for agreement in cut:
        township_id = township_of[agreement.post_id]
        spans[township_id] = max(spans.get(township_id, agreement.last_day), agreement.last_day)
    for township_id in db.session.scalars(
        select(Village.township_id).join(Post, Post.village_id == Village.id).where(Post.id.in_(post_ids)).distinct()
    ):
        spans[township_id] = max(spans.get(township_id, rnd.term_end), rnd.term_end)
    for township_id in sorted(spans):
        try:
            ensure_no_closed_month(township_id, rnd.term_start, spans[township_id])
        except ClosedMonthError as exc:
            raise RefusedError(str(exc)) from None


def in_force_the_day_before(rnd: Round) -> list[Assignment]:
    """The agreements in force on the day before the round's term starts."""
    last_day = rnd.term_start - dt.timedelta(days=1)
    return list(db.session.scalars(
        select(Assignment).where(
            Assignment.term_start <= last_day, Assignment.term_end >= last_day,
            or_(Assignment.ended_on.is_(None), Assignment.ended_on >= last_day),
        ).order_by(Assignment.id)
    ))


def end_current_agreements(rnd: Round, current: list[Assignment], *, actor_id: int | None) -> list[Assignment]:
    """End the agreements in force on the day before the term starts, on that day.

    One flush (the unit of work batches the UPDATEs) and one INSERT of their audit events,
    whatever the number of agreements.
    """
    last_day = rnd.term_start - dt.timedelta(days=1)
    note = _("Round %(name)s", name=rnd.name)[:500]
    events = []
    for agreement in current:
        before = snapshot(agreement, ASSIGNMENT_FIELDS)
        agreement.end_reason = "term_end" if agreement.term_end == last_day else "reallocated"
        agreement.ended_on = last_day
        agreement.end_note = note
        events.append({"action": AuditAction.ASSIGNMENT_END, "entity_type": "assignment", "entity_id": agreement.id,
                       "before": before, "after": snapshot(agreement, ASSIGNMENT_FIELDS),
                       "reason": agreement.end_reason})
    db.session.flush()
    record_audits(events, actor_id=actor_id)
    return current


def start_agreements(rnd: Round, placements: list[tuple[int, int]], origin: str = Origin.ROUND, *, actor_id: int | None) -> list[int]:
    """Start one agreement per (person id, post id) on the round's term, in one INSERT; their ids.

    Each is audited as record_audit would (one event per agreement), in one more INSERT.
    """
    rows = [{"person_id": person_id, "post_id": post_id, "term_start": rnd.term_start, "term_end": rnd.term_end,
             "origin": origin, "round_id": rnd.id, "ended_on": None, "end_reason": None, "end_note": None}
            for person_id, post_id in placements]
    if not rows:
        return []
    # INSERT without RETURNING, then the ids by (person, post) among the round's new agreements:
    # SQLite answers an ordered RETURNING one row per statement, this is one batch and one SELECT.
    db.session.execute(Assignment.__table__.insert(), rows)
    made = {(p, q): i for i, p, q in db.session.execute(
        select(Assignment.id, Assignment.person_id, Assignment.post_id).where(
            Assignment.round_id == rnd.id, Assignment.origin == origin, Assignment.term_start == rnd.term_start))}
    ids = [made[(row["person_id"], row["post_id"])] for row in rows]
    record_audits([{"action": AuditAction.ASSIGNMENT_CREATE, "entity_type": "assignment", "entity_id": i,
                   "after": {f: row[f] for f in ASSIGNMENT_FIELDS}} for i, row in zip(ids, rows)], actor_id=actor_id)
    return ids


def approve_round(rnd: Round, today: dt.date, user_id: int | None) -> list[int]:
    """Approve a round: end today's agreements at the new term, start the chosen run's, all at once.

    Returns the ids of the agreements started.
    """
    require_state(rnd, RoundState.NOTICE)
    refuse_early_approval(rnd, today)
    run = rnd.chosen_run
    if run is None:
        raise RefusedError(_("The round has no proposal on notice."))
    current = in_force_the_day_before(rnd)
    refuse_closed_months_in_the_new_term(rnd, current, {key_id(e["post"]) for e in run.result["assignments"]})
    end_current_agreements(rnd, current, actor_id=user_id)
    created = start_agreements(rnd, [(key_id(e["candidate"]), key_id(e["post"])) for e in run.result["assignments"]], actor_id=user_id)
    move_to(rnd, RoundState.APPROVED, approved_by_id=user_id, approved_at=utcnow(), actor_id=user_id)
    if today >= rnd.term_start:
        move_to(rnd, RoundState.IN_FORCE, reason=_("The term had already started when the round was approved."), actor_id=user_id)
    return created


def mark_in_force(rnd: Round, today: dt.date, *, actor_id: int | None) -> None:
    """Mark an approved round in force once its term has started."""
    require_state(rnd, RoundState.APPROVED)
    reason = why_not_in_force_yet(rnd, today)
    if reason is not None:
        raise RefusedError(reason)
    move_to(rnd, RoundState.IN_FORCE, actor_id=actor_id)


def why_not_in_force_yet(rnd: Round, today: dt.date) -> str | None:
    """Why an approved round cannot be marked in force today (its term has not started), or None."""
    if today < rnd.term_start:
        return _("The term starts on %(day)s; the round can be marked in force from then.", day=rnd.term_start.isoformat())
    return None


def round_agreements(rnd: Round, *, township_id: int | None = None, village_id: int | None = None,
                     assignment_id: int | None = None) -> list[Assignment]:
    """The agreements a round created (yearly and mid-year), by village and post; of one place if given.

    Holder, household, village and post are loaded with them (a fixed number of queries for
    any number of agreements: the print view shows them all).
    """
    stmt = (select(Assignment).join(Post, Post.id == Assignment.post_id).join(Village, Village.id == Post.village_id)
            .where(Assignment.round_id == rnd.id, Assignment.origin.in_((Origin.ROUND, Origin.MID_YEAR)))
            .options(selectinload(Assignment.person).selectinload(Person.household)
                     .selectinload(Household.village).selectinload(Village.township),
                     selectinload(Assignment.post).selectinload(Post.village).selectinload(Village.township))
            .order_by(Village.township_id, Village.name, Post.code, Assignment.id))
    if township_id is not None:
        stmt = stmt.where(Village.township_id == township_id)
    if village_id is not None:
        stmt = stmt.where(Post.village_id == village_id)
    if assignment_id is not None:
        stmt = stmt.where(Assignment.id == assignment_id)
    return list(db.session.scalars(stmt))


def agreements_by_township(rnd: Round) -> list[tuple[Township, int]]:
    """How many agreements the round made in each township (the print view's index)."""
    return [(t, n) for t, n in db.session.execute(
        select(Township, func.count(Assignment.id)).join(Village, Village.township_id == Township.id)
        .join(Post, Post.village_id == Village.id).join(Assignment, Assignment.post_id == Post.id)
        .where(Assignment.round_id == rnd.id, Assignment.origin.in_((Origin.ROUND, Origin.MID_YEAR)))
        .group_by(Township.id).order_by(Township.name)).all()]
