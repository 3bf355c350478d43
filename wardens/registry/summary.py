"""What the person page shows besides the person: this month's attendance in counts."""
from __future__ import annotations

from sqlalchemy import func, select

from ..dates import month_bounds
from ..extensions import db
from ..models import Assignment, AttendanceRecord, Status


def month_attendance_counts(person_id: int, year: int, month: int) -> dict[str, int]:
    """Days recorded this month by status, across all the person's assignments (every status listed)."""
    first, last = month_bounds(year, month)
    rows = db.session.execute(
        select(AttendanceRecord.status, func.count(AttendanceRecord.id))
        .join(Assignment, Assignment.id == AttendanceRecord.assignment_id)
        .where(Assignment.person_id == person_id, AttendanceRecord.day >= first, AttendanceRecord.day <= last)
        .group_by(AttendanceRecord.status)
    ).all()
    counts = dict.fromkeys((s.value for s in Status), 0)
    counts.update({status: int(n) for status, n in rows})
    return counts
