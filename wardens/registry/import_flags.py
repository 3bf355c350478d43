"""Flag updates from another department's list (受灾户, 脱贫户 …).

The list names people by ID number or households by household number; the form
gives the flag, the date it was recorded and the source. Each household named gets
the flag once, with the source kept in its flag history.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..masking import mask_id_number
from ..labels import label
from ..models import Household, Person
from ..spreadsheets import Table, header_words
from .importing import (ERROR, NEW, UNCHANGED, ImportFileError, Preview, RowOutcome, cell, chunks, damaged_cells,
                        resolve_headers)
from .operations.common import RegistryError
from .operations.households import check_flag, check_recorded_on, set_household_flag
from .operations.people import check_id_number

ALIASES: dict[str, tuple[str, ...]] = {
    "id_number": ("身份证号", "身份证号码", "公民身份号码", "证件号码", "身份证", "id number"),
    "household_number": ("户编号", "户号", "家庭编号", "household number"),
    "name": ("姓名", "户主姓名", "name"),
}
TEMPLATE_HEADERS = ["身份证号", "户编号", "姓名"]
TEMPLATE_EXAMPLE = ("11010519491231002X", "", "张三")
HEADER_WORDS = header_words(ALIASES)
TEXT_KEYS = ("id_number", "household_number", "name")


@dataclass
class FlagPlan:
    households: list[Household] = field(default_factory=list)


def preview_flags(table: Table, *, flag: str, recorded_on: dt.date) -> tuple[Preview, FlagPlan]:
    """For each row: the household it names gets the flag (new), already has it (unchanged), or an error."""
    columns = resolve_headers(table.headers, ALIASES, ())
    if "id_number" not in columns and "household_number" not in columns:
        raise ImportFileError(_("The file needs a 身份证号 or a 户编号 column."))
    check_flag(flag)
    check_recorded_on(recorded_on)
    numbers: list[str] = []
    for _line, row in table.rows:
        raw = cell(row, columns, "id_number")
        if raw:
            try:
                numbers.append(check_id_number(raw)[0])
            except RegistryError:
                continue
    people: dict[str, Person] = {}
    for chunk in chunks(numbers):
        people.update({p.id_number: p for p in db.session.scalars(
            select(Person).where(Person.id_number.in_(chunk))
            .options(joinedload(Person.household).selectinload(Household.flags)))})
    hh_numbers = sorted({cell(row, columns, "household_number") or "" for _l, row in table.rows} - {""})
    households: dict[str, Household] = {}
    for chunk in chunks(hh_numbers):
        households.update({h.number: h for h in db.session.scalars(
            select(Household).where(Household.number.in_(chunk)).options(selectinload(Household.flags)))})

    plan = FlagPlan()
    rows: list[RowOutcome] = []
    seen: dict[int, int] = {}
    damaged = damaged_cells(table, columns, TEXT_KEYS)
    for line, row in table.rows:
        outcome = RowOutcome(line=line, outcome=NEW)
        rows.append(outcome)
        if line in damaged:
            outcome.label = cell(row, columns, "id_number") or cell(row, columns, "household_number") or ""
            for message in damaged[line]:
                outcome.fail(message)
            continue
        raw_id = cell(row, columns, "id_number")
        raw_hh = cell(row, columns, "household_number")
        household: Household | None = None
        if raw_id:
            try:
                number = check_id_number(raw_id)[0]
            except RegistryError as exc:
                outcome.label = raw_id
                outcome.fail(exc.message)
                continue
            person = people.get(number)
            outcome.label = f"{cell(row, columns, 'name') or ''} {mask_id_number(number)}".strip()
            if person is None:
                outcome.fail(_("ID number %(id)s is not in the register.", id=mask_id_number(number)))
                continue
            household = person.household
            if raw_hh and raw_hh != household.number:
                outcome.fail(_("ID number %(id)s belongs to household %(registered)s, not %(given)s.",
                               id=mask_id_number(number), registered=household.number, given=raw_hh))
                continue
        elif raw_hh:
            outcome.label = raw_hh
            household = households.get(raw_hh)
            if household is None:
                outcome.fail(_("Household number %(number)s is not in the register.", number=raw_hh))
                continue
        else:
            outcome.fail(_("The row has neither an ID number nor a household number."))
            continue
        outcome.label = f"{outcome.label} · {household.number}"
        if household.id in seen:
            outcome.outcome = UNCHANGED
            outcome.messages.append(_("Same household as line %(line)d.", line=seen[household.id]))
            continue
        seen[household.id] = line
        if flag in household.flag_codes:
            outcome.outcome = UNCHANGED
            outcome.messages.append(_("Already has the flag %(flag)s.", flag=label("flag", flag)))
            continue
        plan.households.append(household)
    if any(r.outcome == ERROR for r in rows):
        plan.households = []
    return Preview(kind="flags", rows=rows), plan


def apply_flags(plan: FlagPlan, *, flag: str, recorded_on: dt.date, source: str, note: str | None, actor_id: int | None) -> int:
    """Set the flag on every planned household through set_household_flag (flushes, never commits)."""
    for household in plan.households:
        set_household_flag(household, flag, recorded_on, note=note, source=source, actor_id=actor_id)
    return len(plan.households)
