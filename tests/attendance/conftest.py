"""A small district for the attendance tests: one township with two villages, a clerk, office and admin."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest

from wardens.dates import today
from wardens.extensions import db
from wardens.models import Assignment, Township, User, Village


@dataclass
class District:
    township: Township
    villages: list[Village]
    holders: list[Assignment]
    clerk: User
    office: User
    admin: User
    other_township: Township
    other_holder: Assignment
    other_clerk: User
    day: dt.date
    extra: dict[str, Any] = field(default_factory=dict)


def build_district(make: Any, holders_per_village: int = 3, term_start: dt.date | None = None) -> District:
    day = today()
    start = term_start or day.replace(month=1, day=1) - dt.timedelta(days=400)
    end = day + dt.timedelta(days=300)
    township = make.township(name="西河口乡")
    villages = [make.village(township, name="石湖村"), make.village(township, name="江店村")]
    holders = []
    for v in villages:
        for i in range(holders_per_village):
            post = make.post(v, code=f"{v.name[:1]}-{v.id}-{i}", route_code="X001", section_start="起点", section_end="终点")
            person = make.person(make.household(v), name=f"{v.name[:2]}员{i}")
            holders.append(make.assignment(person, post, term_start=start, term_end=end))
    other = make.township(name="单王乡")
    ov = make.village(other, name="王楼村")
    other_holder = make.assignment(make.person(make.household(ov), name="王楼员"), make.post(ov, code="W-1"),
                                   term_start=start, term_end=end)
    d = District(
        township=township, villages=villages, holders=holders,
        clerk=make.user("clerk", username="clerk", township_id=township.id),
        office=make.user("office", username="office"),
        admin=make.user("admin", username="admin"),
        other_township=other, other_holder=other_holder,
        other_clerk=make.user("clerk", username="otherclerk", township_id=other.id),
        day=day,
    )
    db.session.commit()
    return d


@pytest.fixture
def district(make: Any) -> District:
    return build_district(make)


def grid_post(d: District, statuses: dict[int, str | None], *, day: dt.date | None = None, versions: dict[int, int] | None = None,
              notes: dict[int, str] | None = None, certs: set[int] | None = None, reason: str = "", fill: bool = False,
              township_id: int | None = None) -> dict[str, str]:
    """The form the grid page posts."""
    data = {
        "day": (day or d.day).isoformat(),
        "township_id": str(township_id or d.township.id),
        "village_id": "",
        "reason": reason,
    }
    if fill:
        data["fill"] = "1"
    else:
        data["save"] = "1"
    for aid, status in statuses.items():
        data[f"v-{aid}"] = str((versions or {}).get(aid, 0))
        data[f"s-{aid}"] = status or ""
        data[f"n-{aid}"] = (notes or {}).get(aid, "")
        if certs and aid in certs:
            data[f"c-{aid}"] = "1"
    return data


def fresh() -> None:
    """End the test's read transaction so it sees what the requests committed (SQLite WAL snapshots)."""
    db.session.rollback()


def count(model: Any, *where: Any) -> int:
    from sqlalchemy import func, select

    fresh()
    return int(db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def sign_in(client: Any, user: User) -> None:
    """Log a test client in without the (deliberately slow) password check; login itself is tested by auth."""
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
        session["lang"] = "zh"
