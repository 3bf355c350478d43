"""Reading a stored run back as the proposal staff review: who is placed where, and why."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import AllocationRun, Household, Person, Post, Village
from .adapter import key_id

CHANGE_KINDS = ("stays", "moves", "new", "leaves", "not_placed")


@dataclass
class Row:
    person: Person
    post: Post | None
    current_post: Post | None
    tier: int | None
    group: list[str] | None
    choice_rank: int | None
    stays: bool
    basis: str | None
    reason: str
    reason_code: str | None
    change: str
    pinned: bool

    @property
    def placed(self) -> bool:
        return self.post is not None


@dataclass
class PlaceCount:
    name: str
    slots: int = 0
    placed: int = 0
    counts: dict[str, int] = field(default_factory=lambda: {k: 0 for k in CHANGE_KINDS})


@dataclass
class Proposal:
    run: AllocationRun
    rows: list[Row]
    tiers: list[dict[str, Any]]
    changes: dict[str, int]
    townships: list[tuple[PlaceCount, list[PlaceCount]]]

    @property
    def placed(self) -> list[Row]:
        return [r for r in self.rows if r.placed]

    @property
    def unplaced(self) -> list[Row]:
        return [r for r in self.rows if not r.placed]


def change_kind(current: int | None, new: int | None) -> str:
    """Against today's holders: stays in the same post, moves to another, is new, or leaves."""
    if current is not None:
        if new is None:
            return "leaves"
        return "stays" if new == current else "moves"
    return "new" if new is not None else "not_placed"


def read_run(run: AllocationRun, lang: str) -> Proposal:
    """The proposal of a run: every candidate with decision and reason, by tier, change and place."""
    result = run.result_in(lang)
    problem = run.problem
    groups = problem["settings"]["priority_groups"]
    candidates = {c["id"]: c for c in problem["candidates"]}
    person_ids = [key_id(c) for c in candidates]
    people = {p.id: p for p in db.session.scalars(
        select(Person).where(Person.id.in_(person_ids))
        .options(selectinload(Person.household).selectinload(Household.village).selectinload(Village.township)))}
    post_ids = {key_id(p["id"]) for p in problem["posts"]}
    posts = {p.id: p for p in db.session.scalars(
        select(Post).where(Post.id.in_(post_ids)).options(selectinload(Post.village).selectinload(Village.township)))}
    rows: list[Row] = []
    decided = [(a, True) for a in result["assignments"]] + [(u, False) for u in result["unassigned"]]
    for entry, placed in decided:
        cand = candidates[entry["candidate"]]
        current = key_id(cand["current_post"]) if cand["current_post"] else None
        new = key_id(entry["post"]) if placed else None
        tier = entry.get("tier")
        rows.append(Row(
            person=people[key_id(entry["candidate"])],
            post=posts.get(new) if new else None,
            current_post=posts.get(current) if current else None,
            tier=tier,
            group=list(groups[tier - 1]) if tier else None,
            choice_rank=entry.get("choice_rank") if placed else None,
            stays=bool(entry.get("stays")) if placed else False,
            basis=entry.get("basis") if placed else None,
            reason=entry["reason"],
            reason_code=None if placed else entry["reason_code"],
            change=change_kind(current, new),
            pinned=cand.get("pinned_post") is not None,
        ))
    rows.sort(key=lambda r: (r.tier or 99, r.person.household.village.township.name,
                             r.person.household.village.name, r.person.name, r.person.id))
    changes = {k: sum(1 for r in rows if r.change == k) for k in CHANGE_KINDS}
    return Proposal(run=run, rows=rows, tiers=result["tier_counts"], changes=changes,
                    townships=_by_place(rows, problem, posts))


def _by_place(rows: list[Row], problem: dict[str, Any], posts: dict[int, Post]) -> list[tuple[PlaceCount, list[PlaceCount]]]:
    villages: dict[int, PlaceCount] = {}
    township_of: dict[int, Any] = {}

    def count_for(post: Post) -> PlaceCount:
        village = post.village
        township_of[village.id] = village.township
        return villages.setdefault(village.id, PlaceCount(village.name))

    for spec in problem["posts"]:
        post = posts[key_id(spec["id"])]
        count_for(post).slots += spec["slots"]
    for row in rows:
        if row.post is not None:
            pc = count_for(row.post)
            pc.placed += 1
            pc.counts[row.change] += 1
        elif row.current_post is not None:
            count_for(row.current_post).counts["leaves"] += 1
    by_township: dict[int, list[int]] = defaultdict(list)
    for village_id in villages:
        by_township[township_of[village_id].id].append(village_id)
    out = []
    for township_id, village_ids in sorted(by_township.items(), key=lambda kv: township_of[kv[1][0]].name):
        total = PlaceCount(township_of[village_ids[0]].name)
        members = sorted((villages[v] for v in village_ids), key=lambda pc: pc.name)
        for pc in members:
            total.slots += pc.slots
            total.placed += pc.placed
            for k, n in pc.counts.items():
                total.counts[k] += n
        out.append((total, members))
    return out


@dataclass
class Difference:
    person: Person
    post_a: Post | None
    post_b: Post | None


def compare_runs(a: AllocationRun, b: AllocationRun) -> list[Difference]:
    """Everyone whose post differs between two runs (placed in one only, or in different posts)."""
    def placements(run: AllocationRun) -> dict[int, int | None]:
        out: dict[int, int | None] = {key_id(u["candidate"]): None for u in run.result["unassigned"]}
        out.update({key_id(x["candidate"]): key_id(x["post"]) for x in run.result["assignments"]})
        return out

    pa, pb = placements(a), placements(b)
    changed = sorted(pid for pid in set(pa) | set(pb) if pa.get(pid) != pb.get(pid))
    people = {p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(changed)))}
    post_ids = {x for pid in changed for x in (pa.get(pid), pb.get(pid)) if x}
    posts = {p.id: p for p in db.session.scalars(select(Post).where(Post.id.in_(post_ids)))}
    return [Difference(people[pid], posts.get(pa.get(pid) or 0), posts.get(pb.get(pid) or 0)) for pid in changed]
