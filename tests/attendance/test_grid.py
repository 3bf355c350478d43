"""The daily grid: what it shows, what one save writes, and every rule that refuses a save."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import event, func, select

from tests.attendance.conftest import District, count, fresh, grid_post, sign_in
from tests.helpers import PASSWORD, csrf_token
from wardens import create_app
from wardens.extensions import db
from wardens.models import AttendanceChange, AttendanceMonth, AttendanceRecord, AuditEvent, current_settings
from wardens.models.enums import MonthState


def records(d: District, day: dt.date | None = None) -> dict[int, AttendanceRecord]:
    fresh()
    rows = db.session.scalars(select(AttendanceRecord).where(AttendanceRecord.day == (day or d.day))).all()
    return {r.assignment_id: r for r in rows}


def test_grid_lists_holders_in_force_grouped_by_village(client, district: District) -> None:
    sign_in(client, district.clerk)
    page = client.get("/attendance/grid").text
    assert page.index("江店村") < page.index("石湖村")  # grouped by village, in name order
    for h in district.holders:
        assert f'name="s-{h.id}"' in page
    assert f'name="s-{district.other_holder.id}"' not in page  # another township's holder
    assert "X001 起点 — 终点" in page
    assert "6 名在岗人员" in page or "6" in page


def test_one_save_writes_every_row_and_its_history(client, district: District) -> None:
    sign_in(client, district.clerk)
    statuses = {h.id: "present" for h in district.holders}
    statuses[district.holders[1].id] = "leave"
    resp = client.post("/attendance/grid", data=grid_post(district, statuses, notes={district.holders[1].id: "赶集"}))
    assert resp.status_code == 302
    assert resp.headers["Location"].startswith("/attendance/grid?day=")
    recs = records(district)
    assert {aid: r.status for aid, r in recs.items()} == statuses
    assert recs[district.holders[1].id].note == "赶集"
    assert recs[district.holders[0].id].recorded_by_id == district.clerk.id
    assert count(AttendanceChange) == 6
    assert count(AuditEvent, AuditEvent.action == "attendance.save_day") == 1
    # The page now shows who recorded each row and when, with a link to the history.
    page = client.get("/attendance/grid").text
    assert "clerk ·" in page and "/attendance/history/" in page
    # Saving the same grid again (versions now 1) changes nothing and writes no history.
    again = client.post("/attendance/grid", data=grid_post(district, statuses, versions={h.id: 1 for h in district.holders},
                                                           notes={district.holders[1].id: "赶集"}))
    assert again.status_code == 302
    assert count(AttendanceChange) == 6
    assert count(AttendanceRecord) == 6


def test_blank_rows_stay_unrecorded_and_fill_marks_them_present(client, district: District) -> None:
    sign_in(client, district.clerk)
    first = district.holders[0].id
    statuses = {h.id: None for h in district.holders}
    statuses[first] = "sick"
    client.post("/attendance/grid", data=grid_post(district, statuses))
    assert {a: r.status for a, r in records(district).items()} == {first: "sick"}
    statuses = {h.id: None for h in district.holders}
    resp = client.post("/attendance/grid", data=grid_post(district, statuses, versions={first: 1}, fill=True))
    assert resp.status_code == 302
    recs = records(district)
    assert recs[first].status == "sick"  # recorded rows are left alone
    assert sorted(r.status for a, r in recs.items() if a != first) == ["present"] * 5


def test_a_stale_row_is_a_conflict_naming_the_holder_and_nothing_is_saved(client, district: District) -> None:
    sign_in(client, district.clerk)
    a, b = district.holders[0], district.holders[1]
    client.post("/attendance/grid", data=grid_post(district, {a.id: "present"}))
    # A second browser opened the grid before that save (versions 0) and changes a and b.
    resp = client.post("/attendance/grid", data=grid_post(district, {a.id: "absent", b.id: "present"}))
    assert resp.status_code == 409
    assert a.person.name in resp.text and "别人修改" in resp.text
    recs = records(district)
    assert recs[a.id].status == "present" and b.id not in recs
    # The re-rendered grid carries the current version, so saving again works.
    assert f'name="v-{a.id}" value="1"' in resp.text


def test_same_value_from_a_stale_page_is_not_a_conflict(client, district: District) -> None:
    sign_in(client, district.clerk)
    a = district.holders[0]
    client.post("/attendance/grid", data=grid_post(district, {a.id: "present"}))
    resp = client.post("/attendance/grid", data=grid_post(district, {a.id: "present"}))
    assert resp.status_code == 302


def test_a_status_that_is_not_one_of_the_six_saves_nothing(client, district: District) -> None:
    sign_in(client, district.clerk)
    statuses = {h.id: "present" for h in district.holders}
    statuses[district.holders[2].id] = "holiday"
    resp = client.post("/attendance/grid", data=grid_post(district, statuses))
    assert resp.status_code == 422
    assert "“holiday”不是六种考勤状态之一" in resp.text
    assert records(district) == {}


def test_a_date_that_does_not_exist_is_refused(client, district: District) -> None:
    sign_in(client, district.clerk)
    data = grid_post(district, {district.holders[0].id: "present"})
    data["day"] = "2026-02-30"
    resp = client.post("/attendance/grid", data=data)
    assert resp.status_code == 422
    assert "2026-02-30 不是一个存在的日期" in resp.text
    assert count(AttendanceRecord) == 0
    page = client.get("/attendance/grid?day=2026-13-01").text
    assert "2026-13-01 不是一个存在的日期" in page


def test_a_future_date_is_refused(client, district: District) -> None:
    sign_in(client, district.clerk)
    tomorrow = district.day + dt.timedelta(days=1)
    resp = client.post("/attendance/grid", data=grid_post(district, {district.holders[0].id: "present"}, day=tomorrow))
    assert resp.status_code == 422
    assert "是将来的日期" in resp.text
    assert count(AttendanceRecord) == 0


def test_a_holder_not_in_force_that_day_is_refused(client, district: District, make) -> None:  # type: ignore[no-untyped-def]
    late = make.assignment(make.person(make.household(district.villages[0])), make.post(district.villages[0]),
                           term_start=district.day + dt.timedelta(days=5), term_end=district.day + dt.timedelta(days=300))
    db.session.commit()
    sign_in(client, district.clerk)
    resp = client.post("/attendance/grid", data=grid_post(district, {district.holders[0].id: "present", late.id: "present"}))
    assert resp.status_code == 422
    assert late.person.name in resp.text and "：协议在" in resp.text
    assert count(AttendanceRecord) == 0
    # ... and so is another township's holder
    resp = client.post("/attendance/grid", data=grid_post(district, {district.other_holder.id: "present"}))
    assert resp.status_code == 422


def test_an_old_day_needs_a_reason(client, district: District) -> None:
    sign_in(client, district.clerk)
    old = district.day - dt.timedelta(days=current_settings().correction_reason_after_days + 1)
    a = district.holders[0]
    resp = client.post("/attendance/grid", data=grid_post(district, {a.id: "present"}, day=old))
    assert resp.status_code == 422
    # Once, by the reason box; the top of the page points there.
    assert resp.text.count("请填写修改原因") == 1 and "未保存：请看修改原因栏旁的提示。" in resp.text
    assert records(district, old) == {}
    resp = client.post("/attendance/grid", data=grid_post(district, {a.id: "present"}, day=old, reason="补录签到簿"))
    assert resp.status_code == 302
    fresh()
    change = db.session.scalar(select(AttendanceChange).where(AttendanceChange.day == old))
    assert change.reason == "补录签到簿" and change.old_status is None and change.new_status == "present"


def test_a_correction_keeps_the_old_value_in_the_history(client, district: District) -> None:
    sign_in(client, district.clerk)
    a = district.holders[0]
    yesterday = district.day - dt.timedelta(days=1)
    client.post("/attendance/grid", data=grid_post(district, {a.id: "present"}, day=yesterday))
    resp = client.post("/attendance/grid", data=grid_post(district, {a.id: "absent"}, day=yesterday, versions={a.id: 1},
                                                           reason="巡查未见到人"))
    assert resp.status_code == 302
    rec = records(district, yesterday)[a.id]
    assert rec.status == "absent" and rec.version == 2
    page = client.get(f"/attendance/history/{a.id}/{yesterday.isoformat()}").text
    assert "巡查未见到人" in page and "旷工" in page and "出勤" in page


def test_three_days_of_sick_leave_ask_for_a_certificate(client, district: District) -> None:
    sign_in(client, district.clerk)
    a = district.holders[0]
    days = [district.day - dt.timedelta(days=i) for i in (2, 1, 0)]
    for i, day in enumerate(days[:2]):
        assert client.post("/attendance/grid", data=grid_post(district, {a.id: "sick"}, day=day)).status_code == 302
    resp = client.post("/attendance/grid", data=grid_post(district, {a.id: "sick"}, day=days[2]))
    assert resp.status_code == 422
    assert "需要医院证明" in resp.text
    assert a.id not in records(district, days[2])
    resp = client.post("/attendance/grid", data=grid_post(district, {a.id: "sick"}, day=days[2], certs={a.id}))
    assert resp.status_code == 302
    assert records(district, days[2])[a.id].certificate is True


def test_a_closed_month_is_read_only_on_the_grid(client, district: District) -> None:
    db.session.add(AttendanceMonth(township_id=district.township.id, year=district.day.year, month=district.day.month, state=MonthState.CLOSED))
    db.session.commit()
    sign_in(client, district.clerk)
    page = client.get("/attendance/grid").text
    assert "本月已关闭" in page and "disabled" in page and 'data-testid="grid-save"' not in page
    resp = client.post("/attendance/grid", data=grid_post(district, {district.holders[0].id: "present"}))
    assert resp.status_code == 409
    assert "已关闭" in resp.text
    assert records(district) == {}


def test_a_clerk_cannot_reach_another_township(client, district: District) -> None:
    sign_in(client, district.clerk)
    page = client.get(f"/attendance/grid?township_id={district.other_township.id}").text
    assert f'name="s-{district.other_holder.id}"' not in page  # a clerk's township is fixed
    resp = client.post("/attendance/grid", data=grid_post(district, {district.other_holder.id: "present"},
                                                           township_id=district.other_township.id))
    assert resp.status_code == 404
    assert client.get(f"/attendance/history/{district.other_holder.id}/{district.day.isoformat()}").status_code == 404
    assert client.get(f"/attendance/history/{district.holders[0].id}/not-a-date").status_code == 404


def test_office_staff_pick_any_township_and_a_village(client, district: District) -> None:
    sign_in(client, district.office)
    page = client.get(f"/attendance/grid?township_id={district.other_township.id}").text
    assert f'name="s-{district.other_holder.id}"' in page
    v = district.villages[0]
    page = client.get(f"/attendance/grid?township_id={district.township.id}&village_id={v.id}").text
    assert page.count('data-status') == 3
    assert client.get(f"/attendance/grid?township_id={district.township.id}&village_id={district.villages[0].id + 999}").status_code == 404


def test_wardens_may_not_open_the_grid(client, make, district: District) -> None:  # type: ignore[no-untyped-def]
    w = make.user("warden", username="warden1", person_id=district.holders[0].person_id)
    db.session.commit()
    sign_in(client, w)
    assert client.get("/attendance/grid").status_code == 403


def test_the_grid_reads_holders_and_records_in_two_queries(client, make) -> None:  # type: ignore[no-untyped-def]
    from tests.attendance.conftest import build_district

    d = build_district(make, holders_per_village=40)
    sign_in(client, d.clerk)
    client.post("/attendance/grid", data=grid_post(d, {h.id: "present" for h in d.holders}))
    statements: list[str] = []

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        page = client.get("/attendance/grid")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert page.status_code == 200 and page.text.count("data-status") == 80
    touching = [s for s in statements if "FROM assignment" in s or "FROM attendance_record" in s]
    assert len(touching) == 2, touching


def test_the_grid_form_works_with_csrf_on(district: District, database_url: str) -> None:
    from tests.conftest import _test_config

    app = create_app(_test_config(database_url) | {"WTF_CSRF_ENABLED": True})
    client = app.test_client()
    login_page = client.get("/login").text
    client.post("/login", data={"username": "clerk", "password": PASSWORD, "csrf_token": csrf_token(login_page)})
    page = client.get("/attendance/grid").text
    data = grid_post(district, {h.id: "present" for h in district.holders})
    assert client.post("/attendance/grid", data=data).status_code == 400  # no token: refused
    data["csrf_token"] = csrf_token(page)
    assert client.post("/attendance/grid", data=data).status_code == 302
    with app.app_context():
        assert count(AttendanceRecord) == 6
        db.session.remove()  # give the connection back before the pool goes
        db.engine.dispose()
