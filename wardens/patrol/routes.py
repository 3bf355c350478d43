"""Patrol pages: the warden's phone page, road reports, road lines on a post, photos, settings.

Who sees what (deny by default, as everywhere): a warden only their own check-ins, reports
and photos (every query keys on the logged-in account); a clerk only their township's;
the office and the administrator the whole district.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.wrappers import Response

from ..access import (
    DISTRICT,
    REPORT_READERS,
    ROAD_CHIEF,
    STAFF,
    check_section,
    check_township,
    chief_sections,
    is_road_chief,
    roles_required,
    visible_township_id,
)
from ..dates import district_zone, today, utcnow
from ..extensions import db
from ..models import (
    REPORT_OPEN,
    Assignment,
    CheckIn,
    CheckInKind,
    LineSource,
    Photo,
    Post,
    ReportEvent,
    ReportKind,
    ReportState,
    RoadLine,
    RoadReport,
    Role,
    Township,
    Village,
    get_patrol_settings,
)
from ..record_ids import record_id
from ..views import answers_json
from .checkins import current_assignment, holder_assignment, record_check_in
from .chief import chief_page
from .forms import (
    CheckInForm,
    ClearLineForm,
    LineDrawForm,
    LineUploadForm,
    MoveReportForm,
    PatrolSettingsForm,
    PhoneReportForm,
    StaffReportForm,
    WeekForm,
)
from .lines import clear_line, line_of, set_line, summarise
from .maps import map_config
from .photos import photo_path
from .reports import (
    TRANSITION_ACTIONS,
    ReportFilter,
    allowed_moves,
    file_report,
    move_report,
    reports_query,
    week_bounds,
)
from .settings import FIELDS as SETTINGS_FIELDS
from .settings import save_patrol_settings
from .shapes import read_line_file

bp = Blueprint("patrol", __name__, url_prefix="/patrol")
WARDEN = (Role.WARDEN.value,)
EVERYONE = (*REPORT_READERS, Role.WARDEN.value)


@bp.context_processor
def patrol_helpers() -> dict[str, Any]:
    return {
        "report_kind_label": ReportKind.label_of,
        "report_state_label": ReportState.label_of,
        "line_source_label": LineSource.label_of,
        "ReportState": ReportState,
    }


def _form_errors(form: Any) -> dict[str, list[str]]:
    return {name: [str(e) for e in errors] for name, errors in form.errors.items()}


def _photo_bytes(form: Any) -> bytes | None:
    storage = form.photo.data
    if storage is None or not getattr(storage, "filename", None):
        return None
    return storage.read()


# --- the warden's phone --------------------------------------------------------------


@bp.route("/")
@roles_required(*WARDEN)
def phone() -> str:
    """The phone page: 开始巡查 / 结束巡查, today's taps, the queue, and a road report."""
    day = today()
    assignment = current_assignment(current_user, day)
    taps = list(db.session.scalars(
        select(CheckIn).where(CheckIn.user_id == current_user.id, CheckIn.day == day).order_by(CheckIn.taken_at)))
    line = line_of(assignment.post_id) if assignment else None
    return render_template(
        "patrol/phone.html", assignment=assignment, taps=taps, day=day, line=line, settings=get_patrol_settings(),
        form=CheckInForm(formdata=None), report_form=PhoneReportForm(formdata=None), map_config=map_config(),
    )


@bp.route("/checkins", methods=["POST"])
@answers_json
@roles_required(*WARDEN)
def check_in() -> tuple[Response, int]:
    """Accept one tap (now or from the phone's queue); the same client id twice is one check-in."""
    form = CheckInForm()
    if not form.validate():
        return jsonify(ok=False, message=_("The check-in was not accepted."), errors=_form_errors(form)), 422
    row, new = record_check_in(
        current_user, kind=CheckInKind(form.kind.data), fix=form.fix(), taken_at=form.taken_at.instant,
        client_id=form.client_id.data, photo=_photo_bytes(form), assignment_id=form.assignment_id.data,
    )
    return jsonify(ok=True, id=row.id, new=new, on_section=row.on_section, uncertain=row.uncertain,
                   distance_m=None if row.distance_m is None else round(row.distance_m),
                   message=_check_in_message(row)), 201 if new else 200


def _check_in_message(row: CheckIn) -> str:
    when = row.taken_at.astimezone(district_zone()).strftime("%H:%M")
    kind = CheckInKind(row.kind).label
    if row.on_section is None:
        text = _("%(kind)s at %(time)s recorded (your post has no road line yet).", kind=kind, time=when)
    elif row.on_section:
        text = _("%(kind)s at %(time)s recorded: on your road section.", kind=kind, time=when)
    else:
        text = _("%(kind)s at %(time)s recorded: %(m)d m from your road section (off the section).",
                 kind=kind, time=when, m=round(row.distance_m or 0))
    if row.uncertain:
        text += " " + _("The phone's location was not precise (±%(m)d m): marked uncertain.", m=round(row.accuracy_m))
    return text


@bp.route("/reports/phone", methods=["POST"])
@answers_json
@roles_required(*WARDEN)
def phone_report() -> tuple[Response, int]:
    """A road report from the warden's phone, for their own post."""
    form = PhoneReportForm()
    if not form.validate():
        return jsonify(ok=False, message=_("The report was not accepted."), errors=_form_errors(form)), 422
    assignment = holder_assignment(current_user, today())
    row, new = file_report(
        current_user, post=assignment.post, kind=ReportKind(form.kind.data), note=(form.note.data or "").strip(),
        fix=form.fix(), reported_at=form.taken_at.instant, client_id=form.client_id.data,
        photo=_photo_bytes(form), assignment=assignment,
    )
    return jsonify(ok=True, id=row.id, new=new, message=_("Report sent: %(kind)s. You can follow it under “My reports”.",
                                                          kind=ReportKind(row.kind).label)), 201 if new else 200


@bp.route("/mine")
@roles_required(*WARDEN)
def mine() -> str:
    """What became of my reports, and my recent check-ins."""
    reports = list(db.session.scalars(
        reports_query(ReportFilter(reported_by_id=current_user.id)).options(selectinload(RoadReport.events))
        .limit(100)))
    taps = list(db.session.scalars(
        select(CheckIn).where(CheckIn.user_id == current_user.id).options(selectinload(CheckIn.photo))
        .order_by(CheckIn.taken_at.desc()).limit(60)))
    return render_template("patrol/mine.html", reports=reports, taps=taps)


# --- the road chief's page ---------------------------------------------------------------


@bp.route("/chief")
@roles_required(*ROAD_CHIEF)
def chief() -> str:
    """The road chief's home: reports to handle on their sections, each section's holders and today's patrols."""
    day = today()
    return render_template("patrol/chief.html", page=chief_page(current_user, day), day=day)


# --- photos --------------------------------------------------------------------------


def may_see_photo(photo: Photo) -> bool:
    """The owner; the office; a clerk if the photo belongs to a check-in or report in their township;
    a road chief if it belongs to a report on one of their sections (never a check-in's)."""
    if photo.owner_id == current_user.id:
        return True
    if current_user.role in DISTRICT:
        return True
    if is_road_chief():
        return db.session.scalar(select(RoadReport.id).where(
            RoadReport.photo_id == photo.id, RoadReport.post_id.in_(chief_sections())).limit(1)) is not None
    if current_user.role != Role.CLERK:
        return False
    township = current_user.township_id
    via_checkin = (select(CheckIn.id).join(Assignment, Assignment.id == CheckIn.assignment_id)
                   .join(Post, Post.id == Assignment.post_id).join(Village, Village.id == Post.village_id)
                   .where(CheckIn.photo_id == photo.id, Village.township_id == township))
    via_report = (select(RoadReport.id).join(Post, Post.id == RoadReport.post_id)
                  .join(Village, Village.id == Post.village_id)
                  .where(RoadReport.photo_id == photo.id, Village.township_id == township))
    return db.session.scalar(via_checkin.union(via_report).limit(1)) is not None


@bp.route("/photos/<token>")
@roles_required(*EVERYONE)
def photo(token: str) -> Response:
    """A stored photo (or its thumbnail with ?size=thumb), only to those who may see it."""
    if len(token) > 64:
        abort(404)
    row = db.session.scalar(select(Photo).where(Photo.token == token))
    if row is None or not may_see_photo(row):
        abort(404)
    path = photo_path(row.token, thumb=request.args.get("size") == "thumb")
    if not path.exists():
        abort(404)
    response = send_file(path, mimetype="image/jpeg", max_age=0, conditional=True)
    # Personal evidence: never kept by a shared cache or proxy.
    response.headers["Cache-Control"] = "private, max-age=3600"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# --- road reports (staff) -------------------------------------------------------------


def _township_limit() -> int | None:
    """The one township a clerk or a road chief reads reports of; None for the office."""
    return int(current_user.township_id) if is_road_chief() else visible_township_id()


def _townships() -> list[Township]:
    limit = _township_limit()
    stmt = select(Township).order_by(Township.name)
    if limit is not None:
        stmt = stmt.where(Township.id == limit)
    return list(db.session.scalars(stmt))


def _report_or_404(report_id: int) -> RoadReport:
    report = db.session.scalar(
        select(RoadReport).where(RoadReport.id == report_id)
        .options(joinedload(RoadReport.post).joinedload(Post.village), selectinload(RoadReport.events)
                 .joinedload(ReportEvent.user)))
    if report is None:
        abort(404)
    check_section(report.post)
    return report


def report_points(reports: list[RoadReport]) -> list[dict[str, Any]]:
    """What the map needs of each report (only those with a location)."""
    return [
        {"id": r.id, "lat": r.lat, "lon": r.lon, "kind": str(ReportKind(r.kind).label), "state": r.state,
         "state_label": str(ReportState(r.state).label), "post": r.post.code, "day": r.day.isoformat(),
         "url": url_for("patrol.report", report_id=r.id)}
        for r in reports if r.lat is not None and r.lon is not None
    ]


@bp.route("/reports")
@roles_required(*REPORT_READERS)
def reports() -> str:
    """Road reports as a list and on a map; a week at a time (after a flood: the whole week on one map).

    A road chief sees the reports of their own sections only."""
    townships = _townships()
    township_id = record_id(request.args.get("township_id"))
    limit = _township_limit()
    if limit is not None:
        township_id = limit
    elif township_id is not None and township_id not in {t.id for t in townships}:
        abort(404)
    state = request.args.get("state", "open")
    states: tuple[ReportState, ...] = {"open": REPORT_OPEN, "all": ()}.get(
        state, (ReportState(state),) if state in set(ReportState) else ())
    kind = request.args.get("kind") or None
    if kind is not None and kind not in {k.value for k in ReportKind}:
        kind = None
    week_of = WeekForm(request.args).week.data  # a week that is not a date shows every week, as none does
    first = last = None
    if week_of is not None:
        first, last = week_bounds(week_of)
    rows = list(db.session.scalars(
        reports_query(ReportFilter(township_id=township_id, states=states, kind=kind, first_day=first, last_day=last,
                                   chief_id=current_user.id if is_road_chief() else None))
        .limit(1000)))
    lines = _lines_for(township_id, {r.post_id for r in rows}) if rows else []
    return render_template(
        "patrol/reports.html", reports=rows, townships=townships, township_id=township_id, state=state, kind=kind,
        week_of=week_of, first=first, last=last, points=report_points(rows), lines=lines, map_config=map_config(),
        kinds=[(k.value, k.label) for k in ReportKind], states=[(s.value, s.label) for s in ReportState],
        this_week=today().isoformat(), may_write=not is_road_chief(),
    )


def _lines_for(township_id: int | None, post_ids: set[int]) -> list[dict[str, Any]]:
    stmt = select(RoadLine, Post.code).join(Post, Post.id == RoadLine.post_id).where(RoadLine.post_id.in_(post_ids))
    return [{"code": code, "points": line.points} for line, code in db.session.execute(stmt)]


@bp.route("/reports/<int:report_id>")
@roles_required(*REPORT_READERS)
def report(report_id: int) -> str:
    r = _report_or_404(report_id)
    line = line_of(r.post_id)
    return render_template("patrol/report.html", report=r, moves=allowed_moves(r, current_user),
                           actions=TRANSITION_ACTIONS,
                           form=MoveReportForm(formdata=None), line=line, map_config=map_config(),
                           points=report_points([r]))


@bp.route("/reports/<int:report_id>/move", methods=["POST"])
@roles_required(*REPORT_READERS)
def report_move(report_id: int) -> Response | tuple[str, int]:
    """Dispatch or resolve a report, with a note; refused if it is not the next step."""
    r = _report_or_404(report_id)
    form = MoveReportForm()
    if form.validate_on_submit():
        if form.to_state.data not in set(ReportState):
            abort(400)
        to_state = ReportState(form.to_state.data)
        move_report(r, to_state, current_user, form.note.data or "", expected=form.expected.data)
        flash(_("The report is now “%(state)s”.", state=to_state.label), "success")
        return redirect(url_for("patrol.report", report_id=report_id))
    return render_template("patrol/report.html", report=r, moves=allowed_moves(r, current_user),
                           actions=TRANSITION_ACTIONS, form=form, line=line_of(r.post_id), map_config=map_config(),
                           points=report_points([r]), failed_move=form.to_state.data), 422


def _post_choices() -> list[tuple[int, str]]:
    stmt = (select(Post.id, Post.code, Village.name).join(Village, Village.id == Post.village_id)
            .where(Post.active).order_by(Village.name, Post.code))
    limit = visible_township_id()
    if limit is not None:
        stmt = stmt.where(Village.township_id == limit)
    return [(pid, f"{code} · {vname}") for pid, code, vname in db.session.execute(stmt)]


@bp.route("/reports/new", methods=["GET", "POST"])
@roles_required(*STAFF)
def report_new() -> Response | str | tuple[str, int]:
    """A road report written by a clerk or the office (from the grid, a phone call, a visit)."""
    form = StaffReportForm()
    form.post_id.choices = _post_choices()
    if request.method == "GET":
        wanted = record_id(request.args.get("post_id"))
        if wanted in dict(form.post_id.choices):
            form.post_id.data = wanted
    if form.validate_on_submit():
        post = db.session.get(Post, form.post_id.data) or abort(404)
        check_township(post.village.township_id)
        row, _new = file_report(current_user, post=post, kind=ReportKind(form.kind.data),
                                note=(form.note.data or "").strip(), fix=form.fix() if form.lat.data is not None else None,
                                reported_at=utcnow(), client_id=None, photo=_photo_bytes(form))
        flash(_("Report saved."), "success")
        return redirect(url_for("patrol.report", report_id=row.id))
    status = 422 if request.method == "POST" else 200
    return render_template("patrol/report_new.html", form=form, map_config=map_config()), status


# --- a post's road line ----------------------------------------------------------------


def _post_or_404(post_id: int) -> Post:
    post = db.session.scalar(select(Post).where(Post.id == post_id)
                             .options(joinedload(Post.village).joinedload(Village.township)))
    if post is None:
        abort(404)
    check_township(post.village.township_id)
    return post


def _render_line(post: Post, upload: LineUploadForm, draw: LineDrawForm, status: int = 200,
                 file_errors: list[str] | None = None) -> tuple[str, int]:
    line = line_of(post.id)
    day = today()
    checkins = list(db.session.scalars(
        select(CheckIn).join(Assignment, Assignment.id == CheckIn.assignment_id)
        .where(Assignment.post_id == post.id, CheckIn.day >= day - dt.timedelta(days=6)).order_by(CheckIn.taken_at)))
    points = [{"lat": c.lat, "lon": c.lon, "on": c.on_section, "uncertain": c.uncertain,
               "label": f"{c.day.isoformat()} {CheckInKind(c.kind).label}"} for c in checkins]
    return render_template(
        "patrol/line.html", post=post, line=line, summary=summarise(line, post.km) if line else None,
        upload=upload, draw=draw, clear=ClearLineForm(formdata=None), file_errors=file_errors or [],
        map_config=map_config(), checkin_points=points, village_centre=_village_centre(post),
        settings=get_patrol_settings(),
    ), status


def _village_centre(post: Post) -> list[float] | None:
    """Where to open an empty map: the middle of another line in the same village or township."""
    stmt = (select(RoadLine.points).join(Post, Post.id == RoadLine.post_id).join(Village, Village.id == Post.village_id)
            .where(or_(Post.village_id == post.village_id, Village.township_id == post.village.township_id))
            .order_by((Post.village_id == post.village_id).desc()).limit(1))
    pts = db.session.scalar(stmt)
    if not pts:
        return None
    mid = pts[len(pts) // 2]
    return [mid[0], mid[1]]


@bp.route("/posts/<int:post_id>/line", methods=["GET"])
@roles_required(*STAFF)
def line(post_id: int) -> tuple[str, int]:
    """A post's road line on a map, its length beside the km on record, and how to set it."""
    post = _post_or_404(post_id)
    return _render_line(post, LineUploadForm(formdata=None), LineDrawForm(formdata=None))


@bp.route("/posts/<int:post_id>/line", methods=["POST"])
@roles_required(*STAFF)
def line_save(post_id: int) -> Response | tuple[str, int]:
    """Import the line from a file, save a drawn one, or remove it."""
    post = _post_or_404(post_id)
    if "clear" in request.form:
        if ClearLineForm().validate_on_submit():
            removed = clear_line(post, current_user)
            flash(_("The road line was removed.") if removed else _("There was no line to remove."), "info")
        return redirect(url_for("patrol.line", post_id=post.id))
    upload = LineUploadForm(formdata=None)
    draw = LineDrawForm(formdata=None)
    if "upload" in request.form:
        upload = LineUploadForm()
        if not upload.validate_on_submit():
            return _render_line(post, upload, draw, 422)
        storage = upload.file.data
        # A file the reader refuses is shown by the upload's file field (LineFileError is a refusal).
        points, source = read_line_file(storage.filename or "", storage.read())
    else:
        draw = LineDrawForm()
        if not draw.validate_on_submit():
            return _render_line(post, upload, draw, 422)
        points, source = draw.latlngs(), LineSource.DRAWN
    saved = set_line(post, points, source, current_user)
    summary = summarise(saved, post.km)
    flash(_("Line saved: %(km).2f km measured along it (%(rec).2f km on record).", km=summary.length_km,
            rec=summary.recorded_km), "success")
    if summary.differs:
        flash(_("The measured length differs from the km on record by more than 20 percent; check the line or the record."),
              "warning")
    return redirect(url_for("patrol.line", post_id=post.id))


# --- settings --------------------------------------------------------------------------


@bp.route("/settings", methods=["GET", "POST"])
@roles_required(Role.ADMIN.value)
def settings() -> Response | tuple[str, int]:
    form = PatrolSettingsForm(obj=get_patrol_settings())
    if form.validate_on_submit():
        save_patrol_settings({name: getattr(form, name).data for name in SETTINGS_FIELDS}, current_user)
        flash(_("Patrol settings saved."), "success")
        return redirect(url_for("patrol.settings"))
    return render_template("patrol/settings.html", form=form), 422 if request.method == "POST" else 200
