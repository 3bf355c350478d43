"""What every response carries and how long a login lasts: security headers, no-store, session timeouts.

Written here rather than taken from Flask-Talisman: the site needs five fixed headers
and one rule about caching, and a hand-held list is easier to audit than a library's
defaults (Talisman also forces HTTPS redirects, which the office's reverse proxy does).
"""
from __future__ import annotations

from typing import Any

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

from .access import PUBLIC
from .dates import utcnow
from .models.enums import Role

# Only the site's own scripts, styles, images and fonts; no inline script or style
# attribute (the templates have none: tests/test_security_headers.py checks), no
# plugins, no framing. `data:` images are what Leaflet and the charts draw with.
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
# Geolocation stays allowed for the site itself: wardens check in at their road from
# the phone (the patrol area). Everything else a page could ask the browser for is off.
PERMISSIONS_POLICY = ", ".join((
    "geolocation=(self)",
    "camera=()",
    "microphone=()",
    "payment=()",
    "usb=()",
    "serial=()",
    "bluetooth=()",
    "magnetometer=()",
    "gyroscope=()",
    "accelerometer=()",
))
HSTS = "max-age=31536000; includeSubDomains"

# Session keys (seconds since the epoch): when the login happened and when the
# session was last used.
LOGIN_AT = "_login_at"
SEEN_AT = "_seen_at"


def security_headers(response: Response) -> Response:
    """Add the fixed headers to every response, and no-store to every page that is not a static file.

    Every page behind the login shows names, ID numbers, phones or attendance, so none
    may stay in a browser's or proxy's cache; static files carry nothing personal.
    """
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        headers.setdefault("Strict-Transport-Security", HSTS)
    if request.endpoint != "static":
        headers["Cache-Control"] = "no-store"
        headers.pop("Expires", None)
        headers.pop("Last-Modified", None)
        headers.pop("ETag", None)
    return response


def start_session_clock() -> None:
    """Called at login: the absolute lifetime counts from here."""
    now = int(utcnow().timestamp())
    session[LOGIN_AT] = now
    session[SEEN_AT] = now


def session_expired(now: int, login_at: int, seen_at: int, *, idle_applies: bool = True) -> bool:
    """Idle longer than the idle timeout (where it applies), or logged in longer than the absolute lifetime."""
    idle = int(current_app.config["SESSION_IDLE_MINUTES"]) * 60
    lifetime = int(current_app.config["SESSION_MAX_HOURS"]) * 3600
    return (idle_applies and now - seen_at > idle) or now - login_at > lifetime


def idle_timeout_applies(user: Any) -> bool:
    """Staff sessions end when idle; a warden's does not.

    A warden sees only their own (masked) record, and a patrol lasts hours between
    the 开始巡查 and 结束巡查 taps: an idle logout would lose the second tap on the
    road. Their session still ends at the absolute lifetime.
    """
    return getattr(user, "role", None) != Role.WARDEN


def enforce_session_timeouts() -> Any:
    """Log out a session that sat idle too long or has lived past its lifetime, before any view runs.

    A session without the times (made before this rule, or by a test signing in
    through the cookie) starts its clocks now.
    """
    if request.endpoint == "static" or not current_user.is_authenticated:
        return None
    now = int(utcnow().timestamp())
    login_at = session.get(LOGIN_AT)
    seen_at = session.get(SEEN_AT)
    if not isinstance(login_at, int) or not isinstance(seen_at, int):
        start_session_clock()
        return None
    if session_expired(now, login_at, seen_at, idle_applies=idle_timeout_applies(current_user)):
        logout_user()
        for key in (LOGIN_AT, SEEN_AT):
            session.pop(key, None)
        view = current_app.view_functions.get(request.endpoint or "")
        if getattr(view, "_roles", None) is PUBLIC:
            return None  # the login page itself (logging in again), the language switch
        flash(_("Your session has ended. Log in again."), "info")
        # The path only: a query string may hold what was searched for.
        return redirect(url_for("auth.login", next=request.path))
    session[SEEN_AT] = now
    return None


def init_app(app: Flask) -> None:
    proxies = int(app.config.get("TRUSTED_PROXIES", 0))
    if proxies:
        # Behind the office's reverse proxy the client's address (the login slow-down's key)
        # and scheme come from X-Forwarded-*, trusted for exactly that many hops.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)  # type: ignore[method-assign]
    app.before_request(enforce_session_timeouts)
    app.after_request(security_headers)
