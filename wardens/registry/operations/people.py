"""People: their identity (GB 11643 ID numbers, unique in the district), contact, bank and labour details."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ...access import outside_visible_township
from ...audit import AuditAction, record_audit, snapshot
from ...dates import today
from ...extensions import db
from ...idnumber import IdNumberError, parse_id_number
from ...masking import mask_id_number
from ...models import Household, Person
from ...models.people import name_initials
from .common import (
    RegistryError,
    audit_update,
    check_labour,
    check_phone,
    clean_text,
    half_width,
    holders_in_force_where,
    set_active,
    snap,
)

PERSON_FIELDS = (
    "name", "id_number", "phone", "household_id", "labour", "away_working",
    "stable_employment", "bank_name", "bank_account", "note", "active",
)
_BANK_ACCOUNT = re.compile(r"^[0-9]{8,30}$")


# ---------------------------------------------------------------- field rules

def check_name(raw: str | None) -> str:
    """A person's name: required, at most 50 characters."""
    name = clean_text(raw, limit=50, field="name", what=_l("Name"))
    if not name:
        raise RegistryError(_("Name is required."), "name")
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


def check_bank_account(raw: str | None) -> str | None:
    """A bank account number: 8 to 30 digits (spaces allowed between groups)."""
    account = clean_text(raw, limit=40)
    if account is None:
        return None
    compact = half_width(account).replace(" ", "")
    if not _BANK_ACCOUNT.match(compact):
        raise RegistryError(
            _("Bank account %(value)s is not valid: it must have 8 to 30 digits.", value=account), "bank_account"
        )
    return compact


def _id_number_free(number: str, household: Household, existing: Person | None) -> None:
    other = db.session.scalar(select(Person).where(Person.id_number == number))
    if other is not None and other is not existing:
        # A clerk may learn the number is taken (it cannot be registered twice), not by whom.
        if outside_visible_township(other.household.village.township_id):
            raise RegistryError(_("ID number %(id)s is already registered in another township.",
                                  id=mask_id_number(number)), "id_number")
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


# ---------------------------------------------------------------- people

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
    bank = clean_text(bank_name, limit=100, field="bank_name", what=_l("Bank"))
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
                  note: str | None = None, actor_id: int | None) -> Person:
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
    record_audit(AuditAction.CREATE, person, after=snap(person, PERSON_FIELDS), actor_id=actor_id)
    return person


def update_person(person: Person, *, name: str, id_number: str, phone: str | None = None,
                  labour: str = "full", away_working: bool = False, stable_employment: bool = False,
                  bank_name: str | None = None, bank_account: str | None = None,
                  note: str | None = None, actor_id: int | None) -> bool:
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
    return audit_update(person, before, PERSON_FIELDS, actor_id=actor_id)


def person_differs(person: Person, fields: PersonFields) -> bool:
    """Whether applying these details would change the person."""
    return any(getattr(person, k) != v for k, v in fields.columns().items())


def deactivate_person(person: Person, *, actor_id: int | None) -> None:
    """Deactivate a person; refused while they hold a post."""
    if holders_in_force_where(Person.id == person.id):
        raise RegistryError(
            _("%(name)s holds a post; end the agreement before deactivating.", name=person.name)
        )
    set_active(person, False, PERSON_FIELDS, actor_id=actor_id)


def reactivate_person(person: Person, *, actor_id: int | None) -> None:
    """Make a deactivated person active again."""
    set_active(person, True, PERSON_FIELDS, actor_id=actor_id)


def reveal_id_number(person: Person, *, actor_id: int | None) -> str:
    """Record that a staff member looked at a person's full ID number, phone and bank account, and return the ID number.

    The only way any page shows them in full: every other page and form masks them.
    """
    record_audit(AuditAction.ID_REVEALED, person, reason=mask_id_number(person.id_number), actor_id=actor_id)
    return person.id_number
