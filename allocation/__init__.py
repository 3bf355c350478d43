"""allocation: the yearly post allocation for rural road public-welfare posts.

Pure data in, pure data out; imports only OR-Tools and the standard library.

    from allocation import solve_dict, ProblemError
    try:
        result = solve_dict(problem_dict, lang="zh")
    except ProblemError as exc:
        exc.errors  # ["candidates[3].household: unknown household 'H9'", ...]

See README.md in this package for the file contract, the rules and the tie-break.
"""

from .explain import render
from .faults import candidate_post_faults
from .api import dumps_result, result_to_dict, solve, solve_dict, solve_json
from .model import Assignment, Candidate, Household, Post, Problem, Result, Settings, TierCount, Unassigned, Village
from .solver import SolverError
from .validate import ProblemError, load_problem_json, parse_problem

__all__ = [
    "Assignment",
    "Candidate",
    "Household",
    "Post",
    "Village",
    "candidate_post_faults",
    "render",
    "Problem",
    "ProblemError",
    "Result",
    "Settings",
    "SolverError",
    "TierCount",
    "Unassigned",
    "dumps_result",
    "load_problem_json",
    "parse_problem",
    "result_to_dict",
    "solve",
    "solve_dict",
    "solve_json",
]
