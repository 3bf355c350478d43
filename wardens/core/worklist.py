"""What is waiting for each person (待办), one function per rule, each item a link to where it is done.

Every rule is a function named after what it finds; each runs a fixed number of queries
(grouped in SQL or over the month's terms), never one per row, so the home page stays
fast at county scale. A role's list is the rules of that role, in the order people work.
"""
from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable

from babel.dates import format_skeleton
from flask import current_app
from flask_babel import format_date, get_locale, gettext as _, ngettext
from sqlalchemy import func, select

from ..admin.versions import change_labels
from ..attendance.months import sent_back_months
from ..attendance.thresholds import holders_crossing_thresholds
from ..dates import add_months, utcnow
from ..extensions import db
from ..models import (
    AllocationRun,
    Assignment,
    AttendanceMonth,
    AttendanceRecord,
    DismissalCase,
    MonthState,
    Objection,
    Post,
    Role,
    Round,
    RoundState,
    RunKind,
    Township,
    User,
    Village,
    settings_for_month,
)

# How far ahead a notice period's end is announced, in days.
NOTICE_ENDING_WITHIN_DAYS = 3
# How many months back an unsubmitted month is still chased.
OVERDUE_MONTHS_BACK = 12


@dataclass(frozen=True)
class WorkItem:
    rule: str
    text: str
    endpoint: str
    args: dict[str, Any] = field(default_factory=dict)
    detail: str | None = None
    urgent: bool = False


def month_words(year: int, month: int) -> str:
    return format_skeleton("yMMMM", dt.date(year, month, 1), locale=get_locale())


def due_day(year: int, month: int, deadline_day: int) -> dt.date:
    """The day a month's sheet is due: the deadline day of the next month (its last day if shorter).

    A month can be submitted only once it has ended (months.submittable_from), so its deadline
    falls in the month after it.
    """
    y, m = add_months(year, month, 1)
    return dt.date(y, m, min(deadline_day, calendar.monthrange(y, m)[1]))


# ------------------------------------------------------------------ clerk


def months_sent_back(township_id: int) -> list[WorkItem]:
    """The township's months that the office sent back (or an admin reopened), with the reason stored on the month."""
    items = []
    for row in sent_back_months(township_id):
        text = (_("%(month)s was reopened", month=month_words(row.year, row.month)) if row.sent_back_by_reopening
                else _("%(month)s was sent back by the office", month=month_words(row.year, row.month)))
        items.append(WorkItem("months_sent_back", text, "attendance.months",
                              {"month": f"{row.year}-{row.month:02d}"},
                              detail=_("Reason: %(reason)s", reason=row.sent_back_reason), urgent=True))
    return items


def holder_days_by_day(township_id: int, first: dt.date, last: dt.date) -> tuple[dict[dt.date, int], dict[dt.date, int]]:
    """Holders in force and holders recorded on each day from first to last, in one township (two queries)."""
    expected: dict[dt.date, int] = {}
    for start, end in db.session.execute(
        select(Assignment.term_start, func.coalesce(Assignment.ended_on, Assignment.term_end))
        .join(Post, Post.id == Assignment.post_id).join(Village, Village.id == Post.village_id)
        .where(Village.township_id == township_id, Assignment.overlaps_clause(first, last))
    ):
        d = max(start, first)
        while d <= min(end, last):
            expected[d] = expected.get(d, 0) + 1
            d += dt.timedelta(days=1)
    recorded = dict(db.session.execute(
        select(AttendanceRecord.day, func.count())
        .join(Assignment, Assignment.id == AttendanceRecord.assignment_id)
        .join(Post, Post.id == Assignment.post_id).join(Village, Village.id == Post.village_id)
        .where(Village.township_id == township_id, AttendanceRecord.day.between(first, last),
               AttendanceRecord.day >= Assignment.term_start,
               AttendanceRecord.day <= func.coalesce(Assignment.ended_on, Assignment.term_end))
        .group_by(AttendanceRecord.day)
    ).all())
    return expected, recorded


def days_not_recorded(township_id: int, day: dt.date) -> list[WorkItem]:
    """Each day of this month, up to today, on which some holder in post has no record yet."""
    expected, recorded = holder_days_by_day(township_id, day.replace(day=1), day)
    items = []
    for d in sorted(expected):
        missing = expected[d] - recorded.get(d, 0)
        if missing <= 0:
            continue
        when = _("today") if d == day else format_date(d, "MMMd EEE")
        items.append(WorkItem(
            "days_not_recorded",
            ngettext("%(day)s: %(num)d holder not yet recorded", "%(day)s: %(num)d holders not yet recorded",
                     missing, day=when),
            "attendance.grid", {"township_id": township_id, "day": d.isoformat()},
            urgent=d < day,
        ))
    return items


def absences_over_threshold(township_id: int, day: dt.date) -> list[WorkItem]:
    """Holders with as many unexcused absences in a month as the dismissal review starts from."""
    items = []
    for hit in holders_crossing_thresholds(day, township_id):
        if hit.rule != "absent_days":
            continue
        a = hit.assignment
        year, month = (int(x) for x in hit.period.split("-"))
        items.append(WorkItem(
            "absences_over_threshold",
            _("%(name)s (%(post)s): unexcused absences over the limit", name=a.person.name, post=a.post.code),
            "attendance.sheet", {"township_id": township_id, "year": year, "month": month},
            detail=hit.evidence,
        ))
    return items


# ------------------------------------------------------------------ office


def months_waiting_review() -> list[WorkItem]:
    """Months a township submitted that the office has not closed or sent back."""
    rows = db.session.execute(
        select(AttendanceMonth.township_id, Township.name, AttendanceMonth.year, AttendanceMonth.month)
        .join(Township, Township.id == AttendanceMonth.township_id)
        .where(AttendanceMonth.state == MonthState.SUBMITTED)
        .order_by(AttendanceMonth.year, AttendanceMonth.month, Township.name)
    ).all()
    return [WorkItem("months_waiting_review",
                     _("%(township)s submitted %(month)s", township=name, month=month_words(y, m)),
                     "attendance.sheet", {"township_id": tid, "year": y, "month": m})
            for tid, name, y, m in rows]


def months_past_deadline(day: dt.date) -> list[WorkItem]:
    """Months whose sheet is due and not submitted, for townships with holders in them.

    Months before the district's first recorded attendance are not chased: the system
    was not in use then. At most OVERDUE_MONTHS_BACK months back.
    """
    first_record = db.session.scalar(select(func.min(AttendanceRecord.day)))
    if first_record is None:
        return []
    months = []
    for back in range(OVERDUE_MONTHS_BACK, -1, -1):
        y, m = add_months(day.year, day.month, -back)
        # Each month is due by the deadline of the settings version in force for it.
        deadline_day = settings_for_month(y, m).submission_deadline_day
        if (y, m) < (first_record.year, first_record.month) or day <= due_day(y, m, deadline_day):
            continue
        months.append((y, m))
    if not months:
        return []
    first = dt.date(*months[0], 1)
    last = dt.date(*months[-1], calendar.monthrange(*months[-1])[1])
    held: set[tuple[int, int, int]] = set()
    for tid, start, end in db.session.execute(
        select(Village.township_id, Assignment.term_start, func.coalesce(Assignment.ended_on, Assignment.term_end))
        .join(Post, Post.id == Assignment.post_id).join(Village, Village.id == Post.village_id)
        .where(Assignment.overlaps_clause(first, last))
        .distinct()
    ):
        for y, m in months:
            if start <= dt.date(y, m, calendar.monthrange(y, m)[1]) and end >= dt.date(y, m, 1):
                held.add((tid, y, m))
    states = {(tid, y, m): s for tid, y, m, s in db.session.execute(
        select(AttendanceMonth.township_id, AttendanceMonth.year, AttendanceMonth.month, AttendanceMonth.state)
        .where(AttendanceMonth.year * 12 + AttendanceMonth.month >= first.year * 12 + first.month)
    )}
    names = dict(db.session.execute(select(Township.id, Township.name)).all())
    items = []
    for tid, y, m in sorted(held, key=lambda k: (k[1], k[2], names.get(k[0], ""))):
        if states.get((tid, y, m), MonthState.RECORDING) in (MonthState.SUBMITTED, MonthState.CLOSED):
            continue
        due = due_day(y, m, settings_for_month(y, m).submission_deadline_day)
        items.append(WorkItem(
            "months_past_deadline",
            _("%(township)s has not submitted %(month)s", township=names[tid], month=month_words(y, m)),
            "attendance.months", {"month": f"{y}-{m:02d}"},
            detail=_("Due %(day)s", day=format_date(due, "medium")), urgent=True,
        ))
    return items


def open_objections() -> list[WorkItem]:
    """Objections raised during a round's notice and not yet settled, by round."""
    rows = db.session.execute(
        select(Round.id, Round.name, func.count(Objection.id))
        .join(Objection, Objection.round_id == Round.id)
        .where(Objection.settled_on.is_(None))
        .group_by(Round.id, Round.name).order_by(Round.id)
    ).all()
    return [WorkItem("open_objections",
                     ngettext("%(round)s: %(num)d objection to settle", "%(round)s: %(num)d objections to settle",
                              n, round=name),
                     "reallocation.round_view", {"round_id": rid}, urgent=True)
            for rid, name, n in rows]


def notice_periods_ending(day: dt.date) -> list[WorkItem]:
    """Rounds on public notice whose notice ends within a few days, or has ended and awaits approval."""
    soon = day + dt.timedelta(days=NOTICE_ENDING_WITHIN_DAYS)
    rows = db.session.execute(
        select(Round.id, Round.name, Round.notice_end)
        .where(Round.state == RoundState.NOTICE, Round.notice_end.is_not(None), Round.notice_end <= soon)
        .order_by(Round.notice_end)
    ).all()
    items = []
    for rid, name, end in rows:
        text = (_("%(round)s: the notice ended on %(day)s, ready for approval", round=name, day=format_date(end, "medium"))
                if end < day else
                _("%(round)s: the notice ends on %(day)s", round=name, day=format_date(end, "medium")))
        items.append(WorkItem("notice_periods_ending", text, "reallocation.round_view", {"round_id": rid},
                              urgent=end < day))
    return items


def dismissal_flags_open() -> list[WorkItem]:
    """Dismissal-review flags nobody has decided yet."""
    n = db.session.scalar(select(func.count(DismissalCase.id)).where(DismissalCase.decision.is_(None))) or 0
    if not n:
        return []
    return [WorkItem("dismissal_flags_open",
                     ngettext("%(num)d dismissal flag to review", "%(num)d dismissal flags to review", n),
                     "reallocation.dismissals")]


def fills_waiting_approval() -> list[WorkItem]:
    """Mid-year fill proposals not approved, the newest per post, unless a later fill of that post was approved."""
    rows = db.session.execute(
        select(AllocationRun.id, AllocationRun.post_id, AllocationRun.approved_at, AllocationRun.created_at, Post.code)
        .join(Post, Post.id == AllocationRun.post_id)
        .where(AllocationRun.kind == RunKind.MID_YEAR)
        .order_by(AllocationRun.created_at, AllocationRun.id)
    ).all()
    newest: dict[int, Any] = {}
    for row in rows:
        newest[row.post_id] = row  # the last one per post wins
    return [WorkItem("fills_waiting_approval", _("Mid-year fill of post %(code)s waits for approval", code=row.code),
                     "reallocation.fill_view", {"run_id": row.id},
                     detail=_("Proposed %(day)s", day=format_date(row.created_at, "medium")))
            for row in newest.values() if row.approved_at is None]


# ------------------------------------------------------------------ admin


def locked_accounts() -> list[WorkItem]:
    """Accounts locked now after too many failed logins."""
    rows = db.session.execute(
        select(User.id, User.username, User.display_name, User.locked_until)
        .where(User.locked_until.is_not(None), User.locked_until > utcnow()).order_by(User.username)
    ).all()
    return [WorkItem("locked_accounts", _("Account %(name)s is locked after failed logins", name=display or username),
                     "admin.user_edit", {"user_id": uid})
            for uid, username, display, _until in rows]


def settings_taking_effect(day: dt.date) -> list[WorkItem]:
    """The settings version that takes effect next month (the one that will be in force then), if any."""
    year, month = add_months(day.year, day.month, 1)
    version = settings_for_month(year, month)
    if version.effective_month != (year, month):
        return []
    # Chinese lists its items with 、, English with commas.
    separator = "、" if get_locale().language == "zh" else ", "
    changed = separator.join(change_labels(version.changes or {})) or "—"
    return [WorkItem("settings_taking_effect",
                     _("Settings version No. %(id)d takes effect from %(month)s", id=version.id,
                       month=month_words(year, month)),
                     "admin.settings", {"_anchor": f"version-{version.id}"},
                     detail=_("Changes: %(fields)s", fields=changed))]


# ------------------------------------------------------------------ by role


def worklist(role: str, day: dt.date, township_id: int | None = None) -> list[WorkItem]:
    """Everything waiting for a person of this role (a clerk: in their township), in working order."""
    rules: list[Callable[[], list[WorkItem]]]
    if role == Role.CLERK:
        assert township_id is not None
        rules = [lambda: months_sent_back(township_id), lambda: days_not_recorded(township_id, day),
                 lambda: absences_over_threshold(township_id, day)]
    elif role == Role.OFFICE:
        rules = [months_waiting_review, lambda: months_past_deadline(day), open_objections,
                 lambda: notice_periods_ending(day), dismissal_flags_open, fills_waiting_approval]
    elif role == Role.ADMIN:
        rules = [locked_accounts, lambda: settings_taking_effect(day)]
    else:
        rules = []
    items = [item for rule in rules for item in rule()]
    # An area not installed (a trimmed deployment) has no page to link to: leave its items out.
    return [i for i in items if i.endpoint in current_app.view_functions]
