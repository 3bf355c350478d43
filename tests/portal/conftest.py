"""Signing a test client in without the login form: argon2 makes each real login cost
most of a second, and only the tests about logging in need the form."""
from __future__ import annotations

from typing import Any, Callable

import pytest

from wardens.extensions import db


@pytest.fixture
def sign_in(app: Any) -> Callable[[Any], Any]:
    """A test client whose session holds the user's id and token, as a real login leaves it."""

    def do(user: Any) -> Any:
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
        # Reading user.id opened a read transaction in the test's session; end it, or
        # (SQLite WAL) the test would not see what its requests commit afterwards.
        db.session.rollback()
        return client

    return do
