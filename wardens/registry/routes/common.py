"""What every register page shares: the blueprint, paging, list filters, record lookups."""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from flask import Blueprint, abort, request
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ... import record_ids
from ...access import check_township
from ...extensions import db
from ...labels import _ALL
from ...models import Assignment, Household, Person, Post, Village
from ..forms import ExportForm
from ..search import Filters, visible_townships, visible_villages

bp = Blueprint("registry", __name__)
PER_PAGE = 50


@bp.context_processor
def register_helpers() -> dict[str, Any]:
    def label_items(kind: str) -> list[tuple[str, str]]:
        """(code, word) pairs of a vocabulary, for filter menus."""
        return [(code, str(word)) for code, word in _ALL[kind].items()]

    return {"label_items": label_items}


def page_number() -> int:
    return record_ids.page_number(request.args.get("page"))


def village_choices(active_only: bool = True) -> list[tuple[int, str]]:
    return [(v.id, v.full_name) for v in visible_villages() if v.active or not active_only]


def list_context(name: str, f: Filters) -> dict[str, Any]:
    villages = visible_villages()
    if f.township:
        villages = [v for v in villages if v.township_id == f.township]
    return {
        "filters": f,
        "filter_args": f.args(),
        "townships": visible_townships(),
        "villages": villages,
        "export_form": ExportForm(formdata=None),
        "list_name": name,
    }


def household_or_404(household_id: int) -> Household:
    household = db.session.scalar(
        select(Household).where(Household.id == household_id).options(
            joinedload(Household.village).joinedload(Village.township),
            selectinload(Household.flags), selectinload(Household.members),
        )
    )
    if household is None:
        abort(404)
    check_township(household.village.township_id)
    return household


def person_or_404(person_id: int) -> Person:
    person = db.session.scalar(
        select(Person).where(Person.id == person_id).options(
            joinedload(Person.household).joinedload(Household.village).joinedload(Village.township),
            joinedload(Person.household).selectinload(Household.flags),
        )
    )
    if person is None:
        abort(404)
    check_township(person.household.village.township_id)
    return person


def post_or_404(post_id: int) -> Post:
    post = db.session.scalar(
        select(Post).where(Post.id == post_id).options(joinedload(Post.village).joinedload(Village.township))
    )
    if post is None:
        abort(404)
    check_township(post.village.township_id)
    return post


def current_and_past(assignments: Sequence[Assignment], day: dt.date) -> tuple[list[Assignment], list[Assignment]]:
    """Split terms into those in force or still to come on ``day``, and those already over."""
    current = [a for a in assignments if a.in_force_on(day) or a.term_start > day]
    return current, [a for a in assignments if a not in current]
