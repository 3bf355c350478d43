"""One test (or a few) per rule, and the edge cases the issue lists."""

from __future__ import annotations

import ast
import pathlib
import sys
from datetime import date

import pytest

import allocation
from allocation import rules


def by_candidate(result):
    out = {a["candidate"]: a for a in result["assignments"]}
    out.update({u["candidate"]: u for u in result["unassigned"]})
    return out


# -- age -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("birth", "reference", "age"),
    [
        ("2000-02-29", "2021-02-28", 20),  # no birthday yet in a common year
        ("2000-02-29", "2021-03-01", 21),
        ("2000-02-29", "2024-02-28", 23),
        ("2000-02-29", "2024-02-29", 24),
        ("1961-01-01", "2021-01-01", 60),  # the birthday itself counts
        ("1960-12-31", "2021-01-01", 60),
        ("1961-01-02", "2021-01-01", 59),
    ],
)
def test_age_at(birth, reference, age):
    assert rules.age_at(date.fromisoformat(birth), date.fromisoformat(reference)) == age


def test_age_range_is_inclusive_at_both_ends(make_problem, post, candidate):
    problem = make_problem(
        posts=[post("P1", min_age=18, max_age=60)],
        candidates=[candidate("C1", birth_date="1961-01-01")],  # exactly 60
    )
    assert allocation.solve_dict(problem)["assignments"][0]["post"] == "P1"
    problem["candidates"][0]["birth_date"] = "1960-01-02"  # still 60, turns 61 tomorrow
    assert allocation.solve_dict(problem)["assignments"]
    problem["candidates"][0]["birth_date"] = "1959-12-31"  # 61
    result = allocation.solve_dict(problem, lang="en")
    assert result["unassigned"][0]["reason_code"] == "not_eligible"
    assert "needs age 18-60, this person is 61" in result["unassigned"][0]["reason"]


def test_labour_order(make_problem, post, candidate):
    problem = make_problem(posts=[post("P1", labour="full")], candidates=[candidate("C1", labour="weak")])
    result = allocation.solve_dict(problem)
    assert result["unassigned"][0]["reason_code"] == "not_eligible"
    assert "要求全劳力，本人是弱劳力" in result["unassigned"][0]["reason"]
    problem["posts"][0]["labour"] = "none"
    assert allocation.solve_dict(problem)["assignments"]


# -- scope -----------------------------------------------------------------------


def scope_problem(make_problem, village, household, post, candidate, scope):
    return make_problem(
        villages=[village("V1", "T1", neighbours=["V2"]), village("V2", "T1"), village("V3", "T1")],
        households=[household("H1", "V2")],
        posts=[post("P1", "V1"), post("P3", "V3")],
        candidates=[candidate("C1", "H1")],
        settings={"scope": scope},
    )


def test_village_scope_keeps_to_the_own_village(make_problem, village, household, post, candidate):
    result = allocation.solve_dict(scope_problem(make_problem, village, household, post, candidate, "village"))
    assert result["unassigned"][0]["reason_code"] == "not_eligible"
    assert "本村没有岗位" in result["unassigned"][0]["reason"]


def test_neighbours_are_symmetric(make_problem, village, household, post, candidate):
    # V1 lists V2; the candidate lives in V2 and may still take V1's post.
    result = allocation.solve_dict(scope_problem(make_problem, village, household, post, candidate, "neighbouring"))
    assert [a["post"] for a in result["assignments"]] == ["P1"]


def test_township_scope(make_problem, village, household, post, candidate):
    problem = scope_problem(make_problem, village, household, post, candidate, "township")
    problem["posts"][0]["slots"] = 0
    result = allocation.solve_dict(problem)
    assert [a["post"] for a in result["assignments"]] == ["P3"]
    problem["villages"][2]["township"] = "T2"
    result = allocation.solve_dict(problem, lang="en")
    assert result["unassigned"][0]["reason_code"] == "not_eligible"
    assert "P1 has no slots" in result["unassigned"][0]["reason"]


# -- person rules ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"candidate": {"excluded": "stable employment"}}, "excluded (stable employment)"),
        ({"household": {"cadre": True}}, "village-cadre household"),
        ({"household": {"flags": []}, "settings": {"priority_groups": [["registered_poor"]]}}, "in no priority group"),
    ],
)
def test_person_rules(make_problem, household, candidate, change, words):
    problem = make_problem(
        households=[household("H1", **change.get("household", {}))],
        candidates=[candidate("C1", **change.get("candidate", {}))],
        settings=change.get("settings"),
    )
    result = allocation.solve_dict(problem, lang="en")
    (entry,) = result["unassigned"]
    assert entry["reason_code"] == "not_eligible"
    assert words in entry["reason"]


def test_household_in_no_group_has_no_tier(make_problem, household, candidate):
    problem = make_problem(households=[household("H1", flags=[])], settings={"priority_groups": [["disabled"]]})
    assert allocation.solve_dict(problem)["unassigned"][0]["tier"] is None


def test_only_chosen_posts(make_problem, post, candidate):
    problem = make_problem(
        posts=[post("P1"), post("P2")], candidates=[candidate("C1", choices=["P2"])], settings={"only_chosen_posts": True}
    )
    problem["posts"][1]["slots"] = 0
    result = allocation.solve_dict(problem, lang="en")
    (entry,) = result["unassigned"]
    assert entry["reason_code"] == "not_eligible"
    assert "P2 has no slots" in entry["reason"] and "P1 is not among the choices" in entry["reason"]


# -- capacity and priority ---------------------------------------------------------


def test_one_household_three_applicants(make_problem, candidate):
    problem = make_problem(candidates=[candidate("C1"), candidate("C2"), candidate("C3", name="李四")])
    problem["posts"][0]["slots"] = 3
    result = allocation.solve_dict(problem)
    assert len(result["assignments"]) == 1
    placed = result["assignments"][0]["candidate"]
    served = [u for u in result["unassigned"] if u["reason_code"] == "household_served"]
    assert len(served) == 2
    assert all(placed in u["reason"] for u in served)
    problem["settings"]["one_post_per_household"] = False
    assert len(allocation.solve_dict(problem)["assignments"]) == 3


def test_strict_tier_beats_any_preference(make_problem, household, post, candidate):
    # One slot: a tier-1 household with no choices beats three tier-2 households that chose it first.
    households = [household("H0", flags=["flood_affected", "registered_poor"])] + [
        household(f"H{i}", flags=["registered_poor"]) for i in (1, 2, 3)
    ]
    candidates = [candidate("C0", "H0")] + [candidate(f"C{i}", f"H{i}", choices=["P1"]) for i in (1, 2, 3)]
    result = allocation.solve_dict(make_problem(households=households, candidates=candidates), lang="en")
    assert [a["candidate"] for a in result["assignments"]] == ["C0"]
    outranked = by_candidate(result)["C1"]
    assert outranked["reason_code"] == "outranked"
    assert "have 1 slots, all taken" in outranked["reason"] and "lowest is tier 1" in outranked["reason"]


def test_tiers_are_lexicographic_not_greedy(make_problem, household, post, candidate):
    # Tier 1 fits P1 and P2 and wants P1; tier 2 fits only P1.  Placing the
    # tier-2 household outranks tier 1's wish: tier 1 moves to P2.
    problem = make_problem(
        households=[household("H1", flags=["flood_affected", "registered_poor"]), household("H2", flags=["registered_poor"])],
        posts=[post("P1", labour="none"), post("P2", labour="full")],
        candidates=[candidate("C1", "H1", labour="full", choices=["P1"]), candidate("C2", "H2", labour="none")],
    )
    result = allocation.solve_dict(problem)
    assert {a["candidate"]: a["post"] for a in result["assignments"]} == {"C1": "P2", "C2": "P1"}


def test_many_lower_tier_units_never_outvote_one_higher(make_problem, village, household, post, candidate):
    # 1 tier-1 household fits only P1; 40 tier-8 households fit P1 and nothing else.
    households = [household("H000", flags=["flood_affected", "registered_poor"])] + [
        household(f"H{i:03d}", flags=[]) for i in range(1, 41)
    ]
    candidates = [candidate("C000", "H000")] + [candidate(f"C{i:03d}", f"H{i:03d}", choices=["P1"]) for i in range(1, 41)]
    result = allocation.solve_dict(make_problem(households=households, candidates=candidates))
    assert [a["candidate"] for a in result["assignments"]] == ["C000"]


def test_custom_group_order(make_problem, household, candidate):
    households = [household("HF", flags=["flood_affected"]), household("HP", flags=["registered_poor"])]
    candidates = [candidate("CF", "HF"), candidate("CP", "HP")]
    poor_first = make_problem(
        households=households, candidates=candidates, settings={"priority_groups": [["registered_poor"], ["flood_affected"]]}
    )
    flood_first = make_problem(
        households=households, candidates=candidates, settings={"priority_groups": [["flood_affected"], ["registered_poor"]]}
    )
    assert allocation.solve_dict(poor_first)["assignments"][0]["candidate"] == "CP"
    assert allocation.solve_dict(flood_first)["assignments"][0]["candidate"] == "CF"


def test_a_tier_with_nobody(make_problem, household, candidate):
    result = allocation.solve_dict(make_problem(households=[household("H1", flags=["disabled"])]))
    rows = {row["tier"]: row for row in result["tier_counts"]}
    assert len(rows) == 8
    assert rows[1]["households_applying"] == 0 and rows[1]["households_placed"] == 0
    assert rows[7]["households_applying"] == 1 and rows[7]["households_placed"] == 1


def test_preference_then_closeness(make_problem, village, household, post, candidate):
    villages = [village("V1"), village("V2")]
    posts = [post("P1", "V1"), post("P2", "V2")]
    settings = {"scope": "township"}
    # A third choice in another village beats an unchosen post at home ...
    chooser = make_problem(
        villages=villages, posts=posts, candidates=[candidate("C1", choices=["P8", "P9", "P2"])], settings=settings
    )
    chooser["posts"] += [post("P8", "V1", slots=0), post("P9", "V1", slots=0)]
    result = allocation.solve_dict(chooser)
    assert result["assignments"][0]["post"] == "P2"
    # ... and with no choices the post at home wins the tie.
    homebody = make_problem(villages=villages, posts=posts, candidates=[candidate("C1")], settings=settings)
    assert allocation.solve_dict(homebody)["assignments"][0]["post"] == "P1"


def test_preference_score_counts(make_problem, post, candidate):
    problem = make_problem(
        posts=[post("P1"), post("P2"), post("P3")],
        candidates=[candidate("C1", choices=["P3", "P2", "P1"], current_post="P1", good_standing=True)],
    )
    (a,) = allocation.solve_dict(problem)["assignments"]
    assert a["score"] == 3 and a["post"] in ("P1", "P3")


# -- optional settings: incumbents and pins ----------------------------------------


def test_protect_incumbents_keeps_a_lower_tier_holder(make_problem, household, post, candidate):
    problem = make_problem(
        households=[household("H1", flags=["flood_affected", "registered_poor"]), household("H2", flags=["disabled"])],
        candidates=[candidate("C1", "H1"), candidate("C2", "H2", current_post="P1", good_standing=True)],
        settings={"protect_incumbents": True},
    )
    result = allocation.solve_dict(problem, lang="en")
    entries = by_candidate(result)
    assert entries["C2"]["basis"] == "protected" and entries["C2"]["stays"]
    assert entries["C1"]["reason_code"] == "outranked"
    assert "pinned or protected" in entries["C1"]["reason"]
    problem["settings"]["protect_incumbents"] = False
    assert by_candidate(allocation.solve_dict(problem))["C1"]["post"] == "P1"


def test_pin_is_kept(make_problem, household, candidate):
    problem = make_problem(
        households=[household("H1", flags=["flood_affected", "registered_poor"]), household("H2", flags=["disabled"])],
        candidates=[candidate("C1", "H1"), candidate("C2", "H2", pinned_post="P1")],
    )
    entries = by_candidate(allocation.solve_dict(problem))
    assert entries["C2"]["basis"] == "pinned"
    assert entries["C1"]["reason_code"] == "outranked"


@pytest.mark.parametrize(
    ("candidates", "line"),
    [
        (
            [{"id": "C1", "pinned_post": "P1"}, {"id": "C2", "household": "H2", "pinned_post": "P1"}],
            "candidates[1].pinned_post: post 'P1' has 1 slot(s), already filled by the pins of 'C1'",
        ),
        (
            [{"id": "C1", "pinned_post": "P1"}, {"id": "C2", "pinned_post": "P2"}],
            "candidates[1].pinned_post: household 'H1' already has candidate 'C1' pinned to post 'P1'; one post per household",
        ),
        (
            [{"id": "C1", "pinned_post": "P2", "birth_date": "1950-01-01"}],
            "candidates[0].pinned_post: candidate 'C1' cannot take post 'P2': age 71 is outside the post's range 18-60",
        ),
        ([{"id": "C1", "pinned_post": "P9"}], "candidates[0].pinned_post: unknown post 'P9'"),
    ],
)
def test_impossible_pins_are_input_errors(make_problem, household, post, candidate, candidates, line):
    problem = make_problem(
        households=[household("H1"), household("H2")],
        posts=[post("P1"), post("P2")],
        candidates=[candidate(**{"household": "H1", **c}) for c in candidates],
    )
    with pytest.raises(allocation.ProblemError) as info:
        allocation.solve_dict(problem)
    assert info.value.errors == [line]


# -- empty and degenerate problems ---------------------------------------------------


def test_no_candidates(make_problem):
    result = allocation.solve_dict(make_problem(candidates=[]))
    assert result["assignments"] == [] and result["unassigned"] == []
    assert result["status"] == "optimal"


def test_no_posts(make_problem, candidate):
    result = allocation.solve_dict(make_problem(posts=[], candidates=[candidate("C1"), candidate("C2", "H1")]))
    assert [u["reason_code"] for u in result["unassigned"]] == ["not_eligible", "not_eligible"]
    assert "本村没有岗位" in result["unassigned"][0]["reason"]


def test_all_slots_zero(make_problem, post):
    result = allocation.solve_dict(make_problem(posts=[post("P1", slots=0), post("P2", slots=0)]), lang="en")
    (entry,) = result["unassigned"]
    assert entry["reason_code"] == "not_eligible"
    assert "P1 has no slots; P2 has no slots" in entry["reason"]


def test_not_eligible_listing_is_capped_but_truthful(make_problem, post, candidate):
    posts = [post(f"P{i:02d}", max_age=40 + (i % 2)) for i in range(12)]
    result = allocation.solve_dict(make_problem(posts=posts, candidates=[candidate("C1", birth_date="1950-01-01")]), lang="en")
    reason = result["unassigned"][0]["reason"]
    assert "none of the 12 posts" in reason
    assert reason.count("needs age") == 5
    assert "7 more posts do not fit either (7 by age)" in reason


def test_reasons_name_the_tier_in_both_languages(make_problem, household):
    problem = make_problem(households=[household("H1", flags=["registered_poor", "flood_affected"])])
    zh = allocation.solve_dict(problem)["assignments"][0]["reason"]
    en = allocation.solve_dict(problem, lang="en")["assignments"][0]["reason"]
    assert zh.startswith("第1优先级（受灾户且脱贫户）")
    assert en.startswith("Priority tier 1 (flood-affected and registered poor household)")


def test_unknown_language_is_refused(make_problem):
    with pytest.raises(ValueError):
        allocation.solve(allocation.parse_problem(make_problem()), lang="fr")


# -- validation: one line per fault, named by path ----------------------------------


@pytest.mark.parametrize(
    ("mutate", "line"),
    [
        (lambda p: p["candidates"][0].update(household="H9"), "candidates[0].household: unknown household 'H9'"),
        (lambda p: p["posts"].append(dict(p["posts"][0])), "posts[1].id: duplicate post id 'P1' (first at posts[0])"),
        (lambda p: p["posts"][0].update(slots=-1), "posts[0].slots: must not be negative, got -1"),
        (lambda p: p["candidates"][0].update(birth_date="1970-02-30"), "candidates[0].birth_date: bad date '1970-02-30': no such day"),
        (lambda p: p.update(reference_date="01/01/2021"), "reference_date: bad date '01/01/2021': expected YYYY-MM-DD"),
        (lambda p: p.update(reference_date="２０２１-01-01"), "reference_date: bad date '２０２１-01-01': expected YYYY-MM-DD"),
        (lambda p: p["households"][0].update(flags=["poor"]), "households[0].flags[0]: unknown flag 'poor'"),
        (lambda p: p["candidates"][0].update(labour="strong"), "candidates[0].labour: unknown labour ability 'strong'"),
        (lambda p: p["settings"].update(scope="county"), "settings.scope: unknown scope 'county'"),
        (lambda p: p["posts"][0].update(min_age=61), "posts[0].min_age: min_age 61 is above max_age 60"),
        (lambda p: p["candidates"][0].update(choices=["P1"] * 4), "candidates[0].choices: 4 choices given, at most 3 allowed"),
        (lambda p: p["candidates"][0].update(choices=["P1", "P1"]), "candidates[0].choices[1]: post 'P1' is already choice 1"),
        (lambda p: p["villages"][0].update(neighbours=["V7"]), "villages[0].neighbours[0]: unknown village 'V7'"),
        (lambda p: p["candidates"][0].update(current_post="P7"), "candidates[0].current_post: unknown post 'P7'"),
        (lambda p: p["candidates"][0].pop("birth_date"), "candidates[0].birth_date: required field is missing"),
        (lambda p: p["candidates"][0].update(extra=1), "candidates[0].extra: unknown field"),
        (lambda p: p["posts"][0].update(slots=True), "posts[0].slots: expected a whole number of slots, got true"),
        (lambda p: p["candidates"][0].update(birth_date="2030-01-01"), "candidates[0].birth_date: 2030-01-01 is after the reference date 2021-01-01"),
    ],
)
def test_validation_lines(make_problem, mutate, line):
    problem = make_problem()
    mutate(problem)
    with pytest.raises(allocation.ProblemError) as info:
        allocation.parse_problem(problem)
    assert any(error.startswith(line) for error in info.value.errors), info.value.errors


def test_every_fault_is_reported_at_once(make_problem):
    problem = make_problem()
    problem["posts"][0]["slots"] = -2
    problem["candidates"][0]["household"] = "H9"
    problem["households"][0]["flags"] = ["nope"]
    with pytest.raises(allocation.ProblemError) as info:
        allocation.parse_problem(problem)
    assert len(info.value.errors) == 3


def test_bad_json_is_a_problem_error():
    with pytest.raises(allocation.ProblemError) as info:
        allocation.load_problem_json('{"reference_date": ')
    assert info.value.errors[0].startswith("$: invalid JSON at line 1")


def test_defaults_fill_missing_optional_fields():
    problem = allocation.parse_problem(
        {
            "reference_date": "2021-01-01",
            "villages": [{"id": "V1", "township": "T1"}],
            "households": [{"id": "H1", "village": "V1"}],
            "posts": [{"id": "P1", "village": "V1", "slots": 1}],
            "candidates": [{"id": "C1", "household": "H1", "birth_date": "1980-01-01", "labour": "weak"}],
        }
    )
    assert problem.settings.scope == "village"
    assert problem.settings.one_post_per_household is True
    assert (problem.posts[0].min_age, problem.posts[0].max_age, problem.posts[0].labour) == (18, 60, "weak")
    # the household has no flags: only the catch-all last default group takes it
    assert allocation.solve(problem).assignments[0].tier == 8


# -- package hygiene -----------------------------------------------------------------


def test_package_imports_only_ortools_and_the_standard_library():
    root = pathlib.Path(allocation.__file__).parent
    for path in root.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                assert top == "ortools" or top in sys.stdlib_module_names, (path.name, name)


def test_no_unfinished_markers():
    root = pathlib.Path(allocation.__file__).parent
    for path in root.iterdir():
        if path.suffix in (".py", ".md", ".json"):
            text = path.read_text(encoding="utf-8")
            for marker in ("TO" + "DO", "FIX" + "ME", "X" + "XX", "NotImplemented" + "Error"):
                assert marker not in text, (path.name, marker)


def test_a_household_served_reason_names_the_member_by_the_exact_id():
    # An English sentence once began with the id and capitalised it: "ßa" became "SSa".
    from allocation import solve_dict

    data = {
        "reference_date": "2021-01-01",
        "villages": [{"id": "V1", "township": "T1"}],
        "households": [{"id": "H1", "village": "V1", "flags": ["registered_poor"]}],
        "posts": [{"id": "P1", "village": "V1", "slots": 1}],
        "candidates": [
            {"id": "ßa", "household": "H1", "birth_date": "1970-05-01", "labour": "full", "choices": ["P1"]},
            {"id": "zz", "household": "H1", "birth_date": "1971-05-01", "labour": "full"},
        ],
    }
    for lang in ("en", "zh"):
        (served,) = solve_dict(data, lang=lang)["unassigned"]
        assert served["reason_code"] == "household_served"
        assert "ßa" in served["reason"] and "SSa" not in served["reason"]
