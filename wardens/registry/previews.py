"""The preview of a kept register upload: every row checked against the register as it is now.

A preview is a report, not a change: a file that cannot be read or a row that breaks a rule
becomes a line of the report (``Preview.file_error``, the rows' errors), never a refusal
of the request, so the office sees every fault of the file at once.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app

from .. import uploads
from ..audit import AuditAction, record_audit
from ..spreadsheets import SpreadsheetError
from . import import_flags, import_people, import_posts
from .importing import ImportFileError, Preview, table_notes
from .operations.common import RegistryError

# The register's import kinds, each with the header words its reader knows.
HEADERS = {"people": import_people.HEADER_WORDS, "posts": import_posts.HEADER_WORDS,
           "flags": import_flags.HEADER_WORDS}


def run_preview(upload: uploads.Upload) -> tuple[Preview, Any]:
    """Read the kept file and check every row; the preview and the plan that applies it (None: nothing to apply)."""
    try:
        table = uploads.table(upload, max_rows=int(current_app.config.get("IMPORT_MAX_ROWS", 60000)),
                              headers=HEADERS[upload.kind])
        if upload.kind == "people":
            preview, plan = import_people.preview_people(table)
        elif upload.kind == "posts":
            preview, plan = import_posts.preview_posts(table)
        else:
            options = upload.options
            preview, plan = import_flags.preview_flags(table, flag=options["flag"],
                                                       recorded_on=dt.date.fromisoformat(options["recorded_on"]))
    except (SpreadsheetError, ImportFileError, RegistryError) as exc:
        return Preview(kind=upload.kind, rows=[], file_error=str(exc)), None
    preview.notes = table_notes(table) + preview.notes
    return preview, plan


def apply_preview(upload: uploads.Upload, preview: Preview, plan: Any, *, source: str, actor_id: int | None) -> None:
    """Carry out a checked plan (flushes, never commits) and audit the import as one event beside its rows'."""
    if upload.kind == "people":
        import_people.apply_people(plan, source=source, actor_id=actor_id)
    elif upload.kind == "posts":
        import_posts.apply_posts(plan, actor_id=actor_id)
    else:
        options = upload.options
        import_flags.apply_flags(plan, flag=options["flag"], recorded_on=dt.date.fromisoformat(options["recorded_on"]),
                                 source=options["source"], note=options.get("note"), actor_id=actor_id)
    counts = preview.counts
    record_audit(AuditAction.IMPORT, entity_type="import_" + upload.kind, after={
        "file": upload.filename, "new": counts["new"], "update": counts["update"],
        "unchanged": counts["unchanged"], **dict(upload.options),
    }, actor_id=actor_id)
