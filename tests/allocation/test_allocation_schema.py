"""The published JSON Schema says what the reader and writer actually do."""

from __future__ import annotations

import json
import pathlib

import allocation
from allocation import validate

SCHEMA = json.loads((pathlib.Path(allocation.__file__).parent / "schema.json").read_text(encoding="utf-8"))
DEFS = SCHEMA["$defs"]


def props(definition: dict) -> set[str]:
    return set(definition["properties"])


def test_problem_fields_match_the_reader():
    problem = DEFS["problem"]
    assert props(problem) == set(validate._TOP_KEYS)
    assert set(problem["required"]) == set(validate._TOP_REQUIRED)
    assert props(problem["properties"]["settings"]) == set(validate._SETTINGS_KEYS)
    for section, keys, required in [
        ("villages", validate._VILLAGE_KEYS, validate._VILLAGE_REQUIRED),
        ("households", validate._HOUSEHOLD_KEYS, validate._HOUSEHOLD_REQUIRED),
        ("posts", validate._POST_KEYS, validate._POST_REQUIRED),
        ("candidates", validate._CANDIDATE_KEYS, validate._CANDIDATE_REQUIRED),
    ]:
        item = problem["properties"][section]["items"]
        assert props(item) == set(keys), section
        assert set(item["required"]) == set(required), section


def test_result_fields_match_the_writer(make_problem, candidate):
    result = allocation.solve_dict(make_problem(candidates=[candidate("C1"), candidate("C2")]))
    schema = DEFS["result"]
    assert list(result) == list(schema["properties"])
    assert set(result["summary"]) == props(schema["properties"]["summary"])
    assert set(result["tier_counts"][0]) == props(schema["properties"]["tier_counts"]["items"])
    assert list(result["assignments"][0]) == list(schema["properties"]["assignments"]["items"]["properties"])
    assert list(result["unassigned"][0]) == list(schema["properties"]["unassigned"]["items"]["properties"])


def test_schema_defaults_match_the_model():
    settings = DEFS["problem"]["properties"]["settings"]["properties"]
    defaults = allocation.Settings()
    assert settings["scope"]["default"] == defaults.scope
    assert settings["one_post_per_household"]["default"] == defaults.one_post_per_household
    assert [tuple(g) for g in settings["priority_groups"]["default"]] == list(defaults.priority_groups)
    post = DEFS["problem"]["properties"]["posts"]["items"]["properties"]
    assert (post["min_age"]["default"], post["max_age"]["default"], post["labour"]["default"]) == (18, 60, "weak")
