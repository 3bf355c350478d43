"""What the pages read of a stored run, kept beside it when it is stored.

A county's run is a 1 MB problem and a 1 MB result; a page that decoded both to show 100
rows (or one person's decision) spent most of its time in JSON. So a run also stores its
digest — per decision the person, name, tier, current and proposed post, pin and home
village, and the map of villages and posts with their codes and slots (about a tenth of the
size) — and each decision's own result record in a row of `run_decision`. Pages read the
digest and the records of the rows they show; the problem and the result are read only to
download or re-run them.

Pure functions of the stored problem and result (the migration that fills old runs uses them).
"""
from __future__ import annotations

from typing import Any


def key_id(key: str) -> int:
    """The database id inside a problem id ('P12' -> 12)."""
    return int(key[1:])


def run_digest(problem: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
    """The digest of a run: what sorting, filtering and counting its decisions needs."""
    household_village = {h["id"]: key_id(h["village"]) for h in problem["households"]}
    candidates = {c["id"]: c for c in problem["candidates"]}
    decisions = []
    for entry, placed in [(a, True) for a in result["assignments"]] + [(u, False) for u in result["unassigned"]]:
        cand = candidates[entry["candidate"]]
        decisions.append([
            key_id(entry["candidate"]), cand.get("name") or "", entry.get("tier"),
            key_id(cand["current_post"]) if cand["current_post"] else None,
            key_id(entry["post"]) if placed else None,
            cand.get("pinned_post") is not None, household_village[cand["household"]],
        ])
    return {
        "groups": problem["settings"]["priority_groups"],
        "villages": [[key_id(v["id"]), key_id(v["township"]), v.get("name") or v["id"]] for v in problem["villages"]],
        "posts": [[key_id(p["id"]), key_id(p["village"]), p.get("name") or p["id"], p["slots"]] for p in problem["posts"]],
        "tiers": result["tier_counts"],
        "decisions": decisions,
    }


def decision_records(run_id: int, result: dict[str, Any]) -> list[dict[str, Any]]:
    """One `run_decision` row per decision: the person, the result's own record for them, its place."""
    return [{"run_id": run_id, "person_id": key_id(e["candidate"]), "entry": e, "position": n}
            for n, e in enumerate(result["assignments"] + result["unassigned"])]


def result_head(result: dict[str, Any]) -> dict[str, Any]:
    """The result without its decisions (kept as decision records): `None` where each list stood."""
    return {key: None if key in ("assignments", "unassigned") else value for key, value in result.items()}
