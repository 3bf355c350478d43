"""Dismissal review (清退) and mid-year fills of the slots it frees."""
from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response as WerkzeugResponse

from ...access import DISTRICT, roles_required
from ...dates import today
from ...extensions import db
from ...models import AllocationRun, DismissalCase, Post, RunKind, Township
from ...record_ids import page_number, record_id
from .. import dismissal
from ..forms import ActionForm, ClearForm, DismissForm, FillForm, UndoDismissalForm
from ..proposal import read_run
from .common import bp, lang, user_id


def flash_errors(form: DismissForm | ClearForm | UndoDismissalForm) -> None:
    for errors in form.errors.values():
        for e in errors:
            flash(e, "error")


CASES_PER_PAGE = 50


def review_place(township_id: int | None = None, page: int | None = None) -> dict[str, int]:
    """Where in the review the office is (its township and page; by default from the query
    string): a decision on page 3 of one township goes back there, not to page 1 of the district."""
    if township_id is None and page is None:
        township_id, page = record_id(request.args.get("township")), page_number(request.args.get("page"))
    place = {"township": township_id, "page": page}
    return {key: value for key, value in place.items() if value is not None and value != 1}


@bp.route("/dismissals")
@roles_required(*DISTRICT)
def dismissals() -> str:
    day = today()
    decided = dismissal.decided_cases()
    # A county's first refresh flags a few hundred holders: the review shows them a page at a
    # time, a township at a time if the office picks one.
    townships = list(db.session.scalars(select(Township).order_by(Township.name)))
    township_id = record_id(request.args.get("township"))
    if township_id not in {t.id for t in townships}:
        township_id = None
    cases = db.paginate(dismissal.open_cases(township_id), page=page_number(request.args.get("page")),
                        per_page=CASES_PER_PAGE, error_out=False)
    if cases.page > max(cases.pages, 1):  # past the end (the last flags were decided): the last page
        cases = db.paginate(dismissal.open_cases(township_id), page=max(cases.pages, 1), per_page=CASES_PER_PAGE,
                            error_out=False)
    return render_template("reallocation/dismissals.html", cases=cases, townships=townships, township_id=township_id,
                           place=review_place(township_id, cases.page),
                           decided=decided, undo_blocked=dismissal.filled_since(decided),
                           undo_form=UndoDismissalForm(formdata=None), free=dismissal.posts_with_free_slots(day, township_id),
                           fill_round=dismissal.fill_round(day), action=ActionForm(), day=day,
                           dismiss_form=_dismiss_form(day), clear_form=ClearForm(formdata=None),
                           fill_form=FillForm(formdata=None),
                           fills=list(db.session.scalars(select(AllocationRun).where(AllocationRun.kind == RunKind.MID_YEAR)
                                                         .order_by(AllocationRun.id.desc()).limit(20))))


def _dismiss_form(day: dt.date) -> DismissForm:
    form = DismissForm(formdata=None)
    form.last_day.data = day
    return form


@bp.route("/dismissals/refresh", methods=["POST"])
@roles_required(*DISTRICT)
def dismissals_refresh() -> WerkzeugResponse:
    if ActionForm().validate_on_submit():
        n = dismissal.refresh_flags(today(), user_id())
        flash(_("%(n)d new flags.", n=n), "success")
    return redirect(url_for(".dismissals"))


@bp.route("/dismissals/<int:case_id>/dismiss", methods=["POST"])
@roles_required(*DISTRICT)
def case_dismiss(case_id: int) -> WerkzeugResponse | str:
    """Show what the dismissal would do and ask to confirm; with confirm=1, dismiss."""
    case = db.get_or_404(DismissalCase, case_id)
    form = DismissForm()
    if form.validate_on_submit():
        if form.confirm.data != "1":
            consequence = dismissal.dismissal_consequence(case, form.last_day.data)
            form.confirm.data = "1"
            return render_template("reallocation/dismiss_confirm.html", form=form, c=consequence, case=case,
                                   place=review_place())
        name = case.assignment.person.name
        dismissal.dismiss(case, form.reason.data, form.last_day.data, user_id())
        flash(_("%(name)s dismissed; the slot is free from %(day)s. The office can undo this while no fill of the "
                "slot is approved.", name=name, day=(form.last_day.data + dt.timedelta(days=1)).isoformat()), "success")
    else:
        flash_errors(form)
    return redirect(url_for(".dismissals", **review_place()))


@bp.route("/dismissals/<int:case_id>/undo", methods=["POST"])
@roles_required(*DISTRICT)
def case_undo(case_id: int) -> WerkzeugResponse:
    """Undo a dismissal: the agreement ends as before and the flag is open again."""
    case = db.get_or_404(DismissalCase, case_id)
    form = UndoDismissalForm()
    if form.validate_on_submit():
        name = case.assignment.person.name
        dismissal.undo_dismissal(case, form.reason.data, user_id())
        flash(_("The dismissal of %(name)s is undone: the agreement runs as before and the flag is open again.",
                name=name), "success")
    else:
        flash_errors(form)
    return redirect(url_for(".dismissals", **review_place()))


@bp.route("/dismissals/<int:case_id>/clear", methods=["POST"])
@roles_required(*DISTRICT)
def case_clear(case_id: int) -> WerkzeugResponse:
    case = db.get_or_404(DismissalCase, case_id)
    form = ClearForm()
    if form.validate_on_submit():
        dismissal.clear(case, form.reason.data, user_id())
        flash(_("Flag cleared."), "success")
    else:
        flash_errors(form)
    return redirect(url_for(".dismissals", **review_place()))


@bp.route("/fills", methods=["POST"])
@roles_required(*DISTRICT)
def fill_start() -> WerkzeugResponse:
    form = FillForm()
    post_id = record_id(form.post_id.data)
    if post_id is not None and form.validate_on_submit():
        post = db.get_or_404(Post, post_id)
        fill = dismissal.start_fill(post, today(), user_id())
        return redirect(url_for(".fill_view", run_id=fill.id))
    return redirect(url_for(".dismissals"))


def get_fill(run_id: int) -> AllocationRun:
    fill = db.get_or_404(AllocationRun, run_id)
    if fill.kind != RunKind.MID_YEAR:
        abort(404)
    return fill


@bp.route("/fills/<int:run_id>")
@roles_required(*DISTRICT)
def fill_view(run_id: int) -> str:
    fill = get_fill(run_id)
    return render_template("reallocation/fill.html", run=fill, p=read_run(fill, lang()), action=ActionForm())


@bp.route("/fills/<int:run_id>/approve", methods=["POST"])
@roles_required(*DISTRICT)
def fill_approve(run_id: int) -> WerkzeugResponse:
    fill = get_fill(run_id)
    if ActionForm().validate_on_submit():
        created = dismissal.approve_fill(fill, today(), user_id())
        flash(_("%(n)d mid-year agreements created.", n=len(created)), "success")
    return redirect(url_for(".fill_view", run_id=fill.id))
