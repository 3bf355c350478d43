"""A small district for the round tests: two townships' worth of villages, posts, holders and applicants."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from wardens.extensions import db
from wardens.models import AttendanceRecord, Person, Post, Village, village_neighbour

TERM_2026 = (dt.date(2026, 1, 1), dt.date(2026, 12, 31))


@dataclass
class District:
    v1: Village
    v2: Village
    p1: Post  # V1, 2 slots
    p2: Post  # V2, 1 slot
    holder_good: Person  # holds P1, good attendance
    holder_poor: Person  # holds P2, poor attendance, household no longer in any group
    flood_poor: Person  # V1, flood-affected and registered poor
    poor: Person  # V1, registered poor
    old: Person  # V1, too old
    cadre: Person  # V1, cadre household
    plain2: Person  # V2, flood-affected
    people: dict[str, Person] = field(default_factory=dict)
    users: dict[str, Any] = field(default_factory=dict)


def build(make: Any, *, attendance_until: dt.date = dt.date(2026, 10, 31)) -> District:
    """Two neighbouring villages, three slots, two holders, five applicants; users of every role."""
    t = make.township(name="西河口乡")
    v1 = make.village(t, name="石湖村")
    v2 = make.village(t, name="江店村")
    db.session.execute(village_neighbour.insert(), [{"village_id": v1.id, "neighbour_id": v2.id},
                                                    {"village_id": v2.id, "neighbour_id": v1.id}])
    p1 = make.post(v1, code="XH-01", slots=2, max_age=60, labour="weak")
    p2 = make.post(v2, code="XH-02", slots=1, max_age=60, labour="weak")
    holder_good = make.person(make.household(v1, flags=("registered_poor",)), name="王守岗",
                              birth_date=dt.date(1975, 3, 1))
    holder_poor = make.person(make.household(v2, flags=()), name="李缺勤", birth_date=dt.date(1970, 5, 5))
    flood_poor = make.person(make.household(v1, flags=("flood_affected", "registered_poor")), name="张受灾",
                             birth_date=dt.date(1980, 1, 1))
    poor = make.person(make.household(v1, flags=("registered_poor",)), name="赵脱贫", birth_date=dt.date(1982, 2, 2))
    old = make.person(make.household(v1, flags=("registered_poor",)), name="钱老", birth_date=dt.date(1950, 1, 1))
    cadre = make.person(make.household(v1, flags=("registered_poor",), cadre=True), name="孙干部",
                        birth_date=dt.date(1978, 1, 1))
    plain2 = make.person(make.household(v2, flags=("flood_affected",)), name="周受灾", birth_date=dt.date(1985, 6, 6))
    a_good = make.assignment(holder_good, p1, term_start=TERM_2026[0], term_end=TERM_2026[1])
    a_poor = make.assignment(holder_poor, p2, term_start=TERM_2026[0], term_end=TERM_2026[1])
    # Attendance: the good holder present every working day; the other absent half the time.
    day = dt.date(2026, 9, 1)
    rows = []
    while day <= attendance_until:
        if day.weekday() < 5:
            rows.append(AttendanceRecord(assignment_id=a_good.id, day=day, status="present"))
            rows.append(AttendanceRecord(assignment_id=a_poor.id, day=day,
                                         status="present" if day.day % 2 else "absent"))
        else:
            rows.append(AttendanceRecord(assignment_id=a_good.id, day=day, status="rest"))
        day += dt.timedelta(days=1)
    db.session.add_all(rows)
    users = {
        "office": make.user("office", username="office1"),
        "admin": make.user("admin", username="admin1"),
        "clerk": make.user("clerk", username="clerk1", township_id=t.id),
        "warden": make.user("warden", username="warden1", person_id=holder_good.id),
    }
    db.session.commit()
    return District(v1, v2, p1, p2, holder_good, holder_poor, flood_poor, poor, old, cadre, plain2, users=users)
