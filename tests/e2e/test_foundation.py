"""Every demo account logs in through the real form and lands on its home, on a desktop and a phone."""
import pytest

pytestmark = pytest.mark.e2e

HOMES = {
    "admin": ("全区一览", "/"),
    "office": ("全区一览", "/"),
    "clerk": ("西河口乡", "/"),
    "warden": ("我的岗位", "/me"),
}


@pytest.mark.parametrize("username", list(HOMES))
@pytest.mark.parametrize("device", ["page", "phone_page"])
def test_each_role_logs_in_and_sees_its_home(request, live_server, login_as, username, device):
    page = request.getfixturevalue(device)
    login_as(page, live_server, username)
    heading, path = HOMES[username]
    assert page.url.rstrip("/").endswith(path.rstrip("/")) or path == "/"
    assert heading in page.content()
    # Nothing overflows sideways on a 360-px phone.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"] + 1, f"page is {width}px wide"


def test_wrong_password_is_refused_in_chinese(live_server, page):
    page.goto(live_server.url + "/login")
    page.fill("input[name=username]", "office")
    page.fill("input[name=password]", "not the password")
    page.locator("main form").locator("button[type=submit], input[type=submit]").first.click()
    assert "用户名或密码错误。" in page.content()


def test_logout_is_a_post_and_ends_the_session(live_server, page, login_as):
    login_as(page, live_server, "office")
    page.click("[data-testid=logout]")
    page.wait_for_load_state()
    assert "/login" in page.url
    page.goto(live_server.url + "/")
    assert "/login" in page.url


def test_language_switch_to_english_and_back(live_server, page, login_as):
    login_as(page, live_server, "office")
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert "The district at a glance" in page.content()
    page.get_by_role("button", name="中文").click()
    page.wait_for_load_state()
    assert "全区一览" in page.content()
