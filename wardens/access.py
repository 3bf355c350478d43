"""Who may see what: every route declares its roles, and anything undeclared is refused.

Deny by default: `enforce_declared_roles` runs before every request and refuses an
endpoint that carries no declaration, so a forgotten decorator is a 403, never a leak.
"""
from __future__ import annotations

from typing import Any, Callable, TypeVar

from flask import abort, current_app, has_request_context, request
from flask_login import current_user
from sqlalchemy import Select, select

from .extensions import login_manager
from .models import Post, Role

F = TypeVar("F", bound=Callable[..., Any])
PUBLIC = frozenset({"*public*"})
DISTRICT = (Role.ADMIN.value, Role.OFFICE.value)
STAFF = (Role.ADMIN.value, Role.OFFICE.value, Role.CLERK.value)
EVERYONE = (Role.ADMIN.value, Role.OFFICE.value, Role.CLERK.value, Role.WARDEN.value, Role.ROAD_CHIEF.value)
ROAD_CHIEF = (Role.ROAD_CHIEF.value,)
# Who reads road reports: staff by township, a road chief for the sections they are chief of.
REPORT_READERS = (*STAFF, Role.ROAD_CHIEF.value)


def roles_required(*roles: str) -> Callable[[F], F]:
    """Allow the view to logged-in users holding one of these roles."""

    def mark(view: F) -> F:
        view._roles = frozenset(str(r) for r in roles)  # type: ignore[attr-defined]
        return view

    return mark


def public(view: F) -> F:
    """Allow the view to anyone, logged in or not (login page, static files)."""
    view._roles = PUBLIC  # type: ignore[attr-defined]
    return view


def enforce_declared_roles() -> Any:
    if request.endpoint is None or request.endpoint == "static":
        return None
    view = current_app.view_functions.get(request.endpoint)
    roles = getattr(view, "_roles", None)
    if roles is None:
        abort(403)
    if roles is PUBLIC:
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.role not in roles:
        abort(403)
    return None


def is_road_chief() -> bool:
    return bool(current_user.is_authenticated and current_user.role == Role.ROAD_CHIEF)


def chief_sections() -> Select[Any]:
    """The ids of the posts (road sections) the logged-in road chief is chief of, as a subquery."""
    return select(Post.id).where(Post.road_chief_id == current_user.id)


def check_section(post: Post) -> None:
    """404 unless the logged-in user may see this section's reports: the office, the township's
    clerk, or the section's own road chief (another's section stays hidden, as for a clerk)."""
    if is_road_chief():
        if post.road_chief_id != current_user.id:
            abort(404)
        return
    check_township(post.village.township_id)


def visible_township_id() -> int | None:
    """The township a clerk is limited to; None for district-wide roles."""
    if current_user.role == Role.CLERK:
        return int(current_user.township_id)
    if current_user.role in DISTRICT:
        return None
    abort(403)


def check_township(township_id: int | None) -> None:
    """404 when a clerk reaches for another township's object (its existence stays hidden)."""
    limit = visible_township_id()
    if limit is not None and township_id != limit:
        abort(404)


def limit_to_township(stmt: Select[Any], township_column: Any) -> Select[Any]:
    """Add the clerk's township filter to a query; district roles see everything."""
    limit = visible_township_id()
    return stmt if limit is None else stmt.where(township_column == limit)


def outside_visible_township(township_id: int | None) -> bool:
    """Whether the logged-in user is a clerk of another township than this one.

    For messages that must not name another township's records to a clerk (a duplicate
    ID number or code): False outside a request (CLI, demo load) and for district roles.
    """
    if not has_request_context() or not current_user.is_authenticated:
        return False
    return current_user.role == Role.CLERK and current_user.township_id != township_id


def may_reveal_id_numbers() -> bool:
    return current_user.is_authenticated and current_user.role in DISTRICT
