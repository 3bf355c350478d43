"""The subsidy a month of attendance pays: one formula, and the holder-month it is computed from.

`subsidy_payable` is THE formula; every page, sheet, export and the wardens' portal
call it (directly or through `holder_month` / `holder_months`) for a month that is open.
A closed month is not computed: its holder-months are the rows stored when it closed
(`MonthSheetRow`, read by `snapshot_rows`, the one reader of a closed month).
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Iterable, Mapping, Sequence

from sqlalchemy import String, func, select, type_coerce
from sqlalchemy.orm import defer

from ..dates import month_bounds, month_days
from ..extensions import db
from ..models import (
    Assignment,
    AttendanceMonth,
    AttendanceRecord,
    MonthSheetRow,
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
    """One holder's month: each day's status, the counts, the rate and the subsidy it pays.

    `closed` says it was read from the closed month's snapshot (then post_code and
    post_kind are the ones the paid sheet shows, not the post's live values).
    `with_days` False: counted without the calendar (counts, rate and subsidy only, for lists
    over many holders or months); `days`, `in_term` and `certified` are then empty.
    """

    assignment: Assignment | None
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
    assignment_id: int = 0
    post_code: str = ""
    post_kind: str = ""
    closed: bool = False
    with_days: bool = True

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
        if not self.with_days:
            raise ValueError("a holder-month counted without its calendar does not know its unrecorded days")
        return sum(1 for d, inside in self.in_term.items() if inside and self.days.get(d) is None)


def _term_days(assignment: Assignment, days: Sequence[dt.date]) -> dict[dt.date, bool]:
    last = assignment.last_day
    return {d: assignment.term_start <= d <= last for d in days}


def _term_day_count(assignment: Assignment, days: Sequence[dt.date]) -> int:
    """How many of the month's days are in the term (what _term_days marks, counted)."""
    first, last = max(days[0], assignment.term_start), min(days[-1], assignment.last_day)
    return max((last - first).days + 1, 0)


def _build(
    assignment: Assignment,
    year: int,
    month: int,
    days: Sequence[dt.date],
    statuses: dict[dt.date, str],
    certified: set[dt.date],
    counts: Counter[str] | None,
    rules: MonthRules,
) -> HolderMonth:
    """counts given (counted in SQL): a holder-month without its calendar (with_days False)."""
    with_days = counts is None
    if with_days:
        in_term = _term_days(assignment, days)
        day_status: dict[dt.date, str | None] = {d: (statuses.get(d) if in_term[d] else None) for d in days}
        counts = Counter(s for s in day_status.values() if s is not None)
        term_days = sum(in_term.values())
    else:
        in_term, day_status, term_days = {}, {}, _term_day_count(assignment, days)
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
        assignment_id=assignment.id,
        post_code=assignment.post.code,
        post_kind=assignment.post.kind,
        with_days=with_days,
    )


COUNT_COLUMNS = {s.value: f"{s.value}_days" for s in Status}


def frozen_rules(frozen: Mapping[str, Any] | None) -> MonthRules:
    """The rules a closed month stored (no rules stored: a month closed before they were)."""
    return rules_from(frozen=frozen) if frozen else MonthRules(Decimal("0"), frozen=True)


def holder_month_from_row(row: MonthSheetRow, year: int, month: int, frozen: Mapping[str, Any] | None,
                          assignment: Assignment | None = None, rules: MonthRules | None = None, *,
                          with_days: bool = True) -> HolderMonth:
    """A closed month's holder-month as its snapshot row stored it (nothing recomputed).

    rules: frozen_rules(frozen), when the caller reads many rows of one month. with_days False:
    without the calendar (the row read by snapshot_rows(..., with_days=False)).
    """
    days = month_days(year, month)
    if with_days:
        statuses = list(row.days)
        day_status = {d: statuses[d.day - 1] for d in days}
        in_term = {d: row.term_first <= d.day <= row.term_last for d in days}
        certified = {days[n - 1] for n in row.certified}
    else:
        day_status, in_term, certified = {}, {}, set()
    rules = rules or frozen_rules(frozen)
    return HolderMonth(
        assignment=assignment,
        year=year,
        month=month,
        days=day_status,
        in_term=in_term,
        certified=certified,
        counts={s: getattr(row, COUNT_COLUMNS[s]) for s in STATUSES},
        term_days=row.term_last - row.term_first + 1,
        standard=Decimal(row.standard),
        required_base=row.required_base,
        required_days=Decimal(row.required_days),
        rate=row.rate,
        subsidy=Decimal(row.subsidy),
        deduction=Decimal(row.deduction),
        settings_used=rules.describe() | {"standard": str(row.standard), "required_days": row.required_base},
        assignment_id=row.assignment_id,
        post_code=row.post_code,
        post_kind=row.post_kind,
        closed=True,
        with_days=with_days,
    )


def _not_on_sheet(assignment: Assignment, year: int, month: int) -> HolderMonth:
    """An agreement that is on no row of a closed month's sheet: nothing was paid for it."""
    days = month_days(year, month)
    return HolderMonth(
        assignment=assignment, year=year, month=month, days={d: None for d in days},
        in_term={d: False for d in days}, certified=set(), counts={s: 0 for s in STATUSES}, term_days=0,
        standard=Decimal("0.00"), required_base=0, required_days=Decimal("0.00"), rate=0.0,
        subsidy=Decimal("0.00"), deduction=Decimal("0.00"), settings_used={}, assignment_id=assignment.id,
        post_code=assignment.post.code, post_kind=assignment.post.kind, closed=True,
    )


def snapshot_rows(month_ids: Iterable[int], assignment_ids: Iterable[int] | None = None, *,
                  with_days: bool = True) -> list[MonthSheetRow]:
    """THE reader of closed months: their stored sheet rows, by month and row number.

    Every view of a closed month (sheet, print, .xlsx, the warden's page, the dismissal
    review, the paid figures) reads these rows, never the live register or records.
    assignment_ids narrows the read to some holders (one query per 900 of them). with_days
    False leaves each row's days unread (counts and pay only: a county's rows are 1,200
    calendars to decode).
    """
    ids = sorted(set(month_ids))
    if not ids:
        return []
    stmt = select(MonthSheetRow).where(MonthSheetRow.attendance_month_id.in_(ids))
    if not with_days:
        stmt = stmt.options(defer(MonthSheetRow.days, raiseload=True), defer(MonthSheetRow.certified, raiseload=True))
    order = (MonthSheetRow.attendance_month_id, MonthSheetRow.number)
    if assignment_ids is None:
        return list(db.session.scalars(stmt.order_by(*order)))
    out: list[MonthSheetRow] = []
    for chunk in _chunks(sorted(set(assignment_ids)), 900):
        out += db.session.scalars(stmt.where(MonthSheetRow.assignment_id.in_(chunk)).order_by(*order))
    return out


def _closed_by_township(township_ids: Iterable[int], year: int, month: int) -> dict[int, tuple[int, dict[str, Any]]]:
    """The townships whose month is closed: township id → (month id, settings used)."""
    ids = sorted(set(township_ids))
    if not ids:
        return {}
    rows = db.session.execute(
        select(AttendanceMonth.township_id, AttendanceMonth.id, AttendanceMonth.settings_used).where(
            AttendanceMonth.township_id.in_(ids),
            AttendanceMonth.year == year,
            AttendanceMonth.month == month,
            AttendanceMonth.state == MonthState.CLOSED,
        )
    ).all()
    return {tid: (mid, used or {}) for tid, mid, used in rows}


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
    """Many holders' months in a few queries (no per-holder queries), in the order given.

    A holder whose township's month is closed gets the row its sheet stored at the close
    (`snapshot_rows`), never a recomputation; the others are computed from their records
    with `settings` (default: the settings version in force for the month,
    `settings_for_month`). Each assignment's post and village must be loaded (or loadable).
    with_days=False counts in SQL (GROUP BY) and leaves `days` empty for computed months:
    enough for rates and subsidies over many months.
    """
    if not assignments:
        return []
    closed = _closed_by_township({a.post.village.township_id for a in assignments}, year, month)
    open_ones = [a for a in assignments if a.post.village.township_id not in closed]
    computed: dict[int, HolderMonth] = {}
    if open_ones:
        # An open month pays with its own version (read once per transaction), never today's.
        rules = rules_from(settings if settings is not None else settings_for_month(year, month))
        computed = {hm.assignment_id: hm
                    for hm in compute_holder_months(open_ones, year, month, rules, with_days=with_days)}
    stored: dict[int, HolderMonth] = {}
    if len(open_ones) < len(assignments):
        frozen = {mid: used for mid, used in closed.values()}
        rules_of = {mid: frozen_rules(used) for mid, used in frozen.items()}
        by_id = {a.id: a for a in assignments}
        for row in snapshot_rows(frozen, [a.id for a in assignments if a.id not in computed], with_days=with_days):
            stored[row.assignment_id] = holder_month_from_row(row, year, month, frozen[row.attendance_month_id],
                                                              by_id[row.assignment_id], rules_of[row.attendance_month_id],
                                                              with_days=with_days)
    return [computed.get(a.id) or stored.get(a.id) or _not_on_sheet(a, year, month) for a in assignments]


def compute_holder_months(
    assignments: list[Assignment],
    year: int,
    month: int,
    rules: MonthRules,
    *,
    with_days: bool = True,
) -> list[HolderMonth]:
    """Compute holders' months from their records with one query (for open months, and for the close that stores them)."""
    if not assignments:
        return []
    days = month_days(year, month)
    first, last = days[0], days[-1]
    ids = [a.id for a in assignments]

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
    return [
        _build(a, year, month, days, statuses[a.id], certified[a.id],
               None if with_days else counts.get(a.id, Counter()), rules)
        for a in assignments
    ]


def holder_months_over(wanted: list[tuple[Assignment, int, int]], *,
                       posts: Mapping[int, tuple[Decimal, int]] | None = None) -> list[HolderMonth]:
    """Holder-months across many months in a fixed number of queries, in the order given.

    What `holder_months(..., with_days=False)` gives one month at a time (counts in SQL, no
    calendar), for a list of (assignment, year, month): one query for the closed months of
    the span (their frozen numbers), one grouped count of the records over the whole span,
    and the settings versions (read once per transaction) for the open months. The
    warden's page lists every past month of every agreement with it. posts (post id →
    standard, required days) computes the open months as if those posts had these numbers:
    what a post's edit would pay (`pay_changes.months_a_post_change_alters`).
    """
    if not wanted:
        return []
    months = sorted({(y, m) for _a, y, m in wanted})
    first, last = month_bounds(*months[0])[0], month_bounds(*months[-1])[1]
    townships = sorted({a.post.village.township_id for a, _y, _m in wanted})
    span = (AttendanceMonth.year * 100 + AttendanceMonth.month).between(
        months[0][0] * 100 + months[0][1], months[-1][0] * 100 + months[-1][1])
    # Closed months are read from their snapshots (one query for the month rows, one for theirs).
    closed: dict[tuple[int, int, int], tuple[int, dict[str, Any]]] = {
        (tid, y, m): (mid, used or {}) for mid, tid, y, m, used in db.session.execute(
            select(AttendanceMonth.id, AttendanceMonth.township_id, AttendanceMonth.year, AttendanceMonth.month,
                   AttendanceMonth.settings_used)
            .where(AttendanceMonth.township_id.in_(townships), AttendanceMonth.state == MonthState.CLOSED, span))
    }
    stored: dict[tuple[int, int], MonthSheetRow] = {}
    if closed:
        for row in snapshot_rows([mid for mid, _used in closed.values()], [a.id for a, _y, _m in wanted], with_days=False):
            stored[(row.attendance_month_id, row.assignment_id)] = row
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
    open_rules = {(y, m): rules_from(settings_for_month(y, m)) for y, m in months}
    if posts:
        open_rules = {ym: replace(rules, posts=posts) for ym, rules in open_rules.items()}
    closed_rules = {mid: frozen_rules(used) for mid, used in closed.values()}
    out = []
    for a, y, m in wanted:
        month_closed = closed.get((a.post.village.township_id, y, m))
        if month_closed is None:
            out.append(_build(a, y, m, month_days(y, m), {}, set(), counts.get((a.id, y, m), Counter()),
                              open_rules[(y, m)]))
            continue
        mid, used = month_closed
        row = stored.get((mid, a.id))
        out.append(holder_month_from_row(row, y, m, used, a, closed_rules[mid], with_days=False) if row is not None
                   else _not_on_sheet(a, y, m))
    return out


def holder_month(assignment: Assignment, year: int, month: int, settings: Any = None) -> HolderMonth:
    """One holder's month: the calendar, counts, rate and subsidy (for the portal and the sheet)."""
    return holder_months([assignment], year, month, settings)[0]


def _chunks(items: list[int], size: int) -> Iterable[list[int]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
