"""The navigation bar: one list, filtered by role and by which areas are installed."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .access import DISTRICT, STAFF


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object
    roles: tuple[str, ...]


NAV = (
    NavItem("core.home", _l("Home"), STAFF),
    NavItem("attendance.grid", _l("Daily attendance"), STAFF),
    NavItem("attendance.months", _l("Monthly sheets"), STAFF),
    NavItem("attendance.dashboard", _l("Attendance overview"), STAFF),
    NavItem("registry.people", _l("People"), STAFF),
    NavItem("registry.households", _l("Households"), STAFF),
    NavItem("registry.posts", _l("Posts"), STAFF),
    NavItem("registry.places", _l("Townships and villages"), DISTRICT),
    NavItem("registry.imports", _l("Import"), DISTRICT),
    NavItem("reallocation.rounds", _l("Yearly rounds"), DISTRICT),
    NavItem("reallocation.dismissals", _l("Dismissal review"), DISTRICT),
    NavItem("audit.trail", _l("Audit trail"), DISTRICT),
    NavItem("admin.users", _l("Accounts"), ("admin",)),
    NavItem("admin.settings", _l("Settings"), ("admin",)),
    NavItem("portal.index", _l("My post"), ("warden",)),
)


def nav_items() -> list[NavItem]:
    if not current_user.is_authenticated:
        return []
    return [
        item
        for item in NAV
        if current_user.role in item.roles and item.endpoint in current_app.view_functions
    ]
