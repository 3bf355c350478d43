"""Attendance pages: the daily grid, history, the month workflow, sheets, import, overview."""
from __future__ import annotations

import datetime as dt
import io
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from ..access import DISTRICT, STAFF, check_township, roles_required, visible_township_id
from ..dates import today
from ..extensions import db
from ..models import (
    Assignment,
    AttendanceChange,
    AttendanceRecord,
    MonthState,
    Role,
    Status,
    Township,
    User,
    Village,
    current_settings,
    settings_on,
)
from ..record_ids import record_id
from .. import uploads
from ..spreadsheets import XLSX_MIME
from .dashboard import overview
from .forms import (
    GridPickForm,
    GridSaveForm,
    ImportApplyForm,
    ImportUploadForm,
    MonthActionForm,
    MonthPickForm,
    ReopenMonthForm,
    ReturnMonthForm,
)
from .grid import GridRow, grid_rows, group_by_village
from .importer import MAX_ROWS, header_words, parse_month_sheet
from .months import (
    close_month,
    login_is_fresh,
    month_not_ended,
    month_state,
    month_states,
    reopen_month,
    return_month,
    sent_back_month,
    sent_back_months,
    submit_month,
)
from .operations import AttendanceError, ConflictError, GridEntry, apply_month_import, reason_required, save_day
from .sheet import build_sheet, sheet_title, sheet_xlsx, signature_line, text_rows

bp = Blueprint("attendance", __name__, url_prefix="/attendance")

# Keys for the grid's statuses, shown in its legend and used by static/js/attendance.js.
STATUS_KEYS = tuple((str(key), status.value) for key, status in enumerate(
    (Status.PRESENT, Status.LEAVE, Status.SICK, Status.ABSENT, Status.REST, Status.STOPPED), start=1))


def _townships() -> list[Township]:
    """The townships the user may work on: a clerk's own, or every active one."""
    stmt = select(Township).where(Township.active).order_by(Township.name)
    limit = visible_township_id()
    if limit is not None:
        stmt = select(Township).where(Township.id == limit)
    return list(db.session.scalars(stmt))


def _villages(township_id: int) -> list[Village]:
    return list(db.session.scalars(select(Village).where(Village.township_id == township_id).order_by(Village.name)))


def _pick_township(raw: Any, townships: list[Township]) -> Township | None:
    limit = visible_township_id()
    if limit is not None:
        return next((t for t in townships if t.id == limit), None) or db.session.get(Township, limit)
    wanted = record_id(raw)
    for t in townships:
        if t.id == wanted:
            return t
    if wanted is not None:
        t = db.session.get(Township, wanted)
        if t is not None:
            return t
    return townships[0] if townships else None


# --- the daily grid ----------------------------------------------------------------


def _render_grid(
    township: Township | None,
    day: dt.date | None,
    village_id: int | None,
    *,
    pick: GridPickForm,
    save_form: GridSaveForm | None = None,
    submitted: dict[int, GridEntry] | None = None,
    row_errors: dict[int, str] | None = None,
    conflicts: list[int] | None = None,
    messages: list[str] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    townships = _townships()
    pick.township_id.choices = [(t.id, t.name) for t in townships]
    villages = _villages(township.id) if township else []
    pick.village_id.choices = [(0, _("All villages"))] + [(v.id, v.name) for v in villages]
    rows: list[GridRow] = []
    state = None
    sent_back = None
    if township is not None and day is not None:
        rows = grid_rows(township.id, day, village_id or None)
        state = month_state(township.id, day.year, day.month)
        sent_back = sent_back_month(township.id, day.year, day.month)
    row_errors = row_errors or {}
    conflict_set = set(conflicts or [])
    for r in rows:
        entry = (submitted or {}).get(r.assignment_id)
        if entry is not None and r.assignment_id not in conflict_set:
            r.changed = (entry.status, entry.note, entry.certificate) != (r.status, r.note, r.certificate)
            r.status, r.note = entry.status, entry.note
            r.certificate = entry.certificate
            r.version = entry.version
        r.error = row_errors.get(r.assignment_id, "")
        r.conflict = r.assignment_id in conflict_set
    if save_form is None:
        save_form = GridSaveForm(formdata=None)
    if township is not None and day is not None:
        save_form.day.data = day
        save_form.township_id.data = str(township.id)
        save_form.village_id.data = str(village_id or "")
    # The grid's rules are those of the settings version in force for the day shown.
    settings = settings_on(day) if day is not None else current_settings()
    return render_template(
        "attendance/grid.html",
        pick=pick,
        form=save_form,
        township=township,
        day=day,
        village_id=village_id,
        groups=group_by_village(rows),
        row_count=len(rows),
        unrecorded=sum(1 for r in rows if not r.status),
        state=state,
        sent_back=sent_back,
        read_only=state == MonthState.CLOSED or (day is not None and day > today()),
        future=day is not None and day > today(),
        needs_reason=day is not None and reason_required(day, today()),
        settings=settings,
        status_keys=STATUS_KEYS,
        history_base=url_for("attendance.history", assignment_id=0, day="x")[: -len("0/x")],
        messages=messages or [],
    ), status


@bp.route("/grid", methods=["GET"])
@roles_required(*STAFF)
def grid() -> tuple[str, int]:
    """Show the daily grid for a day and a township or village."""
    townships = _townships()
    args = request.args.copy()
    args.setdefault("day", today().isoformat())
    pick = GridPickForm(args)
    township = _pick_township(args.get("township_id"), townships)
    if township is not None:
        check_township(township.id)
        pick.township_id.data = township.id
    day = None
    if pick.day.validate(pick):
        day = pick.day.data
    village_id = record_id(args.get("village_id"))
    if village_id and township and village_id not in {v.id for v in _villages(township.id)}:
        abort(404)
    return _render_grid(township, day, village_id, pick=pick)


@bp.route("/grid", methods=["POST"])
@roles_required(*STAFF)
def grid_save() -> Response | tuple[str, int]:
    """Save the whole grid in one transaction, or nothing with the reasons."""
    form = GridSaveForm()
    township_id = record_id(form.township_id.data)
    if township_id is None:
        abort(400)
    township = db.session.get(Township, township_id) or abort(404)
    check_township(township.id)
    village_id = record_id(form.village_id.data)
    pick = GridPickForm(formdata=None)
    day = form.day.data
    if day is None:  # the grid's own hidden day, damaged or typed by hand
        fault = (form.day.process_errors or [_("Give a date.")])[0]
        pick.day.raw_data = form.day.raw_data
        pick.day.errors = [fault]
        return _render_grid(township, None, village_id, pick=pick, messages=[fault], status=422)
    pick.day.data = day
    pick.township_id.data = township.id
    pick.village_id.data = village_id or 0
    entries, parse_errors = form.entries(request.form)
    submitted = {e.assignment_id: e for e in entries}
    if not form.validate_on_submit() or parse_errors:
        # The rules' refusal (the boundary rolled the save back and runs this view again) or rows
        # that cannot be read: the grid again with what was typed, the faults marked by their rows.
        refusal = form.refusal
        conflicts = refusal.assignment_ids if isinstance(refusal, ConflictError) else None
        by_reason = False
        if isinstance(refusal, AttendanceError):
            parse_errors = {int(k): v for k, v in refusal.rows.items()}
            form.reason.errors = [m for m in refusal.messages if not refusal.rows]
            by_reason = bool(form.reason.errors)
        if by_reason:
            # The message stands once, by the reason box; the top of the page only points there.
            messages = [_("Nothing was saved: see the message by the reason box.")]
        elif refusal is not None:
            messages = refusal.messages
        else:
            messages = [_("Nothing was saved: correct the rows marked below.")] if parse_errors else []
        return _render_grid(township, day, village_id, pick=pick, save_form=form, submitted=submitted,
                            row_errors=parse_errors, conflicts=conflicts, messages=messages,
                            status=refusal.status if refusal is not None else 422)
    result = save_day(township.id, day, entries, reason=form.reason.data, user=current_user, today=today())
    if result.written:
        flash(_("Saved: %(n)d rows changed.", n=result.written), "success")
    else:
        flash(_("Nothing to save: no row was changed."), "info")
    return redirect(url_for("attendance.grid", day=day.isoformat(), township_id=township.id,
                            **({"village_id": village_id} if village_id else {})))


# --- history -----------------------------------------------------------------------


@bp.route("/history/<int:assignment_id>/<date:day>")
@roles_required(*STAFF)
def history(assignment_id: int, day: dt.date) -> str:
    """Show every change of one holder-day."""
    assignment = db.get_or_404(Assignment, assignment_id)
    check_township(assignment.post.village.township_id)
    record = db.session.scalar(
        select(AttendanceRecord).where(AttendanceRecord.assignment_id == assignment_id, AttendanceRecord.day == day)
    )
    changes = db.session.execute(
        select(AttendanceChange, User)
        .outerjoin(User, User.id == AttendanceChange.changed_by_id)
        .where(AttendanceChange.assignment_id == assignment_id, AttendanceChange.day == day)
        .order_by(AttendanceChange.changed_at, AttendanceChange.id)
    ).all()
    return render_template("attendance/history.html", assignment=assignment, day=day, record=record, changes=changes)


# --- months ---------------------------------------------------------------------------


def _month_arg() -> tuple[int, int, MonthPickForm]:
    args = request.args.copy()
    now = today()
    args.setdefault("month", f"{now.year}-{now.month:02d}")
    pick = MonthPickForm(args)
    if pick.validate() and pick.month.month:
        return pick.month.month[0], pick.month.month[1], pick
    return now.year, now.month, pick


@bp.route("/months")
@roles_required(*STAFF)
def months() -> str:
    """List the townships' month states with their sheets and workflow actions."""
    year, month, pick = _month_arg()
    states = month_states(year, month)
    return render_template(
        "attendance/months.html", pick=pick, year=year, month=month, townships=_townships(), states=states,
        action=MonthActionForm(formdata=None), is_district=current_user.role in DISTRICT,
        not_ended=month_not_ended(year, month, today()),
        sent_back=sent_back_months(visible_township_id()),
    )


def _month_or_404(township_id: int, year: int, month: int) -> Township:
    if not (1 <= month <= 12 and 2000 <= year <= 2100):
        abort(404)
    township = db.get_or_404(Township, township_id)
    check_township(township.id)
    return township


def _back(year: int, month: int) -> Response:
    return redirect(url_for("attendance.months", month=f"{year}-{month:02d}"))


@bp.route("/months/<int:township_id>/<int:year>/<int:month>/submit", methods=["POST"])
@roles_required(*STAFF)
def submit(township_id: int, year: int, month: int) -> Response:
    """Submit a township's month to the office."""
    township = _month_or_404(township_id, year, month)
    if MonthActionForm().validate_on_submit():
        submit_month(township.id, year, month, current_user, today=today())
        flash(_("%(township)s %(year)d-%(month)02d submitted to the office.", township=township.name, year=year,
                month=month), "success")
    return _back(year, month)


@bp.route("/months/<int:township_id>/<int:year>/<int:month>/close", methods=["POST"])
@roles_required(*DISTRICT)
def close(township_id: int, year: int, month: int) -> Response:
    """Close a submitted month for payment."""
    township = _month_or_404(township_id, year, month)
    if MonthActionForm().validate_on_submit():
        close_month(township.id, year, month, current_user)
        flash(_("%(township)s %(year)d-%(month)02d closed for payment.", township=township.name, year=year,
                month=month), "success")
    return _back(year, month)


@bp.route("/months/<int:township_id>/<int:year>/<int:month>/return", methods=["GET", "POST"])
@roles_required(*DISTRICT)
def send_back(township_id: int, year: int, month: int) -> str | Response:
    """Send a submitted month back to the township, with a reason."""
    township = _month_or_404(township_id, year, month)
    form = ReturnMonthForm()
    if form.validate_on_submit():
        return_month(township.id, year, month, form.reason.data or "", actor_id=current_user.id)
        flash(_("The month went back to the township for recording."), "success")
        return _back(year, month)
    return render_template("attendance/month_reason.html", form=form, township=township, year=year, month=month,
                           title=_("Send the month back"))


@bp.route("/months/<int:township_id>/<int:year>/<int:month>/reopen", methods=["GET", "POST"])
@roles_required(Role.ADMIN.value)
def reopen(township_id: int, year: int, month: int) -> str | Response:
    """Reopen a closed month (administrator, reason, fresh login)."""
    township = _month_or_404(township_id, year, month)
    form = ReopenMonthForm()
    if form.validate_on_submit():
        reopen_month(township.id, year, month, current_user, form.reason.data or "")
        flash(_("The month is open again; the reopening is in the audit trail."), "success")
        return _back(year, month)
    return render_template("attendance/month_reason.html", form=form, township=township, year=year, month=month,
                           title=_("Reopen a closed month"), fresh=login_is_fresh(current_user))


# --- the monthly sheet -------------------------------------------------------------------


def _sheet(township_id: int, year: int, month: int) -> Any:
    _month_or_404(township_id, year, month)
    return build_sheet(township_id, year, month)


@bp.route("/sheet/<int:township_id>/<int:year>/<int:month>")
@roles_required(*STAFF)
def sheet(township_id: int, year: int, month: int) -> str:
    """Show the monthly sheet."""
    return _render_sheet("attendance/sheet.html", township_id, year, month, print_view=False)


@bp.route("/sheet/<int:township_id>/<int:year>/<int:month>/print")
@roles_required(*STAFF)
def sheet_print(township_id: int, year: int, month: int) -> str:
    """Show the monthly sheet laid out for A4 landscape printing."""
    return _render_sheet("attendance/sheet_print.html", township_id, year, month, print_view=True)


def _render_sheet(template: str, township_id: int, year: int, month: int, *, print_view: bool) -> str:
    # The screen and print views show the same rows: only the layout differs.
    s = _sheet(township_id, year, month)
    headers, body, totals = text_rows(s)
    return render_template(template, sheet=s, title=sheet_title(s), signature=signature_line(),
                           headers=headers, body=body, totals=totals, print_view=print_view)


@bp.route("/sheet/<int:township_id>/<int:year>/<int:month>/xlsx")
@roles_required(*STAFF)
def sheet_export(township_id: int, year: int, month: int) -> Response:
    """Download the monthly sheet as .xlsx."""
    s = _sheet(township_id, year, month)
    title = _("Attendance sheet")  # outside the f-string, where the catalog's extractor sees it
    name = f"{title}-{s.township.name}-{year}-{month:02d}.xlsx"
    return send_file(io.BytesIO(sheet_xlsx(s)), mimetype=XLSX_MIME, as_attachment=True, download_name=name)


# --- import -------------------------------------------------------------------------------


def _import_choices(form: Any) -> None:
    form.township_id.choices = [(t.id, t.name) for t in _townships()]


@bp.route("/import", methods=["GET", "POST"])
@roles_required(*STAFF)
def import_month() -> str | tuple[str, int]:
    """Upload a monthly sheet and preview what it would change."""
    form = ImportUploadForm()
    _import_choices(form)
    if request.method == "GET":
        now = today()
        form.month.data = now.replace(day=1)
    if form.validate_on_submit():
        township_id = visible_township_id() or form.township_id.data
        check_township(township_id)
        assert form.month.month
        year, month = form.month.month
        file = form.file.data
        # A file that cannot be read is a refusal (SpreadsheetError): the boundary shows it by the file field.
        upload = uploads.keep(file.read(), file.filename or "", kind="attendance", user_id=int(current_user.id),
                              options={"township_id": township_id, "year": year, "month": month})
        table = uploads.table(upload, max_rows=MAX_ROWS, headers=header_words())
        preview = parse_month_sheet(table, township_id, year, month, today())
        state = month_state(township_id, year, month)
        if state == MonthState.CLOSED:
            preview.errors.insert(0, _("This month is closed: an import cannot change it."))
        apply = ImportApplyForm(formdata=None)
        if preview.ok:
            apply.token.data = upload.token
            apply.fingerprint.data = preview.fingerprint
        else:
            uploads.discard(upload.token)
        return render_template("attendance/import_preview.html", preview=preview, apply=apply,
                               township=db.session.get(Township, township_id), year=year, month=month,
                               needs_reason=any(reason_required(c.day, today()) for c in preview.changes)), (200 if preview.ok else 422)
    return render_template("attendance/import.html", form=form), form.refusal.status if form.refusal else 200


@bp.route("/import/apply", methods=["POST"])
@roles_required(*STAFF)
def import_apply() -> Response | tuple[str, int]:
    """Apply a previewed import, all or nothing."""
    form = ImportApplyForm()
    # Not valid and nothing refused: a damaged page (the token and fingerprint are hidden fields).
    if not form.validate_on_submit() and form.refusal is None:
        abort(400)
    # The township and month are the ones chosen with the upload, kept with it on the server.
    upload = uploads.load(form.token.data, user_id=int(current_user.id), kind="attendance")
    if upload is None:
        flash(_("The uploaded file has expired; upload it again."), "error")
        return redirect(url_for("attendance.import_month"))
    township_id, year, month = (int(upload.options[k]) for k in ("township_id", "year", "month"))
    check_township(township_id)
    township = db.get_or_404(Township, township_id)
    # Read when it was uploaded (the reading is kept with it); one that no longer reads is refused as it was then.
    table = uploads.table(upload, max_rows=MAX_ROWS, headers=header_words())
    preview = parse_month_sheet(table, township_id, year, month, today())
    # The import's own faults, or the rules' refusal of applying it (the boundary rolled it back and
    # runs this view again): the preview again with the reasons, nothing changed.
    errors = list(preview.errors) or (form.refusal.messages if form.refusal is not None else [])
    if errors:
        preview.errors = errors
        return render_template("attendance/import_preview.html", preview=preview, apply=form, township=township,
                               year=year, month=month, needs_reason=True), 409
    n = apply_month_import(township_id, year, month, preview.cells, reason=form.reason.data, user=current_user,
                           today=today(), fingerprint=form.fingerprint.data or "")
    # The kept file goes once the import is done; a commit that fails after this loses only the
    # upload (the change itself is rolled back), and the clerk uploads the sheet again.
    uploads.discard(upload.token)
    flash(_("Imported: %(n)d holder-days changed.", n=n), "success")
    return redirect(url_for("attendance.sheet", township_id=township_id, year=year, month=month))


# --- overview -------------------------------------------------------------------------------


@bp.route("/dashboard")
@roles_required(*STAFF)
def dashboard() -> str:
    """Show this month's rates, unrecorded holder-days and threshold hits."""
    data = overview(today(), visible_township_id())
    # The holder's record in the register, when that area is installed.
    person_link = "registry.person" in current_app.view_functions
    return render_template("attendance/dashboard.html", data=data, settings=current_settings(), person_link=person_link)
