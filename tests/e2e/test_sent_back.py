"""Browser test: the office sends last month back with a reason, and the township's clerk reads it
on the months page and as a banner on the grid (and axe finds nothing serious on either)."""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.e2e.test_cockpit import axe_violations, district_today

pytestmark = pytest.mark.e2e

REASON = "江店村有3天未登记，请补录后重新报送"


def test_the_clerk_sees_why_the_office_sent_the_month_back(live_server: Any, page: Any, login_as: Any) -> None:
    day = district_today(live_server)
    last = dt.date(day.year, day.month, 1) - dt.timedelta(days=1)
    prev = f"{last.year}-{last.month:02d}"

    # The office sends 西河口乡's submitted last month back, through its form.
    login_as(page, live_server, "office")
    page.goto(f"{live_server.url}/attendance/months?month={prev}")
    page.locator("tr", has_text="西河口乡").get_by_role("link", name="退回").click()
    page.get_by_label("退回乡镇的原因").fill(REASON)
    page.get_by_role("button", name="退回乡镇重新记录").click()
    page.wait_for_load_state()
    assert "记录中" in page.locator("tr", has_text="西河口乡").inner_text()
    page.get_by_test_id("logout").click()
    page.wait_for_load_state()

    # The clerk: on the months page of this month (where the clerk lands) and of last month.
    login_as(page, live_server, "clerk")
    page.goto(live_server.url + "/attendance/months")
    told = page.get_by_test_id("sent-back")
    assert told.is_visible() and REASON in told.inner_text() and f"西河口乡 {prev}" in told.inner_text()
    assert axe_violations(page) == []
    told.get_by_role("link", name=f"西河口乡 {prev}").click()
    page.wait_for_load_state()
    assert REASON in page.locator("tr", has_text="西河口乡").inner_text()
    # The grid of a day of that month carries the banner.
    page.goto(f"{live_server.url}/attendance/grid?day={last.isoformat()}")
    banner = page.get_by_test_id("sent-back-banner")
    assert banner.is_visible() and REASON in banner.inner_text() and "路长办已退回本月" in banner.inner_text()
    assert axe_violations(page) == []
