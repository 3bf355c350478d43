"""The demo district's attendance: the months before today, with realistic patterns.

Every holder-day from ``today`` minus N months up to yesterday gets a record (today is left
for the clerk to record): present on most workdays, Sundays rest, some personal leave,
sick spells (a certificate from three days on), a few unexcused absences, one week of
停工 for a flood in one township, and three holders the dismissal review should flag:
one with six unexcused days in the latest full month, one with five in the month before,
and one under 60% attendance in every month of the window.

The flood's 停工 is declared the way the office declares one on the site (`plan_stoppage`,
then `declare_stoppage` with the preview's fingerprint): the clerk had recorded its first
days before the roads closed, the rest were left unrecorded, and the office declared the
week on the Monday after. So the stoppage keeps what each day held (`StoppageDay`) and its
page offers the undo like any other; it falls in the latest full month, which the office
has not closed yet, so the undo is not refused.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from sqlalchemy import insert

from ..dates import add_months, district_zone, month_bounds
from ..extensions import db
from ..attendance.months import close_month
from ..attendance.stoppage import declare_stoppage, plan_stoppage
from ..models import AttendanceMonth, AttendanceRecord, MonthState, Status, User
from .district import DistrictPlan, Holding, PlannedTownship

FLOOD_STOPPAGE_TOWNSHIP = "西河口乡"
FLOOD_STOPPAGE_REASON = "暴雨洪涝停工"
# The flood week's first days, recorded by the clerk as usual before the roads closed.
FLOOD_DAYS_RECORDED_BEFORE = 2
LEAVE_NOTES = ("家中有事", "走亲戚", "农忙秋收", "孩子开家长会", "陪老人看病")
SICK_NOTES = ("感冒发烧", "腰腿疼", "肠胃不适")
LONG_SICK_NOTE = "住院治疗"
ABSENT_NOTE = "未到岗，电话未接"
BATCH = 5000


@dataclass(frozen=True)
class Window:
    """The recorded days: from today minus N months up to yesterday."""

    first: dt.date
    last: dt.date

    @classmethod
    def before(cls, today: dt.date, months: int) -> "Window":
        year, month = add_months(today.year, today.month, -months)
        day = min(today.day, month_bounds(year, month)[1].day)
        return cls(dt.date(year, month, day), today - dt.timedelta(days=1))

    def days(self) -> list[dt.date]:
        n = (self.last - self.first).days + 1
        return [self.first + dt.timedelta(days=i) for i in range(max(0, n))]


@dataclass(frozen=True)
class FloodStoppage:
    township_id: int
    first: dt.date
    last: dt.date

    def recorded_before(self, day: dt.date) -> bool:
        """Whether the clerk had recorded this day of the flood week before the office declared it."""
        return (day - self.first).days < FLOOD_DAYS_RECORDED_BEFORE


def _monday_from(day: dt.date) -> dt.date:
    return day + dt.timedelta(days=(7 - day.weekday()) % 7)


def plan_flood_stoppage(plan: DistrictPlan, window: Window, today: dt.date) -> FloodStoppage | None:
    """A week (Monday to Sunday) of 停工 in one township: the second week of the latest full month.

    That month is submitted and not yet closed (write_month_states), so the stoppage can still
    be undone. A window too short to reach it takes its first whole week instead; none when
    the window holds no whole week.
    """
    township = next(t for t in plan.townships if t.name == FLOOD_STOPPAGE_TOWNSHIP)
    latest = add_months(today.year, today.month, -1)
    start = max(_monday_from(dt.date(*latest, 8)), _monday_from(window.first))
    last = start + dt.timedelta(days=6)
    if last > window.last:
        return None
    return FloodStoppage(township.id, start, last)


def declare_flood_stoppage(stoppage: FloodStoppage | None, office: User, today: dt.date) -> int:
    """Declare the flood week's 停工 as the office does on the site: the preview, then its confirmation.

    Declared on the Monday after the week (on its Sunday evening when that Monday is today);
    returns how many holder-days it recorded that had no record before (the days the clerk
    had left unrecorded).
    """
    if stoppage is None:
        return 0
    request = {"township_id": stoppage.township_id, "village_id": None, "first": stoppage.first,
               "last": stoppage.last, "reason": FLOOD_STOPPAGE_REASON, "today": today}
    preview = plan_stoppage(**request)
    after = stoppage.last + dt.timedelta(days=1)
    declared_at = _local(after, 9, 0) if after < today else _local(stoppage.last, 18, 0)
    declare_stoppage(**request, fingerprint=preview.fingerprint, user=office, declared_at=declared_at)
    return sum(1 for w in preview.writes if w.old is None)


def _local(day: dt.date, hour: int, minute: int) -> dt.datetime:
    """A moment in the district's time, stored in UTC."""
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=district_zone()).astimezone(dt.timezone.utc)


def _works_on(day: dt.date, required_days: int) -> bool:
    """Posts needing only a few days a month (劝导员 on market days) work Tuesdays and Fridays."""
    if required_days <= 10:
        return day.weekday() in (1, 4)
    return day.weekday() != 6


@dataclass
class _Special:
    """The holders the dismissal review should find."""

    six_absent_latest_month: int | None = None
    five_absent_month_before: int | None = None
    under_60_percent: int | None = None


def _choose_special(holdings: list[Holding], rng: random.Random, spared_person_id: int) -> _Special:
    regular = [h for h in holdings if h.post.required_days >= 20 and h.person.id != spared_person_id]
    people = sorted({h.person.id for h in regular})
    picked = rng.sample(people, 3) if len(people) >= 3 else people + [None] * (3 - len(people))
    return _Special(*picked)


def _forced_days(rng: random.Random, days: list[dt.date], count: int) -> set[dt.date]:
    return set(rng.sample(days, min(count, len(days))))


def plan_statuses(holding: Holding, window: Window, rng: random.Random, stoppage: FloodStoppage | None,
                  special: _Special, today: dt.date) -> dict[dt.date, tuple[str, str | None, bool]]:
    """Status, note and certificate for each day this assignment was in force in the window."""
    first = max(window.first, holding.term_start)
    last = min(window.last, holding.term_end)
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    required = holding.post.required_days
    stopped = (
        stoppage is not None and holding.post.village.township.id == stoppage.township_id
    )
    out: dict[dt.date, tuple[str, str | None, bool]] = {}

    # Sick spells: most holders none, some one, a few two; three days or more need a certificate.
    sick: dict[dt.date, tuple[str, bool]] = {}
    for _spell in range(rng.choices((0, 1, 2), weights=(65, 28, 7))[0]):
        length = rng.choices((1, 2, 3, 4, 5, 7, 10), weights=(30, 25, 15, 10, 8, 7, 5))[0]
        if len(days) <= length:
            break
        start = rng.randrange(len(days) - length)
        note = LONG_SICK_NOTE if length >= 7 else rng.choice(SICK_NOTES)
        for d in days[start:start + length]:
            sick[d] = (note, length >= 3)

    # Forced absences must not fall in the flood week, where the declared 停工 wins over everything.
    if stopped and stoppage is not None:
        days_open = [d for d in days if not stoppage.first <= d <= stoppage.last]
    else:
        days_open = days

    person_id = holding.person.id
    forced: dict[dt.date, str] = {}
    latest_year, latest_month = add_months(today.year, today.month, -1)
    if person_id == special.six_absent_latest_month:
        forced |= {d: Status.ABSENT.value for d in _forced_days(rng, _workdays(days_open, latest_year, latest_month, required), 6)}
    if person_id == special.five_absent_month_before:
        y, m = add_months(latest_year, latest_month, -1)
        forced |= {d: Status.ABSENT.value for d in _forced_days(rng, _workdays(days_open, y, m, required), 5)}
    if person_id == special.under_60_percent:
        # Per month: a third of the workdays present at most, three unexcused, the rest leave.
        months = sorted({(d.year, d.month) for d in days})
        for y, m in months:
            work = _workdays(days, y, m, required)
            rng.shuffle(work)
            present = len(work) // 3
            for i, d in enumerate(work):
                if i < present:
                    forced[d] = Status.PRESENT.value
                elif i < present + 3:
                    forced[d] = Status.ABSENT.value
                else:
                    forced[d] = Status.LEAVE.value

    for d in days:
        if stopped and stoppage is not None and stoppage.first <= d <= stoppage.last and not stoppage.recorded_before(d):
            continue  # the roads were closed: left unrecorded until the office declared the 停工
        if not _works_on(d, required):
            out[d] = (Status.REST.value, None, False)
        elif d in forced:
            status = forced[d]
            note = ABSENT_NOTE if status == Status.ABSENT.value else (
                rng.choice(LEAVE_NOTES) if status == Status.LEAVE.value else None)
            out[d] = (status, note, False)
        elif d in sick:
            note, certificate = sick[d]
            out[d] = (Status.SICK.value, note, certificate)
        else:
            roll = rng.random()
            if roll < 0.025:
                out[d] = (Status.LEAVE.value, rng.choice(LEAVE_NOTES), False)
            elif roll < 0.029:
                out[d] = (Status.ABSENT.value, ABSENT_NOTE, False)
            else:
                out[d] = (Status.PRESENT.value, None, False)
    return out


def _workdays(days: list[dt.date], year: int, month: int, required: int) -> list[dt.date]:
    return [d for d in days if d.year == year and d.month == month and _works_on(d, required)]


def write_attendance(holdings: list[Holding], window: Window, rng: random.Random,
                     stoppage: FloodStoppage | None, recorder_ids: dict[str, int], today: dt.date,
                     spared_person_id: int) -> int:
    """Bulk insert one record per holder-day; returns how many were written.

    recorder_ids maps a township name to the account that records it (the clerk for
    西河口乡, the office for the rest); most days are recorded that evening, some the next morning.
    """
    special = _choose_special(holdings, rng, spared_person_id)
    default_recorder = recorder_ids["*"]
    rows: list[dict] = []
    written = 0
    for holding in holdings:
        recorder = recorder_ids.get(holding.post.village.township.name, default_recorder)
        for day, (status, note, certificate) in plan_statuses(holding, window, rng, stoppage, special, today).items():
            if rng.random() < 0.9:
                at = _local(day, rng.randint(17, 20), rng.randrange(60))
            else:
                at = _local(day + dt.timedelta(days=1), rng.randint(8, 10), rng.randrange(60))
            rows.append({
                "assignment_id": holding.assignment_id, "day": day, "status": status, "note": note,
                "certificate": certificate, "recorded_by_id": recorder, "recorded_at": at,
            })
            if len(rows) >= BATCH:
                db.session.execute(insert(AttendanceRecord.__table__), rows)
                written += len(rows)
                rows = []
    if rows:
        db.session.execute(insert(AttendanceRecord.__table__), rows)
        written += len(rows)
    return written


def write_month_states(townships: list[PlannedTownship], first_month: tuple[int, int], today: dt.date,
                       clerk_id: int, office_id: int, clerk_township: str, late_township: str) -> list[DemoClose]:
    """Every month before the current one is submitted, except the latest full month of
    late_township (still recording, so no row); the current month has no row.

    Returns the closes to make once the records are written (`close_demo_months`): every
    submitted month but the latest full one, closed on the 10th of the month after.
    """
    latest = add_months(today.year, today.month, -1)
    rows = []
    closes = []
    year, month = first_month
    while (year, month) <= latest:
        next_first = month_bounds(*add_months(year, month, 1))[0]
        for township in townships:
            is_latest = (year, month) == latest
            if is_latest and township.name == late_township:
                continue
            submitter = clerk_id if township.name == clerk_township else office_id
            # Submitted after the month's end (months.submittable_from), by yesterday when it can be.
            submitted_at = min(_local(next_first + dt.timedelta(days=2), 16, 30),
                               max(_local(today - dt.timedelta(days=1), 16, 30), _local(next_first, 8, 30)))
            rows.append({
                "township_id": township.id, "year": year, "month": month, "state": MonthState.SUBMITTED,
                "submitted_by_id": submitter, "submitted_at": submitted_at,
            })
            if not is_latest:
                closes.append(DemoClose(township.id, year, month, _local(next_first + dt.timedelta(days=9), 10, 0)))
        year, month = add_months(year, month, 1)
    if rows:
        db.session.execute(insert(AttendanceMonth.__table__), rows)
    return closes


@dataclass(frozen=True)
class DemoClose:
    township_id: int
    year: int
    month: int
    closed_at: dt.datetime


def close_demo_months(closes: list[DemoClose], office: User) -> None:
    """Close the demo's past months the way the office does on the site (`close_month`): each
    stores its sheet's snapshot, so a demo month and a site month are the same kind of record."""
    for c in closes:
        close_month(c.township_id, c.year, c.month, office, closed_at=c.closed_at)
