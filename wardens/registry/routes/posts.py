"""Posts: the list, a post's record and holders, creating and editing, and how many posts each village needs."""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from ...access import STAFF, roles_required
from ...attendance.pay_changes import months_text
from ...dates import today
from ...extensions import db
from ...labels import POST_KINDS
from ...models import Assignment, Person, Village, current_settings
from ..forms import ActionForm, PostForm
from ..operations.posts import create_post, edit_post, plan_post_edit
from ..search import POST_SORTS, POST_STATUSES, filled_counts, parse_filters, posts_query
from ..sizing import village_sizing
from .common import (
    PER_PAGE,
    bp,
    current_and_past,
    list_context,
    page_number,
    post_or_404,
    village_choices,
)


@bp.route("/posts")
@roles_required(*STAFF)
def posts() -> str:
    f = parse_filters(request.args, POST_STATUSES, POST_SORTS)
    pagination = db.paginate(posts_query(f), page=page_number(), per_page=PER_PAGE, error_out=False)
    filled = filled_counts([p.id for p in pagination.items])
    return render_template("registry/posts.html", pagination=pagination, filled=filled,
                           kinds=_kinds(), **list_context("posts", f))


def _kinds() -> list[tuple[str, Any]]:
    return list(POST_KINDS.items())


def _post_form_values(form: PostForm) -> dict[str, Any]:
    keys = ("code", "kind", "route_code", "section_start", "section_end", "km", "slots", "min_age", "max_age",
            "labour", "monthly_subsidy", "required_days", "road_chief", "road_chief_phone")
    return {k: getattr(form, k).data for k in keys}


@bp.route("/posts/new", methods=["GET", "POST"])
@roles_required(*STAFF)
def post_new() -> str | Response:
    form = PostForm()
    form.village_id.choices = village_choices()
    if request.method == "GET":
        # A new post starts from the district's defaults in the settings version in force today.
        defaults = current_settings()
        form.min_age.data, form.max_age.data = defaults.min_age, defaults.max_age
        form.labour.data = defaults.default_labour
        form.monthly_subsidy.data, form.required_days.data = defaults.monthly_subsidy, defaults.required_days
    if form.validate_on_submit():
        post = create_post(db.session.get(Village, form.village_id.data), actor_id=current_user.id, **_post_form_values(form))
        flash(_("Post %(code)s has been created.", code=post.code), "success")
        return redirect(url_for("registry.post", post_id=post.id))
    return render_template("registry/post_form.html", form=form, post=None)


@bp.route("/posts/<int:post_id>")
@roles_required(*STAFF)
def post(post_id: int) -> str:
    p = post_or_404(post_id)
    assignments = db.session.scalars(
        select(Assignment).where(Assignment.post_id == p.id)
        .options(joinedload(Assignment.person).joinedload(Person.household))
        .order_by(Assignment.term_start.desc())
    ).all()
    current, past = current_and_past(assignments, today())
    return render_template("registry/post.html", post=p, current=current, past=past, action_form=ActionForm())


@bp.route("/posts/<int:post_id>/edit", methods=["GET", "POST"])
@roles_required(*STAFF)
def post_edit(post_id: int) -> str | Response:
    p = post_or_404(post_id)
    form = PostForm(obj=p)
    form.village_id.choices = village_choices()
    if p.village_id not in dict(form.village_id.choices):
        form.village_id.choices.append((p.village_id, p.village.full_name))
    if form.validate_on_submit():
        village, values = db.session.get(Village, form.village_id.data), _post_form_values(form)
        change = plan_post_edit(p, village, today=today(), **values)  # refuses what the save would, by the field
        if change.needs_confirmation(form.confirmed.data):
            form.confirmed.data = change.token
            return render_template("registry/post_form.html", form=form, post=p, change=change)
        changed, change = edit_post(p, village, confirmed=form.confirmed.data, today=today(), actor_id=current_user.id,
                                    **values)
        flash(_("Saved.") if changed else _("Nothing changed."), "success" if changed else "info")
        if changed and change.altered:
            flash(_("Months whose pay changes: %(months)s.", months=months_text(change.altered)), "info")
        return redirect(url_for("registry.post", post_id=p.id))
    return render_template("registry/post_form.html", form=form, post=p)


@bp.route("/posts/sizing")
@roles_required(*STAFF)
def sizing() -> str:
    f = parse_filters(request.args, set(), {})
    lines = village_sizing(f)
    return render_template("registry/sizing.html", lines=lines, settings=current_settings(),
                           **list_context("sizing", f))
