"""Words shown for the stored codes, in the user's language."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from .models.enums import Status

LABOUR = {"full": _l("Full labour"), "weak": _l("Weak / half labour"), "none": _l("No labour ability")}
FLAGS = {
    "registered_poor": _l("Registered poor"),
    "flood_affected": _l("Flood-affected"),
    "monitoring": _l("Monitoring"),
    "low_income": _l("Low-income"),
    "zero_employment": _l("Zero-employment"),
    "disabled": _l("Disabled member"),
}
POST_KINDS = {
    "road_warden": _l("Road warden"),
    "road_cleaner": _l("Road cleaner"),
    "safety_persuader": _l("Safety persuader"),
    "office_assistant": _l("Road-chief office assistant"),
}
# Keyed by the Status members (a StrEnum: a stored code looks them up as well).
STATUSES = {
    Status.PRESENT: _l("Present"),
    Status.LEAVE: _l("Personal leave"),
    Status.SICK: _l("Sick leave"),
    Status.ABSENT: _l("Unexcused absence"),
    Status.REST: _l("Rest day"),
    Status.STOPPED: _l("Work stopped"),
}
# One-character marks used on the monthly sheet (考勤表) and the grid.
STATUS_SYMBOLS = {Status.PRESENT: "√", Status.LEAVE: "事", Status.SICK: "病", Status.ABSENT: "×", Status.REST: "休",
                  Status.STOPPED: "停"}
ROLES = {
    "admin": _l("Administrator"),
    "office": _l("Office staff"),
    "clerk": _l("Township clerk"),
    "warden": _l("Warden"),
    "road_chief": _l("Road chief"),
}
ORIGINS = {
    "initial": _l("Initial register"),
    "round": _l("Yearly round"),
    "mid_year": _l("Mid-year fill"),
    "import": _l("Imported"),
}
END_REASONS = {
    "term_end": _l("Term ended"),
    "reallocated": _l("Reallocated"),
    "dismissed": _l("Dismissed"),
    "resigned": _l("Resigned"),
    "deceased": _l("Deceased"),
}
SCOPES = {
    "village": _l("Own village"),
    "neighbouring": _l("Own or neighbouring village"),
    "township": _l("Same township"),
}
SEXES = {"M": _l("Male"), "F": _l("Female")}

_ALL = {
    "labour": LABOUR,
    "flag": FLAGS,
    "post_kind": POST_KINDS,
    "status": STATUSES,
    "role": ROLES,
    "origin": ORIGINS,
    "end_reason": END_REASONS,
    "scope": SCOPES,
    "sex": SEXES,
}


def label(kind: str, code: str | None) -> str:
    """The user-facing word for a stored code; the code itself when unknown."""
    if code is None:
        return ""
    return str(_ALL[kind].get(code, code))


def group_label(group: list[str] | tuple[str, ...]) -> str:
    """A priority group in words: 'Flood-affected + Registered poor', or 'Everyone else'."""
    if not group:
        return str(_l("Everyone else eligible"))
    return " + ".join(label("flag", f) for f in group)
