"""Work stoppages (停工): the declaration, and each holder-day it overwrote, so it can be undone."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..dates import utcnow
from ..extensions import db
from .enums import StoppageState, enum_column

if TYPE_CHECKING:
    from .places import Township, Village
    from .users import User


class Stoppage(db.Model):
    """Work stopped (停工) over a date range for a whole village or township."""

    __tablename__ = "stoppage"
    __table_args__ = (
        CheckConstraint("last_day >= first_day", name="range_order"),
        CheckConstraint("(village_id IS NULL) <> (township_id IS NULL)", name="one_place"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    township_id: Mapped[int | None] = mapped_column(ForeignKey("township.id"), index=True)
    village_id: Mapped[int | None] = mapped_column(ForeignKey("village.id"), index=True)
    first_day: Mapped[dt.date]
    last_day: Mapped[dt.date]
    reason: Mapped[str] = mapped_column(String(200))
    declared_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    declared_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # How many holder-days the declaration wrote (its StoppageDay rows).
    holder_days: Mapped[int] = mapped_column(default=0)
    state: Mapped[StoppageState] = mapped_column(enum_column(StoppageState, length=10, name="state_known"),
                                                 default=StoppageState.DECLARED)
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    undone_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    undo_reason: Mapped[str | None] = mapped_column(String(500))

    township: Mapped["Township | None"] = relationship()
    village: Mapped["Village | None"] = relationship()
    declared_by: Mapped["User | None"] = relationship(foreign_keys=[declared_by_id])
    undone_by: Mapped["User | None"] = relationship(foreign_keys=[undone_by_id])


class StoppageDay(db.Model):
    """One holder-day a stoppage wrote, with the record it replaced (previous_version 0: there was none).

    Undoing the stoppage writes the previous status, note and certificate back (or removes
    the record when there was none), unless the day was changed after the stoppage.
    """

    __tablename__ = "stoppage_day"
    __table_args__ = (
        CheckConstraint("previous_version >= 0", name="previous_version_not_negative"),
        Index("ix_stoppage_day_assignment_day", "assignment_id", "day"),
    )

    stoppage_id: Mapped[int] = mapped_column(ForeignKey("stoppage.id"), primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id"), primary_key=True)
    day: Mapped[dt.date] = mapped_column(primary_key=True)
    previous_status: Mapped[str | None] = mapped_column(String(10))
    previous_note: Mapped[str | None] = mapped_column(String(200))
    previous_certificate: Mapped[bool] = mapped_column(default=False)
    previous_version: Mapped[int] = mapped_column(default=0)
