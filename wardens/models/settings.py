"""District settings: every rule of docs/domain.md that differs between counties."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .enums import Labour, Scope, sql_in

DEFAULT_PRIORITY_GROUPS: list[list[str]] = [
    ["flood_affected", "registered_poor"],
    ["registered_poor"],
    ["flood_affected"],
    ["monitoring"],
    ["low_income"],
    ["zero_employment"],
    ["disabled"],
    [],
]


class DistrictSettings(db.Model):
    """A single row (id = 1) holding the district's configurable rules."""

    __tablename__ = "district_settings"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint("min_age <= max_age AND max_age <= max_age_extended", name="age_range"),
        CheckConstraint(f"scope IN ({sql_in(Scope)})", name="scope_known"),
        CheckConstraint(f"default_labour IN ({sql_in(Labour)})", name="labour_known"),
        CheckConstraint("required_days >= 1 AND required_days <= 31", name="required_days_range"),
        CheckConstraint("km_per_warden > 0", name="km_per_warden_positive"),
        CheckConstraint("good_standing_rate >= 0 AND good_standing_rate <= 1", name="good_standing_rate"),
        CheckConstraint("dismissal_rate >= 0 AND dismissal_rate <= 1", name="dismissal_rate"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    district_name: Mapped[str] = mapped_column(String(50), default="裕安区")
    office_name: Mapped[str] = mapped_column(String(100), default="裕安区交通运输局路长办")

    # Eligibility (人岗匹配)
    min_age: Mapped[int] = mapped_column(default=18)
    max_age: Mapped[int] = mapped_column(default=60)
    max_age_extended: Mapped[int] = mapped_column(default=65)
    default_labour: Mapped[str] = mapped_column(String(10), default=Labour.WEAK.value)
    scope: Mapped[str] = mapped_column(String(20), default=Scope.VILLAGE.value)
    one_post_per_household: Mapped[bool] = mapped_column(default=True)
    exclude_stable_employment: Mapped[bool] = mapped_column(default=True)
    exclude_away_working: Mapped[bool] = mapped_column(default=True)
    max_choices: Mapped[int] = mapped_column(default=3)
    priority_groups: Mapped[list[list[str]]] = mapped_column(
        JSON, default=lambda: [list(g) for g in DEFAULT_PRIORITY_GROUPS]
    )

    # Attendance and subsidy (日常考勤)
    required_days: Mapped[int] = mapped_column(default=20)
    monthly_subsidy: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal("600"))
    absence_deduction: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal("0"))
    sick_certificate_days: Mapped[int] = mapped_column(default=3)
    correction_reason_after_days: Mapped[int] = mapped_column(default=3)
    submission_deadline_day: Mapped[int] = mapped_column(default=25)
    payment_period: Mapped[str] = mapped_column(String(20), default="monthly")

    # Dismissal review (清退)
    dismissal_absent_days: Mapped[int] = mapped_column(default=5)
    dismissal_rate: Mapped[Decimal] = mapped_column(Numeric(4, 2), default=Decimal("0.60"))
    dismissal_rate_months: Mapped[int] = mapped_column(default=3)

    # Yearly adjustment (动态调整)
    good_standing_rate: Mapped[Decimal] = mapped_column(Numeric(4, 2), default=Decimal("0.90"))
    notice_days: Mapped[int] = mapped_column(default=5)
    km_per_warden: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("3"))
    village_post_cap: Mapped[int] = mapped_column(default=4)

    # Accounts
    login_max_failures: Mapped[int] = mapped_column(default=5)
    login_lock_minutes: Mapped[int] = mapped_column(default=15)

    def as_dict(self) -> dict[str, Any]:
        """Plain values, for freezing into a round or showing which settings a sheet used."""
        out: dict[str, Any] = {}
        for column in self.__table__.columns:
            value = getattr(self, column.key)
            out[column.key] = str(value) if isinstance(value, Decimal) else value
        return out


def get_settings() -> DistrictSettings:
    """The district's settings row, created with the defaults on first use."""
    row = db.session.get(DistrictSettings, 1)
    if row is None:
        row = DistrictSettings(id=1)
        db.session.add(row)
        db.session.flush()
    return row
