"""停工 declared for a village or township over a date range, in one action."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from tests.attendance.conftest import District, count, fresh, grid_post, sign_in
from wardens.extensions import db
from wardens.models import AttendanceChange, AttendanceRecord, AuditEvent, Stoppage
from wardens.models.enums import MonthState


def declare(client, d: District, first: dt.date, last: dt.date, village_id: int = 0, reason: str = "洪水冲毁路基"):  # type: ignore[no-untyped-def]
    return client.post("/attendance/stoppage", data={"township_id": d.township.id, "village_id": village_id,
                                                     "first_day": first.isoformat(), "last_day": last.isoformat(), "reason": reason})


def test_a_village_stoppage_marks_every_holder_day_and_keeps_history(client, district: District) -> None:
    d = district
    sign_in(client, d.clerk)
    first, last = d.day - dt.timedelta(days=2), d.day
    a = d.holders[0]
    client.post("/attendance/grid", data=grid_post(d, {a.id: "present"}, day=last))
    resp = declare(client, d, first, last, village_id=d.villages[0].id)
    assert resp.status_code == 302
    fresh()
    rows = db.session.scalars(select(AttendanceRecord)).all()
    village_ids = {h.id for h in d.holders if h.post.village_id == d.villages[0].id}
    assert {(r.assignment_id, r.day) for r in rows} == {(aid, first + dt.timedelta(days=i)) for aid in village_ids for i in range(3)}
    assert {r.status for r in rows} == {"stopped"}
    change = db.session.scalar(select(AttendanceChange).where(AttendanceChange.assignment_id == a.id, AttendanceChange.day == last,
                                                             AttendanceChange.old_status == "present"))
    assert change.new_status == "stopped" and "洪水冲毁路基" in change.reason
    stop = db.session.scalar(select(Stoppage))
    assert stop.village_id == d.villages[0].id and stop.township_id is None and stop.declared_by_id == d.clerk.id
    assert count(AuditEvent, AuditEvent.action == "stoppage.declare") == 1
    # An open grid from before the declaration now conflicts instead of overwriting 停工.
    resp = client.post("/attendance/grid", data=grid_post(d, {a.id: "present"}, day=last, versions={a.id: 1}))
    assert resp.status_code == 409


def test_a_township_stoppage_covers_every_village(client, district: District) -> None:
    sign_in(client, district.office)
    assert declare(client, district, district.day, district.day).status_code == 302
    assert count(AttendanceRecord, AttendanceRecord.status == "stopped") == 6


def test_bad_stoppages_save_nothing(client, district: District) -> None:
    d = district
    sign_in(client, d.clerk)
    resp = declare(client, d, d.day, d.day - dt.timedelta(days=1))
    assert "结束日期早于开始日期" in resp.text
    resp = declare(client, d, d.day, d.day + dt.timedelta(days=2))
    assert "是将来的日期" in resp.text
    resp = declare(client, d, d.day, d.day, reason="")
    assert "error" in resp.text
    resp = declare(client, d, d.day, d.day, village_id=d.other_holder.post.village_id)
    assert "该村不属于所选乡镇" in resp.text
    assert count(AttendanceRecord) == 0 and count(Stoppage) == 0


def test_a_stoppage_reaching_into_a_closed_month_saves_nothing(client, district: District) -> None:
    from wardens.dates import add_months
    from wardens.models import AttendanceMonth

    d = district
    y, m = add_months(d.day.year, d.day.month, -1)
    db.session.add(AttendanceMonth(township_id=d.township.id, year=y, month=m, state=MonthState.CLOSED))
    db.session.commit()
    sign_in(client, d.office)
    first = d.day.replace(day=1) - dt.timedelta(days=2)
    resp = declare(client, d, first, d.day)
    assert resp.status_code == 409 and f"{y}-{m:02d} 已关闭" in resp.text
    assert count(AttendanceRecord) == 0 and count(Stoppage) == 0


def test_a_township_not_in_the_list_is_refused_by_the_field(client, district: District) -> None:
    # Office staff choose the township; a forged id once reached the database and read as a clash with another user.
    d = district
    sign_in(client, d.office)
    resp = client.post("/attendance/stoppage", data={"township_id": 999999, "village_id": 0, "reason": "洪水",
                                                     "first_day": d.day.isoformat(), "last_day": d.day.isoformat()})
    assert resp.status_code == 200
    assert "请从列表中选择乡镇。" in resp.text
    assert count(Stoppage) == 0
