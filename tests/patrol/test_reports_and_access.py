"""Road reports through their states, the lines on a post, and who may see what."""
import datetime as dt
import io
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from tests.conftest import DISTRICT
from tests.patrol.conftest import middle_north
from tests.patrol.test_checkins import NOW, tap
from wardens.extensions import db
from wardens.models import AuditEvent, CheckIn, ReportEvent, RoadLine, RoadReport, get_patrol_settings
from wardens.patrol.reports import open_report_count

FIXTURES = Path(__file__).parent / "fixtures"


def jpeg(colour=(200, 80, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), colour).save(out, "JPEG")
    return out.getvalue()


def status_of(client, url):
    """GET a URL and close the response (a photo is a file stream)."""
    res = client.get(url)
    res.close()
    return res.status_code


def phone_report(client, point=middle_north(30), kind="pothole", note="路面坑槽约1米", client_id="rep-0001", photo=None):
    data = {"kind": kind, "note": note, "taken_at": NOW.isoformat(), "client_id": client_id,
            "lat": str(point[0]), "lon": str(point[1]), "accuracy": "6"}
    if photo:
        data["photo"] = (io.BytesIO(photo), "p.jpg")
    return client.post("/patrol/reports/phone", data=data, content_type="multipart/form-data")


def test_a_report_goes_reported_dispatched_resolved_with_who_when_and_a_note(clock, world, sign_in):
    warden = sign_in(world.warden)
    res = phone_report(warden, photo=jpeg())
    assert res.status_code == 201
    db.session.rollback()
    report = db.session.scalar(select(RoadReport))
    assert (report.state, report.post_id, report.kind) == ("reported", world.post.id, "pothole")
    assert open_report_count() == 1 and open_report_count(world.far_post.village.township_id) == 0
    office = sign_in(world.office)
    page = office.get("/patrol/reports")
    assert page.status_code == 200 and f"report-row-{report.id}" in page.text and "王路长" in page.text
    # Dispatching needs a note saying to whom.
    res = office.post(f"/patrol/reports/{report.id}/move", data={"to_state": "dispatched", "expected": "reported", "note": ""})
    assert res.status_code == 422 and "请写明派给谁" in res.text
    res = office.post(f"/patrol/reports/{report.id}/move",
                      data={"to_state": "dispatched", "expected": "reported", "note": "派给城南镇养护队"})
    assert res.status_code == 302
    # Skipping back or repeating is refused and changes nothing.
    # The boundary rolls back and shows the page again with the reason (its state as it is now).
    res = office.post(f"/patrol/reports/{report.id}/move", data={"to_state": "dispatched", "expected": "reported", "note": "x"})
    assert res.status_code == 422 and "其他人刚刚把这条上报改为“已派发”" in res.text
    res = office.post(f"/patrol/reports/{report.id}/move", data={"to_state": "reported", "expected": "dispatched", "note": "x"})
    assert res.status_code == 422 and "不能改为" in res.text
    clerk = sign_in(world.clerk)
    clock.move_to(dt.datetime(2026, 11, 16, 15, 0, tzinfo=DISTRICT))
    res = clerk.post(f"/patrol/reports/{report.id}/move", data={"to_state": "resolved", "expected": "dispatched", "note": "已填补"})
    assert res.status_code == 302
    db.session.rollback()
    events = list(db.session.scalars(select(ReportEvent).where(ReportEvent.report_id == report.id).order_by(ReportEvent.id)))
    assert [(e.from_state, e.to_state, e.user_id, e.note) for e in events] == [
        (None, "reported", world.warden.id, "路面坑槽约1米"),
        ("reported", "dispatched", world.office.id, "派给城南镇养护队"),
        ("dispatched", "resolved", world.clerk.id, "已填补"),
    ]
    assert open_report_count() == 0
    mine = warden.get("/patrol/mine")
    assert "已处理" in mine.text and "已填补" in mine.text


def test_a_clerk_writes_a_report_for_a_post_of_their_township_only(clock, world, sign_in):
    clerk = sign_in(world.clerk)
    assert clerk.get("/patrol/reports/new").status_code == 200
    res = clerk.post("/patrol/reports/new", data={"post_id": world.far_post.id, "kind": "litter", "note": "x"})
    assert res.status_code == 422
    res = clerk.post("/patrol/reports/new", data={"post_id": world.post.id, "kind": "litter", "note": "路边垃圾",
                                                  "lat": "31.68", "lon": ""})
    assert res.status_code == 422 and "纬度和经度要么都填" in res.text
    res = clerk.post("/patrol/reports/new", data={"post_id": world.post.id, "kind": "litter", "note": "路边垃圾"})
    assert res.status_code == 302
    db.session.rollback()
    assert db.session.scalar(select(func.count(RoadReport.id))) == 1


def test_wardens_see_only_their_own_and_clerks_only_their_township(clock, world, sign_in):
    warden, other = sign_in(world.warden), sign_in(world.other_warden)
    assert tap(warden, middle_north(10), photo=jpeg()).status_code == 201
    assert phone_report(warden, photo=jpeg((10, 20, 30))).status_code == 201
    db.session.rollback()
    check_in = db.session.scalar(select(CheckIn))
    report = db.session.scalar(select(RoadReport))
    tokens = [check_in.photo.token, report.photo.token]
    # The other warden sees neither the photos nor anything of the first one's on their pages.
    for token in tokens:
        assert status_of(warden, f"/patrol/photos/{token}") == 200
        assert status_of(other, f"/patrol/photos/{token}") == 404
        assert status_of(sign_in(world.far_clerk), f"/patrol/photos/{token}") == 404
        assert status_of(sign_in(world.clerk), f"/patrol/photos/{token}?size=thumb") == 200
        assert status_of(sign_in(world.office), f"/patrol/photos/{token}") == 200
    mine = other.get("/patrol/mine")
    assert "路面坑槽" not in mine.text and check_in.photo.token not in mine.text
    assert other.get("/patrol/reports").status_code == 403
    assert other.get(f"/patrol/reports/{report.id}").status_code == 403
    far = sign_in(world.far_clerk)
    assert far.get(f"/patrol/reports/{report.id}").status_code == 404
    assert f"report-row-{report.id}" not in far.get("/patrol/reports?state=all").text
    assert far.post(f"/patrol/reports/{report.id}/move", data={"to_state": "dispatched", "expected": "reported",
                                                               "note": "x"}).status_code == 404
    assert far.get(f"/patrol/posts/{world.post.id}/line").status_code == 404
    assert sign_in(world.clerk).get(f"/patrol/posts/{world.post.id}/line").status_code == 200
    assert sign_in(world.warden).get("/patrol/settings").status_code == 403
    assert sign_in(world.clerk).get("/patrol/settings").status_code == 403


def test_the_administrator_saves_the_patrol_settings_audited_and_bad_input_changes_nothing(world, sign_in):
    admin = sign_in(world.admin)
    form = {"corridor_m": "250", "accuracy_limit_m": "80", "retention_days": "400", "absent_days_limit": "",
            "photo_max_kb": "900", "tile_url": "https://tiles.example/{z}/{x}/{y}.png", "tile_attribution": "  "}
    bad = admin.post("/patrol/settings", data={**form, "corridor_m": "5"})
    assert bad.status_code == 422 and 'id="corridor_m-error">数值大小必须介于 10 到 5000 之间。' in bad.text
    bad = admin.post("/patrol/settings", data={**form, "absent_days_limit": "三"})
    assert bad.status_code == 422 and 'id="absent_days_limit-error">' in bad.text
    db.session.rollback()
    assert get_patrol_settings().corridor_m == 200
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0
    response = admin.post("/patrol/settings", data=form)
    assert response.status_code == 302 and response.headers["Location"] == "/patrol/settings"
    db.session.rollback()
    row = get_patrol_settings()
    assert (row.corridor_m, row.accuracy_limit_m, row.retention_days, row.absent_days_limit, row.photo_max_kb,
            row.tile_url, row.tile_attribution) == (250, 80, 400, 0, 900, "https://tiles.example/{z}/{x}/{y}.png", None)
    event = db.session.scalars(select(AuditEvent)).one()
    assert (event.action, event.entity_type, event.actor_id) == ("patrol_settings", "patrol_settings", world.admin.id)
    assert (event.before["corridor_m"], event.after["corridor_m"]) == (200, 250)
    assert event.after["tile_url"] == "https://tiles.example/{z}/{x}/{y}.png" and event.after["tile_attribution"] is None


def test_the_phone_page_lists_todays_taps(clock, world, sign_in):
    warden = sign_in(world.warden)
    tap(warden, middle_north(500))
    page = warden.get("/patrol/")
    assert page.status_code == 200 and "开始巡查" in page.text and "不在路段上，500 米" in page.text


@pytest.mark.parametrize("name, source", [("huangxiaoqiao.gpx", "gpx"), ("huangxiaoqiao.kml", "kml"),
                                          ("huangxiaoqiao.geojson", "geojson"), ("huangxiaoqiao.kmz", "kmz")])
def test_a_line_imported_from_a_file_shows_its_length_beside_the_km_on_record(clock, world, sign_in, name, source):
    office = sign_in(world.office)
    res = office.post(f"/patrol/posts/{world.far_post.id}/line", data={
        "upload": "1", "file": (io.BytesIO((FIXTURES / name).read_bytes()), name)}, content_type="multipart/form-data")
    assert res.status_code == 302
    db.session.rollback()
    line = db.session.scalar(select(RoadLine).where(RoadLine.post_id == world.far_post.id))
    assert (len(line.points), line.source, round(line.length_m)) == (12, source, 2527)
    page = office.get(f"/patrol/posts/{world.far_post.id}/line")
    assert "按线路测得长度 2.53 公里；登记里程 2.00 公里。" in page.text
    assert 'data-testid="length-differs"' in page.text   # 26 % over the record


def test_a_bad_line_file_is_refused_by_the_field_and_changes_nothing(clock, world, sign_in):
    office = sign_in(world.office)
    res = office.post(f"/patrol/posts/{world.far_post.id}/line", data={
        "upload": "1", "file": (io.BytesIO(b"<!DOCTYPE x [<!ENTITY a 'b'>]><gpx/>"), "x.gpx")},
        content_type="multipart/form-data")
    assert res.status_code == 422 and "文档类型（DTD）" in res.text
    db.session.rollback()
    assert db.session.scalar(select(func.count(RoadLine.id)).where(RoadLine.post_id == world.far_post.id)) == 0


def test_a_drawn_line_is_saved_and_a_broken_drawing_refused(clock, world, sign_in):
    office = sign_in(world.office)
    res = office.post(f"/patrol/posts/{world.far_post.id}/line",
                      data={"save_drawing": "1", "points": "[[31.9,116.3],[31.91,116.3]]"})
    assert res.status_code == 302
    db.session.rollback()
    line = db.session.scalar(select(RoadLine).where(RoadLine.post_id == world.far_post.id))
    assert line.source == "drawn" and round(line.length_m) == 1109
    for bad in ("[[31.9,116.3]]", "[[NaN,1],[2,3]]", "[[91,0],[0,0]]", "{}", "not json"):
        res = office.post(f"/patrol/posts/{world.far_post.id}/line", data={"save_drawing": "1", "points": bad})
        assert res.status_code == 422
    db.session.rollback()
    assert round(db.session.scalar(select(RoadLine.length_m).where(RoadLine.post_id == world.far_post.id))) == 1109
