"""Figures for the home page, each one query (no per-row lookups)."""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select

from ..extensions import db
from ..models import Assignment, AttendanceRecord, Household, HouseholdFlag, Post, Village, settings_on
from ..priority import priority_tier


@dataclass
class Glance:
    posts: int
    slots: int
    slots_filled: int
    holders: int
    households: int
    households_by_tier: list[tuple[list[str], int]] = field(default_factory=list)
    no_tier: int = 0
    today_expected: int = 0
    today_recorded: int = 0

    @property
    def today_unrecorded(self) -> int:
        return self.today_expected - self.today_recorded


def district_glance(day: dt.date, township_id: int | None = None) -> Glance:
    """Posts, slots, holders, households by priority group and today's attendance."""
    settings = settings_on(day)

    def in_scope(stmt, village_col):  # type: ignore[no-untyped-def]
        if township_id is None:
            return stmt
        return stmt.join(Village, Village.id == village_col).where(Village.township_id == township_id)

    posts, slots = db.session.execute(
        in_scope(select(func.count(Post.id), func.coalesce(func.sum(Post.slots), 0)).where(Post.active), Post.village_id)
    ).one()
    holders = db.session.scalar(
        in_scope(
            select(func.count(Assignment.id)).join(Post, Post.id == Assignment.post_id).where(Assignment.in_force_on_clause(day)),
            Post.village_id,
        )
    ) or 0
    recorded = db.session.scalar(
        in_scope(
            select(func.count(AttendanceRecord.id))
            .join(Assignment, Assignment.id == AttendanceRecord.assignment_id)
            .join(Post, Post.id == Assignment.post_id)
            .where(AttendanceRecord.day == day, Assignment.in_force_on_clause(day)),
            Post.village_id,
        )
    ) or 0

    households = db.session.execute(
        in_scope(select(Household.id, Household.cadre).where(Household.active), Household.village_id)
    ).all()
    flags: dict[int, set[str]] = {}
    for household_id, flag in db.session.execute(
        in_scope(
            select(HouseholdFlag.household_id, HouseholdFlag.flag)
            .join(Household, Household.id == HouseholdFlag.household_id)
            .where(HouseholdFlag.cleared_on.is_(None), Household.active),
            Household.village_id,
        )
    ):
        flags.setdefault(household_id, set()).add(flag)
    groups = settings.priority_groups
    tiers: Counter[int | None] = Counter(
        priority_tier(flags.get(hid, ()), groups, cadre=cadre) for hid, cadre in households
    )
    return Glance(
        posts=posts,
        slots=int(slots),
        slots_filled=min(int(slots), holders),
        holders=holders,
        households=len(households),
        households_by_tier=[(list(g), tiers.get(i + 1, 0)) for i, g in enumerate(groups)],
        no_tier=tiers.get(None, 0),
        today_expected=holders,
        today_recorded=recorded,
    )
