"""The settings page in Chromium on a 360 px phone: a change effective from a submitted month asks
to confirm with the months it alters, saves on confirmation, and lists the new version."""
from __future__ import annotations

import pytest

from tests.e2e.test_cockpit import axe_violations, district_today

pytestmark = pytest.mark.e2e


def test_a_change_to_a_submitted_month_is_confirmed_then_listed(live_server, phone_page, login_as):
    page = phone_page
    day = district_today(live_server)
    py, pm = (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)
    previous = f"{py}-{pm:02d}"
    login_as(page, live_server, "admin")
    page.goto(live_server.url + "/admin/settings")
    assert page.locator("[data-testid=settings-versions] tbody tr").count() == 1
    page.fill("input[name=absence_deduction]", "20")
    page.fill("input[name=effective_from]", previous)
    page.locator("[data-testid=settings-form] input[type=submit]").click()
    page.wait_for_load_state()
    confirm = page.locator("[data-testid=settings-confirm]")
    assert confirm.is_visible()
    # The demo's latest full month is submitted by every township but one.
    submitted = confirm.locator("li.submitted")
    assert submitted.count() >= 1 and previous in submitted.first.inner_text()
    assert page.locator("[data-testid=settings-versions] tbody tr").count() == 1  # nothing saved yet
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.locator("[data-testid=confirm-save]").click()
    page.wait_for_load_state()
    assert f"自{previous}起生效" in page.locator("main").inner_text()
    rows = page.locator("[data-testid=settings-versions] tbody tr")
    assert rows.count() == 2
    assert "每旷工一天扣款（元）：0.00 → 20.00" in rows.first.inner_text()
    assert axe_violations(page) == []
