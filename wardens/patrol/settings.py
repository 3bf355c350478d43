"""The patrol settings (one current row): changing them, audited."""
from __future__ import annotations

from typing import Any, Mapping

from ..audit import AuditAction, record_audit, snapshot
from ..extensions import db
from ..models import PatrolSettings, User, get_patrol_settings

FIELDS = ("corridor_m", "accuracy_limit_m", "retention_days", "absent_days_limit", "photo_max_kb", "tile_url",
          "tile_attribution")


def save_patrol_settings(values: Mapping[str, Any], user: User) -> PatrolSettings:
    """Set the patrol settings from checked values (an empty tile source means none); audited."""
    row = get_patrol_settings()
    before = snapshot(row, FIELDS)
    for name in FIELDS:
        setattr(row, name, values[name])
    row.tile_url = (row.tile_url or "").strip() or None
    row.tile_attribution = (row.tile_attribution or "").strip() or None
    db.session.flush()
    record_audit(AuditAction.PATROL_SETTINGS, row, actor_id=user.id, before=before, after=snapshot(row, FIELDS))
    return row
