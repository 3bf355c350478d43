"""Helpers shared by the tests (importable as tests.helpers)."""
from __future__ import annotations

import datetime as dt
import re

from wardens.idnumber import check_character

PASSWORD = "correct horse battery"


def make_id_number(birth: dt.date, seq: int = 1, area: str = "341503", sex: str = "M") -> str:
    """A valid-checksum ID number for a fictitious person."""
    seq = seq % 1000
    if (seq % 2 == 1) != (sex == "M"):
        seq = (seq + 1) % 1000
    first17 = f"{area}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_character(first17)


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def login(client, username: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return client.post("/login", data={"username": username, "password": password})
