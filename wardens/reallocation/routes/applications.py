"""Applications to a round: from the register, for a new person, one by one, and from a spreadsheet."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response as WerkzeugResponse

from ... import uploads
from ...access import DISTRICT, roles_required
from ...errors import BadInput
from ...extensions import db
from ...models import Application, Household, Person, RunKind, Village
from ...models.enums import ROUND_EDITABLE, require_state
from ...record_ids import record_id
from ...registry.operations import create_household, create_person
from ...spreadsheets import table_notes
from .. import applications, pins
from ..decisions import decision_in_run
from ..errors import RefusedError
from ..forms import (ActionForm, ApplyForm, ChoicesForm, ChoosePersonForm, ExcludeForm, ImportApplyForm, ImportForm,
                     NewApplicantForm, PinForm)
from .common import bp, get_application, get_round, lang, post_codes, user_id


@bp.route("/rounds/<int:round_id>/apply", methods=["GET", "POST"])
@roles_required(*DISTRICT)
def apply(round_id: int) -> str | WerkzeugResponse:
    rnd = get_round(round_id)
    search = ChoosePersonForm(request.args)
    people = applications.find_people(search.q.data or "")
    applied = set(db.session.scalars(select(Application.person_id).where(Application.round_id == rnd.id)))
    form = ApplyForm()
    if form.validate_on_submit():
        person_id = record_id(form.person_id.data)
        person = db.session.get(Person, person_id) if person_id else None
        if person is None:
            raise BadInput(_("Choose a person first."), field="person_id")
        applications.add_application(rnd, person, form.codes(), actor_id=user_id())
        flash(_("Application of %(name)s added.", name=person.name), "success")
        return redirect(url_for(".round_view", round_id=rnd.id))
    if request.method == "GET" and record_id(request.args.get("person")):
        form.person_id.data = request.args["person"]
    chosen_id = record_id(form.person_id.data)
    chosen = db.session.get(Person, chosen_id) if chosen_id else None
    return render_template("reallocation/apply.html", rnd=rnd, search=search, people=people, applied=applied,
                           form=form, chosen=chosen, posts=post_codes())


@bp.route("/rounds/<int:round_id>/apply/new", methods=["GET", "POST"])
@roles_required(*DISTRICT)
def apply_new(round_id: int) -> str | WerkzeugResponse:
    rnd = get_round(round_id)
    form = NewApplicantForm()
    villages = list(db.session.scalars(select(Village).where(Village.active).order_by(Village.township_id, Village.name)))
    form.village_id.choices = [(0, "—")] + [(v.id, v.full_name) for v in villages]
    if form.validate_on_submit():
        require_state(rnd, *ROUND_EDITABLE)
        household = db.session.scalar(select(Household).where(Household.number == form.household_number.data.strip()))
        if household is None:
            village = db.session.get(Village, form.village_id.data or 0)
            if village is None:
                raise RefusedError(_("Household %(number)s is not registered: choose its village to register it.",
                                     number=form.household_number.data.strip()), field="village_id")
            household = create_household(form.household_number.data, village, actor_id=user_id())
        person = create_person(household, name=form.name.data, id_number=form.id_number.data,
                               phone=form.phone.data or None, labour=form.labour.data, actor_id=user_id())
        applications.add_application(rnd, person, form.codes(), actor_id=user_id())
        flash(_("%(name)s registered and the application added.", name=person.name), "success")
        return redirect(url_for(".round_view", round_id=rnd.id))
    return render_template("reallocation/apply_new.html", rnd=rnd, form=form, posts=post_codes())


@bp.route("/rounds/<int:round_id>/applications/<int:application_id>", methods=["GET", "POST"])
@roles_required(*DISTRICT)
def application_view(round_id: int, application_id: int) -> str | WerkzeugResponse:
    application = get_application(round_id, application_id)
    rnd = application.round
    choices = ChoicesForm(prefix="c")
    exclude = ExcludeForm(prefix="x")
    pin_form = PinForm(prefix="p")
    if request.method == "GET":
        for i, post in enumerate(application.choices):
            getattr(choices, f"choice{i + 1}").data = post.code
        exclude.code.data = application.excluded_code or ""
        if application.pinned_post is not None:
            pin_form.post.data = application.pinned_post.code
            pin_form.reason.data = application.pin_reason
    action = request.form.get("action")
    here = url_for(".application_view", round_id=rnd.id, application_id=application.id)
    if action == "choices" and choices.validate_on_submit():
        applications.change_choices(application, choices.codes(), actor_id=user_id())
        flash(_("Choices saved."), "success")
        return redirect(here)
    if action == "exclude" and exclude.validate_on_submit():
        applications.set_exclusion(application, exclude.code.data or None, exclude.note.data, actor_id=user_id())
        flash(_("Exclusion saved."), "success")
        return redirect(here)
    if action == "pin" and pin_form.validate_on_submit():
        post = applications.open_post_by_code(pin_form.post.data)
        if post is None:
            raise RefusedError(_("Post %(code)s is not open in this round: there is no active post with that code.",
                                 code=pin_form.post.data.strip()), field="post")
        pins.pin(application, post, pin_form.reason.data, actor_id=user_id())
        flash(_("%(name)s pinned to %(code)s. Run the matcher again to see the effect.",
                name=application.person.name, code=post.code), "success")
        return redirect(url_for(".round_view", round_id=rnd.id))
    decision = None
    round_runs = [r for r in rnd.runs if r.kind == RunKind.ROUND]
    if round_runs:
        decision = decision_in_run(rnd, rnd.chosen_run or round_runs[-1], application.person_id, lang())
    return render_template("reallocation/application.html", rnd=rnd, a=application, choices=choices,
                           exclude=exclude, pin_form=pin_form, action_form=ActionForm(), posts=post_codes(),
                           decision=decision)


@bp.route("/rounds/<int:round_id>/applications/<int:application_id>/unpin", methods=["POST"])
@roles_required(*DISTRICT)
def application_unpin(round_id: int, application_id: int) -> WerkzeugResponse:
    application = get_application(round_id, application_id)
    if ActionForm().validate_on_submit():
        pins.unpin(application, actor_id=user_id())
        flash(_("Pin removed."), "success")
    return redirect(url_for(".application_view", round_id=round_id, application_id=application_id))


@bp.route("/rounds/<int:round_id>/applications/<int:application_id>/withdraw", methods=["POST"])
@roles_required(*DISTRICT)
def application_withdraw(round_id: int, application_id: int) -> WerkzeugResponse:
    application = get_application(round_id, application_id)
    if not ActionForm().validate_on_submit():
        # Refused (or not a valid submission): the application is still there to look at.
        return redirect(url_for(".application_view", round_id=round_id, application_id=application_id))
    name = application.person.name
    applications.withdraw(application, actor_id=user_id())
    flash(_("Application of %(name)s withdrawn.", name=name), "success")
    return redirect(url_for(".round_view", round_id=round_id))


@bp.route("/rounds/<int:round_id>/import", methods=["GET", "POST"])
@roles_required(*DISTRICT)
def import_applications(round_id: int) -> str | WerkzeugResponse:
    rnd = get_round(round_id)
    form = ImportForm()
    apply_form = ImportApplyForm(formdata=None)
    rows = None
    notes: list[str] = []
    if form.validate_on_submit():
        # A file that cannot be read or checked is refused by its field (and not kept).
        file = form.file.data
        require_state(rnd, *ROUND_EDITABLE)
        upload = uploads.keep(file.read(), file.filename or "", kind="applications", user_id=user_id(),
                              options={"round_id": rnd.id})
        table = uploads.table(upload, max_rows=applications.IMPORT_MAX_ROWS, headers=applications.IMPORT_HEADER_WORDS)
        rows = applications.check_import(rnd, table)
        notes = table_notes(table)
        apply_form.token.data = upload.token
    return render_template("reallocation/import.html", rnd=rnd, form=form, apply_form=apply_form, rows=rows,
                           notes=notes)


@bp.route("/rounds/<int:round_id>/import/apply", methods=["POST"])
@roles_required(*DISTRICT)
def import_apply(round_id: int) -> str | WerkzeugResponse:
    rnd = get_round(round_id)
    form = ImportApplyForm()
    if not form.validate_on_submit():
        # Refused (or not a valid submission): back to the upload, where the message shows.
        return redirect(url_for(".import_applications", round_id=rnd.id))
    # The file checked in the preview, kept on the server for this user and this round.
    upload = uploads.load(form.token.data, user_id=user_id(), kind="applications")
    if upload is None or upload.options.get("round_id") != rnd.id:
        flash(_("The uploaded file has expired; upload it again."), "error")
        return redirect(url_for(".import_applications", round_id=rnd.id))
    require_state(rnd, *ROUND_EDITABLE)
    table = uploads.table(upload, max_rows=applications.IMPORT_MAX_ROWS, headers=applications.IMPORT_HEADER_WORDS)
    n = applications.apply_import(rnd, applications.check_import(rnd, table), actor_id=user_id())
    uploads.discard(upload.token)
    flash(_("%(n)d applications added.", n=n), "success")
    return redirect(url_for(".round_view", round_id=rnd.id))
