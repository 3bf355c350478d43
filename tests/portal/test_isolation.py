"""A warden sees nothing of anyone else: every page outside their own is refused, whatever it is."""
from __future__ import annotations

import datetime as dt
from typing import Any, Iterator

import pytest

from wardens.access import PUBLIC
from wardens.web import DateConverter
from wardens.extensions import db

# The only non-portal pages a warden may use: home (which sends them to the portal),
# their own password, logging out. Anything else opened to wardens fails this test.
WARDEN_PAGES_OUTSIDE_PORTAL = {
    "core.home", "auth.password", "auth.logout",
    # The patrol phone page and its posts: each keys on the logged-in account (tests/patrol).
    "patrol.phone", "patrol.check_in", "patrol.phone_report", "patrol.mine", "patrol.photo",
}


def _rules(app: Any, method: str) -> Iterator[tuple[str, str]]:
    """(endpoint, URL) for every non-public, non-portal rule taking the method, with 1 for each argument."""
    adapter = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.startswith("portal.") or method not in rule.methods:
            continue
        if app.view_functions[rule.endpoint]._roles is PUBLIC:
            continue
        values = {name: _dummy(rule._converters.get(name)) for name in rule.arguments}
        yield rule.endpoint, adapter.build(rule.endpoint, values, method=method)


def _dummy(converter: Any) -> Any:
    """1 for ids (and any free text); the first allowed word for an <any(...)> part; a day for a <date:> part."""
    if isinstance(converter, DateConverter):
        return dt.date(2026, 11, 16)
    items = getattr(converter, "items", None)
    return sorted(items)[0] if items else 1


@pytest.fixture
def warden_client(sign_in: Any, make: Any) -> Any:
    # Rows with id 1 exist, so a 403 is the access layer's doing and not a missing record.
    township = make.township()
    person = make.person(make.household(make.village(township)))
    make.assignment(person)
    make.user("office", username="office1")
    warden = make.user("warden", username="warden1", person_id=person.id)
    db.session.commit()
    return sign_in(warden)


def test_wardens_are_allowed_only_their_own_pages(app: Any) -> None:
    opened = {
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint != "static" and not endpoint.startswith("portal.")
        and view._roles is not PUBLIC and "warden" in view._roles
    }
    assert opened == WARDEN_PAGES_OUTSIDE_PORTAL


def test_every_staff_page_refuses_a_warden(app: Any, warden_client: Any) -> None:
    checked = []
    for endpoint, url in _rules(app, "GET"):
        if endpoint in WARDEN_PAGES_OUTSIDE_PORTAL:
            continue
        response = warden_client.get(url)
        assert response.status_code == 403, f"{endpoint} {url} answered {response.status_code}"
        checked.append(endpoint)
    # Every area's pages were in the sweep, not just a few.
    assert {e.split(".")[0] for e in checked} >= {"admin"}
    assert len(checked) >= 5


def test_every_staff_action_refuses_a_warden(app: Any, warden_client: Any) -> None:
    for endpoint, url in _rules(app, "POST"):
        if endpoint in WARDEN_PAGES_OUTSIDE_PORTAL:
            continue
        response = warden_client.post(url, data={})
        assert response.status_code == 403, f"{endpoint} {url} answered {response.status_code}"


def test_home_sends_a_warden_to_the_portal(warden_client: Any) -> None:
    assert warden_client.get("/").headers["Location"] == "/me/"


@pytest.mark.parametrize("url", ["/people/1", "/admin/users/1", "/admin/settings"])
def test_named_staff_pages_are_refused(app: Any, warden_client: Any, url: str) -> None:
    assert warden_client.get(url).status_code == 403
