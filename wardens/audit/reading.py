"""The audit trail in the reader's language.

An event stores codes, field names, ids and ISO dates (JSON). This module turns a
page of events into what a person reads: the action's label, the record named
(a person by name, a post by its code, a month as "西河口乡 2026年11月"), every
field by its label and every change as ``field: before → after``, with dates,
money, yes/no and stored codes formatted. Ids are looked up in one query per
kind for the whole page, never per event.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Iterable

from babel.dates import format_skeleton
from flask_babel import format_date, format_datetime, format_decimal, get_locale, gettext as _, lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..labels import group_label, label
from ..models import (
    AllocationRun,
    Application,
    ApplicationSource,
    Assignment,
    AttendanceMonth,
    AuditEvent,
    DismissalCase,
    DismissalState,
    Household,
    MonthState,
    Objection,
    Person,
    Post,
    Round,
    RoundState,
    SettingsVersion,
    Stoppage,
    Township,
    User,
    Village,
)
from ..models.enums import DismissalRule, Exclusion
from .actions import action_label

# Record types (the stored entity_type) in words.
ENTITY_LABELS: dict[str, Any] = {
    "township": _l("Township"),
    "village": _l("Village"),
    "household": _l("Household"),
    "person": _l("Person"),
    "post": _l("Post"),
    "assignment": _l("Work agreement"),
    "attendance_month": _l("Attendance month"),
    "stoppage": _l("Work stoppage"),
    "user": _l("Account"),
    "district_settings": _l("District settings"),
    "settings_version": _l("Settings version"),
    "round": _l("Yearly round"),
    "application": _l("Application"),
    "allocation_run": _l("Allocation run"),
    "objection": _l("Objection to a round"),
    "dismissal_case": _l("Dismissal flag"),
    "import_people": _l("Import of households and people"),
    "import_posts": _l("Import of posts"),
    "import_flags": _l("Import of household flags"),
    "people": _l("List of people"),
    "households": _l("List of households"),
    "posts": _l("List of posts"),
    "sizing": _l("Post sizing"),
    "road_line": _l("Road line"),
    "patrol_settings": _l("Patrol settings"),
    "patrol": _l("Patrol records"),
}

FIELD_LABELS: dict[str, Any] = {
    # places, households, people, posts
    "name": _l("Name"),
    "code": _l("Code"),
    "active": _l("In use"),
    "township_id": _l("Township"),
    "village_id": _l("Village"),
    "road_km": _l("Village road km"),
    "neighbours": _l("Neighbouring villages"),
    "number": _l("Household number"),
    "address": _l("Address"),
    "cadre": _l("Village-cadre household"),
    "note": _l("Note"),
    "flag": _l("Flag"),
    "recorded_on": _l("Recorded on"),
    "source": _l("Source"),
    "cleared_on": _l("Cleared on"),
    "cleared_reason": _l("Reason cleared"),
    "id_number": _l("ID number"),
    "phone": _l("Phone"),
    "household_id": _l("Household"),
    "labour": _l("Labour ability"),
    "away_working": _l("Working away from home"),
    "stable_employment": _l("Stable employment"),
    "bank_name": _l("Bank"),
    "bank_account": _l("Bank account"),
    "sex": _l("Sex"),
    "birth_date": _l("Date of birth"),
    "kind": _l("Kind"),
    "route_code": _l("Route code"),
    "section_start": _l("Section from"),
    "section_end": _l("Section to"),
    "km": _l("Km"),
    "slots": _l("Slots"),
    "min_age": _l("Minimum age"),
    "max_age": _l("Maximum age"),
    "max_age_extended": _l("Maximum age (extended)"),
    "monthly_subsidy": _l("Monthly subsidy"),
    "required_days": _l("Required days a month"),
    "road_chief": _l("Road chief"),
    "road_chief_phone": _l("Road chief's phone"),
    # attendance
    "state": _l("State"),
    "day": _l("Day"),
    "rows": _l("Rows saved"),
    "year": _l("Year"),
    "month": _l("Month"),
    "holder_days": _l("Holder-days"),
    "first_day": _l("First day"),
    "last_day": _l("Last day"),
    # accounts and settings
    "username": _l("Username"),
    "role": _l("Role"),
    "person_id": _l("Person"),
    "display_name": _l("Display name"),
    "failed_logins": _l("Failed logins"),
    "locked_until": _l("Locked until"),
    "district_name": _l("District name"),
    "effective_from": _l("Takes effect from (month)"),
    "office_name": _l("Office name"),
    "default_labour": _l("Labour ability when not recorded"),
    "scope": _l("Where an applicant may take a post"),
    "one_post_per_household": _l("One post per household"),
    "exclude_stable_employment": _l("Exclude people in stable employment"),
    "exclude_away_working": _l("Exclude people working away"),
    "max_choices": _l("Choices per application"),
    "priority_groups": _l("Priority groups"),
    "absence_deduction": _l("Deduction per absent day"),
    "sick_certificate_days": _l("Sick days needing a certificate"),
    "correction_reason_after_days": _l("Corrections need a reason after (days)"),
    "submission_deadline_day": _l("Sheet due by this day of the next month"),
    "payment_period": _l("Payment period"),
    "dismissal_absent_days": _l("Unexcused absences a month for review"),
    "dismissal_rate": _l("Attendance rate below which to review"),
    "dismissal_rate_months": _l("Months in a row below that rate"),
    "good_standing_rate": _l("Attendance rate for good standing"),
    "notice_days": _l("Notice period (working days)"),
    "km_per_warden": _l("Km per warden"),
    "village_post_cap": _l("Posts per village at most"),
    "login_max_failures": _l("Failed logins before a lock"),
    "login_lock_minutes": _l("Lock minutes"),
    # rounds, applications, runs, objections, dismissals
    "term_start": _l("Term from"),
    "term_end": _l("Term to"),
    "reference_date": _l("Reference date"),
    "notice_start": _l("Notice from"),
    "notice_end": _l("Notice to"),
    "chosen_run_id": _l("Chosen run"),
    "rules": _l("Rules"),
    "round_id": _l("Round"),
    "choice1_id": _l("Choice 1"),
    "choice2_id": _l("Choice 2"),
    "choice3_id": _l("Choice 3"),
    "current_post_id": _l("Current post"),
    "good_standing": _l("Good standing"),
    "attendance_rate": _l("Attendance rate"),
    "excluded_code": _l("Exclusion"),
    "excluded_reason": _l("Reason excluded"),
    "pinned_post_id": _l("Pinned to post"),
    "pin_reason": _l("Reason pinned"),
    "placed": _l("People placed"),
    "candidates": _l("Candidates"),
    "seconds": _l("Seconds"),
    "post_id": _l("Post"),
    "created": _l("Agreements started"),
    "raised_by": _l("Raised by"),
    "about_person_id": _l("About"),
    "content": _l("Content"),
    "raised_on": _l("Raised on"),
    "outcome": _l("Outcome"),
    "settled_on": _l("Settled on"),
    "assignment_id": _l("Work agreement"),
    "rule": _l("Rule"),
    "period": _l("Period"),
    "decision": _l("Decision"),
    "decision_reason": _l("Reason for the decision"),
    "evidence": _l("Evidence"),
    "origin": _l("How it came about"),
    "ended_on": _l("Ended on"),
    "end_reason": _l("Why it ended"),
    "end_note": _l("Note on the end"),
    # imports and exports
    "file": _l("File"),
    "filename": _l("File"),
    "new": _l("New rows"),
    "update": _l("Rows updated"),
    "unchanged": _l("Rows unchanged"),
    "filters": _l("Filters"),
    "format": _l("Format"),
}

MONEY_FIELDS = frozenset({"monthly_subsidy", "absence_deduction"})
RATE_FIELDS = frozenset({"attendance_rate", "dismissal_rate", "good_standing_rate"})
# Fields holding a stored code, and the vocabulary that names it.
CODE_FIELDS: dict[str, Callable[[str], str]] = {
    "labour": lambda c: label("labour", c),
    "default_labour": lambda c: label("labour", c),
    "flag": lambda c: label("flag", c),
    "kind": lambda c: label("post_kind", c),
    "role": lambda c: label("role", c),
    "origin": lambda c: label("origin", c),
    "end_reason": lambda c: label("end_reason", c),
    "scope": lambda c: label("scope", c),
    "sex": lambda c: label("sex", c),
    "excluded_code": Exclusion.label_of,
    "rule": DismissalRule.label_of,
}
PAYMENT_PERIOD_LABELS = {"monthly": _l("Monthly"), "quarterly": _l("Quarterly"), "half_yearly": _l("Half-yearly")}

# Which kind of record a field's id points at.
REFERENCES = {
    "township_id": "township",
    "village_id": "village",
    "household_id": "household",
    "person_id": "person",
    "about_person_id": "person",
    "post_id": "post",
    "current_post_id": "post",
    "choice1_id": "post",
    "choice2_id": "post",
    "choice3_id": "post",
    "pinned_post_id": "post",
    "round_id": "round",
    "assignment_id": "assignment",
    "chosen_run_id": "allocation_run",
    "neighbours": "village",
    "created": "assignment",
}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


@dataclass(frozen=True)
class Change:
    field: str
    before: str | None
    after: str | None

    @property
    def changed(self) -> bool:
        return self.before is not None and self.after is not None


@dataclass
class Entry:
    event: AuditEvent
    who: str
    action: str
    record_type: str
    record: str
    changes: list[Change] = field(default_factory=list)


def month_words(year: int, month: int) -> str:
    return format_skeleton("yMMMM", dt.date(year, month, 1), locale=get_locale())


def field_label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name.replace("_", " ")))


def entity_label(entity_type: str) -> str:
    return str(ENTITY_LABELS.get(entity_type, entity_type.replace("_", " ")))


class Names:
    """The names of the records a page of events mentions, looked up once per kind."""

    def __init__(self) -> None:
        self.wanted: dict[str, set[int]] = {}
        self.names: dict[tuple[str, int], str] = {}

    def want(self, kind: str, value: Any) -> None:
        for v in value if isinstance(value, list) else [value]:
            if isinstance(v, int) and not isinstance(v, bool):
                self.wanted.setdefault(kind, set()).add(v)

    def load(self) -> None:
        loaders: dict[str, Callable[[set[int]], Iterable[tuple[int, str]]]] = {
            "township": lambda ids: db.session.execute(select(Township.id, Township.name).where(Township.id.in_(ids))),
            "village": lambda ids: (
                (i, f"{t} {v}") for i, v, t in db.session.execute(
                    select(Village.id, Village.name, Township.name).join(Township).where(Village.id.in_(ids)))),
            "household": lambda ids: (
                (i, _("household %(number)s", number=n)) for i, n in db.session.execute(
                    select(Household.id, Household.number).where(Household.id.in_(ids)))),
            "person": lambda ids: db.session.execute(select(Person.id, Person.name).where(Person.id.in_(ids))),
            "post": lambda ids: db.session.execute(select(Post.id, Post.code).where(Post.id.in_(ids))),
            "round": lambda ids: db.session.execute(select(Round.id, Round.name).where(Round.id.in_(ids))),
            "user": lambda ids: (
                (i, d or u) for i, u, d in db.session.execute(
                    select(User.id, User.username, User.display_name).where(User.id.in_(ids)))),
            "assignment": lambda ids: (
                (i, f"{n} · {c}") for i, n, c in db.session.execute(
                    select(Assignment.id, Person.name, Post.code).join(Person, Person.id == Assignment.person_id)
                    .join(Post, Post.id == Assignment.post_id).where(Assignment.id.in_(ids)))),
            "attendance_month": lambda ids: (
                (i, f"{t} {month_words(y, m)}") for i, t, y, m in db.session.execute(
                    select(AttendanceMonth.id, Township.name, AttendanceMonth.year, AttendanceMonth.month)
                    .join(Township, Township.id == AttendanceMonth.township_id).where(AttendanceMonth.id.in_(ids)))),
            "allocation_run": lambda ids: (
                (i, _("%(round)s, run of %(when)s", round=r, when=format_datetime(at, "short")))
                for i, r, at in db.session.execute(
                    select(AllocationRun.id, Round.name, AllocationRun.created_at)
                    .join(Round, Round.id == AllocationRun.round_id).where(AllocationRun.id.in_(ids)))),
            "objection": lambda ids: (
                (i, _("%(round)s, objection raised by %(who)s", round=r, who=w)) for i, r, w in db.session.execute(
                    select(Objection.id, Round.name, Objection.raised_by)
                    .join(Round, Round.id == Objection.round_id).where(Objection.id.in_(ids)))),
            "stoppage": lambda ids: (
                (i, f"{t or ''}{v or ''} {format_date(a)} – {format_date(b)}".strip()) for i, t, v, a, b in db.session.execute(
                    select(Stoppage.id, Township.name, Village.name, Stoppage.first_day, Stoppage.last_day)
                    .outerjoin(Township, Township.id == Stoppage.township_id)
                    .outerjoin(Village, Village.id == Stoppage.village_id).where(Stoppage.id.in_(ids)))),
            "settings_version": lambda ids: (
                (i, _("version No. %(id)d, in force from %(month)s", id=i, month=d.strftime("%Y-%m")))
                for i, d in db.session.execute(
                    select(SettingsVersion.id, SettingsVersion.effective_from).where(SettingsVersion.id.in_(ids)))),
            "dismissal_case": lambda ids: (
                (i, f"{n} · {c}") for i, n, c in db.session.execute(
                    select(DismissalCase.id, Person.name, Post.code)
                    .join(Assignment, Assignment.id == DismissalCase.assignment_id)
                    .join(Person, Person.id == Assignment.person_id)
                    .join(Post, Post.id == Assignment.post_id).where(DismissalCase.id.in_(ids)))),
        }
        for kind, ids in self.wanted.items():
            loader = loaders.get(kind)
            if loader is None or not ids:
                continue
            for i, name in loader(ids):
                self.names[(kind, i)] = name

    def name(self, kind: str, value: int) -> str:
        # A record deleted since (or never stored, as a rolled-back run) keeps its number.
        return self.names.get((kind, value), _("no longer on record (no. %(id)d)", id=value))


def application_names(ids: set[int]) -> dict[int, str]:
    rows = db.session.execute(
        select(Application.id, Person.name, Round.name).join(Person, Person.id == Application.person_id)
        .join(Round, Round.id == Application.round_id).where(Application.id.in_(ids))
    )
    return {i: f"{p} · {r}" for i, p, r in rows}


def format_value(name: str, value: Any, names: Names, entity_type: str) -> str:
    """One stored value as a person reads it."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if name in REFERENCES and isinstance(value, (int, list)):
        kind = REFERENCES[name]
        if isinstance(value, list):
            return "、".join(names.name(kind, v) for v in value) if value else "—"
        return names.name(kind, value)
    if name == "state":
        if entity_type == "attendance_month":
            return MonthState.label_of(value)
        return RoundState.label_of(value)
    if name == "decision":
        return DismissalState.label_of(value)
    if name == "payment_period":
        return str(PAYMENT_PERIOD_LABELS.get(value, value))
    if name == "source" and entity_type == "application":
        return ApplicationSource.label_of(value)
    if name == "priority_groups" and isinstance(value, list):
        return "; ".join(f"{i}. {group_label(g)}" for i, g in enumerate(value, 1))
    if name in CODE_FIELDS and isinstance(value, str):
        return CODE_FIELDS[name](value)
    if name in MONEY_FIELDS:
        try:
            return _("%(amount)s yuan", amount=format_decimal(Decimal(str(value)), "#,##0.00"))
        except InvalidOperation:
            return str(value)
    if name in RATE_FIELDS:
        try:
            return format_decimal(Decimal(str(value)) * 100, "0.#") + "%"
        except InvalidOperation:
            return str(value)
    if name == "month" and isinstance(value, int) and 1 <= value <= 12:
        return format_skeleton("MMMM", dt.date(2000, value, 1), locale=get_locale())
    if isinstance(value, str) and _ISO_DATETIME.match(value):
        try:
            return format_datetime(dt.datetime.fromisoformat(value), "short")
        except ValueError:
            return value
    if isinstance(value, str) and _ISO_DATE.match(value):
        try:
            return format_date(dt.date.fromisoformat(value), "medium")
        except ValueError:
            return value
    if isinstance(value, dict):
        return "; ".join(f"{field_label(k)}: {format_value(k, v, names, entity_type)}" for k, v in value.items()
                         if v not in (None, "", []))
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if isinstance(value, float):
        return format_decimal(value, "#,##0.###")
    return str(value)


def _changes(event: AuditEvent, names: Names) -> list[Change]:
    before = event.before or {}
    after = event.after or {}
    keys = list(after) + [k for k in before if k not in after]
    out = []
    for key in keys:
        if key in before and key in after and before[key] == after[key]:
            continue  # a snapshot field that did not change tells nothing
        was = format_value(key, before[key], names, event.entity_type) if key in before else None
        now = format_value(key, after[key], names, event.entity_type) if key in after else None
        if (was is None and now == "—") or (now is None and was == "—"):
            continue  # an empty field of a record created or removed tells nothing
        out.append(Change(field_label(key), was, now))
    return out


def readable(events: list[AuditEvent]) -> list[Entry]:
    """A page of events in the reader's language (a fixed number of queries for the page)."""
    names = Names()
    application_ids: set[int] = set()
    for e in events:
        if e.entity_id is not None:
            if e.entity_type == "application":
                application_ids.add(e.entity_id)
            else:
                names.want(e.entity_type, e.entity_id)
        for snap in (e.before or {}, e.after or {}):
            for key, value in snap.items():
                if key in REFERENCES:
                    names.want(REFERENCES[key], value)
    names.load()
    applications = application_names(application_ids) if application_ids else {}
    entries = []
    for e in events:
        if e.entity_type == "application" and e.entity_id is not None:
            record = applications.get(e.entity_id) or names.name("application", e.entity_id)
        elif e.entity_type == "district_settings" or e.entity_id is None:
            record = ""
        else:
            record = names.name(e.entity_type, e.entity_id)
        who = (e.actor.display_name or e.actor.username) if e.actor else _("the system")
        entries.append(Entry(e, who, action_label(e.action), entity_label(e.entity_type), record, _changes(e, names)))
    return entries
