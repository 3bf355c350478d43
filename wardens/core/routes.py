"""The home page: what is waiting for the person, and the district (or township) at a glance."""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

from babel.dates import format_skeleton
from flask import Blueprint, abort, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale, gettext as _, lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from ..access import DISTRICT, EVERYONE, public, visible_township_id, roles_required
from ..dates import today
from ..extensions import db
from ..labels import group_label, label
from ..models import Assignment, Role, Township
from ..models.enums import DismissalRule
from ..spreadsheets.writers import Column, Sheet, workbook_bytes
from ..record_ids import record_id
from .charts import Charts, district_charts
from .forms import ChartMonthForm
from .glance import district_glance
from .statistics import YearStatistics, year_statistics
from .worklist import worklist

bp = Blueprint("core", __name__)
rule_label = DismissalRule.label_of


def month_words(year: int, month: int, skeleton: str = "yMMMM") -> str:
    return format_skeleton(skeleton, dt.date(year, month, 1), locale=get_locale())


def picked_month(raw: str | None, day: dt.date, errors: list[str]) -> tuple[int, int]:
    """The month the charts end at: YYYY-MM, not after this month; this month when absent or wrong."""
    if not raw:
        return day.year, day.month
    picked = ChartMonthForm(MultiDict({"month": raw})).month.month
    if picked is not None and (2000, 1) <= picked <= (day.year, day.month):
        return picked
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


@bp.route("/favicon.ico")
@public
def favicon() -> Response:
    """Browsers ask for /favicon.ico whatever the page says (print views, downloads): the site's icon."""
    return redirect(url_for("static", filename="favicon.svg"), code=301)


@bp.route("/")
@roles_required(*EVERYONE)
def home() -> str | Response:
    if current_user.role == Role.WARDEN:
        return redirect(url_for("portal.index"))
    if current_user.role == Role.ROAD_CHIEF:
        return redirect(url_for("patrol.chief"))
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


GROUP_LABELS = {
    "both": _l("Registered poor and flood-affected"),
    "poor_only": _l("Registered poor only"),
    "flood_only": _l("Flood-affected only"),
    "neither": _l("Neither"),
}
PLACEMENT_LABELS = {"stayed": _l("Stayed in post"), "moved": _l("Moved post"), "new": _l("Newly placed")}


def _statistics_year(day: dt.date) -> int:
    raw = request.args.get("year", "")
    return int(raw) if raw.isascii() and raw.isdigit() and 2000 <= int(raw) <= day.year else day.year


def statistics_sheets(stats: YearStatistics) -> list[Sheet]:
    """The page's tables as a workbook: one sheet per table, named after it, in the page's order.

    One table per sheet keeps each sheet's header frozen and filterable and its columns sized
    to its own content (a single sheet of six stacked tables could do neither).
    """
    months = [month_words(stats.year, m, "MMM") for m in range(1, 13)]
    title = _("Yearly statistics %(year)d", year=stats.year)

    def sheet(name: str, header: list[str], body: list[list[Any]], text_first: bool = True) -> Sheet:
        columns = [Column(str(h), text=(i == 0 and text_first)) for i, h in enumerate(header)]
        return Sheet(name, columns, body, header_text=f"{title} {name}")

    kinds = stats.kinds
    posts, slots = _("posts"), _("slots")  # outside the f-strings, where the catalog's extractor sees them
    return [
        sheet(_("Posts and slots"),
              [_("Township")] + [f"{label('post_kind', k)} {posts}" for k in kinds]
              + [f"{label('post_kind', k)} {slots}" for k in kinds],
              [[t] + [stats.posts.get((t, k), (0, 0))[0] for k in kinds] + [stats.posts.get((t, k), (0, 0))[1] for k in kinds]
               for t in stats.townships]),
        sheet(_("Holders by priority group"), [_("Group"), _("Holders")],
              [[str(GROUP_LABELS[g]), n] for g, n in stats.holders_by_group.items()]),
        sheet(_("People and households helped"), [_("People"), _("Households")],
              [[stats.people_helped, stats.households_helped]], text_first=False),
        sheet(_("Subsidy paid (yuan)"), [_("Township")] + months + [_("Year")],
              [[t] + list(v) + [sum(v, Decimal("0.00"))] for t, v in stats.paid.items()]
              + [[_("All townships")] + [stats.paid_in_month(i) for i in range(12)] + [stats.paid_total]]),
        sheet(_("Dismissals by reason"), [_("Reason"), _("Dismissed")],
              [[rule_label(r), n] for r, n in stats.dismissals.items()]),
        sheet(_("The round's placements"), [_("Township")] + [str(v) for v in PLACEMENT_LABELS.values()],
              [[t] + [c.get(k, 0) for k in PLACEMENT_LABELS] for t, c in sorted(stats.placements.items())]),
    ]


@bp.route("/statistics")
@roles_required(*DISTRICT)
def statistics() -> str:
    day = today()
    year = _statistics_year(day)
    first = db.session.scalar(select(func.min(Assignment.term_start)))
    years = list(range(day.year, (first.year if first else day.year) - 1, -1))
    return render_template("core/statistics.html", stats=year_statistics(year, day), years=years,
                           group_labels=GROUP_LABELS, placement_labels=PLACEMENT_LABELS, rule_label=rule_label,
                           month_words=month_words)


@bp.route("/statistics/<int:year>.xlsx")
@roles_required(*DISTRICT)
def statistics_export(year: int) -> Response:
    day = today()
    if not 2000 <= year <= day.year:
        abort(404)
    return send_file(io.BytesIO(workbook_bytes(statistics_sheets(year_statistics(year, day)))),
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     as_attachment=True, download_name=f"yearly-statistics-{year}.xlsx")
