"""Applications (岗需互选): who applies in a round, for which posts, and who is excluded.

Good standing of a current holder is computed here, from the holder's attendance over
the 12 months before the day the round includes them: present days ÷ (recorded days −
rest days − stopped days). Rest and stoppage (停工) cost a holder nothing, so they are
left out of the denominator; leave, sick leave and unexcused absence count against.
This is computed directly from the attendance records (one grouped query) rather than
through the monthly subsidy function, because the rate spans months and assignments.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable, Iterable

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from ..attendance.dashboard import WORKING, working_rate
from ..audit import AuditAction, record_audit, record_audits, snapshot
from ..dates import utcnow
from ..extensions import db
from ..idnumber import IdNumberError, normalise_id_number, parse_id_number
from ..models import Application, ApplicationSource, Assignment, AttendanceRecord, Household, Person, Post, Round, Status
from ..models.enums import ROUND_EDITABLE, Exclusion, require_state
from ..priority import priority_tier
from ..spreadsheets import Table, header_words, lossy_cells
from .errors import RefusedError

APPLICATION_FIELDS = ("round_id", "person_id", "choice1_id", "choice2_id", "choice3_id", "current_post_id",
                      "good_standing", "attendance_rate", "excluded_code", "excluded_reason",
                      "pinned_post_id", "pin_reason", "source")
# The words the matcher is given for an exclusion (it quotes them in its reasons).
# The office works in Chinese, so the reason text is stored in Chinese whatever the
# language of the member of staff who recorded it.
EXCLUSION_TEXT = {
    Exclusion.STABLE_EMPLOYMENT: "稳定就业",
    Exclusion.AWAY_WORKING: "长期外出务工",
    Exclusion.ANOTHER_POST: "已有其他公益性岗位",
    Exclusion.OTHER: "其他原因",
}
GOOD_STANDING_DAYS = 365
IMPORT_ID_HEADERS = ("身份证号", "身份证号码", "id_number")
IMPORT_CHOICE_HEADERS = (("志愿一", "choice1"), ("志愿二", "choice2"), ("志愿三", "choice3"))
IMPORT_HEADER_WORDS = header_words({"id": IMPORT_ID_HEADERS, **{c[0]: c for c in IMPORT_CHOICE_HEADERS},
                                    "name": ("姓名",)})
IMPORT_MAX_ROWS = 5000


def exclusion_text(code: str, note: str | None) -> str:
    """The reason given to the matcher: the kind, then the staff's note."""
    note = (note or "").strip()
    base = EXCLUSION_TEXT[code]
    return f"{base}：{note}" if note else base


def prefilled_exclusion(person: Person, rules: dict) -> str | None:
    """The exclusion the register's person flags suggest under the round's rules, if any."""
    return exclusion_code(person.stable_employment, person.away_working, rules)


def exclusion_code(stable_employment: bool, away_working: bool, rules: dict) -> str | None:
    """The prefilled exclusion for a person with these register flags under the round's rules, if any."""
    if stable_employment and rules.get("exclude_stable_employment", True):
        return Exclusion.STABLE_EMPLOYMENT
    if away_working and rules.get("exclude_away_working", True):
        return Exclusion.AWAY_WORKING
    return None


# -- good standing -------------------------------------------------------------------

def person_rates(person_ids: Iterable[int], day: dt.date) -> dict[int, float | None]:
    """Each person's attendance rate over the 12 months before day, across all their assignments."""
    first, last = day - dt.timedelta(days=GOOD_STANDING_DAYS), day - dt.timedelta(days=1)
    ids = list(person_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(Assignment.person_id, AttendanceRecord.status, func.count())
        .join(Assignment, Assignment.id == AttendanceRecord.assignment_id)
        .where(Assignment.person_id.in_(ids), AttendanceRecord.day.between(first, last))
        .group_by(Assignment.person_id, AttendanceRecord.status)
    ).all()
    counts: dict[int, dict[str, int]] = {i: {} for i in ids}
    for person_id, status, n in rows:
        counts[person_id][status] = n
    out: dict[int, float | None] = {}
    for person_id, c in counts.items():
        rate = working_rate(c.get(Status.PRESENT.value, 0), sum(c.get(s, 0) for s in WORKING))
        out[person_id] = round(rate, 4) if rate is not None else None
    return out


def in_good_standing(rate: float | None, threshold: str | Decimal | float) -> bool:
    """Good standing: an attendance rate at or above the round's threshold (no records: not in good standing)."""
    return rate is not None and Decimal(str(rate)) >= Decimal(str(threshold))


def include_current_holders(rnd: Round, day: dt.date, *, actor_id: int | None) -> tuple[int, int]:
    """Add every holder in force on day to the round (or refresh their post and standing); (added, refreshed).

    Set-based: one INSERT for the new applications, one UPDATE for the refreshed ones and one
    INSERT of their audit events, whatever the number of holders (a county has 1,200).
    """
    holdings = db.session.execute(
        select(Assignment.person_id, Assignment.post_id)
        .where(Assignment.in_force_on_clause(day))
        .order_by(Assignment.person_id, Assignment.term_start.desc(), Assignment.id.desc())
    ).all()
    current: dict[int, int] = {}
    for person_id, post_id in holdings:
        current.setdefault(person_id, post_id)  # a person holding two posts: the latest one
    rates = person_rates(current, day)
    existing = {a.person_id: a for a in db.session.scalars(select(Application).where(Application.round_id == rnd.id))}
    threshold = rnd.rules.get("good_standing_rate", "0.90")
    new_ids = [pid for pid in current if pid not in existing]
    flags = {pid: (stable, away) for pid, stable, away in db.session.execute(
        select(Person.id, Person.stable_employment, Person.away_working).where(Person.id.in_(new_ids)))} if new_ids else {}
    created: list[dict] = []
    changed: list[tuple[Application, dict, dict]] = []
    for person_id, post_id in sorted(current.items()):
        rate = rates.get(person_id)
        good = in_good_standing(rate, threshold)
        application = existing.get(person_id)
        if application is None:
            stable, away = flags[person_id]
            code = exclusion_code(stable, away, rnd.rules)
            created.append({
                "round_id": rnd.id, "person_id": person_id, "choice1_id": None, "choice2_id": None,
                "choice3_id": None, "current_post_id": post_id, "good_standing": good, "attendance_rate": rate,
                "excluded_code": code, "excluded_reason": exclusion_text(code, None) if code else None,
                "pinned_post_id": None, "pin_reason": None, "source": ApplicationSource.HOLDER,
            })
        elif (application.current_post_id, application.good_standing, application.attendance_rate) != (post_id, good, rate):
            before = snapshot(application, APPLICATION_FIELDS)
            application.current_post_id, application.good_standing, application.attendance_rate = post_id, good, rate
            changed.append((application, before, snapshot(application, APPLICATION_FIELDS)))
    insert_applications(rnd, created, actor_id=actor_id)
    if changed:
        db.session.flush()  # the unit of work batches the UPDATEs of the refreshed applications
        record_audits([{"action": AuditAction.APPLICATION_REFRESH, "entity_type": "application", "entity_id": a.id,
                       "before": before, "after": after} for a, before, after in changed], actor_id=actor_id)
    return len(created), len(changed)


def insert_applications(rnd: Round, rows: list[dict], *, actor_id: int | None) -> list[int]:
    """Insert applications in one statement and audit each one (one more); their ids, in order."""
    if not rows:
        return []
    # INSERT without RETURNING, then the ids by the (round, person) key: SQLite answers an
    # ordered RETURNING one row per statement, this is one batch and one SELECT on both.
    created_at = utcnow()
    db.session.execute(Application.__table__.insert(), [{**row, "created_at": created_at} for row in rows])
    by_person = dict(db.session.execute(select(Application.person_id, Application.id).where(
        Application.round_id == rnd.id)).all())
    ids = [by_person[row["person_id"]] for row in rows]
    record_audits([{"action": AuditAction.APPLICATION_ADD, "entity_type": "application", "entity_id": i,
                   "after": {f: row.get(f) for f in APPLICATION_FIELDS}} for i, row in zip(ids, rows)], actor_id=actor_id)
    # The round's collection was loaded (or initialised empty) before the INSERT: read it again.
    db.session.expire(rnd, ["applications"])
    return ids


# -- adding and changing applications ----------------------------------------------------

def find_people(query: str, limit: int = 20) -> list[Person]:
    """People whose name contains the text or whose ID number ends with it (e.g. the last 4)."""
    q = (query or "").strip()
    if not q:
        return []
    q_id = normalise_id_number(q)
    stmt = select(Person).where(
        Person.active,
        # autoescape: '%', '_' and a backslash are text typed, not LIKE wildcards or (PostgreSQL) its escape.
        or_(Person.name.contains(q, autoescape=True), Person.id_last4 == q_id, Person.id_number == q_id,
            Person.name_initials == q.lower()),
    ).order_by(Person.name, Person.id).limit(limit)
    return list(db.session.scalars(stmt))


def open_post_by_code(code: str) -> Post | None:
    """The active post with this code: the posts open in a round are the district's active posts."""
    code = (code or "").strip()
    if not code:
        return None
    return db.session.scalar(select(Post).where(Post.code == code, Post.active))


def resolve_choices(codes: list[str], max_choices: int = 3) -> list[Post]:
    """Turn up to three post codes into open posts, refusing unknown, inactive and repeated ones."""
    return choose_posts(codes, max_choices, open_post_by_code)


def choose_posts(codes: list[str], max_choices: int, find: Callable[[str], Post | None]) -> list[Post]:
    """The chosen posts for these codes, each found by `find` (None: not open), refusing faults by the field."""
    codes = [c.strip() for c in codes if c and c.strip()]
    if len(codes) > max_choices:
        raise RefusedError(_("At most %(n)d chosen posts are allowed.", n=max_choices), field="choice1")
    posts: list[Post] = []
    for index, code in enumerate(codes):
        post = find(code)
        if post is None:
            raise RefusedError(_("Post %(code)s is not open in this round: there is no active post with that code.",
                                 code=code), field=f"choice{index + 1}")
        if post in posts:
            raise RefusedError(_("Post %(code)s is chosen twice; choose each post once.", code=code),
                               field=f"choice{index + 1}")
        posts.append(post)
    return posts


def _set_choices(application: Application, posts: list[Post]) -> None:
    padded = list(posts) + [None] * (3 - len(posts))
    application.choice1_id, application.choice2_id, application.choice3_id = (p.id if p else None for p in padded)


def refuse_twice(rnd: Round, person: Person) -> None:
    """Refuse a second application by the same person in the same round."""
    existing = db.session.scalar(
        select(Application).where(Application.round_id == rnd.id, Application.person_id == person.id)
    )
    if existing is not None:
        raise RefusedError(already_applied(person, existing.id), field="person")


def already_applied(person: Person, application_id: int) -> str:
    return _("%(name)s (ID ending %(last4)s) has already applied in this round (application %(id)d).",
             name=person.name, last4=person.id_last4, id=application_id)


def add_application(rnd: Round, person: Person, choice_codes: list[str], *, source: ApplicationSource = ApplicationSource.MANUAL, actor_id: int | None) -> Application:
    """Record one person's application with up to three chosen posts."""
    require_state(rnd, *ROUND_EDITABLE)
    refuse_twice(rnd, person)
    posts = resolve_choices(choice_codes, int(rnd.rules.get("max_choices", 3)))
    current = db.session.scalar(
        select(Assignment.post_id).where(Assignment.person_id == person.id,
                                         Assignment.in_force_on_clause(rnd.term_start - dt.timedelta(days=1)))
        .order_by(Assignment.term_start.desc()).limit(1)
    )
    code = prefilled_exclusion(person, rnd.rules)
    application = Application(round=rnd, person_id=person.id, current_post_id=current, source=source,
                              excluded_code=code, excluded_reason=exclusion_text(code, None) if code else None)
    _set_choices(application, posts)
    db.session.add(application)
    db.session.flush()
    record_audit(AuditAction.APPLICATION_ADD, application, after=snapshot(application, APPLICATION_FIELDS), actor_id=actor_id)
    return application


def change_choices(application: Application, choice_codes: list[str], *, actor_id: int | None) -> None:
    """Replace an application's chosen posts."""
    require_state(application.round, *ROUND_EDITABLE)
    posts = resolve_choices(choice_codes, int(application.round.rules.get("max_choices", 3)))
    before = snapshot(application, APPLICATION_FIELDS)
    _set_choices(application, posts)
    db.session.flush()
    record_audit(AuditAction.APPLICATION_CHOICES, application, before=before, after=snapshot(application, APPLICATION_FIELDS), actor_id=actor_id)


def set_exclusion(application: Application, code: str | None, note: str | None, *, actor_id: int | None) -> None:
    """Exclude an applicant with a reason (or lift the exclusion when code is empty)."""
    require_state(application.round, *ROUND_EDITABLE)
    before = snapshot(application, APPLICATION_FIELDS)
    if code:
        if code not in set(Exclusion):
            raise RefusedError(_("Unknown exclusion reason."), field="code")
        if code == "other" and not (note or "").strip():
            raise RefusedError(_("Say why the applicant is excluded."), field="note")
        application.excluded_code = code
        application.excluded_reason = exclusion_text(code, note)[:200]
        if application.pinned_post_id is not None:
            application.pinned_post_id, application.pin_reason = None, None
    else:
        application.excluded_code = application.excluded_reason = None
    db.session.flush()
    record_audit(AuditAction.APPLICATION_EXCLUDE if code else AuditAction.APPLICATION_INCLUDE, application, before=before,
                 after=snapshot(application, APPLICATION_FIELDS), reason=note or None, actor_id=actor_id)


def withdraw(application: Application, *, actor_id: int | None) -> None:
    """Remove an application from a round that has not gone to notice."""
    require_state(application.round, *ROUND_EDITABLE)
    before = snapshot(application, APPLICATION_FIELDS)
    record_audit(AuditAction.APPLICATION_WITHDRAW, application, before=before, actor_id=actor_id)
    if application in application.round.applications:
        application.round.applications.remove(application)
    db.session.delete(application)
    db.session.flush()


# -- importing applications from a spreadsheet -------------------------------------------

@dataclass
class ImportRow:
    line: int
    person: Person | None
    posts: list[Post]
    errors: list[str]


def _cell(row: dict[str, str], names: Iterable[str]) -> str:
    for name in names:
        if name in row:
            return row[name].strip()
    return ""


def check_import(rnd: Round, table: Table) -> list[ImportRow]:
    """Read an applications sheet (身份证号, 志愿一, 志愿二, 志愿三) into rows, each with every fault found.

    The people, the round's applicants and the open posts are read once for the whole file
    (three queries whatever its length), then every row is checked against them in memory.
    """
    if not any(h in table.headers for h in IMPORT_ID_HEADERS):
        raise RefusedError(_("The sheet has no 身份证号 column."))
    max_choices = int(rnd.rules.get("max_choices", 3))
    numbers: dict[int, str] = {}
    faults: dict[int, list[str]] = {}
    for line, row in table.rows:
        try:
            numbers[line] = parse_id_number(_cell(row, IMPORT_ID_HEADERS)).number
        except IdNumberError as exc:
            faults[line] = [str(exc)]
    people = people_by_id_number(set(numbers.values()))
    applied = dict(db.session.execute(
        select(Application.person_id, Application.id).where(Application.round_id == rnd.id)).all())
    posts = {p.code: p for p in db.session.scalars(select(Post).where(Post.active))}
    out: list[ImportRow] = []
    seen: dict[int, int] = {}
    # The ID and the post codes are text by nature: a number cell there has lost digits already.
    damaged = lossy_cells(table, [h for h in table.headers
                                  if h in IMPORT_ID_HEADERS or any(h in pair for pair in IMPORT_CHOICE_HEADERS)])
    for line, row in table.rows:
        if line in damaged:
            out.append(ImportRow(line, None, [], damaged[line]))
            continue
        errors = list(faults.get(line, []))
        person = None
        if line in numbers:
            person = people.get(numbers[line])
            if person is None:
                errors.append(_("No person with ID number %(id)s is in the register; add them first.", id=numbers[line]))
        if person is not None:
            if person.id in seen:
                errors.append(_("This person is already on line %(line)d of the file.", line=seen[person.id]))
            else:
                seen[person.id] = line
                if person.id in applied:
                    errors.append(already_applied(person, applied[person.id]))
        codes = [_cell(row, pair) for pair in IMPORT_CHOICE_HEADERS][:max_choices]
        chosen: list[Post] = []
        try:
            chosen = choose_posts(codes, max_choices, posts.get)
        except RefusedError as exc:
            errors.extend(exc.messages)
        out.append(ImportRow(line, person, chosen, errors))
    return out


def people_by_id_number(numbers: set[str]) -> dict[str, Person]:
    """The registered people with these ID numbers, by number (in chunks of 1,000 numbers)."""
    found: dict[str, Person] = {}
    ordered = sorted(numbers)
    for start in range(0, len(ordered), 1000):
        for person in db.session.scalars(select(Person).where(Person.id_number.in_(ordered[start:start + 1000]))):
            found[person.id_number] = person
    return found


def apply_import(rnd: Round, rows: list[ImportRow], *, actor_id: int | None) -> int:
    """Add every row's application, or none: refuses when any row has a fault.

    Set-based: the current posts of the people in one query, the applications in one INSERT
    and their audit events in one more.
    """
    bad = [r for r in rows if r.errors]
    if bad:
        raise RefusedError(*[_("Line %(line)d: %(errors)s", line=r.line, errors="; ".join(r.errors)) for r in bad])
    good = [r for r in rows if r.person is not None]  # a row without faults always found its person
    current = current_posts({r.person.id for r in good}, rnd.term_start - dt.timedelta(days=1))
    new_rows = []
    for row in good:
        person = row.person
        code = prefilled_exclusion(person, rnd.rules)
        padded = [p.id for p in row.posts] + [None] * (3 - len(row.posts))
        new_rows.append({
            "round_id": rnd.id, "person_id": person.id, "choice1_id": padded[0], "choice2_id": padded[1],
            "choice3_id": padded[2], "current_post_id": current.get(person.id), "good_standing": False,
            "attendance_rate": None, "excluded_code": code,
            "excluded_reason": exclusion_text(code, None) if code else None,
            "pinned_post_id": None, "pin_reason": None, "source": ApplicationSource.IMPORT,
        })
    insert_applications(rnd, new_rows, actor_id=actor_id)
    return len(rows)


def current_posts(person_ids: set[int], day: dt.date) -> dict[int, int]:
    """Each person's post in force on day (the latest started when they hold two)."""
    out: dict[int, int] = {}
    ordered = sorted(person_ids)
    for start in range(0, len(ordered), 1000):
        for person_id, post_id in db.session.execute(
            select(Assignment.person_id, Assignment.post_id)
            .where(Assignment.person_id.in_(ordered[start:start + 1000]), Assignment.in_force_on_clause(day))
            .order_by(Assignment.person_id, Assignment.term_start.desc(), Assignment.id.desc())
        ):
            out.setdefault(person_id, post_id)
    return out


def household_tier(household: Household, groups: list[list[str]], day: dt.date) -> int | None:
    """The household's priority tier from the flags current on day."""
    return priority_tier(flags_on(household, day), groups, cadre=household.cadre)


def flags_on(household: Household, day: dt.date) -> list[str]:
    """The household's flags that were recorded by day and not cleared by then, sorted."""
    return sorted({f.flag for f in household.flags
                   if f.recorded_on <= day and (f.cleared_on is None or f.cleared_on > day)})
