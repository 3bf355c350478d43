"""`flask backup create` during writes, `flask backup restore` into another database: every write
acknowledged before the backup began is there, nothing else is invented, and a bad file changes nothing."""
from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from tests.conftest import _test_config
from wardens import create_app
from wardens.extensions import db
from wardens.models import Township, get_settings


def _app(url: str):
    app = create_app(_test_config(url))
    with app.app_context():
        db.create_all()
        get_settings()
        db.session.commit()
    return app


def _restore_url(database_url: str, tmp_path) -> str:
    if database_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    url = make_url(database_url)
    target = url.set(database=f"{url.database}_restore")
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()
    return target.render_as_string(hide_password=False)


def _names(app) -> set[str]:
    with app.app_context():
        names = set(db.session.scalars(select(Township.name)))
        db.session.remove()
        return names


def test_a_backup_taken_during_writes_restores_every_acknowledged_write(database_url, tmp_path):
    live = _app(database_url)
    acknowledged: list[str] = []
    attempted: list[str] = []
    stop = threading.Event()

    def write() -> None:
        with live.app_context():
            i = 0
            while not stop.is_set():
                name = f"写入{i:05d}"
                attempted.append(name)
                db.session.add(Township(name=name))
                db.session.commit()
                acknowledged.append(name)  # the write is acknowledged once the commit returns
                i += 1
            db.session.remove()

    writer = threading.Thread(target=write)
    writer.start()
    while len(acknowledged) < 50:
        time.sleep(0.01)
    before = list(acknowledged)
    target = tmp_path / "backups" / "during-writes.bak"
    result = live.test_cli_runner().invoke(args=["backup", "create", str(target)])
    while len(acknowledged) < len(before) + 20:  # writes went on during and after the backup
        time.sleep(0.01)
    stop.set()
    writer.join()
    assert result.exit_code == 0, result.output
    assert f"Backup written to {target}" in result.output

    restored_url = _restore_url(database_url, tmp_path)
    other = _app(restored_url)
    with other.app_context():
        db.session.add(Township(name="恢复前的乡"))  # what the restore replaces
        db.session.commit()
        db.session.remove()
    restore = other.test_cli_runner().invoke(args=["backup", "restore", "--yes", str(target)])
    assert restore.exit_code == 0, restore.output
    names = _names(other)
    assert set(before) <= names  # every write acknowledged before the backup began
    assert names <= set(attempted)  # nothing invented, nothing from the database restored over
    assert len(names) == len(set(names))
    with other.app_context():
        db.engine.dispose()
    with live.app_context():
        db.session.remove()
        db.engine.dispose()


def test_restoring_a_file_that_is_not_a_backup_changes_nothing(database_url, tmp_path):
    app = _app(database_url)
    with app.app_context():
        db.session.add(Township(name="留下的乡"))
        db.session.commit()
        db.session.remove()
    junk = tmp_path / "junk.bak"
    junk.write_bytes(b"not a backup at all" * 100)
    result = app.test_cli_runner().invoke(args=["backup", "restore", "--yes", str(junk)])
    assert result.exit_code == 1
    assert "not a" in result.output
    assert _names(app) == {"留下的乡"}
    missing = app.test_cli_runner().invoke(args=["backup", "restore", "--yes", str(tmp_path / "nope.bak")])
    assert missing.exit_code == 1 and "There is no backup file" in missing.output
    with app.app_context():
        db.engine.dispose()


def test_restore_asks_before_replacing_the_database(database_url, tmp_path):
    app = _app(database_url)
    target = tmp_path / "b.bak"
    assert app.test_cli_runner().invoke(args=["backup", "create", str(target)]).exit_code == 0
    again = app.test_cli_runner().invoke(args=["backup", "create", str(target)])
    assert again.exit_code == 1 and "exists already" in again.output
    refused = app.test_cli_runner().invoke(args=["backup", "restore", str(target)], input="n\n")
    assert refused.exit_code == 1 and "Aborted" in refused.output
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("url", ["sqlite:///:memory:"])
def test_an_in_memory_database_has_nothing_to_back_up(url, tmp_path):
    app = create_app(_test_config(url))
    result = app.test_cli_runner().invoke(args=["backup", "create", str(tmp_path / "x.bak")])
    assert result.exit_code == 1 and "in memory" in result.output
