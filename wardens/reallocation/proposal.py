"""Reading a stored run back as the proposal staff review: who is placed where, and why.

A county's run has 3,000 decisions. The page shows one screen of them at a time, filtered by
township, village, tier, decision and name: every decision is sorted and filtered from the
stored problem and result alone (they carry each candidate's name, household, village and
posts), and only the people and posts of the rows shown are read from the database.
"""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import AllocationRun, Household, Person, Post, RunDecision, Township, Village
from .adapter import key_id
from .digest import run_digest
from .explain import Explainer

CHANGE_KINDS = ("stays", "moves", "new", "leaves", "not_placed")
CHANGE_LABELS = {"stays": _l("stays"), "moves": _l("moves"), "new": _l("new holder"), "leaves": _l("leaves"),
                 "not_placed": _l("not placed")}
PER_PAGE = 100


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
    entry: dict[str, Any] = field(default_factory=dict, repr=False)  # the stored result record

    @property
    def placed(self) -> bool:
        return self.post is not None


@dataclass
class PlaceCount:
    name: str
    id: int = 0
    slots: int = 0
    placed: int = 0
    counts: dict[str, int] = field(default_factory=lambda: {k: 0 for k in CHANGE_KINDS})


@dataclass(frozen=True)
class Filters:
    """What the proposal page is narrowed to (None / "" = everything)."""

    township: int | None = None
    village: int | None = None
    tier: int | None = None
    change: str | None = None
    q: str = ""

    @property
    def active(self) -> bool:
        return bool(self.township or self.village or self.tier or self.change or self.q)


@dataclass
class Page:
    """One screen of rows, with what the shared pager macro reads."""

    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


@dataclass
class Proposal:
    run: AllocationRun
    rows: list[Row]  # the rows of this screen (every row when read whole)
    tiers: list[dict[str, Any]]
    changes: dict[str, int]  # over the whole run
    townships: list[tuple[PlaceCount, list[PlaceCount]]]
    pager: Page | None = None
    matching: dict[str, int] = field(default_factory=dict)  # change counts of the filtered rows

    @property
    def placed(self) -> list[Row]:
        return [r for r in self.rows if r.placed]

    @property
    def unplaced(self) -> list[Row]:
        return [r for r in self.rows if not r.placed]


def change_label(kind: str) -> str:
    """留任 / 调岗 / 新上岗 / 离岗 / 未安排 in the reader's language."""
    return str(CHANGE_LABELS.get(kind, kind))


def change_kind(current: int | None, new: int | None) -> str:
    """Against today's holders: stays in the same post, moves to another, is new, or leaves."""
    if current is not None:
        if new is None:
            return "leaves"
        return "stays" if new == current else "moves"
    return "new" if new is not None else "not_placed"


@dataclass
class _Decided:
    """One decision as the stored run has it, with the places it belongs to (ids, not objects)."""

    entry: dict[str, Any]
    placed: bool
    person_id: int
    name: str
    tier: int | None
    current: int | None
    new: int | None
    change: str
    pinned: bool
    home_village: int
    villages: frozenset[int]  # home village and the villages of the current and proposed posts


class RunIndex:
    """A stored run's decisions with their places, read from its problem and result only."""

    def __init__(self, run: AllocationRun, lang: str = "zh") -> None:
        digest = run.digest if run.digest is not None else run_digest(run.problem, run.result)
        self.lang = lang
        self.run = run
        self.groups = digest["groups"]
        self.tiers = digest["tiers"]
        self.village_township = {v: t for v, t, _ in digest["villages"]}
        self.village_name = {v: name for v, _, name in digest["villages"]}
        self.post_village = {p: v for p, v, _, _ in digest["posts"]}
        self.post_code = {p: code for p, _, code, _ in digest["posts"]}
        self.post_slots = [(v, slots) for _, v, _, slots in digest["posts"]]
        self.decided: list[_Decided] = []
        for person_id, name, tier, current, new, pinned, home in digest["decisions"]:
            places = {home} | {self.post_village[p] for p in (current, new) if p is not None and p in self.post_village}
            self.decided.append(_Decided({}, new is not None, person_id, name, tier, current, new,
                                         change_kind(current, new), pinned, home, frozenset(places)))
        self._township_names: dict[int, str] | None = None

    def township_names(self) -> dict[int, str]:
        if self._township_names is None:
            ids = set(self.village_township.values())
            self._township_names = dict(db.session.execute(
                select(Township.id, Township.name).where(Township.id.in_(ids))).all()) if ids else {}
        return self._township_names

    def sort_key(self, d: _Decided) -> tuple:
        names = self.township_names()
        return (d.tier or 99, names.get(self.village_township.get(d.home_village, 0), ""),
                self.village_name.get(d.home_village, ""), d.name, d.person_id)

    def matching(self, filters: Filters) -> list[_Decided]:
        q = filters.q.strip().lower()
        out = []
        for d in self.decided:
            if filters.village and filters.village not in d.villages:
                continue
            if filters.township and not any(self.village_township.get(v) == filters.township for v in d.villages):
                continue
            if filters.tier and d.tier != filters.tier:
                continue
            if filters.change and d.change != filters.change:
                continue
            if q and q not in d.name.lower() and not any(
                    q in self.post_code.get(p, "").lower() for p in (d.current, d.new) if p is not None):
                continue
            out.append(d)
        return out

    def entries(self, person_ids: list[int]) -> dict[int, dict[str, Any]]:
        """The result's records of these people (one query; the whole result is never decoded)."""
        if not person_ids:
            return {}
        if self.run.digest is None:  # a run stored before digests: its result has them
            wanted = set(person_ids)
            return {key_id(e["candidate"]): e for e in self.run.result["assignments"] + self.run.result["unassigned"]
                    if key_id(e["candidate"]) in wanted}
        return dict(db.session.execute(select(RunDecision.person_id, RunDecision.entry).where(
            RunDecision.run_id == self.run.id, RunDecision.person_id.in_(person_ids))).all())

    def rows(self, decided: list[_Decided], with_reasons: bool = True) -> list[Row]:
        """Rows for these decisions, reading only their people, posts and records (three queries)."""
        person_ids = {d.person_id for d in decided}
        people = {p.id: p for p in db.session.scalars(
            select(Person).where(Person.id.in_(person_ids))
            .options(selectinload(Person.household).selectinload(Household.village).selectinload(Village.township))
        )} if person_ids else {}
        post_ids = {p for d in decided for p in (d.current, d.new) if p is not None}
        posts = {p.id: p for p in db.session.scalars(
            select(Post).where(Post.id.in_(post_ids)).options(selectinload(Post.village).selectinload(Village.township))
        )} if post_ids else {}
        entries = self.entries([d.person_id for d in decided]) if with_reasons else {}
        words = Explainer(entries.values(), self.lang)
        out = []
        for d in decided:
            e = entries.get(d.person_id, {})
            tier = d.tier
            out.append(Row(
                person=people[d.person_id], post=posts.get(d.new) if d.new else None,
                current_post=posts.get(d.current) if d.current else None, tier=tier,
                group=list(self.groups[tier - 1]) if tier else None,
                choice_rank=e.get("choice_rank") if d.placed else None,
                stays=bool(e.get("stays")) if d.placed else False, basis=e.get("basis") if d.placed else None,
                reason=words(e) if with_reasons else "", reason_code=None if d.placed else e.get("reason_code"),
                change=d.change, pinned=d.pinned, entry=e))
        return out

    def places(self, filters: Filters) -> list[tuple[PlaceCount, list[PlaceCount]]]:
        """Slots, placed and changes by township and village (of the posts), narrowed to the filter's place."""
        names = self.township_names()
        villages: dict[int, PlaceCount] = {}

        def count_for(village_id: int) -> PlaceCount:
            return villages.setdefault(village_id, PlaceCount(self.village_name.get(village_id, ""), village_id))

        for village_id, slots in self.post_slots:
            count_for(village_id).slots += slots
        for d in self.decided:
            if d.new is not None:
                pc = count_for(self.post_village[d.new])
                pc.placed += 1
                pc.counts[d.change] += 1
            elif d.current is not None and d.current in self.post_village:
                count_for(self.post_village[d.current]).counts["leaves"] += 1
        by_township: dict[int, list[int]] = defaultdict(list)
        for village_id in villages:
            township_id = self.village_township.get(village_id, 0)
            if filters.township and township_id != filters.township:
                continue
            if filters.village and village_id != filters.village:
                continue
            by_township[township_id].append(village_id)
        out = []
        for township_id, village_ids in sorted(by_township.items(), key=lambda kv: names.get(kv[0], "")):
            total = PlaceCount(names.get(township_id, ""), township_id)
            members = sorted((villages[v] for v in village_ids), key=lambda pc: pc.name)
            for pc in members:
                total.slots += pc.slots
                total.placed += pc.placed
                for k, n in pc.counts.items():
                    total.counts[k] += n
            out.append((total, members))
        return out


def read_proposal(run: AllocationRun, lang: str, filters: Filters = Filters(), page: int = 1,
                  per_page: int = PER_PAGE) -> Proposal:
    """One screen of a run's proposal: the decisions matching the filters, page by page."""
    index = RunIndex(run, lang)
    matching = sorted(index.matching(filters), key=index.sort_key)
    pager = Page(page=1, per_page=per_page, total=len(matching))
    pager.page = min(max(page, 1), pager.pages)
    shown = matching[(pager.page - 1) * per_page: pager.page * per_page]
    changes = {k: 0 for k in CHANGE_KINDS}
    for d in index.decided:
        changes[d.change] += 1
    matched = {k: 0 for k in CHANGE_KINDS}
    for d in matching:
        matched[d.change] += 1
    return Proposal(run=run, rows=index.rows(shown), tiers=index.tiers, changes=changes,
                    townships=index.places(filters), pager=pager, matching=matched)


def read_run(run: AllocationRun, lang: str) -> Proposal:
    """The whole proposal of a (small) run: every decision (a mid-year fill has a handful)."""
    index = RunIndex(run, lang)
    decided = sorted(index.decided, key=index.sort_key)
    changes = {k: 0 for k in CHANGE_KINDS}
    for d in decided:
        changes[d.change] += 1
    return Proposal(run=run, rows=index.rows(decided), tiers=index.tiers, changes=changes,
                    townships=index.places(Filters()))


def placed_rows(run: AllocationRun, lang: str, township_id: int | None = None,
                village_id: int | None = None) -> list[Row]:
    """The placed people of a run whose post is in the township or village (or anywhere), in post order.

    For the notice of one place: only that place's people and posts are read.
    """
    index = RunIndex(run, lang)
    decided = [d for d in index.decided if d.new is not None
               and (village_id is None or index.post_village.get(d.new) == village_id)
               and (township_id is None or index.village_township.get(index.post_village.get(d.new, 0)) == township_id)]
    rows = index.rows(decided, with_reasons=False)  # the notice shows no reasons
    rows.sort(key=lambda r: (r.post.village.township.name, r.post.village.name, r.post.code, r.person.name))
    return rows


@dataclass
class Difference:
    person: Person
    post_a: Post | None
    post_b: Post | None


def placements(run: AllocationRun) -> dict[int, int | None]:
    """Person id -> post id (None when not placed) of a run (from its digest)."""
    digest = run.digest if run.digest is not None else run_digest(run.problem, run.result)
    return {d[0]: d[4] for d in digest["decisions"]}


def compare_runs(a: AllocationRun, b: AllocationRun) -> list[Difference]:
    """Everyone whose post differs between two runs (placed in one only, or in different posts)."""
    pa, pb = placements(a), placements(b)
    changed = sorted(pid for pid in set(pa) | set(pb) if pa.get(pid) != pb.get(pid))
    people = {p.id: p for p in _in_chunks(Person, changed)}
    post_ids = sorted({x for pid in changed for x in (pa.get(pid), pb.get(pid)) if x})
    posts = {p.id: p for p in _in_chunks(Post, post_ids, selectinload(Post.village))}
    return [Difference(people[pid], posts.get(pa.get(pid) or 0), posts.get(pb.get(pid) or 0)) for pid in changed]


def _in_chunks(model: Any, ids: Iterable[int], *options: Any) -> list[Any]:
    ids = list(ids)
    out: list[Any] = []
    for start in range(0, len(ids), 1000):
        out.extend(db.session.scalars(select(model).where(model.id.in_(ids[start:start + 1000])).options(*options)))
    return out
