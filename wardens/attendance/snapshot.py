"""A closed month's snapshot: every row of its sheet as it was at the close (docs/domain.md, Calendars).

`write_snapshot` stores the sheet the close pays (computed one last time from the
records, with the rules frozen into the month) as `MonthSheetRow`s in one bulk INSERT,
and the totals and township name on the month; `drop_snapshot` removes them when an
administrator reopens the month and hands back what they held, for the audit trail.
From the close to a reopening nothing reads the live register for that month:
`subsidy.snapshot_rows` is its one reader.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, select

from ..audit import AuditAction, record_audits
from ..extensions import db
from ..models import AttendanceMonth, MonthSheetRow, MonthState, Township
from .sheet import Sheet, live_sheet, totals_record
from .subsidy import COUNT_COLUMNS, freeze_rules, rules_from

# Columns copied into the audit event of a reopening (everything but the row's own id).
ROW_FIELDS = tuple(c.key for c in MonthSheetRow.__table__.columns if c.key not in ("id", "attendance_month_id"))


def snapshot_values(sheet: Sheet) -> list[dict[str, Any]]:
    """The stored rows of a sheet: texts as printed, each day's status, counts and money."""
    out = []
    for r in sheet.rows:
        hm = r.holder
        assert hm.assignment is not None
        in_term = [d.day for d in sheet.days if hm.in_term[d]]
        out.append({
            "number": r.number,
            "assignment_id": hm.assignment_id,
            "person_id": hm.assignment.person_id,
            "post_id": hm.assignment.post_id,
            "village_name": r.village,
            "holder_name": r.name,
            "id_number_shown": r.id_masked,
            "post_code": r.post_code,
            "post_kind": hm.post_kind,
            "term_first": in_term[0] if in_term else 1,
            "term_last": in_term[-1] if in_term else 0,
            "days": [hm.days.get(d) for d in sheet.days],
            "certified": sorted(d.day for d in hm.certified if hm.days.get(d) is not None),
            **{column: hm.counts[status] for status, column in COUNT_COLUMNS.items()},
            "standard": hm.standard,
            "required_base": hm.required_base,
            "required_days": hm.required_days,
            "rate": hm.rate,
            "deduction": hm.deduction,
            "subsidy": hm.subsidy,
        })
    return out


def write_snapshot(month_row: AttendanceMonth, frozen: dict[str, Any]) -> Sheet:
    """Store the sheet the month is closed with (one INSERT for its rows); the sheet stored."""
    township = db.session.get(Township, month_row.township_id)
    assert township is not None
    # The version line of the settings used is not stored: it is rendered from the month's settings_used.
    sheet = live_sheet(township, month_row.year, month_row.month, month_row, rules_from(frozen=frozen), None)
    rows = snapshot_values(sheet)
    if rows:
        db.session.execute(insert(MonthSheetRow), [{"attendance_month_id": month_row.id, **r} for r in rows])
    month_row.township_name = sheet.township_name
    month_row.holders = len(rows)
    month_row.total_payable = sheet.total_subsidy
    month_row.totals = totals_record(sheet)
    return sheet


def drop_snapshot(month_row: AttendanceMonth) -> dict[str, Any]:
    """Delete the month's snapshot (one DELETE); what it held, for the reopening's audit event."""
    rows = db.session.execute(
        MonthSheetRow.__table__.select()
        .where(MonthSheetRow.attendance_month_id == month_row.id)
        .order_by(MonthSheetRow.number)
    ).mappings().all()
    before = {
        "township_name": month_row.township_name,
        "holders": month_row.holders,
        "total_payable": month_row.total_payable,
        "totals": month_row.totals,
        "rows": [{k: row[k] for k in ROW_FIELDS} for row in rows],
    }
    db.session.execute(delete(MonthSheetRow).where(MonthSheetRow.attendance_month_id == month_row.id))
    month_row.township_name = None
    month_row.holders = None
    month_row.total_payable = None
    month_row.totals = None
    return before




def store_missing_snapshots() -> list[AttendanceMonth]:
    """Store the sheet of every closed month that has none: months closed before closing stored its sheet.

    Each is stored as its sheet reads on the day this runs (the records are locked since its
    close; the rules it froze then, each post's own numbers where it froze none), audited
    once per month; a month that has its snapshot is left alone, so running it again does nothing.
    """
    months = list(db.session.scalars(
        select(AttendanceMonth)
        .where(AttendanceMonth.state == MonthState.CLOSED, AttendanceMonth.holders.is_(None))
        .order_by(AttendanceMonth.year, AttendanceMonth.month, AttendanceMonth.township_id)
    ))
    events = []
    for row in months:
        if not row.settings_used:
            row.settings_used = freeze_rules(row.township_id, row.year, row.month)
        sheet = write_snapshot(row, row.settings_used)
        events.append({"action": AuditAction.MONTH_SHEET_STORED, "entity_type": AttendanceMonth.__tablename__,
                       "entity_id": row.id, "before": None,
                       "after": {"holders": len(sheet.rows), "total_payable": sheet.total_subsidy}})
    db.session.flush()
    record_audits(events, actor_id=None)
    return months
