"""Browser tests: the site served on the demo district, driven in Debian's Chromium.

Chromium comes from Debian (/usr/bin/chromium); Playwright only drives it (its own
browser download cannot work on closed networks). Without Chromium these tests are
skipped with a plain reason, unless WARDENS_REQUIRE_BROWSER=1 (CI), where they fail.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from werkzeug.serving import make_server

from wardens import create_app
from wardens.extensions import db

CHROMIUM = os.environ.get("WARDENS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _require_browser() -> None:
    if not Path(CHROMIUM).exists():
        if os.environ.get("WARDENS_REQUIRE_BROWSER") == "1":
            pytest.fail(f"Chromium is required (WARDENS_REQUIRE_BROWSER=1) but {CHROMIUM} is missing")
        pytest.skip(f"browser tests skipped: no Chromium at {CHROMIUM} (apt-get install chromium chromium-driver)")


def _config(url: str) -> dict[str, Any]:
    return {
        "TESTING": False,
        "WARDENS_ENV": "test",
        "SECRET_KEY": "e2e-secret",
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": True,
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_SECURE": False,
    }


def build_demo_database(path: Path) -> None:
    """A SQLite file holding the demo district exactly as `flask demo load` makes it."""
    from wardens.dates import today
    from wardens.demo import load_demo

    app = create_app(_config(f"sqlite:///{path}"))
    with app.app_context():
        db.create_all()
        load_demo(today=today())
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    # Fold the WAL into the main file so a plain copy carries everything.
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


@pytest.fixture(scope="session")
def demo_db_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    _require_browser()
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    build_demo_database(path)
    return path


@dataclass
class LiveServer:
    url: str
    app: Any


@pytest.fixture
def live_server(demo_db_file: Path, tmp_path: Path) -> Iterator[LiveServer]:
    path = tmp_path / "live.sqlite3"
    shutil.copy(demo_db_file, path)
    app = create_app(_config(f"sqlite:///{path}"))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def _page(browser: Any, request: pytest.FixtureRequest, **context_args: Any) -> Iterator[Any]:
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **context_args)
    context.set_default_timeout(15000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A desktop-sized page (1280×800)."""
    yield from _page(browser, request, viewport={"width": 1280, "height": 800})


@pytest.fixture
def phone_page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A cheap-phone-sized page (360×740, touch)."""
    yield from _page(browser, request, viewport={"width": 360, "height": 740}, has_touch=True, is_mobile=True)


@pytest.fixture
def login_as() -> Callable[[Any, LiveServer, str], None]:
    """Log a page in as one of the demo accounts through the real login form."""
    from wardens.demo.accounts import DEMO_ACCOUNTS

    def do(page: Any, server: LiveServer, username: str) -> None:
        page.goto(server.url + "/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", DEMO_ACCOUNTS[username]["password"])
        page.locator("main form").locator("button[type=submit], input[type=submit]").first.click()
        page.wait_for_load_state()
        assert "/login" not in page.url, f"login as {username} failed"

    return do
