"""Check-ins as evidence (the grid, the dismissal review) and the retention purge."""
import datetime as dt

from sqlalchemy import func, select

from tests.conftest import DISTRICT
from tests.patrol.conftest import middle_north
from tests.patrol.test_checkins import tap
from tests.patrol.test_reports_and_access import jpeg, phone_report
from wardens.dates import utcnow
from wardens.extensions import db
from wardens.models import AttendanceRecord, CheckIn, DismissalCase, Photo, RoadReport, get_patrol_settings
from wardens.patrol.evidence import days_without_on_section_patrol, grid_evidence
from wardens.patrol.purge import purge_old_locations
from wardens.patrol.photos import photo_path


def test_the_grid_evidence_lists_the_days_check_ins_of_the_township_only(clock, world, sign_in):
    warden = sign_in(world.warden)
    tap(warden, middle_north(20), client_id="tap-a001", photo=jpeg())
    clock.move_to(dt.datetime(2026, 11, 16, 11, 30, tzinfo=DISTRICT))
    tap(warden, middle_north(700), kind="end", client_id="tap-a002", taken=dt.datetime(2026, 11, 16, 11, 30, tzinfo=DISTRICT))
    tap(sign_in(world.far_warden), middle_north(20), client_id="tap-a003")
    db.session.rollback()
    evidence = grid_evidence(world.post.village.township_id, dt.date(2026, 11, 16))
    assert list(evidence) == [world.assignment.id]
    views = evidence[world.assignment.id].check_ins
    assert [(v.kind, v.time, v.on_section, round(v.distance_m)) for v in views] == [
        ("start", "10:00", True, 20), ("end", "11:30", False, 700)]
    assert views[0].photo_token and views[1].photo_token is None
    assert evidence[world.assignment.id].on_section is True
    assert grid_evidence(world.post.village.township_id, dt.date(2026, 11, 15)) == {}


def test_an_uncertain_check_in_is_not_on_section_evidence(clock, world, sign_in):
    tap(sign_in(world.warden), middle_north(20), accuracy=500)
    db.session.rollback()
    assert grid_evidence(world.post.village.township_id, dt.date(2026, 11, 16))[world.assignment.id].on_section is False


def _checkin(world, day, metres=10, on=True):
    db.session.add(CheckIn(assignment_id=world.assignment.id, user_id=world.warden.id, client_id=f"x-{day}-{metres}",
                           kind="start", taken_at=dt.datetime.combine(day, dt.time(1)).replace(tzinfo=dt.timezone.utc),
                           day=day, lat=31.68, lon=116.48, accuracy_m=5, distance_m=metres, on_section=on, corridor_m=200))


def test_days_without_an_on_section_patrol_flag_for_review_counting_only_working_days(clock, world):
    # October 2026: 31 days. On-section check-ins on 15 days, an off-section one on another,
    # 6 days of recorded leave/rest: 31 - 15 - 6 = 10 working days without -> flagged at the default 10.
    for d in range(1, 16):
        _checkin(world, dt.date(2026, 10, d))
    _checkin(world, dt.date(2026, 10, 16), metres=900, on=False)
    for d in range(20, 26):
        db.session.add(AttendanceRecord(assignment_id=world.assignment.id, day=dt.date(2026, 10, d), status="rest"))
    db.session.commit()
    hits = days_without_on_section_patrol(dt.date(2026, 11, 16))
    # The other wardens have no line (far post) or no check-in at all but a line (other post): 31 days.
    by_id = {h.assignment.id: h for h in hits}
    assert by_id[world.assignment.id].days == 10 and by_id[world.assignment.id].period == "2026-10"
    assert by_id[world.other_assignment.id].days == 31
    assert world.far_assignment.id not in by_id
    get_patrol_settings().absent_days_limit = 11
    assert world.assignment.id not in {h.assignment.id for h in days_without_on_section_patrol(dt.date(2026, 11, 16))}
    get_patrol_settings().absent_days_limit = 0
    assert days_without_on_section_patrol(dt.date(2026, 11, 16)) == []


def test_the_dismissal_review_shows_it_as_a_flag_never_a_decision(clock, world, sign_in):
    from wardens.reallocation.dismissal import refresh_flags

    for d in range(1, 10):
        _checkin(world, dt.date(2026, 10, d))
    db.session.commit()
    refresh_flags(dt.date(2026, 11, 16), user_id=None)
    db.session.commit()
    cases = list(db.session.scalars(select(DismissalCase).where(DismissalCase.rule == "no_on_section_patrol")))
    assert {c.assignment_id for c in cases} == {world.assignment.id, world.other_assignment.id}
    assert all(c.decision is None for c in cases)
    mine = next(c for c in cases if c.assignment_id == world.assignment.id)
    assert "22 个工作日没有在路段上的巡查打卡" in mine.evidence and "不是处理决定" in mine.evidence
    page = sign_in(world.office).get("/reallocation/dismissals")
    assert page.status_code == 200 and "人岗不在" in page.text


def test_purge_deletes_check_ins_and_photos_past_the_retention_period(clock, world, sign_in, runner):
    warden = sign_in(world.warden)
    tap(warden, middle_north(20), client_id="tap-old1", photo=jpeg())
    phone_report(warden, photo=jpeg(), client_id="rep-old1")
    db.session.rollback()
    old_photo = db.session.scalar(select(Photo.token).where(Photo.id == select(CheckIn.photo_id).scalar_subquery()))
    report = db.session.scalar(select(RoadReport))
    report.state = "resolved"
    db.session.commit()
    # A year and a day later, a new check-in; the old ones go.
    clock.move_to(dt.datetime(2027, 11, 17, 10, 0, tzinfo=DISTRICT))
    world.assignment.term_end = dt.date(2027, 12, 31)
    db.session.commit()
    # (A session does not last a year: log in again.)
    res = tap(sign_in(world.warden), middle_north(20), client_id="tap-new1", taken=dt.datetime(2027, 11, 17, 10, 0, tzinfo=DISTRICT))
    assert res.status_code == 201, res.json
    db.session.rollback()
    result = runner.invoke(args=["patrol", "purge"])
    assert result.exit_code == 0, result.output
    assert "deleted 1 check-ins and 2 photos (4 files); cleared the location of 1 resolved reports" in result.output
    db.session.rollback()
    assert db.session.scalar(select(func.count(CheckIn.id))) == 1
    report = db.session.scalar(select(RoadReport))
    assert (report.lat, report.photo_id, report.kind, report.state) == (None, None, "pothole", "resolved")
    assert not photo_path(old_photo).exists()
    assert db.session.scalar(select(func.count(Photo.id))) == 0


def test_the_grid_page_shows_each_holders_check_ins_to_the_clerk(clock, world, sign_in):
    tap(sign_in(world.warden), middle_north(20), photo=jpeg())
    tap(sign_in(world.other_warden), middle_north(20), client_id="tap-b001")   # 3 km from their own line
    page = sign_in(world.clerk).get("/attendance/grid?day=2026-11-16")
    assert page.status_code == 200
    text = page.text
    mine = text[text.index(f'data-testid="patrol-ev-{world.assignment.id}"'):]
    assert mine[:mine.index("</td>")].count("✓") == 1 and "size=thumb" in mine[:mine.index("</td>")]
    other = text[text.index(f'data-testid="patrol-ev-{world.other_assignment.id}"'):]
    assert "✗ 2980 m" in other[:other.index("</td>")]
    assert "将今天有路段巡查打卡的人员标为出勤（1 人）" in text
    assert text.count('data-on-section="1"') == 1


def test_the_post_page_shows_the_lines_length_beside_the_km(clock, world, sign_in):
    page = sign_in(world.office).get(f"/posts/{world.post.id}")
    assert page.status_code == 200 and "按线路测得 2.00 公里" in page.text
    assert "暂无" in sign_in(world.office).get(f"/posts/{world.far_post.id}").text
