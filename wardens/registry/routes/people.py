"""People: the list, a person's record and posts, the audited ID-number reveal, adding and editing."""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from ...access import DISTRICT, STAFF, may_reveal_id_numbers, roles_required
from ...dates import today
from ...extensions import db
from ...models import Assignment, Post
from ..forms import ActionForm, PersonForm
from ..operations.people import create_person, reveal_id_number, update_person
from ..search import PEOPLE_SORTS, PEOPLE_STATUSES, parse_filters, people_query
from ..summary import month_attendance_counts
from .common import (PER_PAGE, bp, current_and_past, household_or_404, list_context, page_number,
                     person_or_404)


@bp.route("/people")
@roles_required(*STAFF)
def people() -> str:
    f = parse_filters(request.args, PEOPLE_STATUSES, PEOPLE_SORTS)
    pagination = db.paginate(people_query(f), page=page_number(), per_page=PER_PAGE, error_out=False)
    return render_template("registry/people.html", pagination=pagination, **list_context("people", f))


@bp.route("/people/<int:person_id>")
@roles_required(*STAFF)
def person(person_id: int) -> str:
    p = person_or_404(person_id)
    assignments = db.session.scalars(
        select(Assignment).where(Assignment.person_id == p.id)
        .options(joinedload(Assignment.post).joinedload(Post.village))
        .order_by(Assignment.term_start.desc())
    ).all()
    day = today()
    current, past = current_and_past(assignments, day)
    revealed = session.pop("registry_revealed", None) == p.id and may_reveal_id_numbers()
    # The month's subsidy is on the township's monthly sheet, where the formula and its settings are shown.
    in_force = [a for a in current if a.in_force_on(day)]
    sheet_url = (
        url_for("attendance.sheet", township_id=in_force[0].post.village.township_id, year=day.year, month=day.month)
        if in_force
        else None
    )
    return render_template(
        "registry/person.html", person=p, household=p.household, current=current, past=past,
        counts=month_attendance_counts(p.id, day.year, day.month), month=day, revealed=revealed,
        action_form=ActionForm(), sheet_url=sheet_url,
    )


@bp.route("/people/<int:person_id>/reveal", methods=["POST"])
@roles_required(*DISTRICT)
def person_reveal(person_id: int) -> Response:
    p = person_or_404(person_id)
    if ActionForm().validate_on_submit():
        reveal_id_number(p, actor_id=current_user.id)
        session["registry_revealed"] = p.id
    return redirect(url_for("registry.person", person_id=p.id))


def _person_form_values(form: PersonForm) -> dict[str, Any]:
    return {
        "name": form.name.data, "id_number": form.id_number.data, "phone": form.phone.data,
        "labour": form.labour.data, "away_working": form.away_working.data,
        "stable_employment": form.stable_employment.data, "bank_name": form.bank_name.data,
        "bank_account": form.bank_account.data, "note": form.note.data,
    }


@bp.route("/households/<int:household_id>/people/new", methods=["GET", "POST"])
@roles_required(*STAFF)
def person_new(household_id: int) -> str | Response:
    household = household_or_404(household_id)
    form = PersonForm()
    if form.validate_on_submit():
        p = create_person(household, actor_id=current_user.id, **_person_form_values(form))
        flash(_("%(name)s has been added to household %(number)s.", name=p.name, number=household.number),
              "success")
        return redirect(url_for("registry.person", person_id=p.id))
    return render_template("registry/person_form.html", form=form, household=household, person=None)


@bp.route("/people/<int:person_id>/edit", methods=["GET", "POST"])
@roles_required(*STAFF)
def person_edit(person_id: int) -> str | Response:
    p = person_or_404(person_id)
    form = PersonForm(obj=p)  # the numbers show masked and are kept unless new ones are typed
    if form.validate_on_submit():
        changed = update_person(p, actor_id=current_user.id, **_person_form_values(form))
        flash(_("Saved.") if changed else _("Nothing changed."), "success" if changed else "info")
        return redirect(url_for("registry.person", person_id=p.id))
    return render_template("registry/person_form.html", form=form, household=p.household, person=p)
