"""The month workflow per township: recording → submitted (clerk) → closed (office).

Every write of attendance calls `ensure_month_open` first, inside the same transaction as
its writes. On PostgreSQL it locks the township-month row (creating it if missing), so a
close waits for a save in flight and a save that waited for a close sees it closed: no
record dated in a month is written after the month closed. On SQLite every writing
transaction already holds the database write lock from BEGIN IMMEDIATE (wardens.database).
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import selectinload

from ..audit import AuditAction, record_audit
from ..dates import add_months, as_utc, today as district_today, utcnow
from ..errors import Refusal
from ..extensions import db
from ..models import AttendanceMonth, MonthState, Role, User
from ..models.months import ClosedMonthError, closed_month_message, first_closed_month
from .snapshot import drop_snapshot, write_snapshot
from .subsidy import freeze_rules

# Reopening a paid month is rare and sensitive: the admin must have logged in recently.
FRESH_LOGIN_MINUTES = 10


class MonthStateError(Refusal, ValueError):
    """A workflow step that the month's current state does not allow."""


def month_state(township_id: int, year: int, month: int) -> MonthState:
    """The state of a township's month; a month nobody has touched is 'recording'."""
    state = db.session.scalar(
        select(AttendanceMonth.state).where(
            AttendanceMonth.township_id == township_id,
            AttendanceMonth.year == year,
            AttendanceMonth.month == month,
        )
    )
    return state or MonthState.RECORDING


def month_states(year: int, month: int) -> dict[int, MonthState]:
    """Every township's state for one month, in one query."""
    rows = db.session.execute(
        select(AttendanceMonth.township_id, AttendanceMonth.state).where(
            AttendanceMonth.year == year, AttendanceMonth.month == month
        )
    ).all()
    return dict(rows)


def lock_month(township_id: int, year: int, month: int) -> AttendanceMonth:
    """The township-month row, created if missing and locked until the transaction ends."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            pg_insert(AttendanceMonth)
            .values(township_id=township_id, year=year, month=month, state=MonthState.RECORDING)
            .on_conflict_do_nothing(index_elements=["township_id", "year", "month"])
        )
        row = db.session.scalar(
            select(AttendanceMonth)
            .where(AttendanceMonth.township_id == township_id, AttendanceMonth.year == year, AttendanceMonth.month == month)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        assert row is not None
        return row
    row = db.session.scalar(
        select(AttendanceMonth)
        .where(AttendanceMonth.township_id == township_id, AttendanceMonth.year == year, AttendanceMonth.month == month)
        .execution_options(populate_existing=True)
    )
    if row is None:
        row = AttendanceMonth(township_id=township_id, year=year, month=month, state=MonthState.RECORDING)
        db.session.add(row)
        db.session.flush()
    return row


def ensure_month_open(township_id: int, day: dt.date) -> AttendanceMonth:
    """Lock the township-month of a day and raise ClosedMonthError when it is closed.

    Call it inside the transaction that writes, before reading what you will change.
    """
    row = lock_month(township_id, day.year, day.month)
    if row.state == MonthState.CLOSED:
        raise ClosedMonthError(closed_month_message(township_id, day.year, day.month))
    return row


def ensure_months_open(township_id: int, first: dt.date, last: dt.date) -> None:
    """ensure_month_open for every month a date range touches."""
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        ensure_month_open(township_id, dt.date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def ensure_no_closed_month(township_id: int, first: dt.date, last: dt.date) -> None:
    """Raise ClosedMonthError when a closed month of the township falls between first and last.

    For changes to agreements rather than records: ending or starting a term inside a
    closed month would change who is on its paid sheet and what they were paid.
    """
    closed = first_closed_month(township_id, first, last)
    if closed is not None:
        raise ClosedMonthError(closed_month_message(township_id, *closed))


def submit_month(township_id: int, year: int, month: int, user: User, *, today: dt.date) -> AttendanceMonth:
    """The township hands its month's sheet to the office for review."""
    refuse_a_month_not_ended(year, month, today)
    row = lock_month(township_id, year, month)
    if row.state != MonthState.RECORDING:
        raise MonthStateError(_("Only a month that is being recorded can be submitted."))
    before = {"state": row.state}
    row.state = MonthState.SUBMITTED
    row.submitted_by_id = user.id
    row.submitted_at = utcnow()
    # Submitted again: the township has answered the reason it was sent back for (the audit trail keeps it).
    row.sent_back_reason = row.sent_back_by_id = row.sent_back_at = None
    row.sent_back_by_reopening = False
    db.session.flush()
    record_audit(AuditAction.MONTH_SUBMIT, row, before=before, after={"state": row.state}, actor_id=user.id)
    return row


def submittable_from(year: int, month: int) -> dt.date:
    """The first day a township's month can be submitted, and closed: the day after its last day.

    The district's calendar (docs/domain.md, Calendars): a month is paid for days that have
    all passed, so the 1st of the next month, however early its deadline falls.
    """
    return dt.date(*add_months(year, month, 1), 1)


def month_not_ended(year: int, month: int, on: dt.date) -> str | None:
    """Why a month cannot be submitted or closed on a day (it has not ended), or None when it can.

    The operations raise it and the months page shows it beside a disabled button: one rule.
    """
    opens = submittable_from(year, month)
    if on >= opens:
        return None
    return _("%(year)d-%(month)02d has not ended yet: it can be submitted and closed from %(day)s.",
             year=year, month=month, day=opens.isoformat())


def refuse_a_month_not_ended(year: int, month: int, on: dt.date) -> None:
    """Refuse to submit or close a month before its last day has passed in the district."""
    reason = month_not_ended(year, month, on)
    if reason is not None:
        raise MonthStateError(reason)


def return_month(township_id: int, year: int, month: int, reason: str, *, actor_id: int | None) -> AttendanceMonth:
    """The office sends a submitted month back to the township for more recording, saying why."""
    if not reason.strip():
        raise MonthStateError(_("Give the reason for sending the month back."), field="reason")
    row = lock_month(township_id, year, month)
    if row.state != MonthState.SUBMITTED:
        raise MonthStateError(_("Only a submitted month can be sent back."))
    row.state = MonthState.RECORDING
    _tell_the_township(row, reason, actor_id, reopening=False)
    db.session.flush()
    record_audit(AuditAction.MONTH_RETURN, row, before={"state": MonthState.SUBMITTED}, after={"state": MonthState.RECORDING},
                 reason=reason.strip(), actor_id=actor_id)
    return row


def _tell_the_township(row: AttendanceMonth, reason: str, actor_id: int | None, *, reopening: bool) -> None:
    """Store why the month went back, for the township's clerks, until they submit it again."""
    row.sent_back_reason = reason.strip()[:500]
    row.sent_back_by_id = actor_id
    row.sent_back_at = utcnow()
    row.sent_back_by_reopening = reopening


def sent_back_months(township_id: int | None = None) -> list[AttendanceMonth]:
    """The months back with their township for recording, with the reason (of one township, or all), oldest first."""
    stmt = (select(AttendanceMonth)
            .where(AttendanceMonth.state == MonthState.RECORDING, AttendanceMonth.sent_back_reason.is_not(None))
            .options(selectinload(AttendanceMonth.township), selectinload(AttendanceMonth.sent_back_by))
            .order_by(AttendanceMonth.year, AttendanceMonth.month, AttendanceMonth.township_id))
    if township_id is not None:
        stmt = stmt.where(AttendanceMonth.township_id == township_id)
    return list(db.session.scalars(stmt))


def sent_back_month(township_id: int, year: int, month: int) -> AttendanceMonth | None:
    """The township's month when it was sent back (or reopened) and not submitted since, else None."""
    return db.session.scalar(
        select(AttendanceMonth).where(
            AttendanceMonth.township_id == township_id, AttendanceMonth.year == year, AttendanceMonth.month == month,
            AttendanceMonth.state == MonthState.RECORDING, AttendanceMonth.sent_back_reason.is_not(None)))


def close_month(township_id: int, year: int, month: int, user: User, *,
                closed_at: dt.datetime | None = None) -> AttendanceMonth:
    """The office closes a submitted month for payment: its sheet is stored as it pays (the snapshot).

    The rules are frozen into the month and every holder's row of the sheet — names,
    post, each day, counts, standard, required days, deduction, subsidy — is written in
    one INSERT (`snapshot.write_snapshot`); from then on the month's sheet, print view,
    .xlsx and the warden's page read only that. closed_at is for the demo's history
    (default: now).
    """
    refuse_a_month_not_ended(year, month, district_today())
    row = lock_month(township_id, year, month)
    if row.state != MonthState.SUBMITTED:
        raise MonthStateError(_("Only a submitted month can be closed."))
    row.state = MonthState.CLOSED
    row.closed_by_id = user.id
    # Taken after the lock, so every save that got in before the close has an earlier time.
    row.closed_at = closed_at or utcnow()
    row.settings_used = freeze_rules(township_id, year, month)
    sheet = write_snapshot(row, row.settings_used)
    db.session.flush()
    record_audit(AuditAction.MONTH_CLOSE, row, before={"state": MonthState.SUBMITTED},
                 after={"state": MonthState.CLOSED, "holders": len(sheet.rows), "total_payable": sheet.total_subsidy},
                 actor_id=user.id)
    return row


def login_is_fresh(user: User, now: dt.datetime | None = None) -> bool:
    """Whether the user logged in within the last FRESH_LOGIN_MINUTES minutes."""
    last = as_utc(user.last_login_at)
    now = now or utcnow()
    return last is not None and now - last <= dt.timedelta(minutes=FRESH_LOGIN_MINUTES)


def reopen_month(township_id: int, year: int, month: int, user: User, reason: str) -> AttendanceMonth:
    """An administrator reopens a closed month, with a reason, after a fresh login."""
    if user.role != Role.ADMIN:
        raise MonthStateError(_("Only an administrator can reopen a closed month."))
    if not reason.strip():
        raise MonthStateError(_("Give the reason for reopening the month."))
    if not login_is_fresh(user):
        raise MonthStateError(
            _("For safety, log out and log in again (within %(n)d minutes) before reopening a month.", n=FRESH_LOGIN_MINUTES)
        )
    row = lock_month(township_id, year, month)
    if row.state != MonthState.CLOSED:
        raise MonthStateError(_("Only a closed month can be reopened."))
    before: dict[str, Any] = {"state": MonthState.CLOSED, "closed_at": row.closed_at, "closed_by_id": row.closed_by_id,
                              "settings_used": row.settings_used}
    # The paid sheet goes into the audit event whole: the month's snapshot is gone after this.
    before["snapshot"] = drop_snapshot(row)
    row.state = MonthState.RECORDING
    row.closed_at = None
    row.closed_by_id = None
    row.settings_used = None
    _tell_the_township(row, reason, user.id, reopening=True)
    db.session.flush()
    record_audit(AuditAction.MONTH_REOPEN, row, before=before, after={"state": MonthState.RECORDING}, reason=reason.strip(),
                 actor_id=user.id)
    return row
