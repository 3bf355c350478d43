"""The faults of one candidate for one post: the matcher's own fit rules, asked one pair at a time.

A caller that must refuse an impossible decision before the matcher sees it (the site's pin
form) asks here instead of writing scope, age and labour again. The faults are codes with
parameters, in the order the reasons list them; the caller says them in its own words.

    faults = candidate_post_faults(candidate, household, post, reference=date(2027, 1, 1),
                                   settings=Settings(scope="village"), villages=[village])
    # [{"rule": "age", "min": 18, "max": 60, "age": 64}, {"rule": "labour", "need": "full", "has": "weak"}]

Rules (codes): excluded (why), cadre, priority_group, scope (scope, village, post_village),
slots, age (min, max, age), labour (need, has), chosen.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from . import rules
from .model import Candidate, Household, Post, Settings, Village
from .validate import symmetric_neighbours, villages_by_township


def candidate_post_faults(
    candidate: Candidate,
    household: Household,
    post: Post,
    *,
    reference: date,
    settings: Settings,
    villages: Iterable[Village],
) -> list[dict]:
    """Every rule the candidate breaks for the post (empty: the candidate may take it).

    ``villages``: the map the scope rule needs, at least the household's village and its
    neighbours (neighbouring scope) or its township's villages (township scope).
    """
    by_id = {v.id: v for v in villages}
    faults: list[dict] = []
    tier = rules.household_tier(household.flags, settings.priority_groups)
    for rule in rules.person_failures(candidate, household, tier):
        faults.append({"rule": rule, "why": candidate.excluded} if rule == "excluded" else {"rule": rule})
    home = by_id[household.village]
    in_scope = rules.villages_in_scope(home, settings.scope, symmetric_neighbours(list(by_id.values())),
                                       villages_by_township(list(by_id.values())))
    if post.village not in in_scope:
        faults.append({"rule": "scope", "scope": settings.scope, "village": home.id, "post_village": post.village})
    age = rules.age_at(candidate.birth_date, reference)
    for rule in rules.post_failures(candidate, age, post, settings.only_chosen_posts):
        if rule == "age":
            faults.append({"rule": "age", "min": post.min_age, "max": post.max_age, "age": age})
        elif rule == "labour":
            faults.append({"rule": "labour", "need": post.labour, "has": candidate.labour})
        else:
            faults.append({"rule": rule})
    return faults
