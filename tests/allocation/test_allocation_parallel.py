"""Two processes, one answer: the split into closed village groups changes no byte of the result."""

from __future__ import annotations

import json
import random

import pytest

import allocation
from allocation import parallel

FLAGS = ["flood_affected", "registered_poor", "monitoring", "low_income", "zero_employment", "disabled"]


def _problem(rnd: random.Random, scope: str, per_household: bool, protect: bool) -> dict:
    villages = []
    for i in range(16):
        # V07-V08 crosses a township line on purpose, so a neighbouring group spans two townships
        neighbours = [f"V{i + 1:02d}"] if i == 7 or (i % 4 != 3 and rnd.random() < 0.5) else []
        villages.append({"id": f"V{i:02d}", "township": f"T{i // 4}", "neighbours": neighbours})
    households = [
        {"id": f"H{i:03d}", "village": rnd.choice(villages)["id"], "flags": rnd.sample(FLAGS, rnd.randint(0, 2)),
         "cadre": rnd.random() < 0.05}
        for i in range(150)
    ]
    posts = [
        {"id": f"P{i:02d}", "village": rnd.choice(villages)["id"], "slots": rnd.randint(0, 3),
         "labour": rnd.choice(["none", "weak", "full"]), "name": f"路段{i}"}
        for i in range(40)
    ]
    township_of = {v["id"]: v["township"] for v in villages}
    candidates = []
    for i in range(260):
        household = rnd.choice(households)
        # choices mostly near home (so the halves are real), now and then far away (so groups merge)
        near = [p for p in posts if township_of[p["village"]] == township_of[household["village"]]] or posts
        pool = posts if rnd.random() < 0.003 else near
        current = rnd.choice(pool)["id"] if rnd.random() < 0.3 else None
        candidates.append({
            "id": f"C{rnd.randint(0, 99999):05d}-{i}",
            "household": household["id"],
            "birth_date": f"{rnd.randint(1955, 2005)}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}",
            "labour": rnd.choice(["none", "weak", "full"]),
            "choices": rnd.sample([p["id"] for p in pool], min(len(pool), rnd.randint(0, 3))),
            "current_post": current,
            "good_standing": current is not None and rnd.random() < 0.7,
            "excluded": "外出务工" if rnd.random() < 0.05 else None,
        })
    return {
        "reference_date": "2021-01-01",
        "settings": {"scope": scope, "one_post_per_household": per_household, "protect_incumbents": protect},
        "villages": villages,
        "households": households,
        "posts": posts,
        "candidates": candidates,
    }


@pytest.mark.parametrize("scope", ["village", "neighbouring", "township"])
def test_two_processes_write_the_same_bytes_as_one(scope, monkeypatch):
    rnd = random.Random(scope)
    split = 0
    for n in range(4):
        data = _problem(rnd, scope, per_household=n % 2 == 0, protect=n >= 2)
        problem = allocation.load_problem_json(json.dumps(data))
        halves = parallel.split_in_two(problem)
        split += bool(halves[0].candidates and halves[1].candidates)
        for lang in ("zh", "en"):
            one = allocation.dumps_result(allocation.solve(problem, lang=lang))
            monkeypatch.setattr(parallel, "PARALLEL_CANDIDATES", 0)
            two = parallel.solve_text(problem, lang=lang)
            monkeypatch.setattr(parallel, "PARALLEL_CANDIDATES", 10**9)
            assert two == one
    assert split >= 2  # most problems really were cut in two


def test_closed_groups_hold_every_scope():
    rnd = random.Random(4)
    data = _problem(rnd, "neighbouring", True, False)
    problem = allocation.load_problem_json(json.dumps(data))
    groups = parallel.closed_village_groups(problem)
    where = {v: i for i, group in enumerate(groups) for v in group}
    assert sorted(where) == sorted(v["id"] for v in data["villages"])
    for village in data["villages"]:
        for other in village["neighbours"]:
            assert where[village["id"]] == where[other]
    first, second = parallel.split_in_two(problem)
    assert len(first.candidates) + len(second.candidates) == len(problem.candidates)
    assert first.candidates and second.candidates
    assert {v.id for v in first.villages}.isdisjoint(v.id for v in second.villages)
