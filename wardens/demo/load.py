"""Loading the demo district, step by step, in one transaction the caller commits."""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from ..extensions import db
from ..models import Township, settings_on
from ..patrol.demo import load_demo_lines, load_demo_patrol
from ..reallocation.demo import load_demo_round
from .accounts import DEMO_TOWNSHIP, create_demo_accounts, taken_demo_usernames
from .attendance import (
    Window,
    close_demo_months,
    declare_flood_stoppage,
    plan_flood_stoppage,
    write_attendance,
    write_month_states,
)
from .district import (
    DistrictPlan,
    Holding,
    PlannedPerson,
    plan_district,
    write_assignments,
    write_households_and_people,
    write_places,
    write_posts,
)

# The township whose latest full month is still unsubmitted, so the office has one to chase.
LATE_TOWNSHIP = "丁集镇"


class DemoError(RuntimeError):
    """The demo cannot be loaded into this database; the message says why."""


@dataclass(frozen=True)
class DemoSummary:
    townships: int
    villages: int
    households: int
    people: int
    poor_households: int
    poor_people: int
    flood_households: int
    flood_and_poor_households: int
    posts: int
    slots: int
    km: Decimal
    holders: int
    attendance_records: int
    first_day: dt.date
    last_day: dt.date
    warden_name: str
    accounts: tuple[str, ...]


def demo_loaded() -> bool:
    """The demo is there when its township 西河口乡 is."""
    return db.session.scalar(select(Township.id).where(Township.name == DEMO_TOWNSHIP)) is not None


def _term_years(window: Window, today: dt.date) -> list[int]:
    """Agreements run by calendar year: every year the attendance window touches, and this one."""
    return list(range(min(window.first.year, today.year), today.year + 1))


def _demo_warden(plan: DistrictPlan) -> PlannedPerson:
    """The demo warden: the first 护路员 holder of 西河口乡 (by post code)."""
    posts = sorted(
        (p for p in plan.posts if p.village.township.name == DEMO_TOWNSHIP and p.kind == "road_warden"),
        key=lambda p: p.code,
    )
    return posts[0].holders[0]


def load_demo(
    *, today: dt.date, scale: int = 1, attendance_months: int = 3, seed: int = 2020, with_round: bool = True
) -> DemoSummary:
    """Load the demo district (flushes; the caller commits). Same seed and today → same data.

    with_round adds next year's round with applications open, so a newcomer can run it at once;
    benchmarks that only need the register and attendance leave it out.
    """
    if scale < 1:
        raise DemoError("scale must be at least 1")
    if demo_loaded():
        raise DemoError(f"the demo district is already loaded (township {DEMO_TOWNSHIP} exists)")
    taken = taken_demo_usernames()
    if taken:
        raise DemoError("the demo accounts need these usernames, which already exist: " + ", ".join(taken))
    rng = random.Random(seed)
    window = Window.before(today, attendance_months)
    years = _term_years(window, today)

    # 1. Settings with their defaults.
    settings_on(today)
    # 2. The register, planned in memory: holders must fit their post on every term start and today.
    term_days = tuple(dt.date(y, 1, 1) for y in years) + (today,)
    plan = plan_district(today=today, scale=scale, rng=rng, term_days=term_days)
    # 3. Places, households and people, posts, agreements.
    write_places(plan)
    write_households_and_people(plan)
    write_posts(plan)
    holdings: list[Holding] = write_assignments(plan, years)
    # 4. One account per role; the warden holds a post in the clerk's township.
    warden = _demo_warden(plan)
    townships = {t.name: t.id for t in plan.townships}
    users = create_demo_accounts(townships, warden.id, warden.name)
    clerk_id, office_id = users["clerk"].id, users["office"].id
    # 5. Attendance: month states, the records, then the flood's 停工 declared over them.
    stoppage = plan_flood_stoppage(plan, window, today)
    closes = write_month_states(plan.townships, (years[0], 1), today, clerk_id, office_id,
                                clerk_township=DEMO_TOWNSHIP, late_township=LATE_TOWNSHIP)
    records = write_attendance(
        holdings, window, rng, stoppage, {DEMO_TOWNSHIP: clerk_id, "*": office_id}, today, warden.id
    )
    db.session.flush()
    # Declared through the site's own operations, so it keeps what each day held and can be undone.
    records += declare_flood_stoppage(stoppage, users["office"], today)
    # The past months are closed by the site's own operation, after their records are in.
    close_demo_months(closes, users["office"])
    # 6. Patrol: every section's line, the demo warden's week of check-ins, a week of road reports.
    load_demo_lines(random.Random(seed + 16))
    load_demo_patrol(today, users["warden"], [office_id, clerk_id], random.Random(seed + 17))
    db.session.flush()
    # 7. Next year's round, applications open (holders plus new applicants).
    if with_round:

        load_demo_round(today)
        db.session.flush()

    households = plan.households
    posts = plan.posts
    return DemoSummary(
        townships=len(plan.townships),
        villages=len(plan.villages),
        households=len(households),
        people=sum(len(h.members) for h in households),
        poor_households=sum(1 for h in households if h.poor),
        poor_people=sum(len(h.members) for h in households if h.poor),
        flood_households=sum(1 for h in households if h.flood),
        flood_and_poor_households=sum(1 for h in households if h.flood and h.poor),
        posts=len(posts),
        slots=sum(p.slots for p in posts),
        km=sum((p.km for p in posts), Decimal("0")),
        holders=sum(len(p.holders) for p in posts),
        attendance_records=records,
        first_day=window.first,
        last_day=window.last,
        warden_name=warden.name,
        accounts=tuple(users),
    )
