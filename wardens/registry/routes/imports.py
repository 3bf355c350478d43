"""Importing a spreadsheet: upload, a preview of every row checked against the register, then apply or discard.

Nothing is written until the office applies a preview with no errors, and the
apply checks every row again, so a file is imported whole or not at all.
"""
from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from ...access import DISTRICT, roles_required
from ...dates import today
from ...extensions import db
from ... import uploads
from ...spreadsheets import XLSX_MIME
from ..forms import ActionForm, FlagImportForm, UploadForm
from ..importing import Preview
from ..previews import HEADERS, apply_preview, run_preview
from ..templates import template_workbook
from .common import bp, page_number

PREVIEW_PER_PAGE = 100


def _imports_page(upload_form: UploadForm | None = None, flag_form: FlagImportForm | None = None,
                  status: int = 200) -> tuple[str, int]:
    upload_form = upload_form or UploadForm(formdata=None)
    flag_form = flag_form or FlagImportForm(formdata=None, recorded_on=today())
    return render_template(
        "registry/imports.html", upload_form=upload_form, flag_form=flag_form,
        max_mb=(current_app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024),
        max_rows=current_app.config.get("IMPORT_MAX_ROWS", 60000),
    ), status


@bp.route("/imports")
@roles_required(*DISTRICT)
def imports() -> tuple[str, int]:
    return _imports_page()


@bp.errorhandler(RequestEntityTooLarge)
def too_large(err: RequestEntityTooLarge) -> Any:
    mb = (current_app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024)
    if request.endpoint in ("registry.import_upload", "registry.import_flags_upload"):
        flash(_("The file is larger than %(mb)d MB and was not uploaded. Split it into smaller files.", mb=mb),
              "error")
        return redirect(url_for("registry.imports"))
    return err


def _accept_upload(form: Any, kind: str, options: dict[str, Any]) -> Response | None:
    """Keep the file and check it; a redirect to the preview, or None with the error by the file field."""
    file = form.file.data
    # A file refused on arrival (too many rows, not a spreadsheet) is shown by the boundary by the file field.
    upload = uploads.keep(file.read(), file.filename or "", kind=kind, user_id=int(current_user.id), options=options)
    preview, _plan = run_preview(upload)
    db.session.rollback()
    if preview.file_error:
        uploads.discard(upload.token)
        form.file.errors = list(form.file.errors) + [preview.file_error]
        return None
    uploads.save_note(upload, "preview", preview.to_json())
    return redirect(url_for("registry.import_preview", token=upload.token))


@bp.route("/imports/upload", methods=["POST"])
@roles_required(*DISTRICT)
def import_upload() -> Any:
    form = UploadForm()
    if form.validate_on_submit():
        result = _accept_upload(form, form.kind.data, {})
        if result is not None:
            return result
    return _imports_page(upload_form=form, status=400)


@bp.route("/imports/flags", methods=["POST"])
@roles_required(*DISTRICT)
def import_flags_upload() -> Any:
    form = FlagImportForm()
    if form.validate_on_submit():
        if form.recorded_on.data > today():
            form.recorded_on.errors = list(form.recorded_on.errors) + [
                _("Date %(d)s is in the future.", d=form.recorded_on.data.isoformat())]
        else:
            options = {"flag": form.flag.data, "recorded_on": form.recorded_on.data.isoformat(),
                       "source": form.source.data.strip(), "note": (form.note.data or "").strip() or None}
            result = _accept_upload(form, "flags", options)
            if result is not None:
                return result
    return _imports_page(flag_form=form, status=400)


def _kept_or_404(token: str) -> uploads.Upload:
    """The user's own kept register upload; 404 for anyone else's, an expired one or another area's."""
    upload = uploads.load(token, user_id=int(current_user.id))
    if upload is None or upload.kind not in HEADERS:
        abort(404)
    return upload


@bp.route("/imports/<token>")
@roles_required(*DISTRICT)
def import_preview(token: str) -> str:
    upload = _kept_or_404(token)
    kept = uploads.note(upload, "preview")
    preview = Preview.from_json(kept) if kept is not None else None
    if preview is None:
        preview, _plan = run_preview(upload)
        db.session.rollback()
        uploads.save_note(upload, "preview", preview.to_json())
    show = request.args.get("show", "all")
    rows = preview.rows if show != "errors" else preview.errors
    page = page_number()
    pages = max(1, -(-len(rows) // PREVIEW_PER_PAGE))
    page = min(page, pages)
    shown = rows[(page - 1) * PREVIEW_PER_PAGE: page * PREVIEW_PER_PAGE]
    return render_template("registry/import_preview.html", token=token, meta=upload, preview=preview, rows=shown,
                           page=page, pages=pages, show=show, counts=preview.counts, action_form=ActionForm(),
                           error_rows=preview.errors)


@bp.route("/imports/<token>/apply", methods=["POST"])
@roles_required(*DISTRICT)
def import_apply(token: str) -> Response:
    upload = _kept_or_404(token)
    form = ActionForm()
    form.refusal_in_view = True  # said with the words below
    if not form.validate_on_submit():
        if form.refusal is None:
            abort(400)
        # Checked a moment ago: only a concurrent change is refused here, and the boundary kept nothing.
        flash(_("Nothing was imported: %(reason)s", reason=form.refusal.message), "error")
        return redirect(url_for("registry.import_preview", token=token))
    preview, plan = run_preview(upload)
    if not preview.ok or plan is None:
        db.session.rollback()
        uploads.save_note(upload, "preview", preview.to_json())
        flash(_("Nothing was imported: %(n)d rows have errors. Correct the file and upload it again.",
                n=len(preview.errors)) if not preview.file_error else preview.file_error, "error")
        return redirect(url_for("registry.import_preview", token=token, show="errors"))
    apply_preview(upload, preview, plan, source=_("Import of %(file)s", file=upload.filename), actor_id=current_user.id)
    # The kept file goes once the import is done; a commit failing after this loses only the upload.
    uploads.discard(token)
    counts = preview.counts
    flash(_("Imported %(file)s: %(new)d new, %(update)d updated, %(same)d unchanged.", file=upload.filename,
            new=counts["new"], update=counts["update"], same=counts["unchanged"]), "success")
    return redirect(url_for("registry.imports"))


@bp.route("/imports/<token>/discard", methods=["POST"])
@roles_required(*DISTRICT)
def import_discard(token: str) -> Response:
    _kept_or_404(token)
    if ActionForm().validate_on_submit():
        uploads.discard(token)
        flash(_("The upload was discarded; nothing was imported."), "info")
    return redirect(url_for("registry.imports"))


@bp.route("/imports/template/<any(people, posts, flags):kind>.xlsx")
@roles_required(*DISTRICT)
def import_template(kind: str) -> Response:
    response = current_app.response_class(template_workbook(kind), mimetype=XLSX_MIME)
    response.headers["Content-Disposition"] = f'attachment; filename="template-{kind}.xlsx"'
    return response
