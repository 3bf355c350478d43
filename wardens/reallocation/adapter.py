"""The one bridge between the database and the matcher (the `allocation` package).

`build_problem` turns a round (its frozen rules, applications, the district's posts,
villages and households) into the matcher's problem dict of the issue-5 file contract;
`run_round` solves it once and stores an AllocationRun with the exact problem and the
result, whose reasons are codes with parameters rendered in the reader's language by
`explain.py`. Ids in the problem are the database ids with a letter in front (V12, H7, P3,
C45 = person 45), so a stored run can always be read back against the database.
"""
from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

import allocation

from ..audit import AuditAction, record_audit
from ..database import insert_rows
from ..extensions import db
from ..models import (AllocationRun, Application, Assignment, Household, HouseholdFlag, Person, Post, Round,
                      RunDecision, Village, current_revision, problem_hash, village_neighbour)
from ..models.enums import ROUND_EDITABLE, RoundState, RunKind, require_state
from .applications import flags_on
from .digest import decision_records, result_head, run_digest
from .errors import RefusedError
from .rounds import move_to



def village_key(village_id: int) -> str:
    return f"V{village_id}"


def household_key(household_id: int) -> str:
    return f"H{household_id}"


def post_key(post_id: int) -> str:
    return f"P{post_id}"


def candidate_key(person_id: int) -> str:
    return f"C{person_id}"


def key_id(key: str) -> int:
    """The database id inside a problem id ('P12' -> 12)."""
    return int(key[1:])


def settings_part(rules: dict[str, Any]) -> dict[str, Any]:
    """The matcher's settings from a round's frozen rules."""
    return {
        "scope": rules["scope"],
        "one_post_per_household": bool(rules.get("one_post_per_household", True)),
        "only_chosen_posts": bool(rules.get("only_chosen_posts", False)),
        "protect_incumbents": bool(rules.get("protect_incumbents", False)),
        "priority_groups": [list(g) for g in rules["priority_groups"]],
    }


def post_age_limit(post: Post, rules: dict[str, Any]) -> int:
    """A post's upper age: its own, but never above the round's extended limit (default 65)."""
    return min(post.max_age, int(rules.get("max_age_extended", post.max_age)))


def open_posts() -> list[Post]:
    """The posts a round allocates: every active post in the district."""
    return list(db.session.scalars(select(Post).where(Post.active).order_by(Post.id)))


def posts_part(posts: list[Post], rules: dict[str, Any], slots: dict[int, int] | None = None) -> list[dict[str, Any]]:
    return [
        {"id": post_key(p.id), "village": village_key(p.village_id),
         "slots": p.slots if slots is None else slots[p.id],
         "min_age": p.min_age, "max_age": post_age_limit(p, rules), "labour": p.labour,
         "name": p.code, "kind": p.kind}
        for p in posts
    ]


def villages_part() -> list[dict[str, Any]]:
    """Every village with its township and neighbours (scope needs the whole map)."""
    villages = db.session.execute(select(Village.id, Village.township_id, Village.name).order_by(Village.id)).all()
    links: dict[int, list[int]] = {v.id: [] for v in villages}
    for village_id, neighbour_id in db.session.execute(
        select(village_neighbour.c.village_id, village_neighbour.c.neighbour_id)
        .order_by(village_neighbour.c.village_id, village_neighbour.c.neighbour_id)
    ):
        if village_id in links and neighbour_id in links:
            links[village_id].append(neighbour_id)
    return [
        {"id": village_key(v.id), "township": f"T{v.township_id}",
         "neighbours": [village_key(n) for n in links[v.id]], "name": v.name}
        for v in villages
    ]


def household_part(household_id: int, village_id: int, flags: Iterable[str], cadre: bool, number: str) -> dict[str, Any]:
    """One household as the matcher reads it: its village, its flags on the reference date, cadre."""
    return {"id": household_key(household_id), "village": village_key(village_id), "flags": sorted(flags),
            "cadre": bool(cadre), "name": number}


def households_part(households: list[Household], day: dt.date) -> list[dict[str, Any]]:
    """Households with the flags current at the reference date, and whether they are cadre."""
    return [household_part(h.id, h.village_id, flags_on(h, day), h.cadre, h.number)
            for h in sorted(households, key=lambda h: h.id)]


def candidate_part(person_id: int, household_id: int, birth_date: dt.date, labour: str,
                   choices: Iterable[int | None], current_post_id: int | None, good_standing: bool,
                   excluded_reason: str | None, pinned_post_id: int | None, name: str) -> dict[str, Any]:
    """One applicant as the matcher reads them (plain values: the round's build reads 3,000 rows)."""
    return {
        "id": candidate_key(person_id),
        "household": household_key(household_id),
        "birth_date": birth_date.isoformat(),
        "labour": labour,
        "choices": [post_key(c) for c in choices if c],
        "current_post": post_key(current_post_id) if current_post_id else None,
        "good_standing": bool(good_standing),
        "excluded": excluded_reason or None,
        "pinned_post": post_key(pinned_post_id) if pinned_post_id else None,
        "name": name,
    }


def application_candidate(application: Application) -> dict[str, Any]:
    """candidate_part of an application object (the mid-year fill's few applicants)."""
    a, person = application, application.person
    return candidate_part(person.id, person.household_id, person.birth_date, person.labour,
                          (a.choice1_id, a.choice2_id, a.choice3_id), a.current_post_id, a.good_standing,
                          a.excluded_reason, a.pinned_post_id, person.name)


def round_applications(rnd: Round) -> list[Application]:
    return list(db.session.scalars(
        select(Application).where(Application.round_id == rnd.id)
        .options(selectinload(Application.person).selectinload(Person.household).selectinload(Household.flags))
        .order_by(Application.person_id)
    ))


POST_COLUMNS = (Post.id, Post.village_id, Post.slots, Post.min_age, Post.max_age, Post.labour, Post.code, Post.kind)


def build_problem(rnd: Round) -> dict[str, Any]:
    """The matcher's problem for a round: frozen rules, open posts, the map, applicants and their households.

    Read as plain rows (no ORM objects): a county's 3,000 applications with their people,
    households and flags in five queries and a fraction of the time objects would take.
    """
    day = rnd.reference_date
    # Plain tuples, unpacked once: attribute access on 3,000 rows cost more than the queries.
    # Each applicant with their household (a household's columns come with each of its members).
    rows = db.session.execute(
        select(Application.person_id, Person.household_id, Person.birth_date, Person.labour,
               Application.choice1_id, Application.choice2_id, Application.choice3_id,
               Application.current_post_id, Application.good_standing, Application.excluded_reason,
               Application.pinned_post_id, Person.name, Household.village_id, Household.cadre, Household.number)
        .join(Person, Person.id == Application.person_id).join(Household, Household.id == Person.household_id)
        .where(Application.round_id == rnd.id).order_by(Application.person_id)
    ).tuples().all()
    applications = [row[:12] for row in rows]
    households = sorted({row[1]: (row[1], *row[12:]) for row in rows}.values())
    applicant_households = (select(Person.household_id).join(Application, Application.person_id == Person.id)
                            .where(Application.round_id == rnd.id))
    flags: dict[int, set[str]] = {}
    for household_id, flag in db.session.execute(
        select(HouseholdFlag.household_id, HouseholdFlag.flag).where(
            HouseholdFlag.household_id.in_(applicant_households), HouseholdFlag.recorded_on <= day,
            or_(HouseholdFlag.cleared_on.is_(None), HouseholdFlag.cleared_on > day))).tuples():
        flags.setdefault(household_id, set()).add(flag)
    posts = list(db.session.execute(select(*POST_COLUMNS).where(Post.active).order_by(Post.id)))
    # A pin or current post outside the open posts still has to be known to the
    # matcher: include those posts too, with their slots (an inactive post has none).
    wanted = {p.id for p in posts}
    extra_ids = sorted({pid for a in applications for pid in (*a[4:8], a[10]) if pid and pid not in wanted})
    extra = list(db.session.execute(select(*POST_COLUMNS).where(Post.id.in_(extra_ids)))) if extra_ids else []
    slots = {p.id: p.slots for p in posts} | {p.id: 0 for p in extra}
    return {
        "reference_date": day.isoformat(),
        "settings": settings_part(rnd.rules),
        "villages": villages_part(),
        "households": [household_part(hid, village_id, flags.get(hid, ()), cadre, number)
                       for hid, village_id, cadre, number in households],
        "posts": posts_part(sorted(posts + extra, key=lambda p: p.id), rnd.rules, slots),
        "candidates": [candidate_part(pid, household_id, birth, labour, (c1, c2, c3), current, good, excluded, pinned, name)
                       for pid, household_id, birth, labour, c1, c2, c3, current, good, excluded, pinned, name
                       in applications],
    }


def solve_once(problem: dict[str, Any]) -> tuple[dict[str, Any], float]:
    """Solve a problem once; (result, seconds).

    The result explains every decision as codes with parameters (its `explanation`), which
    the pages render in the reader's language; its `reason` text (Chinese) is the file
    contract's, for the command line and problem.json users.
    """
    started = time.perf_counter()
    try:
        result = allocation.solve_dict(problem, lang="zh")
    except allocation.ProblemError as exc:
        raise RefusedError(_("The matcher refused the problem; nothing was stored:"), *exc.errors) from None
    return result, round(time.perf_counter() - started, 3)


def store_decisions(run: AllocationRun, result: dict[str, Any]) -> None:
    """Keep the result's decisions as the run's decision records (one INSERT, or one COPY).

    They are the result's decisions (the run keeps only its head and its digest): stored once.
    """
    insert_rows(RunDecision.__table__, decision_records(run.id, result))


def refuse_empty(problem: dict[str, Any]) -> None:
    """Refuse a run with no posts to fill or nobody applying."""
    if not problem["candidates"]:
        raise RefusedError(_("There are no applications in this round: add applicants before running the matcher."))
    if not any(p["slots"] > 0 for p in problem["posts"]):
        raise RefusedError(_("There are no active posts with slots to allocate: add posts in the register first."))


def run_round(rnd: Round, *, note: str | None = None, user_id: int | None) -> AllocationRun:
    """Run the matcher on the round's current input and keep the run (problem and result)."""
    require_state(rnd, *ROUND_EDITABLE)
    db.session.flush()  # pending changes move the revision now, not during the build
    revision = current_revision()
    problem = build_problem(rnd)
    refuse_empty(problem)
    zh, seconds = solve_once(problem)
    run = AllocationRun(round_id=rnd.id, kind=RunKind.ROUND, problem=problem, result_head=result_head(zh),
                        digest=run_digest(problem, zh),
                        seconds=seconds, note=(note or "").strip()[:200] or None, created_by_id=user_id, summary=zh["summary"],
                        input_revision=revision, problem_hash=problem_hash(problem))
    db.session.add(run)
    db.session.flush()
    store_decisions(run, zh)
    summary = zh["summary"]
    record_audit(AuditAction.ALLOCATION_RUN, run, after={"round_id": rnd.id, "placed": summary["placed"],
                                              "candidates": summary["candidates"], "slots": summary["slots"],
                                              "seconds": seconds}, reason=run.note, actor_id=user_id)
    if rnd.state == RoundState.APPLICATIONS:
        move_to(rnd, RoundState.PROPOSED, actor_id=user_id)
    return run


def rerun_stored(run: AllocationRun) -> dict[str, Any]:
    """Solve a stored run's problem again (Chinese reasons): must equal its stored result."""
    return allocation.solve_dict(run.problem, lang="zh")


def is_current(run: AllocationRun) -> bool:
    """Whether the run's input is still what the round would give the matcher now.

    Nothing that feeds a problem has been written since the run's problem was built: its
    stored input revision is the revision now (models/revision.py). One small query instead
    of rebuilding the problem from 3,000 applications.
    """
    return run.input_revision is not None and run.input_revision == current_revision()


# -- mid-year fill (a small problem: one post's free slots and the waiting list) -------------

def held_slots(day: dt.date, post_ids: Iterable[int] | None = None) -> dict[int, int]:
    """How many of each post's slots are held on day (posts with none held are left out): one query."""
    stmt = (select(Assignment.post_id, db.func.count(Assignment.id)).where(Assignment.in_force_on_clause(day))
            .group_by(Assignment.post_id))
    if post_ids is not None:
        stmt = stmt.where(Assignment.post_id.in_(list(post_ids)))
    return dict(db.session.execute(stmt).tuples().all())


def free_slots(post: Post, day: dt.date, held: dict[int, int] | None = None) -> int:
    """A post's slots not held on day (held: held_slots of the day, read once for many posts)."""
    if held is None:
        held = held_slots(day, [post.id])
    return max(post.slots - held.get(post.id, 0), 0)


def waiting_list(rnd: Round, day: dt.date) -> list[Application]:
    """The round's applicants its chosen run left unplaced, who hold no post on day."""
    if rnd.chosen_run is None:
        return []
    unplaced = {key_id(u["candidate"]) for u in rnd.chosen_run.result["unassigned"]}
    holding = set(db.session.scalars(select(Assignment.person_id).where(Assignment.in_force_on_clause(day))))
    return [a for a in round_applications(rnd) if a.person_id in unplaced and a.person_id not in holding]


def build_fill_problem(rnd: Round, post: Post, day: dt.date) -> dict[str, Any]:
    """The matcher's problem for filling one post's free slots from a round's waiting list on day."""
    waiting = waiting_list(rnd, day)
    households = {a.person.household.id: a.person.household for a in waiting}
    candidates = []
    for a in waiting:
        c = application_candidate(a)
        # Only this post is open: other choices and pins are of the yearly round, not of this fill.
        c["choices"] = [x for x in c["choices"] if x == post_key(post.id)]
        c["current_post"], c["good_standing"], c["pinned_post"] = None, False, None
        candidates.append(c)
    return {
        "reference_date": day.isoformat(),
        "settings": settings_part(rnd.rules),
        "villages": villages_part(),
        "households": households_part(list(households.values()), day),
        "posts": posts_part([post], rnd.rules, {post.id: free_slots(post, day)}),
        "candidates": candidates,
    }


def run_fill(rnd: Round, post: Post, day: dt.date, *, user_id: int | None) -> AllocationRun:
    """Run the matcher for one post's free slots from the round's waiting list, and keep the run."""
    if not post.active:
        raise RefusedError(_("Post %(code)s is not active.", code=post.code))
    problem = build_fill_problem(rnd, post, day)
    if problem["posts"][0]["slots"] == 0:
        raise RefusedError(_("Post %(code)s has no free slot on %(day)s.", code=post.code, day=day.isoformat()))
    if not problem["candidates"]:
        raise RefusedError(_("The waiting list of round “%(name)s” is empty.", name=rnd.name))
    zh, seconds = solve_once(problem)
    run = AllocationRun(round_id=rnd.id, kind=RunKind.MID_YEAR, problem=problem, result_head=result_head(zh),
                        digest=run_digest(problem, zh),
                        seconds=seconds, problem_hash=problem_hash(problem), summary=zh["summary"], post_id=post.id, created_by_id=user_id,
                        note=f"{post.code} {day.isoformat()}")
    db.session.add(run)
    db.session.flush()
    store_decisions(run, zh)
    record_audit(AuditAction.MID_YEAR_RUN, run, after={"round_id": rnd.id, "post_id": post.id, "day": day.isoformat(),
                                            "placed": zh["summary"]["placed"]}, actor_id=user_id)
    return run
