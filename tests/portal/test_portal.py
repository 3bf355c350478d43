"""The wardens' own pages: their post, this month, past months, their decision, nobody else's data."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from tests.helpers import login
from wardens.attendance.subsidy import holder_month
from wardens.dates import add_months, month_days, today
from wardens.extensions import db
from wardens.models import Assignment, AttendanceRecord, Post
from wardens.reallocation.adapter import run_round
from wardens.reallocation.decisions import latest_decision
from wardens.reallocation.notice import start_notice
from wardens.reallocation.rounds import open_round

# A week's pattern for the records the tests write: mostly present, one rest day,
# and one each of the other statuses over the month.
PATTERN = {1: "present", 2: "present", 3: "leave", 4: "present", 5: "sick", 6: "rest", 0: "present"}


def _status_on(day: dt.date) -> str:
    if day.day == 12:
        return "absent"
    if day.day == 13:
        return "stopped"
    return PATTERN[day.toordinal() % 7]


def _record_month(assignment: Assignment, year: int, month: int, until: dt.date) -> None:
    for day in month_days(year, month):
        if assignment.term_start <= day <= until:
            db.session.add(AttendanceRecord(assignment_id=assignment.id, day=day, status=_status_on(day)))
    db.session.flush()


class World:
    """A warden holding a post since two months ago, with attendance recorded up to today."""

    def __init__(self, make: Any) -> None:
        self.day = today()
        town = make.township(name="西河口乡")
        self.village = make.village(town, name="石湖村")
        household = make.household(self.village, flags=("registered_poor", "flood_affected"))
        self.person = make.person(household, name="张大山", birth_date=dt.date(1968, 5, 4))
        self.post = make.post(
            self.village, code="XHK-SH-01", kind="road_warden", route_code="Y003", section_start="石湖桥",
            section_end="江店岔口", km=Decimal("3.50"), road_chief="李路长", road_chief_phone="13955501234",
            monthly_subsidy=Decimal("600"), required_days=20,
        )
        start_year, start_month = add_months(self.day.year, self.day.month, -2)
        self.assignment = make.assignment(
            self.person, self.post, term_start=dt.date(start_year, start_month, 1),
            term_end=self.day + dt.timedelta(days=200),
        )
        for offset in (-2, -1, 0):
            year, month = add_months(self.day.year, self.day.month, offset)
            _record_month(self.assignment, year, month, self.day)
        self.user = make.user("warden", username="dashan", person_id=self.person.id)
        # Someone else in the same village, with a post and records of their own.
        other_household = make.household(self.village)
        self.other = make.person(other_household, name="王小河")
        self.other_post = make.post(self.village, code="XHK-SH-02")
        self.other_assignment = make.assignment(
            self.other, self.other_post, term_start=dt.date(self.day.year - 3, 1, 1),
            term_end=dt.date(self.day.year - 3, 12, 31),
        )
        _record_month(self.other_assignment, self.day.year - 3, 6, dt.date(self.day.year - 3, 12, 31))
        db.session.commit()


@pytest.fixture
def world(make: Any) -> World:
    return World(make)


@pytest.fixture
def warden_client(sign_in: Any, world: World) -> Any:
    return sign_in(world.user)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _testid(html: str, testid: str) -> str:
    match = re.search(rf'data-testid="{testid}"[^>]*>(.*?)</(?:dd|section|p|div|ul)>', html, re.S)
    assert match, f"no {testid} on the page"
    return _text(match.group(1)).strip()


def test_a_warden_logs_in_through_the_form_and_lands_on_their_page(app: Any, world: World) -> None:
    client = app.test_client()
    assert login(client, "dashan").headers["Location"] == "/"
    assert client.get("/").headers["Location"] == "/me/"
    assert "张大山" in client.get("/me/").get_data(as_text=True)


def test_home_sends_a_warden_to_their_page(warden_client: Any) -> None:
    response = warden_client.get("/")
    assert response.status_code == 302 and response.headers["Location"] == "/me/"


def test_my_post_shows_every_fact(warden_client: Any, world: World) -> None:
    html = warden_client.get("/me/").get_data(as_text=True)
    assert "张大山，您好" in html
    assert _testid(html, "post-code") == "XHK-SH-01 · 护路员"
    assert _testid(html, "section") == "Y003：石湖桥 → 江店岔口，3.5 公里"
    assert "西河口乡 石湖村" in html
    start = world.assignment.term_start
    assert f"{start.year}年{start.month}月{start.day}日" in _testid(html, "term")
    assert '<a class="tel" href="tel:13955501234"' in html and "李路长" in html
    assert _testid(html, "standard") == "600.00 元，每月应出勤 20 天"
    assert 'href="/password"' in html  # change password, one tap away
    assert "portal.css" in html


def test_this_month_calendar_symbols_totals_and_subsidy(warden_client: Any, world: World) -> None:
    html = warden_client.get("/me/").get_data(as_text=True)
    month = re.search(r'data-testid="this-month".*?</section>', html, re.S).group(0)
    day = world.day
    expected = holder_month(world.assignment, day.year, day.month)
    # Each recorded day shows its symbol and word; later days are blank.
    for d in month_days(day.year, day.month):
        cell = re.search(rf'<span class="cal-day[^"]*"[^>]*data-day="{d.isoformat()}"[^>]*>(.*?)</span>', month, re.S)
        assert cell, d
        if d <= day:
            status = _status_on(d)
            assert f'data-status="{status}"' in cell.group(0)
            symbol = {"present": "√", "leave": "事", "sick": "病", "absent": "×", "rest": "休", "stopped": "停"}[status]
            word = {"present": "出勤", "leave": "事假", "sick": "病假", "absent": "旷工", "rest": "休息", "stopped": "停工"}[status]
            assert f"<i>{symbol}</i><small>{word}</small>" in cell.group(1)
        else:
            assert "future" in cell.group(0)
    for status, count in expected.counts.items():
        assert re.search(rf'<b data-status="{status}">{count}</b>', month)
    assert f"{expected.subsidy} 元" == _testid(month, "subsidy")
    assert expected.subsidy > 0 or expected.present_days == 0
    assert _testid(month, "present").startswith(f"{expected.present_days} 天")
    assert "到今天已挣补贴" in month and "实际发放金额以路长办月末结账为准" in month


def test_past_months_list_and_open_each_calendar(warden_client: Any, world: World) -> None:
    html = warden_client.get("/me/").get_data(as_text=True)
    months = re.search(r'data-testid="past-months".*?</section>', html, re.S).group(0)
    links = re.findall(r'href="/me/month/(\d+)/(\d+)"', months)
    expected = [add_months(world.day.year, world.day.month, k) for k in (0, -1, -2)]
    assert [(int(y), int(m)) for y, m in links] == expected
    for year, month in expected:
        hm = holder_month(world.assignment, year, month)
        assert f"出勤 {hm.present_days} 天" in months and f"{hm.subsidy} 元" in months
        page = warden_client.get(f"/me/month/{year}/{month}")
        assert page.status_code == 200
        body = page.get_data(as_text=True)
        assert f"{year}年{month}月" in body
        assert _testid(body, "subsidy") == f"{hm.subsidy} 元"
        assert body.count('data-status="present"') >= hm.counts["present"]


def test_month_before_the_term_shows_days_outside_it(warden_client: Any, world: World) -> None:
    world.assignment.term_start = world.assignment.term_start + dt.timedelta(days=9)
    db.session.commit()
    year, month = world.assignment.term_start.year, world.assignment.term_start.month
    body = warden_client.get(f"/me/month/{year}/{month}").get_data(as_text=True)
    assert body.count('class="cal-day off"') == 9


@pytest.mark.parametrize("which", ["other_term", "future", "before_term", "bad_month", "not_a_number"])
def test_months_outside_my_terms_are_404(warden_client: Any, world: World, which: str) -> None:
    day = world.day
    url = {
        "other_term": f"/me/month/{day.year - 3}/6",  # the other warden's month, with records
        "future": "/me/month/%d/%d" % add_months(day.year, day.month, 1),
        "before_term": "/me/month/%d/%d" % add_months(day.year, day.month, -3),
        "bad_month": f"/me/month/{day.year}/13",
        "not_a_number": "/me/month/abc/1",
    }[which]
    response = warden_client.get(url)
    assert response.status_code == 404
    assert "王小河" not in response.get_data(as_text=True)


def test_nothing_of_anyone_else_appears(warden_client: Any, world: World) -> None:
    body = warden_client.get("/me/").get_data(as_text=True)
    assert "王小河" not in body and "XHK-SH-02" not in body
    assert world.other.id_number not in body


def test_no_post_in_force_says_so_and_shows_the_latest(sign_in: Any, make: Any) -> None:
    person = make.person(name="退岗人")
    post = make.post(person.household.village, code="OLD-01")
    make.assignment(person, post, term_start=dt.date(2020, 1, 1), term_end=dt.date(2020, 12, 31))
    user = make.user("warden", username="retired", person_id=person.id)
    db.session.commit()
    client = sign_in(user)
    html = client.get("/me/").get_data(as_text=True)
    assert _testid(html, "no-post") == "您今天没有在岗。您最近的岗位是："
    assert "OLD-01" in html
    assert "本月没有岗位，所以没有考勤。" in html
    assert 'href="/me/month/2020/12"' in html and 'href="/me/month/2020/1"' in html
    # No records in those months: said plainly, not shown as "0 days present".
    assert html.count("未登记考勤") == 12 and "出勤 0 天" not in html
    assert client.get("/me/month/2020/6").status_code == 200


def test_never_held_a_post(sign_in: Any, make: Any) -> None:
    user = make.user("warden", username="newcomer")
    db.session.commit()
    client = sign_in(user)
    html = client.get("/me/").get_data(as_text=True)
    assert _testid(html, "no-post") == "您目前没有岗位，系统中也没有您以前的岗位记录。"
    assert "还没有考勤月份。" in html


@pytest.mark.parametrize("role", ["admin", "office", "clerk"])
def test_staff_cannot_open_the_portal(sign_in: Any, make: Any, world: World, role: str) -> None:
    user = make.user(role, username=f"staff_{role}")
    db.session.commit()
    client = sign_in(user)
    assert client.get("/me/").status_code == 403
    day = world.day
    assert client.get(f"/me/month/{day.year}/{day.month}").status_code == 403


def test_logged_out_visitor_is_sent_to_log_in(client: Any) -> None:
    response = client.get("/me/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_no_published_round_says_so(warden_client: Any) -> None:
    html = warden_client.get("/me/").get_data(as_text=True)
    assert _testid(html, "no-decision").startswith("年度动态调整还没有公布关于您的结果。")


def _round_on_notice(world: World) -> None:
    """Open next year's round (today's holders join by themselves), run it and put it on notice."""
    day = world.day
    rnd = open_round(name=f"{day.year + 1}年度动态调整", year=day.year + 1, term_start=dt.date(day.year + 1, 1, 1),
                     term_end=dt.date(day.year + 1, 12, 31), reference_date=day, notice_days=5, today=day, user_id=None)
    run = run_round(rnd, user_id=None)
    start_notice(rnd, run, day, day, actor_id=None)
    db.session.commit()


def test_decision_while_applications_are_open_is_not_shown(warden_client: Any, world: World) -> None:
    day = world.day
    open_round(name="未公示", year=day.year + 1, term_start=dt.date(day.year + 1, 1, 1),
               term_end=dt.date(day.year + 1, 12, 31), reference_date=day, notice_days=5, today=day, user_id=None)
    db.session.commit()
    assert "no-decision" in warden_client.get("/me/").get_data(as_text=True)


def test_decision_on_notice_is_explained(warden_client: Any, world: World) -> None:
    _round_on_notice(world)
    decision = latest_decision(world.person.id, "zh")
    assert decision is not None and decision.placed
    html = warden_client.get("/me/").get_data(as_text=True)
    section = re.search(r'data-testid="decision".*?</section>', html, re.S).group(0)
    assert f"{world.day.year + 1}年度动态调整" in section and "公示中" in section
    verb = "您继续担任岗位" if decision.stays else "您被安排到岗位"
    assert _testid(section, "verdict") == f"{verb} {decision.post.code}。"
    assert _testid(section, "reason") == decision.reason
    assert "您家的优先组：第 1 组，受灾户 + 脱贫户。" in section
    assert "此结果正在公示，批准后才正式生效" in section


def test_decision_in_english(warden_client: Any, world: World) -> None:
    _round_on_notice(world)
    warden_client.post("/language", data={"lang": "en"})
    html = warden_client.get("/me/").get_data(as_text=True)
    decision = latest_decision(world.person.id, "en")
    assert _testid(html, "reason") == decision.reason
    assert "Hello, 张大山" in html


def test_decision_not_placed(sign_in: Any, make: Any, world: World) -> None:
    # A second member of the holder's household applies for the same post: one post per
    # household, so the matcher places one of the two and explains the other.
    applicant = make.person(world.person.household, name="张小山", birth_date=dt.date(1975, 3, 3))
    users = {"dashan": world.user, "xiaoshan": make.user("warden", username="xiaoshan", person_id=applicant.id)}
    db.session.commit()
    day = world.day
    rnd = open_round(name="本轮", year=day.year + 1, term_start=dt.date(day.year + 1, 1, 1),
                     term_end=dt.date(day.year + 1, 12, 31), reference_date=day, notice_days=5, today=day, user_id=None)
    from wardens.reallocation.applications import add_application

    add_application(rnd, applicant, [world.post.code], actor_id=None)
    run = run_round(rnd, user_id=None)
    start_notice(rnd, run, day, day, actor_id=None)
    db.session.commit()
    decisions = {name: latest_decision(pid, "zh") for name, pid in
                 (("dashan", world.person.id), ("xiaoshan", applicant.id))}
    left_out = [name for name, d in decisions.items() if d is not None and not d.placed]
    assert len(left_out) == 1
    decision = decisions[left_out[0]]
    client = sign_in(users[left_out[0]])
    html = client.get("/me/").get_data(as_text=True)
    assert _testid(html, "verdict") == "本轮您没有被安排岗位。"
    assert _testid(html, "reason") == decision.reason


def test_a_holder_sees_the_post_the_round_gave_them(world: World) -> None:
    # The decision API reads the post from the database: the warden sees its code and village.
    _round_on_notice(world)
    decision = latest_decision(world.person.id, "zh")
    assert isinstance(decision.post, Post)
    assert db.session.scalar(select(Post.code).where(Post.id == decision.post.id)) == decision.post.code
