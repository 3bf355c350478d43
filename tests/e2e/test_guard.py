"""In Chromium: the grid posts only changed rows (two people on one grid both save), and no page
the demo's roles open breaks the Content-Security-Policy (no inline script or style is blocked)."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def test_two_people_saving_different_rows_of_one_grid_both_succeed(live_server, browser, login_as):
    pages = []
    for username in ("clerk", "office"):
        context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai",
                                      viewport={"width": 1280, "height": 800})
        context.set_default_timeout(15000)
        page = context.new_page()
        login_as(page, live_server, username)
        pages.append(page)
    clerk, office = pages
    # Both open the clerk's township's grid before either saves.
    clerk.goto(live_server.url + "/attendance/grid")
    township = clerk.locator("input[name=township_id]").input_value()
    office.goto(f"{live_server.url}/attendance/grid?township_id={township}")
    first, second = clerk.locator("select[data-status]").nth(0), office.locator("select[data-status]").nth(1)
    first.select_option("leave")
    second.select_option("rest")
    posted = []
    clerk.on("request", lambda r: posted.append(r.post_data or "") if r.method == "POST" else None)
    clerk.get_by_test_id("grid-save").click()
    clerk.wait_for_load_state()
    office.get_by_test_id("grid-save").click()
    office.wait_for_load_state()
    assert "已保存：修改 1 行" in clerk.locator(".flashes").inner_text()
    assert "已保存：修改 1 行" in office.locator(".flashes").inner_text()
    assert posted and posted[0].count("v-") == 1  # only the changed row went to the server
    office.reload()
    assert office.locator("select[data-status]").nth(0).input_value() == "leave"
    assert office.locator("select[data-status]").nth(1).input_value() == "rest"
    for page in pages:
        page.context.close()


@pytest.mark.parametrize("username, paths", [
    ("office", ["/", "/attendance/dashboard", "/attendance/months", "/people", "/reallocation/rounds", "/audit"]),
    ("clerk", ["/", "/attendance/grid", "/people"]),
    ("warden", ["/me/"]),
])
def test_no_page_breaks_the_content_security_policy(live_server, page, login_as, username, paths):
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    login_as(page, live_server, username)
    for path in paths:
        page.goto(live_server.url + path)
        page.wait_for_load_state("load")
    assert violations == []
