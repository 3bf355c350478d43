"""The road chief's (路长) own account: made by the administrator with their sections, seeing only
those sections' reports and check-ins, marking dispatched reports handled with a note."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tests.patrol.conftest import middle_north
from tests.patrol.test_checkins import tap
from tests.patrol.test_reports_and_access import jpeg, phone_report, status_of
from wardens.extensions import db
from wardens.models import AuditEvent, Post, ReportEvent, RoadReport, User

NEW_PASSWORD = "a long chief password"


@pytest.fixture
def chief(world, make):
    """The chief of CN-01 (城南镇); CN-02 in the same village and DJ-01 elsewhere are not theirs."""
    user = make.user("road_chief", username="wanglz", township_id=world.post.village.township_id,
                     display_name="路长 王路长")
    world.post.road_chief_id = user.id
    db.session.commit()
    return user


def report_on(world, sign_in, warden, point, client_id):
    assert phone_report(sign_in(warden), point=point, client_id=client_id, photo=jpeg()).status_code == 201
    db.session.rollback()
    return db.session.scalar(select(RoadReport).where(RoadReport.client_id == client_id))


def _create(client, **fields):
    data = {"username": "lz1", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "role": "road_chief",
            "township_id": "", "id_number": "", "display_name": "路长 李"}
    data.update(fields)
    return client.post("/admin/users/new", data=data)


def test_the_administrator_makes_a_road_chief_with_their_sections(clock, world, sign_in):
    admin = sign_in(world.admin)
    town = str(world.post.village.township_id)
    form = admin.get("/admin/users/new").text
    assert "CN-01" in form and "DJ-01" in form and "负责路段（路长）" in form
    # By hand: without a township, without sections, with a section of another township.
    res = _create(admin, sections=[str(world.post.id)])
    assert res.status_code == 200 and "路长账号必须指定其路段所在的乡镇" in res.text
    res = _create(admin, township_id=town)
    assert res.status_code == 200 and "请选择该路长负责的路段" in res.text
    res = _create(admin, township_id=town, sections=[str(world.post.id), str(world.far_post.id)])
    assert res.status_code == 200 and "所选路段中有1个不在" in res.text
    res = _create(admin, township_id=town, sections=["999999"])
    assert res.status_code == 200
    db.session.rollback()
    assert db.session.scalar(select(User).where(User.username == "lz1")) is None
    res = _create(admin, township_id=town, sections=[str(world.post.id), str(world.other_post.id)])
    assert res.status_code == 302
    db.session.rollback()
    user = db.session.scalar(select(User).where(User.username == "lz1"))
    assert (user.role, user.township_id) == ("road_chief", world.post.village.township_id)
    assert set(db.session.scalars(select(Post.code).where(Post.road_chief_id == user.id))) == {"CN-01", "CN-02"}
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "road_chief_sections"))
    assert event.actor_id == world.admin.id and event.after == {"sections": ["CN-01", "CN-02"]}
    # Editing: the form shows the sections; dropping one frees it; another role keeps none.
    page = admin.get(f"/admin/users/{user.id}").text
    assert re.search(rf'<option selected value="{world.post.id}"|<option value="{world.post.id}" selected', page)
    res = admin.post(f"/admin/users/{user.id}", data={"role": "road_chief", "township_id": town,
                                                      "sections": [str(world.other_post.id)], "display_name": "路长 李"})
    assert res.status_code == 302
    db.session.rollback()
    assert set(db.session.scalars(select(Post.code).where(Post.road_chief_id == user.id))) == {"CN-02"}
    res = admin.post(f"/admin/users/{user.id}", data={"role": "office", "township_id": "", "display_name": "李"})
    assert res.status_code == 302
    db.session.rollback()
    assert list(db.session.scalars(select(Post.code).where(Post.road_chief_id == user.id))) == []


def test_a_new_road_chief_logs_in_to_their_own_page(clock, world, app, sign_in):
    admin = sign_in(world.admin)
    assert _create(admin, township_id=str(world.post.village.township_id),
                   sections=[str(world.post.id)]).status_code == 302
    client = app.test_client()
    res = client.post("/login", data={"username": "lz1", "password": NEW_PASSWORD})
    assert res.status_code == 302
    home = client.get("/", follow_redirects=True)
    assert home.status_code == 200 and "我的路段" in home.text and "CN-01" in home.text


def test_a_chief_sees_only_their_sections_reports_even_by_id(clock, world, chief, sign_in):
    mine = report_on(world, sign_in, world.warden, middle_north(30), "rep-mine")
    other = report_on(world, sign_in, world.other_warden, middle_north(3030), "rep-other")
    far = report_on(world, sign_in, world.far_warden, middle_north(30), "rep-far-1")
    client = sign_in(chief)
    listing = client.get("/patrol/reports?state=all")
    assert listing.status_code == 200
    assert f"report-row-{mine.id}" in listing.text
    assert f"report-row-{other.id}" not in listing.text and f"report-row-{far.id}" not in listing.text
    # Asking for the whole township or another one changes nothing.
    far_town = world.far_post.village.township_id
    assert f"report-row-{far.id}" not in client.get(f"/patrol/reports?state=all&township_id={far_town}").text
    assert client.get(f"/patrol/reports/{mine.id}").status_code == 200
    for report in (other, far):
        assert client.get(f"/patrol/reports/{report.id}").status_code == 404
        res = client.post(f"/patrol/reports/{report.id}/move",
                          data={"to_state": "resolved", "expected": "reported", "note": "x"})
        assert res.status_code == 404
        assert status_of(client, f"/patrol/photos/{report.photo.token}") == 404
    assert status_of(client, f"/patrol/photos/{mine.photo.token}") == 200
    # Staff pages stay closed: the grid, the register, a post's line page, writing a report.
    for url in ("/attendance/grid", "/people", f"/patrol/posts/{world.post.id}/line", "/patrol/reports/new"):
        assert client.get(url).status_code == 403, url


def test_a_chief_sees_check_ins_of_their_sections_without_the_place(clock, world, chief, sign_in):
    assert tap(sign_in(world.warden), middle_north(10), client_id="tap-mine-1").status_code == 201
    assert tap(sign_in(world.other_warden), middle_north(3010), client_id="tap-other-1").status_code == 201
    page = sign_in(chief).get("/patrol/chief")
    assert page.status_code == 200
    section = re.search(r'data-testid="section-CN-01">(.*?)</tr>', page.text, re.S).group(1)
    assert "10:00" in section and "在路段上" in section
    assert "CN-02" not in page.text and "DJ-01" not in page.text
    db.session.rollback()
    lat = f"{middle_north(10)[0]:.5f}"
    assert lat not in page.text


def test_a_chief_marks_a_dispatched_report_handled_with_a_note(clock, world, chief, sign_in):
    report = report_on(world, sign_in, world.warden, middle_north(30), "rep-mine")
    client = sign_in(chief)
    # Not yet dispatched: the chief has no button and may not dispatch it by hand.
    page = client.get(f"/patrol/reports/{report.id}").text
    assert 'data-testid="move-dispatched"' not in page and 'data-testid="move-resolved"' not in page
    res = client.post(f"/patrol/reports/{report.id}/move", data={"to_state": "dispatched", "expected": "reported",
                                                                 "note": "自己派"})
    assert res.status_code == 422 and "派发由路长办或乡镇考勤员进行" in res.text
    office = sign_in(world.office)
    assert office.post(f"/patrol/reports/{report.id}/move", data={
        "to_state": "dispatched", "expected": "reported", "note": "派王路长组织处理"}).status_code == 302
    home = client.get("/patrol/chief").text
    assert f'data-testid="handle-{report.id}"' in home
    page = client.get(f"/patrol/reports/{report.id}").text
    assert 'data-testid="move-resolved"' in page
    res = client.post(f"/patrol/reports/{report.id}/move", data={"to_state": "resolved", "expected": "dispatched",
                                                                 "note": ""})
    assert res.status_code == 422 and "请写明对道路做了哪些处理" in res.text
    res = client.post(f"/patrol/reports/{report.id}/move", data={"to_state": "resolved", "expected": "dispatched",
                                                                 "note": "已组织村民填补坑槽"})
    assert res.status_code == 302
    db.session.rollback()
    events = list(db.session.scalars(select(ReportEvent).where(ReportEvent.report_id == report.id)
                                     .order_by(ReportEvent.id)))
    assert [(e.to_state, e.user_id, e.note) for e in events][1:] == [
        ("dispatched", world.office.id, "派王路长组织处理"), ("resolved", chief.id, "已组织村民填补坑槽")]
    assert 'data-testid="work-none"' in client.get("/patrol/chief").text
    # The warden sees what became of the report.
    assert "已组织村民填补坑槽" in sign_in(world.warden).get("/patrol/mine").text


def test_a_chief_without_sections_sees_an_empty_page_not_an_error(clock, world, make, sign_in):
    lonely = make.user("road_chief", username="nolz", township_id=world.post.village.township_id)
    db.session.commit()
    client = sign_in(lonely)
    assert 'data-testid="no-sections"' in client.get("/patrol/chief").text
    assert 'data-testid="no-reports"' in client.get("/patrol/reports").text


def test_the_database_keeps_a_road_chief_to_a_township(make, app_ctx):
    with pytest.raises(IntegrityError):
        make.user("road_chief", township_id=None)
    db.session.rollback()
