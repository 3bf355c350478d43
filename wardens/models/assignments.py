"""Assignments (协议): a person holding a post for a term."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, and_, or_
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement

from ..extensions import db
from .enums import EndReason, Origin, sql_in

if TYPE_CHECKING:
    from .people import Person
    from .posts import Post


class Assignment(db.Model):
    __tablename__ = "assignment"
    __table_args__ = (
        CheckConstraint("term_end > term_start", name="term_end_after_start"),
        CheckConstraint(
            "ended_on IS NULL OR (ended_on >= term_start AND ended_on <= term_end)",
            name="ended_within_term",
        ),
        CheckConstraint(f"origin IN ({sql_in(Origin)})", name="origin_known"),
        CheckConstraint(
            f"end_reason IS NULL OR end_reason IN ({sql_in(EndReason)})", name="end_reason_known"
        ),
        Index("ix_assignment_post_term", "post_id", "term_start", "term_end"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id"), index=True)
    term_start: Mapped[dt.date]
    # Last day of the term, inclusive.
    term_end: Mapped[dt.date]
    origin: Mapped[str] = mapped_column(String(20), default=Origin.INITIAL.value)
    # The allocation round that produced it, when origin is round or mid_year.
    round_id: Mapped[int | None] = mapped_column(ForeignKey("round.id"), index=True)
    # Set when the assignment ends before its term does (dismissal, resignation);
    # the last day it was in force, inclusive.
    ended_on: Mapped[dt.date | None]
    end_reason: Mapped[str | None] = mapped_column(String(20))
    end_note: Mapped[str | None] = mapped_column(String(500))

    person: Mapped["Person"] = relationship(back_populates="assignments")
    post: Mapped["Post"] = relationship(back_populates="assignments")

    @property
    def last_day(self) -> dt.date:
        """The last day the assignment is (or was) in force."""
        return self.ended_on if self.ended_on is not None else self.term_end

    def in_force_on(self, day: dt.date) -> bool:
        return self.term_start <= day <= self.last_day

    @classmethod
    def in_force_on_clause(cls, day: dt.date) -> ColumnElement[bool]:
        """SQL for 'in force on day' so lists and grids filter in the database."""
        return and_(
            cls.term_start <= day,
            cls.term_end >= day,
            or_(cls.ended_on.is_(None), cls.ended_on >= day),
        )

    @classmethod
    def overlaps_clause(cls, first: dt.date, last: dt.date) -> ColumnElement[bool]:
        """SQL for 'in force on at least one day of [first, last]'."""
        return and_(
            cls.term_start <= last,
            cls.term_end >= first,
            or_(cls.ended_on.is_(None), cls.ended_on >= first),
        )
