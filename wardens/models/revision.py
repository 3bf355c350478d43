"""The matcher's input revision: a counter moved by every write that can change a round's problem.

"Is this run current?" used to rebuild the whole problem (3,000 applications with people,
households and flags) on every view of a round, a run or the notice. Instead each run stores
the revision it was built at (and the hash of its problem), and every write that can change
a problem moves the one revision row in the same transaction: ORM writes to the watched
columns (caught before each flush) and bulk statements on the watched tables (caught as they
run through the session). A run is current while the revision has not moved since it was
built. The counter is district-wide because the register (posts, villages, households,
flags, people) feeds every open round; a change that turns out not to matter to a round
(a pin set and removed again) still asks for a new run, which is the safe side.
"""
from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import BigInteger, event, inspect, select, update
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column

from ..extensions import db
from ..jsoncodec import canonical
from .households import Household, HouseholdFlag
from .people import Person
from .places import Village
from .posts import Post
from .rounds import Application, Round
from .single_row import SINGLE_ID, conflict_insert, write_on_create


class InputRevision(db.Model):
    """One row (id 1): the revision of everything the matcher reads."""

    __tablename__ = "input_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision: Mapped[int] = mapped_column(BigInteger, default=0)


write_on_create(InputRevision.__table__, id=SINGLE_ID, revision=0)

# The columns a problem is built from (adapter.build_problem); a write to any other column
# (a phone number, a bank account) does not make a run stale.
WATCHED: dict[type, tuple[str, ...] | None] = {
    Application: None,  # every column of an application is the matcher's input
    HouseholdFlag: None,
    Post: ("code", "kind", "village_id", "slots", "min_age", "max_age", "labour", "active"),
    Village: ("township_id", "name", "neighbours"),
    Household: ("number", "village_id", "cadre"),
    Person: ("name", "birth_date", "labour", "household_id"),
    Round: ("reference_date", "rules"),
}
WATCHED_TABLES = frozenset({"application", "household_flag", "post", "village", "village_neighbour", "household",
                            "person"})


def current_revision(session: Session | None = None) -> int:
    """The input revision now (0 before anything was written)."""
    session = session or db.session
    return session.execute(select(InputRevision.revision).where(InputRevision.id == SINGLE_ID)).scalar() or 0


def problem_hash(problem: dict[str, Any]) -> str:
    """The SHA-256 of a problem's canonical JSON (sorted keys): the same problem, the same hash."""
    return hashlib.sha256(canonical(problem)).hexdigest()


def _bump(session: Session) -> None:
    # Once per flush or bulk statement that touches the input (not once per transaction: a
    # run built later in the same transaction must see any change made after it as new).
    table = InputRevision.__table__
    connection = session.connection()
    moved = connection.execute(update(table).where(table.c.id == SINGLE_ID).values(revision=table.c.revision + 1))
    if moved.rowcount == 0:
        # A database emptied table by table (tests) lost the row: start it again. Writers that
        # all found no row at once insert it once and count each of their moves on it.
        start = conflict_insert(table, connection).values(id=SINGLE_ID, revision=1)
        connection.execute(start.on_conflict_do_update(index_elements=[table.c.id],
                                                       set_={"revision": table.c.revision + 1}))


def _touches_input(obj: Any) -> bool:
    for cls, columns in WATCHED.items():
        if isinstance(obj, cls):
            if columns is None:
                return True
            state = inspect(obj)
            return any(state.attrs[c].history.has_changes() for c in columns)
    return False


@event.listens_for(Session, "before_flush")
def _watch_flush(session: Session, flush_context: Any, instances: Any) -> None:
    if any(isinstance(o, tuple(WATCHED)) for o in (*session.new, *session.deleted)) or any(
            _touches_input(o) for o in session.dirty):
        _bump(session)


@event.listens_for(Session, "do_orm_execute")
def _watch_bulk(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in WATCHED_TABLES:
        _bump(state.session)
