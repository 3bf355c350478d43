"""Logins under attack: exactly the limit is counted in parallel, the same message for every failure,
a per-address slow-down held in the database, and no write lock held while argon2 checks a password."""
from __future__ import annotations

import datetime as dt
import re
import sqlite3
import threading

import pytest
from sqlalchemy import select

from tests.conftest import Factory, _test_config
from tests.helpers import PASSWORD, login
from wardens import create_app
from wardens.auth import operations
from wardens.extensions import db
from wardens.models import LoginAddress, User, get_settings


def _app(database_url):
    app = create_app(_test_config(database_url))
    with app.app_context():
        if database_url.startswith("sqlite"):
            db.create_all()
        get_settings()
        db.session.commit()
    return app


def _dispose(*apps):
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _error(response) -> str:
    match = re.search(r'class="error"[^>]*>([^<]+)<', response.text)
    assert match, response.text[:2000]
    return match.group(1).strip()


def test_parallel_wrong_passwords_count_exactly_the_limit(database_url):
    """30 wrong passwords at once against one account: 5 are counted (the limit), the rest meet the lock."""
    app = _app(database_url)
    with app.app_context():
        Factory().user("office", username="office1")
        db.session.commit()
    start = threading.Barrier(10)
    statuses: list[int] = []

    def attack() -> None:
        client = app.test_client()
        start.wait()
        for _ in range(3):
            statuses.append(login(client, "office1", "wrong guess").status_code)

    threads = [threading.Thread(target=attack) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200] * 30
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "office1"))
        assert user.failed_logins == 5
        assert user.locked_until is not None
    # The right password now meets the lock as well.
    client = app.test_client()
    assert login(client, "office1").status_code == 200
    assert client.get("/").status_code == 302
    _dispose(app)


def test_a_locked_account_and_an_unknown_name_get_the_same_message(app, client, make):
    make.user("office", username="office1")
    make.user("office", username="off2", active=False)
    db.session.commit()
    client.post("/language", data={"lang": "en"})
    for _ in range(5):
        login(client, "office1", "wrong")
    locked = _error(login(client, "office1"))  # right password, locked account
    unknown = _error(login(client, "nobody"))
    disabled = _error(login(client, "off2"))
    wrong = _error(login(client, "office1", "wrong"))
    assert locked == unknown == disabled == wrong
    assert locked.startswith("Wrong username or password.")


def test_guesses_over_many_accounts_from_one_address_are_slowed(database_url, clock, monkeypatch):
    monkeypatch.setattr(operations, "ADDRESS_FREE_FAILURES", 3)
    first, second = _app(database_url), _app(database_url)  # two workers
    with first.app_context():
        Factory().user("office", username="office1")
        db.session.commit()
    attacker = first.test_client()
    attacker.post("/language", data={"lang": "en"})
    for name in ("a1", "a2", "a3"):  # three free failures, on three different names
        assert _error(login(attacker, name)).startswith("Wrong username or password.")
    assert _error(login(attacker, "a4")).startswith("Wrong username or password.")  # the 4th pauses it 2 s
    other_worker = second.test_client()
    other_worker.post("/language", data={"lang": "en"})
    paused = login(other_worker, "office1")  # even the right password waits, on the other worker too
    assert _error(paused) == "Too many failed logins from this computer. Wait 2 seconds and try again."
    assert other_worker.get("/").status_code == 302
    # Another address is not slowed.
    elsewhere = first.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "10.0.0.9"
    assert login(elsewhere, "office1").status_code == 302
    clock.shift(dt.timedelta(seconds=3))
    assert login(other_worker, "office1").status_code == 302
    with first.app_context():
        row = db.session.get(LoginAddress, "127.0.0.1")
        assert row.failures == 4
    # Past the window the address starts again with free failures.
    clock.shift(operations.ADDRESS_WINDOW)
    assert _error(login(attacker, "a5")).startswith("Wrong username or password.")
    with first.app_context():
        assert db.session.get(LoginAddress, "127.0.0.1").failures == 1
    _dispose(first, second)


def test_address_pause_doubles_up_to_its_cap():
    free = operations.ADDRESS_FREE_FAILURES
    assert [operations.address_pause(free + n) for n in range(0, 4)] == [0, 2, 4, 8]
    assert operations.address_pause(free + 40) == operations.ADDRESS_MAX_PAUSE_SECONDS


def _write_elsewhere(url: str) -> None:
    """One write on its own connection that refuses to wait for any lock."""
    if url.startswith("sqlite"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=0, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("UPDATE user SET display_name = 'x' WHERE username = 'office1'")
            conn.execute("COMMIT")
        finally:
            conn.close()
    else:
        import psycopg

        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
            conn.execute("SET lock_timeout = '50ms'")
            conn.execute("UPDATE \"user\" SET display_name = 'x' WHERE username = 'office1'")


@pytest.mark.parametrize("password", [PASSWORD, "wrong"])
def test_no_write_lock_is_held_while_the_password_is_checked(app, client, make, database_url, monkeypatch, password):
    make.user("office", username="office1")
    db.session.commit()
    real_verify = operations.verify_password
    writes: list[str] = []

    def verify_while_another_writes(stored_hash, typed):
        try:
            _write_elsewhere(database_url)
            writes.append("ok")
        except Exception as exc:  # "database is locked": the login held the write lock
            writes.append(f"blocked: {exc}")
        return real_verify(stored_hash, typed)

    monkeypatch.setattr(operations, "verify_password", verify_while_another_writes)
    response = login(client, "office1", password)
    assert writes == ["ok"]
    assert response.status_code == (302 if password == PASSWORD else 200)


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_one_slowed(database_url, monkeypatch):
    monkeypatch.setattr(operations, "ADDRESS_FREE_FAILURES", 0)
    app = create_app({**_test_config(database_url), "TRUSTED_PROXIES": 1})
    with app.app_context():
        if database_url.startswith("sqlite"):
            db.create_all()
        get_settings()
        db.session.commit()
    client = app.test_client()
    client.post("/login", data={"username": "x", "password": "y"}, headers={"X-Forwarded-For": "10.1.2.3"})
    with app.app_context():
        assert db.session.get(LoginAddress, "10.1.2.3").failures == 1
        assert db.session.get(LoginAddress, "127.0.0.1") is None
    _dispose(app)
