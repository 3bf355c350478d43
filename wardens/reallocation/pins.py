"""Pinning (a staff decision that keeps a person in a post) and why a pin is refused.

The matcher treats a pin as given and rejects an impossible one as bad input; these
checks run first so staff get the precise reason in their language and nothing changes.
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from ..audit import AuditAction, record_audit, snapshot
from ..extensions import db
from ..models import Application, Post, Village, village_neighbour
from ..priority import priority_tier
from .adapter import post_age_limit
from .applications import APPLICATION_FIELDS, flags_on
from .errors import RefusedError

LABOUR_RANK = {"none": 0, "weak": 1, "full": 2}


def villages_in_scope(village: Village, scope: str) -> set[int]:
    """The villages whose posts a household of this village may take under the scope rule."""
    if scope == "village":
        return {village.id}
    if scope == "neighbouring":
        ids = {village.id}
        for a, b in db.session.execute(select(village_neighbour.c.village_id, village_neighbour.c.neighbour_id).where(
                (village_neighbour.c.village_id == village.id) | (village_neighbour.c.neighbour_id == village.id))):
            ids.update((a, b))
        return ids
    return set(db.session.scalars(select(Village.id).where(Village.township_id == village.township_id)))


def pin_faults(application: Application, post: Post) -> list[str]:
    """Every reason the applicant cannot be pinned to the post (empty when the pin is possible)."""
    rnd = application.round
    rules = rnd.rules
    person = application.person
    household = person.household
    faults: list[str] = []
    if not post.active:
        faults.append(_("post %(code)s is not active", code=post.code))
    if application.excluded_reason:
        faults.append(_("the applicant is excluded (%(reason)s)", reason=application.excluded_reason))
    if household.cadre:
        faults.append(_("the household is a village-cadre household"))
    elif priority_tier(flags_on(household, rnd.reference_date), rules["priority_groups"]) is None:
        faults.append(_("the household is in no priority group"))
    if post.village_id not in villages_in_scope(household.village, rules["scope"]):
        faults.append(_("the post is in %(post_village)s, outside the scope of the household's village %(village)s",
                        post_village=post.village.name, village=household.village.name))
    if post.slots == 0:
        faults.append(_("the post has no slots"))
    age = person.age_on(rnd.reference_date)
    high = post_age_limit(post, rules)
    if not post.min_age <= age <= high:
        faults.append(_("age %(age)d on %(day)s is outside the post's range %(low)d–%(high)d",
                        age=age, day=rnd.reference_date.isoformat(), low=post.min_age, high=high))
    if LABOUR_RANK[person.labour] < LABOUR_RANK[post.labour]:
        faults.append(_("labour ability is below what the post needs"))
    if rules.get("only_chosen_posts") and post.id not in (application.choice1_id, application.choice2_id,
                                                          application.choice3_id):
        faults.append(_("the post is not among the applicant's choices"))
    return faults


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


def pin(application: Application, post: Post, reason: str) -> None:
    """Pin an applicant to a post, with the staff's reason; refused with every fault when impossible."""
    from .rounds import require_state

    require_state(application.round, "applications", "proposed")
    faults = pin_faults(application, post) + pin_conflicts(application, post)
    if faults:
        raise RefusedError(_("%(name)s cannot be pinned to post %(code)s: %(faults)s.",
                             name=application.person.name, code=post.code, faults="; ".join(faults)), field="post")
    before = snapshot(application, APPLICATION_FIELDS)
    application.pinned_post_id = post.id
    application.pin_reason = reason.strip()[:200]
    db.session.flush()
    record_audit(AuditAction.APPLICATION_PIN, application, before=before, after=snapshot(application, APPLICATION_FIELDS),
                 reason=application.pin_reason)


def unpin(application: Application, reason: str | None = None) -> None:
    """Remove a pin; the matcher decides for this applicant again."""
    from .rounds import require_state

    require_state(application.round, "applications", "proposed")
    before = snapshot(application, APPLICATION_FIELDS)
    application.pinned_post_id = None
    application.pin_reason = None
    db.session.flush()
    record_audit(AuditAction.APPLICATION_UNPIN, application, before=before, after=snapshot(application, APPLICATION_FIELDS),
                 reason=reason)
