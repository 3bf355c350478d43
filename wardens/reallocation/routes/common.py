"""What every reallocation page shares: the blueprint, the reader's language, lookups and prefilled forms."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, request
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ...dates import today
from ...extensions import db
from ...models import AllocationRun, Application, Post, Round, Village
from ...models.enums import DismissalRule, Exclusion
from ...record_ids import record_id
from ..forms import NoticeForm, ObjectionForm
from ..notice import earliest_notice_start
from ..proposal import CHANGE_KINDS, change_label

bp = Blueprint("reallocation", __name__, url_prefix="/reallocation")


@bp.app_context_processor
def helpers() -> dict[str, Any]:
    return {"exclusion_label": Exclusion.label_of, "rule_label": DismissalRule.label_of,
            "change_label": change_label, "change_kinds": CHANGE_KINDS}


def lang() -> str:
    return "en" if str(get_locale()) == "en" else "zh"


def user_id() -> int:
    return int(current_user.id)


def post_codes() -> list[Post]:
    """The open posts for the choice lists, with their villages and townships (the list names them)."""
    return list(db.session.scalars(select(Post).where(Post.active).order_by(Post.code)
                                   .options(selectinload(Post.village).selectinload(Village.township))))


def print_place_arg(name: str) -> int | None:
    """A printout's township or village from the query string: none given, the whole district;
    given but not an id (too large, not a number), no such place (404), as an unknown id is —
    never the whole district's printout in its place."""
    raw = request.args.get(name)
    if not raw:
        return None
    place_id = record_id(raw)
    if place_id is None:
        abort(404)
    return place_id


def get_round(round_id: int) -> Round:
    return db.get_or_404(Round, round_id)


def get_application(round_id: int, application_id: int) -> Application:
    application = db.get_or_404(Application, application_id)
    if application.round_id != round_id:
        abort(404)
    return application


def notice_form(latest: AllocationRun | None) -> NoticeForm:
    """The notice form for the run shown (the latest one on the round page), from the first day it may start."""
    form = NoticeForm(formdata=None)
    form.start.data = today()
    if latest is not None:
        form.run_id.data = str(latest.id)
        form.start.data = earliest_notice_start(latest, today())
    return form


def objection_form() -> ObjectionForm:
    form = ObjectionForm(formdata=None)
    form.raised_on.data = today()
    return form
