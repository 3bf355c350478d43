"""Account operations: they change rows and flush; the view commits."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import case, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..audit import AuditAction, record_audit
from ..database import take_write_lock
from ..dates import as_utc, utcnow
from ..errors import Refusal
from ..extensions import db
from ..models import LoginAddress, Person, Role, Township, User, get_settings
from .passwords import hash_password, needs_rehash, verify_password

MIN_PASSWORD_LENGTH = 8
# What the login form's name can be typed as: no spaces (login strips them), no look-alike scripts.
USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9_.-]+$")
# Taken from the column so the rule and the table cannot drift apart.
USERNAME_MAX = User.__table__.c.username.type.length




@dataclass
class LoginOutcome:
    user: User | None
    # Seconds this address must wait before its next login is checked (the per-address slow-down).
    address_wait_seconds: int = 0


# Per network address: this many failures in the window are free, each further one
# pauses the address for twice as long as the one before (2 s, 4 s, … up to the cap).
ADDRESS_WINDOW = dt.timedelta(minutes=15)
ADDRESS_FREE_FAILURES = 20
ADDRESS_MAX_PAUSE_SECONDS = 300


def _not_locked(now: dt.datetime) -> Any:
    return (User.locked_until.is_(None)) | (User.locked_until <= now)


def count_failed_login(user_id: int, max_failures: int, lock_minutes: int, now: dt.datetime) -> bool:
    """Count one failure in a single check-and-increment, locking the account at the limit.

    The UPDATE only matches an account that is not locked, so of any number of
    parallel wrong passwords exactly `max_failures` are counted and the rest find
    the lock; the count lives in the database, so this holds across workers. A lock
    that has passed starts the count again. Returns whether the failure was counted.
    """
    lock_passed = User.locked_until.is_not(None) & (User.locked_until <= now)
    new_count = case((lock_passed, 1), else_=User.failed_logins + 1)
    result = db.session.execute(
        update(User)
        .where(User.id == user_id, _not_locked(now))
        .values(
            failed_logins=new_count,
            locked_until=case((new_count >= max_failures, now + dt.timedelta(minutes=lock_minutes)), else_=None),
        )
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)


def admit_login(user_id: int, now: dt.datetime) -> bool:
    """Reset the failures of an account that is still not locked; False when failures locked it meanwhile.

    The password was checked without any lock held; parallel wrong guesses may have
    locked the account since, and then even the right password waits for the lock.
    """
    result = db.session.execute(
        update(User)
        .where(User.id == user_id, User.active.is_(True), _not_locked(now))
        .values(failed_logins=0, locked_until=None, last_login_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)


def address_wait_seconds(address: str, now: dt.datetime) -> int:
    """Seconds before a login from this address is checked again (0: go ahead)."""
    paused_until = as_utc(db.session.scalar(select(LoginAddress.paused_until).where(LoginAddress.address == address)))
    if paused_until is None or paused_until <= now:
        return 0
    return max(1, int((paused_until - now).total_seconds() + 0.999))


def address_pause(failures: int) -> int:
    """Seconds an address waits after this many failures in the window."""
    if failures <= ADDRESS_FREE_FAILURES:
        return 0
    return min(2 ** min(failures - ADDRESS_FREE_FAILURES, 16), ADDRESS_MAX_PAUSE_SECONDS)


def count_address_failure(address: str, now: dt.datetime) -> None:
    """Count a failed login from this address (one upsert) and pause the address past the free failures."""
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stale = LoginAddress.window_start <= now - ADDRESS_WINDOW
    stmt = insert(LoginAddress).values(address=address, failures=1, window_start=now, paused_until=None)
    stmt = stmt.on_conflict_do_update(
        index_elements=[LoginAddress.address],
        set_={
            "failures": case((stale, 1), else_=LoginAddress.failures + 1),
            "window_start": case((stale, now), else_=LoginAddress.window_start),
            "paused_until": case((stale, None), else_=LoginAddress.paused_until),
        },
    ).returning(LoginAddress.failures)
    failures = int(db.session.execute(stmt).scalar_one())
    pause = address_pause(failures)
    if pause:
        db.session.execute(
            update(LoginAddress).where(LoginAddress.address == address)
            .values(paused_until=now + dt.timedelta(seconds=pause))
            .execution_options(synchronize_session=False)
        )


def authenticate(username: str, password: str, address: str) -> LoginOutcome:
    """Check a username and password under the account's failed-login limit and the address's slow-down.

    Reads first, then verifies the password (argon2, most of a second) holding no
    lock, then writes in one short transaction: a login never makes a writer wait.
    A locked, disabled or unknown account takes the same time and gets the same
    answer as a wrong password, so neither timing nor message tells which exist.
    """
    settings = get_settings()
    max_failures, lock_minutes = settings.login_max_failures, settings.login_lock_minutes
    now = utcnow()
    wait = address_wait_seconds(address, now)
    if wait:
        return LoginOutcome(None, address_wait_seconds=wait)
    row = db.session.execute(
        select(User.id, User.password_hash, User.active, User.locked_until)
        .where(func.lower(User.username) == username.strip().lower())
    ).first()
    locked = row is not None and (as_utc(row.locked_until) or now) > now
    checkable = row is not None and row.active and not locked
    take_write_lock()  # ends the read transaction: argon2 runs holding nothing
    right = verify_password(row.password_hash if checkable and row is not None else None, password)
    if row is None or not right:
        if row is not None:
            count_failed_login(row.id, max_failures, lock_minutes, now)
        count_address_failure(address, now)
        return LoginOutcome(None)
    if not admit_login(row.id, now):
        count_address_failure(address, now)
        return LoginOutcome(None)
    user = db.session.get(User, row.id)
    assert user is not None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    db.session.flush()
    return LoginOutcome(user)


def end_session(user: User) -> None:
    """Logging out replaces the session token, so a copied cookie stops working."""
    user.rotate_session_token()
    db.session.flush()


def change_password(user: User, new_password: str) -> None:
    user.password_hash = hash_password(new_password)
    user.rotate_session_token()
    record_audit(AuditAction.PASSWORD_CHANGED, user, actor_id=user.id)


def set_locale(user: User, locale: str) -> None:
    user.locale = locale
    db.session.flush()


class AccountError(Refusal, ValueError):
    """An account cannot be made as asked; the message says why."""


def check_username(username: str) -> None:
    """Refuse a username the account form refuses: too long for the column, or characters other than ASCII letters, digits, dots, dashes, underscores.

    The form checks the same; this holds for every other way in (`flask users create`),
    where an overlong name otherwise reached PostgreSQL and failed there.
    """
    if len(username) > USERNAME_MAX:
        raise AccountError(_("%(what)s may have at most %(n)d characters.", what=_("Username"), n=USERNAME_MAX))
    if not USERNAME_PATTERN.match(username):
        raise AccountError(_("Use only letters, digits, dots, dashes and underscores."))


def create_user(
    username: str,
    password: str,
    role: str,
    *,
    township_name: str | None = None,
    person_id_number: str | None = None,
    township_id: int | None = None,
    person_id: int | None = None,
    display_name: str | None = None,
    actor_id: int | None,
) -> User:
    """Make an account, checking the role's required township or person."""
    if role not in {r.value for r in Role}:
        raise AccountError(_("Unknown role %(role)s.", role=role))
    check_username(username)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(_("The password must have at least %(n)d characters.", n=MIN_PASSWORD_LENGTH))
    if db.session.scalar(select(User).where(func.lower(User.username) == username.lower())):
        raise AccountError(_("The username %(name)s is taken.", name=username))
    if township_name:
        township = db.session.scalar(select(Township).where(Township.name == township_name))
        if township is None:
            raise AccountError(_("There is no township called %(name)s.", name=township_name))
        township_id = township.id
    if person_id_number:
        person = db.session.scalar(select(Person).where(Person.id_number == person_id_number.strip().upper()))
        if person is None:
            raise AccountError(_("No person has the ID number %(n)s.", n=person_id_number))
        person_id = person.id
    if role == Role.CLERK and township_id is None:
        raise AccountError(_("A township clerk needs a township."))
    if role == Role.ROAD_CHIEF and township_id is None:
        raise AccountError(_("A road chief needs the township of their road sections."))
    if role == Role.WARDEN and person_id is None:
        raise AccountError(_("A warden account needs the warden's person record."))
    if person_id is not None and db.session.scalar(select(User).where(User.person_id == person_id)):
        raise AccountError(_("That person already has an account."))
    user = User(
        username=username,
        password_hash=hash_password(password),
        role=role,
        township_id=township_id if role in (Role.CLERK, Role.ROAD_CHIEF) else None,
        person_id=person_id if role == Role.WARDEN else None,
        display_name=display_name,
    )
    db.session.add(user)
    db.session.flush()
    record_audit(AuditAction.USER_CREATED, user, after={"username": username, "role": role}, actor_id=actor_id)
    return user
