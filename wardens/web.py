"""Request-wide wiring: areas, login, locale, template helpers and error pages."""
from __future__ import annotations

import datetime as dt
import importlib
from typing import Any
from urllib.parse import urlencode

from flask import Flask, current_app, has_request_context, render_template, request, session
from flask_babel import format_date, format_datetime, gettext as _, lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import BaseConverter, IntegerConverter, ValidationError

from . import access, labels, masking, security
from .dates import district_zone
from .extensions import db, login_manager
from .forms import refuse_nul_characters
from .models import DismissalState, MonthState, ObjectionState, RoundState, RunKind, StoppageState, User
from .models.enums import ROUND_AGREED, ROUND_EDITABLE, ROUND_PUBLISHED
from .nav import nav_groups, nav_items, nav_singles
from .record_ids import MAX_ID

LANGUAGES = {"zh": "中文", "en": "English"}
# Areas of the site, each a package with init_app(app) that registers its
# blueprint and commands. Order sets blueprint registration order only.
AREAS = ("auth", "core", "admin", "registry", "attendance", "reallocation", "portal", "audit", "patrol", "demo")


class RecordIdConverter(IntegerConverter):
    """`<int:...>` in every route: a number past MAX_ID matches no route, so it is a 404.

    Werkzeug's own int converter takes any number of digits, and SQLite refuses to
    bind an integer past 64 bits (OverflowError, a 500) before a lookup can miss.
    """

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


class DateConverter(BaseConverter):
    """`<date:...>` in a route: a YYYY-MM-DD day that exists, else no route matches (a 404)."""

    regex = r"\d{4}-\d{1,2}-\d{1,2}"

    def to_python(self, value: str) -> dt.date:
        try:
            year, month, day = (int(p) for p in value.split("-"))
            return dt.date(year, month, day)
        except ValueError:
            raise ValidationError() from None

    def to_url(self, value: Any) -> str:
        return value.isoformat() if isinstance(value, dt.date) else str(value)


def select_locale() -> str:
    if not has_request_context():  # CLI and background work speak the default language
        return current_app.config.get("BABEL_DEFAULT_LOCALE", "zh")
    if current_user and current_user.is_authenticated and current_user.locale in LANGUAGES:
        return current_user.locale
    lang = session.get("lang")
    if lang in LANGUAGES:
        return lang
    return "zh"


def select_timezone() -> str:
    return str(district_zone())


def load_user(user_id: str) -> User | None:
    """Find the account a session cookie names; a rotated token means logged out."""
    raw_id, _sep, token = user_id.partition(":")
    if not raw_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(raw_id))
    if user is None or not user.active or user.session_token != token:
        return None
    return user


def _register_areas(app: Flask) -> None:
    for name in AREAS:
        importlib.import_module(f"{__package__}.{name}").init_app(app)


def _error_page(code: int, title: Any, message: Any) -> tuple[str, int]:
    return render_template("errors/error.html", code=code, title=title, message=message), code


def page_link(page: int) -> str:
    """This page's address with another page number, every other query argument kept as given.

    The pager links with it rather than through url_for: query arguments named like url_for's
    own (`_method`, `endpoint`, `_external`, a view argument such as `run_id`) are data there,
    not instructions (they gave a 500, or a link to another run).
    """
    pairs = [(key, value) for key, value in request.args.items(multi=True) if key != "page"]
    return f"{request.path}?{urlencode(pairs + [('page', str(page))])}"


def init_app(app: Flask) -> None:
    # Before any area adds its routes: a rule binds its converters when it is added.
    app.url_map.converters["int"] = RecordIdConverter
    app.url_map.converters["date"] = DateConverter
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user)

    # Timeouts first: an expired session must not pass the role check as logged in.
    security.init_app(app)
    app.before_request(access.enforce_declared_roles)
    app.before_request(refuse_nul_characters)

    @app.context_processor
    def template_helpers() -> dict[str, Any]:
        return {
            "nav_items": nav_items,
            "nav_groups": nav_groups,
            "nav_singles": nav_singles,
            "label": labels.label,
            "group_label": labels.group_label,
            "LANGUAGES": LANGUAGES,
            "current_locale": select_locale,
            "may_reveal_id_numbers": access.may_reveal_id_numbers,
            # The workflows' states, so templates compare with members, never with codes.
            "RoundState": RoundState,
            "MonthState": MonthState,
            "RunKind": RunKind,
            "ObjectionState": ObjectionState,
            "DismissalState": DismissalState,
            "StoppageState": StoppageState,
            "ROUND_EDITABLE": ROUND_EDITABLE,
            "ROUND_PUBLISHED": ROUND_PUBLISHED,
            "ROUND_AGREED": ROUND_AGREED,
        }

    masking.init_app(app)
    # A global, not a context variable: the pager macro is imported without the page's context.
    app.jinja_env.globals["page_link"] = page_link
    app.jinja_env.filters["date"] = lambda d, fmt="medium": format_date(d, fmt) if d else ""
    app.jinja_env.filters["datetime"] = lambda d, fmt="short": format_datetime(d, fmt) if d else ""
    app.jinja_env.filters["symbol"] = lambda s: labels.STATUS_SYMBOLS.get(s, "") if s else ""
    app.jinja_env.add_extension("jinja2.ext.do")

    @app.errorhandler(CSRFError)
    def csrf_error(err: CSRFError) -> Any:
        return _error_page(400, _("The form expired"), _("Reload the page and submit the form again."))

    @app.errorhandler(IntegrityError)
    def integrity_error(err: IntegrityError) -> Any:
        # Last line of defence: operations check their rules first, but a race
        # between two users can still reach a unique key. Nothing is saved.
        db.session.rollback()
        return _error_page(
            409,
            _("Not saved"),
            _("Someone else changed the same records at the same moment. Nothing was saved; go back and try again."),
        )

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException) -> Any:
        if err.code is None or err.code < 400 or request.endpoint == "static":
            return err
        titles = {
            403: _("Not allowed"),
            404: _("Not found"),
            405: _("Not allowed"),
            413: _("File too large"),
        }
        messages = {
            403: _("Your account may not open this page."),
            404: _("There is no such page or record, or it is outside what you may see."),
            405: _("That action cannot be done this way."),
            413: _("The uploaded file is larger than the limit."),
        }
        return _error_page(err.code, titles.get(err.code, _("Error")), messages.get(err.code, err.description))

    _register_areas(app)
