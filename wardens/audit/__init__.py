"""The audit trail as its own area: writing it (one helper every operation uses),
its vocabulary (`AuditAction`) and the site-wide page that reads it (`routes`)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Iterable

from flask import Flask
from sqlalchemy import insert

from ..dates import utcnow
from ..extensions import db
from ..models import AuditEvent
from .actions import AuditAction
from .routes import bp

__all__ = ["AuditAction", "init_app", "record_audit", "record_audits", "snapshot"]


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


def record_audit(
    action: AuditAction,
    entity: Any | None = None,
    *,
    entity_type: str | None = None,
    entity_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
    actor_id: int | None,
) -> AuditEvent:
    """Add one audit event (flushes; the caller's request commits).

    actor_id is who acted, always given by the caller: the operation has it from the route
    (the logged-in user) or from the command line and the demo loader (None, the system).
    The audit layer never reads the login itself, so an event made outside a request is not
    silently written as nobody's, and one made inside is not silently the wrong person's.
    """
    if entity is not None:
        entity_type = entity_type or entity.__tablename__
        entity_id = entity_id if entity_id is not None else getattr(entity, "id", None)
    event = AuditEvent(
        actor_id=actor_id,
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
    app.register_blueprint(bp)


# Rows per INSERT: well under SQLite's and PostgreSQL's bound-parameter limits (8 columns each).
BULK_CHUNK = 2000


def record_audits(events: Iterable[dict[str, Any]], *, actor_id: int | None) -> int:
    """Write many audit events in bulk: the same rows record_audit writes one by one; the number written.

    For set-based operations (an import, opening a round with 1,200 holders, approving a round):
    every row changed is still audited with its own event, in a few INSERTs instead of one
    flush per row. Each event is a dict with action, entity_type, entity_id, before, after and
    reason; every event gets the same actor (given by the caller, as for record_audit) and the same time.
    """
    at = utcnow()
    rows = [{"actor_id": actor_id, "at": at, "action": AuditAction(e["action"]).value, "entity_type": e["entity_type"],
             "entity_id": e.get("entity_id"),
             "before": _plain(e["before"]) if e.get("before") is not None else None,
             "after": _plain(e["after"]) if e.get("after") is not None else None,
             "reason": e.get("reason")} for e in events]
    for start in range(0, len(rows), BULK_CHUNK):
        db.session.execute(insert(AuditEvent), rows[start:start + BULK_CHUNK])
    return len(rows)
