"""Refreshing the dismissal flags at any size: the same statements for ten times the holders,
and every new case audited with its own event."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from tests.conftest import Factory, database_of_its_own
from tests.reallocation.test_scale import TERM_2026, counted
from wardens.audit import AuditAction
from wardens.extensions import db
from wardens.models import AuditEvent, DismissalCase
from wardens.reallocation.dismissal import refresh_flags

DAY = dt.date(2026, 11, 16)


def holders_in_stable_work(make: Any, villages: int) -> int:
    """Per village two holders the register marks as in stable employment: each raises one flag."""
    town = make.township(name="乡镇")
    for v in range(villages):
        village = make.village(town, name=f"村{v:03d}")
        post = make.post(village, code=f"Y{v:03d}", slots=2)
        for k in range(2):
            make.assignment(make.person(make.household(village), name=f"在岗{v}-{k}", stable_employment=True), post,
                            term_start=TERM_2026[0], term_end=TERM_2026[1])
    office = make.user("office", username="office1")
    db.session.commit()
    return office.id


def measure(villages: int) -> tuple[int, int, int]:
    office_id = holders_in_stable_work(Factory(), villages)
    with counted() as statements:
        added = refresh_flags(DAY, office_id)
    db.session.commit()
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == AuditAction.DISMISSAL_FLAG.value)))
    cases = {c.id for c in db.session.scalars(select(DismissalCase))}
    assert {e.entity_id for e in events} == cases and {e.actor_id for e in events} == {office_id}
    assert refresh_flags(DAY, office_id) == 0  # a flag already recorded is not recorded again
    return len(statements), added, len(events)


def test_refreshing_flags_sends_the_same_statements_for_ten_times_the_holders(tmp_path) -> None:  # type: ignore[no-untyped-def]
    results = []
    for villages in (5, 50):
        with database_of_its_own(tmp_path / f'{villages}.sqlite3'):
            results.append(measure(villages))
    (small, small_added, small_events), (large, large_added, large_events) = results
    assert (small_added, small_events, large_added, large_events) == (10, 10, 100, 100)
    assert large <= small + 2 and large < 50, results  # the batched INSERT may split in two
