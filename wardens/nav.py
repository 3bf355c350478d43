"""The navigation bar: pages grouped by task, filtered by role and by which areas are installed.

Groups (考勤 / 人员岗位 / 年度调整 / 系统) keep the bar on one row at 1366 px in either
language; on a phone the bar collapses behind the Menu button and the groups stack.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .access import DISTRICT, STAFF


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object
    roles: tuple[str, ...]


@dataclass(frozen=True)
class NavGroup:
    key: str
    label: object
    items: tuple[NavItem, ...]


HOME = NavItem("core.home", _l("Home"), STAFF)
GROUPS = (
    NavGroup("attendance", _l("Attendance"), (
        NavItem("attendance.grid", _l("Daily attendance"), STAFF),
        NavItem("attendance.months", _l("Monthly sheets"), STAFF),
        NavItem("attendance.dashboard", _l("Attendance overview"), STAFF),
        NavItem("patrol.reports", _l("Road reports"), STAFF),
    )),
    NavGroup("register", _l("People and posts"), (
        NavItem("registry.people", _l("People"), STAFF),
        NavItem("registry.households", _l("Households"), STAFF),
        NavItem("registry.posts", _l("Posts"), STAFF),
        NavItem("registry.places", _l("Townships and villages"), DISTRICT),
        NavItem("registry.imports", _l("Import"), DISTRICT),
    )),
    NavGroup("yearly", _l("Yearly adjustment"), (
        NavItem("reallocation.rounds", _l("Yearly rounds"), DISTRICT),
        NavItem("reallocation.dismissals", _l("Dismissal review"), DISTRICT),
        NavItem("core.statistics", _l("Yearly statistics"), DISTRICT),
    )),
    NavGroup("system", _l("System"), (
        NavItem("audit.trail", _l("Audit trail"), DISTRICT),
        NavItem("admin.users", _l("Accounts"), ("admin",)),
        NavItem("admin.settings", _l("Settings"), ("admin",)),
        NavItem("patrol.settings", _l("Patrol settings"), ("admin",)),
    )),
)
MINE = NavItem("portal.index", _l("My post"), ("warden",))
# The warden's phone pages: few, so they stand alone in the bar.
WARDEN_PAGES = (
    MINE,
    NavItem("patrol.phone", _l("Patrol"), ("warden",)),
    NavItem("patrol.mine", _l("My reports"), ("warden",)),
)
# The road chief's (路长) pages: their sections, and their sections' road reports.
CHIEF_PAGES = (
    NavItem("patrol.chief", _l("My road sections"), ("road_chief",)),
    NavItem("patrol.reports", _l("Road reports"), ("road_chief",)),
)
NAV = (HOME, *(item for group in GROUPS for item in group.items), *WARDEN_PAGES, *CHIEF_PAGES)


def _shown(item: NavItem) -> bool:
    return current_user.role in item.roles and item.endpoint in current_app.view_functions


def nav_items() -> list[NavItem]:
    """Every page the user may open from the bar, in the bar's order."""
    if not current_user.is_authenticated:
        return []
    return [item for item in NAV if _shown(item)]


def nav_groups() -> list[tuple[NavGroup, list[NavItem], bool]]:
    """The groups with the pages the user may open, and whether the current page is in the group."""
    if not current_user.is_authenticated:
        return []
    out = []
    for group in GROUPS:
        items = [item for item in group.items if _shown(item)]
        if items:
            out.append((group, items, request.endpoint in {i.endpoint for i in items}))
    return out


def nav_singles() -> list[NavItem]:
    """The pages outside any group (home, a warden's own page)."""
    if not current_user.is_authenticated:
        return []
    return [item for item in (HOME, *WARDEN_PAGES, *CHIEF_PAGES) if _shown(item)]
