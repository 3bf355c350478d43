"""Account operations: they change rows and flush; the view commits."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import case, func, select, update

from ..audit import AuditAction, record_audit
from ..dates import as_utc, utcnow
from ..errors import Refusal
from ..extensions import db
from ..models import Person, Role, Township, User, get_settings
from .passwords import hash_password, needs_rehash, verify_password

MIN_PASSWORD_LENGTH = 8
# What the login form's name can be typed as: no spaces (login strips them), no look-alike scripts.
USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9_.-]+$")
# Taken from the column so the rule and the table cannot drift apart.
USERNAME_MAX = User.__table__.c.username.type.length




@dataclass
class LoginOutcome:
    user: User | None
    locked_minutes: int = 0


def count_failed_login(user_id: int, max_failures: int, lock_minutes: int) -> None:
    """Add one failure in a single UPDATE, locking the account at the limit.

    One statement, so two workers counting at once both count: the limit holds
    across processes because the counter lives in the database.
    """
    locked_until = utcnow() + dt.timedelta(minutes=lock_minutes)
    db.session.execute(
        update(User)
        .where(User.id == user_id)
        .values(
            failed_logins=User.failed_logins + 1,
            locked_until=case(
                (User.failed_logins + 1 >= max_failures, locked_until), else_=User.locked_until
            ),
        )
    )


def authenticate(username: str, password: str) -> LoginOutcome:
    """Check a username and password under the failed-login limit."""
    settings = get_settings()
    user = db.session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))
    if user is None:
        verify_password(None, password)  # same time as a wrong password
        return LoginOutcome(None)
    locked_until = as_utc(user.locked_until)
    if locked_until is not None and locked_until > utcnow():
        minutes = max(1, int((locked_until - utcnow()).total_seconds() // 60) + 1)
        return LoginOutcome(None, locked_minutes=minutes)
    if not user.active or not verify_password(user.password_hash, password):
        count_failed_login(user.id, settings.login_max_failures, settings.login_lock_minutes)
        return LoginOutcome(None)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = utcnow()
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
    if role == Role.WARDEN and person_id is None:
        raise AccountError(_("A warden account needs the warden's person record."))
    if person_id is not None and db.session.scalar(select(User).where(User.person_id == person_id)):
        raise AccountError(_("That person already has an account."))
    user = User(
        username=username,
        password_hash=hash_password(password),
        role=role,
        township_id=township_id if role == Role.CLERK else None,
        person_id=person_id if role == Role.WARDEN else None,
        display_name=display_name,
    )
    db.session.add(user)
    db.session.flush()
    record_audit(AuditAction.USER_CREATED, user, after={"username": username, "role": role})
    return user
