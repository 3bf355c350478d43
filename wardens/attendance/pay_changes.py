"""Which open months a change of pay alters, and the confirmation it asks for when one is submitted.

A settings change (admin: the deduction from an effective month) and a post's edit (registry:
its standard, required days or township) change what open township-months pay: those still
being recorded and those the township already submitted to the office. Closed months never
change (their sheets are snapshots). Both pages use the one mechanism here: the change's
`PayChange` lists the months it alters (`AlteredMonth`, with the holders whose pay moves when
known); when one of them is submitted the page asks to confirm, and the confirmation carries
a token naming exactly this change and these months, so anything else asks again
(docs/domain.md, Settings and "A post's pay").
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import extract, select
from sqlalchemy.orm import selectinload

from ..dates import add_months
from ..errors import Refusal
from ..extensions import db
from ..models import Assignment, AttendanceMonth, AttendanceRecord, MonthState, Post, Status, Township, Village
from .subsidy import holder_months_over


@dataclass(frozen=True)
class AlteredMonth:
    """An open township-month whose pay the change alters (holders: whose pay moves, when known)."""

    township_id: int
    township: str
    year: int
    month: int
    state: MonthState
    holders: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.township_id}:{self.year:04d}-{self.month:02d}"

    @property
    def submitted(self) -> bool:
        return self.state == MonthState.SUBMITTED

    @property
    def month_text(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


@dataclass
class PayChange:
    """A change of pay: what it is (subject, any JSON-able value) and the open months it alters."""

    subject: Any
    altered: list[AlteredMonth] = field(default_factory=list)

    @property
    def submitted(self) -> list[AlteredMonth]:
        return [m for m in self.altered if m.submitted]

    @property
    def token(self) -> str:
        """Names exactly what is confirmed: the change and the submitted months (with their holders) it alters."""
        text = json.dumps([self.subject, [[m.key, list(m.holders)] for m in self.submitted]], sort_keys=True,
                          default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:20]

    def needs_confirmation(self, confirmed: str | None) -> bool:
        """True when a submitted month would change and this very change was not confirmed."""
        return bool(self.submitted) and (confirmed or "") != self.token

    def refuse_unconfirmed(self, confirmed: str | None, *, field: str) -> None:
        """Refuse (by the field) when a submitted month would change without this change's confirmation.

        The operation's own check: the page asked first, but the months may have moved since it
        showed them, or the post may not come from the page at all.
        """
        if self.needs_confirmation(confirmed):
            raise Refusal(_("The months this change alters are not the ones you confirmed: look at the list again."),
                          field=field)


def months_text(months: list[AlteredMonth]) -> str:
    """The months in the reader's words: township, month and state each."""
    return "、".join(_("%(township)s %(month)s (%(state)s)", township=m.township, month=m.month_text,
                        state=m.state.label) for m in months)


def _month_key(year_col: Any, month_col: Any) -> Any:
    return year_col * 100 + month_col


def months_a_deduction_change_alters(
    first: dt.date, until: dt.date | None
) -> tuple[list[AlteredMonth], list[tuple[int, int, list[str]]]]:
    """Open township-months from first (until a later version) whose pay a new deduction changes, and the closed ones.

    The deduction changes a month's pay only where a day is recorded 旷工: a month without one
    pays the same under any deduction, so it is not listed (and does not ask to confirm).
    """
    names = dict(db.session.execute(select(Township.id, Township.name)).all())
    span = [_month_key(AttendanceMonth.year, AttendanceMonth.month) >= first.year * 100 + first.month]
    if until is not None:
        span.append(_month_key(AttendanceMonth.year, AttendanceMonth.month) < until.year * 100 + until.month)
    states: dict[tuple[int, int, int], MonthState] = {
        (tid, y, m): state
        for tid, y, m, state in db.session.execute(
            select(AttendanceMonth.township_id, AttendanceMonth.year, AttendanceMonth.month, AttendanceMonth.state)
            .where(*span)
        )
    }
    # Months being recorded have no row until they are submitted: their 旷工 records say they exist.
    year, month = extract("year", AttendanceRecord.day), extract("month", AttendanceRecord.day)
    stmt = (
        select(Village.township_id, year, month)
        .select_from(AttendanceRecord)
        .join(Assignment, Assignment.id == AttendanceRecord.assignment_id)
        .join(Post, Post.id == Assignment.post_id)
        .join(Village, Village.id == Post.village_id)
        .where(AttendanceRecord.day >= first, AttendanceRecord.status == Status.ABSENT.value)
        .group_by(Village.township_id, year, month)
    )
    if until is not None:
        stmt = stmt.where(AttendanceRecord.day < until)
    recorded = {(tid, int(y), int(m)) for tid, y, m in db.session.execute(stmt)}
    altered = []
    closed: dict[tuple[int, int], list[str]] = {}
    closed_keys = {k for k, state in states.items() if state == MonthState.CLOSED}
    for key in sorted(recorded | closed_keys, key=lambda k: (k[1], k[2], names.get(k[0], ""))):
        state = states.get(key, MonthState.RECORDING)
        tid, y, m = key
        if state == MonthState.CLOSED:
            closed.setdefault((y, m), []).append(names.get(tid, ""))
        else:
            altered.append(AlteredMonth(tid, names.get(tid, ""), y, m, state))
    return altered, [(y, m, sorted(towns)) for (y, m), towns in sorted(closed.items())]


def _term_months(assignment: Assignment, last: tuple[int, int]) -> list[tuple[int, int]]:
    """The months an agreement has days in, up to last."""
    ym = (assignment.term_start.year, assignment.term_start.month)
    end = min((assignment.last_day.year, assignment.last_day.month), last)
    months = []
    while ym <= end:
        months.append(ym)
        ym = add_months(*ym, 1)
    return months


def months_a_post_change_alters(post: Post, *, standard: Decimal, required_days: int, township_id: int,
                                today: dt.date) -> list[AlteredMonth]:
    """The open township-months whose sheet a post's new standard, required days or township alters.

    A new standard or required days alters a month where one of the post's holders is paid
    differently by THE formula (`holder_months_over`, once as the post is and once with the new
    numbers: a holder paid in full either way, or nothing either way, is not listed). A move to
    another township takes the holders' rows off the one township's sheet and onto the other's,
    so every open month they have days in is altered in both. Months up to the current one
    (district's date): a later month has no sheet yet. Closed months are never altered.
    """
    from_id = post.village.township_id
    moved = township_id != from_id
    repaid = Decimal(standard) != Decimal(post.monthly_subsidy) or int(required_days) != int(post.required_days)
    if not (moved or repaid):
        return []
    current = (today.year, today.month)
    assignments = list(db.session.scalars(
        select(Assignment).where(Assignment.post_id == post.id, Assignment.term_start < dt.date(*add_months(*current, 1), 1))
        .options(selectinload(Assignment.person)).order_by(Assignment.term_start, Assignment.id)
    ))
    months = {a.id: _term_months(a, current) for a in assignments}
    first = min((ms[0] for ms in months.values() if ms), default=None)
    if first is None:
        return []
    townships = {from_id, township_id}
    states: dict[tuple[int, int, int], MonthState] = {
        (tid, y, m): state for tid, y, m, state in db.session.execute(
            select(AttendanceMonth.township_id, AttendanceMonth.year, AttendanceMonth.month, AttendanceMonth.state)
            .where(AttendanceMonth.township_id.in_(townships),
                   _month_key(AttendanceMonth.year, AttendanceMonth.month) >= first[0] * 100 + first[1]))
    }
    wanted = [(a, y, m) for a in assignments for y, m in months[a.id]
              if all(states.get((tid, y, m)) != MonthState.CLOSED for tid in townships)]
    holders: dict[tuple[int, int, int], list[str]] = {}
    if moved:
        for a, y, m in wanted:
            for tid in (from_id, township_id):
                holders.setdefault((tid, y, m), []).append(a.person.name)
    else:
        now = holder_months_over(wanted)
        new = holder_months_over(wanted, posts={post.id: (Decimal(standard), int(required_days))})
        for (a, y, m), before, after in zip(wanted, now, new):
            if before.subsidy != after.subsidy:
                holders.setdefault((from_id, y, m), []).append(a.person.name)
    names = dict(db.session.execute(select(Township.id, Township.name).where(Township.id.in_(townships))).all())
    return [
        AlteredMonth(tid, names.get(tid, ""), y, m, states.get((tid, y, m), MonthState.RECORDING),
                     tuple(dict.fromkeys(people)))
        for (tid, y, m), people in sorted(holders.items(), key=lambda kv: (kv[0][1], kv[0][2], names.get(kv[0][0], "")))
    ]


__all__ = [
    "AlteredMonth",
    "PayChange",
    "months_a_deduction_change_alters",
    "months_a_post_change_alters",
    "months_text",
]
