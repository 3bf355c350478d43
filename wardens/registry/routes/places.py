"""Places, for the district office only: townships and villages, with each village's neighbours."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from ...access import DISTRICT, roles_required
from ...extensions import db
from ...models import Household, Post, Township, Village
from ...record_ids import record_id
from ..forms import ActionForm, TownshipForm, VillageForm
from ..operations.places import create_township, create_village, set_neighbours, update_township, update_village
from ..search import visible_townships, visible_villages
from .common import bp


@bp.route("/places")
@roles_required(*DISTRICT)
def places() -> str:
    townships = db.session.scalars(
        select(Township).options(selectinload(Township.villages).selectinload(Village.neighbours))
        .order_by(Township.name)
    ).all()
    posts = dict(db.session.execute(
        select(Post.village_id, func.count(Post.id)).where(Post.active.is_(True)).group_by(Post.village_id)).all())
    households = dict(db.session.execute(
        select(Household.village_id, func.count(Household.id)).where(Household.active.is_(True))
        .group_by(Household.village_id)).all())
    return render_template("registry/places.html", townships=townships, posts=posts, households=households,
                           action_form=ActionForm())


@bp.route("/places/townships/new", methods=["GET", "POST"])
@roles_required(*DISTRICT)
def township_new() -> str | Response:
    form = TownshipForm()
    if form.validate_on_submit():
        t = create_township(form.name.data, code=form.code.data, actor_id=current_user.id)
        flash(_("Township %(name)s has been added.", name=t.name), "success")
        return redirect(url_for("registry.places"))
    return render_template("registry/township_form.html", form=form, township=None)


@bp.route("/places/townships/<int:township_id>/edit", methods=["GET", "POST"])
@roles_required(*DISTRICT)
def township_edit(township_id: int) -> str | Response:
    t = db.get_or_404(Township, township_id)
    form = TownshipForm(obj=t)
    if form.validate_on_submit():
        update_township(t, name=form.name.data, code=form.code.data, actor_id=current_user.id)
        flash(_("Saved."), "success")
        return redirect(url_for("registry.places"))
    return render_template("registry/township_form.html", form=form, township=t)


def _neighbour_choices(exclude: int | None) -> list[tuple[int, str]]:
    return [(v.id, v.full_name) for v in visible_villages() if v.id != exclude and v.active]


def _with_neighbours(village: Village, form: VillageForm) -> Village:
    """Give the village the neighbours the form chose; returns it."""
    set_neighbours(village, [db.session.get(Village, i) for i in form.neighbours.data or []], actor_id=current_user.id)
    return village


@bp.route("/places/villages/new", methods=["GET", "POST"])
@roles_required(*DISTRICT)
def village_new() -> str | Response:
    form = VillageForm()
    form.township_id.choices = [(t.id, t.name) for t in visible_townships() if t.active]
    form.neighbours.choices = _neighbour_choices(None)
    asked = record_id(request.args.get("township"))
    if request.method == "GET" and asked is not None:
        form.township_id.data = asked
    if form.validate_on_submit():
        v = _with_neighbours(create_village(
            db.session.get(Township, form.township_id.data), form.name.data,
            code=form.code.data, road_km=form.road_km.data, actor_id=current_user.id), form)
        flash(_("Village %(name)s has been added.", name=v.full_name), "success")
        return redirect(url_for("registry.places"))
    return render_template("registry/village_form.html", form=form, village=None)


@bp.route("/places/villages/<int:village_id>/edit", methods=["GET", "POST"])
@roles_required(*DISTRICT)
def village_edit(village_id: int) -> str | Response:
    v = db.get_or_404(Village, village_id)
    form = VillageForm(obj=v)
    form.township_id.choices = [(v.township_id, v.township.name)]
    form.neighbours.choices = _neighbour_choices(v.id)
    if request.method == "GET":
        form.neighbours.data = [n.id for n in v.neighbours]
    if form.validate_on_submit():
        _with_neighbours(
            update_village(v, name=form.name.data, code=form.code.data, road_km=form.road_km.data, actor_id=current_user.id), form)
        flash(_("Saved."), "success")
        return redirect(url_for("registry.places"))
    return render_template("registry/village_form.html", form=form, village=v)
