"""Personal numbers never show in full where the role may not see them.

A crawl of every page and form each role can reach on the demo district (following
links and GET forms, up to three pages of each URL shape) fails on any full ID number,
phone or bank account in a page or CSV export; office staff see one person's numbers
in full only after the audited reveal, and only with its audit event.
"""
from __future__ import annotations

import datetime as dt
import html as htmllib
import logging
import os
import re
from collections import Counter, deque
from typing import Any, Iterator
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
from sqlalchemy import select

from tests.conftest import IsolatedClient, _reset_postgres, _test_config, postgres_url
from wardens import create_app
from wardens.dates import today
from wardens.demo import load_demo
from wardens.extensions import db
from wardens.models import Assignment, AuditEvent, Person, Post, User

# One worker loads the demo once for the whole module (pytest-xdist --dist loadgroup).
pytestmark = pytest.mark.xdist_group("masking-crawl")
PER_SHAPE = 3
MAX_PAGES = 600
# Runs of digits long enough to be a phone, a bank account or an ID number.
NUMBER = re.compile(r"(?<![0-9])[0-9]{7,30}X?(?![0-9])")
SKIP = ("/logout", "/static/", "/language")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    url = os.environ.get("WARDENS_TEST_DATABASE_URL")
    if url:
        url = postgres_url()  # this xdist worker's own database
        if url is None:
            pytest.skip("PostgreSQL not reachable")
        _reset_postgres(url)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('crawl') / 'demo.sqlite3'}"
    app = create_app(_test_config(url))
    app.test_client_class = IsolatedClient
    with app.app_context():
        if url.startswith("sqlite"):
            db.create_all()
        load_demo(today=today())
        db.session.commit()
        secrets: dict[str, tuple[str, int | None]] = {}
        for p in db.session.scalars(select(Person)):
            secrets[p.id_number] = ("ID number", p.id)
            if p.phone:
                secrets[p.phone] = ("phone", p.id)
            if p.bank_account:
                secrets[p.bank_account] = ("bank account", p.id)
        for post in db.session.scalars(select(Post)):
            if post.road_chief_phone:
                secrets[post.road_chief_phone] = ("road chief's phone", None)
        app.config["CRAWL_SECRETS"] = secrets
        app.config["CRAWL_USERS"] = {u.username: u.get_id() for u in db.session.scalars(select(User))}
        # A warden may call the road chief of their own post: the portal shows that phone.
        warden = db.session.scalar(select(User).where(User.username == "warden"))
        app.config["CRAWL_ALLOWED"] = {"warden": set(db.session.scalars(
            select(Post.road_chief_phone).join(Assignment, Assignment.post_id == Post.id)
            .where(Assignment.person_id == warden.person_id, Post.road_chief_phone.is_not(None))))}
        db.session.remove()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _client(app: Any, username: str) -> Any:
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = app.config["CRAWL_USERS"][username]
        session["_fresh"] = True
    return client


def _shape(url: str) -> str:
    parts = urlsplit(url)
    keys = sorted({k for k, _v in parse_qsl(parts.query, keep_blank_values=True) if k != "page"})
    return re.sub(r"[0-9]+", "N", parts.path) + "?" + "&".join(keys)


def _links(page_url: str, text: str) -> list[str]:
    found = [htmllib.unescape(h) for h in re.findall(r'href="([^"#]+)"', text)]
    # GET forms (searches, filters): their action with the fields' current values.
    for form in re.finditer(r"<form\b([^>]*)>(.*?)</form>", text, re.S | re.I):
        attrs, body = form.group(1), form.group(2)
        if re.search(r'method="post"', attrs, re.I):
            continue
        action = re.search(r'action="([^"]*)"', attrs)
        fields = re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', body)
        target = htmllib.unescape(action.group(1)) if action and action.group(1) else page_url
        found.append(target.split("?")[0] + ("?" + urlencode(fields) if fields else ""))
    out = []
    for href in found:
        absolute = urljoin(page_url, href)
        parts = urlsplit(absolute)
        if parts.netloc not in ("", "localhost") or parts.scheme not in ("", "http"):
            continue
        path = parts.path + ("?" + parts.query if parts.query else "")
        if not path.startswith(SKIP):
            out.append(path)
    return out


def _leaks(app: Any, text: str, username: str = "") -> list[str]:
    secrets, allowed = app.config["CRAWL_SECRETS"], app.config["CRAWL_ALLOWED"].get(username, set())
    return sorted({f"{secrets[n][0]} {n}" for n in NUMBER.findall(text) if n in secrets and n not in allowed})


def crawl(app: Any, username: str) -> tuple[dict[str, list[str]], int]:
    client = _client(app, username)
    start = {"warden": "/me/", "chief": "/patrol/chief"}.get(username, "/")
    queue, seen, shapes = deque([start]), {start}, Counter()
    leaks: dict[str, list[str]] = {}
    pages = 0
    while queue and pages < MAX_PAGES:
        url = queue.popleft()
        response = client.get(url)
        pages += 1
        assert response.status_code < 500, f"{username} {url}: {response.status_code}"
        kind = response.headers.get("Content-Type", "")
        if response.status_code != 200 or not (kind.startswith("text/html") or kind.startswith("text/csv")):
            continue
        text = response.get_data(as_text=True)
        if found := _leaks(app, text, username):
            leaks[url] = found
        if not kind.startswith("text/html"):
            continue
        for link in _links(url, text):
            shape = _shape(link)
            if link in seen or shapes[shape] >= PER_SHAPE:
                continue
            seen.add(link)
            shapes[shape] += 1
            queue.append(link)
    return leaks, pages


@pytest.mark.slow
@pytest.mark.parametrize("username", ["clerk", "warden", "office", "admin", "chief"])
def test_no_page_or_form_shows_a_full_number(demo: Any, username: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        leaks, pages = crawl(demo, username)
        if username not in ("warden", "chief"):  # a full ID number and a phone typed into the search: found, never logged
            number, phone = _searchable(demo)
            for q in (number, phone):
                response = _client(demo, username).get(f"/people?q={q}")
                assert response.status_code == 200
    assert pages > (5 if username in ("warden", "chief") else 60), f"the crawl reached only {pages} pages"
    assert leaks == {}
    # The log of the crawl (one line per request, and anything else logged) holds no full number.
    assert any(r.name == "wardens.request" for r in caplog.records)
    assert _leaks(demo, caplog.text) == []


def _searchable(app: Any) -> tuple[str, str]:
    with app.app_context():
        person = db.session.scalar(select(Person).where(Person.phone.is_not(None)).order_by(Person.id).limit(1))
        found = person.id_number, person.phone
        db.session.remove()
        return found


@pytest.mark.slow
def test_edit_forms_are_masked_for_every_role(demo: Any) -> None:
    with demo.app_context():
        person = db.session.scalar(select(Person).where(Person.phone.is_not(None), Person.bank_account.is_not(None))
                                   .limit(1))
        post = db.session.scalar(select(Post).where(Post.road_chief_phone.is_not(None)).limit(1))
        pid, post_id = person.id, post.id
        db.session.remove()
    for username in ("office", "admin"):
        client = _client(demo, username)
        for url in (f"/people/{pid}/edit", f"/posts/{post_id}/edit"):
            response = client.get(url)
            assert response.status_code == 200
            assert _leaks(demo, response.text) == []


@pytest.mark.slow
def test_a_reveal_shows_the_numbers_once_and_is_audited(demo: Any) -> None:
    with demo.app_context():
        person = db.session.scalar(select(Person).where(Person.phone.is_not(None), Person.bank_account.is_not(None))
                                   .order_by(Person.id.desc()).limit(1))
        pid, numbers = person.id, {person.id_number, person.phone, person.bank_account}
        office_id = db.session.scalar(select(User.id).where(User.username == "office"))
        db.session.remove()
    assert _client(demo, "clerk").post(f"/people/{pid}/reveal").status_code == 403
    office = _client(demo, "office")
    response = office.post(f"/people/{pid}/reveal", follow_redirects=True)
    assert response.status_code == 200
    shown = {n for n in NUMBER.findall(response.text) if n in numbers}
    assert shown == numbers  # ID number, phone and bank account, in full
    with demo.app_context():
        events = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "id_revealed", AuditEvent.entity_type == "person", AuditEvent.entity_id == pid,
            AuditEvent.actor_id == office_id)).all()
        assert len(events) == 1
        db.session.remove()
    again = office.get(f"/people/{pid}")
    assert _leaks(demo, again.text) == []  # shown once
