"""The threshold check works each month out only for the holders who may cross a limit in it;
what it finds is what working every month out for every holder finds."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from tests.core.test_home_scale import TODAY, district
from wardens.attendance import thresholds
from wardens.attendance.months import close_month, submit_month
from wardens.extensions import db
from wardens.models import Township


def found(day: dt.date) -> list[tuple[int, str, str, str]]:
    return [(h.assignment.id, h.rule, h.period, h.evidence) for h in thresholds.holders_crossing_thresholds(day)]


def test_the_holders_worked_out_are_enough(make, clock, monkeypatch):
    users = district(make, 9, dt.date(2026, 9, 1), first_day=dt.date(2026, 8, 1))
    for tid in db.session.scalars(db.select(Township.id)):
        for month in (8, 9):
            submit_month(tid, 2026, month, users["office"], today=TODAY)
            close_month(tid, 2026, month, users["office"])
    db.session.commit()
    days = (TODAY, dt.date(2026, 10, 31), dt.date(2026, 11, 1))
    pruned = {day: found(day) for day in days}
    # Everyone a candidate in every month: the whole computation.
    everyone = defaultdict(lambda: 10 ** 6)
    monkeypatch.setattr(thresholds, "absences_recorded",
                        lambda months: {(a, y, m): everyone[a] for a in range(1, 10 ** 4) for y, m in months})
    whole = {day: found(day) for day in days}
    assert pruned == whole
    assert any(rule == "absent_days" for hits in whole.values() for _a, rule, _p, _e in hits)
