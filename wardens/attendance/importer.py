"""Import a township's month from the spreadsheet the monthly sheet exports (same layout).

The file is read with the shared reader; rows whose first column is not a number (the
totals row, the settings and signature lines under the table) are the sheet's footer and
are skipped. Every other problem is listed with its line and reason, and nothing is saved
unless the whole file is good (the apply step also refuses if the month's records changed
after the preview).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask_babel import force_locale, gettext as _
from sqlalchemy import select

from ..dates import month_days
from ..extensions import db
from ..labels import STATUS_SYMBOLS
from ..models import Assignment, Person, Post, Status, Village
from ..spreadsheets import Table, neutralise_formula, normalise_header
from .operations import ImportCell, RecordWrite, check_sick_certificates, month_fingerprint, month_writes
from .sheet import CERTIFIED_SICK, fixed_headers

# The most rows a month's sheet import reads (a township's holders, with room to spare).
MAX_ROWS = 5000


def _symbol_table() -> dict[str, tuple[str, bool]]:
    table: dict[str, tuple[str, bool]] = {}
    for code, symbol in STATUS_SYMBOLS.items():
        table[symbol] = (code, False)
        table[code] = (code, False)
    table[CERTIFIED_SICK] = (Status.SICK.value, True)
    words = {"出勤": Status.PRESENT, "事假": Status.LEAVE, "病假": Status.SICK, "旷工": Status.ABSENT, "休息": Status.REST,
             "停工": Status.STOPPED, "✓": Status.PRESENT, "✔": Status.PRESENT, "x": Status.ABSENT, "X": Status.ABSENT,
             "✗": Status.ABSENT}
    for word, status in words.items():
        table[word] = (status.value, False)
    return table


SYMBOLS = _symbol_table()


@dataclass
class Change:
    name: str
    post_code: str
    day: dt.date
    old: str | None
    new: str
    certificate: bool


@dataclass
class ImportPreview:
    township_id: int
    year: int
    month: int
    cells: list[ImportCell] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    fingerprint: str = ""
    rows_read: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def _header_names() -> list[set[str]]:
    """Each fixed column's accepted header, in Chinese and English (files travel between users)."""
    names: list[set[str]] = [set() for _h in fixed_headers()]
    for locale in ("zh", "en"):
        with force_locale(locale):
            for i, h in enumerate(fixed_headers()):
                names[i].add(h)
    return names


def header_words() -> frozenset[str]:
    """The sheet's fixed headers in both languages, for finding the header row below the printed title."""
    return frozenset(normalise_header(name) for names in _header_names() for name in names)


def _find(headers: list[str], accepted: set[str]) -> str | None:
    for h in headers:
        if h in accepted:
            return h
    return None


def name_matches(written: str, name: str) -> bool:
    """Whether a name cell is the holder's name, as typed or as the export quoted it against formulas."""
    return written.strip() in {name.strip(), neutralise_formula(name).strip()}


def parse_month_sheet(table: Table, township_id: int, year: int, month: int, today: dt.date) -> ImportPreview:
    """Check an uploaded sheet against the township's holders and rules; list every problem."""
    preview = ImportPreview(township_id, year, month)
    days = month_days(year, month)
    accepted = _header_names()
    col_number = _find(table.headers, accepted[0])
    col_agreement = _find(table.headers, accepted[1])
    col_name = _find(table.headers, accepted[3])
    if col_number is None or col_agreement is None:
        preview.errors.append(_("The file is not a monthly sheet: the columns “No.” and “Agreement” are missing."))
        return preview
    day_cols = [h for h in table.headers if h.isdigit()]
    wanted = [str(d.day) for d in days]
    missing = [c for c in wanted if c not in day_cols]
    extra = [c for c in day_cols if c not in wanted]
    if missing or extra:
        preview.errors.append(_(
            "The day columns do not match %(year)d-%(month)02d (%(n)d days): missing %(missing)s, extra %(extra)s.",
            year=year, month=month, n=len(days), missing=", ".join(missing) or "—", extra=", ".join(extra) or "—",
        ))
        return preview

    first, last = days[0], days[-1]
    holders = {
        a.id: (a, name, code)
        for a, name, code in db.session.execute(
            select(Assignment, Person.name, Post.code)
            .join(Person, Person.id == Assignment.person_id)
            .join(Post, Post.id == Assignment.post_id)
            .join(Village, Village.id == Post.village_id)
            .where(Village.township_id == township_id, Assignment.overlaps_clause(first, last))
        )
    }
    seen: dict[int, int] = {}
    for line, row in table.rows:
        if not row.get(col_number, "").strip().isdigit():
            continue  # the footer: totals, settings used, signature lines
        preview.rows_read += 1
        raw_id = row.get(col_agreement, "").strip()
        if not raw_id.isdigit() or int(raw_id) not in holders:
            preview.errors.append(_("Line %(line)d: agreement “%(id)s” is not a holder of this township in this month.",
                                    line=line, id=raw_id))
            continue
        aid = int(raw_id)
        assignment, name, code = holders[aid]
        if aid in seen:
            preview.errors.append(_("Line %(line)d: agreement %(id)d is already on line %(other)d.",
                                    line=line, id=aid, other=seen[aid]))
            continue
        seen[aid] = line
        if col_name and row.get(col_name, "").strip() and not name_matches(row.get(col_name, ""), name):
            preview.errors.append(_("Line %(line)d: the name “%(got)s” does not match agreement %(id)d (%(name)s).",
                                    line=line, got=row.get(col_name, "").strip(), id=aid, name=name))
            continue
        for d in days:
            text = row.get(str(d.day), "").strip()
            if not text:
                continue
            if text not in SYMBOLS:
                preview.errors.append(_("Line %(line)d, day %(day)d: “%(value)s” is not one of the six statuses (√ 事 病 × 休 停).",
                                        line=line, day=d.day, value=text))
                continue
            if not assignment.in_force_on(d):
                preview.errors.append(_("Line %(line)d, day %(day)d: %(name)s's agreement is not in force that day.",
                                        line=line, day=d.day, name=name))
                continue
            if d > today:
                preview.errors.append(_("Line %(line)d, day %(day)d: the day is in the future.", line=line, day=d.day))
                continue
            status, cert = SYMBOLS[text]
            preview.cells.append(ImportCell(aid, d, status, cert))
    if preview.rows_read == 0 and not preview.errors:
        preview.errors.append(_("The file has no holder rows."))
    if preview.errors:
        return preview

    writes = month_writes(preview.cells)
    for (aid, _day), message in check_sick_certificates(writes, key=lambda w: (w.assignment_id, w.day)).items():
        preview.errors.append(_("Line %(line)d: %(message)s", line=seen[aid], message=message))
    preview.changes = [_change(w, holders[w.assignment_id][1], holders[w.assignment_id][2]) for w in writes]
    preview.fingerprint = month_fingerprint(township_id, year, month)
    return preview


def _change(w: RecordWrite, name: str, code: str) -> Change:
    return Change(name, code, w.day, w.old.status if w.old else None, w.status, w.certificate)
