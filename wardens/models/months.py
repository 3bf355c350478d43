"""The month workflow per township (recording → submitted → closed)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from flask_babel import gettext as _
from sqlalchemy import CheckConstraint, DateTime, Float, ForeignKey, Numeric, SmallInteger, String, UniqueConstraint, select
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..dates import utcnow
from ..errors import Refusal
from ..extensions import db
from .enums import MonthState, enum_column
from .places import Township

if TYPE_CHECKING:
    from .users import User


class AttendanceMonth(db.Model):
    """One township's month. No row means the month is still being recorded."""

    __tablename__ = "attendance_month"
    __table_args__ = (
        UniqueConstraint("township_id", "year", "month"),
        CheckConstraint("month >= 1 AND month <= 12", name="month_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("township.id"), index=True)
    year: Mapped[int]
    month: Mapped[int]
    state: Mapped[MonthState] = mapped_column(enum_column(MonthState, length=10, name="state_known"),
                                              default=MonthState.RECORDING)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # The settings the subsidy was computed with when the month closed, so a
    # later change of settings never changes a paid month's sheet.
    settings_used: Mapped[dict | None] = mapped_column(db.JSON)
    # Why the month went back to the township (sent back by the office, or reopened by an
    # administrator), by whom and when: the clerks read it until they submit the month again.
    sent_back_reason: Mapped[str | None] = mapped_column(String(500))
    sent_back_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    sent_back_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    sent_back_by_reopening: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    # The rest of the snapshot taken at the close (the rows are MonthSheetRow): the
    # township's name as the sheet printed it, and the totals row. Cleared on reopening.
    township_name: Mapped[str | None] = mapped_column(String(100))
    holders: Mapped[int | None]
    total_payable: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    totals: Mapped[dict | None] = mapped_column(db.JSON)

    township: Mapped["Township"] = relationship()
    submitted_by: Mapped["User | None"] = relationship(foreign_keys=[submitted_by_id])
    closed_by: Mapped["User | None"] = relationship(foreign_keys=[closed_by_id])
    sent_back_by: Mapped["User | None"] = relationship(foreign_keys=[sent_back_by_id])


class MonthSheetRow(db.Model):
    """One holder's row of a closed month's sheet, exactly as it was when the month closed.

    Written in bulk by the close (`attendance.snapshot.write_snapshot`) and deleted by a
    reopening; the sheet of a closed month, its print view and .xlsx, the warden's page and
    the paid figures read these rows only, so no later edit of a post, a person, a place,
    an agreement or a setting changes what a paid month shows. Texts are kept as the sheet
    printed them (the ID number masked, as every sheet shows it).
    """

    __tablename__ = "month_sheet_row"
    __table_args__ = (
        UniqueConstraint("attendance_month_id", "number"),
        UniqueConstraint("attendance_month_id", "assignment_id"),
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint("term_last >= term_first", name="term_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attendance_month_id: Mapped[int] = mapped_column(ForeignKey("attendance_month.id", ondelete="CASCADE"))
    number: Mapped[int]
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id"))
    village_name: Mapped[str] = mapped_column(String(100))
    holder_name: Mapped[str] = mapped_column(String(100))
    id_number_shown: Mapped[str] = mapped_column(String(32))
    post_code: Mapped[str] = mapped_column(String(40))
    post_kind: Mapped[str] = mapped_column(String(20))
    # Day numbers of the month inside the agreement (a term is one run of days).
    term_first: Mapped[int] = mapped_column(SmallInteger)
    term_last: Mapped[int] = mapped_column(SmallInteger)
    # One entry per day of the month: the status code, or null (not recorded / outside the term).
    days: Mapped[list] = mapped_column(db.JSON)
    # Day numbers of the sick days with a certificate (病*).
    certified: Mapped[list] = mapped_column(db.JSON)
    present_days: Mapped[int] = mapped_column(SmallInteger)
    leave_days: Mapped[int] = mapped_column(SmallInteger)
    sick_days: Mapped[int] = mapped_column(SmallInteger)
    absent_days: Mapped[int] = mapped_column(SmallInteger)
    rest_days: Mapped[int] = mapped_column(SmallInteger)
    stopped_days: Mapped[int] = mapped_column(SmallInteger)
    standard: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    required_base: Mapped[int] = mapped_column(SmallInteger)
    required_days: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    # Present ÷ effective required days as computed (a double: the dismissal review compares it unrounded).
    rate: Mapped[float] = mapped_column(Float)
    deduction: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    subsidy: Mapped[Decimal] = mapped_column(Numeric(10, 2))


class ClosedMonthError(Refusal, ValueError):
    """A write reached a month that is closed; the message names the township and month."""


def first_closed_month(township_id: int, first: dt.date, last: dt.date) -> tuple[int, int] | None:
    """The first closed month (year, month) of the township between first and last, or None.

    Read only, so it leaves no month rows behind for the months it checks.
    """
    if last < first:
        return None
    row = db.session.execute(
        select(AttendanceMonth.year, AttendanceMonth.month)
        .where(AttendanceMonth.township_id == township_id, AttendanceMonth.state == MonthState.CLOSED,
               AttendanceMonth.year * 12 + AttendanceMonth.month >= first.year * 12 + first.month,
               AttendanceMonth.year * 12 + AttendanceMonth.month <= last.year * 12 + last.month)
        .order_by(AttendanceMonth.year, AttendanceMonth.month)
        .limit(1)
    ).first()
    return None if row is None else (row.year, row.month)


def closed_month_message(township_id: int, year: int, month: int) -> str:
    """Why a closed month refuses a change: it names the township and the month."""
    name = db.session.scalar(select(Township.name).where(Township.id == township_id)) or str(township_id)
    return _(
        "%(township)s %(year)d-%(month)02d is closed: its attendance can no longer be changed. "
        "An administrator must reopen it first.",
        township=name, year=year, month=month,
    )
