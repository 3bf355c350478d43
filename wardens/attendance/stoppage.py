"""停工 (work stopped by flood or road closure) in two steps, and its undo as one action.

`plan_stoppage` is the preview: every holder-day in force in the place and range, which of
them are already recorded and with what, and a fingerprint of all of it; it writes nothing.
`declare_stoppage` writes exactly the previewed days (refused when the fingerprint moved)
and keeps, per day it changed, the record it replaced (`StoppageDay`). `undo_stoppage`
writes those records back (or removes the day when there was none), with an
AttendanceChange per day like every attendance change; refused when a month it touches is
closed or a day was changed after the stoppage. Every write is a bounded set of statements.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import and_, delete, exists, insert, select

from ..audit import AuditAction, record_audit
from ..dates import utcnow
from ..errors import Refusal
from ..extensions import db
from ..models import (
    Assignment,
    AttendanceChange,
    AttendanceRecord,
    Person,
    Post,
    Status,
    Stoppage,
    StoppageDay,
    StoppageState,
    User,
    Village,
)
from ..models.enums import require_step
from ..models.months import ClosedMonthError, closed_month_message, first_closed_month
from .months import ensure_months_open
from .operations import NOTE_MAX, REASON_MAX, AttendanceError, RecordWrite, check_not_future, existing_records, write_records

# Rows per INSERT into stoppage_day (7 columns a row): well under SQLite's bound-parameter limit.
DAY_CHUNK = 2000
# How many changed holder-days a refused undo names before "and N more".
NAMED_DAYS = 12


class StoppageChangedError(Refusal):
    """The place's records moved between the preview and the confirmation: nothing was written."""


@dataclass(frozen=True)
class HolderDay:
    """One holder-day of a preview, as it is stored now (status None: not recorded)."""

    assignment_id: int
    name: str
    post_code: str
    day: dt.date
    status: str | None


@dataclass
class StoppagePlan:
    """What a 停工 would write: N holder-days, M of them already recorded (with their statuses)."""

    township_id: int
    village_id: int | None
    first: dt.date
    last: dt.date
    note: str
    holders: int
    writes: list[RecordWrite]
    recorded: list[HolderDay]
    fingerprint: str
    by_status: dict[str, int] = field(default_factory=dict)

    @property
    def holder_days(self) -> int:
        return len(self.writes)

    @property
    def recorded_by_holder(self) -> list[tuple[str, str, list[HolderDay]]]:
        """The recorded days grouped by holder, in the preview's order."""
        groups: dict[int, tuple[str, str, list[HolderDay]]] = {}
        for d in self.recorded:
            groups.setdefault(d.assignment_id, (d.name, d.post_code, []))[2].append(d)
        return list(groups.values())


def _check_request(first: dt.date, last: dt.date, reason: str, today: dt.date) -> str:
    if last < first:
        raise AttendanceError([_("The last day is before the first day.")])
    check_not_future(last, today)
    if not reason.strip():
        raise AttendanceError([_("Give the reason for the stoppage (flood, road closure ...).")])
    return reason.strip()[:NOTE_MAX]


def plan_stoppage(*, township_id: int, village_id: int | None, first: dt.date, last: dt.date, reason: str,
                  today: dt.date) -> StoppagePlan:
    """The preview of a 停工: every holder-day it would mark and what each holds now; writes nothing.

    Refused (like the declaration) for a bad range, a future day, no reason or a closed month.
    """
    note = _check_request(first, last, reason, today)
    closed = first_closed_month(township_id, first, last)
    if closed is not None:
        raise ClosedMonthError(closed_month_message(township_id, *closed))
    stmt = (
        select(Assignment.id, Assignment.term_start, Assignment.term_end, Assignment.ended_on, Person.name, Post.code)
        .join(Person, Person.id == Assignment.person_id)
        .join(Post, Post.id == Assignment.post_id)
        .join(Village, Village.id == Post.village_id)
        .where(Village.township_id == township_id, Assignment.overlaps_clause(first, last))
        .order_by(Village.name, Post.code, Assignment.id)
    )
    if village_id is not None:
        stmt = stmt.where(Village.id == village_id)
    holders = db.session.execute(stmt).all()
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    current = existing_records([h.id for h in holders], days)
    writes: list[RecordWrite] = []
    recorded: list[HolderDay] = []
    digest = hashlib.sha256(f"{township_id}:{village_id}:{first}:{last}:{note};".encode())
    for h in holders:
        last_day = h.ended_on if h.ended_on is not None else h.term_end
        for d in days:
            if not h.term_start <= d <= last_day:
                continue
            old = current.get((h.id, d))
            writes.append(RecordWrite(h.id, d, Status.STOPPED.value, note, False, old))
            digest.update(f"{h.id}:{d.isoformat()}:{old.version if old else 0};".encode())
            if old is not None:
                recorded.append(HolderDay(h.id, h.name, h.code, d, old.status))
    counts = Counter(r.status for r in recorded if r.status)
    return StoppagePlan(township_id=township_id, village_id=village_id, first=first, last=last, note=note,
                        holders=len({w.assignment_id for w in writes}), writes=writes, recorded=recorded,
                        fingerprint=digest.hexdigest(), by_status={s.value: counts[s.value] for s in Status if counts[s.value]})


def declare_stoppage(*, township_id: int, village_id: int | None, first: dt.date, last: dt.date, reason: str,
                     fingerprint: str, user: User, today: dt.date,
                     declared_at: dt.datetime | None = None) -> tuple[Stoppage, int]:
    """Write the previewed 停工: every holder-day of the preview becomes 停工, in one action.

    The months are locked first, then the preview is made again under the lock: when its
    fingerprint is not the one confirmed (a record, a holder or the range moved), nothing
    is written. Each day changed keeps the record it replaced, so the office can undo it.
    declared_at is for the demo's history (default: now), as close_month's closed_at.
    """
    _check_request(first, last, reason, today)
    ensure_months_open(township_id, first, last)
    plan = plan_stoppage(township_id=township_id, village_id=village_id, first=first, last=last, reason=reason,
                         today=today)
    if plan.fingerprint != fingerprint:
        raise StoppageChangedError(_(
            "Nothing was written: the records of %(first)s to %(last)s changed after the preview. "
            "Check the new preview below and confirm again.", first=first.isoformat(), last=last.isoformat()))
    changed = [w for w in plan.writes if w.changes_anything]
    stoppage = Stoppage(
        township_id=None if village_id else township_id,
        village_id=village_id,
        first_day=first,
        last_day=last,
        reason=plan.note,
        declared_by_id=user.id,
        declared_at=declared_at or utcnow(),
        holder_days=len(changed),
        state=StoppageState.DECLARED,
    )
    db.session.add(stoppage)
    db.session.flush()
    n = write_records(changed, reason=_("Work stopped: %(reason)s", reason=plan.note), user_id=user.id,
                      at=declared_at)
    rows = [
        {
            "stoppage_id": stoppage.id,
            "assignment_id": w.assignment_id,
            "day": w.day,
            "previous_status": w.old.status if w.old else None,
            "previous_note": w.old.note if w.old else None,
            "previous_certificate": bool(w.old.certificate) if w.old else False,
            "previous_version": w.old.version if w.old else 0,
        }
        for w in changed
    ]
    connection = db.session.connection()
    for i in range(0, len(rows), DAY_CHUNK):
        connection.execute(insert(StoppageDay.__table__), rows[i : i + DAY_CHUNK])
    record_audit(AuditAction.STOPPAGE_DECLARE, stoppage,
                 after={"first_day": first, "last_day": last, "village_id": village_id, "township_id": township_id,
                        "holder_days": n, "previewed_days": plan.holder_days, "already_recorded": plan.by_status},
                 reason=plan.note, actor_id=user.id)
    return stoppage, n


def stoppage_township_id(stoppage: Stoppage) -> int:
    """The township a stoppage is in (its own, or its village's)."""
    if stoppage.township_id is not None:
        return stoppage.township_id
    assert stoppage.village is not None
    return stoppage.village.township_id


@dataclass
class UndoPlan:
    """What undoing a stoppage would do, read in a few queries."""

    restore: list[RecordWrite]
    remove: list[tuple[int, dt.date]]
    changed_after: list[HolderDay]
    by_previous: dict[str, int]
    # How many holder-days the stoppage kept (0: it kept nothing to give back, e.g. an older demo's).
    kept: int = 0
    # Why the undo is refused now because a month it touches is closed (None: none is).
    closed: str | None = None

    @property
    def holder_days(self) -> int:
        return len(self.restore) + len(self.remove)


def plan_undo(stoppage: Stoppage) -> UndoPlan:
    """Which days an undo writes back, which it removes, and which were changed after the stoppage."""
    kept = db.session.execute(
        select(StoppageDay, Person.name, Post.code)
        .join(Assignment, Assignment.id == StoppageDay.assignment_id)
        .join(Person, Person.id == Assignment.person_id)
        .join(Post, Post.id == Assignment.post_id)
        .where(StoppageDay.stoppage_id == stoppage.id)
        .order_by(Post.code, StoppageDay.assignment_id, StoppageDay.day)
    ).all()
    current = existing_records([k.StoppageDay.assignment_id for k in kept], [k.StoppageDay.day for k in kept])
    restore: list[RecordWrite] = []
    remove: list[tuple[int, dt.date]] = []
    changed_after: list[HolderDay] = []
    counts: Counter[str] = Counter()
    for k in kept:
        sd = k.StoppageDay
        now = current.get((sd.assignment_id, sd.day))
        # Changed after the stoppage: the day no longer holds what the stoppage wrote.
        if now is None or (now.status, now.note or None, now.certificate) != (Status.STOPPED.value, stoppage.reason, False):
            changed_after.append(HolderDay(sd.assignment_id, k.name, k.code, sd.day, now.status if now else None))
            continue
        if sd.previous_version == 0:
            remove.append((sd.assignment_id, sd.day))
            counts[""] += 1
        else:
            assert sd.previous_status is not None
            restore.append(RecordWrite(sd.assignment_id, sd.day, sd.previous_status, sd.previous_note,
                                       sd.previous_certificate, now))
            counts[sd.previous_status] += 1
    township_id = stoppage_township_id(stoppage)
    closed = first_closed_month(township_id, stoppage.first_day, stoppage.last_day)
    return UndoPlan(restore=restore, remove=remove, changed_after=changed_after, by_previous=dict(counts), kept=len(kept),
                    closed=closed_month_message(township_id, *closed) if closed is not None else None)


def _named(days: list[HolderDay]) -> str:
    shown = [_("%(name)s（%(code)s）on %(day)s", name=d.name, code=d.post_code, day=d.day.isoformat())
             for d in days[:NAMED_DAYS]]
    text = "、".join(shown)
    if len(days) > NAMED_DAYS:
        text += _(" and %(n)d more", n=len(days) - NAMED_DAYS)
    return text


def undo_stoppage(stoppage: Stoppage, *, reason: str, user: User) -> int:
    """Undo a 停工 as one action: each day it wrote gets back the record it replaced (or none).

    Refused when a month it touches is closed, or when any of its days was changed after it
    (the message names them): then nothing is written. Returns the holder-days given back.
    """
    require_step(stoppage, StoppageState.UNDONE)
    why = reason.strip()[:REASON_MAX]
    if not why:
        raise AttendanceError([_("Give the reason for undoing the stoppage.")])
    township_id = stoppage_township_id(stoppage)
    ensure_months_open(township_id, stoppage.first_day, stoppage.last_day)
    plan = plan_undo(stoppage)
    if not plan.kept:
        raise Refusal(_("This stoppage kept no record of what its days held before (it was declared, or loaded with "
                        "an older demo, before stoppages kept them), so it cannot be undone as one action: correct its "
                        "days on the grid."))
    if plan.changed_after:
        raise Refusal(_("Not undone: these days were changed after the stoppage, so undoing it would overwrite that "
                        "work: %(days)s. Correct them on the grid first, or leave the stoppage.",
                        days=_named(plan.changed_after)))
    history = _("Work stoppage of %(first)s to %(last)s undone: %(reason)s", first=stoppage.first_day.isoformat(),
                last=stoppage.last_day.isoformat(), reason=why)[:REASON_MAX]
    restored = write_records(plan.restore, reason=history, user_id=user.id)
    if plan.remove:
        _remove_days(stoppage, plan.remove, history, user.id)
    before = {"state": stoppage.state}
    stoppage.state = StoppageState.UNDONE
    stoppage.undone_by_id = user.id
    stoppage.undone_at = utcnow()
    stoppage.undo_reason = why
    db.session.flush()
    record_audit(AuditAction.STOPPAGE_UNDO, stoppage, before=before,
                 after={"state": stoppage.state, "restored": restored, "removed": len(plan.remove),
                        "previous_statuses": plan.by_previous}, reason=why, actor_id=user.id)
    return restored + len(plan.remove)


def _remove_days(stoppage: Stoppage, days: list[tuple[int, dt.date]], reason: str, user_id: int) -> None:
    """Delete the stoppage's days that had no record before it, in one statement, and keep their history."""
    # The days to remove are the stoppage's own rows with no previous record whose record still
    # holds the stoppage (plan_undo checked each, under the month locks).
    db.session.execute(
        delete(AttendanceRecord).where(exists(select(StoppageDay.day).where(
            StoppageDay.stoppage_id == stoppage.id, StoppageDay.previous_version == 0,
            StoppageDay.assignment_id == AttendanceRecord.assignment_id, StoppageDay.day == AttendanceRecord.day,
        ))).where(and_(AttendanceRecord.day >= stoppage.first_day, AttendanceRecord.day <= stoppage.last_day))
        .execution_options(synchronize_session=False)
    )
    now = utcnow()
    rows = [
        {"assignment_id": aid, "day": day, "old_status": Status.STOPPED.value, "new_status": None,
         "old_note": stoppage.reason, "new_note": None, "reason": reason, "changed_by_id": user_id, "changed_at": now}
        for aid, day in days
    ]
    connection = db.session.connection()
    for i in range(0, len(rows), DAY_CHUNK):
        connection.execute(insert(AttendanceChange.__table__), rows[i : i + DAY_CHUNK])


def recent_stoppages(township_id: int | None, limit: int = 50) -> list[Stoppage]:
    """The latest stoppages (a clerk's own township only), newest first."""
    stmt = select(Stoppage).outerjoin(Village, Village.id == Stoppage.village_id)
    if township_id is not None:
        stmt = stmt.where((Stoppage.township_id == township_id) | (Village.township_id == township_id))
    return list(db.session.scalars(stmt.order_by(Stoppage.declared_at.desc(), Stoppage.id.desc()).limit(limit)))


__all__ = [
    "HolderDay",
    "StoppageChangedError",
    "StoppagePlan",
    "UndoPlan",
    "declare_stoppage",
    "plan_stoppage",
    "plan_undo",
    "recent_stoppages",
    "stoppage_township_id",
    "undo_stoppage",
]
