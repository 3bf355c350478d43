"""停工 in two steps (a preview that writes nothing, then the confirmation) and its undo as one action.

The clock stands at 2026-11-16 (the `clock` fixture); every request is posted by hand, as a
script or a second tab would, not only through the pages' buttons.
"""
from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select

from tests.attendance.conftest import District, count, fresh, grid_post, sign_in
from tests.conftest import DISTRICT
from wardens.dates import as_utc
from wardens.demo import load_demo
from wardens.extensions import db
from wardens.models import (
    AttendanceChange,
    AttendanceMonth,
    AttendanceRecord,
    AuditEvent,
    Stoppage,
    StoppageDay,
    StoppageState,
    User,
)
from wardens.models.enums import MonthState


def request_data(d: District, first: dt.date, last: dt.date, village_id: int = 0, reason: str = "洪水冲毁路基") -> dict:
    return {"township_id": d.township.id, "village_id": village_id, "first_day": first.isoformat(),
            "last_day": last.isoformat(), "reason": reason}


def preview(client, d: District, first: dt.date, last: dt.date, village_id: int = 0, reason: str = "洪水冲毁路基"):  # type: ignore[no-untyped-def]
    return client.post("/attendance/stoppage", data=request_data(d, first, last, village_id, reason))


def confirm_data(resp) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The hidden fields of the preview's confirmation form, as the browser would post them."""
    form = resp.text.split('data-testid="stoppage-confirm"', 1)[1].split("</form>", 1)[0]
    fields = dict(re.findall(r'<input[^>]*name="([a-z_]+)"[^>]*value="([^"]*)"', form))
    assert "fingerprint" in fields
    return fields


def declare(client, d: District, first: dt.date, last: dt.date, village_id: int = 0, reason: str = "洪水冲毁路基"):  # type: ignore[no-untyped-def]
    """Preview, then confirm what the preview showed."""
    resp = preview(client, d, first, last, village_id, reason)
    assert resp.status_code == 200, resp.text
    resp = client.post("/attendance/stoppage/confirm", data=confirm_data(resp))
    fresh()
    return resp


def records() -> dict[tuple[int, dt.date], tuple[str, str | None, bool, int]]:
    fresh()
    return {(r.assignment_id, r.day): (r.status, r.note, r.certificate, r.version)
            for r in db.session.scalars(select(AttendanceRecord))}


def table_counts() -> dict[str, int]:
    return {m.__name__: count(m) for m in (AttendanceRecord, AttendanceChange, Stoppage, StoppageDay, AuditEvent,
                                           AttendanceMonth)}


def test_the_preview_counts_the_days_and_their_statuses_and_writes_nothing(clock, client, district: District) -> None:
    d = district
    sign_in(client, d.clerk)
    first, last = d.day - dt.timedelta(days=2), d.day
    village = [h for h in d.holders if h.post.village_id == d.villages[0].id]
    client.post("/attendance/grid", data=grid_post(d, {village[0].id: "present", village[1].id: "sick"}, day=last))
    client.post("/attendance/grid", data=grid_post(d, {village[0].id: "absent"}, day=first))
    before = table_counts()
    resp = preview(client, d, first, last, village_id=d.villages[0].id)
    assert resp.status_code == 200
    assert table_counts() == before  # not even a month row
    total = resp.text.split('data-testid="preview-total"', 1)[1].split("</dd>", 1)[0]
    assert "9 个人日" in total and "3 名" in total
    recorded = resp.text.split('data-testid="preview-recorded"', 1)[1].split("</dd>", 1)[0]
    assert "其中 3 天" in recorded and "出勤 1" in recorded and "病假 1" in recorded and "旷工 1" in recorded
    days = resp.text.split('data-testid="preview-days"', 1)[1].split("</details>", 1)[0]
    assert village[0].person.name in days and village[1].person.name in days and village[2].person.name not in days
    assert f"{first:%m-%d}" in days and f"{last:%m-%d}" in days


def test_confirming_writes_exactly_the_previewed_days_and_keeps_what_they_held(clock, client, district: District) -> None:
    d = district
    sign_in(client, d.clerk)
    first, last = d.day - dt.timedelta(days=2), d.day
    a = d.holders[0]
    client.post("/attendance/grid", data=grid_post(d, {a.id: "present"}, day=last, notes={a.id: "签到"}))
    resp = declare(client, d, first, last, village_id=d.villages[0].id)
    assert resp.status_code == 302
    stop = db.session.scalar(select(Stoppage))
    assert resp.headers["Location"].endswith(f"/attendance/stoppages/{stop.id}")
    village_ids = {h.id for h in d.holders if h.post.village_id == d.villages[0].id}
    expected = {(aid, first + dt.timedelta(days=i)) for aid in village_ids for i in range(3)}
    rows = records()
    assert set(rows) == expected and {r[0] for r in rows.values()} == {"stopped"}
    assert stop.village_id == d.villages[0].id and stop.township_id is None and stop.declared_by_id == d.clerk.id
    assert stop.state == StoppageState.DECLARED and stop.holder_days == 9
    kept = {(k.assignment_id, k.day): k for k in db.session.scalars(select(StoppageDay))}
    assert set(kept) == expected
    assert (kept[(a.id, last)].previous_status, kept[(a.id, last)].previous_note, kept[(a.id, last)].previous_version) == \
        ("present", "签到", 1)
    assert all(k.previous_version == 0 and k.previous_status is None for key, k in kept.items() if key != (a.id, last))
    change = db.session.scalar(select(AttendanceChange).where(AttendanceChange.assignment_id == a.id, AttendanceChange.day == last,
                                                             AttendanceChange.old_status == "present"))
    assert change.new_status == "stopped" and "洪水冲毁路基" in change.reason
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "stoppage.declare"))
    assert event.after["holder_days"] == 9 and event.after["already_recorded"] == {"present": 1}
    assert event.actor_id == d.clerk.id
    # An open grid from before the declaration now conflicts instead of overwriting 停工.
    resp = client.post("/attendance/grid", data=grid_post(d, {a.id: "present"}, day=last, versions={a.id: 1}))
    assert resp.status_code == 409


def test_a_change_between_preview_and_confirmation_writes_nothing_and_shows_the_new_preview(clock, client, district: District) -> None:
    d = district
    sign_in(client, d.clerk)
    resp = preview(client, d, d.day, d.day)
    data = confirm_data(resp)
    a = d.holders[0]
    client.post("/attendance/grid", data=grid_post(d, {a.id: "present"}))  # someone records meanwhile
    before = table_counts()
    resp = client.post("/attendance/stoppage/confirm", data=data)
    assert resp.status_code == 409
    assert "预览之后有变动" in resp.text
    assert "其中 1 天" in resp.text  # the new preview, with the day recorded meanwhile
    after = table_counts()
    assert after["Stoppage"] == before["Stoppage"] == 0 and after["AttendanceRecord"] == 1
    assert records()[(a.id, d.day)][0] == "present"
    # Confirming the new preview writes it.
    resp = client.post("/attendance/stoppage/confirm", data=confirm_data(resp))
    assert resp.status_code == 302 and count(AttendanceRecord, AttendanceRecord.status == "stopped") == 6


def test_a_hand_posted_confirmation_needs_the_previews_fingerprint(clock, client, district: District) -> None:
    d = district
    sign_in(client, d.office)
    data = {k: str(v) for k, v in request_data(d, d.day, d.day).items()}
    resp = client.post("/attendance/stoppage/confirm", data={**data, "fingerprint": "0" * 64})
    assert resp.status_code == 409 and count(Stoppage) == 0 and count(AttendanceRecord) == 0
    resp = client.post("/attendance/stoppage/confirm", data={**data, "first_day": "2026-02-30", "fingerprint": "x"})
    assert resp.status_code == 400 and count(Stoppage) == 0
    # Another township's village under this township's name is refused.
    resp = client.post("/attendance/stoppage/confirm", data={**data, "village_id": str(d.other_holder.post.village_id),
                                                             "fingerprint": "x"})
    assert resp.status_code == 400 and count(Stoppage) == 0


def test_a_clerk_cannot_confirm_for_another_township(clock, client, district: District) -> None:
    d = district
    sign_in(client, d.other_clerk)
    data = {k: str(v) for k, v in request_data(d, d.day, d.day).items()}
    resp = client.post("/attendance/stoppage/confirm", data={**data, "fingerprint": "x"})
    assert resp.status_code == 404 and count(Stoppage) == 0


def test_a_township_stoppage_covers_every_village(clock, client, district: District) -> None:
    sign_in(client, district.office)
    assert declare(client, district, district.day, district.day).status_code == 302
    assert count(AttendanceRecord, AttendanceRecord.status == "stopped") == 6


def test_bad_stoppages_save_nothing(clock, client, district: District) -> None:
    d = district
    sign_in(client, d.clerk)
    resp = preview(client, d, d.day, d.day - dt.timedelta(days=1))
    assert "结束日期早于开始日期" in resp.text
    resp = preview(client, d, d.day, d.day + dt.timedelta(days=2))
    assert "是将来的日期" in resp.text and resp.status_code == 422
    resp = preview(client, d, d.day, d.day, reason="")
    assert "error" in resp.text
    resp = preview(client, d, d.day, d.day, village_id=d.other_holder.post.village_id)
    assert "该村不属于所选乡镇" in resp.text
    assert count(AttendanceRecord) == 0 and count(Stoppage) == 0


def close(d: District, year: int, month: int) -> None:
    fresh()
    row = db.session.scalar(select(AttendanceMonth).where(AttendanceMonth.township_id == d.township.id,
                                                          AttendanceMonth.year == year, AttendanceMonth.month == month))
    if row is None:
        row = AttendanceMonth(township_id=d.township.id, year=year, month=month)
        db.session.add(row)
    row.state = MonthState.CLOSED
    db.session.commit()


def test_a_stoppage_reaching_into_a_closed_month_saves_nothing(clock, client, district: District) -> None:
    d = district
    close(d, 2026, 10)
    sign_in(client, d.office)
    resp = preview(client, d, dt.date(2026, 10, 30), d.day)
    assert resp.status_code == 409 and "2026-10 已关闭" in resp.text
    assert count(AttendanceRecord) == 0 and count(Stoppage) == 0


def test_a_township_not_in_the_list_is_refused_by_the_field(clock, client, district: District) -> None:
    # Office staff choose the township; a forged id once reached the database and read as a clash with another user.
    d = district
    sign_in(client, d.office)
    resp = client.post("/attendance/stoppage", data={"township_id": 999999, "village_id": 0, "reason": "洪水",
                                                     "first_day": d.day.isoformat(), "last_day": d.day.isoformat()})
    assert resp.status_code == 200
    assert "请从列表中选择乡镇。" in resp.text
    assert count(Stoppage) == 0


# --- undo ------------------------------------------------------------------------------------


def test_undo_gives_back_every_previous_record_with_history(clock, client, district: District) -> None:
    d = district
    first, last = d.day - dt.timedelta(days=3), d.day - dt.timedelta(days=1)
    a, b, c = d.holders[0], d.holders[1], d.holders[3]
    sign_in(client, d.clerk)
    client.post("/attendance/grid", data=grid_post(d, {a.id: "present", b.id: "sick", c.id: "leave"}, day=first,
                                                   notes={a.id: "签到簿"}, certs={b.id}))
    client.post("/attendance/grid", data=grid_post(d, {a.id: "absent"}, day=last))
    outside = d.day  # a day outside the stoppage stays as it is
    client.post("/attendance/grid", data=grid_post(d, {a.id: "present"}, day=outside))
    before = records()
    assert declare(client, d, first, last).status_code == 302
    stop = db.session.scalar(select(Stoppage))
    assert count(AttendanceRecord, AttendanceRecord.status == "stopped") == 18

    # The clerk sees the stoppage but cannot undo it: the office does.
    page = client.get(f"/attendance/stoppages/{stop.id}")
    assert page.status_code == 200 and "撤销停工" not in page.text
    assert client.post(f"/attendance/stoppages/{stop.id}/undo", data={"reason": "误报"}).status_code == 403
    sign_in(client, d.office)
    page = client.get(f"/attendance/stoppages/{stop.id}")
    assert "撤销停工" in page.text and "4 天恢复原记录" in page.text
    changes_before = count(AttendanceChange)
    resp = client.post(f"/attendance/stoppages/{stop.id}/undo", data={"reason": "水位未超警戒，误报"})
    assert resp.status_code == 302
    after = records()
    # Every day the stoppage wrote has its earlier status, note and certificate; new days are gone.
    assert {k: v[:3] for k, v in after.items()} == {k: v[:3] for k, v in before.items()}
    assert after[(a.id, first)][3] == before[(a.id, first)][3] + 2  # the version moves on: open grids conflict
    assert after[(a.id, outside)] == before[(a.id, outside)]
    # One history row per day given back (4 restored, 14 removed), naming the undo.
    assert count(AttendanceChange) == changes_before + 18
    restored = db.session.scalar(select(AttendanceChange).where(AttendanceChange.assignment_id == b.id,
                                                               AttendanceChange.day == first,
                                                               AttendanceChange.old_status == "stopped"))
    assert restored.new_status == "sick" and "误报" in restored.reason and restored.changed_by_id == d.office.id
    removed = db.session.scalar(select(AttendanceChange).where(AttendanceChange.assignment_id == b.id,
                                                              AttendanceChange.day == last,
                                                              AttendanceChange.old_status == "stopped"))
    assert removed.new_status is None
    history = client.get(f"/attendance/history/{b.id}/{last.isoformat()}")
    assert history.status_code == 200 and "撤销" in history.text
    fresh()
    stop = db.session.get(Stoppage, stop.id)
    assert stop.state == StoppageState.UNDONE and stop.undone_by_id == d.office.id and stop.undo_reason
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "stoppage.undo"))
    assert event.after["restored"] == 4 and event.after["removed"] == 14 and event.actor_id == d.office.id
    assert event.after["previous_statuses"] == {"present": 1, "sick": 1, "leave": 1, "absent": 1, "": 14}
    # Undone once: a second undo is refused and changes nothing.
    changes = count(AttendanceChange)
    resp = client.post(f"/attendance/stoppages/{stop.id}/undo", data={"reason": "再来一次"})
    assert resp.status_code == 409 and count(AttendanceChange) == changes


def test_undo_is_refused_after_the_month_closed(clock, client, district: District) -> None:
    d = district
    clock.move_to("2026-10-20 09:00+08:00")
    sign_in(client, d.office)
    assert declare(client, d, dt.date(2026, 10, 19), dt.date(2026, 10, 20)).status_code == 302
    stop = db.session.scalar(select(Stoppage))
    clock.move_to("2026-11-16 10:00+08:00")
    close(d, 2026, 10)
    with client.session_transaction() as session:  # a month later: a new login
        session.clear()
    sign_in(client, d.office)
    # The page says so beside the disabled button, in the refusal's own words.
    page = client.get(f"/attendance/stoppages/{stop.id}").text
    undo = page.split('data-testid="stoppage-undo"', 1)[1]
    assert "2026-10 已关闭" in undo.split('data-testid="undo-closed"', 1)[1].split("</p>", 1)[0]
    assert re.search(r'<input[^>]*disabled[^>]*type="submit"', undo)
    before = records()
    resp = client.post(f"/attendance/stoppages/{stop.id}/undo", data={"reason": "误报"})
    assert resp.status_code == 409 and "2026-10 已关闭" in resp.text
    assert records() == before and db.session.get(Stoppage, stop.id).state == StoppageState.DECLARED


def test_undo_is_refused_when_a_day_was_changed_after_the_stoppage_and_names_it(clock, client, district: District) -> None:
    d = district
    sign_in(client, d.office)
    first = d.day - dt.timedelta(days=1)
    assert declare(client, d, first, d.day).status_code == 302
    stop = db.session.scalar(select(Stoppage))
    a = d.holders[2]
    # Someone corrects one holder's day after the stoppage.
    assert client.post("/attendance/grid", data=grid_post(d, {a.id: "present"}, versions={a.id: 1})).status_code == 302
    page = client.get(f"/attendance/stoppages/{stop.id}")
    assert a.person.name in page.text.split('data-testid="changed-after"', 1)[1].split("</p>", 1)[0]
    before, changes = records(), count(AttendanceChange)
    resp = client.post(f"/attendance/stoppages/{stop.id}/undo", data={"reason": "误报"})
    assert resp.status_code == 409
    assert f"{a.person.name}（{a.post.code}）于 {d.day.isoformat()}" in resp.text
    assert records() == before and count(AttendanceChange) == changes
    # Put back to 停工 with the stoppage's reason, the day no longer stands in the way.
    client.post("/attendance/grid", data=grid_post(d, {a.id: "stopped"}, versions={a.id: 2}, notes={a.id: "洪水冲毁路基"}))
    assert client.post(f"/attendance/stoppages/{stop.id}/undo", data={"reason": "误报"}).status_code == 302
    assert count(AttendanceRecord) == 0


def test_undo_needs_a_reason_and_the_list_shows_the_state(clock, client, district: District) -> None:
    d = district
    sign_in(client, d.office)
    declare(client, d, d.day, d.day)
    stop = db.session.scalar(select(Stoppage))
    resp = client.post(f"/attendance/stoppages/{stop.id}/undo", data={"reason": ""})
    assert resp.status_code == 422 and count(AttendanceRecord) == 6
    listing = client.get("/attendance/stoppages")
    assert "洪水冲毁路基" in listing.text and "生效" in listing.text
    # A clerk of another township sees neither the list entry nor the page.
    sign_in(client, d.other_clerk)
    assert "洪水冲毁路基" not in client.get("/attendance/stoppages").text
    assert client.get(f"/attendance/stoppages/{stop.id}").status_code == 404


def test_the_stoppage_and_its_undo_are_a_bounded_number_of_statements(clock, client, district: District) -> None:
    """Sixteen days cost the same statements as one: writes go in sets, not one per holder-day."""
    from sqlalchemy import event

    d = district
    sign_in(client, d.office)
    statements: list[str] = []

    def note(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    def measure(village_id: int, first: dt.date) -> tuple[int, int]:
        data = confirm_data(preview(client, d, first, d.day, village_id=village_id))
        event.listen(db.engine, "before_cursor_execute", note)
        try:
            statements.clear()
            assert client.post("/attendance/stoppage/confirm", data=data).status_code == 302
            declared = len(statements)
            fresh()
            stop_id = db.session.scalar(select(func.max(Stoppage.id)))
            statements.clear()
            assert client.post(f"/attendance/stoppages/{stop_id}/undo", data={"reason": "误报"}).status_code == 302
            return declared, len(statements)
        finally:
            event.remove(db.engine, "before_cursor_execute", note)

    # The month's row exists already (the first write of a month adds it: one statement, once).
    db.session.add(AttendanceMonth(township_id=d.township.id, year=2026, month=11))
    db.session.commit()
    one_day = measure(d.villages[0].id, d.day)
    sixteen_days = measure(d.villages[1].id, dt.date(2026, 11, 1))
    assert one_day == sixteen_days, (one_day, sixteen_days)


def test_a_stoppage_that_kept_nothing_is_not_undone_as_if_it_had(clock, client, district: District) -> None:
    """An older demo (and stoppages from before) wrote no StoppageDay rows: undoing would restore nothing."""
    d = district
    stop = Stoppage(township_id=d.township.id, first_day=d.day, last_day=d.day, reason="演示", declared_by_id=d.office.id)
    db.session.add(stop)
    db.session.add(AttendanceRecord(assignment_id=d.holders[0].id, day=d.day, status="stopped", note="演示"))
    db.session.commit()
    sign_in(client, d.office)
    page = client.get(f"/attendance/stoppages/{stop.id}")
    assert 'data-testid="nothing-kept"' in page.text
    resp = client.post(f"/attendance/stoppages/{stop.id}/undo", data={"reason": "误报"})
    assert resp.status_code == 409 and "不能整体撤销" in resp.text
    fresh()
    assert db.session.get(Stoppage, stop.id).state == StoppageState.DECLARED and count(AttendanceRecord) == 1


def test_the_demo_s_flood_stoppage_is_undone_like_any_other(clock, app_ctx, client) -> None:
    """The demo declares its flood week through plan_stoppage and declare_stoppage: it keeps what each day
    held, its page offers the undo, and the undo through the route gives every day back, audited."""
    load_demo(today=dt.date(2026, 11, 16), with_round=False)
    db.session.commit()
    stop = db.session.scalars(select(Stoppage)).one()
    township_id = stop.township_id
    # The second week of the latest full month, which the office has not closed.
    assert (stop.first_day, stop.last_day, stop.reason) == (dt.date(2026, 10, 12), dt.date(2026, 10, 18), "暴雨洪涝停工")
    assert db.session.scalar(select(AttendanceMonth.state).where(
        AttendanceMonth.township_id == township_id, AttendanceMonth.year == 2026,
        AttendanceMonth.month == 10)) == MonthState.SUBMITTED
    office = db.session.scalar(select(User).where(User.username == "office"))
    # Declared by the office the Monday after, and audited like a declaration on the site.
    assert stop.declared_by_id == office.id
    assert as_utc(stop.declared_at) == dt.datetime(2026, 10, 19, 9, 0, tzinfo=DISTRICT)
    declared = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "stoppage.declare")).one()
    assert declared.entity_id == stop.id and declared.actor_id == office.id
    kept = {(k.assignment_id, k.day): k for k in db.session.scalars(
        select(StoppageDay).where(StoppageDay.stoppage_id == stop.id))}
    assert len(kept) == stop.holder_days == declared.after["holder_days"] > 0
    # The clerk had recorded the Monday and Tuesday before the roads closed; the rest had no record.
    recorded_before = {key for key, k in kept.items() if k.previous_version}
    assert {day for _a, day in recorded_before} == {dt.date(2026, 10, 12), dt.date(2026, 10, 13)}
    assert all(kept[key].previous_status not in (None, "stopped") for key in recorded_before)
    assert {day for (_a, day), k in kept.items() if not k.previous_version} == {
        dt.date(2026, 10, d) for d in range(14, 19)}
    in_week = select(AttendanceRecord).where(AttendanceRecord.day.between(stop.first_day, stop.last_day),
                                             AttendanceRecord.assignment_id.in_({a for a, _d in kept}))
    assert {(r.assignment_id, r.day): r.status for r in db.session.scalars(in_week)} == {
        key: "stopped" for key in kept}
    changes_before = count(AttendanceChange)
    holder_days, restored, removed = len(kept), len(recorded_before), len(kept) - len(recorded_before)

    sign_in(client, office)
    page = client.get(f"/attendance/stoppages/{stop.id}").text
    undo = page.split('data-testid="stoppage-undo"', 1)[1].split("</section>", 1)[0]
    assert 'data-testid="nothing-kept"' not in undo and 'data-testid="undo-closed"' not in undo
    assert f"本次停工的 {holder_days} 个人日全部恢复" in undo and f"{restored} 天恢复原记录，{removed} 天原来未记录" in undo
    assert "disabled" not in undo
    resp = client.post(f"/attendance/stoppages/{stop.id}/undo", data={"reason": "水毁路段已抢通，按实际出勤记录"})
    assert resp.status_code == 302

    fresh()
    after = {(r.assignment_id, r.day): r for r in db.session.scalars(in_week)}
    assert set(after) == recorded_before  # the days that had no record are unrecorded again
    assert all((r.status, r.note, r.certificate) == (kept[key].previous_status, kept[key].previous_note,
                                                     kept[key].previous_certificate) for key, r in after.items())
    assert count(AttendanceChange) == changes_before + holder_days
    stop = db.session.get(Stoppage, stop.id)
    assert stop.state == StoppageState.UNDONE and stop.undone_by_id == office.id
    undone = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "stoppage.undo")).one()
    assert undone.entity_id == stop.id and undone.actor_id == office.id
    assert (undone.after["restored"], undone.after["removed"]) == (restored, removed)
    assert undone.reason == "水毁路段已抢通，按实际出勤记录"
