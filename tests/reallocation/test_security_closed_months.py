"""A closed (paid) attendance month stays as it was paid: no dismissal reaches back into it."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from tests.attendance.conftest import build_district, sign_in
from wardens.attendance.sheet import build_sheet
from wardens.dates import add_months
from wardens.extensions import db
from wardens.models import Assignment, AttendanceMonth, DismissalCase
from wardens.models.enums import MonthState, RunKind


def test_a_dismissal_cannot_end_an_agreement_inside_a_closed_month(client, make) -> None:  # type: ignore[no-untyped-def]
    d = build_district(make)
    year, month = add_months(d.day.year, d.day.month, -1)
    db.session.add(AttendanceMonth(township_id=d.township.id, year=year, month=month, state=MonthState.CLOSED))
    holder = d.holders[0]
    case = DismissalCase(assignment_id=holder.id, rule="absent_days", period=f"{year}-{month:02d}", evidence="旷工")
    db.session.add(case)
    db.session.commit()
    before = build_sheet(d.township.id, year, month).total_subsidy
    case_id, holder_id = case.id, holder.id
    db.session.rollback()
    sign_in(client, d.office)
    inside = dt.date(year, month, 10)
    resp = client.post(f"/reallocation/dismissals/{case_id}/dismiss", data={"reason": "顶岗", "last_day": inside.isoformat()},
                       follow_redirects=True)
    assert "已关闭" in resp.text
    db.session.rollback()
    assert db.session.get(Assignment, holder_id).ended_on is None
    assert db.session.get(DismissalCase, case_id).decision is None
    assert build_sheet(d.township.id, year, month).total_subsidy == before
    # From the day the open month starts, the dismissal goes through.
    resp = client.post(f"/reallocation/dismissals/{case_id}/dismiss", data={"reason": "顶岗", "last_day": d.day.isoformat(),
                                                                            "confirm": "1"})
    db.session.rollback()
    assert db.session.get(Assignment, holder_id).ended_on == d.day


def test_a_fill_run_before_a_month_closed_cannot_start_agreements_in_it(make) -> None:  # type: ignore[no-untyped-def]
    import pytest

    from wardens.models import AllocationRun
    from wardens.reallocation import dismissal
    from wardens.reallocation.errors import RefusedError
    from wardens.reallocation.rounds import open_round

    d = build_district(make)
    year, month = add_months(d.day.year, d.day.month, -1)
    rnd = open_round(name="本年", year=d.day.year, term_start=dt.date(year, 1, 1), term_end=dt.date(d.day.year, 12, 31),
                     reference_date=dt.date(year, 1, 1), notice_days=5, today=dt.date(year, 1, 1), user_id=None)
    post = make.post(d.villages[0], code="FILL-1")
    person = make.person(make.household(d.villages[0]))
    run = AllocationRun(round_id=rnd.id, kind=RunKind.MID_YEAR, post_id=post.id,
                        problem={"reference_date": dt.date(year, month, 20).isoformat()},
                        result_head={"assignments": [{"candidate": f"C{person.id}", "post": f"P{post.id}"}]})
    db.session.add(run)
    db.session.add(AttendanceMonth(township_id=d.township.id, year=year, month=month, state=MonthState.CLOSED))
    db.session.flush()
    with pytest.raises(RefusedError, match="已关闭"):
        dismissal.approve_fill(run, d.day, user_id=None)
    assert db.session.scalar(select(Assignment).where(Assignment.person_id == person.id)) is None
