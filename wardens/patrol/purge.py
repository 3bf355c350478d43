"""Deleting locations and photos past the retention period (`flask patrol purge`).

Check-ins older than the period go whole (they are nothing but a location and a time).
Road reports are the office's record of the road, so they stay, but a report resolved
before the period loses its location and photo. Photo files no record points to (left by
a request that failed after writing its file) are removed too.
"""
from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from sqlalchemy import delete, select, update

from ..audit import AuditAction, record_audit
from ..extensions import db
from ..models import CheckIn, Photo, ReportState, RoadReport, get_patrol_settings
from .photos import delete_photo_files, photo_dir

# A photo file younger than this may belong to a request still running.
ORPHAN_GRACE_S = 24 * 3600


@dataclass(frozen=True)
class PurgeResult:
    check_ins: int
    reports_cleared: int
    photos: int
    files: int


def purge_old_locations(now: dt.datetime) -> PurgeResult:
    """Delete what the retention period no longer allows to keep; flushes, the caller commits."""
    settings = get_patrol_settings()
    cutoff = now - dt.timedelta(days=settings.retention_days)
    old_checkins = select(CheckIn.id).where(CheckIn.taken_at < cutoff)
    old_reports = select(RoadReport.id).where(RoadReport.state == ReportState.RESOLVED,
                                              RoadReport.reported_at < cutoff, RoadReport.lat.is_not(None)
                                              | RoadReport.photo_id.is_not(None))
    photo_ids = set(db.session.scalars(select(CheckIn.photo_id).where(CheckIn.id.in_(old_checkins),
                                                                      CheckIn.photo_id.is_not(None))))
    photo_ids |= set(db.session.scalars(select(RoadReport.photo_id).where(RoadReport.id.in_(old_reports),
                                                                          RoadReport.photo_id.is_not(None))))
    n_checkins = db.session.execute(delete(CheckIn).where(CheckIn.taken_at < cutoff)).rowcount
    n_reports = db.session.execute(
        update(RoadReport).where(RoadReport.id.in_(old_reports))
        .values(lat=None, lon=None, accuracy_m=None, photo_id=None)).rowcount
    tokens: list[str] = []
    if photo_ids:
        tokens = list(db.session.scalars(select(Photo.token).where(Photo.id.in_(photo_ids))))
        db.session.execute(delete(Photo).where(Photo.id.in_(photo_ids)))
    db.session.flush()
    files = delete_photo_files(tokens)
    files += _orphan_files()
    # Run by `flask patrol purge` (a daily job): no one's act, so the system's.
    record_audit(AuditAction.PATROL_PURGE, entity_type="patrol", actor_id=None, after={
        "cutoff": cutoff.isoformat(), "check_ins": n_checkins, "reports_cleared": n_reports,
        "photos": len(photo_ids)})
    return PurgeResult(n_checkins, n_reports, len(photo_ids), files)


def _orphan_files() -> int:
    known = set(db.session.scalars(select(Photo.token)))
    gone = 0
    limit = time.time() - ORPHAN_GRACE_S
    for path in photo_dir().glob("*.jpg"):
        token = path.stem.removesuffix("-t")
        if token not in known and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
            gone += 1
    return gone
