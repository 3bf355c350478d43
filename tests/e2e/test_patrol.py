"""The warden's patrol on a 360×740 phone in Chromium with the browser's location set:
on and off the section, a photo shrunk on the phone, the offline queue, a road report
through its states, and the clerk's grid with the evidence and the one-action mark."""
from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any, Iterator

import pytest
from geographiclib.geodesic import Geodesic
from PIL import Image
from sqlalchemy import select

from tests.e2e.conftest import _page

pytestmark = pytest.mark.e2e


def loaded_width(img: Any) -> int:
    """The image's natural width once it has loaded or failed: a page arrives before its images."""
    img.evaluate("img => img.complete || new Promise(done => {"
                 " img.addEventListener('load', done, {once: true});"
                 " img.addEventListener('error', done, {once: true}); })")
    return int(img.evaluate("img => img.naturalWidth"))


PHONE = {"viewport": {"width": 360, "height": 740}, "has_touch": True, "is_mobile": True}


@pytest.fixture
def patrol_server(live_server: Any, tmp_path: Path) -> Any:
    live_server.app.config["PATROL_PHOTO_DIR"] = str(tmp_path / "photos")
    return live_server


def warden_line(app: Any) -> list[tuple[float, float]]:
    from wardens.dates import today
    from wardens.extensions import db
    from wardens.models import Assignment, RoadLine, User

    with app.app_context():
        warden = db.session.scalar(select(User).where(User.username == "warden"))
        a = db.session.scalar(select(Assignment).where(Assignment.person_id == warden.person_id,
                                                       Assignment.in_force_on_clause(today())))
        points = db.session.scalar(select(RoadLine.points).where(RoadLine.post_id == a.post_id))
        db.session.remove()
    return [(p[0], p[1]) for p in points]


def check_ins(app: Any) -> list[Any]:
    from wardens.extensions import db
    from wardens.models import CheckIn, User

    with app.app_context():
        warden = db.session.scalar(select(User).where(User.username == "warden"))
        rows = list(db.session.scalars(select(CheckIn).where(CheckIn.user_id == warden.id, ~CheckIn.client_id.like("demo-%"))
                                       .order_by(CheckIn.id)))
        db.session.expunge_all()
        db.session.remove()
    return rows


def off_line(line: list[tuple[float, float]], metres: float) -> dict[str, float]:
    """A location `metres` north of the line's northernmost point: at least that far from all of it."""
    top = max(line)
    g = Geodesic.WGS84.Direct(top[0], top[1], 0, metres)
    return {"latitude": g["lat2"], "longitude": g["lon2"], "accuracy": 8}


@pytest.fixture
def geo_phone(browser: Any, request: pytest.FixtureRequest, patrol_server: Any) -> Iterator[Any]:
    line = warden_line(patrol_server.app)
    yield from _page(browser, request, **PHONE, permissions=["geolocation"],
                     geolocation={"latitude": line[1][0], "longitude": line[1][1], "accuracy": 8})


def big_photo(path: Path) -> Path:
    # A 12-megapixel noisy picture, about 5 MB as a JPEG: the page must shrink it to 300 KB.
    Image.effect_noise((4000, 3000), 60).convert("RGB").save(path, "JPEG", quality=95)
    return path


def test_start_on_the_section_with_a_photo_and_end_off_it(patrol_server, geo_phone, login_as, tmp_path):
    page = geo_phone
    login_as(page, patrol_server, "warden")
    page.goto(patrol_server.url + "/patrol/")
    assert page.get_by_test_id("start").is_visible() and page.get_by_test_id("end").is_visible()
    photo = big_photo(tmp_path / "road.jpg")
    assert photo.stat().st_size > 2_000_000
    page.get_by_test_id("checkin-photo").set_input_files(str(photo))
    bodies: list[int] = []
    page.on("request", lambda r: bodies.append(len(r.post_data_buffer or b"")) if r.url.endswith("/patrol/checkins") else None)
    page.get_by_test_id("start").click()
    message = page.get_by_test_id("patrol-message")
    message.filter(has_text="在您的路段上").wait_for()
    # The photo left the phone at most 300 KB (plus the form's few hundred bytes).
    assert bodies and bodies[0] <= 300 * 1024 + 2048

    line = warden_line(patrol_server.app)
    page.context.set_geolocation(off_line(line, 1500))
    page.get_by_test_id("end").click()
    message.filter(has_text="不在路段上").wait_for()
    rows = check_ins(patrol_server.app)
    assert [(r.kind, r.on_section, r.photo_id is not None) for r in rows] == [("start", True, True), ("end", False, False)]
    assert rows[1].distance_m == pytest.approx(1500, abs=5)
    # The phone empties its queue after the answer is shown: wait for it rather than read it once.
    page.locator('[data-testid="queue"][data-count="0"]').wait_for()


def test_offline_the_tap_waits_on_the_phone_and_arrives_with_its_own_time(patrol_server, geo_phone, login_as):
    page = geo_phone
    login_as(page, patrol_server, "warden")
    page.goto(patrol_server.url + "/patrol/")
    page.get_by_test_id("queue").filter(has_text="没有待发送").wait_for()
    page.context.set_offline(True)
    before_tap = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    page.get_by_test_id("start").click()
    page.get_by_test_id("queue").filter(has_text="1 条等待发送").wait_for()
    assert "没有网络" in page.get_by_test_id("patrol-message").inner_text()
    assert check_ins(patrol_server.app) == []
    # Still waiting after a reload: it is kept in the phone's storage, not in the page.
    # (The connection stays broken for this one address while the page reloads.)
    page.route("**/patrol/checkins", lambda route: route.abort())
    page.context.set_offline(False)
    page.reload()
    page.get_by_test_id("queue").filter(has_text="1 条等待发送").wait_for()
    back_online = dt.datetime.now(dt.timezone.utc)
    page.unroute("**/patrol/checkins")
    page.get_by_role("button", name="立即发送").click()
    page.get_by_test_id("queue").filter(has_text="没有待发送").wait_for()
    [row] = check_ins(patrol_server.app)
    taken = row.taken_at.replace(tzinfo=dt.timezone.utc)
    received = row.received_at.replace(tzinfo=dt.timezone.utc)
    assert before_tap <= taken <= back_online < received
    assert row.on_section is True


def test_location_refused_says_how_to_allow_it(browser, request, patrol_server, login_as):
    for page in _page(browser, request, **PHONE):
        login_as(page, patrol_server, "warden")
        page.goto(patrol_server.url + "/patrol/")
        page.get_by_test_id("start").click()
        page.get_by_test_id("location-error").filter(has_text="允许").wait_for()
        assert check_ins(patrol_server.app) == []


def test_a_road_report_from_the_phone_goes_through_its_states(patrol_server, geo_phone, browser, request, login_as, tmp_path):
    page = geo_phone
    login_as(page, patrol_server, "warden")
    page.goto(patrol_server.url + "/patrol/")
    page.get_by_label("倒树/障碍物").check()
    page.locator("#report-note").fill("倒树挡住半幅路面")
    Image.new("RGB", (1200, 900), (90, 120, 60)).save(tmp_path / "tree.jpg", "JPEG")
    page.get_by_test_id("report-photo").set_input_files(str(tmp_path / "tree.jpg"))
    page.get_by_test_id("send-report").click()
    page.get_by_test_id("patrol-message").filter(has_text="已上报").wait_for()

    for office in _page(browser, request, viewport={"width": 1280, "height": 800}):
        login_as(office, patrol_server, "office")
        office.goto(patrol_server.url + "/patrol/reports")
        row = office.locator("tr", has_text="倒树挡住半幅路面")
        assert "已上报" in row.inner_text()
        assert office.locator("#reports-map .leaflet-interactive").count() >= 1
        # Nothing outside the site was asked for: no tiles are set.
        row.get_by_role("link").first.click()
        photo = office.get_by_test_id("report-photo")
        assert loaded_width(photo) > 0
        office.get_by_test_id("move-dispatched").locator("textarea").fill("派西河口乡养护队")
        office.get_by_test_id("move-dispatched").get_by_role("button").click()
        office.get_by_test_id("move-resolved").locator("textarea").fill("树已锯断清走")
        office.get_by_test_id("move-resolved").get_by_role("button").click()
        events = office.get_by_test_id("report-events").inner_text()
        assert "已上报" in events and "派西河口乡养护队" in events and "树已锯断清走" in events

    page.goto(patrol_server.url + "/patrol/mine")
    mine = page.locator(".report-card", has_text="倒树挡住半幅路面")
    assert "已处理" in mine.inner_text() and "树已锯断清走" in mine.inner_text()


def test_the_site_asks_nothing_of_the_outside_world(patrol_server, browser, request, login_as):
    for page in _page(browser, request, viewport={"width": 1280, "height": 800}):
        outside: list[str] = []
        page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(patrol_server.url) else None)
        login_as(page, patrol_server, "office")
        page.goto(patrol_server.url + "/patrol/reports?state=all")
        page.locator("#reports-map .leaflet-control-scale").wait_for()
        from wardens.extensions import db
        from wardens.models import Post

        with patrol_server.app.app_context():
            post_id = db.session.scalar(select(Post.id).order_by(Post.code).limit(1))
            db.session.remove()
        page.goto(patrol_server.url + f"/patrol/posts/{post_id}/line")
        page.locator("#line-map path.leaflet-interactive").first.wait_for()
        assert outside == []


def _clear_today(app: Any) -> int:
    """The demo warden's assignment id, with today's attendance left unrecorded (as at 8 a.m.)."""
    from sqlalchemy import delete

    from wardens.dates import today
    from wardens.extensions import db
    from wardens.models import Assignment, AttendanceRecord, User

    with app.app_context():
        warden = db.session.scalar(select(User).where(User.username == "warden"))
        a = db.session.scalar(select(Assignment).where(Assignment.person_id == warden.person_id,
                                                       Assignment.in_force_on_clause(today())))
        aid = a.id
        db.session.execute(delete(AttendanceRecord).where(AttendanceRecord.assignment_id == aid,
                                                          AttendanceRecord.day == today()))
        db.session.commit()
        db.session.remove()
    return aid


def test_the_clerks_grid_shows_the_evidence_and_marks_present_in_one_action(patrol_server, geo_phone, browser, request,
                                                                             login_as, tmp_path):
    from wardens.dates import today
    from wardens.extensions import db
    from wardens.models import AttendanceRecord

    aid = _clear_today(patrol_server.app)
    page = geo_phone
    login_as(page, patrol_server, "warden")
    page.goto(patrol_server.url + "/patrol/")
    Image.new("RGB", (800, 600), (30, 90, 160)).save(tmp_path / "here.jpg", "JPEG")
    page.get_by_test_id("checkin-photo").set_input_files(str(tmp_path / "here.jpg"))
    page.get_by_test_id("start").click()
    page.get_by_test_id("patrol-message").filter(has_text="在您的路段上").wait_for()

    for clerk in _page(browser, request, viewport={"width": 1280, "height": 800}):
        login_as(clerk, patrol_server, "clerk")
        clerk.goto(patrol_server.url + "/attendance/grid")
        cell = clerk.get_by_test_id(f"patrol-ev-{aid}")
        assert "✓" in cell.inner_text()
        assert loaded_width(cell.locator("img")) > 0
        row = clerk.get_by_test_id(f"row-{aid}")
        status = row.locator("select[data-status]")
        assert status.input_value() == ""
        others = clerk.locator("tr[data-row]:not([data-on-section]) select[data-status]")
        before = others.evaluate_all("els => els.map(e => e.value)")
        clerk.get_by_test_id("patrol-fill").click()
        assert status.input_value() == "present"
        assert others.evaluate_all("els => els.map(e => e.value)") == before
        assert "尚未保存" in clerk.locator("[data-patrol-fill-message]").inner_text()
        with patrol_server.app.app_context():
            assert db.session.scalar(select(AttendanceRecord).where(AttendanceRecord.assignment_id == aid,
                                                                    AttendanceRecord.day == today())) is None
            db.session.remove()
        # The clerk still decides the row: here, keeps it, and saves the day.
        clerk.get_by_test_id("grid-save").click()
        clerk.wait_for_load_state()
        with patrol_server.app.app_context():
            status_saved = db.session.scalar(select(AttendanceRecord.status).where(
                AttendanceRecord.assignment_id == aid, AttendanceRecord.day == today()))
            db.session.remove()
        assert status_saved == "present"


def test_the_road_chief_sees_their_sections_reports_on_a_list_and_a_map_and_handles_one(
        patrol_server, browser, request, login_as):
    from tests.e2e.test_cockpit import axe_violations
    from wardens.extensions import db
    from wardens.models import Post, ReportState, RoadReport, User

    with patrol_server.app.app_context():
        chief = db.session.scalar(select(User).where(User.username == "chief"))
        mine = set(db.session.scalars(select(Post.code).where(Post.road_chief_id == chief.id)))
        dispatched = db.session.scalar(select(RoadReport).join(Post, Post.id == RoadReport.post_id).where(
            Post.road_chief_id == chief.id, RoadReport.state == ReportState.DISPATCHED).limit(1))
        others = db.session.scalar(select(RoadReport.id).join(Post, Post.id == RoadReport.post_id).where(
            (Post.road_chief_id != chief.id) | Post.road_chief_id.is_(None)).limit(1))
        dispatched_id = dispatched.id
        db.session.remove()
    assert mine and dispatched_id and others
    for size in ({"width": 1280, "height": 800}, PHONE["viewport"]):
        for page in _page(browser, request, viewport=size):
            login_as(page, patrol_server, "chief")
            # Home is the chief's own page: the dispatched report is waiting there.
            assert page.url.endswith("/patrol/chief")
            assert page.get_by_test_id(f"handle-{dispatched_id}").is_visible()
            assert axe_violations(page) == []
            page.get_by_test_id("to-reports").click()
            page.wait_for_load_state()
            page.locator("#reports-map .leaflet-control-scale").wait_for()
            assert page.locator("#reports-map .leaflet-interactive").count() >= 1
            rows = page.locator("[data-testid=reports-table] tbody tr")
            codes = {rows.nth(i).locator("td").nth(3).inner_text().split()[0] for i in range(rows.count())}
            assert codes <= mine and page.get_by_test_id(f"report-row-{others}").count() == 0
            assert axe_violations(page) == []
            if size["width"] == 360:
                # Usable on a 360 px phone: nothing wider than the screen but the scrolling table.
                assert page.evaluate("document.documentElement.scrollWidth") <= 360
    for page in _page(browser, request, **PHONE):
        login_as(page, patrol_server, "chief")
        page.goto(patrol_server.url + f"/patrol/reports/{dispatched_id}")
        assert page.get_by_test_id("move-dispatched").count() == 0
        page.get_by_test_id("move-resolved").locator("textarea").fill("已组织人员清理")
        page.get_by_test_id("move-resolved").get_by_role("button").click()
        page.wait_for_load_state()
        assert "已组织人员清理" in page.get_by_test_id("report-events").inner_text()
        page.goto(patrol_server.url + "/patrol/chief")
        assert page.get_by_test_id(f"handle-{dispatched_id}").count() == 0
