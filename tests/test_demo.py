"""The demo district: the published figures, valid made-up people, every slot held, attendance.

The district is loaded once for the module (it takes a couple of seconds) into its own
database: a SQLite file, or the PostgreSQL test database when WARDENS_TEST_DATABASE_URL is set.
"""
from __future__ import annotations

import datetime as dt
import os
import re
from collections import Counter
from decimal import Decimal
from typing import Any, Iterator

import pytest
from sqlalchemy import func, select

from tests.conftest import DISTRICT, _reset_postgres, _test_config, postgres_url
from wardens import create_app
from wardens.dates import add_months
from wardens.demo import DEMO_ACCOUNTS, DemoError, load_demo
from wardens.extensions import db
from wardens.idnumber import parse_id_number
from wardens.models import (
    Assignment,
    AttendanceMonth,
    AttendanceRecord,
    Household,
    HouseholdFlag,
    Labour,
    Person,
    Post,
    Stoppage,
    Township,
    User,
    Village,
    get_settings,
    village_neighbour,
)
from wardens.models.enums import MonthState

TODAY = dt.date(2026, 11, 28)
FIRST = dt.date(2026, 8, 28)
YESTERDAY = dt.date(2026, 11, 27)


def _demo_app(url: str) -> Any:
    app = create_app(_test_config(url))
    if "demo" not in app.cli.commands:
        # Until the site registers the demo area itself, wire it here.
        from wardens.demo import init_app

        init_app(app)
    with app.app_context():
        if url.startswith("sqlite"):
            db.create_all()
        get_settings()
        db.session.commit()
    return app


def _dispose(app: Any) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    url = os.environ.get("WARDENS_TEST_DATABASE_URL")
    if url:
        url = postgres_url()  # this process's own database under pytest-xdist
        if url is None:
            pytest.skip("PostgreSQL not reachable")
        _reset_postgres(url)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.sqlite3'}"
    app = _demo_app(url)
    with app.app_context():
        app.config["DEMO_SUMMARY"] = load_demo(today=TODAY)
        db.session.commit()
    yield app
    _dispose(app)


@pytest.fixture
def ctx(demo_app: Any) -> Iterator[Any]:
    with demo_app.app_context():
        yield demo_app


def _current_flag_households(flag: str) -> set[int]:
    return set(db.session.scalars(
        select(HouseholdFlag.household_id).where(HouseholdFlag.flag == flag, HouseholdFlag.cleared_on.is_(None))
    ))


def test_places_are_the_five_townships_and_thirteen_villages(ctx: Any) -> None:
    places = {
        t.name: sorted(v.name for v in t.villages)
        for t in db.session.scalars(select(Township))
    }
    assert places == {
        "单王乡": sorted(["王楼村", "胡台村"]),
        "西河口乡": sorted(["锅棚店村", "石湖村", "红石岩村", "江店村", "郝集村", "龙门冲村", "河口居委会"]),
        "新安镇": sorted(["迎水村", "洪河村"]),
        "城南镇": ["黄小桥村"],
        "丁集镇": ["车贩村"],
    }


def test_neighbours_are_stored_both_ways_and_every_village_has_one(ctx: Any) -> None:
    pairs = set(db.session.execute(select(village_neighbour.c.village_id, village_neighbour.c.neighbour_id)).tuples())
    assert pairs and all((b, a) in pairs for a, b in pairs)
    village_ids = set(db.session.scalars(select(Village.id)))
    assert {a for a, _b in pairs} == village_ids
    by_name = {v.name: v for v in db.session.scalars(select(Village))}
    assert by_name["王楼村"] in by_name["胡台村"].neighbours
    # A link across a township border.
    assert by_name["锅棚店村"] in by_name["胡台村"].neighbours


def test_households_and_people_match_the_published_figures(ctx: Any) -> None:
    households = db.session.scalar(select(func.count(Household.id)))
    people = db.session.scalar(select(func.count(Person.id)))
    assert 810 <= households <= 990
    assert 2160 <= people <= 2640
    poor = _current_flag_households("registered_poor")
    flood = _current_flag_households("flood_affected")
    assert len(poor) == 389
    assert db.session.scalar(select(func.count(Person.id)).where(Person.household_id.in_(poor))) == 1045
    assert len(flood) == 457
    assert len(flood & poor) == 114
    assert len(flood - poor) == 343
    for flag, expected in (("monitoring", 40), ("low_income", 60), ("zero_employment", 15), ("disabled", 50)):
        assert len(_current_flag_households(flag)) == expected, flag
    assert db.session.scalar(select(func.count(Household.id)).where(Household.cadre)) == 20
    flood_rows = db.session.scalars(select(HouseholdFlag).where(HouseholdFlag.flag == "flood_affected")).all()
    assert {(f.recorded_on, f.note, f.source) for f in flood_rows} == {
        (dt.date(2020, 7, 20), "2020年7月淮河流域洪涝灾害", "演示数据")
    }
    poor_rows = db.session.scalars(select(HouseholdFlag).where(HouseholdFlag.flag == "registered_poor")).all()
    assert all(dt.date(2014, 1, 1) <= f.recorded_on <= dt.date(2016, 12, 31) and f.note == "建档立卡" for f in poor_rows)


def test_every_id_number_is_valid_unique_and_agrees_with_the_person(ctx: Any) -> None:
    people = db.session.scalars(select(Person)).all()
    numbers = [p.id_number for p in people]
    assert len(set(numbers)) == len(numbers)
    phones = [p.phone for p in people]
    assert len(set(phones)) == len(phones)
    for p in people:
        parsed = parse_id_number(p.id_number, today=TODAY)
        assert (parsed.birth_date, parsed.sex) == (p.birth_date, p.sex)
        assert p.id_number[:6] in ("341503", "342401")
        assert p.id_last4 == p.id_number[-4:]
        assert 18 <= p.age_on(TODAY) <= 75
        assert re.fullmatch(r"1[3-9]\d{9}", p.phone or "")
        assert 2 <= len(p.name) <= 3 and len(p.name_initials) == len(p.name)
    labour = Counter(p.labour for p in people)
    assert set(labour) == {"full", "weak", "none"}
    assert any(p.away_working for p in people) and any(p.stable_employment for p in people)
    assert Counter(p.sex for p in people)["F"] > len(people) // 4


def test_posts_cover_about_200_km_at_one_warden_per_3_km(ctx: Any) -> None:
    posts = db.session.scalars(select(Post)).all()
    assert 60 <= len(posts) <= 80
    assert 85 <= sum(p.slots for p in posts) <= 95
    assert Decimal("180") <= sum(p.km for p in posts) <= Decimal("220")
    kinds = Counter(p.kind for p in posts)
    assert set(kinds) == {"road_warden", "road_cleaner", "safety_persuader"}
    assert kinds["road_warden"] > kinds["road_cleaner"] + kinds["safety_persuader"]
    assert all(re.fullmatch(r"[CY]\d{3}341503", p.route_code or "") for p in posts)
    assert all(p.section_start and p.section_end and p.road_chief and p.road_chief_phone for p in posts)
    assert {p.required_days for p in posts} >= {20, 22, 8}


def test_every_slot_is_held_by_a_fitting_person_from_the_village(ctx: Any) -> None:
    slots = db.session.scalar(select(func.sum(Post.slots)))
    held = db.session.scalars(select(Assignment).where(Assignment.in_force_on_clause(TODAY))).all()
    assert len(held) == slots
    per_post = Counter(a.post_id for a in held)
    assert all(per_post[p.id] == p.slots for p in db.session.scalars(select(Post)))
    households = [a.person.household_id for a in held]
    assert len(set(households)) == len(households)  # one post per household
    poor_or_flood = _current_flag_households("registered_poor") | _current_flag_households("flood_affected")
    assert sum(1 for h in households if h in poor_or_flood) >= 0.8 * len(held)
    for a in held:
        person, post = a.person, a.post
        assert (a.term_start, a.term_end, a.origin) == (dt.date(2026, 1, 1), dt.date(2026, 12, 31), "initial")
        assert person.household.village_id == post.village_id
        assert not person.household.cadre and not person.away_working and not person.stable_employment
        assert post.min_age <= person.age_on(TODAY) <= post.max_age
        assert Labour(person.labour).rank >= Labour(post.labour).rank
        assert person.bank_account and person.bank_name


def test_attendance_covers_every_holder_day_of_the_window_but_today(ctx: Any) -> None:
    held = db.session.scalars(select(Assignment)).all()
    days = (YESTERDAY - FIRST).days + 1
    assert db.session.scalar(select(func.count(AttendanceRecord.id))) == len(held) * days
    assert ctx.config["DEMO_SUMMARY"].attendance_records == len(held) * days
    per_holder = db.session.execute(
        select(AttendanceRecord.assignment_id, func.min(AttendanceRecord.day), func.max(AttendanceRecord.day),
               func.count(AttendanceRecord.id)).group_by(AttendanceRecord.assignment_id)
    ).all()
    assert len(per_holder) == len(held)
    assert all((first, last, n) == (FIRST, YESTERDAY, days) for _a, first, last, n in per_holder)
    assert db.session.scalar(select(func.count(AttendanceRecord.id)).where(AttendanceRecord.day >= TODAY)) == 0
    statuses = Counter(db.session.scalars(select(AttendanceRecord.status)))
    assert set(statuses) == {"present", "leave", "sick", "absent", "rest", "stopped"}
    assert statuses["present"] > 0.6 * sum(statuses.values())
    sunday_statuses = {
        status for day, status in db.session.execute(select(AttendanceRecord.day, AttendanceRecord.status)).tuples()
        if day.weekday() == 6
    }
    assert sunday_statuses <= {"rest", "stopped"}
    recorders = set(db.session.scalars(select(AttendanceRecord.recorded_by_id)))
    users = {u.username: u.id for u in db.session.scalars(select(User))}
    assert recorders == {users["clerk"], users["office"]}


def test_flood_week_is_a_stoppage_in_one_township(ctx: Any) -> None:
    stoppage = db.session.scalars(select(Stoppage)).one()
    assert stoppage.reason == "暴雨洪涝停工" and stoppage.township.name == "西河口乡"
    assert (stoppage.last_day - stoppage.first_day).days == 6
    stopped = db.session.execute(
        select(AttendanceRecord.day, Village.township_id)
        .join(Assignment, Assignment.id == AttendanceRecord.assignment_id)
        .join(Post, Post.id == Assignment.post_id)
        .join(Village, Village.id == Post.village_id)
        .where(AttendanceRecord.status == "stopped")
    ).all()
    assert stopped and all(
        t == stoppage.township_id and stoppage.first_day <= d <= stoppage.last_day for d, t in stopped
    )


def test_sick_spells_of_three_days_carry_a_certificate(ctx: Any) -> None:
    rows = db.session.execute(
        select(AttendanceRecord.assignment_id, AttendanceRecord.day, AttendanceRecord.certificate)
        .where(AttendanceRecord.status == "sick").order_by(AttendanceRecord.assignment_id, AttendanceRecord.day)
    ).all()
    assert any(c for _a, _d, c in rows)
    assert not all(c for _a, _d, c in rows)


def test_the_dismissal_review_has_cases(ctx: Any) -> None:
    absent = Counter(
        (a, d.month) for a, d in db.session.execute(
            select(AttendanceRecord.assignment_id, AttendanceRecord.day).where(AttendanceRecord.status == "absent")
        ).tuples()
    )
    assert 1 <= len({a for (a, _m), n in absent.items() if n >= 5}) <= 4
    present = Counter(
        (a, d.month) for a, d in db.session.execute(
            select(AttendanceRecord.assignment_id, AttendanceRecord.day).where(AttendanceRecord.status == "present")
        ).tuples()
    )
    required = dict(db.session.execute(
        select(Assignment.id, Post.required_days).join(Post, Post.id == Assignment.post_id)
    ).tuples().all())
    low = [a for a in required if all(present[(a, m)] < 0.6 * required[a] for m in (9, 10, 11))]
    assert len(low) == 1


def test_month_states_closed_then_submitted_then_recording(ctx: Any) -> None:
    rows = db.session.scalars(select(AttendanceMonth)).all()
    states = {(r.township.name, r.year, r.month): r.state for r in rows}
    townships = [t.name for t in db.session.scalars(select(Township))]
    for name in townships:
        for month in range(1, 10):
            assert states[(name, 2026, month)] == MonthState.CLOSED
        assert (name, 2026, 11) not in states  # the current month is being recorded
    october = {name: states.get((name, 2026, 10)) for name in townships}
    assert sum(1 for s in october.values() if s == MonthState.SUBMITTED) == 4
    assert sum(1 for s in october.values() if s is None) == 1
    assert all(r.settings_used for r in rows if r.state == MonthState.CLOSED)
    assert all(r.submitted_at is not None for r in rows)


def test_the_five_demo_accounts_log_in(demo_app: Any) -> None:
    assert set(DEMO_ACCOUNTS) == {"admin", "office", "clerk", "warden", "chief"}
    for username, spec in DEMO_ACCOUNTS.items():
        assert len(spec["password"]) >= 8
        client = demo_app.test_client()
        response = client.post("/login", data={"username": username, "password": spec["password"]})
        assert response.status_code == 302, username
        assert "/login" not in response.headers["Location"]
        # The role's home page renders on the demo data.
        assert client.get(response.headers["Location"], follow_redirects=True).status_code == 200, username
    with demo_app.app_context():
        users = {u.username: u for u in db.session.scalars(select(User))}
        assert {u: users[u].role for u in DEMO_ACCOUNTS} == {
            "admin": "admin", "office": "office", "clerk": "clerk", "warden": "warden", "chief": "road_chief"
        }
        assert users["clerk"].township.name == "西河口乡"
        warden = users["warden"].person
        holding = db.session.scalars(
            select(Assignment).where(Assignment.person_id == warden.id, Assignment.in_force_on_clause(TODAY))
        ).one()
        assert holding.post.kind == "road_warden" and holding.post.village.township.name == "西河口乡"
        # The road chief is chief of every section of the warden's village, and named as on those posts.
        chief = users["chief"]
        sections = list(db.session.scalars(select(Post).where(Post.road_chief_id == chief.id)))
        assert {p.id for p in sections} == set(db.session.scalars(
            select(Post.id).where(Post.village_id == holding.post.village_id)))
        assert chief.township.name == "西河口乡" and chief.display_name == f"路长 {holding.post.road_chief}"


def test_loading_again_changes_nothing(demo_app: Any) -> None:
    def counts() -> tuple[int, ...]:
        with demo_app.app_context():
            return tuple(
                db.session.scalar(select(func.count()).select_from(m))
                for m in (Township, Village, Household, Person, Post, Assignment, AttendanceRecord, User)
            )

    before = counts()
    result = demo_app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert "already loaded" in result.output
    with demo_app.app_context(), pytest.raises(DemoError):
        load_demo(today=TODAY)
    assert counts() == before


def test_logins_command_prints_accounts_and_url(demo_app: Any) -> None:
    result = demo_app.test_cli_runner().invoke(args=["demo", "logins"])
    assert result.exit_code == 0
    assert "http://127.0.0.1:5000" in result.output
    for username, spec in DEMO_ACCOUNTS.items():
        assert re.search(rf"^{username}\s+{spec['role']}\s+{re.escape(spec['password'])}", result.output, re.M)


def test_a_fresh_load_by_the_command_gives_the_same_people(demo_app: Any, tmp_path: Any, clock: Any) -> None:
    # `flask demo load` reads the district's today; on the module's day it must make the module's district.
    clock.move_to(dt.datetime.combine(TODAY, dt.time(10), tzinfo=DISTRICT))
    app = _demo_app(f"sqlite:///{tmp_path / 'again.sqlite3'}")
    try:
        result = app.test_cli_runner().invoke(args=["demo", "load"])
        assert result.exit_code == 0, result.output
        assert "Loaded the demo district" in result.output

        def people(a: Any) -> list[tuple[str, str, str]]:
            with a.app_context():
                return list(db.session.execute(
                    select(Person.name, Person.id_number, Household.number)
                    .join(Household, Household.id == Person.household_id).order_by(Person.id)
                ).tuples())

        def holders(a: Any) -> list[tuple[str, str]]:
            with a.app_context():
                return sorted(db.session.execute(
                    select(Person.id_number, Post.code).join(Assignment, Assignment.person_id == Person.id)
                    .join(Post, Post.id == Assignment.post_id)
                ).tuples())

        def posts(a: Any) -> list[tuple[Any, ...]]:
            with a.app_context():
                return list(db.session.execute(
                    select(Post.code, Post.route_code, Post.section_start, Post.section_end, Post.km, Post.slots)
                    .order_by(Post.code)
                ).tuples())

        assert people(app) == people(demo_app)
        assert holders(app) == holders(demo_app)
        assert posts(app) == posts(demo_app)
    finally:
        _dispose(app)


def test_scale_multiplies_the_district(tmp_path: Any) -> None:
    app = _demo_app(f"sqlite:///{tmp_path / 'scale.sqlite3'}")
    try:
        with app.app_context():
            summary = load_demo(today=TODAY, scale=2, attendance_months=1)
            db.session.flush()
            assert (summary.townships, summary.villages) == (5, 26)
            assert (summary.households, summary.people) == (1800, 4800)
            assert (summary.poor_households, summary.poor_people) == (778, 2090)
            assert (summary.flood_households, summary.flood_and_poor_households) == (914, 228)
            assert (summary.posts, summary.slots, summary.holders) == (140, 180, 180)
            assert db.session.scalar(select(func.count(Village.id)).where(Village.name == "王楼村二组")) == 1
            first, _last = summary.first_day, summary.last_day
            assert first == dt.date(*add_months(2026, 11, -1), 28)
            db.session.rollback()
    finally:
        _dispose(app)


def test_a_window_across_new_year_has_agreements_for_both_years(tmp_path: Any) -> None:
    today = dt.date(2027, 1, 10)
    app = _demo_app(f"sqlite:///{tmp_path / 'new_year.sqlite3'}")
    try:
        with app.app_context():
            summary = load_demo(today=today)
            db.session.flush()
            assert summary.first_day == dt.date(2026, 10, 10)
            terms = Counter(db.session.scalars(select(Assignment.term_start)))
            assert terms == {dt.date(2026, 1, 1): 90, dt.date(2027, 1, 1): 90}
            days_2026 = (dt.date(2026, 12, 31) - summary.first_day).days + 1
            days_2027 = (today - dt.date(2027, 1, 1)).days
            assert summary.attendance_records == 90 * (days_2026 + days_2027)
            assert db.session.scalar(select(func.count(AttendanceRecord.id))) == summary.attendance_records
            states = Counter(
                (r.year, r.month, r.state) for r in db.session.scalars(select(AttendanceMonth))
            )
            assert states[(2026, 12, MonthState.SUBMITTED)] == 4
            assert states[(2026, 11, MonthState.CLOSED)] == 5
            assert not any(year == 2027 for year, _m, _s in states)
            db.session.rollback()
    finally:
        _dispose(app)


def test_demo_gives_the_dismissal_review_its_three_attendance_cases(demo_app):
    """Six unexcused days last month, five the month before, and one holder under 60% for three months."""
    from wardens.attendance.thresholds import holders_crossing_thresholds

    with demo_app.app_context():
        hits = holders_crossing_thresholds(TODAY)
        rules = sorted((h.rule, h.period) for h in hits)
    assert ("absent_days", "2026-10") in rules
    assert ("absent_days", "2026-09") in rules
    assert any(rule == "low_rate" for rule, _period in rules)
