"""Factories for small allocation problems: ``make_problem(**overrides)`` and friends."""

from __future__ import annotations

import copy

import pytest


def _village(id="V1", township="T1", **kw):
    return {"id": id, "township": township, "neighbours": [], **kw}


def _household(id="H1", village="V1", flags=("registered_poor",), **kw):
    return {"id": id, "village": village, "flags": list(flags), "cadre": False, **kw}


def _post(id="P1", village="V1", slots=1, **kw):
    return {"id": id, "village": village, "slots": slots, "min_age": 18, "max_age": 60, "labour": "weak", **kw}


def _candidate(id="C1", household="H1", birth_date="1970-05-01", **kw):
    base = {
        "id": id,
        "household": household,
        "birth_date": birth_date,
        "labour": "full",
        "choices": [],
        "current_post": None,
        "good_standing": False,
        "excluded": None,
    }
    base.update(kw)
    return base


@pytest.fixture
def make_problem():
    """Build a problem dict; lists given replace the defaults, settings are merged."""

    def make(villages=None, households=None, posts=None, candidates=None, settings=None, reference_date="2021-01-01"):
        return copy.deepcopy(
            {
                "reference_date": reference_date,
                "settings": settings or {},
                "villages": villages if villages is not None else [_village()],
                "households": households if households is not None else [_household()],
                "posts": posts if posts is not None else [_post()],
                "candidates": candidates if candidates is not None else [_candidate()],
            }
        )

    return make


@pytest.fixture
def village():
    return _village


@pytest.fixture
def household():
    return _household


@pytest.fixture
def post():
    return _post


@pytest.fixture
def candidate():
    return _candidate
