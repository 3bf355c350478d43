"""The district at a glance, as figures for the home page's charts and the tables beside them.

Four views, for the twelve months ending at a chosen month and optionally one township:
- attendance rate by township by month (present ÷ recorded working days: the overview's
  measure, not the sheet's present ÷ required days);
- subsidy payable and paid by month (payable: THE formula over each holder-month; paid:
  the months the office closed, which is when it pays);
- holders by priority group on the chosen month's last day (or today) and a year before;
- the chosen month's recording progress by township (holder-days recorded of those expected).

A closed month is never counted: its figures are the sheet stored when it closed
(`MonthSheetRow`, summed in one grouped query for the whole window, and the month's own
total), so later edits of posts or settings never change what a paid month shows. Only
open months are counted from their records. The page stays at a few queries whatever the
size of the county.
"""
from __future__ import annotations

import calendar
import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, literal, select, union_all

from ..attendance.dashboard import WORKING, TownshipLine, township_lines, working_rate
from ..attendance.subsidy import COUNT_COLUMNS, rules_from, subsidy_payable
from ..dates import add_months
from ..extensions import db
from ..models import Assignment, AttendanceMonth, AttendanceRecord, HouseholdFlag, Person, Post, Status, Township, Village
from ..models import Household, MonthSheetRow, MonthState, settings_for_month, settings_on
from ..priority import priority_tier

MONTHS_SHOWN = 12


@dataclass
class MonthFigures:
    """One township's month: days present and recorded working days, and the subsidy it pays."""

    present: int = 0
    working: int = 0
    payable: Decimal = Decimal("0.00")
    closed: bool = False

    @property
    def rate(self) -> float | None:
        return working_rate(self.present, self.working)


def window(year: int, month: int, n: int = MONTHS_SHOWN) -> list[tuple[int, int]]:
    """The n months ending at (year, month), oldest first."""
    return [add_months(year, month, -back) for back in range(n - 1, -1, -1)]


def _count_months(months: list[tuple[int, int]], township_ids: set[int], last_day: dt.date, *,
                  every_township: bool) -> dict[tuple[int, int, int], MonthFigures]:
    """Count open months for some townships into THE formula: two statements whatever the months.

    The holders of the whole span, and their status counts by month (a township that never
    closes still costs two statements, not two per month). Records after last_day (today) are
    not counted. every_township: the townships are the whole district, so the records need no
    township filter (nor the joins it takes) and are counted from the day index alone.
    """
    spans = {(y, m): (dt.date(y, m, 1), dt.date(y, m, calendar.monthrange(y, m)[1])) for y, m in months}
    lo, hi = min(f for f, _l in spans.values()), max(la for _f, la in spans.values())
    holders = db.session.execute(
        select(Assignment.id, Assignment.term_start, func.coalesce(Assignment.ended_on, Assignment.term_end),
               Post.id, Post.monthly_subsidy, Post.required_days, Village.township_id)
        .join(Post, Post.id == Assignment.post_id).join(Village, Village.id == Post.village_id)
        .where(Assignment.overlaps_clause(lo, hi), Village.township_id.in_(township_ids))
    ).tuples().all()
    # One statement, one branch per month: each branch scans its month through the day index
    # and groups it by holder and status (grouping the whole span by an expression of the day
    # took twice as long on SQLite).
    def month_counts(y: int, m: int, first: dt.date, last: dt.date) -> Select[Any]:
        stmt = (select(AttendanceRecord.assignment_id, literal(y * 12 + m), AttendanceRecord.status, func.count())
                .join(Assignment, Assignment.id == AttendanceRecord.assignment_id)
                .where(AttendanceRecord.day.between(first, min(last, last_day)),
                       AttendanceRecord.day >= Assignment.term_start,
                       AttendanceRecord.day <= func.coalesce(Assignment.ended_on, Assignment.term_end))
                .group_by(AttendanceRecord.assignment_id, AttendanceRecord.status))
        if not every_township:
            stmt = (stmt.join(Post, Post.id == Assignment.post_id).join(Village, Village.id == Post.village_id)
                    .where(Village.township_id.in_(township_ids)))
        return stmt

    per_month = [month_counts(y, m, first, last) for (y, m), (first, last) in spans.items() if first <= last_day]
    counts: dict[tuple[int, int], Counter[str]] = {}  # (holder, year × 12 + month) -> status counts
    if per_month:
        for aid, month_number, status, n in db.session.execute(union_all(*per_month) if len(per_month) > 1 else per_month[0]):
            counts.setdefault((aid, int(month_number)), Counter())[status] = n
    out: dict[tuple[int, int, int], MonthFigures] = {}
    for (y, m), (first, last) in spans.items():
        days_in_month = last.day
        rules = rules_from(settings_for_month(y, m))  # the month's own version
        for tid in township_ids:
            out[(tid, y, m)] = MonthFigures()
        for aid, start, end, post_id, standard, required, tid in holders:
            if start > last or end < first:
                continue
            c = counts.get((aid, y * 12 + m), Counter())
            fig = out[(tid, y, m)]
            fig.present += c.get(Status.PRESENT.value, 0)
            fig.working += sum(c.get(s, 0) for s in WORKING)
            std, req = rules.posts.get(post_id, (Decimal(standard), int(required)))
            term_days = (min(end, last) - max(start, first)).days + 1
            fig.payable += subsidy_payable(
                standard=std, required_days=req, present_days=c.get(Status.PRESENT.value, 0),
                stopped_days=c.get(Status.STOPPED.value, 0), term_days_in_month=term_days,
                days_in_month=days_in_month, absent_days=c.get(Status.ABSENT.value, 0),
                deduction_per_absent=rules.deduction_per_absent,
            )
    return out


def _closed_figures(month_ids: dict[int, tuple[int, int, int]]) -> dict[tuple[int, int, int], MonthFigures]:
    """Closed months' figures from their snapshots: one grouped query, nothing recomputed."""
    if not month_ids:
        return {}
    out = {key: MonthFigures(closed=True) for key in month_ids.values()}
    working = sum((getattr(MonthSheetRow, COUNT_COLUMNS[s]) for s in WORKING[1:]), getattr(MonthSheetRow, COUNT_COLUMNS[WORKING[0]]))
    for mid, present, worked, payable in db.session.execute(
        select(MonthSheetRow.attendance_month_id, func.sum(MonthSheetRow.present_days), func.sum(working),
               func.max(AttendanceMonth.total_payable))
        .join(AttendanceMonth, AttendanceMonth.id == MonthSheetRow.attendance_month_id)
        .where(MonthSheetRow.attendance_month_id.in_(sorted(month_ids)))
        .group_by(MonthSheetRow.attendance_month_id)
    ):
        out[month_ids[mid]] = MonthFigures(int(present or 0), int(worked or 0), Decimal(payable or 0), closed=True)
    return out


def month_figures(months: list[tuple[int, int]], township_ids: list[int], day: dt.date, *,
                  whole_district: bool) -> dict[tuple[int, int, int], MonthFigures]:
    """Figures for every (township, month): closed months from their snapshots, open months counted now.

    whole_district: township_ids are every township (the office's view, the yearly statistics).
    """
    if not township_ids or not months:
        return {}
    lo = months[0][0] * 12 + months[0][1]
    hi = months[-1][0] * 12 + months[-1][1]
    closed = {mid: (tid, y, m) for mid, tid, y, m in db.session.execute(
        select(AttendanceMonth.id, AttendanceMonth.township_id, AttendanceMonth.year, AttendanceMonth.month)
        .where(AttendanceMonth.state == MonthState.CLOSED, AttendanceMonth.township_id.in_(township_ids),
               AttendanceMonth.year * 12 + AttendanceMonth.month >= lo,
               AttendanceMonth.year * 12 + AttendanceMonth.month <= hi)
    )}
    out = _closed_figures(closed)
    # Months before the first record anywhere hold nothing to count (the system was not in use),
    # nor do months after today; the rest, in every township that has not closed them, are
    # counted together.
    first_record = db.session.scalar(select(func.min(AttendanceRecord.day)))
    to_count: list[tuple[int, int]] = []
    townships_to_count: set[int] = set()
    for y, m in months:
        todo = {tid for tid in township_ids if (tid, y, m) not in out}
        if not todo:
            continue
        if first_record is None or (y, m) < (first_record.year, first_record.month) or dt.date(y, m, 1) > day:
            for tid in todo:
                out[(tid, y, m)] = MonthFigures()
            continue
        to_count.append((y, m))
        townships_to_count |= todo
    if to_count:
        counted = _count_months(to_count, townships_to_count, day,
                                every_township=whole_district and townships_to_count == set(township_ids))
        out.update({key: fig for key, fig in counted.items() if key not in out})
    return out


@dataclass
class RateRow:
    township: str
    rates: list[float | None]


@dataclass
class SubsidyRow:
    year: int
    month: int
    payable: Decimal
    paid: Decimal


@dataclass
class PriorityRow:
    group: list[str] | None  # None: households in no priority group
    last_year: int
    this_year: int


@dataclass
class Charts:
    months: list[tuple[int, int]]
    rates: list[RateRow]
    subsidy: list[SubsidyRow]
    priority: list[PriorityRow]
    priority_days: tuple[dt.date, dt.date]
    progress: list[TownshipLine]
    progress_day: dt.date
    townships: list[tuple[int, str]] = field(default_factory=list)


def holders_by_priority(day: dt.date, township_id: int | None) -> Counter[int | None]:
    """Holders in post on the day by their household's priority tier on that day (flags then in force)."""
    stmt = (select(Person.household_id, Household.cadre)
            .join(Assignment, Assignment.person_id == Person.id)
            .join(Household, Household.id == Person.household_id)
            .join(Post, Post.id == Assignment.post_id).join(Village, Village.id == Post.village_id)
            .where(Assignment.in_force_on_clause(day)))
    if township_id is not None:
        stmt = stmt.where(Village.township_id == township_id)
    holders = db.session.execute(stmt).all()
    if not holders:
        return Counter()
    flags: dict[int, set[str]] = {}
    flag_stmt = (select(HouseholdFlag.household_id, HouseholdFlag.flag)
                 .join(Person, Person.household_id == HouseholdFlag.household_id)
                 .join(Assignment, Assignment.person_id == Person.id)
                 .join(Post, Post.id == Assignment.post_id).join(Village, Village.id == Post.village_id)
                 .where(Assignment.in_force_on_clause(day), HouseholdFlag.recorded_on <= day,
                        (HouseholdFlag.cleared_on.is_(None)) | (HouseholdFlag.cleared_on > day)))
    if township_id is not None:
        flag_stmt = flag_stmt.where(Village.township_id == township_id)
    for household_id, flag in db.session.execute(flag_stmt):
        flags.setdefault(household_id, set()).add(flag)
    groups = settings_on(day).priority_groups
    return Counter(priority_tier(flags.get(hid, ()), groups, cadre=cadre) for hid, cadre in holders)


def district_charts(year: int, month: int, today: dt.date, township_id: int | None = None) -> Charts:
    """The four charts' figures for the twelve months ending at (year, month), the district or one township."""
    towns_stmt = select(Township.id, Township.name).order_by(Township.name)
    if township_id is not None:
        towns_stmt = towns_stmt.where(Township.id == township_id)
    towns = [(tid, name) for tid, name in db.session.execute(towns_stmt)]
    months = window(year, month)
    figures = month_figures(months, [tid for tid, _n in towns], today, whole_district=township_id is None)
    rates = [RateRow(name, [figures[(tid, y, m)].rate if (tid, y, m) in figures else None for y, m in months])
             for tid, name in towns]
    subsidy = []
    for y, m in months:
        figs = [figures.get((tid, y, m)) for tid, _n in towns]
        payable = sum((f.payable for f in figs if f), Decimal("0.00"))
        paid = sum((f.payable for f in figs if f and f.closed), Decimal("0.00"))
        subsidy.append(SubsidyRow(y, m, payable, paid))
    last_day = min(today, dt.date(year, month, calendar.monthrange(year, month)[1]))
    a_year_before = last_day.replace(year=last_day.year - 1) if not (last_day.month == 2 and last_day.day == 29) \
        else last_day.replace(year=last_day.year - 1, day=28)
    now, before = holders_by_priority(last_day, township_id), holders_by_priority(a_year_before, township_id)
    groups = settings_on(last_day).priority_groups
    priority = [PriorityRow(list(g), before.get(i + 1, 0), now.get(i + 1, 0)) for i, g in enumerate(groups)]
    priority.append(PriorityRow(None, before.get(None, 0), now.get(None, 0)))
    return Charts(months, rates, subsidy, priority, (a_year_before, last_day),
                  township_lines(last_day, township_id), last_day, towns)
