"""What every benchmark sets up the same way, written once.

- `bench_app(url, **config)`: the site for a benchmark (fixed key, test mode, cookies over plain
  HTTP, CSRF off unless config turns it on; any key of config overrides).
- `scratch_folder()`, `sqlite_url(folder)`: a temporary folder, removed afterwards, and a SQLite
  file in it. `reset_postgres(url)` empties a PostgreSQL database (drops and recreates its public
  schema); `create_database(app)` gives the app an empty database with the site's tables and the
  district settings row (emptying a PostgreSQL one first).
- `logged_in(app, user_id)`: a test client signed in through the session (no argon2 per client).
- `timed(fn, repeat)`: wall-clock and CPU time of each run; `percentile(values, p)`.
- `machine()`, `load()`: the lines that say where and how busy the figures were taken.
- `holder_rows(household_ids)`: the people of the attendance, home and login worlds, one a household.

A benchmark script puts the repository on sys.path, then imports from here:

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from benchmarks.common import bench_app, timed  # noqa: E402
"""
from __future__ import annotations

import datetime as dt
import os
import platform
import statistics
import subprocess
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import URL, create_engine, text

from wardens import create_app
from wardens.extensions import db
from wardens.idnumber import check_character
from wardens.models import get_settings


# --- the site and its database ------------------------------------------------------------


def bench_app(url: str, *, folder: Path | None = None, **config: Any) -> Flask:
    """The site on this database for a benchmark; folder (if given) holds its uploaded files.

    TESTING lets an error in a view stop the benchmark with its traceback instead of an
    error page; a benchmark that wants the site as it runs in production passes TESTING=False.
    """
    base: dict[str, Any] = {
        "TESTING": True, "WARDENS_ENV": "test", "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False, "SESSION_COOKIE_SECURE": False, "REMEMBER_COOKIE_SECURE": False,
    }
    if folder is not None:
        base["IMPORT_FOLDER"] = str(folder / "imports")
    return create_app({**base, **config})


@contextmanager
def scratch_folder(prefix: str = "bench-") -> Iterator[Path]:
    """A temporary folder for a benchmark's SQLite file and uploads, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        yield Path(tmp)


def sqlite_url(folder: Path, name: str = "bench.sqlite3") -> str:
    """The URL of a SQLite file in folder (created empty on first use)."""
    return f"sqlite:///{folder / name}"


def reset_postgres(url: str | URL) -> None:
    """Empty a PostgreSQL database: drop its public schema and make it again."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def create_database(app: Flask) -> None:
    """Give the app an empty database with the site's tables and the district settings row.

    A SQLite file from sqlite_url is new, hence empty; a PostgreSQL database is emptied first
    (reset_postgres), so a benchmark never measures on what an earlier run left behind.
    """
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            reset_postgres(db.engine.url)
        db.create_all()
        get_settings()
        db.session.commit()


def logged_in(app: Flask, user_id: str) -> FlaskClient:
    """A test client signed in as this user (by User.get_id()) through the session, as a login leaves it."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user_id
        session["_fresh"] = True
    return client


# --- measuring ----------------------------------------------------------------------------


@dataclass
class Timing:
    """Wall-clock and CPU milliseconds of each run of one measure, and what its last run returned.

    The CPU time is this process's: the site runs in it through the test client, and so does
    SQLite (not a PostgreSQL server's share). On a shared machine it is the fairer figure.
    """

    wall_ms: list[float]
    cpu_ms: list[float]
    result: Any = None

    @property
    def median_ms(self) -> float:
        return statistics.median(self.wall_ms)

    @property
    def max_ms(self) -> float:
        return max(self.wall_ms)

    @property
    def cpu_median_ms(self) -> float:
        return statistics.median(self.cpu_ms)

    @property
    def seconds(self) -> float:
        """The fastest run's wall-clock seconds (the run's, when there was one)."""
        return min(self.wall_ms) / 1000

    @property
    def cpu_seconds(self) -> float:
        """The least CPU seconds of a run."""
        return min(self.cpu_ms) / 1000


def timed(fn: Callable[[], Any], repeat: int = 1) -> Timing:
    """Run fn repeat times and time each run."""
    wall, cpu, result = [], [], None
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    return Timing(wall, cpu, result)


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (0–100) of values, by the nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


# --- where the figures were taken -------------------------------------------------------------


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _cores() -> str:
    try:
        return subprocess.run(["nproc"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return str(os.cpu_count())


def machine(*, full: bool = False) -> str:
    """The CPU, its cores and Python; full adds the memory, OR-Tools and the kernel (the matcher's figures)."""
    if not full:
        return f"{_cpu_model()}, {_cores()} cores, Python {platform.python_version()}"
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{_cpu_model()}, {_cores()} cores, {memory:.0f} GiB RAM, Python {platform.python_version()}, "
            f"ortools {version('ortools')}, {platform.system()} {platform.release()}")


def load(places: int = 1) -> str:
    """The load averages over 1, 5 and 15 minutes, as "0.8 0.6 0.5"."""
    return " ".join(f"{x:.{places}f}" for x in os.getloadavg())


# --- the worlds' people -----------------------------------------------------------------------


def holder_rows(household_ids: Sequence[int]) -> list[dict[str, Any]]:
    """Person rows (for a bulk insert) of holders, one in each household: 护路员0000, 护路员0001 …,
    each with a distinct ID number that passes its check, born 1962–1986 (the attendance, home
    and login worlds)."""
    rows = []
    for i, household_id in enumerate(household_ids):
        birth = dt.date(1962, 1, 1) + dt.timedelta(days=i % 9000)
        first17 = f"341503{birth:%Y%m%d}{(i // 9000) * 2 + 1:03d}"
        number = first17 + check_character(first17)
        rows.append({"name": f"护路员{i:04d}", "id_number": number, "id_last4": number[-4:], "birth_date": birth,
                     "sex": "M", "household_id": household_id, "labour": "weak"})
    return rows
