"""Every response carries the security headers; every page that is not a static file is no-store."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from wardens import create_app
from wardens.extensions import db
from wardens.security import CONTENT_SECURITY_POLICY

ROOT = Path(__file__).resolve().parent.parent


def _check_fixed_headers(response) -> None:
    h = response.headers
    csp = h["Content-Security-Policy"]
    assert csp == CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["X-Frame-Options"] == "DENY"
    assert h["Referrer-Policy"] == "same-origin"
    assert "geolocation=(self)" in h["Permissions-Policy"] and "camera=()" in h["Permissions-Policy"]


@pytest.mark.parametrize("role, path", [
    (None, "/login"), ("office", "/"), ("office", "/people"), ("clerk", "/attendance/grid"),
    ("warden", "/me/"), ("admin", "/admin/users"), ("office", "/no-such-page"),
])
def test_pages_carry_the_headers_and_are_never_cached(app, make, sign_in, client, role, path):
    user = make.user(role) if role else None
    if role == "warden":
        make.assignment(person=user.person)
    db.session.commit()
    response = (sign_in(user) if user else client).get(path)
    assert response.status_code in ((404,) if path == "/no-such-page" else (200,))
    _check_fixed_headers(response)
    assert response.headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in response.headers  # the tests' cookies are not secure


def test_static_files_carry_the_headers_and_may_be_cached(client):
    response = client.get("/static/js/app.js")
    assert response.status_code == 200
    _check_fixed_headers(response)
    assert "no-store" not in response.headers.get("Cache-Control", "")
    response.close()


def test_hsts_when_cookies_are_secure(database_url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "k", "WARDENS_ENV": "test",
                      "SESSION_COOKIE_SECURE": True})
    response = app.test_client().get("/login")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    with app.app_context():
        db.engine.dispose()


INLINE = [
    # A JSON data block (type="application/json") is data, never run, and the CSP allows it.
    (re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<style\b", re.I), "<style> element"),
    (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "inline event handler"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def test_no_template_needs_what_the_policy_forbids():
    """The CSP allows no inline script or style: a template that used one would silently break."""
    found = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for pattern, what in INLINE:
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(ROOT)}:{line}: {what}")
    assert found == []
