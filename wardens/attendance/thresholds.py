"""Holders whose attendance crosses the dismissal-review thresholds (flags for review, never automatic).

Two rules, both settings (docs/domain.md, "Dismissal"):
- absent_days: dismissal_absent_days or more unexcused days (旷工) in one month — the month
  of the given day or any of the dismissal_rate_months months before it;
- low_rate: attendance rate under dismissal_rate in each of the dismissal_rate_months complete
  months before the given day's month. A month counts only if the holder's term covers part
  of it and at least one of its days was recorded (an unrecorded month is the township's gap,
  not evidence against the holder). The rate is the sheet's: present ÷ effective required days.

Each month is judged by the settings version in force for it (its own absent-days limit);
the run of months and its rate are those in force on the day of the review.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from ..dates import add_months, month_bounds
from ..extensions import db
from ..models import Assignment, AttendanceRecord, Person, Post, Status, Village, settings_for_month, settings_on
from ..models.enums import DismissalRule
from .subsidy import HolderMonth, holder_months


@dataclass
class ThresholdHit:
    assignment: Assignment
    rule: str  # 'absent_days' or 'low_rate'
    period: str  # '2026-10', or '2026-08..2026-10' for a run of months
    evidence: str


def _period(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def absences_recorded(months: list[tuple[int, int]]) -> dict[tuple[int, int, int], int]:
    """Unexcused absences recorded per holder per month over these months: (agreement, year, month) -> n.

    One grouped count of the absent records alone (the day index holds the status).
    """
    first, last = month_bounds(*min(months))[0], month_bounds(*max(months))[1]
    year, month = func.extract("year", AttendanceRecord.day), func.extract("month", AttendanceRecord.day)
    return {(aid, int(y), int(m)): n for aid, y, m, n in db.session.execute(
        select(AttendanceRecord.assignment_id, year, month, func.count())
        .where(AttendanceRecord.status == Status.ABSENT.value, AttendanceRecord.day.between(first, last))
        .group_by(AttendanceRecord.assignment_id, year, month))}


def holders_crossing_thresholds(day: dt.date, township_id: int | None = None) -> list[ThresholdHit]:
    """Holders in force on day (optionally in one township) that cross a dismissal-review threshold."""
    settings = settings_on(day)
    limit_rate = Decimal(settings.dismissal_rate)
    months_back = settings.dismissal_rate_months

    stmt = (
        select(Assignment)
        .join(Post, Post.id == Assignment.post_id)
        .join(Village, Village.id == Post.village_id)
        .where(Assignment.in_force_on_clause(day))
        .options(joinedload(Assignment.post).joinedload(Post.village).joinedload(Village.township))
        .order_by(Village.township_id, Village.name, Post.code, Assignment.id)
    )
    if township_id is not None:
        stmt = stmt.where(Village.township_id == township_id)
    holders = list(db.session.scalars(stmt).unique())
    if not holders:
        return []

    # Months newest first: the day's own month, then the complete months before it.
    months = [add_months(day.year, day.month, -i) for i in range(months_back + 1)]
    limit_days = {ym: settings_for_month(*ym).dismissal_absent_days for ym in months}

    # Each month is worked out only for the holders who may cross a limit in it (a county's
    # 1,200 holders × 4 months worked out whole were most of the overview's time): the newest
    # complete month for everyone (the low-rate rule needs all of them below the rate, so a
    # holder above it in that month cannot cross it), and every month for the holders with as
    # many absences recorded in some month as its limit (a count of their records, at least
    # what the month's sheet counts).
    per_month: dict[tuple[int, int], dict[int, HolderMonth]] = {}
    maybe_low_rate: set[int] = set()
    if months_back:
        newest = months[1]
        per_month[newest] = {hm.assignment_id: hm for hm in holder_months(holders, *newest, with_days=False)}
        maybe_low_rate = {aid for aid, hm in per_month[newest].items()
                          if hm.term_days and hm.recorded_days and Decimal(str(hm.rate)) < limit_rate}
    held = {a.id for a in holders}
    maybe_absent = {aid for (aid, y, m), n in absences_recorded(months).items()
                    if aid in held and n >= limit_days[(y, m)]}
    some = [a for a in holders if a.id in maybe_low_rate | maybe_absent]
    for ym in months:
        if ym not in per_month:
            per_month[ym] = {hm.assignment_id: hm for hm in holder_months(some, *ym, with_days=False)}

    hits: list[ThresholdHit] = []
    for a in holders:
        for ym in months:
            hm = per_month[ym].get(a.id)
            if hm is not None and hm.term_days and hm.absent_days >= limit_days[ym]:
                hits.append(ThresholdHit(a, DismissalRule.ABSENT_DAYS, _period(*ym), _(
                    "%(period)s: %(n)d days of unexcused absence (review from %(limit)d).",
                    period=_period(*ym), n=hm.absent_days, limit=limit_days[ym],
                )))
                break
        if a.id not in maybe_low_rate:
            continue
        complete = [per_month[ym][a.id] for ym in months[1:]]
        if all(hm.term_days and hm.recorded_days for hm in complete) and all(
            Decimal(str(hm.rate)) < limit_rate for hm in complete
        ):
            oldest, newest = months[-1], months[1]
            limit_text = f"{limit_rate:.0%}"
            rates = "、".join(f"{_period(hm.year, hm.month)} {hm.rate:.0%}" for hm in reversed(complete))
            hits.append(ThresholdHit(a, DismissalRule.LOW_RATE, f"{_period(*oldest)}..{_period(*newest)}", _(
                "Attendance under %(limit)s for %(n)d months running: %(rates)s.",
                limit=limit_text, n=months_back, rates=rates,
            )))
    # The people of the hits only (a county's 1,200 holders have a hundred or so), in one query,
    # set on each hit's assignment so that showing a hit's name needs no query of its own.
    if hits:
        people = {p.id: p for p in db.session.scalars(
            select(Person).where(Person.id.in_({h.assignment.person_id for h in hits})))}
        for h in hits:
            set_committed_value(h.assignment, "person", people[h.assignment.person_id])
    return hits
