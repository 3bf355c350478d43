"""A clerk learns nothing about another township's holders through the attendance pages."""
from __future__ import annotations

from wardens.extensions import db
from wardens.models import AttendanceRecord

from tests.attendance.conftest import District, count, grid_post, sign_in


def test_a_smuggled_holder_of_another_township_is_not_named(client, district: District) -> None:
    other = district.other_holder
    name, code = other.person.name, other.post.code
    db.session.rollback()
    sign_in(client, district.clerk)
    resp = client.post("/attendance/grid", data=grid_post(district, {district.holders[0].id: "present", other.id: "present"}))
    assert resp.status_code == 422
    assert name not in resp.text and code not in resp.text
    assert count(AttendanceRecord) == 0
