"""Opening a yearly round and its page."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response as WerkzeugResponse

from ...access import DISTRICT, roles_required
from ...dates import today
from ...extensions import db
from ...idnumber import normalise_id_number
from ...models import Application, Household, Person, Round, RoundState, RunKind, Township, current_settings
from ...models.enums import ROUND_EDITABLE, require_state
from ...record_ids import page_number
from .. import applications, approval, notice, rounds
from ..forms import ActionForm, OpenRoundForm, RunForm, SettleForm
from .common import bp, get_round, notice_form, objection_form, user_id


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
        form.notice_days.data = current_settings().notice_days
    if form.validate_on_submit():
        rnd = rounds.open_round(name=form.name.data, year=form.year.data, term_start=form.term_start.data,
                                term_end=form.term_end.data, reference_date=form.reference_date.data,
                                notice_days=form.notice_days.data, today=day, user_id=user_id())
        flash(_("Round opened with %(n)d current holders included.", n=len(rnd.applications)), "success")
        return redirect(url_for(".round_view", round_id=rnd.id))
    return render_template("reallocation/round_new.html", form=form)


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
    day = today()
    # What the server would refuse now, read from the operations' own rules: the buttons show it.
    refused = {
        "notice": notice.why_run_cannot_go_on_notice(rnd, latest) if latest is not None else None,
        "approve": approval.why_not_approvable_yet(rnd, day) if rnd.state == RoundState.NOTICE else [],
        "in_force": approval.why_not_in_force_yet(rnd, day) if rnd.state == RoundState.APPROVED else None,
    }
    period = notice.notice_period(rnd.notice_start, rnd.notice_days) if rnd.notice_start else None
    return render_template(
        "reallocation/round.html", rnd=rnd, page=page, q=q, total=total, excluded=excluded, pinned=pinned,
        holders=holders, runs=round_runs, latest=latest, refused=refused, period=period,
        earliest_start=notice.earliest_notice_start(latest, day) if latest is not None else None,
        run_form=RunForm(), notice_form=notice_form(latest), action=ActionForm(),
        objection_form=objection_form(), objections=notice.round_objections(rnd), settle_form=SettleForm(),
        townships=list(db.session.scalars(select(Township).order_by(Township.name)
                                          .options(selectinload(Township.villages)))), day=day,
    )


@bp.route("/rounds/<int:round_id>/holders", methods=["POST"])
@roles_required(*DISTRICT)
def round_holders(round_id: int) -> WerkzeugResponse:
    rnd = get_round(round_id)
    if ActionForm().validate_on_submit():
        require_state(rnd, *ROUND_EDITABLE)
        added, refreshed = applications.include_current_holders(rnd, today(), actor_id=user_id())
        flash(_("Current holders: %(added)d added, %(refreshed)d refreshed.", added=added, refreshed=refreshed),
              "success")
    return redirect(url_for(".round_view", round_id=rnd.id))
