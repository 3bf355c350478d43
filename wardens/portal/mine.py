"""What a warden may see: their own assignments, months and calendars, nothing of anyone else."""
from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..attendance.subsidy import HolderMonth, holder_months_over
from ..dates import add_months
from ..extensions import db
from ..models import Assignment, Post, Village


def my_assignments(person_id: int) -> list[Assignment]:
    """Every assignment the person ever held, newest term first, with post and place loaded."""
    return list(
        db.session.scalars(
            select(Assignment)
            .where(Assignment.person_id == person_id)
            .options(selectinload(Assignment.post).selectinload(Post.village).selectinload(Village.township))
            .order_by(Assignment.term_start.desc(), Assignment.id.desc())
        )
    )


def assignment_in_force(assignments: list[Assignment], day: dt.date) -> Assignment | None:
    """The assignment in force on the day (the latest-starting one if terms overlap)."""
    return next((a for a in assignments if a.in_force_on(day)), None)


def months_of(assignment: Assignment, today: dt.date) -> list[tuple[int, int]]:
    """The months the assignment was in force, up to this month, newest first."""
    last = min(assignment.last_day, today)
    if last < assignment.term_start:
        return []
    out = []
    year, month = assignment.term_start.year, assignment.term_start.month
    while (year, month) <= (last.year, last.month):
        out.append((year, month))
        year, month = add_months(year, month, 1)
    return out[::-1]


def assignments_in_month(assignments: list[Assignment], year: int, month: int, today: dt.date) -> list[Assignment]:
    """The person's assignments with a day in force in that month, for months not in the future."""
    return [a for a in assignments if (year, month) in months_of(a, today)]


@dataclass(frozen=True)
class TermNote:
    """What the page says after the term's dates: ended and why, or what follows it."""

    kind: str  # "ended", "ends", "next" or "" (nothing to add)
    end_reason: str | None = None
    next_start: dt.date | None = None
    next_code: str | None = None


def term_note(shown: Assignment, assignments: list[Assignment], today: dt.date) -> TermNote:
    """The note beside a term, true on every day.

    An approved round ends today's agreement on the eve of the new term and records why
    (term end, reallocated) weeks before that day: until the day has passed the holder is
    still in post, so the page says what comes next, never "(term ended)".
    """
    following = [a for a in assignments if a.term_start > shown.last_day and a.id != shown.id]
    nxt = min(following, key=lambda a: a.term_start) if following else None
    if shown.last_day < today:
        return TermNote("ended", shown.end_reason or "term_end")
    if nxt is not None and nxt.term_start == shown.last_day + dt.timedelta(days=1):
        return TermNote("next", next_start=nxt.term_start, next_code=nxt.post.code)
    if shown.ended_on is not None and shown.end_reason and shown.end_reason != "term_end":
        # Ending early (reallocated, dismissed, resigned): the dates alone would not say why.
        return TermNote("ends", shown.end_reason)
    return TermNote("")


@dataclass(frozen=True)
class CalendarDay:
    day: dt.date
    status: str | None
    in_term: bool
    future: bool


def calendar_weeks(hm: HolderMonth, today: dt.date) -> list[list[CalendarDay | None]]:
    """The month as weeks Monday to Sunday; None pads the first and last week."""
    weeks: list[list[CalendarDay | None]] = []
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(hm.year, hm.month):
        row: list[CalendarDay | None] = []
        for day in week:
            if day.month != hm.month:
                row.append(None)
            else:
                row.append(CalendarDay(day, hm.days.get(day), hm.in_term.get(day, False), day > today))
        weeks.append(row)
    return weeks


@dataclass(frozen=True)
class PastMonth:
    year: int
    month: int
    assignment: Assignment
    present_days: int
    recorded_days: int
    required_days: Decimal
    subsidy: Decimal


def past_months(assignments: list[Assignment], today: dt.date) -> list[PastMonth]:
    """Each month of each assignment up to today, newest first, with days present and subsidy."""
    # Every month of every agreement in a fixed number of queries (counts only, GROUP BY in
    # SQL: the list needs no day-by-day calendar), however long the warden has held posts.
    # Each month pays with its own settings version (read once per transaction).
    wanted = [(a, year, month) for a in assignments for year, month in months_of(a, today)]
    rows = [PastMonth(hm.year, hm.month, a, hm.present_days, hm.recorded_days, hm.required_days, hm.subsidy)
            for (a, _y, _m), hm in zip(wanted, holder_months_over(wanted))]
    rows.sort(key=lambda r: (r.year, r.month, r.assignment.term_start), reverse=True)
    return rows
