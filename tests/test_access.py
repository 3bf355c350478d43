"""Deny by default: every route declares who may use it, and each role is kept to its own."""
import datetime as dt

import pytest
from flask import Flask
from werkzeug.routing.converters import NumberConverter

from tests.helpers import login
from wardens.access import PUBLIC
from wardens.extensions import db


def _sample(converter):
    """A value the converter accepts: 1 for numbers, a listed word for `any(...)`."""
    kind = converter.__class__.__name__
    if isinstance(converter, NumberConverter):  # the site's <int:> is a bounded subclass
        return 1
    if kind == "AnyConverter":
        return sorted(converter.items)[0]
    if kind == "DateConverter":  # the site's <date:>: a day that exists
        return dt.date(2026, 11, 16)
    return "x"


def _get_urls(app: Flask):
    """One concrete URL per GET route, with 1 for every integer argument."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or "GET" not in rule.methods:
            continue
        args = {name: _sample(rule._converters[name]) for name in rule.arguments}
        with app.test_request_context():
            from flask import url_for

            yield rule.endpoint, url_for(rule.endpoint, **args)


def test_every_route_declares_its_roles(app):
    undeclared = [
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint != "static" and getattr(view, "_roles", None) is None
    ]
    assert undeclared == []


def test_an_undeclared_route_is_refused(app, client, make):
    @app.route("/forgotten")
    def forgotten():
        return "secret"

    make.user("admin", username="admin1")
    db.session.commit()
    login(client, "admin1")
    assert client.get("/forgotten").status_code == 403


def test_anonymous_users_are_sent_to_login_everywhere(app, client):
    for endpoint, url in _get_urls(app):
        if app.view_functions[endpoint]._roles is PUBLIC:
            continue
        response = client.get(url)
        assert response.status_code == 302, endpoint
        assert "/login" in response.headers["Location"], endpoint


@pytest.mark.parametrize("role", ["clerk", "warden", "office", "road_chief"])
def test_each_role_is_refused_what_it_may_not_open(app, client, make, role):
    make.user(role, username="someone")
    db.session.commit()
    login(client, "someone")
    checked = 0
    for endpoint, url in _get_urls(app):
        roles = app.view_functions[endpoint]._roles
        if roles is PUBLIC or role in roles:
            continue
        assert client.get(url).status_code == 403, endpoint
        checked += 1
    assert checked > 0


def test_a_non_numeric_id_is_a_404(app, client, make):
    make.user("admin", username="admin1")
    db.session.commit()
    login(client, "admin1")
    numeric = [r for r in app.url_map.iter_rules() if "int" in str(r) and "GET" in r.methods]
    for rule in numeric:
        url = str(rule.rule)
        for name in rule.arguments:
            url = url.replace(f"<int:{name}>", "abc")
        assert client.get(url).status_code == 404, rule.rule
