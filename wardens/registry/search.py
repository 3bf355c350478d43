"""List queries for people, households and posts: filters, search and sort in one place.

Pages and exports build their statement here, so an export always follows the page's
filters and the clerk's township limit. Each list is one SELECT with joins (plus one
selectinload for flags): no query per row.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import contains_eager, selectinload

from ..access import limit_to_township
from ..dates import today
from ..extensions import db
from ..idnumber import normalise_id_number
from ..models import Assignment, Flag, Household, HouseholdFlag, Labour, Person, Post, PostKind, Township, Village
from ..record_ids import record_id

_INITIALS = re.compile(r"^[A-Za-z]{2,10}$")
_LAST4 = re.compile(r"^\d{3}[\dXx]$")


@dataclass(frozen=True)
class Filters:
    """What a list page was asked for: search text, filters, sort column and direction."""

    q: str = ""
    township: int | None = None
    village: int | None = None
    flag: str | None = None
    kind: str | None = None
    labour: str | None = None
    status: str | None = None
    sort: str = ""
    desc: bool = False

    def args(self) -> dict[str, Any]:
        """The non-empty filters as URL arguments (for export links and the pager)."""
        out: dict[str, Any] = {}
        for key in ("q", "township", "village", "flag", "kind", "labour", "status", "sort"):
            value = getattr(self, key)
            if value not in (None, ""):
                out[key] = value
        if self.desc:
            out["desc"] = 1
        return out


def _int(value: str | None) -> int | None:
    return record_id(value)


def _choice(value: str | None, allowed: set[str]) -> str | None:
    return value if value in allowed else None


PEOPLE_STATUSES = {"active", "inactive", "holding", "not_holding"}
HOUSEHOLD_STATUSES = {"active", "inactive", "cadre"}
POST_STATUSES = {"active", "inactive", "vacant", "full"}


def parse_filters(args: Mapping[str, str], statuses: set[str], sorts: Mapping[str, Any]) -> Filters:
    """Read filters from query arguments, dropping anything not on the whitelist."""
    sort = args.get("sort", "")
    return Filters(
        q=(args.get("q") or "").strip()[:50],
        township=_int(args.get("township")),
        village=_int(args.get("village")),
        flag=_choice(args.get("flag"), {f.value for f in Flag}),
        kind=_choice(args.get("kind"), {k.value for k in PostKind}),
        labour=_choice(args.get("labour"), {m.value for m in Labour}),
        status=_choice(args.get("status"), statuses),
        sort=sort if sort in sorts else "",
        desc=args.get("desc") in ("1", "true"),
    )


def _holding_now() -> Any:
    day = today()
    return exists().where(Assignment.person_id == Person.id, Assignment.in_force_on_clause(day))


def _has_flag(flag: str) -> Any:
    # IN over the partial index (flag, household_id) lets the database start from the few
    # households holding the flag instead of probing every household with EXISTS.
    return Household.id.in_(
        select(HouseholdFlag.household_id).where(HouseholdFlag.flag == flag, HouseholdFlag.cleared_on.is_(None))
    )


def _places(stmt: Select[Any], f: Filters) -> Select[Any]:
    stmt = limit_to_township(stmt, Village.township_id)
    if f.township:
        stmt = stmt.where(Village.township_id == f.township)
    if f.village:
        stmt = stmt.where(Village.id == f.village)
    return stmt


def _order(stmt: Select[Any], f: Filters, sorts: Mapping[str, Any], default: list[Any], tiebreak: Any) -> Select[Any]:
    if f.sort:
        column = sorts[f.sort]
        return stmt.order_by(column.desc() if f.desc else column.asc(), tiebreak)
    return stmt.order_by(*default, tiebreak)


def person_search_clause(q: str) -> Any:
    """Name substring, pinyin initials, the last four of an ID number, or a whole ID number."""
    q = q.strip()
    if not q:
        return None
    normal = normalise_id_number(q)
    clauses = [Person.name.contains(q, autoescape=True)]
    if _LAST4.match(normal):
        clauses.append(Person.id_last4 == normal.upper())
    if len(normal) == 18:
        clauses.append(Person.id_number == normal)
    if _INITIALS.match(q):
        clauses.append(Person.name_initials.startswith(q.lower(), autoescape=True))
    return or_(*clauses)


PEOPLE_SORTS: dict[str, Any] = {
    "name": Person.name,
    "id_last4": Person.id_last4,
    "birth_date": Person.birth_date,
    "household": Household.number,
    "village": Village.name,
    "labour": Person.labour,
}


def people_query(f: Filters) -> Select[Any]:
    """People matching the filters, with household, village and township joined in."""
    stmt = select(Person).options(
        contains_eager(Person.household).contains_eager(Household.village).contains_eager(Village.township),
        contains_eager(Person.household).selectinload(Household.flags),
    )
    return _people_filtered(stmt, f)


def people_columns_query(f: Filters, *columns: Any) -> Select[Any]:
    """The same people as people_query, as plain columns (exports stream these instead of ORM objects)."""
    return _people_filtered(select(*columns), f)


def _people_filtered(stmt: Select[Any], f: Filters) -> Select[Any]:
    stmt = stmt.select_from(Person).join(Person.household).join(Household.village).join(Village.township)
    stmt = _places(stmt, f)
    clause = person_search_clause(f.q)
    if clause is not None:
        stmt = stmt.where(clause)
    if f.flag:
        stmt = stmt.where(_has_flag(f.flag))
    if f.labour:
        stmt = stmt.where(Person.labour == f.labour)
    if f.kind:
        stmt = stmt.where(exists().where(
            Assignment.person_id == Person.id, Assignment.in_force_on_clause(today()),
            Assignment.post_id == Post.id, Post.kind == f.kind,
        ))
    status = f.status
    if status == "active":
        stmt = stmt.where(Person.active.is_(True))
    elif status == "inactive":
        stmt = stmt.where(Person.active.is_(False))
    elif status == "holding":
        stmt = stmt.where(_holding_now())
    elif status == "not_holding":
        stmt = stmt.where(~_holding_now())
    return _order(stmt, f, PEOPLE_SORTS, [Township.name, Village.name, Household.number], Person.id)


HOUSEHOLD_SORTS: dict[str, Any] = {
    "number": Household.number,
    "village": Village.name,
    "township": Township.name,
}


def households_query(f: Filters) -> Select[Any]:
    """Households matching the filters, with village, township, members and flags loaded."""
    stmt = (
        select(Household)
        .join(Household.village)
        .join(Village.township)
        .options(
            contains_eager(Household.village).contains_eager(Village.township),
            selectinload(Household.flags),
            selectinload(Household.members),
        )
    )
    stmt = _places(stmt, f)
    if f.q:
        member = exists().where(Person.household_id == Household.id, person_search_clause(f.q))
        stmt = stmt.where(or_(Household.number.contains(f.q, autoescape=True), member))
    if f.flag:
        stmt = stmt.where(_has_flag(f.flag))
    if f.status == "active":
        stmt = stmt.where(Household.active.is_(True))
    elif f.status == "inactive":
        stmt = stmt.where(Household.active.is_(False))
    elif f.status == "cadre":
        stmt = stmt.where(Household.cadre.is_(True))
    return _order(stmt, f, HOUSEHOLD_SORTS, [Township.name, Village.name, Household.number], Household.id)


def filled_slots_subquery() -> Any:
    """Holders in force today per post, as a scalar subquery."""
    return (
        select(func.count(Assignment.id))
        .where(Assignment.post_id == Post.id, Assignment.in_force_on_clause(today()))
        .correlate(Post)
        .scalar_subquery()
    )


POST_SORTS: dict[str, Any] = {
    "code": Post.code,
    "kind": Post.kind,
    "village": Village.name,
    "km": Post.km,
    "slots": Post.slots,
    "subsidy": Post.monthly_subsidy,
}


def filled_counts(post_ids: list[int] | None = None) -> dict[int, int]:
    """Holders in force today per post (for the given posts, or all), in one grouped query."""
    stmt = (
        select(Assignment.post_id, func.count(Assignment.id))
        .where(Assignment.in_force_on_clause(today()))
        .group_by(Assignment.post_id)
    )
    if post_ids is not None:
        stmt = stmt.where(Assignment.post_id.in_(post_ids))
    return {post_id: int(n) for post_id, n in db.session.execute(stmt)}


def posts_query(f: Filters) -> Select[Any]:
    """Posts matching the filters, with village and township joined in."""
    stmt = (
        select(Post)
        .join(Post.village)
        .join(Village.township)
        .options(contains_eager(Post.village).contains_eager(Village.township))
    )
    stmt = _places(stmt, f)
    if f.q:
        like = f.q
        stmt = stmt.where(or_(
            Post.code.contains(like, autoescape=True),
            Post.route_code.contains(like, autoescape=True),
            Post.road_chief.contains(like, autoescape=True),
            Post.section_start.contains(like, autoescape=True),
            Post.section_end.contains(like, autoescape=True),
        ))
    if f.kind:
        stmt = stmt.where(Post.kind == f.kind)
    if f.status == "active":
        stmt = stmt.where(Post.active.is_(True))
    elif f.status == "inactive":
        stmt = stmt.where(Post.active.is_(False))
    elif f.status == "vacant":
        stmt = stmt.where(Post.active.is_(True), filled_slots_subquery() < Post.slots)
    elif f.status == "full":
        stmt = stmt.where(filled_slots_subquery() >= Post.slots)
    return _order(stmt, f, POST_SORTS, [Township.name, Village.name, Post.code], Post.id)


def visible_villages() -> list[Village]:
    """Villages the user may pick (a clerk's own township only), township loaded."""
    stmt = select(Village).join(Village.township).options(contains_eager(Village.township))
    stmt = limit_to_township(stmt, Village.township_id)
    return list(db.session.scalars(stmt.order_by(Township.name, Village.name)))


def visible_townships() -> list[Township]:
    stmt = limit_to_township(select(Township), Township.id)
    return list(db.session.scalars(stmt.order_by(Township.name)))

