"""Pinning (a staff decision that keeps a person in a post) and why a pin is refused.

The matcher treats a pin as given and rejects an impossible one as bad input; these
checks run first so staff get the precise reason in their language and nothing changes.
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

import allocation

from ..audit import AuditAction, record_audit, snapshot
from ..extensions import db
from ..models import Application, Household, Post, Village, village_neighbour
from ..models.enums import ROUND_EDITABLE, require_state
from .adapter import candidate_key, household_key, post_age_limit, post_key, village_key
from .applications import APPLICATION_FIELDS, flags_on
from .errors import RefusedError

def scope_map(village: Village, scope: str) -> list[allocation.Village]:
    """The villages the scope rule needs for a household of this village, as the matcher's records."""
    links: list[tuple[int, int]] = []
    if scope == "village":
        rows = [(village.id, village.township_id)]
    else:
        links = [(a, b) for a, b in db.session.execute(
            select(village_neighbour.c.village_id, village_neighbour.c.neighbour_id).where(
                (village_neighbour.c.village_id == village.id) | (village_neighbour.c.neighbour_id == village.id)))]
        near = {village.id} | {v for pair in links for v in pair}
        if scope == "township":
            near |= set(db.session.scalars(select(Village.id).where(Village.township_id == village.township_id)))
        rows = [(v, t) for v, t in db.session.execute(select(Village.id, Village.township_id).where(Village.id.in_(near)))]
    neighbours: dict[int, list[str]] = {}
    for a, b in links:
        neighbours.setdefault(a, []).append(village_key(b))
    return [allocation.Village(village_key(v), f"T{t}", tuple(neighbours.get(v, ()))) for v, t in rows]


def pin_faults(application: Application, post: Post) -> list[str]:
    """Every reason the applicant cannot be pinned to the post (empty when the pin is possible).

    The fit rules are the matcher's own (allocation.candidate_post_faults); this says them
    in the reader's language and adds what only the site knows (an inactive post).
    """
    rnd = application.round
    rules = rnd.rules
    person = application.person
    household = person.household
    choices = [c for c in (application.choice1_id, application.choice2_id, application.choice3_id) if c]
    candidate = allocation.Candidate(candidate_key(person.id), household_key(household.id), person.birth_date,
                                     person.labour, tuple(post_key(c) for c in choices),
                                     excluded=application.excluded_reason or None)
    home = allocation.Household(household_key(household.id), village_key(household.village_id),
                                frozenset(flags_on(household, rnd.reference_date)), bool(household.cadre))
    target = allocation.Post(post_key(post.id), village_key(post.village_id), post.slots, post.min_age,
                             post_age_limit(post, rules), post.labour)
    settings = allocation.Settings(scope=rules["scope"], only_chosen_posts=bool(rules.get("only_chosen_posts")),
                                   priority_groups=tuple(tuple(g) for g in rules["priority_groups"]))
    faults: list[str] = []
    if not post.active:
        faults.append(_("post %(code)s is not active", code=post.code))
    for fault in allocation.candidate_post_faults(candidate, home, target, reference=rnd.reference_date,
                                                  settings=settings,
                                                  villages=scope_map(household.village, rules["scope"])):
        faults.append(fault_words(fault, post, household, rnd.reference_date.isoformat()))
    return faults


def fault_words(fault: dict, post: Post, household: Household, day: str) -> str:
    """One of the matcher's fit faults in the reader's language."""
    rule = fault["rule"]
    if rule == "excluded":
        return _("the applicant is excluded (%(reason)s)", reason=fault["why"])
    if rule == "cadre":
        return _("the household is a village-cadre household")
    if rule == "priority_group":
        return _("the household is in no priority group")
    if rule == "scope":
        return _("the post is in %(post_village)s, outside the scope of the household's village %(village)s",
                 post_village=post.village.name, village=household.village.name)
    if rule == "slots":
        return _("the post has no slots")
    if rule == "age":
        return _("age %(age)d on %(day)s is outside the post's range %(low)d–%(high)d",
                 age=fault["age"], day=day, low=fault["min"], high=fault["max"])
    if rule == "labour":
        return _("labour ability is below what the post needs")
    return _("the post is not among the applicant's choices")


def pin_conflicts(application: Application, post: Post) -> list[str]:
    """Other pins that leave no room: the post full of pins, or the household already pinned."""
    others = list(db.session.scalars(
        select(Application).where(Application.round_id == application.round_id,
                                  Application.pinned_post_id.is_not(None), Application.id != application.id)
    ))
    out = []
    on_post = [a for a in others if a.pinned_post_id == post.id]
    if len(on_post) >= post.slots > 0:
        out.append(_("post %(code)s is full: its %(slots)d slot(s) are already pinned to %(names)s",
                     code=post.code, slots=post.slots, names="、".join(a.person.name for a in on_post)))
    if application.round.rules.get("one_post_per_household", True):
        same = [a for a in others if a.person.household_id == application.person.household_id]
        if same:
            out.append(_("%(name)s of the same household is already pinned to %(code)s (one post per household)",
                         name=same[0].person.name, code=same[0].pinned_post.code))
    return out


def pin(application: Application, post: Post, reason: str, *, actor_id: int | None) -> None:
    """Pin an applicant to a post, with the staff's reason; refused with every fault when impossible."""
    require_state(application.round, *ROUND_EDITABLE)
    faults = pin_faults(application, post) + pin_conflicts(application, post)
    if faults:
        raise RefusedError(_("%(name)s cannot be pinned to post %(code)s: %(faults)s.",
                             name=application.person.name, code=post.code, faults="; ".join(faults)), field="post")
    before = snapshot(application, APPLICATION_FIELDS)
    application.pinned_post_id = post.id
    application.pin_reason = reason.strip()[:200]
    db.session.flush()
    record_audit(AuditAction.APPLICATION_PIN, application, before=before, after=snapshot(application, APPLICATION_FIELDS),
                 reason=application.pin_reason, actor_id=actor_id)


def unpin(application: Application, reason: str | None = None, *, actor_id: int | None) -> None:
    """Remove a pin; the matcher decides for this applicant again."""
    require_state(application.round, *ROUND_EDITABLE)
    before = snapshot(application, APPLICATION_FIELDS)
    application.pinned_post_id = None
    application.pin_reason = None
    db.session.flush()
    record_audit(AuditAction.APPLICATION_UNPIN, application, before=before, after=snapshot(application, APPLICATION_FIELDS),
                 reason=reason, actor_id=actor_id)
