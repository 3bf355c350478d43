"""The wardens' own pages: my post, this month, past months, the latest round's decision.

Every query here is keyed on the logged-in account's person; no URL names a person,
so a warden cannot reach anyone else's data by editing an address.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from babel.dates import format_skeleton, get_day_names
from flask import Blueprint, abort, render_template
from flask_babel import get_locale
from flask_login import current_user

from ..access import roles_required
from ..attendance.subsidy import holder_month
from ..dates import today
from ..labels import STATUS_SYMBOLS
from ..models import Assignment, Role, Status
from ..reallocation.decisions import latest_decision
from .mine import assignment_in_force, assignments_in_month, calendar_weeks, my_assignments, past_months, term_note

bp = Blueprint("portal", __name__, url_prefix="/me")
WARDEN = (Role.WARDEN.value,)
# Calendar order of the legend: what a warden meets most often first.
LEGEND = tuple(s.value for s in (Status.PRESENT, Status.REST, Status.LEAVE, Status.SICK, Status.ABSENT, Status.STOPPED))


def month_title(year: int, month: int) -> str:
    """A month as people write it: "2026年11月" or "November 2026"."""
    return format_skeleton("yMMMM", dt.date(year, month, 1), locale=get_locale())


def weekday_names() -> list[str]:
    """Monday to Sunday, short: 周一 … 周日 or Mo … Su."""
    names = get_day_names("short", locale=get_locale())
    return [names[i] for i in range(7)]


def plain_number(value: Decimal | float | int) -> str:
    """A figure without trailing zeros: 20.00 → 20, 9.30 → 9.3 (days and kilometres)."""
    text = format(Decimal(str(value)).quantize(Decimal("0.01")), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


@bp.context_processor
def portal_helpers() -> dict[str, object]:
    return {
        "month_title": month_title,
        "weekday_names": weekday_names,
        "plain_number": plain_number,
        "legend": LEGEND,
        "symbols": STATUS_SYMBOLS,
    }


def _calendar(assignment: Assignment, year: int, month: int, day: dt.date) -> dict[str, Any]:
    """One assignment's month for the calendar macro: the holder-month and its weeks."""
    hm = holder_month(assignment, year, month)
    return {"hm": hm, "weeks": calendar_weeks(hm, day), "assignment": assignment}


@bp.route("/")
@roles_required(*WARDEN)
def index() -> str:
    day = today()
    assignments = my_assignments(current_user.person_id)
    current = assignment_in_force(assignments, day)
    shown = current or (assignments[0] if assignments else None)
    this_month = None
    if shown is not None and assignments_in_month([shown], day.year, day.month, day):
        this_month = _calendar(shown, day.year, day.month, day)
    return render_template(
        "portal/index.html",
        person=current_user.person,
        current=current,
        shown=shown,
        note=term_note(shown, assignments, day) if shown is not None else None,
        this_month=this_month,
        months=past_months(assignments, day),
        decision=latest_decision(current_user.person_id, "en" if str(get_locale()) == "en" else "zh"),
        day=day,
    )


@bp.route("/month/<int:year>/<int:month>")
@roles_required(*WARDEN)
def month(year: int, month: int) -> str:
    if not 1 <= month <= 12:
        abort(404)
    day = today()
    held = assignments_in_month(my_assignments(current_user.person_id), year, month, day)
    if not held:
        # Outside the warden's own terms (or in the future): nothing of theirs to show.
        abort(404)
    calendars = [_calendar(a, year, month, day) for a in held]
    return render_template(
        "portal/month.html",
        calendars=calendars,
        year=year,
        month=month,
        day=day,
    )
