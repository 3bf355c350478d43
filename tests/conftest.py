"""Fixtures: an app on a fresh database per test (SQLite by default, PostgreSQL on request).

Set WARDENS_TEST_DATABASE_URL to run the whole suite on PostgreSQL; with
WARDENS_REQUIRE_POSTGRES=1 (CI) an unreachable server fails the run instead of skipping.

Speed: the schema is built once per session (per xdist worker), never per test.
On SQLite it goes into a template file that each test gets a copy of (a file copy
is ~0.1 ms, create_all ~40 ms). On PostgreSQL each worker has a database of its
own (``<name>_gw0``, created when missing); the schema is built in it once and
every test starts by emptying it with DELETE and restarting the sequences in one
statement (~35 ms; TRUNCATE of the 20 tables costs ~300 ms and a copy made with
CREATE DATABASE ... TEMPLATE ~125 ms, both measured on this machine).
"""
from __future__ import annotations

import contextvars
from contextlib import contextmanager
import datetime as dt
import itertools
import os
import shutil
import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator
from zoneinfo import ZoneInfo

import pytest
import time_machine
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.schema import sort_tables_and_constraints

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
    settings_versions,
)

DISTRICT = ZoneInfo("Asia/Shanghai")
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
_pg_schema_ready: set[str] = set()
_pg_databases_ready: set[str] = set()


def worker_database_url(url: str) -> str:
    """The database this process tests in: under pytest-xdist each worker gets ``<name>_<worker>``.

    Two workers emptying one database between their tests would wipe each
    other's rows; a database per worker keeps them apart. It is created when
    missing (connecting through the server's ``postgres`` database, so the base
    database need not exist). Without xdist the URL is returned as given.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker or not url.startswith("postgresql"):
        return url
    base = make_url(url)
    own = base.set(database=f"{base.database}_{worker}")
    rendered = own.render_as_string(hide_password=False)
    if rendered not in _pg_databases_ready:
        engine = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": own.database}):
                    conn.execute(text(f'CREATE DATABASE "{own.database}"'))
        finally:
            engine.dispose()
        _pg_databases_ready.add(rendered)
    return rendered


def postgres_url() -> str | None:
    """The PostgreSQL URL to test against, or None (skipped) when unreachable and not required.

    Under pytest-xdist this is the worker's own database; tests that need a
    database of their own derive its name from this one, so workers never share.
    """
    url = os.environ.get("WARDENS_TEST_DATABASE_URL") or os.environ.get("WARDENS_TEST_POSTGRES_URL") or PG_DEFAULT
    try:
        url = worker_database_url(url)
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
    # Under xdist the controller compiles them before any worker starts.
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        for area in AREAS:
            compile_area(area)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under pytest-xdist (``--dist loadgroup``), keep costly shared set-ups on one worker.

    The browser tests share one Chromium and one demo database per process, and
    test_demo.py one loaded demo district per module: split over workers, each
    would build them again.
    """
    for item in items:
        if item.get_closest_marker("e2e"):
            item.add_marker(pytest.mark.xdist_group("e2e"))
        elif item.path.name == "test_demo.py":
            item.add_marker(pytest.mark.xdist_group("demo"))


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


def _empty_postgres_sql(conn: Any) -> str:
    """One statement that empties every table and restarts every sequence (as TRUNCATE ... RESTART IDENTITY would)."""
    # Dependents before what they point at; the foreign keys that close a cycle
    # (round.chosen_run_id -> allocation_run -> round) are cleared first.
    ordered = sort_tables_and_constraints(db.metadata.tables.values())
    cycle_keys = [fk for table, fks in ordered if table is None for fk in fks]
    breaks = "".join(
        f'UPDATE "{fk.table.name}" SET ' + ", ".join(f'"{c.name}" = NULL' for c in fk.columns) + "; "
        for fk in cycle_keys
    )
    deletes = breaks + "".join(f'DELETE FROM "{t.name}"; ' for t, _ in reversed(ordered) if t is not None)
    sequences = conn.execute(text(
        "SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename) FROM pg_sequences "
        "WHERE schemaname = current_schema()"
    )).scalars()
    restarts = "".join(f"ALTER SEQUENCE {name} RESTART; " for name in sequences)
    return f"DO $reset$ BEGIN {deletes}{restarts}END $reset$"


_pg_reset_sql: dict[str, str] = {}


def clear_postgres_schema(conn: Any) -> None:
    """Drop everything in the schema, whatever made it.

    metadata.drop_all only knows today's tables: a database left by a run of
    another branch (a table this one lacks, still pointing at ours) makes it fail.
    """
    conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
    conn.execute(text("CREATE SCHEMA public"))


def _reset_postgres(url: str) -> None:
    """Give the database at ``url`` the current schema, empty (the schema is built once per process)."""
    engine = create_engine(url)
    with engine.begin() as conn:
        if url not in _pg_schema_ready:
            clear_postgres_schema(conn)
            db.metadata.create_all(conn)
            _pg_reset_sql[url] = _empty_postgres_sql(conn)
            _pg_schema_ready.add(url)
        else:
            conn.execute(text(_pg_reset_sql[url]))
    engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file holding the empty schema, built once per session (per xdist worker)."""
    path = tmp_path_factory.getbasetemp() / "template.sqlite3"
    app = create_app(_test_config(f"sqlite:///{path}"))
    with app.app_context():
        db.create_all()
        db.session.remove()
        db.engine.dispose()
    # Fold the WAL into the main file so a plain copy of it carries the whole schema.
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return path


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    """The URL of an empty database with the current schema, for this test alone."""
    url = os.environ.get("WARDENS_TEST_DATABASE_URL")
    if url:
        own = postgres_url()
        if own is None:
            pytest.skip("PostgreSQL not reachable")
        _reset_postgres(own)
        return own
    path = tmp_path / "test.sqlite3"
    shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
    return f"sqlite:///{path}"


class IsolatedClient(FlaskClient):
    """A test client whose every request gets its own app context, as in production.

    Tests keep an app context pushed (the `make` fixture); Flask would reuse it for
    client requests, sharing `g` (the logged-in user) and the database session
    between requests and hiding bugs. Running each request in an empty
    contextvars.Context makes Flask push a fresh app context every time.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        return contextvars.Context().run(super().open, *args, **kwargs)



@contextmanager
def database_of_its_own(path: Path) -> Iterator[Any]:
    """An app on a SQLite file of its own with the schema built, inside a request context.

    For the query-growth tests, which build the same pages on a district and on one ten times
    larger: the suite's database holds one district at a time.
    """
    app = create_app(_test_config(f"sqlite:///{path}"))
    app.test_client_class = IsolatedClient
    with app.test_request_context():
        db.create_all()
        get_settings()
        db.session.commit()
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()

@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Any]:
    app = create_app(_test_config(database_url))
    app.test_client_class = IsolatedClient
    # Files the site keeps between requests (uploads awaiting confirmation) go in
    # the test's own folder: tests running in parallel would otherwise share
    # instance/ and one's clean-up of "old" files (under a moved clock) would
    # remove another's.
    app.instance_path = str(tmp_path / "instance")
    with app.app_context():
        get_settings()
        settings_versions()  # the version in force from the start, with the defaults
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
        if role in ("clerk", "road_chief") and "township_id" not in kw:
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
