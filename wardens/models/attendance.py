"""Attendance: one record per assignment per day, and every change to it."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..dates import utcnow
from ..extensions import db
from .enums import Status, sql_in

if TYPE_CHECKING:
    from .assignments import Assignment
    from .users import User



class AttendanceRecord(db.Model):
    __tablename__ = "attendance_record"
    __table_args__ = (
        UniqueConstraint("assignment_id", "day"),
        CheckConstraint(f"status IN ({sql_in(Status)})", name="status_known"),
        # Every overview counts a range of days by holder and status (the charts, the dashboard,
        # the worklist): with the holder and status in the day index those counts read the
        # index alone, not the table (a county's open month: 36,000 records).
        Index("ix_attendance_record_day_holder_status", "day", "assignment_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id"), index=True)
    day: Mapped[dt.date]
    status: Mapped[str] = mapped_column(String(10))
    note: Mapped[str | None] = mapped_column(String(200))
    # Sick leave of three or more consecutive days needs a doctor's certificate.
    certificate: Mapped[bool] = mapped_column(default=False)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Bumped on every change: the grid sends the version it showed, and a save
    # against a newer version is reported as a conflict instead of overwriting.
    version: Mapped[int] = mapped_column(default=1)

    assignment: Mapped["Assignment"] = relationship()
    recorded_by: Mapped["User | None"] = relationship()


class AttendanceChange(db.Model):
    """The history of a holder-day: every value it had, who changed it, and why."""

    __tablename__ = "attendance_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id"), index=True)
    day: Mapped[dt.date]
    old_status: Mapped[str | None] = mapped_column(String(10))
    # NULL: the change removed the record (undoing a 停工 on a day that had none before it).
    new_status: Mapped[str | None] = mapped_column(String(10))
    old_note: Mapped[str | None] = mapped_column(String(200))
    new_note: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(String(500))
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    changed_by: Mapped["User | None"] = relationship()
