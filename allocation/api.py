"""The public entry points: problem in, result out, as dataclasses or as plain dicts."""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from . import rules
from .explain import LANGUAGES, Explainer
from .model import Assignment, Problem, Result, TierCount, Unassigned
from .solver import allocate
from .validate import ProblemError, load_problem_json, parse_problem


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: a province run creates millions of
    acyclic objects, and full collections over them cost more than the solve."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def solve(problem: Problem, *, lang: str = "zh") -> Result:
    """Allocate posts for a validated problem and explain every decision in ``lang`` ("zh" or "en")."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r} (allowed: {', '.join(LANGUAGES)})")
    with gc_paused():
        return _solve(problem, lang)


def _solve(problem: Problem, lang: str) -> Result:
    outcome = allocate(problem)
    index = outcome.index
    fits = outcome.fits
    placements = outcome.placements
    explainer = Explainer(index, placements, lang)
    per_household = problem.settings.one_post_per_household

    placed_in_household: dict[str, str] = {}
    for cand_id in sorted(placements):
        placed_in_household.setdefault(fits[cand_id].candidate.household, cand_id)

    assignments: list[Assignment] = []
    unassigned: list[Unassigned] = []
    for cand in problem.candidates:
        fit = fits[cand.id]
        placement = placements.get(cand.id)
        if placement is not None:
            rank = rules.choice_rank(cand, placement.post)
            assignments.append(
                Assignment(
                    candidate=cand.id,
                    post=placement.post,
                    tier=placement.tier,
                    choice_rank=rank,
                    stays=cand.current_post == placement.post,
                    score=placement.score,
                    basis=placement.basis,
                    reason=explainer.assigned(fit, placement, rank),
                )
            )
        elif not fit.fits_any:
            unassigned.append(Unassigned(cand.id, fit.tier, "not_eligible", explainer.not_eligible(fit)))
        elif per_household and cand.household in placed_in_household:
            other = placements[placed_in_household[cand.household]]
            unassigned.append(Unassigned(cand.id, fit.tier, "household_served", explainer.household_served(fit, other)))
        else:
            unassigned.append(Unassigned(cand.id, fit.tier, "outranked", explainer.outranked(fit)))

    return Result(
        status="optimal",
        lang=lang,
        tier_counts=_tier_counts(problem, fits, placements),
        assignments=assignments,
        unassigned=unassigned,
        candidates=len(problem.candidates),
        placed=len(assignments),
        slots=sum(p.slots for p in problem.posts),
        preference_score=sum(a.score for a in assignments),
        components=outcome.components,
    )


def _tier_counts(problem: Problem, fits: dict, placements: dict) -> list[TierCount]:
    groups = problem.settings.priority_groups
    applying: list[set[str]] = [set() for _ in groups]
    eligible: list[set[str]] = [set() for _ in groups]
    placed: list[set[str]] = [set() for _ in groups]
    cand_applying = [0] * len(groups)
    cand_placed = [0] * len(groups)
    for cand in problem.candidates:
        fit = fits[cand.id]
        if fit.tier is None:
            continue
        i = fit.tier - 1
        applying[i].add(cand.household)
        cand_applying[i] += 1
        if fit.fits_any or cand.id in placements:
            eligible[i].add(cand.household)
        if cand.id in placements:
            placed[i].add(cand.household)
            cand_placed[i] += 1
    return [
        TierCount(i + 1, group, len(applying[i]), len(eligible[i]), len(placed[i]), cand_applying[i], cand_placed[i])
        for i, group in enumerate(groups)
    ]


def result_to_dict(result: Result) -> dict[str, Any]:
    """Return the result as plain JSON-ready data with a fixed key order."""
    return {
        "status": result.status,
        "lang": result.lang,
        "summary": {
            "candidates": result.candidates,
            "placed": result.placed,
            "slots": result.slots,
            "preference_score": result.preference_score,
            "components": result.components,
        },
        "tier_counts": [
            {
                "tier": t.tier,
                "group": list(t.group),
                "households_applying": t.households_applying,
                "households_eligible": t.households_eligible,
                "households_placed": t.households_placed,
                "candidates_applying": t.candidates_applying,
                "candidates_placed": t.candidates_placed,
            }
            for t in result.tier_counts
        ],
        "assignments": [
            {
                "candidate": a.candidate,
                "post": a.post,
                "tier": a.tier,
                "choice_rank": a.choice_rank,
                "stays": a.stays,
                "score": a.score,
                "basis": a.basis,
                "reason": a.reason,
            }
            for a in result.assignments
        ],
        "unassigned": [
            {"candidate": u.candidate, "tier": u.tier, "reason_code": u.reason_code, "reason": u.reason}
            for u in result.unassigned
        ],
    }


def dumps_result(result: Result | dict[str, Any]) -> str:
    """Serialise a result to the canonical JSON text.

    Fixed key order, characters written as UTF-8 (no ``\\u`` escapes), two-space
    indent for the outer structure and one line per record, final newline.
    One line per record keeps the C JSON encoder (``indent`` would force the
    pure-Python one, ten times slower on a province) and diffs stay readable.
    """
    data = result if isinstance(result, dict) else result_to_dict(result)
    dump = json.JSONEncoder(ensure_ascii=False).encode
    lines = ["{"]
    keys = list(data)
    for n, key in enumerate(keys):
        value = data[key]
        end = "," if n + 1 < len(keys) else ""
        if isinstance(value, list) and value:
            lines.append(f"  {dump(key)}: [")
            last = len(value) - 1
            lines.extend(f"    {dump(item)}{',' if i < last else ''}" for i, item in enumerate(value))
            lines.append(f"  ]{end}")
        else:
            lines.append(f"  {dump(key)}: {dump(value)}{end}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def solve_dict(problem: dict[str, Any], *, lang: str = "zh") -> dict[str, Any]:
    """Validate a problem dict, solve it and return the result dict; raise ``ProblemError`` on bad input."""
    with gc_paused():
        return result_to_dict(solve(parse_problem(problem), lang=lang))


def solve_json(text: str | bytes, *, lang: str = "zh") -> str:
    """Solve a problem given as JSON text and return the canonical result JSON text."""
    with gc_paused():
        return dumps_result(solve(load_problem_json(text), lang=lang))


__all__ = [
    "ProblemError",
    "dumps_result",
    "load_problem_json",
    "parse_problem",
    "result_to_dict",
    "solve",
    "solve_dict",
    "solve_json",
]
