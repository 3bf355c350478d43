"""Ids typed into URLs, query strings and hidden fields: anything that is not a record's id is a 404 or ignored, never a 500."""
from __future__ import annotations

import pytest

from wardens.extensions import db

# One more than the largest id a 64-bit integer column holds, and far beyond it.
TOO_BIG = ["9223372036854775808", "99999999999999999999"]


@pytest.mark.parametrize("raw", TOO_BIG)
@pytest.mark.parametrize("path", [
    "/people/{}", "/households/{}", "/posts/{}/edit", "/admin/users/{}",
    "/attendance/sheet/{}/2026/1", "/attendance/sheet/1/{}/1", "/attendance/sheet/1/2026/{}",
    "/reallocation/rounds/{}", "/reallocation/fills/{}", "/me/month/{}/1",
])
def test_an_id_too_large_for_the_database_is_not_found(app, make, sign_in, path, raw):
    users = {"admin": make.user("admin"), "warden": make.user("warden")}
    db.session.commit()
    client = sign_in(users["warden" if path.startswith("/me/") else "admin"])
    assert client.get(path.format(raw)).status_code == 404


@pytest.mark.parametrize("raw", TOO_BIG)
def test_a_post_to_an_id_too_large_is_not_found(app, make, sign_in, raw):
    admin = make.user("admin")
    db.session.commit()
    assert sign_in(admin).post(f"/person/{raw}/deactivate").status_code == 404
