"""What each person sees first, in Chromium: worklists, charts with their tables, the grid's
jump-to-name box, the warden's months, and axe-core over every page (serious/critical fail)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from wardens.dates import today, utcnow
from wardens.extensions import db
from wardens.models import Assignment, AttendanceRecord, Round, Township, User

pytestmark = pytest.mark.e2e
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"


def district_today(server) -> dt.date:  # type: ignore[no-untyped-def]
    with server.app.app_context():
        return today()


def axe_violations(page) -> list[str]:  # type: ignore[no-untyped-def]
    # Through the DevTools protocol, not a <script> tag: the site's CSP (rightly) refuses inline script.
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;true")
    found = page.evaluate(
        "axe.run(document, {resultTypes: ['violations']}).then(r => r.violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => v.impact + ' ' + v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')))")
    return list(found)


def test_the_office_worklist_links_to_where_the_work_is_done(live_server, page, login_as):
    login_as(page, live_server, "office")
    items = page.locator("[data-testid=worklist] li a")
    assert items.count() >= 1
    first = items.first
    href = first.get_attribute("href")
    first.click()
    page.wait_for_load_state()
    assert page.url.endswith(href) and "<h1" in page.content()


def test_the_clerk_worklist_names_the_days_not_recorded(live_server, page, login_as):
    login_as(page, live_server, "clerk")
    today_item = page.locator("[data-testid=worklist] li[data-rule=days_not_recorded] a").last
    assert "尚未登记" in today_item.inner_text()
    today_item.click()
    page.wait_for_load_state()
    assert "/attendance/grid" in page.url and f"day={district_today(live_server).isoformat()}" in page.url


def test_the_admin_sees_a_locked_account(live_server, page, login_as):
    with live_server.app.app_context():
        clerk = db.session.scalar(select(User).where(User.username == "clerk"))
        clerk.locked_until = utcnow() + dt.timedelta(minutes=15)
        db.session.commit()
    login_as(page, live_server, "admin")
    item = page.locator("[data-testid=worklist] li[data-rule=locked_accounts] a")
    assert item.count() == 1 and item.inner_text() == "账号西河口乡考勤员因多次登录失败被锁定"


def test_the_charts_are_drawn_beside_their_tables_and_the_picker_narrows_them(live_server, page, login_as):
    login_as(page, live_server, "office")
    for name in ("rates", "subsidy", "priority", "progress"):
        chart = page.locator(f"[data-testid=chart-{name}]")
        assert chart.locator("canvas[data-drawn='1']").count() == 1, name
        assert chart.locator("table tbody tr").count() >= 1, name
    towns = page.locator("[data-testid=chart-rates] tbody tr").count()
    assert towns == 5
    page.select_option("#c-town", label="西河口乡")
    page.locator("[data-testid=chart-picker] button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("[data-testid=chart-rates] tbody tr").count() == 1
    assert page.locator("[data-testid=chart-rates] canvas[data-drawn='1']").count() == 1


def test_jump_to_a_name_on_a_300_row_grid(live_server, page, login_as):
    login_as(page, live_server, "clerk")
    page.goto(live_server.url + "/attendance/grid")
    rows = page.locator("tr[data-row]")
    target = rows.nth(rows.count() - 2)
    name = target.locator("[data-name]").inner_text()
    page.fill("[data-jump-to-name]", name)
    page.press("[data-jump-to-name]", "Enter")
    focused = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert focused.startswith(name)
    assert "jumped" in (target.get_attribute("class") or "")
    assert "/attendance/grid" in page.url  # Enter in the box never submits the grid
    page.fill("[data-jump-to-name]", "没有这个人")
    page.press("[data-jump-to-name]", "Enter")
    assert page.locator("[data-jump-status]").inner_text() == "这里没有这个名字的在岗人员"


def test_the_warden_s_months_say_not_yet_recorded_instead_of_zero(live_server, phone_page, login_as):
    # The demo's warden has held the post since before attendance began: those months are not recorded.
    with live_server.app.app_context():
        warden = db.session.scalar(select(User).where(User.username == "warden"))
        recorded = {(d.year, d.month) for d in db.session.scalars(
            select(AttendanceRecord.day).join(Assignment).where(Assignment.person_id == warden.person_id))}
        start = db.session.scalar(select(Assignment.term_start).where(Assignment.person_id == warden.person_id)
                                  .order_by(Assignment.term_start).limit(1))
    login_as(phone_page, live_server, "warden")
    months = phone_page.locator("[data-testid=past-months] li")
    unrecorded = phone_page.locator("[data-testid=past-months] [data-testid=not-recorded]")
    now = district_today(live_server)
    in_post = (now.year - start.year) * 12 + now.month - start.month + 1
    assert months.count() == in_post
    assert unrecorded.count() == in_post - len(recorded) > 0
    for i in range(unrecorded.count()):
        assert "0.00" not in unrecorded.nth(i).locator("xpath=..").inner_text()


PAGES = {
    "office": ["/", "/?month={prev}", "/attendance/grid", "/attendance/months", "/attendance/dashboard",
               "/attendance/sheet/{town}/{py}/{pm}", "/attendance/stoppage", "/attendance/import",
               "/people", "/households", "/posts", "/posts/sizing", "/places", "/imports",
               "/reallocation/rounds", "/reallocation/rounds/{round}", "/reallocation/dismissals",
               "/audit", "/statistics", "/password"],
    "admin": ["/", "/admin/users", "/admin/users/new", "/admin/settings"],
    "clerk": ["/", "/attendance/grid", "/attendance/months", "/people"],
    "warden": ["/me/", "/me/month/{py}/{pm}"],
    "chief": ["/", "/patrol/chief", "/patrol/reports", "/patrol/reports?state=all"],
}


@pytest.mark.parametrize("role", list(PAGES))
def test_axe_finds_no_serious_or_critical_violation(live_server, page, login_as, role):
    with live_server.app.app_context():
        town = db.session.scalar(select(Township.id).where(Township.name == "西河口乡"))
        round_id = db.session.scalar(select(Round.id).order_by(Round.id.desc()).limit(1))
    day = district_today(live_server)
    py, pm = (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)
    values = {"town": town, "py": py, "pm": pm, "round": round_id, "prev": f"{py}-{pm:02d}"}
    page.goto(live_server.url + "/login")
    problems = {"/login": axe_violations(page)} if role == "office" else {}
    login_as(page, live_server, role)
    for path in PAGES[role]:
        url = path.format(**values)
        response = page.goto(live_server.url + url)
        assert response.status == 200, url
        problems[url] = axe_violations(page)
    assert {k: v for k, v in problems.items() if v} == {}
