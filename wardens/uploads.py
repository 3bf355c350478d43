"""The kept upload of every two-step import: upload and preview, then apply or discard.

The file is kept under the instance folder (``uploads/<token>.<suffix>`` beside a
``<token>.json`` description) until it is applied, discarded or expires. A token is
random and belongs to the user who uploaded it: any other user, an expired token, or a
token of another import kind reads as unknown. Nothing of the file travels through
the browser, so what is applied is exactly what was previewed from the server's copy,
and the apply step reads and checks it again against the database as it is then.

Shared by the register (people, posts, flags), attendance (a month's sheet) and
reallocation (a round's applications).
"""
from __future__ import annotations

import datetime as dt
import io
import json
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from flask import current_app
from flask_babel import gettext as _

from .dates import utcnow
from .spreadsheets import SUFFIXES, SpreadsheetError, Table, read_table

# An upload nobody applied is removed a day after it was made.
EXPIRES_AFTER = dt.timedelta(hours=24)
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
_SUFFIX = re.compile(r"^\.(xlsx|xls|ods|csv)$")


@dataclass(frozen=True)
class Upload:
    """A kept file: who uploaded it, when, for which import, and the options chosen with it."""

    token: str
    kind: str
    filename: str
    suffix: str
    user_id: int
    uploaded_at: dt.datetime
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def expires_at(self) -> dt.datetime:
        return self.uploaded_at + EXPIRES_AFTER

    def data(self) -> bytes:
        return _path(self.token, self.suffix).read_bytes()


def folder() -> Path:
    # IMPORT_FOLDER lets tests (and deployments with a separate upload volume) move it.
    path = Path(current_app.config.get("IMPORT_FOLDER") or Path(current_app.instance_path) / "uploads")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _path(token: str, suffix: str) -> Path:
    return folder() / f"{token}{suffix}"


def suffix_of(filename: str) -> str:
    """The file's suffix when an import can read it; SpreadsheetError naming the accepted kinds otherwise."""
    name = (filename or "").lower()
    for suffix in SUFFIXES:
        if name.endswith(suffix):
            return suffix
    raise SpreadsheetError(_("Only .xlsx, .xls, .ods and .csv files can be imported."))


def _describe(meta: Mapping[str, Any]) -> Upload:
    return Upload(token=meta["token"], kind=meta["kind"], filename=meta["filename"], suffix=meta["suffix"],
                  user_id=int(meta["user_id"]), uploaded_at=dt.datetime.fromisoformat(meta["uploaded_at"]),
                  options=dict(meta.get("options") or {}))


def remove_expired() -> int:
    """Delete every upload past its expiry (and its cached readings); returns how many."""
    now = utcnow()
    removed = 0
    base = folder()
    for meta_path in base.glob("*.json"):
        if meta_path.name.count(".") != 1:
            continue
        try:
            upload = _describe(json.loads(meta_path.read_text()))
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if upload.expires_at <= now:
            discard(upload.token)
            removed += 1
    return removed


def keep(data: bytes, filename: str, *, kind: str, user_id: int, options: Mapping[str, Any] | None = None) -> Upload:
    """Keep an uploaded file until it is applied, discarded or expires."""
    suffix = suffix_of(filename)
    remove_expired()
    token = secrets.token_urlsafe(24)
    _path(token, suffix).write_bytes(data)
    meta = {"token": token, "kind": kind, "filename": (filename or "")[-200:], "suffix": suffix,
            "user_id": int(user_id), "uploaded_at": utcnow().isoformat(), "options": dict(options or {})}
    _write(folder() / f"{token}.json", meta)
    return _describe(meta)


def load(token: str | None, *, user_id: int, kind: str | None = None) -> Upload | None:
    """The kept upload, or None when the token is unknown, expired, another user's or another kind's."""
    if not _TOKEN.match(token or ""):
        return None
    meta_path = folder() / f"{token}.json"
    try:
        upload = _describe(json.loads(meta_path.read_text()))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if upload.user_id != int(user_id) or (kind is not None and upload.kind != kind):
        return None
    if not _SUFFIX.match(upload.suffix) or not _path(upload.token, upload.suffix).exists():
        return None
    if upload.expires_at <= utcnow():
        discard(upload.token)
        return None
    return upload


def discard(token: str) -> None:
    """Remove the kept file, its description and whatever was cached beside it."""
    if not _TOKEN.match(token or ""):
        return
    for path in folder().glob(f"{token}.*"):
        path.unlink(missing_ok=True)


def _write(path: Path, obj: Any) -> None:
    # Written aside and renamed, so a request reading it at the same moment never sees half a file.
    partial = path.with_name(f"{path.name}.{secrets.token_hex(4)}.tmp")
    partial.write_text(json.dumps(obj, ensure_ascii=False))
    partial.replace(path)


def save_note(upload: Upload, name: str, obj: Any) -> None:
    """Keep something computed from the upload (its preview) beside it, as JSON."""
    if not re.match(r"^[a-z]{1,20}$", name):
        raise ValueError(name)
    _write(folder() / f"{upload.token}.{name}.json", obj)


def note(upload: Upload, name: str) -> Any | None:
    """What save_note kept, or None."""
    path = folder() / f"{upload.token}.{name}.json"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def table(upload: Upload, *, max_rows: int, headers: frozenset[str] | None = None) -> Table:
    """The upload read as a table; the first reading is kept, so the apply step does not parse again.

    The file cannot change between preview and apply; its rows are still checked again
    against the database on apply.
    """
    kept = note(upload, "table")
    if kept is not None:
        return Table(headers=kept["headers"], rows=[(line, row) for line, row in kept["rows"]],
                     kinds={(line, header): kind for line, header, kind in kept["kinds"]},
                     hidden=kept["hidden"], sheet=kept["sheet"], header_line=kept["header_line"],
                     examples=kept["examples"], typed=kept["typed"])
    result = read_table("upload" + upload.suffix, io.BytesIO(upload.data()), max_rows=max_rows, headers=headers)
    save_note(upload, "table", {
        "headers": result.headers, "rows": result.rows,
        "kinds": [[line, header, kind] for (line, header), kind in result.kinds.items()],
        "hidden": result.hidden, "sheet": result.sheet, "header_line": result.header_line,
        "examples": result.examples, "typed": result.typed,
    })
    return result
