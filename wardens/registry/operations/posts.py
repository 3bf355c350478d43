"""Posts: a road section with its slots, the age and labour it asks for, and its subsidy."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ...access import outside_visible_township
from ...attendance.pay_changes import PayChange, months_a_post_change_alters
from ...audit import AuditAction, record_audit, snapshot
from ...extensions import db
from ...models import Assignment, Post, PostKind, Village
from ...models.months import closed_month_message, first_closed_month
from .common import (
    RegistryError,
    audit_update,
    check_labour,
    check_phone,
    clean_text,
    holders_in_force_where,
    set_active,
    snap,
)
from .places import active_village

POST_FIELDS = (
    "code", "kind", "village_id", "route_code", "section_start", "section_end", "km", "slots",
    "min_age", "max_age", "labour", "monthly_subsidy", "required_days", "road_chief",
    "road_chief_phone", "active",
)


@dataclass
class PostFields:
    """A post's details after every field rule passed."""

    code: str
    kind: str
    route_code: str | None
    section_start: str | None
    section_end: str | None
    km: Decimal
    slots: int
    min_age: int
    max_age: int
    labour: str
    monthly_subsidy: Decimal
    required_days: int
    road_chief: str | None
    road_chief_phone: str | None


def _decimal(value: Any, field: str, what: str) -> Decimal:
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        number = None
    # Decimal (and WTForms' DecimalField) read "NaN" and "Infinity"; comparing a NaN
    # with the limits raises InvalidOperation, a 500 instead of this message.
    if number is None or not number.is_finite():
        raise RegistryError(_("%(what)s must be a number, not %(value)s.", what=what, value=value), field) from None
    return number


def _whole(value: Any, field: str, what: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value if value is not None else "").strip()
    if text.endswith(".0"):
        text = text[:-2]
    if not text.lstrip("-").isdigit():
        raise RegistryError(_("%(what)s must be a whole number, not %(value)s.", what=what, value=text), field)
    return int(text)


def check_post(*, code: str | None, kind: str | None, route_code: str | None = None,
               section_start: str | None = None, section_end: str | None = None, km: Any = Decimal("0"),
               slots: Any = 1, min_age: Any = 18, max_age: Any = 60, labour: str | None = "weak",
               monthly_subsidy: Any = Decimal("600"), required_days: Any = 20, road_chief: str | None = None,
               road_chief_phone: str | None = None) -> PostFields:
    """Apply every field rule for a post (no database lookups)."""
    code_text = clean_text(code, limit=30, field="code", what=_l("Post code"))
    if not code_text:
        raise RegistryError(_("Post code is required."), "code")
    if kind not in {m.value for m in PostKind}:
        raise RegistryError(_("Post kind %(value)s is not one of the known kinds.", value=kind or ""), "kind")
    km_value = _decimal(km if km not in (None, "") else "0", "km", _("Kilometres"))
    if km_value < 0 or km_value > Decimal("99999"):
        raise RegistryError(_("Kilometres must be between 0 and 99999."), "km")
    slots_value = _whole(slots if slots not in (None, "") else 1, "slots", _("Slots"))
    if slots_value < 0 or slots_value > 999:
        raise RegistryError(_("Slots must be between 0 and 999."), "slots")
    min_value = _whole(min_age if min_age not in (None, "") else 18, "min_age", _("Minimum age"))
    max_value = _whole(max_age if max_age not in (None, "") else 60, "max_age", _("Maximum age"))
    if min_value < 16:
        raise RegistryError(_("Minimum age cannot be under 16."), "min_age")
    if max_value > 80:
        raise RegistryError(_("Maximum age cannot be over 80."), "max_age")
    if min_value > max_value:
        raise RegistryError(
            _("Minimum age %(a)d is above maximum age %(b)d.", a=min_value, b=max_value), "max_age"
        )
    subsidy = _decimal(monthly_subsidy if monthly_subsidy not in (None, "") else "600", "monthly_subsidy",
                       _("Monthly subsidy"))
    if subsidy < 0 or subsidy > Decimal("100000"):
        raise RegistryError(_("Monthly subsidy must be between 0 and 100000 yuan."), "monthly_subsidy")
    days = _whole(required_days if required_days not in (None, "") else 20, "required_days", _("Required days"))
    if not 1 <= days <= 31:
        raise RegistryError(_("Required days per month must be between 1 and 31."), "required_days")
    fields = {
        "route_code": clean_text(route_code, limit=30, field="route_code", what=_l("Route code")),
        "section_start": clean_text(section_start, limit=100, field="section_start", what=_l("Section start")),
        "section_end": clean_text(section_end, limit=100, field="section_end", what=_l("Section end")),
        "road_chief": clean_text(road_chief, limit=50, field="road_chief", what=_l("Road chief")),
    }
    return PostFields(
        code=code_text,
        kind=str(kind),
        km=km_value.quantize(Decimal("0.01")),
        slots=slots_value,
        min_age=min_value,
        max_age=max_value,
        labour=check_labour(labour),
        monthly_subsidy=subsidy.quantize(Decimal("0.01")),
        required_days=days,
        road_chief_phone=check_phone(road_chief_phone, "road_chief_phone"),
        **fields,
    )


def _post_code_free(code: str, existing: Post | None) -> None:
    other = db.session.scalar(select(Post).where(Post.code == code))
    if other is not None and other is not existing:
        if outside_visible_township(other.village.township_id):
            raise RegistryError(_("Post code %(code)s is already used in another township.", code=code), "code")
        raise RegistryError(
            _("Post code %(code)s is already used (in %(village)s).", code=code, village=other.village.full_name),
            "code",
        )


def create_post(village: Village, *, actor_id: int | None, **values: Any) -> Post:
    """Create a post in an active village; the code must be unused."""
    fields = check_post(**values)
    village = active_village(village)
    _post_code_free(fields.code, None)
    post = Post(village_id=village.id, **fields.__dict__)
    post.village = village
    post.assignments = []
    db.session.add(post)
    db.session.flush()
    record_audit(AuditAction.CREATE, post, after=snap(post, POST_FIELDS), actor_id=actor_id)
    return post


def update_post(post: Post, village: Village, *, actor_id: int | None, **values: Any) -> bool:
    """Change a post under the same rules as creating; returns whether anything changed."""
    fields = check_post(**values)
    if fields.code != post.code:
        _post_code_free(fields.code, post)
    before = snapshot(post, POST_FIELDS)
    if village.id != post.village_id:
        if village.township_id != post.village.township_id:
            _closed_sheets_stay_as_paid(post, village)
        post.village = active_village(village)
        post.village_id = village.id
    for key, value in fields.__dict__.items():
        if getattr(post, key) != value:
            setattr(post, key, value)
    db.session.flush()
    return audit_update(post, before, POST_FIELDS, actor_id=actor_id)


def plan_post_edit(post: Post, village: Village, *, today: dt.date, **values: Any) -> PayChange:
    """What saving these details would do to pay: the open months whose sheet they alter (writes nothing).

    Refuses what `update_post` refuses (a field, a code in use, a move across a closed month),
    so the page never asks to confirm a change it would not save. The months come from
    attendance (`months_a_post_change_alters`: a new standard or required days, or another
    township); the page asks to confirm when one of them is submitted.
    """
    fields = check_post(**values)
    if fields.code != post.code:
        _post_code_free(fields.code, post)
    if village.id != post.village_id:
        active_village(village)
        if village.township_id != post.village.township_id:
            _closed_sheets_stay_as_paid(post, village)
    altered = months_a_post_change_alters(post, standard=fields.monthly_subsidy, required_days=fields.required_days,
                                          township_id=village.township_id, today=today)
    subject = {"post": post.id, "monthly_subsidy": str(fields.monthly_subsidy), "required_days": fields.required_days,
               "township": village.township_id}
    return PayChange(subject, altered)


def edit_post(post: Post, village: Village, *, confirmed: str | None, today: dt.date, actor_id: int | None,
              **values: Any) -> tuple[bool, PayChange]:
    """The post's edit form: update_post, refused when it alters a submitted month not confirmed as this change.

    Returns whether anything changed and the change's months (to say which pay differently).
    """
    change = plan_post_edit(post, village, today=today, **values)
    change.refuse_unconfirmed(confirmed, field="monthly_subsidy")
    return update_post(post, village, actor_id=actor_id, **values), change


def _closed_sheets_stay_as_paid(post: Post, village: Village) -> None:
    """Refuse to move a post to another township while its terms reach into a closed month.

    A township's monthly sheet lists the holders of the posts in its villages, so
    the move would take rows off the old township's paid sheet and put them on
    the new one's.  Closed months are read-only: reopening them comes first.
    """
    terms = db.session.execute(
        select(Assignment.term_start, Assignment.ended_on, Assignment.term_end).where(Assignment.post_id == post.id)
    ).all()
    for township_id in (post.village.township_id, village.township_id):
        for start, ended_on, term_end in terms:
            closed = first_closed_month(township_id, start, ended_on or term_end)
            if closed is not None:
                raise RegistryError(closed_month_message(township_id, *closed), "village_id")


def post_differs(post: Post, village: Village, fields: PostFields) -> bool:
    """Whether applying these details would change the post."""
    return post.village_id != village.id or any(getattr(post, k) != v for k, v in fields.__dict__.items())


def holders_in_force(post: Post) -> list[str]:
    """Names of the people whose agreement on this post is in force today or later."""
    return holders_in_force_where(Assignment.post_id == post.id)


def deactivate_post(post: Post, *, actor_id: int | None) -> None:
    """Deactivate a post; refused while anyone holds it."""
    holders = holders_in_force(post)
    if holders:
        raise RegistryError(
            _("Post %(code)s has %(n)d holders in force (%(names)s); end their agreements first.",
              code=post.code, n=len(holders), names="、".join(holders[:5]))
        )
    set_active(post, False, POST_FIELDS, actor_id=actor_id)


def reactivate_post(post: Post, *, actor_id: int | None) -> None:
    """Make a deactivated post active again (its village must be active)."""
    active_village(post.village)
    set_active(post, True, POST_FIELDS, actor_id=actor_id)
