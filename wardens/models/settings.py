"""District settings: every rule of docs/domain.md that differs between counties.

Two kinds, kept apart on purpose (docs/domain.md, Settings):

- `SettingsVersion`: every setting that changes pay or a rule (deduction, required days,
  thresholds, priority order, age and labour, scope, notice days ...). Each save is a new
  dated version taking effect from the first day of a chosen month; earlier versions are
  kept. `settings_for_month(year, month)` and `settings_on(day)` are the one way to read them.
- `DistrictSettings`: one row of names (the district, the office) and account lockout,
  which pay nothing and judge no one's month, so they are not versioned.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, CheckConstraint, Date, DateTime, ForeignKey, Numeric, String, event, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from ..dates import today, utcnow
from ..extensions import db
from .enums import Labour, Scope, sql_in
from .single_row import SINGLE_ID, single_row, write_on_create

if TYPE_CHECKING:
    from .users import User

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

# The first version of a database is in force "from the start": every month before any
# later version pays with it.
BASE_EFFECTIVE_FROM = dt.date(2000, 1, 1)


class DistrictSettings(db.Model):
    """A single row (id = 1): the names on printed pages and account lockout (not versioned)."""

    __tablename__ = "district_settings"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    district_name: Mapped[str] = mapped_column(String(50), default="裕安区")
    office_name: Mapped[str] = mapped_column(String(100), default="裕安区交通运输局路长办")

    # Accounts
    login_max_failures: Mapped[int] = mapped_column(default=5)
    login_lock_minutes: Mapped[int] = mapped_column(default=15)

    def as_dict(self) -> dict[str, Any]:
        """Plain values (for the audit trail)."""
        return {column.key: getattr(self, column.key) for column in self.__table__.columns}


class SettingsVersion(db.Model):
    """The district's pay and rule settings in force from `effective_from` (the first of a month).

    A month pays with the version in force on its first day: the one with the latest
    `effective_from` not after it, the latest saved among equals. Versions are never edited;
    `changes` keeps what the save changed (field: [before, after]) against the version it
    replaced for its month.
    """

    __tablename__ = "settings_version"
    __table_args__ = (
        CheckConstraint("min_age <= max_age AND max_age <= max_age_extended", name="age_range"),
        CheckConstraint(f"scope IN ({sql_in(Scope)})", name="scope_known"),
        CheckConstraint(f"default_labour IN ({sql_in(Labour)})", name="labour_known"),
        CheckConstraint("required_days >= 1 AND required_days <= 31", name="required_days_range"),
        CheckConstraint("km_per_warden > 0", name="km_per_warden_positive"),
        CheckConstraint("good_standing_rate >= 0 AND good_standing_rate <= 1", name="good_standing_rate"),
        CheckConstraint("dismissal_rate >= 0 AND dismissal_rate <= 1", name="dismissal_rate"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    effective_from: Mapped[dt.date] = mapped_column(Date, index=True, default=BASE_EFFECTIVE_FROM)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    changes: Mapped[dict[str, Any] | None] = mapped_column(JSON)

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

    created_by: Mapped["User | None"] = relationship()

    @property
    def effective_month(self) -> tuple[int, int]:
        return self.effective_from.year, self.effective_from.month

    @property
    def is_base(self) -> bool:
        """The version in force from the start (before any dated change)."""
        return self.effective_from <= BASE_EFFECTIVE_FROM

    def values(self) -> dict[str, Any]:
        """The versioned settings themselves (no id, date or author)."""
        return {name: getattr(self, name) for name in VERSIONED_FIELDS}

    def as_dict(self) -> dict[str, Any]:
        """Plain values, for freezing into a round or showing which settings a sheet used."""
        out: dict[str, Any] = {"settings_version_id": self.id, "effective_from": self.effective_from.isoformat()}
        for name, value in self.values().items():
            out[name] = str(value) if isinstance(value, Decimal) else value
        return out


_META_COLUMNS = {"id", "effective_from", "created_at", "created_by_id", "changes"}
VERSIONED_FIELDS: tuple[str, ...] = tuple(
    c.key for c in SettingsVersion.__table__.columns if c.key not in _META_COLUMNS
)
UNVERSIONED_FIELDS: tuple[str, ...] = tuple(c.key for c in DistrictSettings.__table__.columns if c.key != "id")

_CACHE = "wardens.settings_versions"


write_on_create(DistrictSettings.__table__, id=SINGLE_ID)
write_on_create(SettingsVersion.__table__, effective_from=BASE_EFFECTIVE_FROM)


def get_settings() -> DistrictSettings:
    """The district's names and lockout row (written with the defaults if a database lacks it)."""
    return single_row(DistrictSettings)


def settings_versions() -> list[SettingsVersion]:
    """Every version, oldest effective first (equal months: oldest saved first); read once per transaction.

    The base version is written with the defaults if a database has none.
    """
    cached = db.session.info.get(_CACHE)
    if cached is not None:
        return cached
    versions = _read_versions() or _write_base_version()
    db.session.info[_CACHE] = versions
    return versions


def _read_versions() -> list[SettingsVersion]:
    return list(db.session.scalars(
        select(SettingsVersion).order_by(SettingsVersion.effective_from, SettingsVersion.id)
    ))


def _write_base_version() -> list[SettingsVersion]:
    """Write the version in force from the start once, however many first readers come at once.

    Versions have no key a second base version would conflict on (a later save may take
    effect from the same month), so first readers queue on the district row's lock and look
    again (a fresh statement on PostgreSQL sees what the one before them committed); on
    SQLite a writing transaction already holds the database's write lock.
    """
    get_settings()
    db.session.execute(select(DistrictSettings.id).where(DistrictSettings.id == SINGLE_ID).with_for_update())
    versions = _read_versions()
    if not versions:
        versions = [SettingsVersion(effective_from=BASE_EFFECTIVE_FROM)]
        db.session.add(versions[0])
        db.session.flush()
    return versions


def forget_settings_versions() -> None:
    """Drop the transaction's list of versions (after a version is added)."""
    db.session.info.pop(_CACHE, None)


def settings_for_month(year: int, month: int) -> SettingsVersion:
    """The settings in force for a month: the version in force on its first day."""
    first = dt.date(year, month, 1)
    versions = settings_versions()
    chosen = versions[0]
    for version in versions:
        if version.effective_from <= first:
            chosen = version
        else:
            break
    return chosen


def settings_on(day: dt.date) -> SettingsVersion:
    """The settings in force on a day (those of its month)."""
    return settings_for_month(day.year, day.month)


def current_settings() -> SettingsVersion:
    """The settings in force today, in the district's time zone (new rounds, notices, sizing)."""
    return settings_on(today())


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_on_transaction_end(session: Session) -> None:
    # Committed objects expire (reading them again would be a query per version) and
    # rolled-back ones may be gone: the next reader loads the list afresh.
    session.info.pop(_CACHE, None)
