"""Who fits which posts, computed once and shared by the solver and the explanations.

Posts of one village with the same requirements (age range, labour, open or
closed) form a *post group*: a candidate fits either every post of a group or
none of them, so fit is decided per group, not per post.  This keeps the work
per candidate proportional to the number of distinct requirements in scope,
not to the number of posts (a large township can have hundreds of posts).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import rules
from .model import Candidate, Post, Problem
from .validate import symmetric_neighbours, villages_by_township

#: A requirement key: (min_age, max_age, labour rank, has slots).
Key = tuple[int, int, int, bool]


@dataclass(slots=True)
class PostGroup:
    """Posts of one village that share one requirement key, sorted by id."""

    village: str
    township: str
    key: Key
    posts: list[Post] = field(default_factory=list)

    @property
    def slots(self) -> int:
        return sum(p.slots for p in self.posts)


@dataclass(slots=True)
class CandidateFit:
    """What one candidate fits.

    ``targets``: (hub, closeness) pairs; a hub is ``("V", village, key)`` (the
    posts of one post group) or ``("T", township, key)`` (the posts of that key
    in the whole township).  Every post behind a target fits.  ``direct``:
    post id -> (preference score, closeness, candidate id) for fitting posts
    that score above 0 (choices, or the post held in good standing).
    """

    candidate: Candidate
    village: str
    age: int
    tier: int | None
    person_failures: list[str]
    targets: tuple[tuple[tuple, int], ...]
    direct: dict[str, tuple[int, int, str]]

    @property
    def fits_any(self) -> bool:
        return bool(self.targets or self.direct)


_NO_FAILURES: list[str] = []  # shared, never mutated
_UNDECIDED = object()


def post_key(post: Post) -> Key:
    return (post.min_age, post.max_age, rules.LABOUR_RANK[post.labour], rules.has_slots(post))


class FitIndex:
    """Index of posts by village, township and requirement key, and the fit of each candidate."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.settings = problem.settings
        self.reference = problem.reference_date
        self.villages = {v.id: v for v in problem.villages}
        self.households = {h.id: h for h in problem.households}
        self.posts = {p.id: p for p in problem.posts}
        self.neighbours = symmetric_neighbours(problem.villages)
        self.township_villages = villages_by_township(problem.villages)
        groups = self.settings.priority_groups
        # Few distinct flag sets occur, so the tier is decided once per flag set.
        tier_of_flags: dict[frozenset[str], int | None] = {}
        self.tier = {}
        for h in problem.households:
            tier = tier_of_flags.get(h.flags, _UNDECIDED)
            if tier is _UNDECIDED:
                tier = tier_of_flags[h.flags] = rules.household_tier(h.flags, groups)
            self.tier[h.id] = tier

        # village -> key -> group; posts arrive sorted by id so groups stay sorted.
        self.village_groups: dict[str, dict[Key, PostGroup]] = {}
        for post in problem.posts:
            key = post_key(post)
            by_key = self.village_groups.setdefault(post.village, {})
            group = by_key.get(key)
            if group is None:
                group = by_key[key] = PostGroup(post.village, self.villages[post.village].township, key)
            group.posts.append(post)
        for village_id, by_key in self.village_groups.items():
            self.village_groups[village_id] = dict(sorted(by_key.items()))
        # township -> key -> groups (sorted by village id)
        self.township_groups: dict[str, dict[Key, list[PostGroup]]] = {}
        for village_id in sorted(self.village_groups):
            for key, group in self.village_groups[village_id].items():
                per_key = self.township_groups.setdefault(group.township, {})
                per_key.setdefault(key, []).append(group)
        for township, per_key in self.township_groups.items():
            self.township_groups[township] = dict(sorted(per_key.items()))
        # (village, age class, labour rank) -> targets: candidates of one
        # village whose age falls in the same post age ranges and with the same
        # labour fit exactly the same post groups, so this is computed once per
        # such triple, not once per candidate.
        self._targets: dict[tuple, tuple[tuple[tuple, int], ...]] = {}
        self._keys: dict[tuple, tuple[Key, ...]] = {}
        self._age_ranges = sorted({(p.min_age, p.max_age) for p in problem.posts})
        self._age_range_index = {r: i for i, r in enumerate(self._age_ranges)}
        self._age_classes: dict[int, tuple[bool, ...]] = {}
        self._scope: dict[str, tuple[str, ...]] = {}
        self._token_cache: dict[tuple, frozenset[int]] = {}
        self._ages: dict = {}
        place_of = (lambda p: self.villages[p.village].township) if self.settings.scope == "township" else (lambda p: p.village)
        # Each distinct (place, requirement) token gets a small number: sets of
        # numbers hash far faster than sets of nested tuples.
        self._token_number: dict[tuple, int] = {}
        self.post_token: dict[str, int] = {}
        for p in problem.posts:
            token = (place_of(p), post_key(p))
            self.post_token[p.id] = self._token_number.setdefault(token, len(self._token_number))
        self._class_number: dict[int, int] = {}
        self._class_tuples: dict[tuple[bool, ...], int] = {}
        self._scope_sets: dict[str, frozenset[str]] = {}
        self.post_village = {p.id: p.village for p in problem.posts}
        self._household_facts: dict[str, tuple[str, int | None, bool]] = {}
        # (village, age class number, labour) -> the tokens of _tokens(), one lookup per candidate
        self._shape_tokens: dict[tuple[str, int, int], frozenset[int]] = {}

    def scope_villages(self, village_id: str) -> tuple[str, ...]:
        """Return the villages in the candidate's scope, own village first."""
        found = self._scope.get(village_id)
        if found is None:
            found = self._scope[village_id] = rules.villages_in_scope(
                self.villages[village_id], self.settings.scope, self.neighbours, self.township_villages
            )
        return found

    def _in_scope(self, village_id: str, post: Post) -> bool:
        found = self._scope_sets.get(village_id)
        if found is None:
            found = self._scope_sets[village_id] = frozenset(self.scope_villages(village_id))
        return post.village in found

    def _age_class(self, age: int) -> tuple[bool, ...]:
        """Return which of the distinct post age ranges contain this age (fit depends on age only so)."""
        found = self._age_classes.get(age)
        if found is None:
            found = self._age_classes[age] = tuple(low <= age <= high for low, high in self._age_ranges)
        return found

    def _age_class_number(self, age: int) -> int:
        """Return a small number standing for the age class of this age."""
        found = self._class_number.get(age)
        if found is None:
            age_class = self._age_class(age)
            found = self._class_number[age] = self._class_tuples.setdefault(age_class, len(self._class_tuples))
        return found

    def _fitting_targets(self, village: str, age: int, labour: int) -> tuple[tuple[tuple, int], ...]:
        age_class = self._age_class(age)
        cache_key = (village, self._age_class_number(age), labour)
        found = self._targets.get(cache_key)
        if found is not None:
            return found
        targets = []
        if self.settings.scope == "township":
            township = self.villages[village].township
            own = self.village_groups.get(village, {})
            per_key = self.township_groups.get(township, {})
            for key in self._fitting_keys(("T", township), per_key, age_class, labour):
                if key in own:
                    targets.append((("V", village, key), 0))
                if len(per_key[key]) > 1 or key not in own:
                    targets.append((("T", township, key), 1))
        else:
            for other in self.scope_villages(village):
                distance = rules.closeness(village, other)
                own = self.village_groups.get(other, {})
                for key in self._fitting_keys(("V", other), own, age_class, labour):
                    targets.append((("V", other, key), distance))
        found = self._targets[cache_key] = tuple(targets)
        return found

    def _fitting_keys(self, place: tuple, keys, age_class: tuple[bool, ...], labour: int) -> tuple[Key, ...]:
        cache_key = (place, age_class, labour)
        found = self._keys.get(cache_key)
        if found is None:
            ranges = self._age_range_index
            found = self._keys[cache_key] = tuple(
                k for k in keys if k[3] and age_class[ranges[(k[0], k[1])]] and labour >= k[2]
            )
        return found

    def _tokens(self, village: str, age: int, labour: int) -> frozenset[int]:
        """Return the numbers of the (place, key) tokens of every post group this fit allows (all rules but "chosen")."""
        township_scope = self.settings.scope == "township"
        # With township scope the allowed groups do not depend on the village.
        place = self.villages[village].township if township_scope else village
        cache_key = (place, self._age_class_number(age), labour)
        found = self._token_cache.get(cache_key)
        if found is None:
            age_class = self._age_class(age)
            number = self._token_number
            if township_scope:
                keys = self._fitting_keys(("T", place), self.township_groups.get(place, {}), age_class, labour)
                found = frozenset(number[(place, k)] for k in keys)
            else:
                found = frozenset(
                    number[(other, k)]
                    for other in self.scope_villages(village)
                    for k in self._fitting_keys(("V", other), self.village_groups.get(other, {}), age_class, labour)
                )
            self._token_cache[cache_key] = found
        return found

    def _household(self, household_id: str) -> tuple[str, int | None, bool]:
        """Return (village, tier, may take a post as far as the household goes) for a household."""
        household = self.households[household_id]
        tier = self.tier[household_id]
        found = self._household_facts[household_id] = (household.village, tier, not household.cadre and tier is not None)
        return found

    def candidate_fit(self, cand: Candidate) -> CandidateFit:
        """Decide every fit rule for one candidate.

        Everything that depends only on the household, on the birth date, or on
        (village, age class, labour) is computed once and looked up here: a
        province has 300,000 candidates but far fewer distinct such keys.
        """
        facts = self._household_facts.get(cand.household)
        if facts is None:
            facts = self._household(cand.household)
        village, tier, household_ok = facts
        age = self._ages.get(cand.birth_date)
        if age is None:
            age = self._ages[cand.birth_date] = rules.age_at(cand.birth_date, self.reference)
        if cand.excluded is not None or not household_ok:
            household = self.households[cand.household]
            return CandidateFit(cand, village, age, tier, rules.person_failures(cand, household, tier), (), {})
        labour = rules.LABOUR_RANK[cand.labour]
        age_class = self._class_number.get(age)
        if age_class is None:
            age_class = self._age_class_number(age)
        only_chosen = self.settings.only_chosen_posts
        shape = (village, age_class, labour)
        if only_chosen:
            targets = ()
        else:
            targets = self._targets.get(shape)
            if targets is None:
                targets = self._fitting_targets(village, age, labour)
        current = cand.current_post if cand.good_standing else None
        if not cand.choices and current is None:
            return CandidateFit(cand, village, age, tier, _NO_FAILURES, targets, {})
        # A chosen or held post fits when its (place, requirement) token is
        # one this candidate's age, labour and scope allow: the same rules
        # as rules.post_failures, decided once per token instead of per post.
        tokens = self._shape_tokens.get(shape)
        if tokens is None:
            tokens = self._shape_tokens[shape] = self._tokens(village, age, labour)
        post_token = self.post_token
        post_village = self.post_village
        direct = {}
        for post_id in cand.choices:
            if post_token[post_id] in tokens:
                direct[post_id] = (rules.preference_score(cand, post_id), rules.closeness(village, post_village[post_id]), cand.id)
        if current is not None and current not in direct and post_token[current] in tokens and not only_chosen:
            direct[current] = (3, rules.closeness(village, post_village[current]), cand.id)
        return CandidateFit(cand, village, age, tier, _NO_FAILURES, targets, direct)

    def fits_post(self, fit: CandidateFit, post: Post) -> bool:
        """Return True when every fit rule holds for this candidate and post."""
        if fit.person_failures:
            return False
        if not self._in_scope(fit.village, post):
            return False
        return not rules.post_failures(fit.candidate, fit.age, post, self.settings.only_chosen_posts)

    def hub_groups(self, hub: tuple) -> list[PostGroup]:
        """Return the post groups behind a hub."""
        if hub[0] == "V":
            return [self.village_groups[hub[1]][hub[2]]]
        return self.township_groups[hub[1]][hub[2]]
