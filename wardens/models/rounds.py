"""The yearly reallocation (动态调整): rounds, applications, runs, objections, dismissal cases."""
from __future__ import annotations

import datetime as dt
from functools import cached_property
from typing import TYPE_CHECKING, Any

from sqlalchemy import (DDL, JSON, BigInteger, CheckConstraint, DateTime, ForeignKey, String, Text, UniqueConstraint,
                        event, select)
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from ..dates import utcnow
from ..extensions import db
from .enums import ApplicationSource, DismissalState, ObjectionState, RoundState, RunKind, enum_column

if TYPE_CHECKING:
    from .assignments import Assignment
    from .people import Person
    from .posts import Post
    from .users import User


# A result's two lists of decisions: stored as RunDecision rows, `None` in the result's head.
DECISION_LISTS = ("assignments", "unassigned")


class Round(db.Model):
    __tablename__ = "round"
    __table_args__ = (
        CheckConstraint("term_end > term_start", name="term_order"),
        CheckConstraint("notice_days >= 1", name="notice_days_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    year: Mapped[int]
    term_start: Mapped[dt.date]
    term_end: Mapped[dt.date]
    reference_date: Mapped[dt.date]
    notice_days: Mapped[int] = mapped_column(default=5)
    state: Mapped[RoundState] = mapped_column(enum_column(RoundState, length=20, name="state_known"),
                                              default=RoundState.APPLICATIONS)
    # The rules frozen when the round opened: re-running or explaining it later
    # uses these, not whatever the district settings say by then.
    rules: Mapped[dict[str, Any]] = mapped_column(JSON)
    notice_start: Mapped[dt.date | None]
    notice_end: Mapped[dt.date | None]
    chosen_run_id: Mapped[int | None] = mapped_column(ForeignKey("allocation_run.id", use_alter=True))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    approved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    applications: Mapped[list["Application"]] = relationship(back_populates="round")
    runs: Mapped[list["AllocationRun"]] = relationship(
        back_populates="round", foreign_keys="AllocationRun.round_id", order_by="AllocationRun.id"
    )
    chosen_run: Mapped["AllocationRun | None"] = relationship(foreign_keys=[chosen_run_id], post_update=True)


class Application(db.Model):
    """One person's application in a round, with up to three chosen posts."""

    __tablename__ = "application"
    __table_args__ = (UniqueConstraint("round_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    choice1_id: Mapped[int | None] = mapped_column(ForeignKey("post.id"))
    choice2_id: Mapped[int | None] = mapped_column(ForeignKey("post.id"))
    choice3_id: Mapped[int | None] = mapped_column(ForeignKey("post.id"))
    # Current holders are included automatically; this is their post then.
    current_post_id: Mapped[int | None] = mapped_column(ForeignKey("post.id"))
    good_standing: Mapped[bool] = mapped_column(default=False)
    attendance_rate: Mapped[float | None]
    excluded_reason: Mapped[str | None] = mapped_column(String(200))
    pinned_post_id: Mapped[int | None] = mapped_column(ForeignKey("post.id"))
    pin_reason: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[ApplicationSource] = mapped_column(enum_column(ApplicationSource, length=20, name="source_known"),
                                                      default=ApplicationSource.MANUAL)
    # Which prefilled exclusion this is (stable_employment, away_working,
    # another_post, other) so the page can show it; the matcher gets the text.
    excluded_code: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    round: Mapped[Round] = relationship(back_populates="applications")
    person: Mapped["Person"] = relationship()
    choice1: Mapped["Post | None"] = relationship(foreign_keys=[choice1_id])
    choice2: Mapped["Post | None"] = relationship(foreign_keys=[choice2_id])
    choice3: Mapped["Post | None"] = relationship(foreign_keys=[choice3_id])
    current_post: Mapped["Post | None"] = relationship(foreign_keys=[current_post_id])
    pinned_post: Mapped["Post | None"] = relationship(foreign_keys=[pinned_post_id])

    @property
    def choices(self) -> list["Post"]:
        """The chosen posts in order of preference, gaps skipped."""
        return [p for p in (self.choice1, self.choice2, self.choice3) if p is not None]


class AllocationRun(db.Model):
    """One run of the matcher: the exact problem it was given and the result it gave."""

    __tablename__ = "allocation_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id"), index=True)
    kind: Mapped[RunKind] = mapped_column(enum_column(RunKind, length=20, name="kind_known"), default=RunKind.ROUND)
    # The problem and the result are large (a county's are about 1 MB each) and deferred:
    # a page listing runs reads their summary only, and a page showing one run loads
    # its problem and result when it reads them, not every run's.
    problem: Mapped[dict[str, Any]] = mapped_column(JSON, deferred=True)
    # The matcher's result, solved once, stored once: its head here (status, summary, tier
    # counts), its decisions — each with its reason as codes with parameters, rendered in the
    # reader's language by reallocation/explain.py, and as Chinese text (the file contract's
    # `reason`) — one RunDecision row each, where the head keeps `None` in their place. `result`
    # puts the two together. Runs stored before that keep their decisions in the head too.
    result_head: Mapped[dict[str, Any]] = mapped_column("result", JSON, deferred=True)
    # The result's summary (candidates, placed, slots, preference score), kept beside it.
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # What the pages read (reallocation/digest.py): every decision's person, tier, posts and
    # village, and the map of villages and posts; each decision's record is a RunDecision.
    digest: Mapped[dict[str, Any] | None] = mapped_column(JSON, deferred=True)
    # A mid-year fill is a run for one post's free slots; approving it creates the assignments.
    post_id: Mapped[int | None] = mapped_column(ForeignKey("post.id"))
    approved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    seconds: Mapped[float] = mapped_column(default=0.0)
    # What "is this run current" compares (see models/revision.py): the input revision the
    # problem was built at, and the problem's SHA-256, both stored with the run.
    input_revision: Mapped[int | None] = mapped_column(BigInteger)
    problem_hash: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    round: Mapped[Round] = relationship(back_populates="runs", foreign_keys=[round_id])
    created_by: Mapped["User | None"] = relationship(foreign_keys=[created_by_id])
    post: Mapped["Post | None"] = relationship(foreign_keys=[post_id])

    @cached_property
    def result(self) -> dict[str, Any]:
        """The whole result as the matcher gave it: the head with its decisions back in their places.

        One query for the decisions, read once per loaded run (a stored run never changes).
        """
        head = self.result_head
        lists = [key for key in DECISION_LISTS if key in head and head[key] is None]
        if not lists:
            return head  # stored whole
        entries = object_session(self).scalars(  # type: ignore[union-attr]
            select(RunDecision.entry).where(RunDecision.run_id == self.id).order_by(RunDecision.position))
        placed: dict[str, list[dict[str, Any]]] = {"assignments": [], "unassigned": []}
        for entry in entries:
            placed["assignments" if "post" in entry else "unassigned"].append(entry)
        return {key: placed[key] if key in lists else value for key, value in head.items()}



class RunDecision(db.Model):
    """One decision of a stored run: the result's record for one person (read one screen at a time)."""

    __tablename__ = "run_decision"
    __table_args__ = (UniqueConstraint("run_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("allocation_run.id", ondelete="CASCADE"))
    person_id: Mapped[int]
    entry: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Where the decision stands in the result (assignments first, then the unplaced, each in
    # the problem's order); none for runs that keep their decisions in the result's head.
    position: Mapped[int | None]


# On PostgreSQL a run's problem, result head and digest (a county's: 1 MB) are compressed with
# lz4 rather than the default pglz: storing the problem took 5 ms instead of 13. Servers
# without lz4 (or before PostgreSQL 14) keep pglz: the statement is skipped, nothing fails.
LZ4_COLUMNS = ("problem", "result", "digest")


def lz4_compression_sql(table: str, columns: tuple[str, ...]) -> str:
    """A PL/pgSQL block that sets lz4 on the columns where the server can (the migration's too)."""
    alters = "; ".join(f"EXECUTE 'ALTER TABLE {table} ALTER COLUMN {c} SET COMPRESSION lz4'" for c in columns)
    return f"DO $$ BEGIN {alters}; EXCEPTION WHEN OTHERS THEN RAISE NOTICE 'lz4 compression not available'; END $$"


event.listen(AllocationRun.__table__, "after_create",
             DDL(lz4_compression_sql("allocation_run", LZ4_COLUMNS)).execute_if(dialect="postgresql"))


class Objection(db.Model):
    """An objection raised during the public notice (异议), and how it was settled."""

    __tablename__ = "objection"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id"), index=True)
    raised_by: Mapped[str] = mapped_column(String(100))
    about_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    content: Mapped[str] = mapped_column(Text)
    raised_on: Mapped[dt.date]
    outcome: Mapped[str | None] = mapped_column(Text)
    settled_on: Mapped[dt.date | None]
    settled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    about_person: Mapped["Person | None"] = relationship()

    @property
    def state(self) -> ObjectionState:
        return ObjectionState.OPEN if self.settled_on is None else ObjectionState.SETTLED


class DismissalCase(db.Model):
    """A holder flagged for dismissal review (清退), and the staff decision."""

    __tablename__ = "dismissal_case"
    __table_args__ = (
        CheckConstraint("decision IS NULL OR decision IN ('dismissed', 'cleared')", name="decision_known"),
        UniqueConstraint("assignment_id", "rule", "period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id"), index=True)
    rule: Mapped[str] = mapped_column(String(40))
    # What the flag is about, e.g. "2026-10" for a month's absences; keeps a
    # cleared flag from being raised again for the same facts.
    period: Mapped[str] = mapped_column(String(20), default="")
    evidence: Mapped[str] = mapped_column(Text)
    flagged_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # NULL while the flag is open; the CHECK above keeps 'open' itself from being stored.
    decision: Mapped[DismissalState | None] = mapped_column(enum_column(DismissalState, length=20, constraint=False))
    decision_reason: Mapped[str | None] = mapped_column(String(500))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # A dismissal keeps how the agreement ended before it (NULL: it ran to its term), so the
    # office can undo it; the agreement's other open flags it settled point to it.
    prior_ended_on: Mapped[dt.date | None]
    prior_end_reason: Mapped[str | None] = mapped_column(String(20))
    prior_end_note: Mapped[str | None] = mapped_column(String(500))
    dismissed_with_id: Mapped[int | None] = mapped_column(ForeignKey("dismissal_case.id"))

    assignment: Mapped["Assignment"] = relationship()

    @property
    def state(self) -> DismissalState:
        return self.decision or DismissalState.OPEN
