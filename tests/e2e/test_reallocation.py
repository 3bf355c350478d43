"""Browser test: office staff run the demo's yearly round, pin one person, print the notice and approve."""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from sqlalchemy import select

pytestmark = pytest.mark.e2e


def pinnable(live_server: Any, round_id: int) -> tuple[int, str, str]:
    """An applicant who fits their current post on the reference date: (application id, name, post code)."""
    from wardens.extensions import db
    from wardens.models import Application
    from wardens.reallocation.pins import pin_faults

    with live_server.app.test_request_context():
        for a in db.session.scalars(select(Application).where(Application.round_id == round_id,
                                                              Application.current_post_id.is_not(None))
                                    .order_by(Application.id)):
            if not pin_faults(a, a.current_post):
                return a.id, a.person.name, a.current_post.code
    raise AssertionError("no holder fits their own post in the demo round")


def district_today(live_server: Any) -> dt.date:
    from wardens.dates import today

    with live_server.app.app_context():
        return today()


def notice_posted_days_ago(live_server: Any, round_id: int, days: int) -> None:
    """As if the round's notice had been posted `days` days ago."""
    from wardens.extensions import db
    from wardens.models import Round

    with live_server.app.app_context():
        rnd = db.session.get(Round, round_id)
        rnd.notice_start -= dt.timedelta(days=days)
        rnd.notice_end -= dt.timedelta(days=days)
        db.session.commit()


def test_office_runs_pins_notices_and_approves(page: Any, live_server: Any, login_as: Any) -> None:
    login_as(page, live_server, "office")
    page.goto(live_server.url + "/reallocation/rounds")
    existing = page.locator("[data-testid=rounds] a")
    if existing.count():
        existing.first.click()
    else:
        page.get_by_test_id("open-round").click()
        page.locator("main form button[type=submit], main form input[type=submit]").first.click()
    page.wait_for_load_state()
    round_id = int(re.search(r"/rounds/(\d+)", page.url).group(1))
    assert page.get_by_test_id("round-state").first.inner_text() == "申请中"

    page.get_by_test_id("run-matcher").click()
    page.wait_for_url(re.compile(r"/runs/\d+"))
    assert page.get_by_test_id("decisions").locator("tbody tr").count() > 50

    application_id, name, code = pinnable(live_server, round_id)
    page.goto(f"{live_server.url}/reallocation/rounds/{round_id}/applications/{application_id}")
    pin = page.get_by_test_id("pin-form")
    pin.locator("input[name='p-post']").fill(code)
    pin.locator("input[name='p-reason']").fill("村民评议推荐留任")
    pin.locator("input[type=submit]").click()
    page.wait_for_url(re.compile(rf"/rounds/{round_id}$"))
    assert f"已把{name}指定到 {code}" in page.locator(".flashes").inner_text()

    page.get_by_test_id("run-matcher").click()
    page.wait_for_url(re.compile(r"/runs/\d+"))
    # The proposal is paginated: find the pinned person by the name filter, as staff do.
    page.get_by_test_id("proposal-filters").locator("input[name=q]").fill(name)
    page.get_by_test_id("proposal-filters").locator("button[type=submit]").click()
    page.wait_for_load_state()
    row = page.get_by_test_id("decisions").locator("tbody tr", has_text=name).first
    assert code in row.inner_text() and "📌" in row.inner_text()

    # The notice: a backdated start is refused with the first day it can start; today's start shows
    # the period and the first day of approval before it is confirmed.
    day = district_today(live_server)
    page.goto(f"{live_server.url}/reallocation/rounds/{round_id}")
    form = page.get_by_test_id("notice-form")
    assert form.locator("input[name=start]").input_value() == day.isoformat()
    form.locator("input[name=start]").fill((day - dt.timedelta(days=10)).isoformat())
    page.get_by_test_id("start-notice").click()
    page.wait_for_load_state()
    assert f"最早从 {day.isoformat()} 开始" in page.locator(".flashes").inner_text()
    assert page.get_by_test_id("round-state").first.inner_text() == "已测算"
    page.get_by_test_id("notice-form").locator("input[name=start]").fill(day.isoformat())
    page.get_by_test_id("start-notice").click()
    page.wait_for_load_state()
    end = day + dt.timedelta(days=4)
    assert f"{day.isoformat()} 至 {end.isoformat()}" in page.get_by_test_id("confirm-period").inner_text()
    assert (end + dt.timedelta(days=1)).isoformat() in page.get_by_test_id("confirm-approvable").inner_text()
    page.get_by_test_id("confirm-notice").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("round-state").first.inner_text() == "公示中"
    # During the notice the approve button is disabled, its reason beside it.
    approve = page.get_by_role("button", name="批准本轮")
    assert approve.is_disabled()
    assert f"从 {(end + dt.timedelta(days=1)).isoformat()} 起才能批准" in page.get_by_test_id("approve-refused").inner_text()
    # Five days later (the live server keeps the real clock: the notice is moved back instead).
    notice_posted_days_ago(live_server, round_id, 10)
    page.reload()

    page.get_by_test_id("print-notice").click()
    notice = page.get_by_test_id("notice")
    assert "农村公路公益性岗位拟聘人员公示" in notice.inner_text()
    assert name in notice.inner_text() and re.search(r"\d{4}\*{10}[\dX]{4}", notice.inner_text())
    page.go_back()

    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="批准本轮").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("round-state").first.inner_text() in ("已批准", "已生效")
    assert "本轮已批准" in page.locator(".flashes").inner_text()
    page.get_by_test_id("agreements").click()
    assert page.get_by_test_id("agreement").count() > 50
    assert "农村公路公益性岗位协议" in page.get_by_test_id("agreement").first.inner_text()
