"""What every import shares: header words, cell words, row outcomes and the kept upload.

An import runs in two steps. The upload is kept under the instance folder as
``imports/<random token>.<ext>`` (the token is bound to the user's session), the
preview lists every row's outcome, and the confirm step reads the same file again,
re-validates it against the database as it is now, and applies everything in one
transaction, or nothing when any row is in error.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

from flask import current_app
from flask_babel import gettext as _

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Village
from ..spreadsheets import SpreadsheetError, Table

NEW, UPDATE, UNCHANGED, ERROR = "new", "update", "unchanged", "error"
OUTCOMES = (NEW, UPDATE, UNCHANGED, ERROR)
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,60}$")
CHUNK = 500
# Uploads nobody confirmed are removed after a day.
STALE_AFTER_S = 24 * 3600


class ImportFileError(ValueError):
    """The file as a whole cannot be imported (missing columns, unreadable); the message says why."""


def normalise_header(text: str) -> str:
    """Header text compared loosely: no spaces or marks, full-width brackets made ASCII."""
    text = (text or "").strip().lower()
    text = text.replace("（", "(").replace("）", ")").replace("：", ":")
    text = re.sub(r"\((必填|选填|可选|required|optional)\)", "", text)
    return re.sub(r"[\s*＊:]", "", text)


def resolve_headers(headers: Iterable[str], aliases: Mapping[str, tuple[str, ...]],
                    required: Iterable[str]) -> dict[str, str]:
    """Map each known column key to the header the file uses; refuse a file missing a required one."""
    found: dict[str, str] = {}
    lookup = {normalise_header(a): key for key, names in aliases.items() for a in names}
    for header in headers:
        key = lookup.get(normalise_header(header))
        if key is not None and key not in found:
            found[key] = header
    missing = [aliases[k][0] for k in required if k not in found]
    if missing:
        raise ImportFileError(
            _("The file lacks the column(s) %(names)s. Download the template to see the expected headers.",
              names="、".join(missing))
        )
    return found


def cell(row: Mapping[str, str], columns: Mapping[str, str], key: str) -> str | None:
    """The trimmed text of a column in a row, or None when the column is absent or empty."""
    header = columns.get(key)
    if header is None:
        return None
    value = (row.get(header) or "").strip()
    return value or None


_YES = {"是", "y", "yes", "true", "1", "√", "✓", "有", "t"}
_NO = {"否", "n", "no", "false", "0", "×", "x", "无", "不是", "f"}


def yes_no(value: str | None, what: str) -> bool | None:
    """是/否 (and common variants) as True/False; None for an empty cell."""
    if value is None:
        return None
    word = value.strip().lower()
    if word in _YES:
        return True
    if word in _NO:
        return False
    raise ValueError(_("%(what)s: %(value)s is not 是 or 否.", what=what, value=value))


LABOUR_WORDS = {
    "full": ("劳动力", "全劳力", "全劳动力", "普通劳动力", "有劳动能力", "强劳动力", "健康", "full"),
    "weak": ("弱劳力", "半劳力", "弱劳动力", "半劳动力", "弱劳力·半劳力", "弱劳力/半劳力", "部分劳动能力", "weak"),
    "none": ("无", "无劳动能力", "无劳动力", "丧失劳动能力", "丧失劳动力", "none"),
}
_LABOUR_LOOKUP = {normalise_header(w): code for code, words in LABOUR_WORDS.items() for w in words}


def labour_code(value: str) -> str:
    """The labour code for a labour-ability word; ValueError naming the word when unknown."""
    code = _LABOUR_LOOKUP.get(normalise_header(value))
    if code is None:
        raise ValueError(
            _("Labour ability %(value)s is not a known word (use 劳动力, 弱劳力/半劳力 or 无劳动能力).", value=value)
        )
    return code


@dataclass
class RowOutcome:
    """One row of the file: what importing it would do, or why it cannot."""

    line: int
    outcome: str
    label: str = ""
    messages: list[str] = field(default_factory=list)

    def fail(self, message: str) -> None:
        self.outcome = ERROR
        self.messages.append(message)


@dataclass
class Preview:
    """Every row's outcome and the counts by outcome."""

    kind: str
    rows: list[RowOutcome]
    file_error: str | None = None

    @property
    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(OUTCOMES, 0)
        for row in self.rows:
            out[row.outcome] += 1
        return out

    @property
    def ok(self) -> bool:
        return self.file_error is None and not any(r.outcome == ERROR for r in self.rows)

    @property
    def errors(self) -> list[RowOutcome]:
        return [r for r in self.rows if r.outcome == ERROR]

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "file_error": self.file_error, "rows": [asdict(r) for r in self.rows]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Preview":
        return cls(kind=data["kind"], file_error=data.get("file_error"),
                   rows=[RowOutcome(**r) for r in data["rows"]])


def chunks(items: list[str]) -> Iterable[list[str]]:
    """Split a long list for IN (...) queries that stay under every driver's parameter limit."""
    for i in range(0, len(items), CHUNK):
        yield items[i:i + CHUNK]


def village_lookup() -> tuple[dict[tuple[str, str], Village], dict[str, list[Village]]]:
    """All villages, by (township name, village name) and by village name alone."""
    villages = db.session.scalars(select(Village).options(joinedload(Village.township))).all()
    by_pair = {(v.township.name, v.name): v for v in villages}
    by_name: dict[str, list[Village]] = {}
    for v in villages:
        by_name.setdefault(v.name, []).append(v)
    return by_pair, by_name


def find_village(township: str | None, village: str | None, by_pair: dict[tuple[str, str], Village],
                  by_name: dict[str, list[Village]]) -> Village:
    """The active village a row names; ValueError saying why when unknown, ambiguous or deactivated."""
    if not village:
        raise ValueError(_("所属村 is empty."))
    if township:
        found = by_pair.get((township, village))
        if found is None:
            raise ValueError(_("Unknown village: %(township)s %(village)s is not in the register.",
                               township=township, village=village))
    else:
        matches = by_name.get(village, [])
        if not matches:
            raise ValueError(_("Unknown village: %(village)s is not in the register.", village=village))
        if len(matches) > 1:
            raise ValueError(_("Village name %(village)s is used in several townships; fill in 所属乡镇.",
                               village=village))
        found = matches[0]
    if not found.active or not found.township.active:
        raise ValueError(_("Village %(name)s is deactivated.", name=found.full_name))
    return found


# ---------------------------------------------------------------- the kept upload

def _folder() -> Path:
    # IMPORT_FOLDER lets tests (and deployments with a separate upload volume) move it.
    folder = Path(current_app.config.get("IMPORT_FOLDER") or Path(current_app.instance_path) / "imports")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _meta_path(token: str) -> Path:
    return _folder() / f"{token}.json"


def _remove_stale(folder: Path) -> None:
    cutoff = time.time() - STALE_AFTER_S
    for path in folder.iterdir():
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            continue


def keep_upload(data: bytes, filename: str, kind: str, options: Mapping[str, Any], user_id: int) -> str:
    """Store an uploaded file until it is confirmed; returns its random token."""
    ext = "xlsx" if filename.lower().endswith(".xlsx") else "csv" if filename.lower().endswith(".csv") else ""
    if not ext:
        raise SpreadsheetError(_("Only .xlsx and .csv files can be imported."))
    folder = _folder()
    _remove_stale(folder)
    token = secrets.token_urlsafe(24)
    (folder / f"{token}.{ext}").write_bytes(data)
    meta = {"kind": kind, "token": token, "filename": filename[:200], "ext": ext, "options": dict(options),
            "user_id": user_id, "uploaded_at": dt.datetime.now(dt.timezone.utc).isoformat()}
    _meta_path(token).write_text(json.dumps(meta, ensure_ascii=False))
    return token


def load_upload(token: str, user_id: int) -> tuple[dict[str, Any], bytes] | None:
    """The kept file and its description, or None when the token is unknown, stale or another user's."""
    if not _TOKEN.match(token or ""):
        return None
    meta_path = _meta_path(token)
    if not meta_path.exists():
        return None
    meta = json.loads(meta_path.read_text())
    if meta.get("user_id") != user_id:
        return None
    data_path = _folder() / f"{token}.{meta['ext']}"
    if not data_path.exists():
        return None
    return meta, data_path.read_bytes()


def save_preview(token: str, preview: Preview) -> None:
    (_folder() / f"{token}.preview.json").write_text(json.dumps(preview.to_json(), ensure_ascii=False))


def cached_preview(token: str) -> Preview | None:
    path = _folder() / f"{token}.preview.json"
    if not _TOKEN.match(token or "") or not path.exists():
        return None
    return Preview.from_json(json.loads(path.read_text()))


def discard_upload(token: str) -> None:
    """Remove the kept file, its description and its preview."""
    if not _TOKEN.match(token or ""):
        return
    for path in _folder().glob(f"{token}.*"):
        path.unlink(missing_ok=True)


def read_kept(meta: Mapping[str, Any], data: bytes) -> Table:
    """Read the kept file with the configured row limit; the confirm step reuses the first reading.

    Parsing an .xlsx is still the slowest single step of an import, and the file cannot
    change between preview and confirm, so its cells are kept beside it as JSON. The
    rows are still checked again on confirm.
    """
    token = meta.get("token")
    cache = _folder() / f"{token}.table.json" if token and _TOKEN.match(token) else None
    if cache is not None and cache.exists():
        kept = json.loads(cache.read_text())
        return Table(headers=kept["headers"], rows=[(line, row) for line, row in kept["rows"]])
    table = _read_file(meta, data)
    if cache is not None:
        # Written aside and renamed, so a request reading it at the same moment never sees half a file.
        partial = cache.with_name(f"{token}.table.{secrets.token_hex(4)}.tmp")
        partial.write_text(json.dumps({"headers": table.headers, "rows": table.rows}, ensure_ascii=False))
        partial.replace(cache)
    return table


def _read_file(meta: Mapping[str, Any], data: bytes) -> Table:
    import io

    from ..spreadsheets import read_table

    return read_table(meta["filename"] if meta["filename"].lower().endswith(("." + meta["ext"])) else
                      "upload." + meta["ext"], io.BytesIO(data),
                      max_rows=int(current_app.config.get("IMPORT_MAX_ROWS", 60000)))
