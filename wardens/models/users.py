"""Accounts: who may log in, in which role, over which township or person."""
from __future__ import annotations

import datetime as dt
import secrets
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .enums import Role, sql_in

if TYPE_CHECKING:
    from .people import Person
    from .places import Township


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(UserMixin, db.Model):
    __tablename__ = "user"
    __table_args__ = (
        CheckConstraint(f"role IN ({sql_in(Role)})", name="role_known"),
        CheckConstraint("role <> 'clerk' OR township_id IS NOT NULL", name="clerk_has_township"),
        CheckConstraint("role <> 'warden' OR person_id IS NOT NULL", name="warden_has_person"),
        CheckConstraint("role <> 'road_chief' OR township_id IS NOT NULL", name="road_chief_has_township"),
        CheckConstraint("failed_logins >= 0", name="failed_logins_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(50), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(10))
    township_id: Mapped[int | None] = mapped_column(ForeignKey("township.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(50))
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(String(10))
    # Failed logins since the last success; kept here (not in memory) so the
    # limit holds across gunicorn workers.
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # Part of the id Flask-Login keeps in the cookie: replacing it on logout,
    # password change or disabling makes every old cookie useless.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    # Set on each login; reopening a closed month needs a recent one.
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    township: Mapped["Township | None"] = relationship()
    person: Mapped["Person | None"] = relationship()

    # Flask-Login's user protocol is UserMixin's, but for these two.
    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    def rotate_session_token(self) -> None:
        self.session_token = new_session_token()

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


class LoginAddress(db.Model):
    """Failed logins from one network address, so guesses spread over many accounts are slowed too.

    In the database, not in a worker's memory: every gunicorn worker sees the same count.
    """

    __tablename__ = "login_address"
    __table_args__ = (CheckConstraint("failures >= 0", name="address_failures_not_negative"),)

    address: Mapped[str] = mapped_column(String(64), primary_key=True)
    # Failures since window_start; the count starts again once the window has passed.
    failures: Mapped[int] = mapped_column(default=0)
    window_start: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    # No login from this address is checked before then.
    paused_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
