"""County benchmark: a real county's yearly round, driven through the site as the office does it.

Run: .venv/bin/python benchmarks/county_bench.py [--postgres URL] [--repeat 3] [--skip-sqlite]
(`make bench` runs it; the PostgreSQL half runs when WARDENS_BENCH_POSTGRES_URL or --postgres names
a database it may empty — it drops and recreates that database's public schema.)

The county (issue #13): 20 townships, 240 villages with neighbours, 800 posts with 1,200 slots,
1,200 holders with a year of attendance (365 days × 1,200 ≈ 438,000 records), 3,000 applicants in
2,300 households with realistic flags (registered poor, flood-affected, monitoring, low income,
cadre households, stable employment, migrant work). It is built with bulk inserts (that is setup,
not what is measured), then every step goes through the site's own routes with Flask's test
client, CSRF on, logged in through the login form, each form read from the page that shows it
the way a browser would. For every step it prints the time (median of --repeat for pages; once
for actions that change state), the number of SQL statements and the size of the response.

Targets (#13): pages < 300 ms, bulk actions < 1 s, < 50 statements per request whatever the row
count, no page over 500 KB, page times unchanged with 10 stored runs, the run request at most
3× one solve. The last column says which target a step is held to and whether it is met.
"""
from __future__ import annotations

import argparse
import datetime as dt
import gc
import io
import os
import re
import statistics
import sys
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import time_machine  # noqa: E402
from flask import Flask  # noqa: E402
from flask.testing import FlaskClient  # noqa: E402
from sqlalchemy import event, insert, select, text  # noqa: E402

import allocation  # noqa: E402
from benchmarks.common import bench_app, create_database, load, machine, scratch_folder, sqlite_url  # noqa: E402
from wardens.attendance.months import close_month, submit_month  # noqa: E402
from wardens.auth.passwords import hash_password  # noqa: E402
from wardens.dates import add_months  # noqa: E402
from wardens.extensions import db  # noqa: E402
from wardens.idnumber import check_character  # noqa: E402
from wardens.models import (  # noqa: E402
    AllocationRun,
    Application,
    Assignment,
    AttendanceRecord,
    DismissalCase,
    Household,
    HouseholdFlag,
    Person,
    Post,
    Township,
    User,
    Village,
    get_settings,
    village_neighbour,
)

DISTRICT = ZoneInfo("Asia/Shanghai")
# The benchmark's day: 1 December, the month the office runs the yearly round for next year.
NOW = dt.datetime(2026, 12, 1, 9, 30, tzinfo=DISTRICT)
TODAY = NOW.date()
PASSWORD = "county benchmark password"
TOWNSHIP_NAMES = ("西河口乡", "单王乡", "新安镇", "城南镇", "丁集镇", "固镇镇", "独山镇", "石婆店镇", "分路口镇", "江家店镇",
                  "石板冲乡", "青山乡", "罗集乡", "狮子岗乡", "顺河镇", "徐集镇", "苏埠镇", "韩摆渡镇", "新安乡", "平桥乡")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红梅金凤春生海林国庆建德志文德福长山"
STATUSES = ("present",) * 22 + ("rest",) * 5 + ("leave", "sick", "absent")

TOWNSHIPS, VILLAGES_PER_TOWNSHIP, POSTS, HOLDERS, HOUSEHOLDS, APPLICANTS = 20, 12, 800, 1200, 2300, 3000


def id_number(i: int) -> str:
    """A distinct ID number with a valid check character, born 1962–1999 (ages 27–64 on the round's day)."""
    birth = dt.date(1962, 1, 1) + dt.timedelta(days=(i * 37) % 13800)
    first17 = f"341503{birth:%Y%m%d}{(i // 13800) * 2 + 1 + i % 2:03d}"[:17]
    return first17 + check_character(first17)


def person_name(i: int) -> str:
    return SURNAMES[i % len(SURNAMES)] + GIVEN[(i * 7) % len(GIVEN)] + GIVEN[(i * 13 + 5) % len(GIVEN)]


@dataclass
class County:
    """What the builder made: the ids a benchmark step needs."""

    townships: list[int]
    villages: list[int]
    posts: list[int]
    post_codes: list[str]
    holders: list[int]  # person ids holding a post today
    applicants: list[int]  # person ids who will apply (not holders)
    office_user: str
    warden_user: str
    records: int
    built_seconds: float
    extra: dict[str, Any] = field(default_factory=dict)


def build_county(app: Flask) -> County:
    """Build the county in the app's (empty, created) database with bulk inserts; return its ids.

    Other benchmarks may reuse this (e.g. the home page at county scale): call it inside
    `time_machine.travel(NOW)` so the year of attendance ends on the day before NOW.
    """
    started = time.perf_counter()
    with app.app_context():
        get_settings()
        db.session.execute(insert(Township), [{"name": TOWNSHIP_NAMES[t], "code": f"T{t:02d}"} for t in range(TOWNSHIPS)])
        townships = list(db.session.scalars(select(Township.id).order_by(Township.id)))
        db.session.execute(insert(Village), [
            {"township_id": t, "name": f"{'东西南北中上下前后新'[v % 10]}{'河湖山岗桥庄集店'[v % 8]}村{v + 1:02d}", "code": f"V{i:03d}{v:02d}"}
            for i, t in enumerate(townships) for v in range(VILLAGES_PER_TOWNSHIP)])
        villages = list(db.session.scalars(select(Village.id).order_by(Village.id)))
        # Neighbours: villages next to each other in their township (a chain), both directions.
        links = []
        for i, v in enumerate(villages):
            if i % VILLAGES_PER_TOWNSHIP:
                links += [{"village_id": v, "neighbour_id": villages[i - 1]}, {"village_id": villages[i - 1], "neighbour_id": v}]
        db.session.execute(insert(village_neighbour), links)
        # 800 posts: half with one slot, half with two (1,200 slots), 3–4 posts per village.
        codes = [f"YA-{(p % len(villages)):03d}-{p // len(villages) + 1:02d}" for p in range(POSTS)]
        db.session.execute(insert(Post), [
            {"code": codes[p], "kind": "road_warden" if p % 5 else "road_cleaner", "village_id": villages[p % len(villages)],
             "route_code": f"X{(p % 97):03d}", "section_start": f"K{p % 30}+000", "section_end": f"K{p % 30 + 3}+000",
             "km": 3, "slots": 1 + p % 2, "min_age": 18, "max_age": 60 if p % 7 else 65, "labour": "weak" if p % 3 else "full"}
            for p in range(POSTS)])
        post_rows = db.session.execute(select(Post.id, Post.slots, Post.village_id).order_by(Post.id)).all()
        # 2,300 households, spread over the villages; ~1 % cadre households.
        db.session.execute(insert(Household), [
            {"number": f"3415030{h:06d}", "village_id": villages[h % len(villages)], "cadre": h % 97 == 13}
            for h in range(HOUSEHOLDS)])
        households = list(db.session.scalars(select(Household.id).order_by(Household.id)))
        flags = []
        for i, h in enumerate(households):
            r = (i * 7919) % 100
            chosen = (["registered_poor"] if r < 35 else []) + (["flood_affected"] if 25 <= r < 45 else []) \
                + (["monitoring"] if 60 <= r < 68 else []) + (["low_income"] if 68 <= r < 80 else [])
            flags += [{"household_id": h, "flag": f, "recorded_on": dt.date(2021 + i % 4, 7, 20), "source": "乡村振兴局"}
                      for f in chosen]
        db.session.execute(insert(HouseholdFlag), flags)
        # 3,000 people: every household one person, 700 with a second member.
        people = []
        for i in range(APPLICANTS):
            number = id_number(i)
            people.append({
                "name": person_name(i), "name_initials": "", "id_number": number, "id_last4": number[-4:],
                "birth_date": dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14])),
                "sex": "M" if int(number[16]) % 2 else "F", "phone": f"139{i:08d}",
                "household_id": households[i % HOUSEHOLDS], "labour": ("full", "weak", "weak", "none")[i % 4] if i >= HOLDERS else ("full", "weak")[i % 2],
                "stable_employment": i >= HOLDERS and i % 41 == 0, "away_working": i >= HOLDERS and i % 53 == 0})
        db.session.execute(insert(Person), people)
        persons = list(db.session.scalars(select(Person.id).order_by(Person.id)))
        # The first 1,200 people hold the 1,200 slots: last year's agreement (2025) and this year's (2026).
        slots = [pid for pid, n, _ in post_rows for _ in range(n)]
        holders = persons[:HOLDERS]
        db.session.execute(insert(Assignment), [
            {"person_id": p, "post_id": q, "term_start": dt.date(2025, 1, 1), "term_end": dt.date(2025, 12, 31),
             "origin": "initial", "ended_on": None} for p, q in zip(holders, slots)])
        db.session.execute(insert(Assignment), [
            {"person_id": p, "post_id": q, "term_start": dt.date(2026, 1, 1), "term_end": dt.date(2026, 12, 31),
             "origin": "initial"} for p, q in zip(holders, slots)])
        agreements = db.session.execute(select(Assignment.id, Assignment.term_start).order_by(Assignment.id)).all()
        # A year of attendance: 1 December 2025 to 30 November 2026, one record per holder-day.
        first = TODAY - dt.timedelta(days=365)
        by_year = {2025: [a for a, s in agreements if s.year == 2025], 2026: [a for a, s in agreements if s.year == 2026]}
        records = 0
        batch: list[dict[str, Any]] = []
        for n in range(365):
            day = first + dt.timedelta(days=n)
            for k, aid in enumerate(by_year[day.year]):
                # Most holders in good standing; every 9th has a poor year (about 70 % present).
                status = STATUSES[(k * 31 + n) % len(STATUSES)]
                if k % 9 == 4 and (k + n) % 4 == 0 and status == "present":
                    status = "absent"
                batch.append({"assignment_id": aid, "day": day, "status": status, "version": 1,
                              "recorded_at": dt.datetime.combine(day, dt.time(18), DISTRICT)})
            if len(batch) >= 20000:
                db.session.execute(insert(AttendanceRecord), batch)
                records += len(batch)
                batch = []
        db.session.execute(insert(AttendanceRecord), batch)
        records += len(batch)
        office = User(username="office", password_hash=hash_password(PASSWORD), role="office", display_name="路长办")
        warden = User(username="warden", password_hash=hash_password(PASSWORD), role="warden", person_id=holders[17])
        db.session.add_all([office, warden])
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            # What autovacuum does soon after a bulk load (PostgreSQL 13+ vacuums insert-only
            # tables too): statistics for the planner, and the visibility map that lets counts
            # read the day index alone.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        return County(townships=townships, villages=villages, posts=[p for p, _, _ in post_rows], post_codes=codes,
                      holders=holders, applicants=persons[HOLDERS:], office_user="office", warden_user="warden",
                      records=records, built_seconds=time.perf_counter() - started)


# -- driving the site ---------------------------------------------------------------------------

class Forms(HTMLParser):
    """The forms of a page with the values a browser would send (inputs, selects, textareas)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, dict[str, str]]] = []
        self._select: str | None = None
        self._first_option: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append((a.get("action", ""), {}))
        elif not self.forms:
            return
        elif tag == "input" and a.get("name") and a.get("type") not in ("submit", "button", "file", "checkbox", "radio"):
            self.forms[-1][1][a["name"]] = a.get("value", "")
        elif tag == "input" and a.get("type") in ("checkbox", "radio") and "checked" in a and a.get("name"):
            self.forms[-1][1][a["name"]] = a.get("value", "y")
        elif tag == "textarea" and a.get("name"):
            self.forms[-1][1][a["name"]] = ""
        elif tag == "select" and a.get("name"):
            self._select, self._first_option = a["name"], None
        elif tag == "option" and self._select:
            if self._first_option is None:
                self._first_option = a.get("value", "")
                self.forms[-1][1].setdefault(self._select, self._first_option)
            if "selected" in a:
                self.forms[-1][1][self._select] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


def form_on(html: str, action_part: str, url: str = "") -> tuple[str, dict[str, str]]:
    """The first form whose action contains action_part (no action: the page's own url): (action, fields)."""
    parser = Forms()
    parser.feed(html)
    for action, fields in parser.forms:
        action = action or url
        if action_part in action:
            return action, dict(fields)
    raise AssertionError(f"no form posting to …{action_part} on the page")


@dataclass
class Step:
    name: str
    kind: str  # page | action | run | stress (printed, held to no target)
    ms: float
    queries: int
    kb: float


class Driver:
    """A logged-in test client that times each request and counts its SQL statements."""

    def __init__(self, app: Flask, repeat: int) -> None:
        self.app = app
        self.client: FlaskClient = app.test_client()
        self.repeat = repeat
        self.statements = 0
        self.steps: list[Step] = []
        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", self._count)

    def _count(self, *args: Any) -> None:
        self.statements += 1

    def login(self, username: str) -> None:
        page = self.client.get("/login").get_data(as_text=True)
        _, fields = form_on(page, "/login", "/login")
        fields.update(username=username, password=PASSWORD)
        response = self.client.post("/login", data=fields)
        assert response.status_code == 302, f"login failed for {username}"

    def _fields(self, url: str, action_part: str) -> dict[str, str]:
        return form_on(self.client.get(url).get_data(as_text=True), action_part)[1]

    def request(self, method: str, url: str, **kw: Any) -> tuple[Any, float, int]:
        before = self.statements
        t0 = time.perf_counter()
        response = self.client.open(url, method=method, **kw)
        ms = (time.perf_counter() - t0) * 1000
        return response, ms, self.statements - before

    def page(self, name: str, url: str, *, expect: int = 200, kind: str = "page") -> str:
        times, counts, body = [], [], b""
        for _ in range(self.repeat):
            response, ms, n = self.request("GET", url)
            assert response.status_code == expect, (name, url, response.status_code, response.get_data(as_text=True)[:800])
            times.append(ms)
            counts.append(n)
            body = response.data
        self.steps.append(Step(name, kind, statistics.median(times), max(counts), len(body) / 1024))
        return body.decode("utf-8", "replace")

    def post(self, name: str, url: str, data: dict[str, Any], *, kind: str = "action",
             content_type: str | None = None) -> Any:
        kw: dict[str, Any] = {"data": data}
        if content_type:
            kw["content_type"] = content_type
        response, ms, n = self.request("POST", url, **kw)
        assert response.status_code in (200, 302), (name, url, response.status_code, response.get_data(as_text=True)[:800])
        body = response.data
        flashes = self.flashes()
        errors = [text for category, text in flashes if category == "error"]
        assert not errors, (name, errors[:5])
        if response.status_code == 200:
            page = body.decode("utf-8", "replace")
            assert 'class="error"' not in page or "import-apply" in page, (name, re.findall(r'class="error"[^>]*>([^<]*)', page)[:5])
        self.steps.append(Step(name, kind, ms, n, len(body) / 1024))
        return response

    def flashes(self) -> list[tuple[str, str]]:
        with self.client.session_transaction() as session:
            found = list(session.get("_flashes", []))
        return found


def applications_csv(county: County, rows: int) -> bytes:
    """The office's applications sheet: ID number and up to three chosen post codes in the applicant's village."""
    with_codes = {}
    with db.session.no_autoflush:
        posts = db.session.execute(select(Post.village_id, Post.code).order_by(Post.id)).all()
        people = db.session.execute(
            select(Person.id, Person.id_number, Household.village_id).join(Household, Household.id == Person.household_id)
            .where(Person.id.in_(county.applicants[:rows])).order_by(Person.id)).all()
    for village_id, code in posts:
        with_codes.setdefault(village_id, []).append(code)
    out = io.StringIO()
    out.write("身份证号,志愿一,志愿二,志愿三\n")
    for i, (_, number, village_id) in enumerate(people):
        codes = with_codes.get(village_id, [])
        take = codes[i % max(len(codes), 1):][: 1 + i % 3] if codes else []
        out.write(",".join([number, *take, *[""] * (3 - len(take))]) + "\n")
    return out.getvalue().encode("utf-8")


def close_past_months(app: Flask, county: County) -> float:
    """The office's months as they went: December to October submitted and closed in every
    township (each close stores its sheet), November being finished today. Seconds taken."""
    started = time.perf_counter()
    with app.app_context():
        office = db.session.scalar(select(User).where(User.username == county.office_user))
        for back in range(12, 1, -1):  # December … October; November (back 1) is still open
            y, m = add_months(TODAY.year, TODAY.month, -back)
            for tid in county.townships:
                submit_month(tid, y, m, office, today=TODAY)
                close_month(tid, y, m, office)
        db.session.commit()
    return time.perf_counter() - started


def drive(app: Flask, county: County, repeat: int, traveller: Any) -> tuple[list[Step], dict[str, Any]]:
    """The office's year, step by step, through the site's routes."""
    d = Driver(app, repeat)
    facts: dict[str, Any] = {}
    d.login(county.office_user)
    # Not how an office runs, so held to no target: a county that closed no month all year,
    # whose twelve open months are all counted from their 438,000 records.
    d.page("home page (office), no month closed all year", "/", kind="stress")
    facts["months closed (s)"] = round(close_past_months(app, county), 1)
    d.page("home page (office)", "/")
    # The rest of the office's everyday pages, on the same county.
    town = county.townships[3]
    for name, url in (
        ("register: people (3,000)", "/people"), ("register: households (2,300)", "/households"),
        ("register: posts (800)", "/posts"), ("register: places (20 townships, 240 villages)", "/places"),
        ("attendance overview", "/attendance/dashboard"), ("months of every township", "/attendance/months"),
        ("daily grid of a township (60 holders)", f"/attendance/grid?township_id={town}&day={TODAY - dt.timedelta(days=1)}"),
        ("monthly sheet, open month", f"/attendance/sheet/{town}/{TODAY.year}/{TODAY.month - 1}"),
        ("monthly sheet, closed month", f"/attendance/sheet/{town}/{TODAY.year}/{TODAY.month - 2}"),
        ("yearly statistics", "/statistics"), ("audit trail", "/audit"),
    ):
        d.page(name, url)
    page = d.client.get("/reallocation/dismissals").get_data(as_text=True)
    action, fields = form_on(page, "/dismissals/refresh")
    d.post("refresh the dismissal flags (1,200 holders)", action, fields)
    with app.app_context():
        facts["dismissal flags"] = db.session.scalar(select(db.func.count()).select_from(DismissalCase))
    d.page("dismissal review, every flag open", "/reallocation/dismissals")
    page = d.page("open-round form", "/reallocation/rounds/new")
    action, fields = form_on(page, "/reallocation/rounds/new", "/reallocation/rounds/new")
    fields.update(year="2027", term_start="2027-01-01", term_end="2027-12-31", reference_date="2027-01-01", notice_days="5")
    response = d.post("open round + include 1,200 holders", action, fields)
    round_url = response.headers["Location"]
    round_id = int(round_url.rstrip("/").rsplit("/", 1)[1])
    with app.app_context():
        facts["applications after opening"] = db.session.scalar(
            select(db.func.count()).select_from(Application).where(Application.round_id == round_id))
        data = applications_csv(county, APPLICANTS - HOLDERS)
    page = d.page("round page", round_url)
    page = d.page("import form", f"/reallocation/rounds/{round_id}/import")
    action, fields = form_on(page, "/import")
    fields["file"] = (io.BytesIO(data), "applications.csv")
    response = d.post(f"import {APPLICANTS - HOLDERS:,} applications: preview", action, fields,
                      content_type="multipart/form-data")
    preview = response.get_data(as_text=True) if response.status_code == 200 else d.client.get(response.headers["Location"]).get_data(as_text=True)
    action, fields = form_on(preview, "apply")
    d.post(f"import {APPLICANTS - HOLDERS:,} applications: apply", action, fields)
    with app.app_context():
        facts["applications after import"] = db.session.scalar(
            select(db.func.count()).select_from(Application).where(Application.round_id == round_id))
    page = d.page("round page", round_url)
    action, fields = form_on(page, "/run")
    response = d.post("run the matcher (the first since start)", action, fields, kind="run")
    run_url = response.headers["Location"]
    run_id = int(run_url.rstrip("/").rsplit("/", 1)[1])
    with app.app_context():
        run = db.session.get(AllocationRun, run_id)
        problem = run.problem
        solves = []
        for _ in range(5):
            t0 = time.perf_counter()
            allocation.solve_dict(problem, lang="zh")
            solves.append((time.perf_counter() - t0) * 1000)
        facts["one solve (in process, median of 5, ms)"] = round(statistics.median(solves))
        facts["placed"] = len(run.result["assignments"])
    d.page("proposal page (first screen)", run_url)
    first_township = county.townships[0]
    first_village = county.villages[0]
    d.page("proposal of one township", f"{run_url}?township={first_township}")
    d.page("proposal of one village", f"{run_url}?village={first_village}")
    d.page("round page, 1 run", round_url)
    with app.app_context():
        application_id = db.session.scalar(select(Application.id).where(
            Application.round_id == round_id, Application.person_id == county.holders[5]))
    decision_url = f"/reallocation/rounds/{round_id}/applications/{application_id}"
    d.page("one person's decision, 1 run", decision_url)
    for n in range(9):
        page = d.client.get(round_url).get_data(as_text=True)
        action, fields = form_on(page, "/run")
        fields["note"] = f"again {n + 2}"
        d.post("_run", action, fields, kind="run")
    again = [s for s in d.steps if s.name == "_run"]
    d.steps = [s for s in d.steps if s.name != "_run"]
    d.steps.append(Step("run the matcher again (runs 2-10, median)", "run", statistics.median(s.ms for s in again),
                        max(s.queries for s in again), max(s.kb for s in again)))
    d.page("round page, 10 runs", round_url)
    d.page("proposal page, 10 runs", run_url)
    d.page("one person's decision, 10 runs", decision_url)
    d.page("compare the last two runs", f"/reallocation/rounds/{round_id}/compare")
    # The notice starts today (it may not start before its run or in the past), confirmed with the
    # dates it shows; approval comes once the clock has passed the period's end (moved below).
    page = d.client.get(run_url).get_data(as_text=True)
    action, fields = form_on(page, "/notice")
    fields["run_id"], fields["start"], fields["confirmed"] = str(run_id), TODAY.isoformat(), "1"
    d.post("start the public notice", action, fields)
    d.page("notice print, one village", f"/reallocation/rounds/{round_id}/notice/print?village={first_village}")
    d.page("notice print, one township", f"/reallocation/rounds/{round_id}/notice/print?township={first_township}")
    d.page("round page, on notice", round_url)
    traveller.move_to(NOW + dt.timedelta(days=10))  # the five-day notice has ended
    d.client = app.test_client()  # ten days on, the staff login has long timed out
    d.login(county.office_user)
    page = d.client.get(round_url).get_data(as_text=True)
    action, fields = form_on(page, "/approve")
    d.post("approve (end 1,200 agreements, start the new ones)", action, fields)
    with app.app_context():
        facts["agreements made"] = db.session.scalar(
            select(db.func.count()).select_from(Assignment).where(Assignment.round_id == round_id))
    d.page("agreements print view", f"/reallocation/rounds/{round_id}/agreements")
    d.client = app.test_client()
    d.login(county.warden_user)
    d.page("warden's own page", "/me/")
    return d.steps, facts


def target(step: Step, solve_ms: float) -> str:
    """The #13 target a step is held to, and whether it is met."""
    if step.kind == "stress":
        return f"{'(no target)':<22} -"
    faults = []
    if step.queries >= 50:
        faults.append("queries")
    if step.kb > 500:
        faults.append("size")
    if step.kind == "page":
        limit = "< 300 ms"
        if step.ms >= 300:
            faults.append("time")
    elif step.kind == "run":
        limit = f"≤ 3× solve ({3 * solve_ms:.0f} ms)"
        if step.ms > 3 * solve_ms:
            faults.append("time")
    else:
        limit = "< 1 s"
        if step.ms >= 1000:
            faults.append("time")
    return f"{limit:<22} {'ok' if not faults else 'MISSED: ' + ', '.join(faults)}"


def bench(label: str, url: str, repeat: int, folder: Path) -> tuple[County, list[Step], dict[str, Any]]:
    # TESTING off and CSRF on: the site as it runs, forms read from the pages that show them.
    app = bench_app(url, folder=folder, TESTING=False, SECRET_KEY="county-bench", WTF_CSRF_ENABLED=True,
                    UPLOAD_FOLDER=str(folder / "uploads"))
    with time_machine.travel(NOW, tick=True) as traveller:
        create_database(app)  # a PostgreSQL database is emptied first
        county = build_county(app)
        # What the served site does after start-up (wsgi.py): freeze what lives as long as
        # the process, so full collections walk only what requests make.
        gc.collect()
        gc.freeze()
        print(f"[{label}] county built in {county.built_seconds:.0f} s ({county.records:,} attendance records)", flush=True)
        steps, facts = drive(app, county, repeat, traveller)
    with app.app_context():
        db.engine.dispose()
    return county, steps, facts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", default=os.environ.get("WARDENS_BENCH_POSTGRES_URL"),
                        help="a PostgreSQL database this benchmark may empty (its public schema is dropped)")
    parser.add_argument("--repeat", type=int, default=3, help="how many times each page is timed (median)")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print(f"load before: {load(2)}", flush=True)
    results: dict[str, tuple[list[Step], dict[str, Any]]] = {}
    with scratch_folder("county-bench-") as folder:
        if not args.skip_sqlite:
            _, steps, facts = bench("SQLite", sqlite_url(folder, "county.sqlite3"), args.repeat, folder)
            results["SQLite"] = (steps, facts)
        if args.postgres:
            _, steps, facts = bench("PostgreSQL", args.postgres, args.repeat, folder)
            results["PostgreSQL"] = (steps, facts)
        else:
            print("PostgreSQL: skipped (set WARDENS_BENCH_POSTGRES_URL to a database this benchmark may empty)")
    print(f"load after: {load(2)}")
    missed = 0
    for label, (steps, facts) in results.items():
        solve_ms = facts["one solve (in process, median of 5, ms)"]
        print(f"\n{label}: " + ", ".join(f"{k} {v:,}" if isinstance(v, int) else f"{k} {v}" for k, v in facts.items()))
        width = max(len(s.name) for s in steps)
        print(f"{'step':<{width}}  {'ms':>7}  {'SQL':>5}  {'KB':>7}  target")
        for s in steps:
            verdict = target(s, solve_ms)
            missed += "MISSED" in verdict
            print(f"{s.name:<{width}}  {s.ms:>7.0f}  {s.queries:>5}  {s.kb:>7.1f}  {verdict}")
    print(f"\n{missed} step(s) miss a target" if missed else "\nevery step meets its target")
    return 0


if __name__ == "__main__":
    sys.exit(main())
