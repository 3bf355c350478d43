"""Plain data for one allocation round: the problem as read, the result as decided.

Everything here is data only; the rules live in ``rules.py``, the matching in
``solver.py`` and the sentences in ``explain.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

#: Household flags the office records (docs/domain.md, "What the register holds").
FLAGS = (
    "flood_affected",
    "registered_poor",
    "monitoring",
    "low_income",
    "zero_employment",
    "disabled",
)

#: Labour ability words, weakest first: ``none < weak < full``.
LABOUR_LEVELS = ("none", "weak", "full")

#: Where a candidate may work: own village, own or a neighbouring village, own township.
SCOPES = ("village", "neighbouring", "township")

#: The district's default priority order (docs/domain.md, "Priority").
DEFAULT_PRIORITY_GROUPS: tuple[tuple[str, ...], ...] = (
    ("flood_affected", "registered_poor"),
    ("registered_poor",),
    ("flood_affected",),
    ("monitoring",),
    ("low_income",),
    ("zero_employment",),
    ("disabled",),
    (),
)

DEFAULT_MIN_AGE = 18
DEFAULT_MAX_AGE = 60
DEFAULT_POST_LABOUR = "weak"
MAX_CHOICES = 3


@dataclass(slots=True)
class Settings:
    scope: str = "village"
    one_post_per_household: bool = True
    only_chosen_posts: bool = False
    protect_incumbents: bool = False
    priority_groups: tuple[tuple[str, ...], ...] = DEFAULT_PRIORITY_GROUPS


@dataclass(slots=True)
class Village:
    id: str
    township: str
    neighbours: tuple[str, ...] = ()
    name: str | None = None


@dataclass(slots=True)
class Household:
    id: str
    village: str
    flags: frozenset[str] = frozenset()
    cadre: bool = False
    name: str | None = None


@dataclass(slots=True)
class Post:
    id: str
    village: str
    slots: int
    min_age: int = DEFAULT_MIN_AGE
    max_age: int = DEFAULT_MAX_AGE
    labour: str = DEFAULT_POST_LABOUR
    name: str | None = None
    kind: str | None = None


@dataclass(slots=True)
class Candidate:
    id: str
    household: str
    birth_date: date
    labour: str
    choices: tuple[str, ...] = ()
    current_post: str | None = None
    good_standing: bool = False
    excluded: str | None = None
    pinned_post: str | None = None
    name: str | None = None


@dataclass(slots=True)
class Problem:
    """A validated problem; every list is sorted by id so record order never matters."""

    reference_date: date
    settings: Settings
    villages: list[Village]
    households: list[Household]
    posts: list[Post]
    candidates: list[Candidate]


@dataclass(slots=True)
class TierCount:
    tier: int
    group: tuple[str, ...]
    households_applying: int
    households_eligible: int
    households_placed: int
    candidates_applying: int
    candidates_placed: int


@dataclass(slots=True)
class Assignment:
    candidate: str
    post: str
    tier: int
    choice_rank: int | None
    stays: bool
    score: int
    basis: str  # "pinned" | "protected" | "matched"
    reason: str = ""
    # The reason in structure: parts with a code and parameters (see explain.py); ``reason``
    # is these parts in the words of the result's language.
    explanation: list = field(default_factory=list)


@dataclass(slots=True)
class Unassigned:
    candidate: str
    tier: int | None
    reason_code: str  # "not_eligible" | "household_served" | "outranked"
    reason: str = ""
    explanation: list = field(default_factory=list)


@dataclass(slots=True)
class Result:
    """The decision: every candidate is in exactly one of ``assignments`` and ``unassigned``."""

    status: str
    lang: str
    tier_counts: list[TierCount]
    assignments: list[Assignment]
    unassigned: list[Unassigned]
    candidates: int = 0
    placed: int = 0
    slots: int = 0
    preference_score: int = 0
    components: int = 0
