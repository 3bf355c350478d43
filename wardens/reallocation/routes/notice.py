"""Public notice (公示), objections, approval and the agreements a round makes."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response as WerkzeugResponse

from ...access import DISTRICT, roles_required
from ...dates import today
from ...errors import BadInput
from ...extensions import db
from ...idnumber import normalise_id_number
from ...models import AllocationRun, Objection, Person, Township, Village, get_settings
from ...record_ids import record_id
from .. import approval, notice
from ..errors import RefusedError
from ..forms import ActionForm, NoticeForm, ObjectionForm, SettleForm
from .common import bp, get_round, lang, print_place_arg, user_id

# More agreements than this are printed one township at a time (a page stays under 500 KB).
AGREEMENTS_AT_ONCE = 200


def flash_errors(form: NoticeForm | ObjectionForm) -> None:
    """A form posted from the round page shows its errors there, each with its field's name."""
    for name, errors in form.errors.items():
        for e in errors:
            flash(f"{getattr(form, name).label.text}: {e}", "error")


@bp.route("/rounds/<int:round_id>/notice", methods=["POST"])
@roles_required(*DISTRICT)
def notice_start(round_id: int) -> str | WerkzeugResponse:
    """Show the dates that follow from the chosen start (公示期, approval from), then start the notice once confirmed."""
    rnd = get_round(round_id)
    form = NoticeForm()
    if form.validate_on_submit():
        run_id = record_id(form.run_id.data)
        chosen = db.session.get(AllocationRun, run_id) if run_id else None
        if chosen is None:
            raise RefusedError(_("That run does not belong to this round."))
        if form.confirmed.data != "1":
            period = notice.check_notice_start(rnd, chosen, form.start.data, today())
            return render_template("reallocation/notice_confirm.html", rnd=rnd, run=chosen, form=form, period=period)
        period = notice.start_notice(rnd, chosen, form.start.data, today(), actor_id=user_id())
        flash(_("Public notice from %(start)s to %(end)s; the round can be approved from %(next)s.",
                start=period.start.isoformat(), end=period.end.isoformat(), next=period.approvable_from.isoformat()),
              "success")
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
    township_id = print_place_arg("township")
    village_id = print_place_arg("village")
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
                raise BadInput(_("No single person matches “%(q)s”; give the full ID number.", q=form.about.data),
                               field="about")
            about = matches[0]
        notice.record_objection(rnd, raised_by=form.raised_by.data, content=form.content.data,
                                raised_on=form.raised_on.data, about=about, today=today(), user_id=user_id())
        flash(_("Objection recorded."), "success")
    else:
        flash_errors(form)
    return redirect(url_for(".round_view", round_id=rnd.id) + "#objections")


@bp.route("/objections/<int:objection_id>/settle", methods=["POST"])
@roles_required(*DISTRICT)
def objection_settle(objection_id: int) -> WerkzeugResponse:
    objection = db.get_or_404(Objection, objection_id)
    form = SettleForm()
    if form.validate_on_submit():
        notice.settle_objection(objection, form.outcome.data, today(), user_id())
        flash(_("Objection settled."), "success")
    elif form.refusal is None:
        flash(_("Say how it was settled."), "error")
    return redirect(url_for(".round_view", round_id=objection.round_id) + "#objections")


@bp.route("/rounds/<int:round_id>/approve", methods=["POST"])
@roles_required(*DISTRICT)
def approve(round_id: int) -> WerkzeugResponse:
    rnd = get_round(round_id)
    if ActionForm().validate_on_submit():
        created = approval.approve_round(rnd, today(), user_id())
        flash(_("Round approved: %(n)d new agreements from %(start)s.", n=len(created),
                start=rnd.term_start.isoformat()), "success")
    return redirect(url_for(".round_view", round_id=rnd.id))


@bp.route("/rounds/<int:round_id>/in-force", methods=["POST"])
@roles_required(*DISTRICT)
def in_force(round_id: int) -> WerkzeugResponse:
    rnd = get_round(round_id)
    if ActionForm().validate_on_submit():
        approval.mark_in_force(rnd, today(), actor_id=user_id())
        flash(_("The round is in force."), "success")
    return redirect(url_for(".round_view", round_id=rnd.id))


@bp.route("/rounds/<int:round_id>/agreements")
@roles_required(*DISTRICT)
def agreements(round_id: int) -> str:
    rnd = get_round(round_id)
    one = record_id(request.args.get("assignment"))
    township_id = print_place_arg("township")
    village_id = print_place_arg("village")
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
