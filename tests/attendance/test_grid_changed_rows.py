"""A grid save carries only the rows changed, so two people on one grid collide only on the same row;
a note is checked for control characters like every other stored text."""
from __future__ import annotations

import threading

from sqlalchemy import select

from tests.attendance.conftest import count, fresh, grid_post, sign_in
from wardens.extensions import db
from wardens.models import AttendanceRecord


def test_two_clerks_saving_different_rows_of_one_grid_are_both_accepted(app, district):
    d = district
    first, second = app.test_client(), app.test_client()
    sign_in(first, d.clerk)
    sign_in(second, d.office)
    a, b = d.holders[0].id, d.holders[1].id
    # Both opened the grid with every row unrecorded; each changed one row, and the page posts only that one.
    assert first.post("/attendance/grid", data=grid_post(d, {a: "present"})).status_code == 302
    assert second.post("/attendance/grid", data=grid_post(d, {b: "leave"})).status_code == 302
    fresh()
    saved = {aid: s for aid, s in db.session.execute(select(AttendanceRecord.assignment_id, AttendanceRecord.status))}
    assert saved == {a: "present", b: "leave"}


def test_the_same_row_changed_by_two_is_a_conflict_naming_that_row_only(app, district):
    d = district
    first, second = app.test_client(), app.test_client()
    sign_in(first, d.clerk)
    sign_in(second, d.office)
    a = d.holders[0].id
    assert first.post("/attendance/grid", data=grid_post(d, {a: "present"})).status_code == 302
    refused = second.post("/attendance/grid", data=grid_post(d, {a: "absent"}))
    assert refused.status_code == 409
    assert refused.text.count("conflict") >= 1 and d.holders[0].person.name in refused.text
    fresh()
    assert db.session.scalar(select(AttendanceRecord.status).where(AttendanceRecord.assignment_id == a)) == "present"


def test_parallel_saves_of_disjoint_rows_are_all_accepted(app, district):
    d = district
    start = threading.Barrier(len(d.holders))
    statuses: list[int] = []
    clients = []
    for h in d.holders:  # set up here: the threads have no app context of their own
        client = app.test_client()
        sign_in(client, d.clerk)
        clients.append((client, grid_post(d, {h.id: "present"})))
    fresh()

    def save(client, data) -> None:
        start.wait()
        statuses.append(client.post("/attendance/grid", data=data).status_code)

    threads = [threading.Thread(target=save, args=c) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [302] * len(d.holders)
    assert count(AttendanceRecord) == len(d.holders)


def test_a_note_with_control_characters_is_refused_by_its_row_and_nothing_is_saved(app, district):
    d = district
    client = app.test_client()
    sign_in(client, d.clerk)
    a, b = d.holders[0].id, d.holders[1].id
    client.post("/language", data={"lang": "en"})
    response = client.post("/attendance/grid", data=grid_post(d, {a: "present", b: "present"},
                                                              notes={a: "late\x07 bell"}))
    assert response.status_code == 422
    assert "This text holds invisible control characters" in response.text
    assert count(AttendanceRecord) == 0


def test_the_rule_holds_in_the_operation_too(app_ctx, district):
    import pytest

    from wardens.attendance.operations import AttendanceError, GridEntry, save_day

    d = district
    with pytest.raises(AttendanceError) as refused:
        save_day(d.township.id, d.day, [GridEntry(d.holders[0].id, "present", "a\x1bb", False, 0)],
                 reason=None, user=d.clerk, today=d.day)
    assert d.holders[0].id in refused.value.rows
    db.session.rollback()
