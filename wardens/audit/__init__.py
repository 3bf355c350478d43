"""The audit trail as its own area: writing it (one helper every operation uses),
its vocabulary (`AuditAction`) and the site-wide page that reads it (`routes`)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Iterable

from flask import Flask
from flask_login import current_user

from ..extensions import db
from ..models import AuditEvent
from .actions import AuditAction

__all__ = ["AuditAction", "current_actor_id", "init_app", "record_audit", "snapshot"]


def _plain(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def snapshot(obj: Any, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The listed (default: all column) values of a model object, as JSON-safe data."""
    if fields is None:
        fields = [c.key for c in obj.__table__.columns]
    return {f: _plain(getattr(obj, f)) for f in fields}


def current_actor_id() -> int | None:
    try:
        if current_user and current_user.is_authenticated:
            return int(current_user.id)
    except RuntimeError:  # outside a request (CLI, demo loader)
        return None
    return None


def record_audit(
    action: AuditAction,
    entity: Any | None = None,
    *,
    entity_type: str | None = None,
    entity_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
    actor_id: int | None = None,
) -> AuditEvent:
    """Add one audit event (flushes; the caller's request commits)."""
    if entity is not None:
        entity_type = entity_type or entity.__tablename__
        entity_id = entity_id if entity_id is not None else getattr(entity, "id", None)
    event = AuditEvent(
        actor_id=actor_id if actor_id is not None else current_actor_id(),
        action=AuditAction(action).value,
        entity_type=entity_type or "",
        entity_id=entity_id,
        before=_plain(before) if before is not None else None,
        after=_plain(after) if after is not None else None,
        reason=reason,
    )
    db.session.add(event)
    db.session.flush()
    return event


def init_app(app: Flask) -> None:
    from .routes import bp

    app.register_blueprint(bp)
