"""Fixtures: an app on a fresh database per test (SQLite by default, PostgreSQL on request).

Set WARDENS_TEST_DATABASE_URL to run the whole suite on PostgreSQL; with
WARDENS_REQUIRE_POSTGRES=1 (CI) an unreachable server fails the run instead of skipping.
"""
from __future__ import annotations

import contextvars
import datetime as dt
import itertools
import os
from decimal import Decimal
from typing import Any, Iterator
from zoneinfo import ZoneInfo

import pytest
import time_machine
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from tests.helpers import PASSWORD, make_id_number
from wardens import create_app
from wardens.auth.passwords import hash_password
from wardens.extensions import db
from wardens.i18n import AREAS, compile_area
from wardens.models import (
    Assignment,
    Household,
    HouseholdFlag,
    Person,
    Post,
    Township,
    User,
    Village,
    get_settings,
)

DISTRICT = ZoneInfo("Asia/Shanghai")
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
_pg_schema_ready: set[str] = set()


def postgres_url() -> str | None:
    """The PostgreSQL URL to test against, or None (skipped) when unreachable and not required."""
    url = os.environ.get("WARDENS_TEST_DATABASE_URL") or os.environ.get("WARDENS_TEST_POSTGRES_URL") or PG_DEFAULT
    try:
        engine = create_engine(url)
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return url
    except Exception as exc:  # any driver or network fault means "not reachable"
        if os.environ.get("WARDENS_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required (WARDENS_REQUIRE_POSTGRES=1) but unreachable at {url}: {exc}")
        return None


def pytest_sessionstart(session: pytest.Session) -> None:
    # Compiled catalogs are build output (not committed); make sure they exist.
    for area in AREAS:
        compile_area(area)


def _test_config(url: str) -> dict[str, Any]:
    return {
        "TESTING": True,
        "WARDENS_ENV": "test",
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False,
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_SECURE": False,
        "SQLITE_BUSY_TIMEOUT_MS": 30000,
    }


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        if url not in _pg_schema_ready:
            db.metadata.drop_all(conn)
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
            db.metadata.create_all(conn)
            _pg_schema_ready.add(url)
        else:
            names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def database_url(tmp_path: Any) -> str:
    url = os.environ.get("WARDENS_TEST_DATABASE_URL")
    if url:
        if postgres_url() is None:
            pytest.skip("PostgreSQL not reachable")
        _reset_postgres(url)
        return url
    return f"sqlite:///{tmp_path / 'test.sqlite3'}"


class IsolatedClient(FlaskClient):
    """A test client whose every request gets its own app context, as in production.

    Tests keep an app context pushed (the `make` fixture); Flask would reuse it for
    client requests, sharing `g` (the logged-in user) and the database session
    between requests and hiding bugs. Running each request in an empty
    contextvars.Context makes Flask push a fresh app context every time.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def app(database_url: str) -> Iterator[Any]:
    app = create_app(_test_config(database_url))
    app.test_client_class = IsolatedClient
    with app.app_context():
        if database_url.startswith("sqlite"):
            db.create_all()
        get_settings()
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app_ctx(app: Any) -> Iterator[Any]:
    with app.test_request_context():
        yield app


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


@pytest.fixture
def sign_in(app: Any) -> Any:
    """Sign a fresh test client in through the session, as a real login leaves it.

    argon2 makes every real login cost most of a second; only the tests about
    logging in need the form.
    """

    def do(user: Any) -> Any:
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
        # Reading user.id opened a read transaction in the test's session; end it, or
        # (SQLite WAL) the test would not see what its requests commit afterwards.
        db.session.rollback()
        return client

    return do


@pytest.fixture
def runner(app: Any) -> Any:
    return app.test_cli_runner()


class Factory:
    """Make rows with sensible defaults; every keyword overrides a column."""

    def __init__(self) -> None:
        self._n = itertools.count(1)

    def township(self, **kw: Any) -> Township:
        n = next(self._n)
        t = Township(name=kw.pop("name", f"测试乡{n}"), **kw)
        db.session.add(t)
        db.session.flush()
        return t

    def village(self, township: Township | None = None, **kw: Any) -> Village:
        n = next(self._n)
        township = township or self.township()
        v = Village(township_id=township.id, name=kw.pop("name", f"测试村{n}"), **kw)
        db.session.add(v)
        db.session.flush()
        return v

    def household(self, village: Village | None = None, flags: tuple[str, ...] = (), **kw: Any) -> Household:
        n = next(self._n)
        village = village or self.village()
        h = Household(number=kw.pop("number", f"H{n:06d}"), village_id=village.id, **kw)
        db.session.add(h)
        db.session.flush()
        for flag in flags:
            db.session.add(HouseholdFlag(household_id=h.id, flag=flag, recorded_on=dt.date(2020, 7, 20), source="test"))
        db.session.flush()
        return h

    def person(self, household: Household | None = None, **kw: Any) -> Person:
        n = next(self._n)
        household = household or self.household()
        birth = kw.pop("birth_date", dt.date(1970, 1, 1) + dt.timedelta(days=n))
        sex = kw.pop("sex", "M")
        number = kw.pop("id_number", None) or make_id_number(birth, seq=n, sex=sex)
        p = Person(
            name=kw.pop("name", f"测试{n}"),
            id_number=number,
            id_last4=number[-4:],
            birth_date=birth,
            sex=sex,
            household_id=household.id,
            phone=kw.pop("phone", f"138{n:08d}"),
            labour=kw.pop("labour", "full"),
            **kw,
        )
        db.session.add(p)
        db.session.flush()
        return p

    def post(self, village: Village | None = None, **kw: Any) -> Post:
        n = next(self._n)
        village = village or self.village()
        p = Post(
            code=kw.pop("code", f"P{n:05d}"),
            village_id=village.id,
            kind=kw.pop("kind", "road_warden"),
            km=kw.pop("km", Decimal("3.0")),
            slots=kw.pop("slots", 1),
            monthly_subsidy=kw.pop("monthly_subsidy", Decimal("600")),
            required_days=kw.pop("required_days", 20),
            **kw,
        )
        db.session.add(p)
        db.session.flush()
        return p

    def assignment(self, person: Person | None = None, post: Post | None = None, **kw: Any) -> Assignment:
        person = person or self.person()
        post = post or self.post(village=person.household.village)
        a = Assignment(
            person_id=person.id,
            post_id=post.id,
            term_start=kw.pop("term_start", dt.date(2026, 1, 1)),
            term_end=kw.pop("term_end", dt.date(2026, 12, 31)),
            origin=kw.pop("origin", "initial"),
            **kw,
        )
        db.session.add(a)
        db.session.flush()
        return a

    def user(self, role: str = "office", **kw: Any) -> User:
        n = next(self._n)
        if role == "clerk" and "township_id" not in kw:
            kw["township_id"] = self.township().id
        if role == "warden" and "person_id" not in kw:
            kw["person_id"] = self.person().id
        u = User(
            username=kw.pop("username", f"{role}{n}"),
            password_hash=kw.pop("password_hash", None) or _password_hash(),
            role=role,
            **kw,
        )
        db.session.add(u)
        db.session.flush()
        return u


_HASH: list[str] = []


def _password_hash() -> str:
    # argon2 is slow on purpose; hash the shared test password once.
    if not _HASH:
        _HASH.append(hash_password(PASSWORD))
    return _HASH[0]


@pytest.fixture
def make(app_ctx: Any) -> Factory:
    return Factory()


@pytest.fixture
def clock() -> Iterator[Any]:
    """A controlled clock (time-machine), stopped at 2026-11-16 10:00 in the district.

    Move it with ``clock.move_to(dt.datetime(..., tzinfo=DISTRICT))`` or
    ``clock.move_to("2026-12-01 09:00+08:00")``; every path that reads the time
    (``wardens.dates.today``, ``utcnow``, the database defaults written from Python)
    sees the same instant. Use this instead of patching ``today`` per module.
    """
    with time_machine.travel(dt.datetime(2026, 11, 16, 10, 0, tzinfo=DISTRICT), tick=False) as traveller:
        yield traveller
