"""The demo district's next-year round, with applications open, so a newcomer can run it at once.

Call after wardens.demo.load_demo: `load_demo_round(today)` opens the round for next year
(every holder in post today included automatically) and adds about 120 new applicants from
the demo's households — most from flood-affected and registered-poor households, each with
one to three chosen posts near home, and a few who cannot be placed (too old, a village-cadre
household, stable employment, two from one household) so the explanations are varied.
Deterministic: a fixed seed and ordered queries.
"""
from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import ApplicationSource, Assignment, Household, Person, Post, Round, settings_on
from .applications import add_application, flags_on
from .rounds import default_term, open_round

SEED = 2027
NEW_APPLICANTS = 120


def _posts_by_village() -> dict[int, list[Post]]:
    out: dict[int, list[Post]] = {}
    for post in db.session.scalars(select(Post).where(Post.active, Post.slots > 0).order_by(Post.code)):
        out.setdefault(post.village_id, []).append(post)
    return out


def _weight(person: Person, reference: dt.date) -> int:
    flags = set(flags_on(person.household, reference))
    if {"flood_affected", "registered_poor"} <= flags:
        return 0
    if flags & {"flood_affected", "registered_poor"}:
        return 1
    return 2


def load_demo_round(today: dt.date) -> Round:
    """Open next year's round on the demo district with holders and ~120 new applicants (flushes)."""
    rng = random.Random(SEED)
    first, last = default_term(today)
    rnd = open_round(name=f"{first.year}年度动态调整", year=first.year, term_start=first, term_end=last,
                     reference_date=first, notice_days=settings_on(today).notice_days, today=today, user_id=None)
    holding = set(db.session.scalars(select(Assignment.person_id).where(Assignment.in_force_on_clause(today))))
    applied = {a.person_id for a in rnd.applications}
    people = [p for p in db.session.scalars(
        select(Person).where(Person.active).order_by(Person.id)
        .options(selectinload(Person.household).selectinload(Household.flags)))
        if p.id not in holding and p.id not in applied]
    posts = _posts_by_village()
    near = [p for p in people if p.household.village_id in posts]

    def adults(pool: list[Person]) -> list[Person]:
        return [p for p in pool if 18 <= p.age_on(first) <= 60 and not p.household.cadre
                and not p.stable_employment and not p.away_working]

    chosen: list[Person] = []
    # The ones the explanations are about: too old, cadre household, stable employment.
    too_old = [p for p in near if p.age_on(first) > 65 and not p.household.cadre][:4]
    cadre = [p for p in near if p.household.cadre and 18 <= p.age_on(first) <= 60][:4]
    employed = [p for p in near if p.stable_employment and 18 <= p.age_on(first) <= 60][:4]
    chosen += too_old + cadre + employed
    # Most applicants from the vulnerable households, one per household ...
    pool = adults(near)
    rng.shuffle(pool)
    pool.sort(key=lambda p: _weight(p, first))
    seen_households: set[int] = {p.household_id for p in chosen}
    for person in pool:
        if len(chosen) >= NEW_APPLICANTS - 3:
            break
        if person.household_id in seen_households:
            continue
        if _weight(person, first) == 2 and rng.random() < 0.6:
            continue
        seen_households.add(person.household_id)
        chosen.append(person)
    # ... and a few second members of a household already applying (one post per household).
    for person in pool:
        if len(chosen) >= NEW_APPLICANTS:
            break
        if person.household_id in seen_households and person not in chosen:
            chosen.append(person)
    for person in sorted(chosen, key=lambda p: p.id):
        village_posts = posts[person.household.village_id]
        k = rng.randint(1, min(3, len(village_posts)))
        picks = rng.sample(village_posts, k)
        add_application(rnd, person, [p.code for p in picks], source=ApplicationSource.DEMO, actor_id=None)
    return rnd
