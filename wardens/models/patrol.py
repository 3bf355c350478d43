"""Patrol (巡查): road sections' lines, check-ins from the warden's phone, photos, road reports."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import JSON, CheckConstraint, DateTime, Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..dates import utcnow
from ..extensions import db
from .enums import CheckInKind, LineSource, ReportKind, ReportState, enum_column, sql_in
from .single_row import SINGLE_ID, single_row, write_on_create

if TYPE_CHECKING:
    from .assignments import Assignment
    from .posts import Post
    from .users import User


class PatrolSettings(db.Model):
    """A single row (id = 1): the patrol area's rules. None of them changes what a month pays,
    so they are kept as one current row, not as dated versions."""

    __tablename__ = "patrol_settings"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint("corridor_m >= 10 AND corridor_m <= 5000", name="corridor_range"),
        CheckConstraint("accuracy_limit_m >= 5 AND accuracy_limit_m <= 5000", name="accuracy_range"),
        CheckConstraint("retention_days >= 30 AND retention_days <= 3660", name="retention_range"),
        CheckConstraint("absent_days_limit >= 0 AND absent_days_limit <= 31", name="absent_days_range"),
        CheckConstraint("photo_max_kb >= 50 AND photo_max_kb <= 10240", name="photo_max_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    # A check-in this close to the section's line counts as on the section.
    corridor_m: Mapped[int] = mapped_column(default=200)
    # A location the phone reports as less accurate than this is kept but marked uncertain.
    accuracy_limit_m: Mapped[int] = mapped_column(default=100)
    # Locations and photos older than this are deleted by `flask patrol purge`.
    retention_days: Mapped[int] = mapped_column(default=365)
    # Working days in a month without an on-section check-in that put a holder in the
    # dismissal review (人岗不在); 0 turns the rule off.
    absent_days_limit: Mapped[int] = mapped_column(default=10)
    # The largest photo upload accepted (the phone page shrinks photos to 300 KB first).
    photo_max_kb: Mapped[int] = mapped_column(default=1024)
    # The office's own tile service, e.g. https://tiles.example.gov.cn/{z}/{x}/{y}.png;
    # none: maps draw on a plain background.
    tile_url: Mapped[str | None] = mapped_column(String(300))
    tile_attribution: Mapped[str | None] = mapped_column(String(200))


write_on_create(PatrolSettings.__table__, id=SINGLE_ID)


def get_patrol_settings() -> PatrolSettings:
    """The patrol settings row (written with the defaults if a database lacks it)."""
    return single_row(PatrolSettings)


class RoadLine(db.Model):
    """A post's road section as a line of (lat, lon) points, with its geodesic length."""

    __tablename__ = "road_line"
    __table_args__ = (
        CheckConstraint(f"source IN ({sql_in(LineSource)})", name="source_known"),
        CheckConstraint("length_m >= 0", name="length_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id"), unique=True)
    points: Mapped[list[list[float]]] = mapped_column(JSON)
    length_m: Mapped[float] = mapped_column(Float)
    source: Mapped[LineSource] = mapped_column(enum_column(LineSource, length=10, constraint=False))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    post: Mapped["Post"] = relationship()

    @property
    def latlngs(self) -> list[tuple[float, float]]:
        return [(float(p[0]), float(p[1])) for p in self.points]


class Photo(db.Model):
    """A re-encoded photo kept under the instance folder; its file name is the random token."""

    __tablename__ = "patrol_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    # When the picture was taken, from its EXIF data if it had any (the one piece kept).
    taken_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    width: Mapped[int]
    height: Mapped[int]
    size_bytes: Mapped[int]
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CheckIn(db.Model):
    """One tap of 开始巡查 or 结束巡查: where the phone was, how sure it was, how far from the line."""

    __tablename__ = "patrol_checkin"
    __table_args__ = (
        CheckConstraint(f"kind IN ({sql_in(CheckInKind)})", name="kind_known"),
        CheckConstraint("lat >= -90 AND lat <= 90 AND lon >= -180 AND lon <= 180", name="location_on_earth"),
        CheckConstraint("accuracy_m >= 0", name="accuracy_not_negative"),
        # A check-in resent from the phone's queue after a lost answer is the same check-in.
        UniqueConstraint("user_id", "client_id"),
        Index("ix_patrol_checkin_day_assignment", "day", "assignment_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    client_id: Mapped[str] = mapped_column(String(40))
    kind: Mapped[CheckInKind] = mapped_column(enum_column(CheckInKind, length=10, constraint=False))
    # When the warden tapped (the phone's clock, checked against the server's), and its day
    # in the district; received_at is when it reached the server (later for a queued one).
    taken_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    day: Mapped[dt.date]
    received_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    accuracy_m: Mapped[float] = mapped_column(Float)
    uncertain: Mapped[bool] = mapped_column(default=False)
    # None when the post had no line to measure against.
    distance_m: Mapped[float | None] = mapped_column(Float)
    on_section: Mapped[bool | None]
    # The corridor it was judged against, so later changes of the setting don't rewrite evidence.
    corridor_m: Mapped[int]
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("patrol_photo.id"))

    assignment: Mapped["Assignment"] = relationship()
    photo: Mapped["Photo | None"] = relationship()


class RoadReport(db.Model):
    """A road problem reported from a warden's phone or by a clerk (路况上报)."""

    __tablename__ = "road_report"
    __table_args__ = (
        CheckConstraint(f"kind IN ({sql_in(ReportKind)})", name="kind_known"),
        CheckConstraint(f"state IN ({sql_in(ReportState)})", name="state_known"),
        CheckConstraint("(lat IS NULL) = (lon IS NULL)", name="location_whole"),
        UniqueConstraint("reported_by_id", "client_id"),
        Index("ix_road_report_state_day", "state", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id"), index=True)
    # The warden's agreement when a warden reported it; None for a clerk's report.
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignment.id"), index=True)
    reported_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    client_id: Mapped[str | None] = mapped_column(String(40))
    kind: Mapped[ReportKind] = mapped_column(enum_column(ReportKind, length=20, constraint=False))
    state: Mapped[ReportState] = mapped_column(enum_column(ReportState, length=12, constraint=False),
                                               default=ReportState.REPORTED)
    note: Mapped[str] = mapped_column(String(500), default="")
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("patrol_photo.id"))
    reported_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    day: Mapped[dt.date]
    received_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    post: Mapped["Post"] = relationship()
    photo: Mapped["Photo | None"] = relationship()
    reported_by: Mapped["User"] = relationship()
    events: Mapped[list["ReportEvent"]] = relationship(order_by="ReportEvent.id", back_populates="report")


class ReportEvent(db.Model):
    """One move of a report through its states: who, when, and their note."""

    __tablename__ = "road_report_event"
    __table_args__ = (
        CheckConstraint(f"to_state IN ({sql_in(ReportState)})", name="to_state_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("road_report.id"), index=True)
    from_state: Mapped[ReportState | None] = mapped_column(enum_column(ReportState, length=12, constraint=False))
    to_state: Mapped[ReportState] = mapped_column(enum_column(ReportState, length=12, constraint=False))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    note: Mapped[str] = mapped_column(String(500), default="")

    report: Mapped["RoadReport"] = relationship(back_populates="events")
    user: Mapped["User"] = relationship()
