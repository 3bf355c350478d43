"""Households (户) and the flags other departments record on them."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .enums import Flag, sql_in

if TYPE_CHECKING:
    from .people import Person
    from .places import Village


class Household(db.Model):
    __tablename__ = "household"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), index=True)
    address: Mapped[str | None] = mapped_column(String(200))
    cadre: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    note: Mapped[str | None] = mapped_column(Text)

    village: Mapped["Village"] = relationship(back_populates="households")
    members: Mapped[list["Person"]] = relationship(
        back_populates="household", order_by="Person.id"
    )
    flags: Mapped[list["HouseholdFlag"]] = relationship(
        back_populates="household", order_by="HouseholdFlag.recorded_on"
    )

    @property
    def current_flags(self) -> list["HouseholdFlag"]:
        return [f for f in self.flags if f.cleared_on is None]

    @property
    def flag_codes(self) -> frozenset[str]:
        return frozenset(f.flag for f in self.flags if f.cleared_on is None)

    def __repr__(self) -> str:
        return f"<Household {self.number}>"


class HouseholdFlag(db.Model):
    """One flag on a household: when it was recorded, by what source, and when cleared.

    Rows are never deleted: a cleared flag keeps its history so the household's
    page can show where each flag came from.
    """

    __tablename__ = "household_flag"
    __table_args__ = (
        CheckConstraint(f"flag IN ({sql_in(Flag)})", name="flag_known"),
        # At most one current (uncleared) row per household and flag.
        Index(
            "uq_household_flag_current",
            "household_id",
            "flag",
            unique=True,
            sqlite_where=text("cleared_on IS NULL"),
            postgresql_where=text("cleared_on IS NULL"),
        ),
        # Lists filtered by a flag start from the households holding it now.
        Index(
            "ix_household_flag_current_flag",
            "flag",
            "household_id",
            sqlite_where=text("cleared_on IS NULL"),
            postgresql_where=text("cleared_on IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(
        ForeignKey("household.id", ondelete="CASCADE"), index=True
    )
    flag: Mapped[str] = mapped_column(String(20))
    recorded_on: Mapped[dt.date]
    note: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[str | None] = mapped_column(String(200))
    cleared_on: Mapped[dt.date | None]
    cleared_reason: Mapped[str | None] = mapped_column(String(200))

    household: Mapped[Household] = relationship(back_populates="flags")
