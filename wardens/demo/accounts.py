"""The demo district's accounts: one per role, with fixed readable passwords."""
from __future__ import annotations

from typing import TypedDict

from sqlalchemy import func, select

from ..auth.operations import create_user
from ..extensions import db
from ..models import Role, User

DEMO_URL = "http://127.0.0.1:5000"
# The township whose clerk and warden the demo logs in as.
DEMO_TOWNSHIP = "西河口乡"


class DemoAccount(TypedDict):
    password: str
    role: str
    display_name: str
    township: str | None


# Published in the README and by `flask demo logins`: these are demo data, not secrets.
DEMO_ACCOUNTS: dict[str, DemoAccount] = {
    "admin": {"password": "admin-demo-2026", "role": Role.ADMIN.value,
              "display_name": "系统管理员", "township": None},
    "office": {"password": "office-demo-2026", "role": Role.OFFICE.value,
               "display_name": "路长办 张主任", "township": None},
    "clerk": {"password": "clerk-demo-2026", "role": Role.CLERK.value,
              "display_name": "西河口乡考勤员", "township": DEMO_TOWNSHIP},
    "warden": {"password": "warden-demo-2026", "role": Role.WARDEN.value,
               # The display name is the holder's own name, set when the account is made.
               "display_name": "", "township": DEMO_TOWNSHIP},
}


def taken_demo_usernames() -> list[str]:
    """Demo usernames that already belong to an account (the demo needs them free)."""
    names = [n.lower() for n in DEMO_ACCOUNTS]
    return list(db.session.scalars(
        select(User.username).where(func.lower(User.username).in_(names)).order_by(User.username)
    ))


def create_demo_accounts(township_ids: dict[str, int], warden_person_id: int, warden_name: str) -> dict[str, User]:
    """Make the four demo accounts (admin, office, clerk of 西河口乡, a warden holding a post there)."""
    users: dict[str, User] = {}
    for username, spec in DEMO_ACCOUNTS.items():
        role = spec["role"]
        users[username] = create_user(
            username,
            spec["password"],
            role,
            township_id=township_ids[DEMO_TOWNSHIP] if role == Role.CLERK else None,
            person_id=warden_person_id if role == Role.WARDEN else None,
            display_name=warden_name if role == Role.WARDEN else spec["display_name"],
            actor_id=None,
        )
    return users
