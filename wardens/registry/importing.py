"""What every import shares: header words, cell words, row outcomes and the kept upload.

An import runs in two steps. The upload is kept by wardens.uploads (tied to the user who
made it, with an expiry), the preview lists every row's outcome, and the confirm step
reads the same file again, re-validates it against the database as it is now, and
applies everything in one transaction, or nothing when any row is in error.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..errors import BadInput
from ..extensions import db
from ..models import Village
from ..spreadsheets import Table, lossy_cells, normalise_header, table_notes  # noqa: F401 (re-exported)

NEW, UPDATE, UNCHANGED, ERROR = "new", "update", "unchanged", "error"
OUTCOMES = (NEW, UPDATE, UNCHANGED, ERROR)
CHUNK = 500


class ImportFileError(BadInput, ValueError):
    """The file as a whole cannot be imported (missing columns, unreadable); the message says why."""


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
    # What applying would change: [what, field, before, after] (what: person, household, flag).
    changes: list[list[str]] = field(default_factory=list)

    def fail(self, message: str) -> None:
        self.outcome = ERROR
        self.messages.append(message)

    def change(self, what: str, name: str, before: Any, after: Any) -> None:
        self.changes.append([what, name, shown(before), shown(after)])


def shown(value: Any) -> str:
    """A stored value as the preview shows it: 是/否, dates as YYYY-MM-DD, nothing as "—"."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


@dataclass
class Preview:
    """Every row's outcome and the counts by outcome."""

    kind: str
    rows: list[RowOutcome]
    file_error: str | None = None
    # What the file itself was found to be: its sheet, header row, hidden columns, skipped example row.
    notes: list[str] = field(default_factory=list)

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
        return {"kind": self.kind, "file_error": self.file_error, "notes": self.notes,
                # By hand: dataclasses.asdict deep-copies every list, most of a 20,000-row upload's time.
                "rows": [{"line": r.line, "outcome": r.outcome, "label": r.label, "messages": r.messages,
                          "changes": r.changes} for r in self.rows]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Preview":
        return cls(kind=data["kind"], file_error=data.get("file_error"), notes=list(data.get("notes") or []),
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


# ---------------------------------------------------------------- text-by-nature cells

def damaged_cells(table: Table, columns: Mapping[str, str], keys: Iterable[str]) -> dict[int, list[str]]:
    """For each row, why a text-by-nature cell (ID, account, phone, codes …) cannot be stored as read.

    The spreadsheet reader keeps each cell's kind; an 18-digit ID in a number cell
    has lost its last digits before the file reached us, so it is refused by the cell.
    """
    return lossy_cells(table, [columns[k] for k in keys if k in columns])
