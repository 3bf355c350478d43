"""The yearly statistics (年度统计): the figures a bureau's yearly summary reports, for one year.

- posts and slots by kind and township (posts in use);
- holders by priority group — registered poor only, flood-affected only, both, neither — with
  the flags in force on the year's last day (today for the year running);
- people and households helped: everyone who held a post on at least one day of the year;
- subsidy paid by township and month: the months the office closed (closing is paying);
- dismissals by reason: dismissal flags decided "dismissed" during the year, by rule;
- the yearly round's placements: agreements the year's round started, by township, as
  staying in the same post, moving post, or newly placed.
Each figure is one grouped query (the subsidy: the home page's closed-month figures).
"""
from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select

from ..extensions import db
from ..models import (
    Assignment,
    DismissalCase,
    DismissalState,
    HouseholdFlag,
    Person,
    Post,
    Round,
    Township,
    Village,
)
from .charts import month_figures

POOR, FLOOD = "registered_poor", "flood_affected"
GROUPS = ("both", "poor_only", "flood_only", "neither")


@dataclass
class YearStatistics:
    year: int
    as_of: dt.date
    townships: list[str]
    posts: dict[tuple[str, str], tuple[int, int]]  # (township, kind) -> (posts, slots)
    kinds: list[str]
    holders_by_group: dict[str, int]
    people_helped: int
    households_helped: int
    paid: dict[str, list[Decimal]]  # township -> 12 months
    dismissals: dict[str, int]  # rule -> count
    round_name: str | None = None
    placements: dict[str, Counter[str]] = field(default_factory=dict)  # township -> stayed/moved/new

    @property
    def paid_total(self) -> Decimal:
        return sum((sum(v, Decimal("0.00")) for v in self.paid.values()), Decimal("0.00"))

    def kind_totals(self, kind: str) -> tuple[int, int]:
        """Posts and slots of one kind in every township."""
        cells = [v for (_t, k), v in self.posts.items() if k == kind]
        return sum(c[0] for c in cells), sum(c[1] for c in cells)

    def paid_in_month(self, index: int) -> Decimal:
        return sum((v[index] for v in self.paid.values()), Decimal("0.00"))


def posts_by_kind_and_township() -> dict[tuple[str, str], tuple[int, int]]:
    rows = db.session.execute(
        select(Township.name, Post.kind, func.count(Post.id), func.coalesce(func.sum(Post.slots), 0))
        .join(Village, Village.id == Post.village_id).join(Township, Township.id == Village.township_id)
        .where(Post.active).group_by(Township.name, Post.kind)
    ).all()
    return {(t, k): (n, int(s)) for t, k, n, s in rows}


def holders_of_year(first: dt.date, last: dt.date) -> list[tuple[int, int]]:
    """(person, household) of everyone in post on at least one day of [first, last]."""
    return list(db.session.execute(
        select(Person.id, Person.household_id).join(Assignment, Assignment.person_id == Person.id)
        .where(Assignment.overlaps_clause(first, last)).distinct()
    ).tuples())


def holders_by_poverty_and_flood(holders: list[tuple[int, int]], on: dt.date) -> dict[str, int]:
    """Holders by their household's flags in force on the day: both, registered poor only, flood-affected only, neither."""
    households = {h for _p, h in holders}
    flags: dict[int, set[str]] = defaultdict(set)
    if households:
        for hid, flag in db.session.execute(
            select(HouseholdFlag.household_id, HouseholdFlag.flag)
            .where(HouseholdFlag.flag.in_((POOR, FLOOD)), HouseholdFlag.recorded_on <= on,
                   (HouseholdFlag.cleared_on.is_(None)) | (HouseholdFlag.cleared_on > on))
        ):
            if hid in households:
                flags[hid].add(flag)
    out = Counter({g: 0 for g in GROUPS})
    for _person, hid in holders:
        f = flags.get(hid, set())
        out["both" if f == {POOR, FLOOD} else "poor_only" if POOR in f else "flood_only" if FLOOD in f else "neither"] += 1
    return dict(out)


def dismissals_by_rule(first: dt.date, last: dt.date) -> dict[str, int]:
    zone = ZoneInfo(current_app.config.get("WARDENS_TIMEZONE", "Asia/Shanghai"))
    start = dt.datetime.combine(first, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return dict(db.session.execute(
        select(DismissalCase.rule, func.count(DismissalCase.id))
        .where(DismissalCase.decision == DismissalState.DISMISSED, DismissalCase.decided_at >= start, DismissalCase.decided_at < end)
        .group_by(DismissalCase.rule).order_by(DismissalCase.rule)
    ).tuples().all())


def round_placements(year: int) -> tuple[str | None, dict[str, Counter[str]]]:
    """The agreements the year's round started, by township: stayed in the same post, moved, or new."""
    rnd = db.session.scalar(select(Round).where(Round.year == year).order_by(Round.id.desc()).limit(1))
    if rnd is None:
        return None, {}
    eve = rnd.term_start - dt.timedelta(days=1)
    before = dict(db.session.execute(
        select(Assignment.person_id, Assignment.post_id)
        .where(Assignment.term_start <= eve, Assignment.term_end >= eve,
               (Assignment.ended_on.is_(None)) | (Assignment.ended_on >= eve))
    ).tuples().all())
    out: dict[str, Counter[str]] = defaultdict(Counter)
    for person_id, post_id, township in db.session.execute(
        select(Assignment.person_id, Assignment.post_id, Township.name)
        .join(Post, Post.id == Assignment.post_id).join(Village, Village.id == Post.village_id)
        .join(Township, Township.id == Village.township_id)
        .where(Assignment.round_id == rnd.id, Assignment.origin == "round")
    ):
        held = before.get(person_id)
        out[township]["stayed" if held == post_id else "moved" if held is not None else "new"] += 1
    return rnd.name, dict(out)


def year_statistics(year: int, today: dt.date) -> YearStatistics:
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    as_of = min(last, today)
    towns = [(tid, name) for tid, name in db.session.execute(select(Township.id, Township.name).order_by(Township.name))]
    posts = posts_by_kind_and_township()
    holders = holders_of_year(first, as_of)
    months = [(year, m) for m in range(1, 13)]
    figures = month_figures(months, [tid for tid, _n in towns], today, whole_district=True)
    paid = {name: [figures[(tid, y, m)].payable if figures.get((tid, y, m)) and figures[(tid, y, m)].closed
                   else Decimal("0.00") for y, m in months] for tid, name in towns}
    round_name, placements = round_placements(year)
    return YearStatistics(
        year=year, as_of=as_of, townships=[n for _t, n in towns], posts=posts,
        kinds=sorted({k for _t, k in posts}),
        holders_by_group=holders_by_poverty_and_flood(holders, as_of),
        people_helped=len({p for p, _h in holders}), households_helped=len({h for _p, h in holders}),
        paid=paid, dismissals=dismissals_by_rule(first, last), round_name=round_name, placements=placements,
    )
