"""停工 pages: the request, its preview (nothing written), the confirmation, the list, and the office's undo.

The views read the request and call `stoppage.py`; the request's boundary (wardens.views)
commits once or rolls back and shows a refusal by the submitted form.
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from ..access import DISTRICT, STAFF, check_township, roles_required, visible_township_id
from ..dates import today
from ..extensions import db
from ..models import Status, Stoppage, StoppageDay, StoppageState, Township, Village
from ..record_ids import record_id
from .forms import StoppageConfirmForm, StoppageForm, StoppageUndoForm
from .routes import _townships, bp
from .stoppage import (StoppagePlan, declare_stoppage, plan_stoppage, plan_undo, recent_stoppages, stoppage_township_id,
                       undo_stoppage)


def _place_choices(form: StoppageForm) -> tuple[dict[int, str], list[Village]]:
    townships = _townships()
    form.township_id.choices = [(t.id, t.name) for t in townships]
    villages = list(db.session.scalars(
        select(Village).where(Village.township_id.in_([t.id for t in townships])).order_by(Village.township_id, Village.name)
    ))
    names = {t.id: t.name for t in townships}
    form.village_id.choices = [(0, _("The whole township"))] + [(v.id, f"{names[v.township_id]} {v.name}") for v in villages]
    return names, villages


def _place_name(township_id: int, village_id: int | None) -> str:
    township = db.session.get(Township, township_id)
    village = db.session.get(Village, village_id) if village_id else None
    name = township.name if township else ""
    if village:
        return f"{name} {village.name}"
    whole = _("The whole township")  # outside the f-string: the catalog's extractor cannot see into one
    return f"{name}（{whole}）"


def _render_preview(plan: StoppagePlan, form: StoppageConfirmForm, status: int = 200) -> tuple[str, int]:
    form.township_id.data = str(plan.township_id)
    form.village_id.data = str(plan.village_id or "")
    form.first_day.data = plan.first
    form.last_day.data = plan.last
    form.reason.data = plan.note
    # Always the fingerprint of what this page shows: confirming it writes exactly these days.
    form.fingerprint.data = plan.fingerprint
    return render_template("attendance/stoppage_preview.html", plan=plan, form=form,
                           place=_place_name(plan.township_id, plan.village_id)), status


@bp.route("/stoppage", methods=["GET", "POST"])
@roles_required(*STAFF)
def stoppage() -> str | tuple[str, int]:
    """Ask for a 停工 (place, range, reason) and show its preview before anything is written."""
    form = StoppageForm()
    names, villages = _place_choices(form)
    if request.method == "GET":
        form.first_day.data = form.first_day.data or today()
        form.last_day.data = form.last_day.data or today()
    if form.validate_on_submit():
        township_id = visible_township_id() or form.township_id.data
        check_township(township_id)
        village_id = form.village_id.data or None
        village = next((v for v in villages if v.id == village_id), None) if village_id else None
        if township_id not in names:
            form.township_id.errors = [_("Choose a township from the list.")]
        elif village_id and (village is None or village.township_id != township_id):
            form.village_id.errors = [_("This village is not in the chosen township.")]
        else:
            assert form.first_day.data and form.last_day.data
            plan = plan_stoppage(township_id=township_id, village_id=village_id, first=form.first_day.data,
                                 last=form.last_day.data, reason=form.reason.data or "", today=today())
            return _render_preview(plan, StoppageConfirmForm(formdata=None))
    status = form.refusal.status if form.refusal else 200
    return render_template("attendance/stoppage.html", form=form, stoppages=recent_stoppages(visible_township_id(), 10)), status


@bp.route("/stoppage/confirm", methods=["POST"])
@roles_required(*STAFF)
def stoppage_confirm() -> Response | tuple[str, int]:
    """Write the previewed 停工, exactly the days the preview showed (or nothing, with the new preview)."""
    form = StoppageConfirmForm()
    township_id = record_id(form.township_id.data)
    village_id = record_id(form.village_id.data) if form.village_id.data else None
    first, last = form.first_day.data, form.last_day.data
    if first is None or last is None:  # the preview's own hidden days, damaged
        abort(400)
    if township_id is None or db.session.get(Township, township_id) is None:
        abort(400)
    check_township(township_id)
    if village_id is not None:
        village = db.session.get(Village, village_id)
        if village is None or village.township_id != township_id:
            abort(400)
    if form.validate_on_submit():
        stop, n = declare_stoppage(township_id=township_id, village_id=village_id, first=first, last=last,
                                   reason=form.reason.data or "", fingerprint=form.fingerprint.data or "",
                                   user=current_user, today=today())
        flash(_("Work stopped declared: %(n)d holder-days marked 停工.", n=n), "success")
        return redirect(url_for("attendance.stoppage_view", stoppage_id=stop.id))
    plan = plan_stoppage(township_id=township_id, village_id=village_id, first=first, last=last,
                         reason=form.reason.data or "", today=today())
    return _render_preview(plan, form, form.refusal.status if form.refusal else 422)


def _stoppage_or_404(stoppage_id: int) -> Stoppage:
    stop = db.get_or_404(Stoppage, stoppage_id)
    check_township(stoppage_township_id(stop))
    return stop


@bp.route("/stoppages")
@roles_required(*STAFF)
def stoppages() -> str:
    """List the latest stoppages, newest first."""
    return render_template("attendance/stoppages.html", stoppages=recent_stoppages(visible_township_id()))


def _render_stoppage(stop: Stoppage, form: StoppageUndoForm, status: int = 200) -> tuple[str, int]:
    previous = dict(db.session.execute(
        select(StoppageDay.previous_status, func.count()).where(StoppageDay.stoppage_id == stop.id)
        .group_by(StoppageDay.previous_status)
    ).all())
    may_undo = current_user.role in DISTRICT and stop.state.may_become(StoppageState.UNDONE)
    undo = plan_undo(stop) if may_undo else None
    return render_template(
        "attendance/stoppage_view.html", stop=stop, form=form, undo=undo, may_undo=may_undo,
        place=_place_name(stoppage_township_id(stop), stop.village_id), township_id=stoppage_township_id(stop),
        previous=[(s.value, previous[s.value]) for s in Status if previous.get(s.value)],
        unrecorded_before=previous.get(None, 0),
    ), status


@bp.route("/stoppages/<int:stoppage_id>")
@roles_required(*STAFF)
def stoppage_view(stoppage_id: int) -> tuple[str, int]:
    """Show what a stoppage wrote and what it replaced; the office can undo it here."""
    return _render_stoppage(_stoppage_or_404(stoppage_id), StoppageUndoForm(formdata=None))


@bp.route("/stoppages/<int:stoppage_id>/undo", methods=["POST"])
@roles_required(*DISTRICT)
def stoppage_undo(stoppage_id: int) -> Response | tuple[str, int]:
    """Undo a stoppage as one action: the records it replaced come back."""
    stop = _stoppage_or_404(stoppage_id)
    form = StoppageUndoForm()
    if form.validate_on_submit():
        n = undo_stoppage(stop, reason=form.reason.data or "", user=current_user)
        flash(_("The stoppage is undone: %(n)d holder-days have their earlier records back.", n=n), "success")
        return redirect(url_for("attendance.stoppage_view", stoppage_id=stop.id))
    return _render_stoppage(stop, form, form.refusal.status if form.refusal else 422)
