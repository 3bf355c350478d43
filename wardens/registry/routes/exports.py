"""Downloading a list as .xlsx or .csv: masked for all staff, unmasked (and audited) for the district office."""
from __future__ import annotations

from flask import abort, current_app, request
from flask_login import current_user
from werkzeug.wrappers import Response

from ...access import DISTRICT, STAFF, roles_required
from ...dates import today
from ...spreadsheets import XLSX_MIME, csv_bytes, xlsx_bytes
from ..forms import ExportForm
from ..operations.exports import export_table
from ..search import (
    HOUSEHOLD_SORTS,
    HOUSEHOLD_STATUSES,
    PEOPLE_SORTS,
    PEOPLE_STATUSES,
    POST_SORTS,
    POST_STATUSES,
    parse_filters,
)
from .common import bp

LISTS = {
    "people": (PEOPLE_STATUSES, PEOPLE_SORTS),
    "households": (HOUSEHOLD_STATUSES, HOUSEHOLD_SORTS),
    "posts": (POST_STATUSES, POST_SORTS),
    "sizing": (set(), {}),
}


def _export_response(name: str, fmt: str, unmasked: bool) -> Response:
    statuses, sorts = LISTS[name]
    f = parse_filters(request.args, statuses, sorts)
    table = export_table(name, f, fmt=fmt, unmasked=unmasked, actor_id=current_user.id)
    stamp = today().isoformat()
    if fmt == "csv":
        body, mimetype = csv_bytes(table.headers, table.rows), "text/csv; charset=utf-8"
    else:
        body, mimetype = xlsx_bytes(table.headers, table.rows, text_columns=table.text_columns,
                                    sheet_title=name), XLSX_MIME
    response = current_app.response_class(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.{fmt}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/export/<any(people, households, posts, sizing):name>.<any(xlsx, csv):fmt>")
@roles_required(*STAFF)
def export(name: str, fmt: str) -> Response:
    return _export_response(name, fmt, unmasked=False)


@bp.route("/export/<any(people, households, posts, sizing):name>", methods=["POST"])
@roles_required(*DISTRICT)
def export_full(name: str) -> Response:
    form = ExportForm()
    if not form.validate_on_submit():
        abort(400)
    # The file is built whole before the view returns, and the boundary commits the audit event
    # (written by export_table) before a byte of it is sent: an unmasked list never leaves unaudited.
    return _export_response(name, form.fmt.data, unmasked=bool(form.unmasked.data))
