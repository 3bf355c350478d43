"""Administering accounts and the district settings: change rows, audit, flush; the view commits."""
from __future__ import annotations

import datetime as dt
from typing import Any, Iterable

from flask_babel import gettext as _
from sqlalchemy import select, update

from ..audit import AuditAction, record_audit, snapshot
from ..dates import as_utc, utcnow
from ..auth.operations import MIN_PASSWORD_LENGTH, AccountError, create_user
from ..auth.passwords import hash_password
from ..errors import BadInput
from ..extensions import db
from ..idnumber import IdNumberError, normalise_id_number, parse_id_number
from ..models import Person, Post, Role, Township, User, Village

# What an account edit may change, and what its audit event shows.
ACCOUNT_FIELDS = ("username", "role", "township_id", "person_id", "display_name", "active")


class FieldError(AccountError):
    """An account change refused because of one form field's value."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, field=field)


def _refuse_person_with_account(person_id: int | None, user_id: int | None = None) -> None:
    """One account per person: a warden's account is how the person sees their own data."""
    if person_id is None:
        return
    stmt = select(User).where(User.person_id == person_id)
    if user_id is not None:
        stmt = stmt.where(User.id != user_id)
    holder = db.session.scalar(stmt)
    if holder is not None:
        raise FieldError("id_number", _("That person already has an account (%(name)s).", name=holder.username))


class PersonNotFound(BadInput, ValueError):
    """No person in the register has the ID number given; the message says why."""


def find_person_by_id_number(raw: str) -> Person:
    """The register's person with exactly this ID number, after normalising it.

    An invalid number is reported with the ID checker's own message (length, date,
    check character) so the admin sees the typo rather than "not found".
    """
    number = normalise_id_number(raw or "")
    try:
        parse_id_number(number)
    except IdNumberError as err:
        raise PersonNotFound(str(err), field="id_number") from None
    person = db.session.scalar(select(Person).where(Person.id_number == number))
    if person is None:
        raise PersonNotFound(_("No person in the register has the ID number %(n)s.", n=number), field="id_number")
    return person


def create_account(
    username: str,
    password: str,
    role: str,
    *,
    township_id: int | None,
    person: Person | None,
    display_name: str | None,
    actor_id: int | None,
    sections: Iterable[int] = (),
) -> User:
    """Make an account through the one account rule (auth.operations.create_user); a road chief's with its sections."""
    if role == Role.WARDEN and person is not None:
        _refuse_person_with_account(person.id)
    if role == Role.ROAD_CHIEF and not list(sections):
        raise FieldError("sections", _("Choose the road sections this road chief is chief of."))
    user = create_user(
        username.strip(),
        password,
        role,
        township_id=township_id if role in (Role.CLERK, Role.ROAD_CHIEF) else None,
        person_id=person.id if (person is not None and role == Role.WARDEN) else None,
        display_name=(display_name or "").strip() or None,
        actor_id=actor_id,
    )
    if role == Role.ROAD_CHIEF:
        set_chief_sections(user, sections, actor_id=actor_id)
    return user


def chief_section_ids(user: User) -> list[int]:
    """The posts this account is road chief of."""
    return list(db.session.scalars(select(Post.id).where(Post.road_chief_id == user.id).order_by(Post.id)))


def set_chief_sections(user: User, post_ids: Iterable[int], *, actor_id: int | None) -> bool:
    """Make a road chief's account the chief of exactly these posts, all in its township; audited.

    A post another account was chief of passes to this one (the event shows both lists).
    An account that is no longer a road chief is given none. False when nothing changed.
    """
    wanted = sorted(set(post_ids)) if user.role == Role.ROAD_CHIEF else []
    if wanted:
        found = dict(db.session.execute(
            select(Post.id, Village.township_id).join(Village, Village.id == Post.village_id)
            .where(Post.id.in_(wanted))).all())
        outside = [pid for pid in wanted if found.get(pid) != user.township_id]
        if outside:
            raise FieldError("sections", _("Every road section of a road chief must be in the chief's own township; "
                                           "%(n)d chosen are not.", n=len(outside)))
    before = chief_section_ids(user)
    if before == wanted:
        return False
    codes = dict(db.session.execute(select(Post.id, Post.code).where(Post.id.in_(set(before) | set(wanted)))).all())
    dropped = [pid for pid in before if pid not in wanted]
    if dropped:
        db.session.execute(update(Post).where(Post.id.in_(dropped)).values(road_chief_id=None))
    if wanted:
        db.session.execute(update(Post).where(Post.id.in_(wanted)).values(road_chief_id=user.id))
    db.session.flush()
    record_audit(AuditAction.ROAD_CHIEF_SECTIONS, user, actor_id=actor_id,
                 before={"sections": [codes[p] for p in before]}, after={"sections": [codes[p] for p in wanted]})
    return True


def _refuse_self_lockout(actor: User, user: User, *, new_role: str | None = None, disabling: bool = False) -> None:
    # An admin who disables or demotes themselves could leave the district with
    # no one able to manage accounts; another admin has to do it.
    if actor.id != user.id:
        return
    if disabling:
        raise AccountError(_("You cannot disable your own account."))
    if new_role is not None and new_role != Role.ADMIN:
        raise FieldError("role", _("You cannot take the administrator role from your own account."))


def update_account(
    actor: User,
    user: User,
    *,
    role: str,
    township_id: int | None,
    person: Person | None,
    display_name: str | None,
    actor_id: int | None,
    sections: Iterable[int] = (),
) -> bool:
    """Change an account's role, township, person, display name or a road chief's sections; False when nothing changed."""
    if role not in {r.value for r in Role}:
        raise FieldError("role", _("Unknown role %(role)s.", role=role))
    _refuse_self_lockout(actor, user, new_role=role)
    if role == Role.CLERK and (township_id is None or db.session.get(Township, township_id) is None):
        raise FieldError("township_id", _("A township clerk needs a township."))
    if role == Role.WARDEN and person is None:
        raise FieldError("id_number", _("A warden account needs the warden's ID number."))
    if role == Role.ROAD_CHIEF and (township_id is None or db.session.get(Township, township_id) is None):
        raise FieldError("township_id", _("A road chief needs the township of their road sections."))
    sections = list(sections)
    if role == Role.ROAD_CHIEF and not sections:
        raise FieldError("sections", _("Choose the road sections this road chief is chief of."))
    person_id = person.id if (person is not None and role == Role.WARDEN) else None
    _refuse_person_with_account(person_id, user.id)
    before = snapshot(user, ACCOUNT_FIELDS)
    user.role = role
    user.township_id = township_id if role in (Role.CLERK, Role.ROAD_CHIEF) else None
    user.person_id = person_id
    user.display_name = (display_name or "").strip() or None
    after = snapshot(user, ACCOUNT_FIELDS)
    changed = before != after
    if changed:
        db.session.flush()
        record_audit(AuditAction.USER_UPDATED, user, actor_id=actor_id, before=before, after=after)
    # A road chief's sections follow the account (none once it is not a road chief any more).
    sections_changed = set_chief_sections(user, sections, actor_id=actor_id)
    return changed or sections_changed


def disable_account(actor: User, user: User, reason: str | None = None) -> None:
    """Stop an account from logging in; its open sessions end at their next request."""
    _refuse_self_lockout(actor, user, disabling=True)
    if not user.active:
        raise AccountError(_("The account %(name)s is already disabled.", name=user.username))
    user.active = False
    # The session cookie carries the token: a new one makes every old cookie useless now,
    # not when it expires.
    user.rotate_session_token()
    db.session.flush()
    record_audit(AuditAction.USER_DISABLED, user, before={"active": True}, after={"active": False}, reason=reason, actor_id=actor.id)


def enable_account(user: User, *, actor_id: int | None) -> None:
    """Let a disabled account log in again (with its existing password)."""
    if user.active:
        raise AccountError(_("The account %(name)s is already enabled.", name=user.username))
    user.active = True
    user.failed_logins = 0
    user.locked_until = None
    db.session.flush()
    record_audit(AuditAction.USER_ENABLED, user, before={"active": False}, after={"active": True}, actor_id=actor_id)


def reset_password(user: User, new_password: str, *, actor_id: int | None) -> None:
    """Set a new password chosen by the admin; logs the account out everywhere and unlocks it."""
    if len(new_password) < MIN_PASSWORD_LENGTH:
        raise AccountError(_("The password must have at least %(n)d characters.", n=MIN_PASSWORD_LENGTH))
    user.password_hash = hash_password(new_password)
    user.rotate_session_token()
    # The usual reason for a reset is a user who locked themselves out by guessing.
    user.failed_logins = 0
    user.locked_until = None
    db.session.flush()
    record_audit(AuditAction.USER_PASSWORD_RESET, user, actor_id=actor_id)


def unlock_account(user: User, *, actor_id: int | None) -> None:
    """Clear the failed-login counter and the lock, so the user may try again at once."""
    before = {"failed_logins": user.failed_logins, "locked_until": user.locked_until}
    user.failed_logins = 0
    user.locked_until = None
    db.session.flush()
    record_audit(AuditAction.USER_UNLOCKED, user, before=before, after={"failed_logins": 0, "locked_until": None}, actor_id=actor_id)


def is_locked(user: User, now: dt.datetime | None = None) -> bool:
    """Whether the failed-login lock still holds for this account."""
    if user.locked_until is None:
        return False
    return as_utc(user.locked_until) > (now or utcnow())
