"""Importing a spreadsheet: upload, a preview of every row checked against the register, then apply or discard.

Nothing is written until the office applies a preview with no errors, and the
apply checks every row again, so a file is imported whole or not at all.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from ...access import DISTRICT, roles_required
from ...audit import AuditAction, record_audit
from ...dates import today
from ...extensions import db
from ...spreadsheets import XLSX_MIME, SpreadsheetError, xlsx_bytes
from .. import import_flags, import_people, import_posts
from ..forms import ActionForm, FlagImportForm, UploadForm
from ..importing import (
    ImportFileError,
    Preview,
    cached_preview,
    discard_upload,
    keep_upload,
    load_upload,
    read_kept,
    save_preview,
)
from ..operations.common import RegistryError
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


def _run_preview(meta: dict[str, Any], data: bytes) -> tuple[Preview, Any]:
    """Read the kept file and check every row against the register as it is now."""
    try:
        table = read_kept(meta, data)
        kind = meta["kind"]
        if kind == "people":
            return import_people.preview_people(table)
        if kind == "posts":
            return import_posts.preview_posts(table)
        options = meta["options"]
        return import_flags.preview_flags(table, flag=options["flag"],
                                          recorded_on=dt.date.fromisoformat(options["recorded_on"]))
    except (SpreadsheetError, ImportFileError, RegistryError) as exc:
        return Preview(kind=meta["kind"], rows=[], file_error=str(exc)), None


def _accept_upload(form: Any, kind: str, options: dict[str, Any]) -> Response | None:
    """Keep the file and check it; a redirect to the preview, or None with the error by the file field."""
    upload = form.file.data
    data = upload.read()
    try:
        token = keep_upload(data, upload.filename or "", kind, options, int(current_user.id))
    except SpreadsheetError as exc:
        form.file.errors = list(form.file.errors) + [str(exc)]
        return None
    kept = load_upload(token, int(current_user.id))
    assert kept is not None
    preview, _plan = _run_preview(kept[0], data)
    db.session.rollback()
    if preview.file_error:
        discard_upload(token)
        form.file.errors = list(form.file.errors) + [preview.file_error]
        return None
    save_preview(token, preview)
    tokens = session.get("registry_imports", [])
    session["registry_imports"] = (tokens + [token])[-10:]
    return redirect(url_for("registry.import_preview", token=token))


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


def _kept_or_404(token: str) -> tuple[dict[str, Any], bytes]:
    if token not in session.get("registry_imports", []):
        abort(404)
    kept = load_upload(token, int(current_user.id))
    if kept is None:
        abort(404)
    return kept


@bp.route("/imports/<token>")
@roles_required(*DISTRICT)
def import_preview(token: str) -> str:
    meta, data = _kept_or_404(token)
    preview = cached_preview(token)
    if preview is None:
        preview, _plan = _run_preview(meta, data)
        db.session.rollback()
        save_preview(token, preview)
    show = request.args.get("show", "all")
    rows = preview.rows if show != "errors" else preview.errors
    page = page_number()
    pages = max(1, -(-len(rows) // PREVIEW_PER_PAGE))
    page = min(page, pages)
    shown = rows[(page - 1) * PREVIEW_PER_PAGE: page * PREVIEW_PER_PAGE]
    return render_template("registry/import_preview.html", token=token, meta=meta, preview=preview, rows=shown,
                           page=page, pages=pages, show=show, counts=preview.counts, action_form=ActionForm(),
                           error_rows=preview.errors)


@bp.route("/imports/<token>/apply", methods=["POST"])
@roles_required(*DISTRICT)
def import_apply(token: str) -> Response:
    meta, data = _kept_or_404(token)
    if not ActionForm().validate_on_submit():
        abort(400)
    preview, plan = _run_preview(meta, data)
    if not preview.ok or plan is None:
        db.session.rollback()
        save_preview(token, preview)
        flash(_("Nothing was imported: %(n)d rows have errors. Correct the file and upload it again.",
                n=len(preview.errors)) if not preview.file_error else preview.file_error, "error")
        return redirect(url_for("registry.import_preview", token=token, show="errors"))
    source = _("Import of %(file)s", file=meta["filename"])
    try:
        if meta["kind"] == "people":
            import_people.apply_people(plan, source=source)
        elif meta["kind"] == "posts":
            import_posts.apply_posts(plan)
        else:
            options = meta["options"]
            import_flags.apply_flags(
                plan, flag=options["flag"], recorded_on=dt.date.fromisoformat(options["recorded_on"]),
                source=options["source"], note=options.get("note"))
    except RegistryError as exc:
        # Checked a moment ago; only a concurrent change gets here, and then nothing is kept.
        db.session.rollback()
        flash(_("Nothing was imported: %(reason)s", reason=exc.message), "error")
        return redirect(url_for("registry.import_preview", token=token))
    counts = preview.counts
    record_audit(AuditAction.IMPORT, entity_type="import_" + meta["kind"], after={
        "file": meta["filename"], "new": counts["new"], "update": counts["update"],
        "unchanged": counts["unchanged"], **{k: v for k, v in meta["options"].items()},
    })
    db.session.commit()
    discard_upload(token)
    session["registry_imports"] = [t for t in session.get("registry_imports", []) if t != token]
    flash(_("Imported %(file)s: %(new)d new, %(update)d updated, %(same)d unchanged.", file=meta["filename"],
            new=counts["new"], update=counts["update"], same=counts["unchanged"]), "success")
    return redirect(url_for("registry.imports"))


@bp.route("/imports/<token>/discard", methods=["POST"])
@roles_required(*DISTRICT)
def import_discard(token: str) -> Response:
    _kept_or_404(token)
    if ActionForm().validate_on_submit():
        discard_upload(token)
        session["registry_imports"] = [t for t in session.get("registry_imports", []) if t != token]
        flash(_("The upload was discarded; nothing was imported."), "info")
    return redirect(url_for("registry.imports"))


@bp.route("/imports/template/<any(people, posts, flags):kind>.xlsx")
@roles_required(*DISTRICT)
def import_template(kind: str) -> Response:
    if kind == "people":
        headers, rows = import_people.template_rows()
        text = import_people.TEXT_TEMPLATE_COLUMNS
    elif kind == "posts":
        headers, rows = import_posts.template_rows()
        text = import_posts.TEXT_TEMPLATE_COLUMNS
    else:
        headers, rows, text = import_flags.TEMPLATE_HEADERS, [import_flags.TEMPLATE_EXAMPLE], (0, 1)
    body = xlsx_bytes(headers, rows, text_columns=text, sheet_title=kind)
    response = current_app.response_class(body, mimetype=XLSX_MIME)
    response.headers["Content-Disposition"] = f'attachment; filename="template-{kind}.xlsx"'
    return response
