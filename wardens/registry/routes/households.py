"""Households: the list, a household's record, adding and editing, and setting or clearing its flags."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ...access import STAFF, roles_required
from ...dates import today
from ...extensions import db
from ...labels import label
from ...models import Village
from ..forms import ActionForm, FlagClearForm, FlagSetForm, HouseholdForm
from ..operations.households import clear_household_flag, create_household, set_household_flag, update_household
from ..search import HOUSEHOLD_SORTS, HOUSEHOLD_STATUSES, households_query, parse_filters
from .common import PER_PAGE, bp, household_or_404, list_context, page_number, village_choices


@bp.route("/households")
@roles_required(*STAFF)
def households() -> str:
    f = parse_filters(request.args, HOUSEHOLD_STATUSES, HOUSEHOLD_SORTS)
    pagination = db.paginate(households_query(f), page=page_number(), per_page=PER_PAGE, error_out=False)
    return render_template("registry/households.html", pagination=pagination, **list_context("households", f))


@bp.route("/households/new", methods=["GET", "POST"])
@roles_required(*STAFF)
def household_new() -> str | Response:
    form = HouseholdForm()
    form.village_id.choices = village_choices()
    if form.validate_on_submit():
        household = create_household(
            form.number.data, db.session.get(Village, form.village_id.data), address=form.address.data,
            cadre=form.cadre.data, note=form.note.data,
            actor_id=current_user.id,
        )
        flash(_("Household %(number)s has been registered.", number=household.number), "success")
        return redirect(url_for("registry.household", household_id=household.id))
    return render_template("registry/household_form.html", form=form, household=None)


@bp.route("/households/<int:household_id>")
@roles_required(*STAFF)
def household(household_id: int) -> str:
    h = household_or_404(household_id)
    flag_form = FlagSetForm(formdata=None, recorded_on=today())
    clear_form = FlagClearForm(formdata=None, cleared_on=today())
    clear_form.flag.choices = [(f.flag, label_flag(f.flag)) for f in h.current_flags]
    history = sorted(h.flags, key=lambda fl: (fl.recorded_on, fl.id), reverse=True)
    return render_template("registry/household.html", household=h, flag_form=flag_form, clear_form=clear_form,
                           history=history, action_form=ActionForm())


def label_flag(code: str) -> str:
    return label("flag", code)


@bp.route("/households/<int:household_id>/edit", methods=["GET", "POST"])
@roles_required(*STAFF)
def household_edit(household_id: int) -> str | Response:
    h = household_or_404(household_id)
    form = HouseholdForm(obj=h)
    form.village_id.choices = village_choices()
    if h.village_id not in dict(form.village_id.choices):
        form.village_id.choices.append((h.village_id, h.village.full_name))
    if form.validate_on_submit():
        changed = update_household(
            h, number=form.number.data, village=db.session.get(Village, form.village_id.data),
            address=form.address.data, cadre=form.cadre.data, note=form.note.data,
            actor_id=current_user.id,
        )
        flash(_("Saved.") if changed else _("Nothing changed."), "success" if changed else "info")
        return redirect(url_for("registry.household", household_id=h.id))
    return render_template("registry/household_form.html", form=form, household=h)


@bp.route("/households/<int:household_id>/flags", methods=["POST"])
@roles_required(*STAFF)
def flag_set(household_id: int) -> str | Response:
    h = household_or_404(household_id)
    form = FlagSetForm()
    if form.validate_on_submit():
        set_household_flag(
            h, form.flag.data, form.recorded_on.data, note=form.note.data, source=form.source.data, actor_id=current_user.id)
        flash(_("Flag %(flag)s recorded.", flag=label_flag(form.flag.data)), "success")
        return redirect(url_for("registry.household", household_id=h.id))
    h = household_or_404(household_id)
    clear_form = FlagClearForm(formdata=None, cleared_on=today())
    clear_form.flag.choices = [(f.flag, label_flag(f.flag)) for f in h.current_flags]
    history = sorted(h.flags, key=lambda fl: (fl.recorded_on, fl.id), reverse=True)
    return render_template("registry/household.html", household=h, flag_form=form, clear_form=clear_form,
                           history=history, action_form=ActionForm())


@bp.route("/households/<int:household_id>/flags/clear", methods=["POST"])
@roles_required(*STAFF)
def flag_clear(household_id: int) -> str | Response:
    h = household_or_404(household_id)
    form = FlagClearForm()
    form.flag.choices = [(f.flag, label_flag(f.flag)) for f in h.current_flags]
    if form.validate_on_submit():
        clear_household_flag(
            h, form.flag.data, form.cleared_on.data, reason=form.reason.data, actor_id=current_user.id)
        flash(_("Flag %(flag)s cleared.", flag=label_flag(form.flag.data)), "success")
        return redirect(url_for("registry.household", household_id=h.id))
    h = household_or_404(household_id)
    flag_form = FlagSetForm(formdata=None, recorded_on=today())
    history = sorted(h.flags, key=lambda fl: (fl.recorded_on, fl.id), reverse=True)
    return render_template("registry/household.html", household=h, flag_form=flag_form, clear_form=form,
                           history=history, action_form=ActionForm())
