"""Attendance rules and writes: they flush, never commit, and never read the request.

Every write path (the daily grid, a 停工 declaration and its undo (stoppage.py), an import) ends in
`write_records`: one INSERT ... ON CONFLICT (assignment_id, day) DO UPDATE per chunk,
guarded by the version each row had when it was read, plus one history row
(AttendanceChange) per changed holder-day. Callers lock the township-month first
(`ensure_month_open`), so the versions they read cannot move under them.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from flask_babel import gettext as _
from sqlalchemy import insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..audit import AuditAction, record_audit
from ..dates import month_days, utcnow
from ..errors import BadInput, Refusal
from ..extensions import db
from ..text import CONTROL_CHARACTERS_MESSAGE, has_control_characters
from ..models import (
    Assignment,
    AttendanceChange,
    AttendanceRecord,
    Person,
    Post,
    Status,
    User,
    Village,
    settings_for_month,
    settings_on,
)
from .months import ensure_month_open

STATUSES = tuple(s.value for s in Status)
NOTE_MAX = 200
REASON_MAX = 500
# Rows per INSERT: well under SQLite's 32,766 bound parameters with 9 columns a row.
UPSERT_CHUNK = 1000


class AttendanceError(BadInput, ValueError):
    """Bad input: nothing from the submission was saved. Carries a message per row."""

    def __init__(self, messages: Sequence[str], rows: dict[Any, str] | None = None) -> None:
        super().__init__("; ".join(str(m) for m in messages))
        self.messages = [str(m) for m in messages]
        self.rows = rows or {}


class ConflictError(Refusal, ValueError):
    """Rows changed since they were read; nothing from the submission was saved."""

    def __init__(self, names: Sequence[str], assignment_ids: Sequence[int]) -> None:
        self.names = list(names)
        self.assignment_ids = list(assignment_ids)
        super().__init__(
            _(
                "Not saved: these rows were changed by someone else since you opened the page: %(names)s. "
                "The page now shows their current values; check them and save again.",
                names="、".join(self.names),
            )
        )


@dataclass(frozen=True)
class Existing:
    """A stored record as it was read inside the writing transaction."""

    status: str
    note: str | None
    certificate: bool
    version: int


@dataclass(frozen=True)
class RecordWrite:
    """One holder-day to write, with what it replaces (None for a first record)."""

    assignment_id: int
    day: dt.date
    status: str
    note: str | None
    certificate: bool
    old: Existing | None

    @property
    def changes_anything(self) -> bool:
        if self.old is None:
            return True
        return (self.old.status, self.old.note or None, self.old.certificate) != (self.status, self.note or None, self.certificate)



def _upsert() -> Any:
    """The guarded upsert, one fixed statement: executed with many rows, SQLAlchemy sends them
    as multi-row INSERTs ("insertmanyvalues") and caches the compiled form."""
    dialect = db.session.get_bind().dialect.name
    factory = pg_insert if dialect == "postgresql" else sqlite_insert
    table = AttendanceRecord.__table__
    stmt = factory(table)
    excluded = stmt.excluded
    return stmt.on_conflict_do_update(
        index_elements=[table.c.assignment_id, table.c.day],
        set_={
            "status": excluded.status,
            "note": excluded.note,
            "certificate": excluded.certificate,
            "recorded_by_id": excluded.recorded_by_id,
            "recorded_at": excluded.recorded_at,
            "version": excluded.version,
        },
        # The version guard inside the statement: a row someone else changed
        # since it was read is left alone, and the count below notices.
        where=table.c.version == excluded.version - 1,
    ).returning(table.c.assignment_id)


def write_records(writes: Sequence[RecordWrite], *, reason: str | None, user_id: int | None,
                  at: dt.datetime | None = None) -> int:
    """Upsert holder-days in single statements and keep their history; raise on a version conflict.

    at is the time recorded on the records and their history (default: now; the demo's history).
    """
    writes = [w for w in writes if w.changes_anything]
    if not writes:
        return 0
    now = at or utcnow()
    written = 0
    connection = db.session.connection()
    upsert = _upsert()
    for i in range(0, len(writes), UPSERT_CHUNK):
        chunk = writes[i : i + UPSERT_CHUNK]
        rows = [
            {
                "assignment_id": w.assignment_id,
                "day": w.day,
                "status": w.status,
                "note": w.note or None,
                "certificate": w.certificate,
                "recorded_by_id": user_id,
                "recorded_at": now,
                "version": (w.old.version if w.old else 0) + 1,
            }
            for w in chunk
        ]
        # RETURNING counts the rows the guard let through (rowcount is -1 for a
        # multi-row upsert on psycopg).
        written += len(connection.execute(upsert, rows).all())
    if written != len(writes):
        stale = _stale_rows(writes)
        raise ConflictError(_holder_names(stale), stale)
    connection.execute(
        insert(AttendanceChange.__table__),
        [
            {
                "assignment_id": w.assignment_id,
                "day": w.day,
                "old_status": w.old.status if w.old else None,
                "new_status": w.status,
                "old_note": w.old.note if w.old else None,
                "new_note": w.note or None,
                "reason": reason or None,
                "changed_by_id": user_id,
                "changed_at": now,
            }
            for w in writes
        ],
    )
    return len(writes)


def _stale_rows(writes: Sequence[RecordWrite]) -> list[int]:
    """Assignments whose stored version is not the one the write expected."""
    current = existing_records([w.assignment_id for w in writes], [w.day for w in writes])
    stale = []
    for w in writes:
        now = current.get((w.assignment_id, w.day))
        expected = w.old.version if w.old else 0
        if (now.version if now else 0) != expected + 1 or (now and (now.status, now.note) != (w.status, w.note or None)):
            stale.append(w.assignment_id)
    return sorted(set(stale))


def existing_records(assignment_ids: Iterable[int], days: Iterable[dt.date]) -> dict[tuple[int, dt.date], Existing]:
    """Stored records for these assignments on these days, in one query per chunk."""
    ids = sorted(set(assignment_ids))
    day_set = set(days)
    if not ids or not day_set:
        return {}
    first, last = min(day_set), max(day_set)
    out: dict[tuple[int, dt.date], Existing] = {}
    for i in range(0, len(ids), 900):
        rows = db.session.execute(
            select(
                AttendanceRecord.assignment_id, AttendanceRecord.day, AttendanceRecord.status,
                AttendanceRecord.note, AttendanceRecord.certificate, AttendanceRecord.version,
            ).where(AttendanceRecord.assignment_id.in_(ids[i : i + 900]), AttendanceRecord.day.between(first, last))
        )
        for aid, day, status, note, cert, version in rows:
            if day in day_set:
                out[(aid, day)] = Existing(status, note, bool(cert), version)
    return out


def _holder_names(assignment_ids: Iterable[int]) -> list[str]:
    ids = sorted(set(assignment_ids))
    if not ids:
        return []
    rows = db.session.execute(
        select(Assignment.id, Person.name, Post.code)
        .join(Person, Person.id == Assignment.person_id)
        .join(Post, Post.id == Assignment.post_id)
        .where(Assignment.id.in_(ids))
    ).all()
    return [f"{name}（{code}）" for _aid, name, code in sorted(rows)]


# --- rules ------------------------------------------------------------------


def check_not_future(day: dt.date, today: dt.date) -> None:
    """No attendance for a day that has not happened yet."""
    if day > today:
        raise AttendanceError([_("%(day)s is in the future: attendance can only be recorded up to today.", day=day.isoformat())])


def reason_required(day: dt.date, today: dt.date) -> bool:
    """A change to a day older than the correction setting must say why."""
    return (today - day).days > settings_on(day).correction_reason_after_days


def check_reason(day: dt.date, today: dt.date, reason: str | None) -> None:
    """Refuse a late change without a reason."""
    if reason_required(day, today) and not (reason or "").strip():
        raise AttendanceError(
            [
                _(
                    "%(day)s is more than %(n)d days ago: give a reason for the change.",
                    day=day.isoformat(),
                    n=settings_on(day).correction_reason_after_days,
                )
            ]
        )


def sick_runs_needing_certificate(writes: Sequence[RecordWrite]) -> list[RecordWrite]:
    """Sick-leave days being written without a certificate mark in a run of N+ consecutive sick days.

    The run is read from the stored records around the written days, with the
    written values laid over them, so a run split across two saves still counts. Each day is
    judged by the certificate rule of the settings version in force for its month.
    """
    sick = [w for w in writes if w.status == Status.SICK.value and not w.certificate]
    if not sick:
        return []
    limits = {w.day: settings_on(w.day).sick_certificate_days for w in sick}
    reach = max(limits.values())
    if reach <= 1:
        return sick
    ids = sorted({w.assignment_id for w in writes if w.status == Status.SICK.value})
    first = min(w.day for w in sick) - dt.timedelta(days=reach - 1)
    last = max(w.day for w in sick) + dt.timedelta(days=reach - 1)
    status: dict[tuple[int, dt.date], str] = {}
    for i in range(0, len(ids), 900):
        for aid, day, st in db.session.execute(
            select(AttendanceRecord.assignment_id, AttendanceRecord.day, AttendanceRecord.status).where(
                AttendanceRecord.assignment_id.in_(ids[i : i + 900]), AttendanceRecord.day.between(first, last)
            )
        ):
            status[(aid, day)] = st
    for w in writes:
        status[(w.assignment_id, w.day)] = w.status

    def run_length(aid: int, day: dt.date) -> int:
        n = 1
        for step in (-1, 1):
            d = day + dt.timedelta(days=step)
            while status.get((aid, d)) == Status.SICK.value:
                n += 1
                d += dt.timedelta(days=step)
        return n

    return [w for w in sick if run_length(w.assignment_id, w.day) >= limits[w.day]]


def check_sick_certificates(writes: Sequence[RecordWrite], key: Any = None) -> dict[Any, str]:
    """A message per holder-day that needs a certificate mark (empty when none)."""
    missing = sick_runs_needing_certificate(writes)
    names = dict(zip(sorted({w.assignment_id for w in missing}), _holder_names({w.assignment_id for w in missing})))
    out: dict[Any, str] = {}
    for w in missing:
        out[key(w) if key else w.assignment_id] = _(
            "%(name)s: sick leave of %(n)d or more consecutive days needs a doctor's certificate; tick the certificate box (%(day)s).",
            name=names.get(w.assignment_id, ""), n=settings_on(w.day).sick_certificate_days, day=w.day.isoformat(),
        )
    return out


# --- the daily grid ------------------------------------------------------------


@dataclass
class GridEntry:
    """One row as the grid submitted it; status None leaves the holder-day as it is."""

    assignment_id: int
    status: str | None
    note: str
    certificate: bool
    version: int


@dataclass
class SaveResult:
    written: int
    conflicts: list[int] = field(default_factory=list)


def holders_in_force(township_id: int, day: dt.date, ids: Iterable[int]) -> dict[int, Assignment]:
    """The listed assignments that are in force on day in the township (one query)."""
    ids = sorted(set(ids))
    if not ids:
        return {}
    rows = db.session.scalars(
        select(Assignment)
        .join(Post, Post.id == Assignment.post_id)
        .join(Village, Village.id == Post.village_id)
        .where(Assignment.id.in_(ids), Village.township_id == township_id, Assignment.in_force_on_clause(day))
    ).all()
    return {a.id: a for a in rows}


def township_assignments(township_id: int, ids: Iterable[int]) -> list[int]:
    """The listed assignments whose post is in the township, whatever their term (one query)."""
    ids = sorted(set(ids))
    if not ids:
        return []
    return list(db.session.scalars(
        select(Assignment.id)
        .join(Post, Post.id == Assignment.post_id)
        .join(Village, Village.id == Post.village_id)
        .where(Assignment.id.in_(ids), Village.township_id == township_id)
    ))


def save_day(
    township_id: int,
    day: dt.date,
    entries: Sequence[GridEntry],
    *,
    reason: str | None,
    user: User,
    today: dt.date,
) -> SaveResult:
    """Save a township's (or village's) day from the grid: all rows or none.

    Raises ClosedMonthError, AttendanceError (bad rows, each with its message) or
    ConflictError (rows changed since the grid was opened). Unchanged rows write nothing.
    """
    check_not_future(day, today)
    ensure_month_open(township_id, day)

    row_errors: dict[int, str] = {}
    known = holders_in_force(township_id, day, [e.assignment_id for e in entries])
    for e in entries:
        if e.assignment_id not in known:
            row_errors[e.assignment_id] = _("This holder's agreement is not in force on %(day)s.", day=day.isoformat())
        elif e.status is not None and e.status not in STATUSES:
            row_errors[e.assignment_id] = _("“%(value)s” is not one of the six attendance statuses.", value=e.status)
        elif len(e.note) > NOTE_MAX:
            row_errors[e.assignment_id] = _("The note is longer than %(n)d characters.", n=NOTE_MAX)
        elif has_control_characters(e.note):
            row_errors[e.assignment_id] = str(CONTROL_CHARACTERS_MESSAGE)
    if row_errors:
        # A holder not in force is not on the grid, so name them in the message too;
        # but only the township's own: an id smuggled in from another township stays
        # unnamed, or a clerk could read any holder's name and post by guessing ids.
        outside = [e.assignment_id for e in entries if e.assignment_id not in known]
        named = [
            _("%(name)s: the agreement is not in force on %(day)s.", name=name, day=day.isoformat())
            for name in _holder_names(township_assignments(township_id, outside))
        ]
        raise AttendanceError([_("Nothing was saved: correct the rows marked below.")] + named, row_errors)

    current = existing_records(known, [day])
    writes: list[RecordWrite] = []
    conflicts: list[int] = []
    for e in entries:
        if e.status is None:
            continue
        old = current.get((e.assignment_id, day))
        w = RecordWrite(e.assignment_id, day, e.status, e.note.strip() or None,
                        e.certificate and e.status == Status.SICK.value, old)
        if not w.changes_anything:
            continue
        if (old.version if old else 0) != e.version:
            conflicts.append(e.assignment_id)
            continue
        writes.append(w)
    if conflicts:
        raise ConflictError(_holder_names(conflicts), conflicts)
    if writes:
        check_reason(day, today, reason)
    cert = check_sick_certificates(writes)
    if cert:
        raise AttendanceError([_("Nothing was saved: correct the rows marked below.")], cert)
    n = write_records(writes, reason=(reason or "").strip()[:REASON_MAX] or None, user_id=user.id)
    if n:
        record_audit(
            AuditAction.ATTENDANCE_SAVE_DAY, entity_type="township", entity_id=township_id,
            after={"day": day, "rows": n}, reason=(reason or "").strip() or None,
            actor_id=user.id,
        )
    return SaveResult(written=n)


# --- import -----------------------------------------------------------------------


@dataclass(frozen=True)
class ImportCell:
    assignment_id: int
    day: dt.date
    status: str
    certificate: bool


def month_writes(cells: Sequence[ImportCell]) -> list[RecordWrite]:
    """The holder-days an import would change (stored values compared in one query)."""
    current = existing_records([c.assignment_id for c in cells], [c.day for c in cells])
    out = []
    for c in cells:
        old = current.get((c.assignment_id, c.day))
        # The sheet carries no notes: keep the stored note.
        w = RecordWrite(c.assignment_id, c.day, c.status, old.note if old else None,
                        c.certificate and c.status == Status.SICK.value, old)
        if w.changes_anything:
            out.append(w)
    return out


def month_fingerprint(township_id: int, year: int, month: int) -> str:
    """A digest of every record version in the township's month: any change alters it."""
    days = month_days(year, month)
    rows = db.session.execute(
        select(AttendanceRecord.assignment_id, AttendanceRecord.day, AttendanceRecord.version)
        .join(Assignment, Assignment.id == AttendanceRecord.assignment_id)
        .join(Post, Post.id == Assignment.post_id)
        .join(Village, Village.id == Post.village_id)
        .where(Village.township_id == township_id, AttendanceRecord.day.between(days[0], days[-1]))
        .order_by(AttendanceRecord.assignment_id, AttendanceRecord.day)
    ).all()
    digest = hashlib.sha256()
    for aid, day, version in rows:
        digest.update(f"{aid}:{day.isoformat()}:{version};".encode())
    return digest.hexdigest()


def apply_month_import(
    township_id: int,
    year: int,
    month: int,
    cells: Sequence[ImportCell],
    *,
    reason: str | None,
    user: User,
    today: dt.date,
    fingerprint: str,
) -> int:
    """Write an imported month, all or nothing, if nothing changed since the preview."""
    ensure_month_open(township_id, dt.date(year, month, 1))
    if month_fingerprint(township_id, year, month) != fingerprint:
        raise AttendanceError([_("The month's records changed after the preview. Nothing was saved; upload the file again.")])
    writes = month_writes(cells)
    for w in writes:
        check_not_future(w.day, today)
    if writes and any(reason_required(w.day, today) for w in writes) and not (reason or "").strip():
        raise AttendanceError([_("Some days are more than %(n)d days ago: give a reason for the import.",
                                 n=settings_for_month(year, month).correction_reason_after_days)])
    cert = check_sick_certificates(writes, key=lambda w: (w.assignment_id, w.day))
    if cert:
        raise AttendanceError(list(cert.values()))
    n = write_records(writes, reason=(reason or "").strip()[:REASON_MAX] or _("Imported from the monthly sheet"), user_id=user.id)
    record_audit(AuditAction.ATTENDANCE_IMPORT_MONTH, entity_type="township", entity_id=township_id,
                 after={"year": year, "month": month, "holder_days": n}, reason=(reason or "").strip() or None, actor_id=user.id)
    return n


__all__ = [
    "AttendanceError",
    "ConflictError",
    "GridEntry",
    "ImportCell",
    "RecordWrite",
    "SaveResult",
    "apply_month_import",
    "existing_records",
    "save_day",
    "write_records",
]
