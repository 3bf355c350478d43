"""The public entry points: problem in, result out, as dataclasses or as plain dicts."""

from __future__ import annotations

import gc
import json
from json.encoder import encode_basestring
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from . import rules
from .explain import LANGUAGES, Explainer, Renderer
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
    words = Renderer(problem, lang)
    per_household = problem.settings.one_post_per_household

    placed_in_household: dict[str, str] = {}
    for cand_id in sorted(placements):
        placed_in_household.setdefault(fits[cand_id].candidate.household, cand_id)

    assignments: list[Assignment] = []
    unassigned: list[Unassigned] = []
    # ``fits`` holds every candidate in id order (the problem's order).
    for fit in fits.values():
        cand = fit.candidate
        placement = placements.get(cand.id)
        if placement is not None:
            rank = rules.choice_rank(cand, placement.post)
            parts = explainer.assigned(fit, placement, rank)
            assignments.append(
                Assignment(
                    cand.id,
                    placement.post,
                    placement.tier,
                    rank,
                    cand.current_post == placement.post,
                    placement.score,
                    placement.basis,
                    words(parts),
                    parts,
                )
            )
        else:
            if not (fit.targets or fit.direct):
                code, parts = "not_eligible", explainer.not_eligible(fit)
            elif per_household and cand.household in placed_in_household:
                other = placements[placed_in_household[cand.household]]
                code, parts = "household_served", explainer.household_served(fit, other)
            else:
                code, parts = "outranked", explainer.outranked(fit)
            unassigned.append(Unassigned(cand.id, fit.tier, code, words(parts), parts))

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
    # household -> 4 * tier + (1 if eligible) + (2 if placed); every member shares the tier.
    state: dict[str, int] = {}
    cand_applying = [0] * (len(groups) + 1)
    cand_placed = [0] * (len(groups) + 1)
    get = state.get
    for fit in fits.values():
        cand = fit.candidate
        tier = fit.tier
        if tier is None:
            continue
        cand_applying[tier] += 1
        if cand.id in placements:
            cand_placed[tier] += 1
            bits = 3
        else:
            bits = 1 if fit.targets or fit.direct else 0
        state[cand.household] = get(cand.household, 4 * tier) | bits
    applying = [0] * (len(groups) + 1)
    eligible = [0] * (len(groups) + 1)
    placed = [0] * (len(groups) + 1)
    for value in state.values():
        tier = value >> 2
        applying[tier] += 1
        eligible[tier] += value & 1
        placed[tier] += (value >> 1) & 1
    return [
        TierCount(i + 1, group, applying[i + 1], eligible[i + 1], placed[i + 1], cand_applying[i + 1], cand_placed[i + 1])
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
                "explanation": a.explanation,
            }
            for a in result.assignments
        ],
        "unassigned": [
            {"candidate": u.candidate, "tier": u.tier, "reason_code": u.reason_code, "reason": u.reason,
             "explanation": u.explanation}
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
    if isinstance(result, Result):
        return _dumps_records(result)
    return _dumps_data(result)


def _dumps_data(data: dict[str, Any]) -> str:
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


def _dumps_records(result: Result) -> str:
    """The same text as ``_dumps_data(result_to_dict(result))``, written record by record.

    A province has 300,000 records: building a dict for each and handing it to
    the encoder cost more than the matching.  Strings go through the encoder's
    own string escaper, numbers and words are written as the encoder writes
    them, so the bytes are the same (a test holds the two paths together).
    """
    return assemble_text(result, assignment_lines(result), unassigned_lines(result))


_WORDS = {None: "null", True: "true", False: "false"}


def assignment_lines(result: Result) -> list[str]:
    """Return one canonical JSON line per assignment, in the result's order."""
    text = encode_basestring
    words = _WORDS
    ids: dict[str, str] = {}

    def ident(value: str) -> str:
        found = ids.get(value)
        if found is None:
            found = ids[value] = text(value)
        return found

    parts = _parts_encoder()
    return [
        f'{{"candidate": {text(a.candidate)}, "post": {ident(a.post)}, "tier": {words[a.tier] if a.tier is None else a.tier}, '
        f'"choice_rank": {words[a.choice_rank] if a.choice_rank is None else a.choice_rank}, '
        f'"stays": {words[a.stays]}, "score": {a.score}, "basis": "{a.basis}", "reason": {text(a.reason)}, '
        f'"explanation": {parts(a.explanation)}}}'
        for a in result.assignments
    ]


def _parts_encoder() -> Any:
    """Encode explanation parts as the generic writer does, once per shared parts list."""
    dump = json.JSONEncoder(ensure_ascii=False).encode
    seen: dict[int, tuple[list, str]] = {}

    def encode(parts: list) -> str:
        found = seen.get(id(parts))
        if found is None or found[0] is not parts:
            found = seen[id(parts)] = (parts, dump(parts))
        return found[1]

    return encode


def unassigned_lines(result: Result) -> list[str]:
    """Return one canonical JSON line per unassigned candidate, in the result's order."""
    text = encode_basestring
    words = _WORDS
    parts = _parts_encoder()
    return [
        f'{{"candidate": {text(u.candidate)}, "tier": {words[u.tier] if u.tier is None else u.tier}, '
        f'"reason_code": "{u.reason_code}", "reason": {text(u.reason)}, "explanation": {parts(u.explanation)}}}'
        for u in result.unassigned
    ]


def assemble_text(result: Result, assignments: list[str], unassigned: list[str]) -> str:
    """Return the canonical text of ``result``'s summary and tier counts with these record lines."""
    head = result_to_dict(Result(result.status, result.lang, result.tier_counts, [], [], result.candidates,
                                 result.placed, result.slots, result.preference_score, result.components))
    out = [_dumps_data(head)[: -len(_EMPTY_TAIL)]]
    for name, lines, end in (("assignments", assignments, ","), ("unassigned", unassigned, "")):
        if not lines:
            out.append(f'  "{name}": []{end}\n')
            continue
        out.append(f'  "{name}": [\n    ')
        out.append(",\n    ".join(lines))
        out.append(f"\n  ]{end}\n")
    out.append("}\n")
    return "".join(out)


#: How the generic writer ends a result whose two record lists are empty.
_EMPTY_TAIL = '  "assignments": [],\n  "unassigned": []\n}\n'


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
