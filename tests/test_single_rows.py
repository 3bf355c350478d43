"""The single rows exist without racing: many first uses at once, with the row absent, all succeed and leave one row.

The patrol settings, the district settings, the settings version in force from the start and
the matcher's input revision are each one row that a first use writes when it is missing (a
database emptied by the tests; migrations and create_all write them). The first patrol
check-ins of the first morning used to arrive together, all read "no row", all inserted it,
and all but one got the 409 page. Here several threads, each with an app context of its own
(so a session and a connection of its own), wait at a barrier, then all make the first use
and commit; on PostgreSQL their transactions overlap. Repeated a few rounds, the row
removed before each.
"""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

import pytest
from sqlalchemy import delete, func, select

from wardens.extensions import db
from wardens.models import (
    DistrictSettings,
    InputRevision,
    PatrolSettings,
    SettingsVersion,
    Township,
    Village,
    current_revision,
    get_patrol_settings,
    get_settings,
    settings_versions,
)

pytestmark = pytest.mark.slow
THREADS = 8
ROUNDS = 5


def _remove(model: type) -> None:
    db.session.execute(delete(model))
    db.session.commit()


def _at_once(app: Any, first_use: Callable[[int], Any]) -> tuple[list[Any], list[str]]:
    """Run first_use(i) in THREADS threads released together, each committing; what they returned and how they failed."""
    barrier = threading.Barrier(THREADS)

    def run(i: int) -> tuple[Any, str | None]:
        with app.app_context():
            try:
                barrier.wait(timeout=60)
                result = first_use(i)
                db.session.commit()
                return result, None
            except Exception as exc:  # the failure is the finding: report it, not the first traceback
                db.session.rollback()
                return None, f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
            finally:
                db.session.remove()

    with ThreadPoolExecutor(THREADS) as pool:
        outcomes = list(pool.map(run, range(THREADS)))
    return [r for r, _e in outcomes], [e for _r, e in outcomes if e is not None]


@pytest.mark.parametrize(("model", "first_use"), [
    (PatrolSettings, get_patrol_settings),
    (DistrictSettings, get_settings),
], ids=["patrol_settings", "district_settings"])
def test_a_settings_row_first_used_by_many_at_once_is_written_once(app: Any, model: type, first_use: Any) -> None:
    with app.app_context():
        for _round in range(ROUNDS):
            _remove(model)
            ids, failures = _at_once(app, lambda _i: first_use().id)
            assert failures == []
            assert ids == [1] * THREADS
            assert db.session.scalar(select(func.count()).select_from(model)) == 1
            db.session.rollback()


def test_the_base_settings_version_first_read_by_many_at_once_is_written_once(app: Any) -> None:
    with app.app_context():
        for _round in range(ROUNDS):
            _remove(SettingsVersion)
            seen, failures = _at_once(app, lambda _i: [v.id for v in settings_versions()])
            assert failures == []
            written = db.session.scalars(select(SettingsVersion.id)).all()
            assert len(written) == 1  # not one base version per first reader
            assert seen == [written] * THREADS
            db.session.rollback()


def test_the_input_revision_first_moved_by_many_at_once_counts_every_write(app: Any) -> None:
    with app.app_context():
        township = Township(name="西河口乡")
        db.session.add(township)
        db.session.commit()
        town_id = township.id
        for n in range(ROUNDS):
            _remove(InputRevision)

            def add_village(i: int) -> None:
                db.session.add(Village(township_id=town_id, name=f"村{n}-{i}"))
                db.session.flush()  # a write the matcher reads: moves the revision

            _ids, failures = _at_once(app, add_village)
            assert failures == []
            assert db.session.scalar(select(func.count()).select_from(InputRevision)) == 1
            assert current_revision() == THREADS  # every write moved it: none lost
            db.session.rollback()
