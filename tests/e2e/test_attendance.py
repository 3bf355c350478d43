"""A clerk records a township's day from the keyboard, corrects a day with a reason and is told
this month can be submitted once it ends; office staff close last month, print it and download
the .xlsx; a later edit is refused."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from wardens.dates import add_months, today

pytestmark = pytest.mark.e2e


def logout(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_test_id("logout").click()
    page.wait_for_load_state()


def test_a_month_from_keyboard_entry_to_the_closed_sheet(live_server, page, login_as) -> None:  # type: ignore[no-untyped-def]
    with live_server.app.app_context():
        day = today()
    page.on("dialog", lambda dialog: dialog.accept())
    login_as(page, live_server, "clerk")

    # 1. Today's grid: focus starts on the first unrecorded row; "1" marks present and moves on.
    page.goto(live_server.url + "/attendance/grid")
    rows = page.locator("select[data-status]")
    n = rows.count()
    assert n > 10
    assert page.evaluate("document.activeElement.matches('select[data-status]')")
    page.keyboard.press("1")
    page.keyboard.press("4")  # the second holder: unexcused absence
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowDown")
    for _ in range(n - 2):
        page.keyboard.press("1")
    assert rows.nth(1).input_value() == "absent" and rows.nth(n - 1).input_value() == "present"
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert "已保存" in page.locator(".flashes").inner_text()
    assert page.locator("tr.unrecorded").count() == 0
    assert "西河口乡考勤员" in page.locator("[data-testid=grid-form]").inner_text()  # who recorded, shown per row

    # 2. Correct an earlier day of this month with a reason.
    earlier = day - dt.timedelta(days=1) if day.day > 1 else day
    page.goto(f"{live_server.url}/attendance/grid?day={earlier.isoformat()}")
    first = page.locator("select[data-status]").first
    first.focus()
    page.keyboard.press("5")  # rest
    page.get_by_label("修改原因").fill("签到簿核对：当天轮休")
    page.get_by_test_id("grid-save").click()
    page.wait_for_load_state()
    assert "已保存：修改 1 行" in page.locator(".flashes").inner_text()
    page.locator("[data-testid=grid-form] a", has_text="修改记录").first.click()
    assert "签到簿核对：当天轮休" in page.get_by_test_id("history").inner_text()

    # 3. This month cannot be submitted before it ends: the button is disabled, the date beside it.
    page.goto(live_server.url + "/attendance/months")
    opens = dt.date(*add_months(day.year, day.month, 1), 1)
    row = page.locator("tr", has_text="西河口乡")
    assert row.get_by_role("button", name="报送路长办").is_disabled()
    assert f"{opens.isoformat()} 起才能报送和关闭" in row.inner_text()
    logout(page)

    # 4. Last month, submitted by the township, is closed by the office; its print view and .xlsx.
    prev_year, prev_month = add_months(day.year, day.month, -1)
    prev = f"{prev_year}-{prev_month:02d}"
    login_as(page, live_server, "office")
    page.goto(f"{live_server.url}/attendance/months?month={prev}")
    row = page.locator("tr", has_text="西河口乡")
    row.get_by_role("button", name="关闭并拨付").click()
    page.wait_for_load_state()
    assert "已关闭" in page.locator("tr", has_text="西河口乡").inner_text()
    township_row = page.locator("tr", has_text="西河口乡")
    print_href = township_row.locator("a", has_text="打印").get_attribute("href")
    page.goto(live_server.url + print_href)
    assert "出勤天数和拟拨付岗位补贴金额汇总表" in page.locator("h1").inner_text()
    sheet = page.get_by_test_id("sheet-table")
    assert sheet.locator("thead th").nth(6).inner_text() == "1"
    assert "制表人" in page.locator(".signatures").inner_text()
    assert page.get_by_test_id("settings-used").count() == 1
    page.goto(f"{live_server.url}/attendance/months?month={prev}")
    with page.expect_download() as info:
        page.locator("tr", has_text="西河口乡").locator("a", has_text=".xlsx").click()
    data = info.value.path().read_bytes()
    ws = load_workbook(io.BytesIO(data)).worksheets[0]
    header = [c.value for c in ws[1]]
    assert header[:4] == ["序号", "协议号", "村", "姓名"] and "拟拨付补贴（元）" in header
    assert ws.max_row >= n + 2

    # 5. A later edit of the closed month is refused: the grid is read only and 停工 is refused.
    last_of_prev = dt.date(day.year, day.month, 1) - dt.timedelta(days=1)
    page.goto(f"{live_server.url}/attendance/grid?day={last_of_prev.isoformat()}")
    pick = page.get_by_test_id("grid-pick")
    pick.locator("select[name=township_id]").select_option(label="西河口乡")
    pick.get_by_role("button", name="显示").click()
    page.wait_for_load_state()
    assert "本月已关闭" in page.get_by_test_id("month-state").inner_text()
    assert page.locator("select[data-status]").first.is_disabled()
    assert page.get_by_test_id("grid-save").count() == 0
    page.goto(live_server.url + "/attendance/stoppage")
    form = page.get_by_test_id("stoppage-form")
    form.locator("select[name=township_id]").select_option(label="西河口乡")
    form.locator("input[name=first_day]").fill(last_of_prev.isoformat())
    form.locator("input[name=last_day]").fill(last_of_prev.isoformat())
    form.locator("input[name=reason]").fill("封路")
    form.get_by_role("button", name="预览停工").click()
    page.wait_for_load_state()
    assert "已关闭" in page.get_by_test_id("stoppage-form").inner_text()
