"""Exporting a register list: the one way a list's table is made, and the audit of an unmasked one."""
from __future__ import annotations

from ...audit import AuditAction, record_audit
from ..exports import EXPORTS, ExportTable
from ..search import Filters


def export_table(name: str, f: Filters, *, fmt: str, unmasked: bool, actor_id: int | None) -> ExportTable:
    """The list's table for these filters; an unmasked one is audited first (the list, its filters, the format).

    The event is written (flushed) before the table's rows are read, so the request's commit holds
    it whenever the file goes out: no unmasked list is made without its audit event.
    """
    if unmasked:
        record_audit(AuditAction.EXPORT_UNMASKED, entity_type=name, after={"filters": f.args(), "format": fmt},
                     actor_id=actor_id)
    return EXPORTS[name](f, unmasked=unmasked)
