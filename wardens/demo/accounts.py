"""The demo district's accounts: one per role, with fixed readable passwords."""
from __future__ import annotations

from typing import TypedDict

from sqlalchemy import func, select

from ..admin.operations import set_chief_sections
from ..auth.operations import create_user
from ..extensions import db
from ..models import Assignment, Post, Role, User

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
    # The road chief (路长) of the demo warden's village: chief of every section there; the
    # display name is the chief's name on those posts, set when the account is made.
    "chief": {"password": "chief-demo-2026", "role": Role.ROAD_CHIEF.value,
              "display_name": "", "township": DEMO_TOWNSHIP},
}


def taken_demo_usernames() -> list[str]:
    """Demo usernames that already belong to an account (the demo needs them free)."""
    names = [n.lower() for n in DEMO_ACCOUNTS]
    return list(db.session.scalars(
        select(User.username).where(func.lower(User.username).in_(names)).order_by(User.username)
    ))


def create_demo_accounts(township_ids: dict[str, int], warden_person_id: int, warden_name: str) -> dict[str, User]:
    """Make the demo accounts: admin, office, clerk of 西河口乡, a warden holding a post there, and
    the road chief of that warden's village, chief of its sections (the posts must exist)."""
    village_id = db.session.scalar(select(Post.village_id).join(Assignment, Assignment.post_id == Post.id)
                                   .where(Assignment.person_id == warden_person_id).limit(1))
    sections = list(db.session.execute(select(Post.id, Post.road_chief).where(Post.village_id == village_id)
                                       .order_by(Post.code)))
    names = {
        Role.WARDEN.value: warden_name,
        Role.ROAD_CHIEF.value: next((f"路长 {name}" for _id, name in sections if name), "路长"),
    }
    users: dict[str, User] = {}
    for username, spec in DEMO_ACCOUNTS.items():
        role = spec["role"]
        users[username] = create_user(
            username,
            spec["password"],
            role,
            township_id=township_ids[DEMO_TOWNSHIP] if role in (Role.CLERK, Role.ROAD_CHIEF) else None,
            person_id=warden_person_id if role == Role.WARDEN else None,
            display_name=names.get(role, spec["display_name"]),
            actor_id=None,
        )
    set_chief_sections(users["chief"], [pid for pid, _name in sections], actor_id=None)
    return users
