"""The subsidy a month of attendance pays: one formula, and the holder-month it is computed from.

`subsidy_payable` is THE formula; every page, sheet, export and the wardens' portal
call it (directly or through `holder_month` / `holder_months`).
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Iterable, Mapping

from sqlalchemy import String, func, select, type_coerce

from ..dates import month_bounds, month_days
from ..extensions import db
from ..models import (
    Assignment,
    AttendanceMonth,
    AttendanceRecord,
    MonthState,
    Post,
    SettingsVersion,
    Status,
    Village,
    current_settings,
    settings_for_month,
)

CENT = Decimal("0.01")
STATUSES = tuple(s.value for s in Status)


def subsidy_payable(
    *,
    standard: Decimal,
    required_days: int,
    present_days: int,
    stopped_days: int,
    term_days_in_month: int,
    days_in_month: int,
    absent_days: int,
    deduction_per_absent: Decimal,
) -> Decimal:
    """Compute the subsidy one holder earns in one month (THE formula).

    The choices, in order (each one is also listed on the sheet under "settings used"):

    1. Part of the month in the term: when the agreement starts or ends mid-month, both
       the standard and the required days are pro-rated by
       term_days_in_month / days_in_month. A term starting on the 17th of a 30-day month
       earns at most 600 × 14/30 = 280 and needs 20 × 14/30 = 9.33 days.
    2. Work stopped (停工) costs the holder nothing: stopped days are taken off the
       pro-rated required days, never below 0.
    3. When nothing is left to require (every required day stopped) the holder is paid
       the full pro-rated standard: the stoppage was not the holder's doing.
    4. Otherwise: pro-rated standard × min(1, present days ÷ effective required days);
       more days present than required never pays more than the standard.
    5. Then the district's deduction per unexcused day (旷工) is taken off, never below 0.
    6. Rounded once, at the end, to 0.01 元 half-up (the usual rounding for money).
    A holder with no day of the month in the term earns 0.
    """
    if term_days_in_month <= 0 or days_in_month <= 0:
        return Decimal("0.00")
    share = Decimal(term_days_in_month) / Decimal(days_in_month)
    prorated_standard = Decimal(standard) * share
    required = effective_required_days(required_days, stopped_days, term_days_in_month, days_in_month)
    if required <= 0:
        earned = prorated_standard
    else:
        earned = prorated_standard * min(Decimal(1), Decimal(present_days) / required)
    earned -= Decimal(deduction_per_absent) * absent_days
    return max(Decimal(0), earned).quantize(CENT, rounding=ROUND_HALF_UP)


def effective_required_days(required_days: int, stopped_days: int, term_days_in_month: int, days_in_month: int) -> Decimal:
    """Required days pro-rated to the part of the month in the term, less stopped days (never below 0)."""
    if days_in_month <= 0 or term_days_in_month <= 0:
        return Decimal(0)
    prorated = Decimal(required_days) * Decimal(term_days_in_month) / Decimal(days_in_month)
    return max(Decimal(0), prorated - stopped_days)


def attendance_rate(present_days: int, required: Decimal, term_days_in_month: int) -> float:
    """Present days ÷ effective required days, capped at 1; 1 when nothing was required."""
    if term_days_in_month <= 0:
        return 0.0
    if required <= 0:
        return 1.0
    return float(min(Decimal(1), Decimal(present_days) / required))


@dataclass(frozen=True)
class MonthRules:
    """The numbers a month is paid with: the district deduction and each post's standard and required days.

    `version_id` is the `SettingsVersion` the deduction comes from (None: given by hand).
    """

    deduction_per_absent: Decimal
    posts: Mapping[int, tuple[Decimal, int]] = field(default_factory=dict)
    frozen: bool = False
    version_id: int | None = None

    def for_post(self, post: Post) -> tuple[Decimal, int]:
        if post.id in self.posts:
            return self.posts[post.id]
        return Decimal(post.monthly_subsidy), int(post.required_days)

    def describe(self) -> dict[str, Any]:
        """The settings a sheet shows it used."""
        return {
            "deduction_per_absent": str(self.deduction_per_absent),
            "proration": "term_days_in_month / days_in_month",
            "stopped_days": "taken off required days, not below 0",
            "all_stopped": "full pro-rated standard",
            "rounding": "0.01 ROUND_HALF_UP",
            "frozen_at_close": self.frozen,
            "settings_version_id": self.version_id,
        }


def _version_id(values: Mapping[str, Any]) -> int | None:
    raw = values.get("settings_version_id")
    return int(raw) if raw is not None else None


def rules_from(settings: Any = None, frozen: Mapping[str, Any] | None = None) -> MonthRules:
    """Build the rules from frozen month values (a closed month) or from a settings version.

    Without either: today's version. A month's own rules come from
    `rules_from(settings_for_month(year, month))` (what `holder_months` does).
    """
    if frozen:
        posts = {int(k): (Decimal(v[0]), int(v[1])) for k, v in frozen.get("posts", {}).items()}
        return MonthRules(Decimal(str(frozen.get("deduction_per_absent", "0"))), posts, frozen=True,
                          version_id=_version_id(frozen))
    if isinstance(settings, MonthRules):
        return settings
    if isinstance(settings, Mapping):
        return MonthRules(Decimal(str(settings.get("absence_deduction", settings.get("deduction_per_absent", "0")))),
                          version_id=_version_id(settings))
    version: SettingsVersion = settings if settings is not None else current_settings()
    return MonthRules(Decimal(version.absence_deduction), version_id=version.id)


def freeze_rules(township_id: int, year: int, month: int) -> dict[str, Any]:
    """The numbers to keep with a closed month so later setting changes never change a paid sheet."""
    settings = settings_for_month(year, month)
    first, last = month_bounds(year, month)
    rows = db.session.execute(
        select(Post.id, Post.monthly_subsidy, Post.required_days)
        .join(Assignment, Assignment.post_id == Post.id)
        .join(Village, Village.id == Post.village_id)
        .where(Village.township_id == township_id, Assignment.overlaps_clause(first, last))
        .distinct()
    ).all()
    return {
        "deduction_per_absent": str(settings.absence_deduction),
        "settings_version_id": settings.id,
        "posts": {str(pid): [str(std), int(req)] for pid, std, req in rows},
    }


@dataclass
class HolderMonth:
    """One holder's month: each day's status, the counts, the rate and the subsidy it pays."""

    assignment: Assignment
    year: int
    month: int
    days: dict[dt.date, str | None]
    in_term: dict[dt.date, bool]
    certified: set[dt.date]
    counts: dict[str, int]
    term_days: int
    standard: Decimal
    required_base: int
    required_days: Decimal
    rate: float
    subsidy: Decimal
    deduction: Decimal
    settings_used: dict[str, Any]

    @property
    def present_days(self) -> int:
        return self.counts.get(Status.PRESENT.value, 0)

    @property
    def absent_days(self) -> int:
        return self.counts.get(Status.ABSENT.value, 0)

    @property
    def recorded_days(self) -> int:
        return sum(self.counts.values())

    @property
    def unrecorded_days(self) -> int:
        return sum(1 for d, inside in self.in_term.items() if inside and self.days.get(d) is None)


def _term_days(assignment: Assignment, days: list[dt.date]) -> dict[dt.date, bool]:
    last = assignment.last_day
    return {d: assignment.term_start <= d <= last for d in days}


def _build(
    assignment: Assignment,
    year: int,
    month: int,
    days: list[dt.date],
    statuses: dict[dt.date, str],
    certified: set[dt.date],
    counts: Counter[str] | None,
    rules: MonthRules,
) -> HolderMonth:
    in_term = _term_days(assignment, days)
    day_status: dict[dt.date, str | None] = {d: (statuses.get(d) if in_term[d] else None) for d in days}
    if counts is None:
        counts = Counter(s for s in day_status.values() if s is not None)
    term_days = sum(in_term.values())
    standard, required_base = rules.for_post(assignment.post)
    present = counts.get(Status.PRESENT.value, 0)
    stopped = counts.get(Status.STOPPED.value, 0)
    absent = counts.get(Status.ABSENT.value, 0)
    required = effective_required_days(required_base, stopped, term_days, len(days))
    subsidy = subsidy_payable(
        standard=standard,
        required_days=required_base,
        present_days=present,
        stopped_days=stopped,
        term_days_in_month=term_days,
        days_in_month=len(days),
        absent_days=absent,
        deduction_per_absent=rules.deduction_per_absent,
    )
    deduction = (rules.deduction_per_absent * absent).quantize(CENT, rounding=ROUND_HALF_UP) if term_days else Decimal("0.00")
    used = rules.describe() | {"standard": str(standard), "required_days": required_base}
    return HolderMonth(
        assignment=assignment,
        year=year,
        month=month,
        days=day_status,
        in_term=in_term,
        certified=certified,
        counts={s: counts.get(s, 0) for s in STATUSES},
        term_days=term_days,
        standard=Decimal(standard),
        required_base=required_base,
        required_days=required.quantize(CENT, rounding=ROUND_HALF_UP),
        rate=attendance_rate(present, required, term_days),
        subsidy=subsidy,
        deduction=deduction,
        settings_used=used,
    )


def _frozen_by_township(township_ids: Iterable[int], year: int, month: int) -> dict[int, dict[str, Any]]:
    ids = sorted(set(township_ids))
    if not ids:
        return {}
    rows = db.session.execute(
        select(AttendanceMonth.township_id, AttendanceMonth.settings_used).where(
            AttendanceMonth.township_id.in_(ids),
            AttendanceMonth.year == year,
            AttendanceMonth.month == month,
            AttendanceMonth.state == MonthState.CLOSED,
        )
    ).all()
    return {tid: used for tid, used in rows if used}


def _raw_day() -> Any:
    """The record's day without SQLAlchemy's per-row date parsing (SQLite stores ISO text).

    Reading 46,500 days of a district month through the Date type's regex was most of the
    sheet's time; the caller maps the text back to a date (PostgreSQL already returns dates).
    """
    return type_coerce(AttendanceRecord.day, String)


def holder_months(
    assignments: list[Assignment],
    year: int,
    month: int,
    settings: Any = None,
    *,
    with_days: bool = True,
) -> list[HolderMonth]:
    """Compute many holders' months with one query for their records (no per-holder queries).

    Each assignment's post and village must be loaded (or loadable); a closed month uses the
    numbers frozen when it closed unless `settings` is given; an open month pays with the
    settings version in force for it (`settings_for_month`). with_days=False counts in SQL
    (GROUP BY) and leaves `days` empty: enough for rates and subsidies over many months.
    """
    if not assignments:
        return []
    days = month_days(year, month)
    first, last = days[0], days[-1]
    ids = [a.id for a in assignments]
    # The month's own version (read once per transaction), never today's.
    base_rules = rules_from(settings if settings is not None else settings_for_month(year, month))
    frozen = {} if settings is not None else _frozen_by_township({a.post.village.township_id for a in assignments}, year, month)

    by_text = {d.isoformat(): d for d in days}
    statuses: dict[int, dict[dt.date, str]] = {i: {} for i in ids}
    certified: dict[int, set[dt.date]] = {i: set() for i in ids}
    counts: dict[int, Counter[str]] = {}
    for chunk in _chunks(ids, 900):
        if with_days:
            rows = db.session.execute(
                select(AttendanceRecord.assignment_id, _raw_day(), AttendanceRecord.status, AttendanceRecord.certificate)
                .where(AttendanceRecord.assignment_id.in_(chunk), AttendanceRecord.day.between(first, last))
            )
            for aid, raw, status, cert in rows:
                day = raw if isinstance(raw, dt.date) else by_text[raw]
                statuses[aid][day] = status
                if cert:
                    certified[aid].add(day)
        else:
            by_id = {a.id: a for a in assignments}
            rows = db.session.execute(
                select(AttendanceRecord.assignment_id, AttendanceRecord.status, func.count())
                .join(Assignment, Assignment.id == AttendanceRecord.assignment_id)
                .where(
                    AttendanceRecord.assignment_id.in_(chunk),
                    AttendanceRecord.day.between(first, last),
                    AttendanceRecord.day >= Assignment.term_start,
                    AttendanceRecord.day <= func.coalesce(Assignment.ended_on, Assignment.term_end),
                )
                .group_by(AttendanceRecord.assignment_id, AttendanceRecord.status)
            )
            for aid, status, n in rows:
                if aid in by_id:
                    counts.setdefault(aid, Counter())[status] = n
    out = []
    for a in assignments:
        used_frozen = frozen.get(a.post.village.township_id)
        rules = rules_from(frozen=used_frozen) if used_frozen else base_rules
        out.append(
            _build(
                a, year, month, days, statuses[a.id], certified[a.id],
                None if with_days else counts.get(a.id, Counter()), rules,
            )
        )
    return out


def holder_months_over(wanted: list[tuple[Assignment, int, int]]) -> list[HolderMonth]:
    """Holder-months across many months in a fixed number of queries, in the order given.

    What `holder_months(..., with_days=False)` gives one month at a time (counts in SQL, no
    calendar), for a list of (assignment, year, month): one query for the closed months of
    the span (their frozen numbers), one grouped count of the records over the whole span,
    and the settings versions (read once per transaction) for the open months. The
    warden's page lists every past month of every agreement with it.
    """
    if not wanted:
        return []
    months = sorted({(y, m) for _a, y, m in wanted})
    first, last = month_bounds(*months[0])[0], month_bounds(*months[-1])[1]
    townships = sorted({a.post.village.township_id for a, _y, _m in wanted})
    span = (AttendanceMonth.year * 100 + AttendanceMonth.month).between(
        months[0][0] * 100 + months[0][1], months[-1][0] * 100 + months[-1][1])
    frozen: dict[tuple[int, int, int], dict[str, Any]] = {
        (tid, y, m): used for tid, y, m, used in db.session.execute(
            select(AttendanceMonth.township_id, AttendanceMonth.year, AttendanceMonth.month,
                   AttendanceMonth.settings_used)
            .where(AttendanceMonth.township_id.in_(townships), AttendanceMonth.state == MonthState.CLOSED, span))
        if used
    }
    year_of, month_of = func.extract("year", AttendanceRecord.day), func.extract("month", AttendanceRecord.day)
    counts: dict[tuple[int, int, int], Counter[str]] = {}
    ids = sorted({a.id for a, _y, _m in wanted})
    for chunk in _chunks(ids, 900):
        rows = db.session.execute(
            select(AttendanceRecord.assignment_id, year_of, month_of, AttendanceRecord.status, func.count())
            .join(Assignment, Assignment.id == AttendanceRecord.assignment_id)
            .where(
                AttendanceRecord.assignment_id.in_(chunk),
                AttendanceRecord.day.between(first, last),
                AttendanceRecord.day >= Assignment.term_start,
                AttendanceRecord.day <= func.coalesce(Assignment.ended_on, Assignment.term_end),
            )
            .group_by(AttendanceRecord.assignment_id, year_of, month_of, AttendanceRecord.status)
        )
        for aid, y, m, status, n in rows:
            counts.setdefault((aid, int(y), int(m)), Counter())[status] = n
    out = []
    for a, y, m in wanted:
        used_frozen = frozen.get((a.post.village.township_id, y, m))
        rules = rules_from(frozen=used_frozen) if used_frozen else rules_from(settings_for_month(y, m))
        out.append(_build(a, y, m, month_days(y, m), {}, set(), counts.get((a.id, y, m), Counter()), rules))
    return out


def holder_month(assignment: Assignment, year: int, month: int, settings: Any = None) -> HolderMonth:
    """One holder's month: the calendar, counts, rate and subsidy (for the portal and the sheet)."""
    return holder_months([assignment], year, month, settings)[0]


def _chunks(items: list[int], size: int) -> Iterable[list[int]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
