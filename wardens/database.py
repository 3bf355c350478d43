"""Engine settings the models rely on: SQLite foreign keys, WAL, busy timeout, write locks."""
from __future__ import annotations

import sqlite3
from typing import Any, Callable, TypeVar

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import JSON, Table, event
from sqlalchemy.engine import Engine

from . import jsoncodec
from .extensions import db

_busy_timeout_ms = 15000


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy's "begin" hook below issue BEGIN itself (pysqlite's own
    # implicit BEGIN would be DEFERRED and cannot be made IMMEDIATE).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={int(_busy_timeout_ms)}")
    cursor.close()


F = TypeVar("F", bound=Callable[..., Any])


def reads_first(view: F) -> F:
    """Mark a POST view that reads, does slow work, and only then writes (the login).

    Its transactions begin DEFERRED (a read never blocks SQLite's writers in WAL
    mode) until it calls `take_write_lock`. Without this a login held the write
    lock through argon2 (most of a second) and every writer waited behind it.
    """
    view._reads_first = True  # type: ignore[attr-defined]
    return view


def take_write_lock() -> None:
    """End the current read transaction; the next one begins IMMEDIATE (SQLite's write lock).

    A DEFERRED transaction that read before the slow work cannot safely upgrade to a
    write (another writer may have committed since its snapshot), so it ends here.
    """
    db.session.commit()
    g._write_lock_taken = True


def _reading_first() -> bool:
    if g.get("_write_lock_taken"):
        return False
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, "_reads_first", False))


def _wants_write_lock() -> bool:
    """Requests that may write take SQLite's write lock up front.

    A DEFERRED transaction that reads and then writes can fail at once with
    "database is locked" when another writer got in between (the busy timeout
    does not apply to a lock upgrade). Reads (GET) stay DEFERRED so they never
    wait for writers in WAL mode; CLI work and POSTs take the lock at BEGIN.
    """
    if has_request_context():
        return request.method not in ("GET", "HEAD", "OPTIONS") and not _reading_first()
    return True


def _sqlite_begin(conn: Any) -> None:
    if conn.dialect.name != "sqlite":
        return
    conn.exec_driver_sql("BEGIN IMMEDIATE" if _wants_write_lock() else "BEGIN")


_installed = False


def init_app(app: Flask) -> None:
    global _busy_timeout_ms, _installed
    _busy_timeout_ms = app.config.get("SQLITE_BUSY_TIMEOUT_MS", 15000)
    if not _installed:
        event.listen(Engine, "connect", _sqlite_connect)
        event.listen(Engine, "begin", _sqlite_begin)
        _installed = True


def insert_rows(table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert many plain rows into a table within the session's transaction.

    On PostgreSQL through COPY: a county's matcher run writes 3,000 decision records of
    JSON, and psycopg's pipelined executemany took three times as long as COPY. Elsewhere an
    executemany. COPY goes past SQLAlchemy's statement events, so this is only for tables no
    ORM event watches (the run's decision records), never for the round's input.
    """
    if not rows:
        return
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(table.insert(), rows)
        return
    columns = [c for c in table.columns if c.name in rows[0]]
    as_json = {c.name for c in columns if isinstance(c.type, JSON)}
    names = ", ".join(connection.dialect.identifier_preparer.quote(c.name) for c in columns)
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(f"COPY {connection.dialect.identifier_preparer.format_table(table)} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([jsoncodec.dumps(row[c.name]) if c.name in as_json else row[c.name] for c in columns])
    finally:
        cursor.close()

