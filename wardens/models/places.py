"""Townships and villages, and which villages neighbour each other."""
from __future__ import annotations

from typing import TYPE_CHECKING

from decimal import Decimal

from sqlalchemy import Column, ForeignKey, Numeric, String, Table, UniqueConstraint, CheckConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db

if TYPE_CHECKING:
    from .households import Household
    from .posts import Post

# Stored in both directions so "neighbours of V" is one indexed lookup; the
# operation that links two villages always writes both rows.
village_neighbour = Table(
    "village_neighbour",
    db.metadata,
    Column("village_id", ForeignKey("village.id", ondelete="CASCADE"), primary_key=True),
    Column("neighbour_id", ForeignKey("village.id", ondelete="CASCADE"), primary_key=True),
    CheckConstraint("village_id <> neighbour_id", name="not_self"),
)


class Township(db.Model):
    __tablename__ = "township"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    code: Mapped[str | None] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True)

    villages: Mapped[list["Village"]] = relationship(
        back_populates="township", order_by="Village.name"
    )

    def __repr__(self) -> str:
        return f"<Township {self.name}>"


class Village(db.Model):
    __tablename__ = "village"
    __table_args__ = (UniqueConstraint("township_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    township_id: Mapped[int] = mapped_column(ForeignKey("township.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    code: Mapped[str | None] = mapped_column(String(20))
    # Length of the village's rural roads, for sizing posts by need (按需设岗);
    # when unknown, the sizing page falls back to the km its posts cover.
    road_km: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    active: Mapped[bool] = mapped_column(default=True)

    township: Mapped[Township] = relationship(back_populates="villages")
    neighbours: Mapped[list["Village"]] = relationship(
        secondary=village_neighbour,
        primaryjoin=lambda: Village.id == village_neighbour.c.village_id,
        secondaryjoin=lambda: Village.id == village_neighbour.c.neighbour_id,
        order_by=lambda: Village.name,
    )
    households: Mapped[list["Household"]] = relationship(back_populates="village")
    posts: Mapped[list["Post"]] = relationship(back_populates="village")

    @property
    def full_name(self) -> str:
        return f"{self.township.name} {self.name}"

    def __repr__(self) -> str:
        return f"<Village {self.name}>"
