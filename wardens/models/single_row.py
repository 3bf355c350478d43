"""Single-row tables (id = 1): the row is there from the start, and a missing one is written without racing.

Migrations write the rows (5c1e2d3a4b60 the input revision's, 2d8f55b71a65 the settings'), and
so does `create_all` (the `after_create` listeners of `write_on_create`), so a working database
never lacks one. A database emptied table by table (the tests) does: `single_row` writes it
again on first use with one INSERT … ON CONFLICT DO NOTHING, then reads it. Read-then-insert let
every first request of a busy moment (the first patrol check-ins of a morning) read "no row"
and insert it; on PostgreSQL all but one hit the primary key and got the 409 page. With ON
CONFLICT the others wait for the first one's row and then read it. On SQLite the requests that
write take the database's write lock at BEGIN (wardens.database), so they take turns.
"""
from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Connection, Table, event, insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..extensions import db

M = TypeVar("M")
SINGLE_ID = 1


def conflict_insert(target: Any, bind: Connection | None = None) -> Any:
    """An INSERT into a model or table that takes ON CONFLICT clauses, in the dialect of bind (else the session's)."""
    dialect = (bind if bind is not None else db.session.get_bind()).dialect.name
    return (pg_insert if dialect == "postgresql" else sqlite_insert)(target)


def single_row(model: type[M]) -> M:
    """The row of a single-row table, written with its defaults first if it is missing."""
    row = db.session.get(model, SINGLE_ID)
    if row is None:
        db.session.execute(conflict_insert(model).values(id=SINGLE_ID).on_conflict_do_nothing(index_elements=["id"]))
        # A fresh statement: on PostgreSQL (read committed) it sees the row another
        # transaction committed while the insert waited for it.
        row = db.session.get(model, SINGLE_ID)
    assert row is not None, f"{model.__name__}: the single row was neither there nor written"
    return row


def write_on_create(table: Table, **values: Any) -> None:
    """Write a row with the column defaults (and these values) whenever create_all makes the table."""

    @event.listens_for(table, "after_create")
    def _write(target: Table, connection: Any, **_kw: Any) -> None:
        connection.execute(insert(target).values(**values))
