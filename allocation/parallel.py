"""Solve a large problem on two cores: split it into two halves nobody's scope crosses.

A candidate can only ever take, or be told about, posts in their scope: their
own village (``village``), their township (``township``), or their village and
its neighbours (``neighbouring``).  So the villages fall into *closed groups*
(a village, a township, or a connected set of neighbours) whose candidates see
nothing outside the group.  Each group is decided exactly as it would be in
one run: the same units, the same flow graphs in the same order, the same
reasons.  Two halves made of whole groups are therefore solved independently
(one in a forked child, one here), and their records merged by candidate id
give the same bytes as a single run; tests hold the two paths together.
"""

from __future__ import annotations

import os
import pickle
import sys

from .api import assemble_text, assignment_lines, solve, unassigned_lines
from .model import Problem, Result, TierCount, Village
from .validate import symmetric_neighbours

#: Below this many candidates a second process costs more than it saves.
PARALLEL_CANDIDATES = 60_000
#: The share of candidates solved in the command's own process (measured on a province).
FIRST_SHARE = 0.53


def closed_village_groups(problem: Problem) -> list[list[str]]:
    """Return groups of village ids that no candidate's scope or named post crosses, each sorted.

    A group holds whole scopes (a village, a township, or neighbours linked
    together) and, since reasons name chosen posts even outside the scope, the
    villages of every post a candidate names (choice, current or pinned post).
    """
    parent = {v.id: v.id for v in problem.villages}

    def find(v: str) -> str:
        while parent[v] != v:
            parent[v] = parent[parent[v]]
            v = parent[v]
        return v

    def join(a: str, b: str) -> None:
        a, b = find(a), find(b)
        if a != b:
            parent[max(a, b)] = min(a, b)

    scope = problem.settings.scope
    if scope == "township":
        first_of: dict[str, str] = {}
        for village in problem.villages:
            join(first_of.setdefault(village.township, village.id), village.id)
    elif scope == "neighbouring":
        for village, others in symmetric_neighbours(problem.villages).items():
            for other in others:
                join(village, other)
    household_village = {h.id: h.village for h in problem.households}
    post_village = {p.id: p.village for p in problem.posts}
    links: set[tuple[str, str]] = set()
    for cand in problem.candidates:
        if cand.choices or cand.current_post is not None or cand.pinned_post is not None:
            home = household_village[cand.household]
            for post_id in cand.choices:
                links.add((home, post_village[post_id]))
            if cand.current_post is not None:
                links.add((home, post_village[cand.current_post]))
            if cand.pinned_post is not None:
                links.add((home, post_village[cand.pinned_post]))
    for a, b in links:
        if a != b:
            join(a, b)
    groups: dict[str, list[str]] = {}
    for village in problem.villages:
        groups.setdefault(find(village.id), []).append(village.id)
    return sorted(groups.values())


def split_in_two(problem: Problem) -> tuple[Problem, Problem]:
    """Split a problem into two sub-problems of whole closed groups, about equal in candidates."""
    first = first_half_villages(problem)
    return _sub_problem(problem, first, True), _sub_problem(problem, first, False)


def first_half_villages(problem: Problem) -> set[str]:
    """Return the villages of the first half: whole closed groups, in order, up to half the candidates."""
    households = {h.id: h.village for h in problem.households}
    per_village: dict[str, int] = {}
    for cand in problem.candidates:
        village = households[cand.household]
        per_village[village] = per_village.get(village, 0) + 1
    first: set[str] = set()
    taken = 0
    # The command's own process takes a little more: the child also has to
    # send its records back, which the parent waits for.
    half = len(problem.candidates) * FIRST_SHARE
    for group in closed_village_groups(problem):
        if taken >= half:
            break
        first.update(group)
        taken += sum(per_village.get(v, 0) for v in group)
    return first


def _sub_problem(problem: Problem, first: set[str], inside: bool) -> Problem:
    villages = [v for v in problem.villages if (v.id in first) == inside]
    kept = {v.id for v in villages}
    # Neighbours outside a closed group only exist with village or township
    # scope, where they play no part; dropping them keeps the part self-contained.
    villages = [
        v if all(n in kept for n in v.neighbours) else Village(v.id, v.township, tuple(n for n in v.neighbours if n in kept), v.name)
        for v in villages
    ]
    households = [h for h in problem.households if h.village in kept]
    household_ids = {h.id for h in households}
    return Problem(
        reference_date=problem.reference_date,
        settings=problem.settings,
        villages=villages,
        households=households,
        posts=[p for p in problem.posts if p.village in kept],
        candidates=[c for c in problem.candidates if c.household in household_ids],
    )


def _solved_part(problem: Problem, lang: str) -> tuple:
    """Solve one part; return its result without records, and its record lines with their candidate ids."""
    result = solve(problem, lang=lang)
    head = Result(result.status, result.lang, result.tier_counts, [], [], result.candidates, result.placed,
                  result.slots, result.preference_score, result.components)
    # Lines are sent as one text each way (a JSON line holds no raw newline):
    # one long string pickles far faster than 150,000 short ones.
    return (
        head,
        [a.candidate for a in result.assignments],
        "\n".join(assignment_lines(result)),
        [u.candidate for u in result.unassigned],
        "\n".join(unassigned_lines(result)),
    )


def solve_text(problem: Problem, *, lang: str = "zh") -> str:
    """Solve and return the canonical result text, on two processes when the problem is large.

    The bytes are those of ``dumps_result(solve(problem, lang=lang))``.
    """
    if len(problem.candidates) < PARALLEL_CANDIDATES or (os.cpu_count() or 1) < 2 or not hasattr(os, "fork"):
        result = solve(problem, lang=lang)
        return assemble_text(result, assignment_lines(result), unassigned_lines(result))
    # Each process cuts out its own half after the fork, so that work runs in parallel too.
    first = first_half_villages(problem)
    read_end, write_end = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child solves the second half and sends it back
        status = 0
        try:
            os.close(read_end)
            payload = ("ok", _solved_part(_sub_problem(problem, first, False), lang))
        except BaseException as exc:  # noqa: BLE001 - reported to the parent, which decides
            payload = ("error", f"{type(exc).__name__}: {exc}")
            status = 1
        try:
            with os.fdopen(write_end, "wb") as pipe:
                pickle.dump(payload, pipe, protocol=pickle.HIGHEST_PROTOCOL)
        finally:
            os._exit(status)
    os.close(write_end)
    try:
        mine = _solved_part(_sub_problem(problem, first, True), lang)
    finally:
        with os.fdopen(read_end, "rb") as pipe:
            data = pipe.read()
        os.waitpid(pid, 0)
    if not data:
        raise RuntimeError("the second process ended without a result")
    kind, theirs = pickle.loads(data)
    if kind != "ok":
        raise RuntimeError(f"the second process failed: {theirs}")
    return _merged_text(mine, theirs)


def _merged_text(a: tuple, b: tuple) -> str:
    head_a, head_b = a[0], b[0]
    tiers = [
        TierCount(x.tier, x.group, x.households_applying + y.households_applying, x.households_eligible + y.households_eligible,
                  x.households_placed + y.households_placed, x.candidates_applying + y.candidates_applying,
                  x.candidates_placed + y.candidates_placed)
        for x, y in zip(head_a.tier_counts, head_b.tier_counts)
    ]
    head = Result(head_a.status, head_a.lang, tiers, [], [], head_a.candidates + head_b.candidates,
                  head_a.placed + head_b.placed, head_a.slots + head_b.slots,
                  head_a.preference_score + head_b.preference_score, head_a.components + head_b.components)
    # Both halves list their records by candidate id, and ids are unique, so
    # sorting (id, line) pairs never compares lines; the sort finds the two runs.
    assignments = [line for _, line in sorted([*zip(a[1], _lines(a[2])), *zip(b[1], _lines(b[2]))])]
    unassigned = [line for _, line in sorted([*zip(a[3], _lines(a[4])), *zip(b[3], _lines(b[4]))])]
    return assemble_text(head, assignments, unassigned)


def _lines(text: str) -> list[str]:
    return text.split("\n") if text else []
