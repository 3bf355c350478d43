"""Running the matcher on a round, and reading and comparing its runs."""
from __future__ import annotations

import json

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response as WerkzeugResponse

from ...access import DISTRICT, roles_required
from ...extensions import db
from ...models import AllocationRun, RunKind, Township, Village
from ...record_ids import page_number, record_id
from .. import adapter
from ..forms import ActionForm, RunForm
from ..proposal import CHANGE_KINDS, Filters, compare_runs, read_proposal
from .common import bp, get_round, lang, notice_form, user_id


@bp.route("/rounds/<int:round_id>/run", methods=["POST"])
@roles_required(*DISTRICT)
def run(round_id: int) -> WerkzeugResponse:
    rnd = get_round(round_id)
    form = RunForm()
    if form.validate_on_submit():
        new_run = adapter.run_round(rnd, note=form.note.data, user_id=user_id())
        flash(_("Matcher run %(id)d done in %(s)s s.", id=new_run.id, s=new_run.seconds), "success")
        return redirect(url_for(".run_view", run_id=new_run.id))
    # The run form is a button and a note on the round page: say why nothing ran there.
    for errors in form.errors.values():
        for error in errors:
            flash(error, "error")
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
                           notice_form=notice_form(stored), action=ActionForm())


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
