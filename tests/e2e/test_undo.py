"""Actions that cost money or a livelihood ask first and can be undone, in the browser: the office
previews a 停工, confirms it and undoes it; the grid asks before a clerk leaves unsaved edits."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.e2e.test_cockpit import axe_violations
from wardens.dates import today
from wardens.extensions import db
from wardens.models import AttendanceRecord, Stoppage

pytestmark = pytest.mark.e2e


def grid_statuses(page, url: str) -> list[str]:  # type: ignore[no-untyped-def]
    page.goto(url)
    return page.locator("select[data-status]").evaluate_all("els => els.map(e => e.value)")


def test_the_office_previews_confirms_and_undoes_a_stoppage(live_server, page, login_as) -> None:  # type: ignore[no-untyped-def]
    with live_server.app.app_context():
        day = today()
        stoppages_before = db.session.scalar(select(func.count()).select_from(Stoppage))
        records_before = db.session.scalar(select(func.count()).select_from(AttendanceRecord))
    login_as(page, live_server, "office")
    page.goto(live_server.url + "/attendance/grid")
    pick = page.get_by_test_id("grid-pick")
    pick.locator("select[name=township_id]").select_option(label="西河口乡")
    pick.get_by_role("button", name="显示").click()
    page.wait_for_load_state()
    grid_url = page.url
    before = grid_statuses(page, grid_url)
    assert len(before) > 5

    # 1. The request: nothing is written, the preview says how many days and what they hold.
    page.goto(live_server.url + "/attendance/stoppage")
    form = page.get_by_test_id("stoppage-form")
    form.locator("select[name=township_id]").select_option(label="西河口乡")
    form.locator("input[name=first_day]").fill(day.isoformat())
    form.locator("input[name=last_day]").fill(day.isoformat())
    form.locator("input[name=reason]").fill("暴雨封路")
    form.get_by_role("button", name="预览停工").click()
    page.wait_for_load_state()
    total = page.get_by_test_id("preview-total").inner_text()
    assert f"{len(before)} 个人日" in total
    recorded = sum(1 for s in before if s)
    assert f"其中 {recorded} 天" in page.get_by_test_id("preview-recorded").inner_text()
    assert axe_violations(page) == []
    with live_server.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Stoppage)) == stoppages_before
        assert db.session.scalar(select(func.count()).select_from(AttendanceRecord)) == records_before

    # 2. Confirmed: every holder of the township is 停工 that day.
    page.get_by_role("button", name="确认：将这些天记为停工").click()
    page.wait_for_load_state()
    assert "/attendance/stoppages/" in page.url
    assert f"{len(before)} 个人日" in page.locator(".flashes").inner_text()
    stoppage_url = page.url
    assert grid_statuses(page, grid_url) == ["stopped"] * len(before)

    # 3. Undone by the office: every holder-day has its earlier status back.
    page.goto(stoppage_url)
    undo = page.get_by_test_id("stoppage-undo")
    assert axe_violations(page) == []
    undo.locator("input[name=reason]").fill("水位已退，误报")
    undo.get_by_role("button", name="撤销停工").click()
    page.wait_for_load_state()
    assert "停工已撤销" in page.locator(".flashes").inner_text()
    assert "已撤销" in page.get_by_test_id("stoppage-state").inner_text()
    assert page.get_by_test_id("stoppage-undo").count() == 0
    assert grid_statuses(page, grid_url) == before


def test_the_grid_asks_before_leaving_unsaved_edits_and_not_when_saving(live_server, page, login_as) -> None:  # type: ignore[no-untyped-def]
    login_as(page, live_server, "clerk")
    page.goto(live_server.url + "/attendance/grid")
    dialogs: list[str] = []
    answer = {"accept": False}

    def on_dialog(dialog) -> None:  # type: ignore[no-untyped-def]
        dialogs.append(dialog.type)
        dialog.accept() if answer["accept"] else dialog.dismiss()

    page.on("dialog", on_dialog)
    first = page.locator("select[data-status]").first
    key, wanted = ("1", "present") if first.input_value() == "absent" else ("4", "absent")
    first.focus()
    page.keyboard.press(key)  # an edit, not saved
    grid_url = page.url

    # Leaving through a link: the browser asks; staying keeps the edit on the page.
    with page.expect_event("dialog"):
        page.locator(".att-links a", has_text="月度考勤表").click()
    assert dialogs == ["beforeunload"]
    assert page.url == grid_url and first.input_value() == wanted

    # Saving leaves the page too, and asks nothing.
    page.get_by_test_id("grid-save").click()
    page.wait_for_load_state()
    assert "已保存" in page.locator(".flashes").inner_text()
    assert dialogs == ["beforeunload"]

    # With nothing changed, leaving asks nothing either.
    page.locator(".att-links a", has_text="月度考勤表").click()
    page.wait_for_load_state()
    assert "/attendance/months" in page.url and dialogs == ["beforeunload"]

    # An edit left behind on purpose: the clerk answers "leave" and the page goes.
    page.goto(grid_url)
    page.locator("select[data-status]").first.focus()
    page.keyboard.press("5")
    answer["accept"] = True
    page.locator(".att-links a", has_text="月度考勤表").click()
    page.wait_for_url("**/attendance/months**")
    assert dialogs == ["beforeunload", "beforeunload"]
