"""The allocation rules, one function per rule, each named after it.

Hard rules (fit, capacity) decide who *may* take a post; the priority tier and
the preference score decide who *should*.  The solver and the explanations both
call these functions, so a rule is written down exactly once.
"""

from __future__ import annotations

from datetime import date

from .model import LABOUR_LEVELS, Candidate, Household, Post, Village

LABOUR_RANK = {word: rank for rank, word in enumerate(LABOUR_LEVELS)}

#: The per-post fit rules in the order reasons list them.
POST_RULES = ("slots", "age", "labour", "chosen")
#: The per-person fit rules in the order reasons list them.
PERSON_RULES = ("excluded", "cadre", "priority_group")


def age_at(birth: date, reference: date) -> int:
    """Return the age in whole years on the reference date (hard-rule input).

    A person is a year older on their birthday.  Someone born on 29 February
    is a year older on 1 March in common years: they have not yet had their
    birthday on 28 February.
    """
    return reference.year - birth.year - ((reference.month, reference.day) < (birth.month, birth.day))


def age_in_range(age: int, post: Post) -> bool:
    """Hard: the age on the reference date is within the post's range, both ends included."""
    return post.min_age <= age <= post.max_age


def labour_sufficient(candidate_labour: str, post: Post) -> bool:
    """Hard: the labour ability is at least what the post needs (none < weak < full)."""
    return LABOUR_RANK[candidate_labour] >= LABOUR_RANK[post.labour]


def has_slots(post: Post) -> bool:
    """Hard: a post with 0 slots takes no one."""
    return post.slots > 0


def among_choices(candidate: Candidate, post_id: str) -> bool:
    """Hard, only with ``only_chosen_posts``: the post is one of the candidate's choices."""
    return post_id in candidate.choices


def not_excluded(candidate: Candidate) -> bool:
    """Hard: the candidate is not excluded (stable employment, migrant worker, another post ...)."""
    return candidate.excluded is None


def not_cadre(household: Household) -> bool:
    """Hard: village-cadre households take no public-welfare post."""
    return not household.cadre


def household_tier(flags: frozenset[str], groups: tuple[tuple[str, ...], ...]) -> int | None:
    """Return 1 + the index of the first group whose flags the household all has, or None.

    An empty group matches every household.  ``None`` means the household is in
    no priority group and so may take no post (hard rule ``priority_group``).
    """
    for index, group in enumerate(groups):
        if flags.issuperset(group):
            return index + 1
    return None


def in_priority_group(tier: int | None) -> bool:
    """Hard: the household belongs to some priority group."""
    return tier is not None


def villages_in_scope(
    village: Village,
    scope: str,
    neighbours: dict[str, tuple[str, ...]],
    township_villages: dict[str, tuple[str, ...]],
) -> tuple[str, ...]:
    """Hard: return the villages whose posts are in scope, own village first.

    ``village``: the own village only; ``neighbouring``: the own village and
    every village listed as a neighbour in either direction; ``township``: every
    village of the same township.
    """
    if scope == "village":
        return (village.id,)
    if scope == "neighbouring":
        return (village.id, *neighbours.get(village.id, ()))
    others = tuple(v for v in township_villages[village.township] if v != village.id)
    return (village.id, *others)


def closeness(candidate_village: str, post_village: str) -> int:
    """Tie-break: 0 for a post in the candidate's own village, 1 for any other post in scope."""
    return 0 if candidate_village == post_village else 1


def preference_score(candidate: Candidate, post_id: str) -> int:
    """Soft: 3 first choice or good-standing incumbent staying, 2 second, 1 third, else 0."""
    score = 0
    if candidate.good_standing and candidate.current_post == post_id:
        score = 3
    for rank, chosen in enumerate(candidate.choices[:3]):
        if chosen == post_id:
            score = max(score, 3 - rank)
    return score


def choice_rank(candidate: Candidate, post_id: str) -> int | None:
    """Return 1, 2 or 3 when the post is that choice of the candidate, else None."""
    for rank, chosen in enumerate(candidate.choices):
        if chosen == post_id:
            return rank + 1
    return None


def person_failures(candidate: Candidate, household: Household, tier: int | None) -> list[str]:
    """Return the person-level rules the candidate fails, in ``PERSON_RULES`` order."""
    failed = []
    if not not_excluded(candidate):
        failed.append("excluded")
    if not not_cadre(household):
        failed.append("cadre")
    if not in_priority_group(tier):
        failed.append("priority_group")
    return failed


def post_failures(candidate: Candidate, age: int, post: Post, only_chosen_posts: bool) -> list[str]:
    """Return the post-level rules the candidate fails for an in-scope post, in ``POST_RULES`` order."""
    failed = []
    if not has_slots(post):
        failed.append("slots")
    if not age_in_range(age, post):
        failed.append("age")
    if not labour_sufficient(candidate.labour, post):
        failed.append("labour")
    if only_chosen_posts and not among_choices(candidate, post.id):
        failed.append("chosen")
    return failed
