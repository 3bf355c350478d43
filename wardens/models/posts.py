"""Posts (公益性岗位): a job on a road section with a number of slots."""
from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .enums import Labour, PostKind, sql_in

if TYPE_CHECKING:
    from .assignments import Assignment
    from .places import Village
    from .users import User


class Post(db.Model):
    __tablename__ = "post"
    __table_args__ = (
        CheckConstraint("slots >= 0", name="slots_not_negative"),
        CheckConstraint("min_age >= 16 AND min_age <= max_age AND max_age <= 80", name="age_range"),
        CheckConstraint("km >= 0", name="km_not_negative"),
        CheckConstraint("monthly_subsidy >= 0", name="subsidy_not_negative"),
        CheckConstraint("required_days >= 1 AND required_days <= 31", name="required_days_range"),
        CheckConstraint(f"kind IN ({sql_in(PostKind)})", name="kind_known"),
        CheckConstraint(f"labour IN ({sql_in(Labour)})", name="labour_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default=PostKind.ROAD_WARDEN.value)
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), index=True)
    route_code: Mapped[str | None] = mapped_column(String(30))
    section_start: Mapped[str | None] = mapped_column(String(100))
    section_end: Mapped[str | None] = mapped_column(String(100))
    km: Mapped[Decimal] = mapped_column(Numeric(7, 2), default=Decimal("0"))
    slots: Mapped[int] = mapped_column(default=1)
    min_age: Mapped[int] = mapped_column(default=18)
    max_age: Mapped[int] = mapped_column(default=60)
    labour: Mapped[str] = mapped_column(String(10), default=Labour.WEAK.value)
    monthly_subsidy: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal("600"))
    required_days: Mapped[int] = mapped_column(default=20)
    road_chief: Mapped[str | None] = mapped_column(String(50))
    road_chief_phone: Mapped[str | None] = mapped_column(String(20))
    # The road chief's own account (role road_chief), when the chief has one: they see this
    # section's road reports and check-ins and mark its reports handled.
    road_chief_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)

    village: Mapped["Village"] = relationship(back_populates="posts")
    assignments: Mapped[list["Assignment"]] = relationship(back_populates="post")
    chief: Mapped["User | None"] = relationship(foreign_keys=[road_chief_id])

    @property
    def section(self) -> str:
        parts = [p for p in (self.section_start, self.section_end) if p]
        return " — ".join(parts)

    def __repr__(self) -> str:
        return f"<Post {self.code}>"
