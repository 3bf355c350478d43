"""The priority order: which group a household falls in (one place for the rule)."""
from __future__ import annotations

from typing import Iterable, Sequence


def priority_tier(flags: Iterable[str], groups: Sequence[Sequence[str]], *, cadre: bool = False) -> int | None:
    """1 + the index of the first group whose flags the household all has; None if none.

    An empty group matches every household, so with the default order everyone
    eligible has a tier. Village-cadre households are excluded from posts and get none.
    """
    if cadre:
        return None
    have = set(flags)
    for index, group in enumerate(groups):
        if set(group) <= have:
            return index + 1
    return None
