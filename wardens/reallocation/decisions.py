"""What the latest published round decided about a person: the API the wardens' pages call.

Only rounds whose proposal has been made public (on notice, approved or in force) are
shown; a proposal still being worked on is not. The decision is read from the round's
chosen run (the run that went to notice), in the reader's language.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ..extensions import db
from ..models import AllocationRun, Application, Post, Round, RoundState, RunDecision
from ..models.enums import ROUND_PUBLISHED
from .adapter import candidate_key, key_id
from .explain import Explainer


@dataclass(frozen=True)
class Decision:
    round_name: str
    round_state: RoundState  # one of ROUND_PUBLISHED
    placed: bool
    post: Post | None
    tier: int | None
    group: list[str] | None  # the flags of the person's priority group ([] = everyone else)
    reason: str  # the matcher's sentence, in the language asked for
    reason_code: str | None  # not_eligible | household_served | outranked (None when placed)
    choice_rank: int | None
    stays: bool

    @property
    def round_state_label(self) -> str:
        return self.round_state.label


def latest_decision(person_id: int, lang: str) -> Decision | None:
    """The decision of the latest published round in which the person applied, or None."""
    rnd = db.session.scalar(
        select(Round).join(Application, Application.round_id == Round.id)
        .where(Application.person_id == person_id, Round.state.in_(ROUND_PUBLISHED),
               Round.chosen_run_id.is_not(None))
        .order_by(Round.year.desc(), Round.id.desc()).limit(1)
    )
    if rnd is None:
        return None
    run = db.session.get(AllocationRun, rnd.chosen_run_id)
    if run is None:
        return None
    return decision_in_run(rnd, run, person_id, lang)


def decision_in_run(rnd: Round, run: AllocationRun, person_id: int, lang: str) -> Decision | None:
    """The person's decision in one run (None when they were not a candidate in it).

    Reads the person's own record of the run (one row), not the whole stored result.
    """
    if run.digest is not None:
        entry = db.session.scalar(select(RunDecision.entry).where(RunDecision.run_id == run.id,
                                                                  RunDecision.person_id == person_id))
    else:  # a run stored before digests
        key = candidate_key(person_id)
        entry = next((e for e in run.result["assignments"] + run.result["unassigned"] if e["candidate"] == key), None)
    if entry is None:
        return None
    groups = rnd.rules["priority_groups"]
    tier = entry.get("tier")
    group = list(groups[tier - 1]) if tier else None
    reason = Explainer([entry], lang)(entry)
    if "post" in entry:
        return Decision(rnd.name, rnd.state, True, db.session.get(Post, key_id(entry["post"])), tier, group, reason,
                        None, entry.get("choice_rank"), bool(entry.get("stays")))
    return Decision(rnd.name, rnd.state, False, None, tier, group, reason, entry["reason_code"], None, False)
