"""The office's pages for the yearly round, the public notice, approval and dismissal review."""
from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response as WerkzeugResponse

from ..access import DISTRICT, roles_required
from ..dates import today
from ..extensions import db
from ..idnumber import normalise_id_number
from ..models import (
    AllocationRun,
    Application,
    DismissalCase,
    Household,
    Objection,
    Person,
    Post,
    Round,
    RunKind,
    Township,
    Village,
    get_settings,
)
from ..models.enums import ROUND_EDITABLE, require_state
from ..record_ids import page_number, record_id
from .. import uploads
from ..spreadsheets import SpreadsheetError, table_notes
from . import adapter, applications, approval, dismissal, notice, pins, rounds
from .errors import RefusedError
from .forms import (
    ActionForm,
    ApplyForm,
    ChoicesForm,
    ChoosePersonForm,
    ClearForm,
    DismissForm,
    ExcludeForm,
    FillForm,
    ImportApplyForm,
    ImportForm,
    NewApplicantForm,
    NoticeForm,
    ObjectionForm,
    OpenRoundForm,
    PinForm,
    RunForm,
    SettleForm,
)
from .proposal import CHANGE_KINDS, Filters, change_label, compare_runs, read_proposal, read_run

bp = Blueprint("reallocation", __name__, url_prefix="/reallocation")
# More agreements than this are printed one township at a time (a page stays under 500 KB).
AGREEMENTS_AT_ONCE = 200


@bp.app_context_processor
def helpers() -> dict[str, Any]:
    return {"state_label": rounds.state_label, "exclusion_label": applications.exclusion_label,
            "rule_label": dismissal.rule_label, "change_label": change_label, "change_kinds": CHANGE_KINDS}


def lang() -> str:
    return "en" if str(get_locale()) == "en" else "zh"


def user_id() -> int:
    return int(current_user.id)


def refused(exc: RefusedError, form: Any = None) -> None:
    """Show a refusal by its field when the form has it, else as a flash; roll back everything."""
    db.session.rollback()
    field = getattr(form, exc.field, None) if (form is not None and exc.field) else None
    if field is not None:
        field.errors = list(field.errors) + exc.messages
    else:
        for message in exc.messages:
            flash(message, "error")


def post_codes() -> list[Post]:
    """The open posts for the choice lists, with their villages and townships (the list names them)."""
    return list(db.session.scalars(select(Post).where(Post.active).order_by(Post.code)
                                   .options(selectinload(Post.village).selectinload(Village.township))))


# -- rounds ------------------------------------------------------------------------------

@bp.route("/rounds", endpoint="rounds")
@roles_required(*DISTRICT)
def rounds_list() -> str:
    all_rounds = list(db.session.scalars(select(Round).order_by(Round.year.desc(), Round.id.desc())))
    counts = dict(db.session.execute(select(Application.round_id, db.func.count()).group_by(Application.round_id)).all())
    return render_template("reallocation/rounds.html", rounds=all_rounds, counts=counts)


@bp.route("/rounds/new", methods=["GET", "POST"])
@roles_required(*DISTRICT)
def round_new() -> str | WerkzeugResponse:
    day = today()
    form = OpenRoundForm()
    if request.method == "GET":
        first, last = rounds.default_term(day)
        form.year.data = first.year
        form.name.data = _("%(year)d yearly adjustment", year=first.year)
        form.term_start.data, form.term_end.data, form.reference_date.data = first, last, first
        form.notice_days.data = get_settings().notice_days
    if form.validate_on_submit():
        try:
            rnd = rounds.open_round(name=form.name.data, year=form.year.data, term_start=form.term_start.data,
                                    term_end=form.term_end.data, reference_date=form.reference_date.data,
                                    notice_days=form.notice_days.data, today=day, user_id=user_id())
        except RefusedError as exc:
            refused(exc, form)
        else:
            db.session.commit()
            flash(_("Round opened with %(n)d current holders included.", n=len(rnd.applications)), "success")
            return redirect(url_for(".round_view", round_id=rnd.id))
    return render_template("reallocation/round_new.html", form=form)


def get_round(round_id: int) -> Round:
    return db.get_or_404(Round, round_id)


@bp.route("/rounds/<int:round_id>")
@roles_required(*DISTRICT)
def round_view(round_id: int) -> str:
    rnd = get_round(round_id)
    q = (request.args.get("q") or "").strip()
    stmt = (select(Application).where(Application.round_id == rnd.id).join(Person, Person.id == Application.person_id)
            .options(selectinload(Application.person).selectinload(Person.household).selectinload(Household.village),
                     *(selectinload(rel) for rel in (Application.current_post, Application.pinned_post,
                                                     Application.choice1, Application.choice2, Application.choice3)))
            .order_by(Person.name, Person.id))
    if q:
        # autoescape: '%', '_' and a backslash are text typed, not LIKE wildcards or (PostgreSQL) its escape.
        stmt = stmt.where(Person.name.contains(q, autoescape=True) | (Person.id_last4 == normalise_id_number(q)))
    page = db.paginate(stmt, page=page_number(request.args.get("page")), per_page=50, error_out=False)
    total = db.session.scalar(select(db.func.count()).where(Application.round_id == rnd.id)) or 0
    excluded = db.session.scalar(select(db.func.count()).where(Application.round_id == rnd.id,
                                                               Application.excluded_reason.is_not(None))) or 0
    pinned = db.session.scalar(select(db.func.count()).where(Application.round_id == rnd.id,
                                                             Application.pinned_post_id.is_not(None))) or 0
    holders = db.session.scalar(select(db.func.count()).where(Application.round_id == rnd.id,
                                                              Application.current_post_id.is_not(None))) or 0
    round_runs = [r for r in rnd.runs if r.kind == RunKind.ROUND]
    latest = round_runs[-1] if round_runs else None
    return render_template(
        "reallocation/round.html", rnd=rnd, page=page, q=q, total=total, excluded=excluded, pinned=pinned,
        holders=holders, runs=round_runs, latest=latest, latest_current=latest is not None and adapter.is_current(latest),
        run_form=RunForm(), notice_form=_notice_form(rnd, latest), action=ActionForm(),
        objection_form=_objection_form(), objections=notice.round_objections(rnd), settle_form=SettleForm(),
        townships=list(db.session.scalars(select(Township).order_by(Township.name)
                                          .options(selectinload(Township.villages)))), day=today(),
    )


def _notice_form(rnd: Round, latest: AllocationRun | None) -> NoticeForm:
    form = NoticeForm(formdata=None)
    form.start.data = today()
    if latest is not None:
        form.run_id.data = str(latest.id)
    return form


def _objection_form() -> ObjectionForm:
    form = ObjectionForm(formdata=None)
    form.raised_on.data = today()
    return form


@bp.route("/rounds/<int:round_id>/holders", methods=["POST"])
@roles_required(*DISTRICT)
def round_holders(round_id: int) -> WerkzeugResponse:
    rnd = get_round(round_id)
    if ActionForm().validate_on_submit():
        try:
            require_state(rnd, *ROUND_EDITABLE)
            added, refreshed = applications.include_current_holders(rnd, today())
        except RefusedError as exc:
            refused(exc)
        else:
            db.session.commit()
            flash(_("Current holders: %(added)d added, %(refreshed)d refreshed.", added=added, refreshed=refreshed),
                  "success")
    return redirect(url_for(".round_view", round_id=rnd.id))


# -- applications ---------------------------------------------------------------------

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
            form.person_id.errors = [_("Choose a person first.")]
        else:
            try:
                applications.add_application(rnd, person, form.codes())
            except RefusedError as exc:
                refused(exc, form)
            else:
                db.session.commit()
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
    from ..registry.operations import RegistryError, create_household, create_person

    rnd = get_round(round_id)
    form = NewApplicantForm()
    villages = list(db.session.scalars(select(Village).where(Village.active).order_by(Village.township_id, Village.name)))
    form.village_id.choices = [(0, "—")] + [(v.id, v.full_name) for v in villages]
    if form.validate_on_submit():
        try:
            require_state(rnd, *ROUND_EDITABLE)
            household = db.session.scalar(select(Household).where(Household.number == form.household_number.data.strip()))
            if household is None:
                village = db.session.get(Village, form.village_id.data or 0)
                if village is None:
                    raise RefusedError(_("Household %(number)s is not registered: choose its village to register it.",
                                         number=form.household_number.data.strip()), field="village_id")
                household = create_household(form.household_number.data, village)
            person = create_person(household, name=form.name.data, id_number=form.id_number.data,
                                   phone=form.phone.data or None, labour=form.labour.data)
            applications.add_application(rnd, person, form.codes())
        except RegistryError as exc:
            refused(RefusedError(exc.message, field={"number": "household_number"}.get(exc.field or "", exc.field)), form)
        except RefusedError as exc:
            refused(exc, form)
        else:
            db.session.commit()
            flash(_("%(name)s registered and the application added.", name=person.name), "success")
            return redirect(url_for(".round_view", round_id=rnd.id))
    return render_template("reallocation/apply_new.html", rnd=rnd, form=form, posts=post_codes())


def get_application(round_id: int, application_id: int) -> Application:
    application = db.get_or_404(Application, application_id)
    if application.round_id != round_id:
        abort(404)
    return application


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
    try:
        if action == "choices" and choices.validate_on_submit():
            applications.change_choices(application, choices.codes())
            db.session.commit()
            flash(_("Choices saved."), "success")
            return redirect(url_for(".application_view", round_id=rnd.id, application_id=application.id))
        if action == "exclude" and exclude.validate_on_submit():
            applications.set_exclusion(application, exclude.code.data or None, exclude.note.data)
            db.session.commit()
            flash(_("Exclusion saved."), "success")
            return redirect(url_for(".application_view", round_id=rnd.id, application_id=application.id))
        if action == "pin" and pin_form.validate_on_submit():
            post = applications.open_post_by_code(pin_form.post.data)
            if post is None:
                raise RefusedError(_("Post %(code)s is not open in this round: there is no active post with that code.",
                                     code=pin_form.post.data.strip()), field="post")
            pins.pin(application, post, pin_form.reason.data)
            db.session.commit()
            flash(_("%(name)s pinned to %(code)s. Run the matcher again to see the effect.",
                    name=application.person.name, code=post.code), "success")
            return redirect(url_for(".round_view", round_id=rnd.id))
    except RefusedError as exc:
        refused(exc, {"choices": choices, "exclude": exclude, "pin": pin_form}.get(action or ""))
    decision = None
    if rnd.runs:
        from .decisions import decision_in_run

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
        try:
            pins.unpin(application)
        except RefusedError as exc:
            refused(exc)
        else:
            db.session.commit()
            flash(_("Pin removed."), "success")
    return redirect(url_for(".application_view", round_id=round_id, application_id=application_id))


@bp.route("/rounds/<int:round_id>/applications/<int:application_id>/withdraw", methods=["POST"])
@roles_required(*DISTRICT)
def application_withdraw(round_id: int, application_id: int) -> WerkzeugResponse:
    application = get_application(round_id, application_id)
    if ActionForm().validate_on_submit():
        name = application.person.name
        try:
            applications.withdraw(application)
        except RefusedError as exc:
            refused(exc)
            return redirect(url_for(".application_view", round_id=round_id, application_id=application_id))
        db.session.commit()
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
        file = form.file.data
        try:
            rounds.require_state(rnd, "applications", "proposed")
            upload = uploads.keep(file.read(), file.filename or "", kind="applications", user_id=user_id(),
                                  options={"round_id": rnd.id})
            table = uploads.table(upload, max_rows=applications.IMPORT_MAX_ROWS,
                                  headers=applications.IMPORT_HEADER_WORDS)
            rows = applications.check_import(rnd, table)
        except SpreadsheetError as exc:
            form.file.errors = [str(exc)]
        except RefusedError as exc:
            db.session.rollback()
            form.file.errors = exc.messages
        else:
            notes = table_notes(table)
            apply_form.token.data = upload.token
            # The check only reads: no rollback here, which would expire the rows' people and
            # reload them one query each while the preview renders.
    return render_template("reallocation/import.html", rnd=rnd, form=form, apply_form=apply_form, rows=rows,
                           notes=notes)


@bp.route("/rounds/<int:round_id>/import/apply", methods=["POST"])
@roles_required(*DISTRICT)
def import_apply(round_id: int) -> str | WerkzeugResponse:
    rnd = get_round(round_id)
    form = ImportApplyForm()
    if form.validate_on_submit():
        # The file checked in the preview, kept on the server for this user and this round.
        upload = uploads.load(form.token.data, user_id=user_id(), kind="applications")
        if upload is None or upload.options.get("round_id") != rnd.id:
            flash(_("The uploaded file has expired; upload it again."), "error")
            return redirect(url_for(".import_applications", round_id=rnd.id))
        try:
            rounds.require_state(rnd, "applications", "proposed")
            table = uploads.table(upload, max_rows=applications.IMPORT_MAX_ROWS,
                                  headers=applications.IMPORT_HEADER_WORDS)
            n = applications.apply_import(rnd, applications.check_import(rnd, table))
        except RefusedError as exc:
            refused(exc)
            return redirect(url_for(".import_applications", round_id=rnd.id))
        except SpreadsheetError as exc:
            flash(str(exc), "error")
            return redirect(url_for(".import_applications", round_id=rnd.id))
        db.session.commit()
        uploads.discard(upload.token)
        flash(_("%(n)d applications added.", n=n), "success")
    return redirect(url_for(".round_view", round_id=rnd.id))


# -- runs and the proposal ----------------------------------------------------------------

@bp.route("/rounds/<int:round_id>/run", methods=["POST"])
@roles_required(*DISTRICT)
def run(round_id: int) -> WerkzeugResponse:
    rnd = get_round(round_id)
    form = RunForm()
    if form.validate_on_submit():
        try:
            new_run = adapter.run_round(rnd, note=form.note.data, user_id=user_id())
        except RefusedError as exc:
            refused(exc)
        else:
            db.session.commit()
            flash(_("Matcher run %(id)d done in %(s)s s.", id=new_run.id, s=new_run.seconds), "success")
            return redirect(url_for(".run_view", run_id=new_run.id))
    return redirect(url_for(".round_view", round_id=rnd.id))


@bp.route("/runs/<int:run_id>")
@roles_required(*DISTRICT)
def run_view(run_id: int) -> str:
    stored = db.get_or_404(AllocationRun, run_id)
    filters = proposal_filters()
    proposal = read_proposal(stored, lang(), filters, page_number(request.args.get("page")))
    rnd = stored.round
    others = [r for r in rnd.runs if r.kind == RunKind.ROUND and r.id != stored.id]
    townships = list(db.session.scalars(select(Township).order_by(Township.name)))
    villages = list(db.session.scalars(select(Village).where(Village.township_id == filters.township)
                                       .order_by(Village.name))) if filters.township else []
    place = None
    if filters.village:
        place = db.session.get(Village, filters.village)
    return render_template("reallocation/run.html", rnd=rnd, run=stored, p=proposal, others=others,
                           current=stored.kind == RunKind.ROUND and adapter.is_current(stored), filters=filters,
                           townships=townships, villages=villages, place=place,
                           notice_form=_notice_form(rnd, stored), action=ActionForm())


def proposal_filters() -> Filters:
    """The proposal filters from the query string; anything unknown is no filter."""
    args = request.args
    tier = record_id(args.get("tier"))
    change = args.get("change") or None
    village = record_id(args.get("village"))
    township = record_id(args.get("township"))
    if village and not township:
        township = db.session.scalar(select(Village.township_id).where(Village.id == village))
    return Filters(township=township, village=village, tier=tier if tier and tier <= 99 else None,
                   change=change if change in CHANGE_KINDS else None, q=(args.get("q") or "").strip()[:50])


@bp.route("/runs/<int:run_id>/problem.json")
@roles_required(*DISTRICT)
def run_problem(run_id: int) -> Response:
    stored = db.get_or_404(AllocationRun, run_id)
    body = json.dumps(stored.problem, ensure_ascii=False, indent=2) + "\n"
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": f"attachment; filename=problem-run{stored.id}.json"})


@bp.route("/rounds/<int:round_id>/compare")
@roles_required(*DISTRICT)
def compare(round_id: int) -> str:
    rnd = get_round(round_id)
    round_runs = [r for r in rnd.runs if r.kind == RunKind.ROUND]
    ids = {r.id: r for r in round_runs}
    a = ids.get(request.args.get("a", type=int) or 0)
    b = ids.get(request.args.get("b", type=int) or 0)
    if a is None and len(round_runs) >= 2:
        a, b = round_runs[-2], round_runs[-1]
    diffs = compare_runs(a, b) if a is not None and b is not None else []
    return render_template("reallocation/compare.html", rnd=rnd, runs=round_runs, a=a, b=b, diffs=diffs)


# -- notice, objections, approval ----------------------------------------------------------

@bp.route("/rounds/<int:round_id>/notice", methods=["POST"])
@roles_required(*DISTRICT)
def notice_start(round_id: int) -> WerkzeugResponse:
    rnd = get_round(round_id)
    form = NoticeForm()
    if form.validate_on_submit():
        run_id = record_id(form.run_id.data)
        chosen = db.session.get(AllocationRun, run_id) if run_id else None
        try:
            if chosen is None:
                raise RefusedError(_("That run does not belong to this round."))
            notice.start_notice(rnd, chosen, form.start.data, today())
        except RefusedError as exc:
            refused(exc)
        else:
            db.session.commit()
            flash(_("Public notice from %(start)s to %(end)s.", start=rnd.notice_start.isoformat(),
                    end=rnd.notice_end.isoformat()), "success")
    else:
        for errors in form.errors.values():
            for e in errors:
                flash(e, "error")
    return redirect(url_for(".round_view", round_id=rnd.id))


@bp.route("/rounds/<int:round_id>/notice/print")
@roles_required(*DISTRICT)
def notice_print(round_id: int) -> str:
    rnd = get_round(round_id)
    if rnd.chosen_run is None:
        abort(404)
    township_id = record_id(request.args.get("township"))
    village_id = record_id(request.args.get("village"))
    place = None
    if village_id:
        place = db.get_or_404(Village, village_id).full_name
    elif township_id:
        place = db.get_or_404(Township, township_id).name
    rows = notice.notice_rows(rnd, lang(), township_id, village_id)
    return render_template("reallocation/notice_print.html", rnd=rnd, rows=rows, place=place,
                           office=get_settings().office_name)


@bp.route("/rounds/<int:round_id>/objections", methods=["POST"])
@roles_required(*DISTRICT)
def objection_add(round_id: int) -> WerkzeugResponse:
    rnd = get_round(round_id)
    form = ObjectionForm()
    if form.validate_on_submit():
        about = None
        if form.about.data:
            key = normalise_id_number(form.about.data)
            matches = list(db.session.scalars(select(Person).where(
                (Person.id_number == key) | (Person.id_last4 == key)).limit(2)))
            if len(matches) != 1:
                flash(_("No single person matches “%(q)s”; give the full ID number.", q=form.about.data), "error")
                return redirect(url_for(".round_view", round_id=rnd.id) + "#objections")
            about = matches[0]
        try:
            notice.record_objection(rnd, raised_by=form.raised_by.data, content=form.content.data,
                                    raised_on=form.raised_on.data, about=about, today=today(), user_id=user_id())
        except RefusedError as exc:
            refused(exc)
        else:
            db.session.commit()
            flash(_("Objection recorded."), "success")
    else:
        for name, errors in form.errors.items():
            for e in errors:
                flash(f"{getattr(form, name).label.text}: {e}", "error")
    return redirect(url_for(".round_view", round_id=rnd.id) + "#objections")


@bp.route("/objections/<int:objection_id>/settle", methods=["POST"])
@roles_required(*DISTRICT)
def objection_settle(objection_id: int) -> WerkzeugResponse:
    objection = db.get_or_404(Objection, objection_id)
    form = SettleForm()
    if form.validate_on_submit():
        try:
            notice.settle_objection(objection, form.outcome.data, today(), user_id())
        except RefusedError as exc:
            refused(exc)
        else:
            db.session.commit()
            flash(_("Objection settled."), "success")
    else:
        flash(_("Say how it was settled."), "error")
    return redirect(url_for(".round_view", round_id=objection.round_id) + "#objections")


@bp.route("/rounds/<int:round_id>/approve", methods=["POST"])
@roles_required(*DISTRICT)
def approve(round_id: int) -> WerkzeugResponse:
    rnd = get_round(round_id)
    if ActionForm().validate_on_submit():
        try:
            created = approval.approve_round(rnd, today(), user_id())
        except RefusedError as exc:
            refused(exc)
        else:
            db.session.commit()
            flash(_("Round approved: %(n)d new agreements from %(start)s.", n=len(created),
                    start=rnd.term_start.isoformat()), "success")
    return redirect(url_for(".round_view", round_id=rnd.id))


@bp.route("/rounds/<int:round_id>/in-force", methods=["POST"])
@roles_required(*DISTRICT)
def in_force(round_id: int) -> WerkzeugResponse:
    rnd = get_round(round_id)
    if ActionForm().validate_on_submit():
        try:
            approval.mark_in_force(rnd, today())
        except RefusedError as exc:
            refused(exc)
        else:
            db.session.commit()
            flash(_("The round is in force."), "success")
    return redirect(url_for(".round_view", round_id=rnd.id))


@bp.route("/rounds/<int:round_id>/agreements")
@roles_required(*DISTRICT)
def agreements(round_id: int) -> str:
    rnd = get_round(round_id)
    one = record_id(request.args.get("assignment"))
    township_id = record_id(request.args.get("township"))
    village_id = record_id(request.args.get("village"))
    place = None
    if village_id:
        place = db.get_or_404(Village, village_id).full_name
    elif township_id:
        place = db.get_or_404(Township, township_id).name
    index = approval.agreements_by_township(rnd)
    if one is None and place is None and sum(n for _, n in index) > AGREEMENTS_AT_ONCE:
        # A county's 1,200 agreements are printed township by township: the page lists them.
        return render_template("reallocation/agreements.html", rnd=rnd, rows=[], index=index, place=None,
                               settings=get_settings())
    rows = approval.round_agreements(rnd, township_id=township_id, village_id=village_id, assignment_id=one)
    if one and not rows:
        abort(404)
    return render_template("reallocation/agreements.html", rnd=rnd, rows=rows, index=index, place=place,
                           settings=get_settings())


# -- dismissal review and mid-year fills ------------------------------------------------------

@bp.route("/dismissals")
@roles_required(*DISTRICT)
def dismissals() -> str:
    day = today()
    return render_template("reallocation/dismissals.html", cases=dismissal.open_cases(),
                           decided=dismissal.decided_cases(), free=dismissal.posts_with_free_slots(day),
                           fill_round=dismissal.fill_round(day), action=ActionForm(), day=day,
                           dismiss_form=_dismiss_form(day), clear_form=ClearForm(formdata=None),
                           fill_form=FillForm(formdata=None),
                           fills=list(db.session.scalars(select(AllocationRun).where(AllocationRun.kind == RunKind.MID_YEAR)
                                                         .order_by(AllocationRun.id.desc()).limit(20))))


def _dismiss_form(day: Any) -> DismissForm:
    form = DismissForm(formdata=None)
    form.last_day.data = day
    return form


@bp.route("/dismissals/refresh", methods=["POST"])
@roles_required(*DISTRICT)
def dismissals_refresh() -> WerkzeugResponse:
    if ActionForm().validate_on_submit():
        n = dismissal.refresh_flags(today())
        db.session.commit()
        flash(_("%(n)d new flags.", n=n), "success")
    return redirect(url_for(".dismissals"))


@bp.route("/dismissals/<int:case_id>/dismiss", methods=["POST"])
@roles_required(*DISTRICT)
def case_dismiss(case_id: int) -> WerkzeugResponse:
    case = db.get_or_404(DismissalCase, case_id)
    form = DismissForm()
    if form.validate_on_submit():
        try:
            name = case.assignment.person.name
            dismissal.dismiss(case, form.reason.data, form.last_day.data, user_id())
        except RefusedError as exc:
            refused(exc)
        else:
            db.session.commit()
            flash(_("%(name)s dismissed; the slot is free from the next day.", name=name), "success")
    else:
        for errors in form.errors.values():
            for e in errors:
                flash(e, "error")
    return redirect(url_for(".dismissals"))


@bp.route("/dismissals/<int:case_id>/clear", methods=["POST"])
@roles_required(*DISTRICT)
def case_clear(case_id: int) -> WerkzeugResponse:
    case = db.get_or_404(DismissalCase, case_id)
    form = ClearForm()
    if form.validate_on_submit():
        try:
            dismissal.clear(case, form.reason.data, user_id())
        except RefusedError as exc:
            refused(exc)
        else:
            db.session.commit()
            flash(_("Flag cleared."), "success")
    else:
        for errors in form.errors.values():
            for e in errors:
                flash(e, "error")
    return redirect(url_for(".dismissals"))


@bp.route("/fills", methods=["POST"])
@roles_required(*DISTRICT)
def fill_start() -> WerkzeugResponse:
    form = FillForm()
    post_id = record_id(form.post_id.data)
    if form.validate_on_submit() and post_id is not None:
        post = db.get_or_404(Post, post_id)
        try:
            fill = dismissal.start_fill(post, today(), user_id())
        except RefusedError as exc:
            refused(exc)
        else:
            db.session.commit()
            return redirect(url_for(".fill_view", run_id=fill.id))
    return redirect(url_for(".dismissals"))


@bp.route("/fills/<int:run_id>")
@roles_required(*DISTRICT)
def fill_view(run_id: int) -> str:
    fill = db.get_or_404(AllocationRun, run_id)
    if fill.kind != RunKind.MID_YEAR:
        abort(404)
    return render_template("reallocation/fill.html", run=fill, p=read_run(fill, lang()), action=ActionForm())


@bp.route("/fills/<int:run_id>/approve", methods=["POST"])
@roles_required(*DISTRICT)
def fill_approve(run_id: int) -> WerkzeugResponse:
    fill = db.get_or_404(AllocationRun, run_id)
    if fill.kind != RunKind.MID_YEAR:
        abort(404)
    if ActionForm().validate_on_submit():
        try:
            created = dismissal.approve_fill(fill, today(), user_id())
        except RefusedError as exc:
            refused(exc)
        else:
            db.session.commit()
            flash(_("%(n)d mid-year agreements created.", n=len(created)), "success")
    return redirect(url_for(".fill_view", run_id=fill.id))
