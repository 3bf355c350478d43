"""Register tests keep uploads in the test's own folder, never in the shared instance folder."""
from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def import_folder(app: Any, tmp_path: Any) -> Any:
    folder = tmp_path / "imports"
    app.config["IMPORT_FOLDER"] = str(folder)
    return folder


class Place:
    """A small district: two townships, each with a village; ids only (objects expire on commit)."""

    def __init__(self, make: Any) -> None:
        from wardens.extensions import db

        t1 = make.township(name="西河口乡")
        t2 = make.township(name="单王乡")
        v1 = make.village(t1, name="石湖村")
        v2 = make.village(t2, name="王楼村")
        self.township_id, self.other_township_id = t1.id, t2.id
        self.village_id, self.other_village_id = v1.id, v2.id
        self.office = make.user("office", username="office1").username
        self.admin = make.user("admin", username="admin1").username
        self.clerk = make.user("clerk", username="clerk1", township_id=t1.id).username
        db.session.commit()


@pytest.fixture
def place(make: Any) -> Place:
    return Place(make)


def login_en(client: Any, username: str, lang: str = "en") -> None:
    """Start a logged-in session in English (messages compare with the source strings).

    The session is written directly: checking the argon2 password on every test
    would cost a second each, and the login form has its own tests.
    """
    from sqlalchemy import select

    from wardens.extensions import db
    from wardens.models import User

    with client.application.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        user_id = user.get_id()
    with client.session_transaction() as session:
        session["_user_id"] = user_id
        session["_fresh"] = True
        session["lang"] = lang
        # A new login starts the session clocks again (as the login form does).
        session.pop("_login_at", None)
        session.pop("_seen_at", None)
