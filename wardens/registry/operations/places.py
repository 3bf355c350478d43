"""Townships, villages and which villages neighbour each other."""
from __future__ import annotations

from decimal import Decimal
from typing import Iterable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ...audit import AuditAction, record_audit, snapshot
from ...extensions import db
from ...models import Post, Township, Village, village_neighbour
from .common import RegistryError, audit_update, clean_text, set_active


def active_village(village: Village | None) -> Village:
    """The village a household or post is placed in: required, and it and its township active."""
    if village is None:
        raise RegistryError(_("Village is required."), "village_id")
    if not village.active or not village.township.active:
        raise RegistryError(_("Village %(name)s is deactivated.", name=village.full_name), "village_id")
    return village


# ---------------------------------------------------------------- townships

def create_township(name: str, *, code: str | None = None, actor_id: int | None) -> Township:
    """Add a township; names are unique in the district."""
    name = _check_township_name(name, None)
    township = Township(name=name, code=clean_text(code, limit=20))
    db.session.add(township)
    db.session.flush()
    record_audit(AuditAction.CREATE, township, after=snapshot(township), actor_id=actor_id)
    return township


def _check_township_name(raw: str | None, existing: Township | None) -> str:
    name = clean_text(raw, limit=50, field="name", what=_l("Name"))
    if not name:
        raise RegistryError(_("Name is required."), "name")
    other = db.session.scalar(select(Township).where(Township.name == name))
    if other is not None and other is not existing:
        raise RegistryError(_("A township named %(name)s already exists.", name=name), "name")
    return name


def update_township(township: Township, *, name: str, code: str | None = None, actor_id: int | None) -> Township:
    """Rename a township or change its code."""
    before = snapshot(township)
    township.name = _check_township_name(name, township)
    township.code = clean_text(code, limit=20)
    db.session.flush()
    audit_update(township, before, actor_id=actor_id)
    return township


def deactivate_township(township: Township, *, actor_id: int | None) -> None:
    """Deactivate a township; refused while it has active villages."""
    active = [v.name for v in township.villages if v.active]
    if active:
        raise RegistryError(
            _("Township %(name)s still has %(n)d active villages (%(names)s); deactivate them first.",
              name=township.name, n=len(active), names="、".join(active[:5]))
        )
    set_active(township, False, actor_id=actor_id)


def reactivate_township(township: Township, *, actor_id: int | None) -> None:
    """Make a deactivated township active again."""
    set_active(township, True, actor_id=actor_id)


# ---------------------------------------------------------------- villages

def _check_village_name(raw: str | None, township: Township, existing: Village | None) -> str:
    name = clean_text(raw, limit=50, field="name", what=_l("Name"))
    if not name:
        raise RegistryError(_("Name is required."), "name")
    other = db.session.scalar(
        select(Village).where(Village.township_id == township.id, Village.name == name)
    )
    if other is not None and other is not existing:
        raise RegistryError(
            _("%(township)s already has a village named %(name)s.", township=township.name, name=name), "name"
        )
    return name


def _check_road_km(value: Decimal | None) -> Decimal | None:
    if value is None:
        return None
    if value < 0:
        raise RegistryError(_("Road length cannot be negative."), "road_km")
    return value


def create_village(township: Township, name: str, *, code: str | None = None,
                   road_km: Decimal | None = None, actor_id: int | None) -> Village:
    """Add a village to an active township."""
    if not township.active:
        raise RegistryError(_("Township %(name)s is deactivated.", name=township.name), "township_id")
    village = Village(
        township_id=township.id,
        name=_check_village_name(name, township, None),
        code=clean_text(code, limit=20),
        road_km=_check_road_km(road_km),
    )
    village.township = township
    db.session.add(village)
    db.session.flush()
    record_audit(AuditAction.CREATE, village, after=snapshot(village), actor_id=actor_id)
    return village


def update_village(village: Village, *, name: str, code: str | None = None,
                   road_km: Decimal | None = None, actor_id: int | None) -> Village:
    """Rename a village, change its code or its road length."""
    before = snapshot(village)
    village.name = _check_village_name(name, village.township, village)
    village.code = clean_text(code, limit=20)
    village.road_km = _check_road_km(road_km)
    db.session.flush()
    audit_update(village, before, actor_id=actor_id)
    return village


def set_neighbours(village: Village, neighbours: Iterable[Village], *, actor_id: int | None) -> None:
    """Replace a village's neighbours, writing each link in both directions."""
    wanted = {v.id for v in neighbours if v.id != village.id}
    current = {v.id for v in village.neighbours}
    if wanted == current:
        return
    removed = current - wanted
    added = wanted - current
    table = village_neighbour
    for other in removed:
        db.session.execute(table.delete().where(
            ((table.c.village_id == village.id) & (table.c.neighbour_id == other))
            | ((table.c.village_id == other) & (table.c.neighbour_id == village.id))
        ))
    for other in added:
        db.session.execute(table.insert(), [
            {"village_id": village.id, "neighbour_id": other},
            {"village_id": other, "neighbour_id": village.id},
        ])
    db.session.flush()
    db.session.expire(village, ["neighbours"])
    record_audit(AuditAction.NEIGHBOURS, village, before={"neighbours": sorted(current)}, after={"neighbours": sorted(wanted)}, actor_id=actor_id)


def deactivate_village(village: Village, *, actor_id: int | None) -> None:
    """Deactivate a village; refused while it has active posts."""
    active = db.session.scalars(
        select(Post.code).where(Post.village_id == village.id, Post.active.is_(True)).order_by(Post.code)
    ).all()
    if active:
        raise RegistryError(
            _("Village %(name)s still has %(n)d active posts (%(codes)s); deactivate or move them first.",
              name=village.full_name, n=len(active), codes="、".join(active[:5]))
        )
    set_active(village, False, actor_id=actor_id)


def reactivate_village(village: Village, *, actor_id: int | None) -> None:
    """Make a deactivated village active again (its township must be active)."""
    if not village.township.active:
        raise RegistryError(_("Township %(name)s is deactivated.", name=village.township.name))
    set_active(village, True, actor_id=actor_id)
