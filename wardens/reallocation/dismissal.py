"""Dismissal review (清退): holders flagged by the rules, and the staff decision on each flag.

Flags are never decisions: `refresh_flags` records a DismissalCase (with its evidence) for
each holder a rule flags; staff dismiss (the agreement ends that day) or clear it, with a
reason. A cleared flag is not raised again for the same rule and period. Attendance flags
come from the attendance area's thresholds (`holders_crossing_thresholds`); the other rules
are here, one function each. Non-attendance flags use the year as their period, so a
cleared flag comes back for review the next year if the facts still hold.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Iterable

from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from ..attendance.months import ClosedMonthError, ensure_no_closed_month
from ..models.months import closed_month_message, first_closed_month
from ..attendance.thresholds import holders_crossing_thresholds
from ..audit import AuditAction, record_audit, record_audits, snapshot
from ..dates import as_utc, district_zone, utcnow
from ..extensions import db
from ..models import (
    AllocationRun,
    Assignment,
    DismissalCase,
    DismissalState,
    EndReason,
    Household,
    Origin,
    Person,
    Post,
    Round,
    RunKind,
    Village,
    settings_on,
)
from ..models.enums import ROUND_AGREED, DismissalRule, require_step
from ..patrol.evidence import days_without_on_section_patrol
from ..priority import priority_tier
from .adapter import free_slots, held_slots, key_id, run_fill
from .errors import RefusedError

CASE_FIELDS = ("assignment_id", "rule", "period", "decision", "decision_reason")
ASSIGNMENT_FIELDS = ("person_id", "post_id", "term_start", "term_end", "ended_on", "end_reason", "end_note")


@dataclass(frozen=True)
class Hit:
    assignment: Assignment
    rule: str
    period: str
    evidence: str


def holders_on(day: dt.date) -> list[Assignment]:
    return list(db.session.scalars(
        select(Assignment).where(Assignment.in_force_on_clause(day))
        .options(selectinload(Assignment.person).selectinload(Person.household).selectinload(Household.flags),
                 selectinload(Assignment.post))
        .order_by(Assignment.id)
    ))


def age_past_limit(holders: list[Assignment], day: dt.date) -> Iterable[Hit]:
    """Flag holders older than their post allows (never above the district's extended limit)."""
    settings = settings_on(day)
    for a in holders:
        limit = min(a.post.max_age, settings.max_age_extended)
        age = a.person.age_on(day)
        if age > limit:
            yield Hit(a, DismissalRule.AGE, str(day.year), _("Age %(age)d on %(day)s; post %(code)s allows up to %(limit)d "
                                                  "(district limit %(max)d, extended %(ext)d).",
                                                  age=age, day=day.isoformat(), code=a.post.code, limit=limit,
                                                  max=settings.max_age, ext=settings.max_age_extended))


def no_priority_group(holders: list[Assignment], day: dt.date) -> Iterable[Hit]:
    """Flag holders whose household is in no priority group now (or is a village-cadre household)."""
    groups = settings_on(day).priority_groups
    for a in holders:
        household = a.person.household
        flags = sorted(household.flag_codes)
        if priority_tier(flags, groups, cadre=household.cadre) is None:
            why = _("village-cadre household") if household.cadre else _("current flags: %(flags)s",
                                                                        flags="、".join(flags) or "—")
            yield Hit(a, DismissalRule.NO_PRIORITY_GROUP, str(day.year),
                      _("Household %(number)s matches no priority group (%(why)s).", number=household.number, why=why))


def two_posts(holders: list[Assignment], day: dt.date) -> Iterable[Hit]:
    """Flag every agreement of a person holding two or more posts on the same day."""
    by_person: dict[int, list[Assignment]] = defaultdict(list)
    for a in holders:
        by_person[a.person_id].append(a)
    for person_id, held in by_person.items():
        if len(held) > 1:
            codes = "、".join(x.post.code for x in held)
            for a in held:
                yield Hit(a, DismissalRule.TWO_POSTS, str(day.year),
                          _("%(name)s holds %(n)d posts on %(day)s: %(codes)s.", name=a.person.name, n=len(held),
                            day=day.isoformat(), codes=codes))


def duplicate_identity(holders: list[Assignment], day: dt.date) -> Iterable[Hit]:
    """Flag holders whose name and birth date appear on another person record (one person, two records)."""
    if not holders:
        return
    keys = {(a.person.name, a.person.birth_date) for a in holders}
    twins = db.session.execute(
        select(Person.name, Person.birth_date).group_by(Person.name, Person.birth_date).having(func.count() > 1)
    ).all()
    doubled = {(n, b) for n, b in twins} & keys
    if not doubled:
        return
    records: dict[tuple[str, dt.date], list[Person]] = defaultdict(list)
    for person in db.session.scalars(select(Person).where(Person.name.in_({n for n, _b in doubled}))
                                     .options(selectinload(Person.household))):
        if (person.name, person.birth_date) in doubled:
            records[(person.name, person.birth_date)].append(person)
    for a in holders:
        same = records.get((a.person.name, a.person.birth_date), [])
        others = [p for p in same if p.id != a.person_id]
        if others:
            yield Hit(a, DismissalRule.DUPLICATE_IDENTITY, str(day.year),
                      _("%(name)s, born %(birth)s, is also recorded in household %(households)s (ID ending %(ids)s).",
                        name=a.person.name, birth=a.person.birth_date.isoformat(),
                        households="、".join(p.household.number for p in others),
                        ids="、".join(p.id_last4 for p in others)))


def stable_employment(holders: list[Assignment], day: dt.date) -> Iterable[Hit]:
    """Flag holders the register marks as in stable employment."""
    for a in holders:
        if a.person.stable_employment:
            yield Hit(a, DismissalRule.STABLE_EMPLOYMENT, str(day.year),
                      _("The register marks %(name)s as in stable employment.", name=a.person.name))


def away_working(holders: list[Assignment], day: dt.date) -> Iterable[Hit]:
    """Flag holders the register marks as working away from home long-term."""
    for a in holders:
        if a.person.away_working:
            yield Hit(a, DismissalRule.AWAY_WORKING, str(day.year),
                      _("The register marks %(name)s as working away from home.", name=a.person.name))


def attendance_thresholds(day: dt.date) -> Iterable[Hit]:
    """Flag holders over the attendance limits, as the attendance area computes them."""
    for hit in holders_crossing_thresholds(day):
        yield Hit(hit.assignment, str(hit.rule)[:40], str(hit.period)[:20], str(hit.evidence))


def no_on_section_patrol(day: dt.date) -> Iterable[Hit]:
    """Flag holders whose phone check-ins left too many working days without one on the section."""
    for hit in days_without_on_section_patrol(day):
        yield Hit(hit.assignment, DismissalRule.NO_ON_SECTION_PATROL, hit.period, hit.evidence)


def flag_hits(day: dt.date) -> list[Hit]:
    """Every flag the rules raise on day."""
    holders = holders_on(day)
    hits: list[Hit] = list(attendance_thresholds(day))
    hits.extend(no_on_section_patrol(day))
    for rule in (age_past_limit, no_priority_group, two_posts, duplicate_identity, stable_employment, away_working):
        hits.extend(rule(holders, day))
    return hits


def refresh_flags(day: dt.date, user_id: int | None) -> int:
    """Record a case for each new flag (a flag already recorded or cleared for its period is skipped).

    Set-based: the new cases are inserted together (one flush, batched INSERTs) and audited in
    bulk, one event per case, so a county's first refresh is a handful of statements, not
    two per flag.
    """
    known = set(db.session.execute(select(DismissalCase.assignment_id, DismissalCase.rule, DismissalCase.period)).all())
    rows: list[dict[str, Any]] = []
    now = utcnow()
    for hit in flag_hits(day):
        key = (hit.assignment.id, hit.rule, hit.period)
        if key in known:
            continue
        known.add(key)
        rows.append({"assignment_id": hit.assignment.id, "rule": hit.rule, "period": hit.period, "evidence": hit.evidence,
                     "flagged_at": now, "decision": None, "decision_reason": None})
    if not rows:
        return 0
    # INSERT without RETURNING, then the ids by their key (assignment, rule, period): SQLite
    # answers an ordered RETURNING one row per statement; this is one batch and one SELECT.
    db.session.execute(DismissalCase.__table__.insert(), rows)
    ids = {(a, r, p): i for i, a, r, p in db.session.execute(
        select(DismissalCase.id, DismissalCase.assignment_id, DismissalCase.rule, DismissalCase.period)
        .where(DismissalCase.assignment_id.in_({row["assignment_id"] for row in rows}), DismissalCase.decision.is_(None)))}
    record_audits(({"action": AuditAction.DISMISSAL_FLAG, "entity_type": DismissalCase.__tablename__,
                    "entity_id": ids[(row["assignment_id"], row["rule"], row["period"])],
                    "after": {f: row[f] for f in CASE_FIELDS + ("evidence",)}} for row in rows), actor_id=user_id)
    return len(rows)


def open_cases(township_id: int | None = None) -> Select[tuple[DismissalCase]]:
    """Undecided cases, holder by holder (a statement: the review shows them a page at a time),
    each with its holder, post, village and township loaded with it."""
    stmt = (select(DismissalCase).join(Assignment, Assignment.id == DismissalCase.assignment_id)
            .join(Post, Post.id == Assignment.post_id).join(Village, Village.id == Post.village_id)
            .where(DismissalCase.decision.is_(None)).order_by(Village.township_id, Village.name, Assignment.id,
                                                               DismissalCase.id)
            .options(selectinload(DismissalCase.assignment).selectinload(Assignment.person),
                     selectinload(DismissalCase.assignment).selectinload(Assignment.post)
                     .selectinload(Post.village).selectinload(Village.township)))
    if township_id is not None:
        stmt = stmt.where(Village.township_id == township_id)
    return stmt


def decided_cases(limit: int = 100) -> list[DismissalCase]:
    return list(db.session.scalars(select(DismissalCase).where(DismissalCase.decision.is_not(None))
                                   .options(selectinload(DismissalCase.assignment).selectinload(Assignment.person),
                                            selectinload(DismissalCase.assignment).selectinload(Assignment.post))
                                   .order_by(DismissalCase.decided_at.desc(), DismissalCase.id.desc()).limit(limit)))


def _decide(case: DismissalCase, decision: DismissalState, reason: str, user_id: int | None) -> None:
    before = snapshot(case, CASE_FIELDS)
    case.decision = decision
    case.decision_reason = reason.strip()[:500]
    case.decided_by_id = user_id
    case.decided_at = utcnow()
    db.session.flush()
    record_audit(AuditAction.dismissal_decided(decision), case, before=before, after=snapshot(case, CASE_FIELDS),
                 reason=case.decision_reason, actor_id=user_id)


@dataclass(frozen=True)
class DismissalConsequence:
    """What a dismissal would do, shown before it is confirmed: nothing is written to work it out."""

    case: DismissalCase
    agreement: Assignment
    last_day: dt.date
    # The last day the agreement holds without the dismissal (its term, or an earlier end already set).
    would_have_run_to: dt.date
    other_flags: int
    fill_round: Round | None

    @property
    def slot_free_from(self) -> dt.date:
        return self.last_day + dt.timedelta(days=1)


def dismissal_consequence(case: DismissalCase, last_day: dt.date) -> DismissalConsequence:
    """Check a dismissal's rules and say what it would do (the agreement's end, the slot freed); no write."""
    if not case.state.may_become(DismissalState.DISMISSED):
        raise RefusedError(_("This flag was already decided."))
    agreement = case.assignment
    if not agreement.term_start <= last_day <= agreement.last_day:
        raise RefusedError(_("The last day must fall within the agreement (%(first)s to %(last)s).",
                             first=agreement.term_start.isoformat(), last=agreement.last_day.isoformat()),
                           field="last_day")
    try:
        # The days the agreement loses must not be in a month already closed for payment.
        ensure_no_closed_month(agreement.post.village.township_id, last_day + dt.timedelta(days=1), agreement.last_day)
    except ClosedMonthError as exc:
        raise RefusedError(str(exc), field="last_day") from None
    others = db.session.scalar(select(func.count(DismissalCase.id)).where(
        DismissalCase.assignment_id == agreement.id, DismissalCase.decision.is_(None), DismissalCase.id != case.id)) or 0
    return DismissalConsequence(case=case, agreement=agreement, last_day=last_day,
                                would_have_run_to=agreement.last_day, other_flags=int(others),
                                fill_round=fill_round(last_day + dt.timedelta(days=1)))


def dismiss(case: DismissalCase, reason: str, last_day: dt.date, user_id: int | None) -> None:
    """Dismiss the holder: the agreement ends on last_day (inclusive), end_reason 'dismissed'.

    The case keeps how the agreement ended before, so the office can undo the dismissal.
    """
    dismissal_consequence(case, last_day)
    agreement = case.assignment
    before = snapshot(agreement, ASSIGNMENT_FIELDS)
    case.prior_ended_on = agreement.ended_on
    case.prior_end_reason = agreement.end_reason
    case.prior_end_note = agreement.end_note
    agreement.ended_on = last_day
    agreement.end_reason = EndReason.DISMISSED
    agreement.end_note = reason.strip()[:500]
    db.session.flush()
    record_audit(AuditAction.ASSIGNMENT_DISMISS, agreement, before=before, after=snapshot(agreement, ASSIGNMENT_FIELDS),
                 reason=agreement.end_note, actor_id=user_id)
    _decide(case, DismissalState.DISMISSED, reason, user_id)
    # The other open flags on the same agreement are settled by the same decision (and undone with it).
    for other in db.session.scalars(select(DismissalCase).where(
            DismissalCase.assignment_id == agreement.id, DismissalCase.decision.is_(None))):
        other.dismissed_with_id = case.id
        _decide(other, DismissalState.DISMISSED, _("Dismissed on flag %(id)d: %(reason)s", id=case.id, reason=reason), user_id)


def fills_approved_since(case: DismissalCase) -> list[AllocationRun]:
    """Mid-year fills of the dismissed holder's post approved since the dismissal (they took the freed slot)."""
    assert case.decided_at is not None
    return list(db.session.scalars(
        select(AllocationRun).where(AllocationRun.kind == RunKind.MID_YEAR, AllocationRun.post_id == case.assignment.post_id,
                                    AllocationRun.approved_at.is_not(None), AllocationRun.approved_at >= case.decided_at)
        .order_by(AllocationRun.approved_at)
    ))


def filled_since(cases: list[DismissalCase]) -> dict[int, AllocationRun]:
    """For a list of dismissals, the first fill of each one's post approved since it (one query)."""
    dismissed = [c for c in cases if c.state == DismissalState.DISMISSED and c.dismissed_with_id is None]
    posts = {c.assignment.post_id for c in dismissed}
    if not posts:
        return {}
    fills = list(db.session.scalars(
        select(AllocationRun).where(AllocationRun.kind == RunKind.MID_YEAR, AllocationRun.post_id.in_(posts),
                                    AllocationRun.approved_at.is_not(None)).order_by(AllocationRun.approved_at)))
    out = {}
    for c in dismissed:
        decided = as_utc(c.decided_at)
        for f in fills:
            if f.post_id == c.assignment.post_id and decided is not None and as_utc(f.approved_at) >= decided:
                out[c.id] = f
                break
    return out


def undo_refusals(case: DismissalCase) -> list[str]:
    """Why a dismissal cannot be undone now (empty: it can), read without writing.

    Undoing puts the holder back in the slot from the day after the dismissal to the day the
    agreement would have ended, so: no approved fill of that slot, no closed month in between,
    a slot on the post and no other post for the holder on those days.
    """
    if case.state != DismissalState.DISMISSED:
        return [_("Only a dismissal can be undone; this flag is “%(state)s”.", state=case.state.label)]
    if case.dismissed_with_id is not None:
        return [_("This flag was settled by the dismissal on flag %(id)d: undo that one.", id=case.dismissed_with_id)]
    agreement = case.assignment
    if agreement.end_reason != EndReason.DISMISSED or agreement.ended_on is None:
        return [_("The agreement no longer ends by this dismissal, so there is nothing to undo.")]
    fills = fills_approved_since(case)
    if fills:
        names = _placed_names(fills)
        return [_("Not undone: the freed slot was filled by the mid-year fill %(fills)s, approved on %(day)s (%(names)s). "
                  "A dismissal can be undone only while no fill of its slot is approved.",
                  fills="、".join(f"#{f.id}" for f in fills), day=_district_day(fills[0].approved_at).isoformat(),
                  names="、".join(names) or "—")]
    first = agreement.ended_on + dt.timedelta(days=1)
    last = case.prior_ended_on or agreement.term_end
    if last < first:
        return []
    closed = first_closed_month(agreement.post.village.township_id, first, last)
    if closed is not None:
        return [_("Not undone: %(message)s Undoing would put %(name)s back on its sheet from %(day)s.",
                  message=closed_month_message(agreement.post.village.township_id, *closed),
                  name=agreement.person.name, day=first.isoformat())]
    problems = []
    others = db.session.execute(
        select(Assignment, Person.name, Post.code).join(Person, Person.id == Assignment.person_id)
        .join(Post, Post.id == Assignment.post_id)
        .where(Assignment.id != agreement.id, Assignment.overlaps_clause(first, last),
               (Assignment.post_id == agreement.post_id) | (Assignment.person_id == agreement.person_id))
    ).all()
    elsewhere = [(code, a) for a, _name, code in others if a.person_id == agreement.person_id]
    if elsewhere:
        code, a = elsewhere[0]
        problems.append(_("Not undone: %(name)s holds post %(code)s from %(day)s; one person holds one post.",
                          name=agreement.person.name, code=code, day=max(a.term_start, first).isoformat()))
    same_post = [a for a, _name, _code in others if a.post_id == agreement.post_id and a.person_id != agreement.person_id]
    full = _first_full_day(same_post, agreement.post.slots, first, last)
    if full is not None:
        holders = "、".join(name for a, name, _code in others if a.post_id == agreement.post_id and a.in_force_on(full))
        problems.append(_("Not undone: every slot of post %(code)s is held on %(day)s (%(names)s).",
                          code=agreement.post.code, day=full.isoformat(), names=holders))
    return problems


def _first_full_day(held: list[Assignment], slots: int, first: dt.date, last: dt.date) -> dt.date | None:
    """The first day in [first, last] on which the other agreements hold every slot of the post."""
    if len(held) < slots:
        return None
    # The count of holders only changes where an agreement starts: check those days and the first.
    for day in sorted({first} | {a.term_start for a in held if first <= a.term_start <= last}):
        if sum(1 for a in held if a.in_force_on(day)) >= slots:
            return day
    return None


def _district_day(moment: dt.datetime | None) -> dt.date:
    stamp = as_utc(moment)
    assert stamp is not None
    return stamp.astimezone(district_zone()).date()


def _placed_names(fills: list[AllocationRun]) -> list[str]:
    ids = [key_id(entry["candidate"]) for f in fills for entry in (f.result or {}).get("assignments", [])]
    if not ids:
        return []
    names = dict(db.session.execute(select(Person.id, Person.name).where(Person.id.in_(ids))).all())
    return [names[i] for i in ids if i in names]


def undo_dismissal(case: DismissalCase, reason: str, user_id: int | None) -> None:
    """Undo a dismissal (the office): the agreement ends as it did before and its flags are open again."""
    require_step(case, DismissalState.OPEN)
    why = reason.strip()[:500]
    if not why:
        raise RefusedError(_("Give the reason for undoing the dismissal."), field="reason")
    refusals = undo_refusals(case)
    if refusals:
        raise RefusedError(*refusals)
    agreement = case.assignment
    before = {"agreement": snapshot(agreement, ASSIGNMENT_FIELDS), "case": snapshot(case, CASE_FIELDS)}
    agreement.ended_on = case.prior_ended_on
    agreement.end_reason = case.prior_end_reason
    agreement.end_note = case.prior_end_note
    settled = list(db.session.scalars(select(DismissalCase).where(DismissalCase.dismissed_with_id == case.id)))
    reopened = []
    for c in [case, *settled]:
        reopened.append((c.id, snapshot(c, CASE_FIELDS)))
        c.decision = None
        c.decision_reason = None
        c.decided_by_id = None
        c.decided_at = None
        c.prior_ended_on = c.prior_end_reason = c.prior_end_note = None
        c.dismissed_with_id = None
    db.session.flush()
    record_audit(AuditAction.DISMISSAL_UNDONE, case, before=before,
                 after={"agreement": snapshot(agreement, ASSIGNMENT_FIELDS), "case": snapshot(case, CASE_FIELDS),
                        "reopened": [cid for cid, _b in reopened]}, reason=why, actor_id=user_id)
    record_audits([{"action": AuditAction.DISMISSAL_UNDONE, "entity_type": DismissalCase.__tablename__, "entity_id": c.id,
                    "before": b, "after": snapshot(c, CASE_FIELDS), "reason": why}
                   for (cid, b), c in zip(reopened[1:], settled)], actor_id=user_id)


def clear(case: DismissalCase, reason: str, user_id: int | None) -> None:
    """Clear a flag with a reason; it is not raised again for the same rule and period."""
    if not case.state.may_become(DismissalState.CLEARED):
        raise RefusedError(_("This flag was already decided."))
    _decide(case, DismissalState.CLEARED, reason, user_id)


# -- mid-year fill from the waiting list ---------------------------------------------------

def fill_round(day: dt.date) -> Round | None:
    """The round whose waiting list fills freed slots: the latest approved round whose term covers day."""
    return db.session.scalar(
        select(Round).where(Round.state.in_(ROUND_AGREED), Round.term_start <= day, Round.term_end > day)
        .order_by(Round.term_start.desc(), Round.id.desc()).limit(1)
    )


def posts_with_free_slots(day: dt.date, township_id: int | None = None) -> list[tuple[Post, int]]:
    """Active posts with a slot not held on day, and how many (three queries for a county's 800 posts)."""
    held = held_slots(day)
    stmt = (select(Post).where(Post.active, Post.slots > 0).order_by(Post.code)
            .options(selectinload(Post.village).selectinload(Village.township)))
    if township_id is not None:
        stmt = stmt.join(Village, Village.id == Post.village_id).where(Village.township_id == township_id)
    posts = db.session.scalars(stmt)
    return [(post, n) for post in posts if (n := free_slots(post, day, held))]


def start_fill(post: Post, day: dt.date, user_id: int | None):  # type: ignore[no-untyped-def]
    """Run the matcher for a post's free slots on day from the latest round's waiting list."""
    rnd = fill_round(day)
    if rnd is None:
        raise RefusedError(_("No approved round covers %(day)s, so there is no waiting list to fill from.",
                             day=day.isoformat()))
    return run_fill(rnd, post, day, user_id=user_id)


def approve_fill(run, day: dt.date, user_id: int | None) -> list[Assignment]:  # type: ignore[no-untyped-def]
    """Create the mid-year agreements of a fill run (origin 'mid_year'), from its day to the round's term end."""
    if run.kind != RunKind.MID_YEAR:
        raise RefusedError(_("That run is not a mid-year fill."))
    if run.approved_at is not None:
        raise RefusedError(_("This fill was already approved."))
    start = dt.date.fromisoformat(run.problem["reference_date"])
    post = run.post
    if free_slots(post, start) < len(run.result["assignments"]):
        raise RefusedError(_("Post %(code)s no longer has the free slots this fill was run for; run it again.",
                             code=post.code))
    rnd = run.round
    if start >= rnd.term_end:
        raise RefusedError(_("The round's term ends on %(day)s; a fill must start before that.",
                             day=rnd.term_end.isoformat()))
    try:
        # A fill run before a month closed and approved after would add a holder to its paid sheet.
        ensure_no_closed_month(post.village.township_id, start, rnd.term_end)
    except ClosedMonthError as exc:
        raise RefusedError(str(exc)) from None
    created = []
    for entry in run.result["assignments"]:
        person_id = key_id(entry["candidate"])
        if db.session.scalar(select(Assignment.id).where(Assignment.person_id == person_id,
                                                         Assignment.in_force_on_clause(start))):
            raise RefusedError(_("%(name)s has taken another post since this fill was run; run it again.",
                                 name=db.session.get(Person, person_id).name))
        agreement = Assignment(person_id=person_id, post_id=post.id, term_start=start, term_end=rnd.term_end,
                               origin=Origin.MID_YEAR, round_id=rnd.id)
        db.session.add(agreement)
        db.session.flush()
        record_audit(AuditAction.ASSIGNMENT_CREATE, agreement, after=snapshot(agreement, ASSIGNMENT_FIELDS), actor_id=user_id)
        created.append(agreement)
    run.approved_at = utcnow()
    run.approved_by_id = user_id
    db.session.flush()
    record_audit(AuditAction.MID_YEAR_APPROVE, run, after={"post_id": post.id, "created": [a.id for a in created]}, actor_id=user_id)
    return created
