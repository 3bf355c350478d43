"""The command line, run as staff run it: a subprocess reading and writing files or pipes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

PROBLEM = {
    "reference_date": "2021-01-01",
    "settings": {"scope": "village"},
    "villages": [{"id": "V1", "township": "T1", "neighbours": []}],
    "households": [
        {"id": "H1", "village": "V1", "flags": ["flood_affected", "registered_poor"], "cadre": False},
        {"id": "H2", "village": "V1", "flags": ["registered_poor"], "cadre": False},
    ],
    "posts": [{"id": "P1", "village": "V1", "slots": 1, "min_age": 18, "max_age": 60, "labour": "weak"}],
    "candidates": [
        {"id": "C1", "household": "H1", "birth_date": "1970-05-01", "labour": "full", "choices": ["P1"]},
        {"id": "C2", "household": "H2", "birth_date": "1972-05-01", "labour": "full", "choices": ["P1"], "name": "王芳"},
    ],
}


def run(*args, stdin: bytes | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "allocation", *args],
        input=stdin,
        capture_output=True,
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
        env={**os.environ, **(env or {})},
        timeout=60,
    )


@pytest.fixture
def problem_file(tmp_path):
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(PROBLEM, ensure_ascii=False), encoding="utf-8")
    return path


def test_solve_file_to_stdout(problem_file):
    done = run("solve", str(problem_file))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["status"] == "optimal"
    assert [a["candidate"] for a in result["assignments"]] == ["C1"]
    assert "第1优先级" in result["assignments"][0]["reason"]
    assert done.stdout.decode("utf-8").endswith("}\n")
    assert "\\u" not in done.stdout.decode("utf-8")  # Chinese written as characters


def test_stdin_to_file_in_english(problem_file, tmp_path):
    out = tmp_path / "result.json"
    done = run("solve", "-o", str(out), "--lang", "en", stdin=problem_file.read_bytes())
    assert done.returncode == 0, done.stderr
    assert done.stdout == b""
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["lang"] == "en"
    assert result["unassigned"][0]["reason_code"] == "outranked"


def test_output_is_byte_identical_across_runs_and_hash_seeds(problem_file):
    first = run("solve", str(problem_file), env={"PYTHONHASHSEED": "1"})
    second = run("solve", str(problem_file), env={"PYTHONHASHSEED": "2"})
    assert first.returncode == second.returncode == 0
    assert first.stdout == second.stdout


def test_invalid_input_exits_2_with_one_line_per_fault(tmp_path):
    bad = json.loads(json.dumps(PROBLEM))
    bad["candidates"][1]["household"] = "H9"
    bad["posts"][0]["slots"] = -1
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    done = run("solve", str(path))
    assert done.returncode == 2
    assert done.stdout == b""
    lines = done.stderr.decode("utf-8").splitlines()
    assert lines == ["posts[0].slots: must not be negative, got -1", "candidates[1].household: unknown household 'H9'"]


@pytest.mark.parametrize(
    ("data", "start"),
    [
        (b"{not json", "$: invalid JSON at line 1, column 2"),
        (b"[1, 2]", "$: expected a JSON object"),
        (b"\xff\xfe", "$: the file is not UTF-8 text"),
    ],
)
def test_unreadable_input_exits_2_without_traceback(data, start):
    done = run("solve", stdin=data)
    assert done.returncode == 2
    stderr = done.stderr.decode("utf-8")
    assert stderr.startswith(start)
    assert "Traceback" not in stderr


def test_missing_file_exits_2(tmp_path):
    done = run("solve", str(tmp_path / "nope.json"))
    assert done.returncode == 2
    assert "cannot read the problem file" in done.stderr.decode("utf-8")
    assert b"Traceback" not in done.stderr


@pytest.mark.parametrize(
    "where, said",
    [("missing/result.json", "no such folder"), (".", "it is a folder")],
)
def test_an_unwritable_result_path_exits_2_before_solving(problem_file, tmp_path, where, said):
    target = tmp_path / where
    done = run("solve", str(problem_file), "-o", str(target))
    assert done.returncode == 2
    assert done.stderr.decode("utf-8") == f"{target}: cannot write the result file: {said}" + (
        f" {target.parent}\n" if said == "no such folder" else "\n"
    )
    assert list(tmp_path.iterdir()) == [problem_file]  # nothing written, no temporary file left


def test_unpaired_surrogate_escape_is_an_input_fault_naming_its_path(tmp_path):
    # "\ud800" alone is legal JSON but no character: no UTF-8 result could hold it.
    text = json.dumps(PROBLEM).replace('"C2"', '"C2\\ud800"').replace('"name"', '"\\udc00name"')
    done = run("solve", stdin=text.encode("ascii"))
    assert done.returncode == 2
    assert done.stdout == b""
    assert done.stderr.decode("utf-8").splitlines() == [
        "candidates[1].id: text holds an unpaired UTF-16 surrogate escape, not a character",
        "candidates[1].\\udc00name: text holds an unpaired UTF-16 surrogate escape, not a character",
    ]
    paired = json.dumps(PROBLEM).replace('"C2"', '"C2\\ud83d\\ude00"')  # an emoji, spelled as a pair
    done = run("solve", stdin=paired.encode("ascii"))
    assert done.returncode == 0, done.stderr
    assert "C2\U0001f600" in done.stdout.decode("utf-8")


@pytest.mark.parametrize("slots", [2**31, 2**63 + 5, 10**30])
def test_a_post_may_declare_more_slots_than_any_integer_the_engine_holds(tmp_path, slots):
    problem = json.loads(json.dumps(PROBLEM))
    problem["posts"][0]["slots"] = slots
    done = run("solve", stdin=json.dumps(problem).encode())
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["summary"]["slots"] == slots
    assert sorted(a["candidate"] for a in result["assignments"]) == ["C1", "C2"]
