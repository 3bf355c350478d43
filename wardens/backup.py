"""`flask backup create` / `flask backup restore`: a consistent copy of the database while the site runs, and back.

SQLite: the online backup API (sqlite3.Connection.backup) copies a consistent snapshot
page by page while writers keep writing; the copy is checked (integrity_check) before
it is called done. PostgreSQL: `pg_dump -Fc` (one snapshot of the whole database) and
`pg_restore --clean --single-transaction` (all of it or nothing). The README's
"Backups" section is the procedure; tests/test_backup.py restores a backup taken
during writes and finds every acknowledged write.
"""
from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy.engine import make_url

from .extensions import db

backup_cli = AppGroup("backup", help="Back up the database, and restore a backup.")


class BackupError(click.ClickException):
    """A backup or restore could not be done; nothing was changed."""


def _url() -> str:
    return str(current_app.config["SQLALCHEMY_DATABASE_URI"])


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("The database is in memory: there is nothing to back up.")
    return Path(database)


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """The libpq connection string pg_dump and pg_restore take, and the password as PGPASSWORD (never on argv)."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = parsed.password
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def default_backup_path(now: dt.datetime | None = None) -> Path:
    now = now or dt.datetime.now()
    suffix = ".sqlite3" if make_url(_url()).get_backend_name() == "sqlite" else ".dump"
    return Path(current_app.instance_path) / "backups" / f"wardens-{now:%Y%m%d-%H%M%S}{suffix}"


def check_sqlite_file(path: Path) -> None:
    """Refuse a file that is not a whole SQLite database of this site."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = conn.execute("PRAGMA integrity_check").fetchone()
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a SQLite database: {exc}") from None
    if not result or result[0] != "ok":
        raise BackupError(f"{path} fails SQLite's integrity check: {result[0] if result else 'no answer'}")
    if not {"user", "person", "attendance_record"} <= tables:
        raise BackupError(f"{path} is a SQLite database, but not one of this site (no user, person or attendance tables).")


def create_backup(target: Path) -> Path:
    """Write a consistent copy of the configured database to target; returns the path written."""
    url = _url()
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        raise BackupError(f"{target} exists already; give another name.")
    partial = target.with_name(target.name + ".partial")
    if make_url(url).get_backend_name() == "sqlite":
        source = sqlite3.connect(_sqlite_path(url))
        dest = sqlite3.connect(partial)
        try:
            # pages=-1: the whole database in one step, a single snapshot even with writers running.
            source.backup(dest, pages=-1)
        finally:
            dest.close()
            source.close()
        check_sqlite_file(partial)
    else:
        conninfo, env = _libpq(url)
        done = subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--file", str(partial), conninfo],
                              env=env, capture_output=True, text=True)
        if done.returncode != 0:
            partial.unlink(missing_ok=True)
            raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
    partial.rename(target)
    return target


def restore_backup(source: Path) -> None:
    """Replace the configured database's contents with the backup's, all or nothing."""
    url = _url()
    if not source.is_file():
        raise BackupError(f"There is no backup file {source}.")
    db.session.remove()
    db.engine.dispose()  # no pooled connection may hold the old database open
    if make_url(url).get_backend_name() == "sqlite":
        check_sqlite_file(source)
        live = _sqlite_path(url)
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        dest = sqlite3.connect(live, timeout=30)
        try:
            # The backup API writes the live file under its own lock, WAL included, in one step.
            src.backup(dest, pages=-1)
            result = dest.execute("PRAGMA integrity_check").fetchone()
        finally:
            src.close()
            dest.close()
        if not result or result[0] != "ok":
            raise BackupError(f"The restored database fails SQLite's integrity check: {result}")
    else:
        conninfo, env = _libpq(url)
        listed = subprocess.run(["pg_restore", "--list", str(source)], env=env, capture_output=True, text=True)
        if listed.returncode != 0:
            raise BackupError(f"{source} is not a pg_dump custom-format file: {listed.stderr.strip()}")
        done = subprocess.run(
            ["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error",
             "--dbname", conninfo, str(source)],
            env=env, capture_output=True, text=True,
        )
        if done.returncode != 0:
            raise BackupError(f"pg_restore failed; the database is as it was: {done.stderr.strip()}")


@backup_cli.command("create")
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
def create_command(path: Path | None) -> None:
    """Write a backup of the database to PATH (default: instance/backups/wardens-<time>); the site may keep running."""
    target = create_backup(path or default_backup_path())
    size = target.stat().st_size
    click.echo(f"Backup written to {target} ({size / 1024 / 1024:.1f} MB).")


@backup_cli.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore_command(path: Path, yes: bool) -> None:
    """Replace the database with the backup at PATH. Stop the site first."""
    where = make_url(_url()).render_as_string(hide_password=True)
    if not yes:
        click.confirm(f"Replace everything in {where} with {path}? Stop the site first.", abort=True)
    restore_backup(path)
    click.echo(f"Restored {path} into {where}. Run `flask db upgrade` if the backup is from an older version.")


def init_app(app: Flask) -> None:
    app.cli.add_command(backup_cli)

