"""Importing households with their people: one row per person, household columns repeated.

The preview checks every row with the same field rules as the person form, looks up
villages, households and ID numbers in bulk (a few queries, not one per row), and
says for each row whether it is new, an update, unchanged, or in error and why.
Every row passes the same rule functions as the forms (check_person, the flag
checks, the duplicate-ID message); applying then writes the checked plan with bulk
inserts and updates and one audit event per created or changed row, because going
through create_person row by row cost three flushes a row (150 s for 20,000 rows).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import insert, select, update
from sqlalchemy.orm import joinedload, selectinload

from ..audit import AuditAction, snapshot
from ..dates import today
from ..extensions import db
from ..masking import mask_id_number, mask_secrets
from ..labels import label
from ..models import Household, HouseholdFlag, Person, Village
from ..spreadsheets import Table, header_words
from .importing import (
    ERROR,
    chunks,
    find_village,
    village_lookup,
    NEW,
    UNCHANGED,
    UPDATE,
    Preview,
    RowOutcome,
    cell,
    damaged_cells,
    labour_code,
    resolve_headers,
    yes_no,
)
from .operations.common import (
    BULK_CHUNK,
    RegistryError,
    changed_values,
    check_phone,
    clean_text,
    record_audits,
)
from .operations.households import FLAG_FIELDS, HOUSEHOLD_FIELDS, check_flag_clear, check_flag_record, check_flag_values
from .operations.people import (
    PERSON_FIELDS,
    PersonFields,
    check_bank_account,
    check_id_number,
    check_name,
    check_person,
    duplicate_id_message,
    person_differs,
)

ALIASES: dict[str, tuple[str, ...]] = {
    "household_number": ("户编号", "户号", "家庭编号", "户主编号", "household number"),
    "township": ("所属乡镇", "乡镇", "乡镇名称", "乡(镇)", "township"),
    "village": ("所属村", "村", "行政村", "村(居)", "所属村(居)", "村名", "村居", "village"),
    "name": ("姓名", "名字", "name"),
    "id_number": ("身份证号", "身份证号码", "公民身份号码", "证件号码", "身份证", "id number"),
    "phone": ("联系电话", "电话", "手机", "手机号", "手机号码", "联系方式", "phone"),
    "labour": ("劳动能力", "劳动力", "劳动力状况", "劳动能力状况", "labour"),
    "away_working": ("是否外出务工", "外出务工", "away working"),
    "stable_employment": ("是否稳定就业", "稳定就业", "stable employment"),
    "registered_poor": ("是否脱贫户", "脱贫户", "是否建档立卡贫困户", "建档立卡贫困户", "是否建档立卡户", "建档立卡"),
    "flood_affected": ("是否受灾户", "受灾户"),
    "monitoring": ("是否监测户", "监测户", "是否监测对象", "监测对象"),
    "low_income": ("是否低保户", "低保户", "是否低保", "低保"),
    "zero_employment": ("是否零就业家庭", "零就业家庭", "是否零就业"),
    "disabled": ("是否残疾", "残疾", "是否残疾户", "是否有残疾人"),
    "cadre": ("是否村干部户", "村干部户", "是否村干部"),
    "bank_name": ("开户银行", "开户行", "银行", "bank"),
    "bank_account": ("银行账号", "银行卡号", "账号", "补贴发放账号", "bank account"),
    "address": ("家庭住址", "住址", "地址", "address"),
    "note": ("备注", "note"),
}
REQUIRED = ("household_number", "village", "name", "id_number")
FLAG_KEYS = ("registered_poor", "flood_affected", "monitoring", "low_income", "zero_employment", "disabled")
# The template's columns, in order (the first alias of each key).
TEMPLATE_KEYS = (
    "household_number", "township", "village", "name", "id_number", "phone", "labour", "away_working",
    "stable_employment", "registered_poor", "flood_affected", "monitoring", "low_income", "zero_employment",
    "disabled", "cadre", "bank_name", "bank_account", "address", "note",
)
TEMPLATE_EXAMPLE = (
    "H0001", "西河口乡", "石湖村", "张三", "11010519491231002X", "13800001234", "弱劳力", "否", "否",
    "是", "是", "否", "否", "否", "否", "否", "农商银行", "6228480000000000000", "石湖村三组", "",
)
HEADER_WORDS = header_words(ALIASES)
# Columns that are text by nature: a number or date cell there has already changed what was typed.
TEXT_KEYS = ("household_number", "township", "village", "name", "id_number", "phone", "bank_name", "bank_account",
             "address", "note")


@dataclass
class HouseholdPlan:
    number: str
    village: Village
    first_line: int
    address: str | None
    cadre: bool | None
    flags: dict[str, bool]
    existing: Household | None = None
    outcome: RowOutcome | None = None

    def changes(self) -> bool:
        h = self.existing
        if h is None:
            return True
        if h.village_id != self.village.id:
            return True
        if self.address is not None and h.address != self.address:
            return True
        if self.cadre is not None and h.cadre != self.cadre:
            return True
        return bool(self.flag_changes())

    def flag_changes(self) -> list[tuple[str, bool]]:
        current = self.existing.flag_codes if self.existing is not None else frozenset()
        return [(flag, want) for flag, want in self.flags.items() if want != (flag in current)]


@dataclass
class PersonPlan:
    line: int
    household_number: str
    values: dict[str, Any]
    fields: PersonFields
    existing: Person | None = None


@dataclass
class PeoplePlan:
    households: dict[str, HouseholdPlan] = field(default_factory=dict)
    people: list[PersonPlan] = field(default_factory=list)


def _existing_people(numbers: list[str]) -> dict[str, Person]:
    out: dict[str, Person] = {}
    for chunk in chunks(numbers):
        rows = db.session.scalars(
            select(Person).where(Person.id_number.in_(chunk)).options(joinedload(Person.household))
        ).all()
        out.update({p.id_number: p for p in rows})
    return out


def _existing_households(numbers: list[str]) -> dict[str, Household]:
    out: dict[str, Household] = {}
    for chunk in chunks(numbers):
        rows = db.session.scalars(
            select(Household).where(Household.number.in_(chunk))
            .options(selectinload(Household.flags), joinedload(Household.village).joinedload(Village.township))
        ).all()
        out.update({h.number: h for h in rows})
    return out


PERSON_DEFAULTS: dict[str, Any] = {
    "phone": None, "labour": "full", "away_working": False, "stable_employment": False,
    "bank_name": None, "bank_account": None, "note": None,
}


def _read_person(row: dict[str, str], columns: dict[str, str], outcome: RowOutcome) -> dict[str, Any]:
    """The person's values the file gives (absent or empty cells are left out), checked field by field."""
    values: dict[str, Any] = {}

    def attempt(key: str, fn: Any) -> None:
        try:
            result = fn()
        except (RegistryError, ValueError) as exc:
            outcome.fail(str(exc))
            return
        if result is not None:
            values[key] = result

    attempt("name", lambda: check_name(cell(row, columns, "name")))
    attempt("id_number", lambda: check_id_number(cell(row, columns, "id_number"))[0])
    attempt("phone", lambda: check_phone(cell(row, columns, "phone")))
    labour = cell(row, columns, "labour")
    if labour is not None:
        attempt("labour", lambda: labour_code(labour))
    attempt("away_working", lambda: yes_no(cell(row, columns, "away_working"), "是否外出务工"))
    attempt("stable_employment", lambda: yes_no(cell(row, columns, "stable_employment"), "是否稳定就业"))
    attempt("bank_name", lambda: clean_text(cell(row, columns, "bank_name"), limit=100))
    attempt("bank_account", lambda: check_bank_account(cell(row, columns, "bank_account")))
    attempt("note", lambda: cell(row, columns, "note"))
    return values


def _person_kwargs(values: dict[str, Any], existing: Person | None) -> dict[str, Any]:
    """Values for create_person/update_person: the file's, else what the person has, else defaults."""
    out: dict[str, Any] = {"name": values.get("name"), "id_number": values.get("id_number")}
    for key, default in PERSON_DEFAULTS.items():
        if key in values:
            out[key] = values[key]
        elif existing is not None:
            out[key] = getattr(existing, key)
        else:
            out[key] = default
    return out


@dataclass
class _Row:
    """One row after the file-only checks, waiting for the database lookups."""

    line: int
    row: dict[str, str]
    outcome: RowOutcome
    values: dict[str, Any]
    household_number: str | None
    village: Village | None
    flags: dict[str, bool]
    cadre: bool | None
    address: str | None


def _check_row(line: int, row: dict[str, str], columns: dict[str, str], by_pair: Any, by_name: Any,
               seen_ids: dict[str, int], damaged: list[str]) -> _Row:
    """Every rule a row can be checked against without the database (and duplicates within the file)."""
    outcome = RowOutcome(line=line, outcome=NEW)
    for message in damaged:
        outcome.fail(message)
    name = cell(row, columns, "name") or ""
    values = _read_person(row, columns, outcome)
    number = values.get("id_number")
    outcome.label = f"{name} {mask_id_number(number) if number else (cell(row, columns, 'id_number') or '')}".strip()
    if number:
        if number in seen_ids:
            outcome.fail(_("ID number %(id)s appears twice in the file (line %(first)d and this line).",
                           id=mask_id_number(number), first=seen_ids[number]))
        else:
            seen_ids[number] = line

    household_number = cell(row, columns, "household_number")
    village = None
    try:
        village = find_village(cell(row, columns, "township"), cell(row, columns, "village"), by_pair, by_name)
    except ValueError as exc:
        outcome.fail(str(exc))
    if not household_number:
        outcome.fail(_("户编号 is empty."))
    elif len(household_number) > 40:
        outcome.fail(_("Household number %(number)s is longer than 40 characters.", number=household_number))
    flags: dict[str, bool] = {}
    for key in FLAG_KEYS:
        try:
            answer = yes_no(cell(row, columns, key), columns.get(key, key))
        except ValueError as exc:
            outcome.fail(str(exc))
            continue
        if answer is not None:
            flags[key] = answer
    try:
        cadre = yes_no(cell(row, columns, "cadre"), columns.get("cadre", "cadre"))
    except ValueError as exc:
        outcome.fail(str(exc))
        cadre = None
    address = cell(row, columns, "address")
    if address is not None and len(address) > 200:
        outcome.fail(_("Address is longer than 200 characters."))
    return _Row(line, row, outcome, values, household_number, village, flags, cadre, address)


def preview_people(table: Table) -> tuple[Preview, PeoplePlan]:
    """Every row's outcome and, when there is no error, the plan that applying carries out.

    First every row is checked on its own (field rules, village, duplicates in the
    file); then the households and people the file names are loaded in a few
    set-based queries; then each row is compared with what the register holds.
    """
    columns = resolve_headers(table.headers, ALIASES, REQUIRED)
    by_pair, by_name = village_lookup()
    seen_ids: dict[str, int] = {}
    damaged = damaged_cells(table, columns, TEXT_KEYS)
    checked = [_check_row(line, row, columns, by_pair, by_name, seen_ids, damaged.get(line, []))
               for line, row in table.rows]
    people = _existing_people(sorted(seen_ids))
    households = _existing_households(sorted({r.household_number for r in checked if r.household_number}))

    plan = PeoplePlan()
    for r in checked:
        outcome, line, household_number, village = r.outcome, r.line, r.household_number, r.village
        number = r.values.get("id_number")
        existing = people.get(number) if number else None
        if existing is not None and household_number and existing.household.number != household_number:
            outcome.fail(duplicate_id_message(number, existing.household.number, existing.name,
                                              household_number))
        if outcome.outcome == ERROR or village is None or not household_number:
            continue

        registered = households.get(household_number)
        if registered is not None and existing is None and not _new_member_fits(r, registered, outcome):
            continue
        hplan = plan.households.get(household_number)
        if hplan is None:
            hplan = HouseholdPlan(number=household_number, village=village, first_line=line, address=r.address,
                                  cadre=r.cadre, flags=r.flags, existing=registered, outcome=outcome)
            if hplan.existing is not None and not hplan.existing.active:
                outcome.fail(_("Household %(number)s is deactivated.", number=household_number))
                continue
            plan.households[household_number] = hplan
        else:
            conflict = _household_conflict(hplan, village, r.address, r.cadre, r.flags)
            if conflict:
                outcome.fail(conflict)
                continue

        kwargs = _person_kwargs(r.values, existing)
        try:
            fields = check_person(**kwargs)
        except RegistryError as exc:
            outcome.fail(exc.message)
            continue
        plan.people.append(PersonPlan(line=line, household_number=household_number, values=kwargs,
                                      fields=fields, existing=existing))
        if existing is None:
            outcome.outcome = NEW
        elif person_differs(existing, fields):
            outcome.outcome = UPDATE
            _list_person_changes(outcome, existing, fields)
        else:
            outcome.outcome = UNCHANGED
    for hplan in plan.households.values():
        _list_household_changes(hplan)
    return Preview(kind="people", rows=[r.outcome for r in checked]), plan


# What the preview names a field by: the column header the template and the export use.
_FIELD_NAMES = {key: names[0] for key, names in ALIASES.items()}
_MASKED = {"id_number": mask_id_number, "bank_account": mask_id_number}


def _list_person_changes(outcome: RowOutcome, person: Person, fields: PersonFields) -> None:
    """Each of the person's fields the row changes: field, before → after."""
    for key, after in fields.columns().items():
        if key not in _FIELD_NAMES:
            continue  # derived columns (initials, birth date from the ID) follow the ones listed
        before = getattr(person, key)
        if before != after:
            if key == "labour":
                before, after = label("labour", before), label("labour", after)
            mask = _MASKED.get(key)
            outcome.change("person", _FIELD_NAMES[key], mask(before) if mask and before else before,
                           mask(after) if mask and after else after)


def _list_household_changes(hplan: HouseholdPlan) -> None:
    """An existing household's village, address, cadre mark and flags the file changes, on its first row."""
    household, outcome = hplan.existing, hplan.outcome
    if household is None or outcome is None or outcome.outcome == ERROR or not hplan.changes():
        return
    name = _("Household %(number)s", number=household.number)
    if household.village_id != hplan.village.id:
        outcome.change("household", f"{name} {_FIELD_NAMES['village']}", household.village.full_name,
                       hplan.village.full_name)
    if hplan.address is not None and household.address != hplan.address:
        outcome.change("household", f"{name} {_FIELD_NAMES['address']}", household.address, hplan.address)
    if hplan.cadre is not None and household.cadre != hplan.cadre:
        outcome.change("household", f"{name} {_FIELD_NAMES['cadre']}", household.cadre, hplan.cadre)
    for flag, want in hplan.flag_changes():
        outcome.change("flag", f"{name} {label('flag', flag)}", not want, want)
    if outcome.outcome == UNCHANGED:
        outcome.outcome = UPDATE


def _new_member_fits(r: "_Row", household: Household, outcome: RowOutcome) -> bool:
    """A new member's row adds a person to an existing household; it does not decide about the household.

    Its village and address must be the household's (a different one is far more
    often a mistyped household number than a move, and a move must not ride in on
    someone else's row); its flag and cadre cells are not applied: a blank or 否
    there says nothing about the household. Changing the household is done on an
    existing member's row or on the household's page.
    """
    fits = True
    if r.village is not None and r.village.id != household.village_id:
        outcome.fail(_("Household %(number)s is registered in %(registered)s, but this row (a new member) says "
                       "%(given)s. Check the household number; to move the household, change its village on an "
                       "existing member's row or on the household's page.", number=household.number,
                       registered=household.village.full_name, given=r.village.full_name))
        fits = False
    if r.address is not None and household.address and r.address != household.address:
        outcome.fail(_("Household %(number)s has the address %(registered)s in the register, but this row (a new "
                       "member) says %(given)s. Leave the address empty or change it on an existing member's row.",
                       number=household.number, registered=household.address, given=r.address))
        fits = False
    r.flags = {}
    r.cadre = None
    r.address = None
    return fits


def _household_conflict(hplan: HouseholdPlan, village: Village, address: str | None, cadre: bool | None,
                        flags: dict[str, bool]) -> str | None:
    """A row that describes its household differently from the household's first row."""
    first = hplan.first_line
    if village.id != hplan.village.id:
        return _("Household %(number)s is in %(a)s on line %(line)d but in %(b)s on this line.",
                 number=hplan.number, a=hplan.village.full_name, line=first, b=village.full_name)
    if address is not None and hplan.address is not None and address != hplan.address:
        return _("Household %(number)s has a different address on line %(line)d.", number=hplan.number, line=first)
    if cadre is not None and hplan.cadre is not None and cadre != hplan.cadre:
        return _("Household %(number)s is marked differently as a village-cadre household on line %(line)d.",
                 number=hplan.number, line=first)
    for flag, want in flags.items():
        if flag in hplan.flags and hplan.flags[flag] != want:
            return _("Household %(number)s has %(flag)s answered differently on line %(line)d.",
                     number=hplan.number, flag=label("flag", flag), line=first)
        hplan.flags.setdefault(flag, want)
    if hplan.address is None:
        hplan.address = address
    if hplan.cadre is None:
        hplan.cadre = cadre
    return None


def _ids(column: Any, key_column: Any, keys: list[str]) -> dict[str, int]:
    """Primary keys of freshly inserted rows, by their natural key (a few IN queries)."""
    out: dict[str, int] = {}
    for chunk in chunks(keys):
        out.update({key: id_ for key, id_ in db.session.execute(select(key_column, column).where(key_column.in_(chunk)))})
    return out


def _bulk(statement: Any, rows: list[dict[str, Any]]) -> None:
    """One executemany per chunk of rows."""
    for start in range(0, len(rows), BULK_CHUNK):
        db.session.execute(statement, rows[start:start + BULK_CHUNK])


def apply_people(plan: PeoplePlan, *, source: str, actor_id: int | None) -> dict[str, int]:
    """Carry out a checked plan with set-based statements in the caller's transaction (never commits).

    The plan comes from preview_people run in this same transaction, so every rule
    has been applied to every row already: the field rules through check_person,
    villages, duplicates in the file and against the register, deactivated
    households. What is left is writing: inserts and updates in chunks, and one
    audit event per created or changed household, flag and person, as the forms
    write them. The unique indexes on household number and ID number still stop a
    concurrent insert, and the caller then rolls everything back.
    """
    day = today()
    events: list[dict[str, Any]] = []

    new_households = [h for h in plan.households.values() if h.existing is None]
    household_rows = [{"number": h.number, "village_id": h.village.id, "address": h.address,
                       "cadre": bool(h.cadre), "note": None, "active": True} for h in new_households]
    _bulk(insert(Household), household_rows)
    household_ids = _ids(Household.id, Household.number, [h.number for h in new_households])
    for row in household_rows:
        events.append({"action": AuditAction.CREATE, "entity_type": "household", "entity_id": household_ids[row["number"]],
                       "after": {k: row[k] for k in HOUSEHOLD_FIELDS}})

    household_updates: list[dict[str, Any]] = []
    flag_rows: list[dict[str, Any]] = []
    flag_clears: list[dict[str, Any]] = []
    for number, hplan in plan.households.items():
        household = hplan.existing
        if household is None:
            household_id = household_ids[number]
        else:
            household_id = household.id
            before = snapshot(household, HOUSEHOLD_FIELDS)
            after = dict(before, village_id=hplan.village.id,
                         address=hplan.address if hplan.address is not None else household.address,
                         cadre=bool(hplan.cadre) if hplan.cadre is not None else household.cadre)
            change = changed_values(before, after)
            if change is not None:
                household_updates.append({"id": household.id, "village_id": after["village_id"],
                                          "address": after["address"], "cadre": after["cadre"]})
                events.append({"action": AuditAction.UPDATE, "entity_type": "household", "entity_id": household.id,
                               "before": change[0], "after": change[1]})
        for flag, want in hplan.flag_changes():
            if want:
                if household is None:
                    values = check_flag_values(flag, day, source=source)
                else:
                    values = check_flag_record(household, flag, day, source=source)
                row = dict(zip(("flag", "recorded_on", "note", "source"), values), household_id=household_id)
                flag_rows.append(row)
                events.append({"action": AuditAction.FLAG_SET, "entity_type": "household", "entity_id": household_id,
                               "after": {"flag": row["flag"], "recorded_on": row["recorded_on"].isoformat(),
                                         "note": row["note"], "source": row["source"], "cleared_on": None,
                                         "cleared_reason": None}})
            else:
                assert household is not None  # a new household has no flag to clear
                current, cleared_on, reason = check_flag_clear(household, flag, day, reason=source)
                before = snapshot(current, FLAG_FIELDS)
                flag_clears.append({"id": current.id, "cleared_on": cleared_on, "cleared_reason": reason})
                events.append({"action": AuditAction.FLAG_CLEARED, "entity_type": "household", "entity_id": household_id,
                               "before": before, "reason": reason,
                               "after": dict(before, cleared_on=cleared_on.isoformat(), cleared_reason=reason)})
    _bulk(update(Household), household_updates)
    _bulk(insert(HouseholdFlag), flag_rows)
    _bulk(update(HouseholdFlag), flag_clears)

    # Core inserts skip the ORM before_insert hook, so name_initials comes from check_person's columns().
    person_rows = [{**p.fields.columns(), "household_id": household_ids.get(p.household_number)
                    or plan.households[p.household_number].existing.id, "active": True}
                   for p in plan.people if p.existing is None]
    _bulk(insert(Person), person_rows)
    person_ids = _ids(Person.id, Person.id_number, [r["id_number"] for r in person_rows])
    for row in person_rows:
        events.append({"action": AuditAction.CREATE, "entity_type": "person", "entity_id": person_ids[row["id_number"]],
                       "after": mask_secrets({k: row[k] for k in PERSON_FIELDS})})

    person_updates: list[dict[str, Any]] = []
    updated = 0
    for pplan in plan.people:
        person = pplan.existing
        if person is None:
            continue
        columns = pplan.fields.columns()
        changed = {k: v for k, v in columns.items() if getattr(person, k) != v}
        if not changed:
            continue
        person_updates.append({"id": person.id, **changed})
        before = snapshot(person, PERSON_FIELDS)
        change = changed_values(before, {**before, **{k: v for k, v in changed.items()
                                                       if k in PERSON_FIELDS}})
        if change is not None:
            updated += 1
            events.append({"action": AuditAction.UPDATE, "entity_type": "person", "entity_id": person.id,
                           "before": change[0], "after": change[1]})
    _bulk(update(Person), person_updates)

    record_audits(events, actor_id=actor_id)
    # The bulk statements bypass the identity map: objects loaded for the preview are stale now.
    db.session.expire_all()
    return {"created": len(person_rows), "updated": updated}
