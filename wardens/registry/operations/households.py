"""Households and their flags (flood-affected, registered poor), each flag kept as dated history."""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import select

from ...access import outside_visible_township
from ...audit import AuditAction, record_audit, snapshot
from ...dates import today
from ...extensions import db
from ...labels import label
from ...models import Flag, Household, HouseholdFlag, Person, Village
from .common import RegistryError, audit_update, clean_text, holders_in_force_where, set_active
from .places import active_village

HOUSEHOLD_FIELDS = ("number", "village_id", "address", "cadre", "note", "active")
FLAG_FIELDS = ("flag", "recorded_on", "note", "source", "cleared_on", "cleared_reason")


def check_household_number(raw: str | None, *, existing: Household | None = None) -> str:
    """Household number: required, at most 40 characters, unique in the district."""
    number = clean_text(raw, limit=40, field="number", what=_l("Household number"))
    if not number:
        raise RegistryError(_("Household number is required."), "number")
    other = db.session.scalar(select(Household).where(Household.number == number))
    if other is not None and other is not existing:
        if outside_visible_township(other.village.township_id):
            raise RegistryError(_("Household number %(number)s is already used in another township.", number=number),
                                "number")
        raise RegistryError(
            _("Household number %(number)s is already used (in %(village)s).",
              number=number, village=other.village.full_name),
            "number",
        )
    return number


def create_household(number: str, village: Village, *, address: str | None = None,
                     cadre: bool = False, note: str | None = None, actor_id: int | None) -> Household:
    """Register a household in an active village; the number must be unused."""
    number = check_household_number(number)
    village = active_village(village)
    address = clean_text(address, limit=200, field="address", what=_l("Address"))
    household = Household(number=number, village_id=village.id, address=address,
                          cadre=bool(cadre), note=clean_text(note, limit=10000))
    household.village = village
    household.flags = []
    household.members = []
    db.session.add(household)
    db.session.flush()
    record_audit(AuditAction.CREATE, household, after=snapshot(household, HOUSEHOLD_FIELDS), actor_id=actor_id)
    return household


def update_household(household: Household, *, number: str, village: Village,
                     address: str | None = None, cadre: bool = False, note: str | None = None, actor_id: int | None) -> bool:
    """Change a household's details; returns whether anything changed."""
    before = snapshot(household, HOUSEHOLD_FIELDS)
    household.number = check_household_number(number, existing=household)
    if village.id != household.village_id:
        household.village = active_village(village)
        household.village_id = village.id
    address = clean_text(address, limit=200, field="address", what=_l("Address"))
    household.address = address
    household.cadre = bool(cadre)
    household.note = clean_text(note, limit=10000)
    db.session.flush()
    return audit_update(household, before, HOUSEHOLD_FIELDS, actor_id=actor_id)


def deactivate_household(household: Household, *, actor_id: int | None) -> None:
    """Deactivate a household; refused while a member holds a post."""
    holders = holders_in_force_where(Person.household_id == household.id)
    if holders:
        raise RegistryError(
            _("Household %(number)s has members holding a post (%(names)s); end their agreements first.",
              number=household.number, names="、".join(holders))
        )
    set_active(household, False, HOUSEHOLD_FIELDS, actor_id=actor_id)


def reactivate_household(household: Household, *, actor_id: int | None) -> None:
    """Make a deactivated household active again."""
    set_active(household, True, HOUSEHOLD_FIELDS, actor_id=actor_id)


# ---------------------------------------------------------------- flags

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


def check_flag_values(flag: str, recorded_on: dt.date | None, *, note: str | None = None,
                      source: str | None = None) -> tuple[str, dt.date, str | None, str | None]:
    """The rules for a flag record's own values: a known flag, a date not in the future, note and source lengths."""
    flag = check_flag(flag)
    recorded_on = check_recorded_on(recorded_on)
    note = clean_text(note, limit=200, field="note", what=_l("Note"))
    source = clean_text(source, limit=200, field="source", what=_l("Source"))
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
                       note: str | None = None, source: str | None = None, actor_id: int | None) -> HouseholdFlag:
    """Record a flag on a household from a date; refused when the flag is already current."""
    flag, recorded_on, note, source = check_flag_record(household, flag, recorded_on, note=note, source=source)
    row = HouseholdFlag(household_id=household.id, flag=flag, recorded_on=recorded_on,
                        note=note, source=source)
    household.flags.append(row)
    db.session.flush()
    record_audit(AuditAction.FLAG_SET, household, after=snapshot(row, FLAG_FIELDS), actor_id=actor_id)
    return row


def check_flag_clear(household: Household, flag: str, cleared_on: dt.date | None, *,
                     reason: str | None) -> tuple[HouseholdFlag, dt.date, str]:
    """The rules for clearing a flag (current, reason given, not before it was recorded); the row and values."""
    flag = check_flag(flag)
    cleared_on = check_recorded_on(cleared_on, "cleared_on")
    reason_text = clean_text(reason, limit=200, field="reason", what=_l("Reason"))
    if not reason_text:
        raise RegistryError(_("Give the reason the flag is cleared."), "reason")
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


def clear_household_flag(household: Household, flag: str, cleared_on: dt.date, *, reason: str, actor_id: int | None) -> HouseholdFlag:
    """End a household's current flag on a date, with the reason; the row stays as history."""
    current, cleared_on, reason_text = check_flag_clear(household, flag, cleared_on, reason=reason)
    before = snapshot(current, FLAG_FIELDS)
    current.cleared_on = cleared_on
    current.cleared_reason = reason_text
    db.session.flush()
    record_audit(AuditAction.FLAG_CLEARED, household, before=before, after=snapshot(current, FLAG_FIELDS), reason=reason_text, actor_id=actor_id)
    return current


def _flag_word(flag: str) -> str:
    return label("flag", flag)
