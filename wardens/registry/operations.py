"""The register's rules: create, change and deactivate places, households, people and posts.

Every function here checks its rule, changes objects, flushes and writes one audit
event; none commits and none reads the request. Forms and importers call these same
functions, so a rule lives in one place whichever way the data arrives.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable

from functools import lru_cache

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pypinyin import Style, lazy_pinyin
from sqlalchemy import func, insert, select

from ..audit import current_actor_id, record_audit, snapshot
from ..dates import today
from ..extensions import db
from ..models.attendance import utcnow
from ..idnumber import IdNumberError, mask_id_number, mask_phone, parse_id_number
from ..models import (
    Assignment,
    AuditEvent,
    Flag,
    Household,
    HouseholdFlag,
    Labour,
    Person,
    Post,
    PostKind,
    Township,
    Village,
    village_neighbour,
)

PERSON_FIELDS = (
    "name", "id_number", "phone", "household_id", "labour", "away_working",
    "stable_employment", "bank_name", "bank_account", "note", "active",
)
HOUSEHOLD_FIELDS = ("number", "village_id", "address", "cadre", "note", "active")
POST_FIELDS = (
    "code", "kind", "village_id", "route_code", "section_start", "section_end", "km", "slots",
    "min_age", "max_age", "labour", "monthly_subsidy", "required_days", "road_chief",
    "road_chief_phone", "active",
)
FLAG_FIELDS = ("flag", "recorded_on", "note", "source", "cleared_on", "cleared_reason")

# Mobile: 11 digits starting 13-19. Landline: area code 0xx(x), optional dash, 7-8 digits.
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
_BANK_ACCOUNT = re.compile(r"^\d{8,30}$")
# Rows per executemany in bulk imports.
BULK_CHUNK = 2000


class RegistryError(ValueError):
    """A register rule refused the change; `field` names the input at fault (or None)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


# ---------------------------------------------------------------- field rules

def clean_text(value: str | None, *, limit: int) -> str | None:
    """Trimmed text, None when empty; longer than limit is the caller's error to report."""
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def _length(value: str | None, limit: int, field: str, what: Any) -> None:
    if value is not None and len(value) > limit:
        raise RegistryError(
            _("%(what)s may have at most %(n)d characters.", what=what, n=limit), field
        )


def check_name(raw: str | None) -> str:
    """A person's name: required, at most 50 characters."""
    name = clean_text(raw, limit=50)
    if not name:
        raise RegistryError(_("Name is required."), "name")
    _length(name, 50, "name", _l("Name"))
    return name


def check_id_number(raw: str | None) -> tuple[str, dt.date, str]:
    """Validate an ID number against GB 11643; returns (number, birth date, sex)."""
    if not raw or not str(raw).strip():
        raise RegistryError(_("ID number is required."), "id_number")
    try:
        parsed = parse_id_number(str(raw), today=today())
    except IdNumberError as exc:
        raise RegistryError(str(exc), "id_number") from None
    return parsed.number, parsed.birth_date, parsed.sex


def check_phone(raw: str | None, field: str = "phone") -> str | None:
    """A mobile (11 digits, 13x-19x) or a landline with its area code; empty is allowed."""
    phone = clean_text(raw, limit=20)
    if phone is None:
        return None
    compact = phone.replace(" ", "")
    if compact.startswith("+86"):
        compact = compact[3:]
    if not (_MOBILE.match(compact) or _LANDLINE.match(compact)):
        raise RegistryError(
            _("Phone number %(phone)s is not valid: give an 11-digit mobile number or a landline with its area code.",
              phone=phone),
            field,
        )
    return compact


def check_labour(raw: str | None, field: str = "labour") -> str:
    """One of the labour-ability codes (full, weak, none)."""
    if raw not in {m.value for m in Labour}:
        raise RegistryError(_("Labour ability %(value)s is not one of the known kinds.", value=raw or ""), field)
    return str(raw)


def check_bank_account(raw: str | None) -> str | None:
    """A bank account number: 8 to 30 digits (spaces allowed between groups)."""
    account = clean_text(raw, limit=40)
    if account is None:
        return None
    compact = account.replace(" ", "")
    if not _BANK_ACCOUNT.match(compact):
        raise RegistryError(
            _("Bank account %(value)s is not valid: it must have 8 to 30 digits.", value=account), "bank_account"
        )
    return compact


@lru_cache(maxsize=65536)
def name_initials(name: str) -> str:
    """Pinyin initials of a name ("张三" -> "zs"), for searching; other letters kept lower-case."""
    letters = lazy_pinyin(name, style=Style.FIRST_LETTER, errors=lambda chars: list(chars))
    return "".join(part[:1] for part in letters if part and part[:1].isalnum()).lower()[:50]


def fill_name_initials(_mapper: Any, _connection: Any, person: Person) -> None:
    """Keep Person.name_initials in step with the name (an ORM hook for every insert and update)."""
    initials = name_initials(person.name or "")
    if person.name_initials != initials:
        person.name_initials = initials


def check_household_number(raw: str | None, *, existing: Household | None = None) -> str:
    """Household number: required, at most 40 characters, unique in the district."""
    number = clean_text(raw, limit=40)
    if not number:
        raise RegistryError(_("Household number is required."), "number")
    _length(number, 40, "number", _l("Household number"))
    other = db.session.scalar(select(Household).where(Household.number == number))
    if other is not None and other is not existing:
        raise RegistryError(
            _("Household number %(number)s is already used (in %(village)s).",
              number=number, village=other.village.full_name),
            "number",
        )
    return number


def check_recorded_on(day: dt.date | None, field: str = "recorded_on") -> dt.date:
    """A date that has happened: required and not after today."""
    if day is None:
        raise RegistryError(_("Date is required."), field)
    if day > today():
        raise RegistryError(_("Date %(d)s is in the future.", d=day.isoformat()), field)
    return day


def check_flag(raw: str | None) -> str:
    if raw not in {m.value for m in Flag}:
        raise RegistryError(_("Flag %(value)s is not one of the known flags.", value=raw or ""), "flag")
    return str(raw)


def _active_village(village: Village | None) -> Village:
    if village is None:
        raise RegistryError(_("Village is required."), "village_id")
    if not village.active or not village.township.active:
        raise RegistryError(_("Village %(name)s is deactivated.", name=village.full_name), "village_id")
    return village


# ---------------------------------------------------------------- places

def create_township(name: str, *, code: str | None = None) -> Township:
    """Add a township; names are unique in the district."""
    name = _check_township_name(name, None)
    township = Township(name=name, code=clean_text(code, limit=20))
    db.session.add(township)
    db.session.flush()
    record_audit("create", township, after=snapshot(township))
    return township


def _check_township_name(raw: str | None, existing: Township | None) -> str:
    name = clean_text(raw, limit=50)
    if not name:
        raise RegistryError(_("Name is required."), "name")
    _length(name, 50, "name", _l("Name"))
    other = db.session.scalar(select(Township).where(Township.name == name))
    if other is not None and other is not existing:
        raise RegistryError(_("A township named %(name)s already exists.", name=name), "name")
    return name


def update_township(township: Township, *, name: str, code: str | None = None) -> Township:
    """Rename a township or change its code."""
    before = snapshot(township)
    township.name = _check_township_name(name, township)
    township.code = clean_text(code, limit=20)
    db.session.flush()
    _audit_update(township, before)
    return township


def deactivate_township(township: Township) -> None:
    """Deactivate a township; refused while it has active villages."""
    active = [v.name for v in township.villages if v.active]
    if active:
        raise RegistryError(
            _("Township %(name)s still has %(n)d active villages (%(names)s); deactivate them first.",
              name=township.name, n=len(active), names="、".join(active[:5]))
        )
    _set_active(township, False)


def reactivate_township(township: Township) -> None:
    """Make a deactivated township active again."""
    _set_active(township, True)


def _check_village_name(raw: str | None, township: Township, existing: Village | None) -> str:
    name = clean_text(raw, limit=50)
    if not name:
        raise RegistryError(_("Name is required."), "name")
    _length(name, 50, "name", _l("Name"))
    other = db.session.scalar(
        select(Village).where(Village.township_id == township.id, Village.name == name)
    )
    if other is not None and other is not existing:
        raise RegistryError(
            _("%(township)s already has a village named %(name)s.", township=township.name, name=name), "name"
        )
    return name


def _check_road_km(value: Decimal | None) -> Decimal | None:
    if value is None:
        return None
    if value < 0:
        raise RegistryError(_("Road length cannot be negative."), "road_km")
    return value


def create_village(township: Township, name: str, *, code: str | None = None,
                   road_km: Decimal | None = None) -> Village:
    """Add a village to an active township."""
    if not township.active:
        raise RegistryError(_("Township %(name)s is deactivated.", name=township.name), "township_id")
    village = Village(
        township_id=township.id,
        name=_check_village_name(name, township, None),
        code=clean_text(code, limit=20),
        road_km=_check_road_km(road_km),
    )
    village.township = township
    db.session.add(village)
    db.session.flush()
    record_audit("create", village, after=snapshot(village))
    return village


def update_village(village: Village, *, name: str, code: str | None = None,
                   road_km: Decimal | None = None) -> Village:
    """Rename a village, change its code or its road length."""
    before = snapshot(village)
    village.name = _check_village_name(name, village.township, village)
    village.code = clean_text(code, limit=20)
    village.road_km = _check_road_km(road_km)
    db.session.flush()
    _audit_update(village, before)
    return village


def set_neighbours(village: Village, neighbours: Iterable[Village]) -> None:
    """Replace a village's neighbours, writing each link in both directions."""
    wanted = {v.id for v in neighbours if v.id != village.id}
    current = {v.id for v in village.neighbours}
    if wanted == current:
        return
    removed = current - wanted
    added = wanted - current
    table = village_neighbour
    for other in removed:
        db.session.execute(table.delete().where(
            ((table.c.village_id == village.id) & (table.c.neighbour_id == other))
            | ((table.c.village_id == other) & (table.c.neighbour_id == village.id))
        ))
    for other in added:
        db.session.execute(table.insert(), [
            {"village_id": village.id, "neighbour_id": other},
            {"village_id": other, "neighbour_id": village.id},
        ])
    db.session.flush()
    db.session.expire(village, ["neighbours"])
    record_audit("neighbours", village, before={"neighbours": sorted(current)}, after={"neighbours": sorted(wanted)})


def deactivate_village(village: Village) -> None:
    """Deactivate a village; refused while it has active posts."""
    active = db.session.scalars(
        select(Post.code).where(Post.village_id == village.id, Post.active.is_(True)).order_by(Post.code)
    ).all()
    if active:
        raise RegistryError(
            _("Village %(name)s still has %(n)d active posts (%(codes)s); deactivate or move them first.",
              name=village.full_name, n=len(active), codes="、".join(active[:5]))
        )
    _set_active(village, False)


def reactivate_village(village: Village) -> None:
    """Make a deactivated village active again (its township must be active)."""
    if not village.township.active:
        raise RegistryError(_("Township %(name)s is deactivated.", name=village.township.name))
    _set_active(village, True)


# ---------------------------------------------------------------- households

def create_household(number: str, village: Village, *, address: str | None = None,
                     cadre: bool = False, note: str | None = None) -> Household:
    """Register a household in an active village; the number must be unused."""
    number = check_household_number(number)
    village = _active_village(village)
    address = clean_text(address, limit=200)
    _length(address, 200, "address", _l("Address"))
    household = Household(number=number, village_id=village.id, address=address,
                          cadre=bool(cadre), note=clean_text(note, limit=10000))
    household.village = village
    household.flags = []
    household.members = []
    db.session.add(household)
    db.session.flush()
    record_audit("create", household, after=snapshot(household, HOUSEHOLD_FIELDS))
    return household


def update_household(household: Household, *, number: str, village: Village,
                     address: str | None = None, cadre: bool = False, note: str | None = None) -> bool:
    """Change a household's details; returns whether anything changed."""
    before = snapshot(household, HOUSEHOLD_FIELDS)
    household.number = check_household_number(number, existing=household)
    if village.id != household.village_id:
        household.village = _active_village(village)
        household.village_id = village.id
    address = clean_text(address, limit=200)
    _length(address, 200, "address", _l("Address"))
    household.address = address
    household.cadre = bool(cadre)
    household.note = clean_text(note, limit=10000)
    db.session.flush()
    return _audit_update(household, before, HOUSEHOLD_FIELDS)


def deactivate_household(household: Household) -> None:
    """Deactivate a household; refused while a member holds a post."""
    holders = _holders_in_force(Person.household_id == household.id)
    if holders:
        raise RegistryError(
            _("Household %(number)s has members holding a post (%(names)s); end their agreements first.",
              number=household.number, names="、".join(holders))
        )
    _set_active(household, False, HOUSEHOLD_FIELDS)


def reactivate_household(household: Household) -> None:
    """Make a deactivated household active again."""
    _set_active(household, True, HOUSEHOLD_FIELDS)


def check_flag_values(flag: str, recorded_on: dt.date | None, *, note: str | None = None,
                      source: str | None = None) -> tuple[str, dt.date, str | None, str | None]:
    """The rules for a flag record's own values: a known flag, a date not in the future, note and source lengths."""
    flag = check_flag(flag)
    recorded_on = check_recorded_on(recorded_on)
    note = clean_text(note, limit=200)
    _length(note, 200, "note", _l("Note"))
    source = clean_text(source, limit=200)
    _length(source, 200, "source", _l("Source"))
    return flag, recorded_on, note, source


def check_flag_record(household: Household, flag: str, recorded_on: dt.date | None, *,
                      note: str | None = None, source: str | None = None) -> tuple[str, dt.date, str | None, str | None]:
    """The rules for recording a flag (known flag, date not in the future, not already current); cleaned values."""
    flag, recorded_on, note, source = check_flag_values(flag, recorded_on, note=note, source=source)
    current = next((f for f in household.flags if f.flag == flag and f.cleared_on is None), None)
    if current is not None:
        raise RegistryError(
            _("Household %(number)s already has the flag %(flag)s since %(d)s.",
              number=household.number, flag=_flag_word(flag), d=current.recorded_on.isoformat()),
            "flag",
        )
    return flag, recorded_on, note, source


def set_household_flag(household: Household, flag: str, recorded_on: dt.date, *,
                       note: str | None = None, source: str | None = None) -> HouseholdFlag:
    """Record a flag on a household from a date; refused when the flag is already current."""
    flag, recorded_on, note, source = check_flag_record(household, flag, recorded_on, note=note, source=source)
    row = HouseholdFlag(household_id=household.id, flag=flag, recorded_on=recorded_on,
                        note=note, source=source)
    household.flags.append(row)
    db.session.flush()
    record_audit("flag_set", household, after=snapshot(row, FLAG_FIELDS))
    return row


def check_flag_clear(household: Household, flag: str, cleared_on: dt.date | None, *,
                     reason: str | None) -> tuple[HouseholdFlag, dt.date, str]:
    """The rules for clearing a flag (current, reason given, not before it was recorded); the row and values."""
    flag = check_flag(flag)
    cleared_on = check_recorded_on(cleared_on, "cleared_on")
    reason_text = clean_text(reason, limit=200)
    if not reason_text:
        raise RegistryError(_("Give the reason the flag is cleared."), "reason")
    _length(reason_text, 200, "reason", _l("Reason"))
    current = next((f for f in household.flags if f.flag == flag and f.cleared_on is None), None)
    if current is None:
        raise RegistryError(
            _("Household %(number)s does not have the flag %(flag)s.", number=household.number, flag=_flag_word(flag)),
            "flag",
        )
    if cleared_on < current.recorded_on:
        raise RegistryError(
            _("The flag was recorded on %(d)s; it cannot be cleared before that.", d=current.recorded_on.isoformat()),
            "cleared_on",
        )
    return current, cleared_on, reason_text


def clear_household_flag(household: Household, flag: str, cleared_on: dt.date, *, reason: str) -> HouseholdFlag:
    """End a household's current flag on a date, with the reason; the row stays as history."""
    current, cleared_on, reason_text = check_flag_clear(household, flag, cleared_on, reason=reason)
    before = snapshot(current, FLAG_FIELDS)
    current.cleared_on = cleared_on
    current.cleared_reason = reason_text
    db.session.flush()
    record_audit("flag_cleared", household, before=before, after=snapshot(current, FLAG_FIELDS), reason=reason_text)
    return current


def _flag_word(flag: str) -> str:
    from ..labels import label

    return label("flag", flag)


# ---------------------------------------------------------------- people

def _id_number_free(number: str, household: Household, existing: Person | None) -> None:
    other = db.session.scalar(select(Person).where(Person.id_number == number))
    if other is not None and other is not existing:
        raise RegistryError(duplicate_id_message(number, other.household.number, other.name, household.number),
                            "id_number")


def duplicate_id_message(number: str, registered_household: str, registered_name: str, wanted_household: str) -> str:
    """The message for an ID number that another person already holds, naming both households."""
    if registered_household == wanted_household:
        return _("ID number %(id)s is already registered to %(name)s in household %(registered)s.",
                 id=mask_id_number(number), name=registered_name, registered=registered_household)
    return _("ID number %(id)s is already registered to %(name)s in household %(registered)s; "
             "it cannot also be entered in household %(wanted)s.",
             id=mask_id_number(number), name=registered_name, registered=registered_household,
             wanted=wanted_household)


@dataclass
class PersonFields:
    """A person's details after every field rule passed."""

    name: str
    id_number: str
    birth_date: dt.date
    sex: str
    phone: str | None
    labour: str
    away_working: bool
    stable_employment: bool
    bank_name: str | None
    bank_account: str | None
    note: str | None

    def columns(self) -> dict[str, Any]:
        return {
            **self.__dict__,
            "id_last4": self.id_number[-4:],
            "name_initials": name_initials(self.name),
        }


def check_person(*, name: str | None, id_number: str | None, phone: str | None = None, labour: str = "full",
                 away_working: bool = False, stable_employment: bool = False, bank_name: str | None = None,
                 bank_account: str | None = None, note: str | None = None) -> PersonFields:
    """Apply every field rule for a person (no database lookups)."""
    number, birth, sex = check_id_number(id_number)
    bank = clean_text(bank_name, limit=100)
    _length(bank, 100, "bank_name", _l("Bank"))
    return PersonFields(
        name=check_name(name),
        id_number=number,
        birth_date=birth,
        sex=sex,
        phone=check_phone(phone),
        labour=check_labour(labour),
        away_working=bool(away_working),
        stable_employment=bool(stable_employment),
        bank_name=bank,
        bank_account=check_bank_account(bank_account),
        note=clean_text(note, limit=10000),
    )


def create_person(household: Household, *, name: str, id_number: str, phone: str | None = None,
                  labour: str = "full", away_working: bool = False, stable_employment: bool = False,
                  bank_name: str | None = None, bank_account: str | None = None,
                  note: str | None = None) -> Person:
    """Register a person in a household; the ID number must be valid and not yet registered."""
    fields = check_person(name=name, id_number=id_number, phone=phone, labour=labour, away_working=away_working,
                          stable_employment=stable_employment, bank_name=bank_name, bank_account=bank_account,
                          note=note)
    if not household.active:
        raise RegistryError(_("Household %(number)s is deactivated.", number=household.number), "household_id")
    _id_number_free(fields.id_number, household, None)
    person = Person(household_id=household.id, **fields.columns())
    person.household = household
    person.assignments = []
    db.session.add(person)
    db.session.flush()
    record_audit("create", person, after=snap(person, PERSON_FIELDS))
    return person


def update_person(person: Person, *, name: str, id_number: str, phone: str | None = None,
                  labour: str = "full", away_working: bool = False, stable_employment: bool = False,
                  bank_name: str | None = None, bank_account: str | None = None,
                  note: str | None = None) -> bool:
    """Change a person's details under the same rules as creating; returns whether anything changed."""
    fields = check_person(name=name, id_number=id_number, phone=phone, labour=labour, away_working=away_working,
                          stable_employment=stable_employment, bank_name=bank_name, bank_account=bank_account,
                          note=note)
    if fields.id_number != person.id_number:
        _id_number_free(fields.id_number, person.household, person)
    before = snapshot(person, PERSON_FIELDS)
    for key, value in fields.columns().items():
        if getattr(person, key) != value:
            setattr(person, key, value)
    db.session.flush()
    return _audit_update(person, before, PERSON_FIELDS)


def person_differs(person: Person, fields: PersonFields) -> bool:
    """Whether applying these details would change the person."""
    return any(getattr(person, k) != v for k, v in fields.columns().items())


def deactivate_person(person: Person) -> None:
    """Deactivate a person; refused while they hold a post."""
    if _holders_in_force(Person.id == person.id):
        raise RegistryError(
            _("%(name)s holds a post; end the agreement before deactivating.", name=person.name)
        )
    _set_active(person, False, PERSON_FIELDS)


def reactivate_person(person: Person) -> None:
    """Make a deactivated person active again."""
    _set_active(person, True, PERSON_FIELDS)


def reveal_id_number(person: Person) -> str:
    """Record that a staff member looked at a full ID number, and return it."""
    record_audit("id_revealed", person, reason=mask_id_number(person.id_number))
    return person.id_number


def _holders_in_force(condition: Any) -> list[str]:
    day = today()
    rows = db.session.scalars(
        select(Person.name)
        .join(Assignment, Assignment.person_id == Person.id)
        .where(condition, Assignment.term_end >= day, (Assignment.ended_on.is_(None)) | (Assignment.ended_on >= day))
        .order_by(Person.name)
    ).all()
    return list(dict.fromkeys(rows))


# ---------------------------------------------------------------- posts

@dataclass
class PostFields:
    """A post's details after every field rule passed."""

    code: str
    kind: str
    route_code: str | None
    section_start: str | None
    section_end: str | None
    km: Decimal
    slots: int
    min_age: int
    max_age: int
    labour: str
    monthly_subsidy: Decimal
    required_days: int
    road_chief: str | None
    road_chief_phone: str | None


def _decimal(value: Any, field: str, what: str) -> Decimal:
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise RegistryError(_("%(what)s must be a number, not %(value)s.", what=what, value=value), field) from None


def _whole(value: Any, field: str, what: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value if value is not None else "").strip()
    if text.endswith(".0"):
        text = text[:-2]
    if not text.lstrip("-").isdigit():
        raise RegistryError(_("%(what)s must be a whole number, not %(value)s.", what=what, value=text), field)
    return int(text)


def check_post(*, code: str | None, kind: str | None, route_code: str | None = None,
               section_start: str | None = None, section_end: str | None = None, km: Any = Decimal("0"),
               slots: Any = 1, min_age: Any = 18, max_age: Any = 60, labour: str | None = "weak",
               monthly_subsidy: Any = Decimal("600"), required_days: Any = 20, road_chief: str | None = None,
               road_chief_phone: str | None = None) -> PostFields:
    """Apply every field rule for a post (no database lookups)."""
    code_text = clean_text(code, limit=30)
    if not code_text:
        raise RegistryError(_("Post code is required."), "code")
    _length(code_text, 30, "code", _l("Post code"))
    if kind not in {m.value for m in PostKind}:
        raise RegistryError(_("Post kind %(value)s is not one of the known kinds.", value=kind or ""), "kind")
    km_value = _decimal(km if km not in (None, "") else "0", "km", _("Kilometres"))
    if km_value < 0 or km_value > Decimal("99999"):
        raise RegistryError(_("Kilometres must be between 0 and 99999."), "km")
    slots_value = _whole(slots if slots not in (None, "") else 1, "slots", _("Slots"))
    if slots_value < 0 or slots_value > 999:
        raise RegistryError(_("Slots must be between 0 and 999."), "slots")
    min_value = _whole(min_age if min_age not in (None, "") else 18, "min_age", _("Minimum age"))
    max_value = _whole(max_age if max_age not in (None, "") else 60, "max_age", _("Maximum age"))
    if min_value < 16:
        raise RegistryError(_("Minimum age cannot be under 16."), "min_age")
    if max_value > 80:
        raise RegistryError(_("Maximum age cannot be over 80."), "max_age")
    if min_value > max_value:
        raise RegistryError(
            _("Minimum age %(a)d is above maximum age %(b)d.", a=min_value, b=max_value), "max_age"
        )
    subsidy = _decimal(monthly_subsidy if monthly_subsidy not in (None, "") else "600", "monthly_subsidy",
                       _("Monthly subsidy"))
    if subsidy < 0 or subsidy > Decimal("100000"):
        raise RegistryError(_("Monthly subsidy must be between 0 and 100000 yuan."), "monthly_subsidy")
    days = _whole(required_days if required_days not in (None, "") else 20, "required_days", _("Required days"))
    if not 1 <= days <= 31:
        raise RegistryError(_("Required days per month must be between 1 and 31."), "required_days")
    fields = {
        "route_code": clean_text(route_code, limit=30),
        "section_start": clean_text(section_start, limit=100),
        "section_end": clean_text(section_end, limit=100),
        "road_chief": clean_text(road_chief, limit=50),
    }
    limits = {"route_code": (30, _l("Route code")), "section_start": (100, _l("Section start")),
              "section_end": (100, _l("Section end")), "road_chief": (50, _l("Road chief"))}
    for key, (limit, what) in limits.items():
        _length(fields[key], limit, key, what)
    return PostFields(
        code=code_text,
        kind=str(kind),
        km=km_value.quantize(Decimal("0.01")),
        slots=slots_value,
        min_age=min_value,
        max_age=max_value,
        labour=check_labour(labour),
        monthly_subsidy=subsidy.quantize(Decimal("0.01")),
        required_days=days,
        road_chief_phone=check_phone(road_chief_phone, "road_chief_phone"),
        **fields,
    )


def _post_code_free(code: str, existing: Post | None) -> None:
    other = db.session.scalar(select(Post).where(Post.code == code))
    if other is not None and other is not existing:
        raise RegistryError(
            _("Post code %(code)s is already used (in %(village)s).", code=code, village=other.village.full_name),
            "code",
        )


def create_post(village: Village, **values: Any) -> Post:
    """Create a post in an active village; the code must be unused."""
    fields = check_post(**values)
    village = _active_village(village)
    _post_code_free(fields.code, None)
    post = Post(village_id=village.id, **fields.__dict__)
    post.village = village
    post.assignments = []
    db.session.add(post)
    db.session.flush()
    record_audit("create", post, after=snap(post, POST_FIELDS))
    return post


def update_post(post: Post, village: Village, **values: Any) -> bool:
    """Change a post under the same rules as creating; returns whether anything changed."""
    fields = check_post(**values)
    if fields.code != post.code:
        _post_code_free(fields.code, post)
    before = snapshot(post, POST_FIELDS)
    if village.id != post.village_id:
        post.village = _active_village(village)
        post.village_id = village.id
    for key, value in fields.__dict__.items():
        if getattr(post, key) != value:
            setattr(post, key, value)
    db.session.flush()
    return _audit_update(post, before, POST_FIELDS)


def post_differs(post: Post, village: Village, fields: PostFields) -> bool:
    """Whether applying these details would change the post."""
    return post.village_id != village.id or any(getattr(post, k) != v for k, v in fields.__dict__.items())


def holders_in_force(post: Post) -> list[str]:
    """Names of the people whose agreement on this post is in force today or later."""
    return _holders_in_force(Assignment.post_id == post.id)


def deactivate_post(post: Post) -> None:
    """Deactivate a post; refused while anyone holds it."""
    holders = holders_in_force(post)
    if holders:
        raise RegistryError(
            _("Post %(code)s has %(n)d holders in force (%(names)s); end their agreements first.",
              code=post.code, n=len(holders), names="、".join(holders[:5]))
        )
    _set_active(post, False, POST_FIELDS)


def reactivate_post(post: Post) -> None:
    """Make a deactivated post active again (its village must be active)."""
    _active_village(post.village)
    _set_active(post, True, POST_FIELDS)


# ---------------------------------------------------------------- shared

SECRET_FIELDS = {"id_number": mask_id_number, "phone": mask_phone, "road_chief_phone": mask_phone,
                 "bank_account": mask_id_number}


def snap(obj: Any, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """An audit snapshot with ID numbers, phones and bank accounts masked.

    The audit trail is read by more people than may see full numbers, and a full
    number must only ever be shown through the audited reveal action.
    """
    return mask_secrets(snapshot(obj, fields))


def mask_secrets(data: dict[str, Any]) -> dict[str, Any]:
    """The same snapshot with ID numbers, phones and bank accounts masked (a copy)."""
    data = dict(data)
    for key, mask in SECRET_FIELDS.items():
        if data.get(key):
            data[key] = mask(data[key])
    return data


def changed_values(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The changed fields only, before and after, compared unmasked and returned masked; None when nothing changed."""
    changed = sorted(k for k in after if after[k] != before.get(k))
    if not changed:
        return None

    def masked(data: dict[str, Any]) -> dict[str, Any]:
        return {k: (SECRET_FIELDS[k](data.get(k)) if k in SECRET_FIELDS and data.get(k) else data.get(k))
                for k in changed}

    return masked(before), masked(after)


def record_audits(events: list[dict[str, Any]]) -> None:
    """Write many audit events in one statement (bulk imports): the same rows record_audit writes one by one.

    Each event is a dict with action, entity_type, entity_id, before, after and reason;
    every event gets the current user as actor and the same time.
    """
    if not events:
        return
    actor = current_actor_id()
    at = utcnow()
    rows = [{"actor_id": actor, "at": at, "action": e["action"], "entity_type": e["entity_type"],
             "entity_id": e.get("entity_id"), "before": e.get("before"), "after": e.get("after"),
             "reason": e.get("reason")} for e in events]
    for start in range(0, len(rows), BULK_CHUNK):
        db.session.execute(insert(AuditEvent), rows[start:start + BULK_CHUNK])


def _set_active(obj: Any, active: bool, fields: Iterable[str] | None = None) -> None:
    if obj.active == active:
        return
    fields = tuple(fields) if fields is not None else None
    before = snap(obj, fields)
    obj.active = active
    db.session.flush()
    record_audit("deactivate" if not active else "reactivate", obj, before=before, after=snap(obj, fields))


def _audit_update(obj: Any, before: dict[str, Any], fields: Iterable[str] | None = None) -> bool:
    """Write one 'update' event with the changed fields only (compared unmasked, recorded masked)."""
    after = snapshot(obj, tuple(fields) if fields is not None else None)
    change = changed_values(before, after)
    if change is None:
        return False
    record_audit("update", obj, before=change[0], after=change[1])
    return True
