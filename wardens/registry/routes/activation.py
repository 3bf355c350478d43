"""Deactivating and reactivating any register record, each refused by its entity's rule."""
from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from ...access import DISTRICT, STAFF, roles_required
from ...extensions import db
from ...models import Township, Village
from ..forms import ActionForm
from ..operations.households import deactivate_household, reactivate_household
from ..operations.people import deactivate_person, reactivate_person
from ..operations.places import deactivate_township, deactivate_village, reactivate_township, reactivate_village
from ..operations.posts import deactivate_post, reactivate_post
from .common import bp, household_or_404, person_or_404, post_or_404


def _target(kind: str, obj_id: int) -> tuple[Any, str]:
    """The record a deactivate/reactivate names and the page to go back to."""
    if kind in ("township", "village") and current_user.role not in DISTRICT:
        abort(403)
    if kind == "township":
        return db.get_or_404(Township, obj_id), url_for("registry.places")
    if kind == "village":
        return db.get_or_404(Village, obj_id), url_for("registry.places")
    if kind == "household":
        return household_or_404(obj_id), url_for("registry.household", household_id=obj_id)
    if kind == "person":
        return person_or_404(obj_id), url_for("registry.person", person_id=obj_id)
    if kind == "post":
        return post_or_404(obj_id), url_for("registry.post", post_id=obj_id)
    abort(404)


DEACTIVATE = {
    "township": (deactivate_township, reactivate_township),
    "village": (deactivate_village, reactivate_village),
    "household": (deactivate_household, reactivate_household),
    "person": (deactivate_person, reactivate_person),
    "post": (deactivate_post, reactivate_post),
}


@bp.route("/<any(township, village, household, person, post):kind>/<int:obj_id>/deactivate", methods=["POST"])
@roles_required(*STAFF)
def deactivate(kind: str, obj_id: int) -> Response:
    obj, back = _target(kind, obj_id)
    if ActionForm().validate_on_submit():
        DEACTIVATE[kind][0](obj, actor_id=current_user.id)
        flash(_("Deactivated."), "success")
    return redirect(back)


@bp.route("/<any(township, village, household, person, post):kind>/<int:obj_id>/reactivate", methods=["POST"])
@roles_required(*STAFF)
def reactivate(kind: str, obj_id: int) -> Response:
    obj, back = _target(kind, obj_id)
    if ActionForm().validate_on_submit():
        DEACTIVATE[kind][1](obj, actor_id=current_user.id)
        flash(_("Active again."), "success")
    return redirect(back)
