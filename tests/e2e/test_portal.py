"""A warden on a cheap phone: their post, this month, their decision, and nobody else's pages."""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select
from wardens.models.enums import RoundState

pytestmark = pytest.mark.e2e


def _publish_round(app: Any) -> dict[str, Any]:
    """Put next year's demo round on public notice, as the office would, and read the warden's decision."""
    from wardens.dates import today
    from wardens.extensions import db
    from wardens.models import Round, User
    from wardens.reallocation.adapter import run_round
    from wardens.reallocation.decisions import latest_decision
    from wardens.reallocation.notice import start_notice
    from wardens.reallocation.rounds import open_round

    with app.test_request_context():
        day = today()
        rnd = db.session.scalar(select(Round).where(Round.state == RoundState.APPLICATIONS).order_by(Round.id.desc()))
        if rnd is None:
            rnd = open_round(name=f"{day.year + 1}年度动态调整", year=day.year + 1,
                             term_start=dt.date(day.year + 1, 1, 1), term_end=dt.date(day.year + 1, 12, 31),
                             reference_date=day, notice_days=5, today=day, user_id=None)
        run = run_round(rnd, user_id=None)
        start_notice(rnd, run, day, day, actor_id=None)
        db.session.commit()
        warden = db.session.scalar(select(User).where(User.username == "warden"))
        decision = latest_decision(warden.person_id, "zh")
        assert decision is not None
        facts = {"round": rnd.name, "reason": decision.reason, "placed": decision.placed}
        db.session.remove()
        return facts


def test_warden_on_a_phone_sees_post_month_and_decision(live_server: Any, phone_page: Any, login_as: Any) -> None:
    decision = _publish_round(live_server.app)
    page = phone_page
    login_as(page, live_server, "warden")
    page.goto(live_server.url + "/me/")

    post = page.get_by_test_id("my-post")
    assert post.get_by_test_id("post-code").inner_text().strip()
    assert "公里" in post.get_by_test_id("section").inner_text()
    assert post.get_by_test_id("standard").inner_text().endswith("天")

    month = page.get_by_test_id("this-month")
    assert month.get_by_test_id("calendar").is_visible()
    assert month.locator("[data-status]").count() > 0
    # Demo attendance covers the days before today: a month with days recorded shows what they
    # pay so far; on the 1st nothing is recorded yet and the page says so (never "0.00 元").
    if month.locator("[data-testid=calendar] [data-status]").count():
        assert month.get_by_test_id("subsidy").inner_text().endswith("元")
        assert "到今天已挣补贴" in month.inner_text()
    else:
        assert month.get_by_test_id("month-not-recorded").inner_text().startswith("这个月还没有登记考勤")
        assert month.get_by_test_id("subsidy").count() == 0

    section = page.get_by_test_id("decision")
    assert decision["round"] in section.inner_text()
    assert section.get_by_test_id("reason").inner_text().strip() == decision["reason"]
    verdict = section.get_by_test_id("verdict").inner_text()
    assert ("岗位" in verdict) if decision["placed"] else verdict == "本轮您没有被安排岗位。"

    # Large text and nothing wider than the phone.
    size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert size >= 18, f"base font is {size}px"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 361, f"page is {width}px wide"

    # One past month opens its calendar.
    page.get_by_test_id("past-months").locator("a").nth(1).click()
    page.wait_for_load_state()
    assert "/me/month/" in page.url
    assert page.get_by_test_id("calendar").first.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 361


def test_warden_cannot_open_anyone_elses_page(live_server: Any, phone_page: Any, login_as: Any) -> None:
    page = phone_page
    login_as(page, live_server, "warden")
    for path, code in (("/people/1", 403), ("/admin/users", 403), ("/me/month/2001/1", 404)):
        response = page.goto(live_server.url + path)
        assert response is not None and response.status == code, path
        assert "我的岗位" in page.content()  # the nav still offers the way back
