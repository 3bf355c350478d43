"""The home page: what is waiting for the person, and the district (or township) at a glance."""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

from babel.dates import format_skeleton
from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from ..access import EVERYONE, visible_township_id, roles_required
from ..dates import today
from ..extensions import db
from ..labels import group_label
from ..models import Role, Township
from ..record_ids import record_id
from .charts import Charts, district_charts
from .glance import district_glance
from .worklist import worklist

bp = Blueprint("core", __name__)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def month_words(year: int, month: int, skeleton: str = "yMMMM") -> str:
    return format_skeleton(skeleton, dt.date(year, month, 1), locale=get_locale())


def picked_month(raw: str | None, day: dt.date, errors: list[str]) -> tuple[int, int]:
    """The month the charts end at: YYYY-MM, not after this month; this month when absent or wrong."""
    if not raw:
        return day.year, day.month
    match = _MONTH.match(raw.strip())
    if match:
        year, month = int(match.group(1)), int(match.group(2))
        if 2000 <= year and 1 <= month <= 12 and (year, month) <= (day.year, day.month):
            return year, month
    errors.append(_("%(value)s is not a month up to this one (use YYYY-MM); showing this month.", value=raw[:20]))
    return day.year, day.month


def chart_payload(charts: Charts) -> dict[str, Any]:
    """What static/js/charts.js draws: the same figures as the tables, with their labels."""
    months = [month_words(y, m, "yMMM") for y, m in charts.months]
    return {
        "rates": {"labels": months, "unit": "%", "datasets": [
            {"label": r.township, "data": [round(x * 100, 1) if x is not None else None for x in r.rates]}
            for r in charts.rates]},
        "subsidy": {"labels": months, "unit": _("yuan"), "datasets": [
            {"label": _("Payable"), "data": [float(s.payable) for s in charts.subsidy]},
            {"label": _("Paid (months closed)"), "data": [float(s.paid) for s in charts.subsidy]}]},
        "priority": {"labels": [group_label(p.group) if p.group is not None else _("In no priority group")
                                for p in charts.priority], "unit": "", "datasets": [
            {"label": str(charts.priority_days[0].year), "data": [p.last_year for p in charts.priority]},
            {"label": str(charts.priority_days[1].year), "data": [p.this_year for p in charts.priority]}]},
        "progress": {"labels": [line.name for line in charts.progress], "unit": "%", "stacked": True, "datasets": [
            {"label": _("Holder-days recorded"), "data": [round(100 * line.recorded_month / line.expected_month, 1)
                                              if line.expected_month else 0 for line in charts.progress]},
            {"label": _("Not yet recorded"), "data": [round(100 * line.unrecorded_month / line.expected_month, 1)
                                                      if line.expected_month else 0 for line in charts.progress]}]},
    }


@bp.route("/")
@roles_required(*EVERYONE)
def home() -> str | Response:
    if current_user.role == Role.WARDEN:
        return redirect(url_for("portal.index"))
    own_township = visible_township_id()
    day = today()
    errors: list[str] = []
    year, month = picked_month(request.args.get("month"), day, errors)
    townships = db.session.execute(select(Township.id, Township.name).order_by(Township.name)).all()
    chart_township = own_township
    if own_township is None and request.args.get("township_id"):
        chart_township = record_id(request.args.get("township_id"))
        if chart_township not in {tid for tid, _n in townships}:
            errors.append(_("There is no such township; showing the whole district."))
            chart_township = None
    glance = district_glance(day, own_township)
    township = db.session.get(Township, own_township) if own_township else None
    charts = district_charts(year, month, day, chart_township)
    return render_template(
        "core/home.html", glance=glance, day=day, township=township,
        work=worklist(current_user.role, day, own_township),
        charts=charts, payload=chart_payload(charts), year=year, month=month, month_words=month_words,
        townships=townships, chart_township=chart_township, errors=errors,
    )
