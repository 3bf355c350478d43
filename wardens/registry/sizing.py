"""Post sizing by need (按需设岗): suggested road-warden slots per village beside the slots it has."""
from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select

from ..access import limit_to_township
from ..extensions import db
from ..models import Post, PostKind, Township, Village, current_settings
from .search import Filters


@dataclass(frozen=True)
class VillageSizing:
    village_id: int
    township: str
    village: str
    km: Decimal
    km_from_village: bool
    suggested: int
    slots: int
    posts: int

    @property
    def difference(self) -> int:
        """Slots minus suggested: negative is short, positive is surplus."""
        return self.slots - self.suggested


def suggested_slots(km: Decimal, km_per_warden: Decimal, cap: int) -> int:
    """One warden per km_per_warden km of road, rounded up, never more than the village cap."""
    if km <= 0:
        return 0
    return min(cap, math.ceil(km / km_per_warden))


def village_sizing(f: Filters) -> list[VillageSizing]:
    """Every active village (a clerk's own township only) with its sizing, in one query."""
    settings = current_settings()
    posts = (
        select(
            Post.village_id.label("village_id"),
            func.coalesce(func.sum(Post.km), 0).label("km"),
            func.coalesce(func.sum(Post.slots), 0).label("slots"),
            func.count(Post.id).label("posts"),
        )
        .where(Post.active.is_(True), Post.kind == PostKind.ROAD_WARDEN.value)
        .group_by(Post.village_id)
        .subquery()
    )
    stmt = (
        select(Village.id, Township.name, Village.name, Village.road_km, posts.c.km, posts.c.slots, posts.c.posts)
        .join(Village.township)
        .outerjoin(posts, posts.c.village_id == Village.id)
        .where(Village.active.is_(True), Township.active.is_(True))
        .order_by(Township.name, Village.name)
    )
    stmt = limit_to_township(stmt, Village.township_id)
    if f.township:
        stmt = stmt.where(Village.township_id == f.township)
    out = []
    for vid, township, village, road_km, post_km, slots, count in db.session.execute(stmt):
        km = Decimal(road_km) if road_km is not None else Decimal(str(post_km or 0))
        out.append(VillageSizing(
            village_id=vid, township=township, village=village, km=km.quantize(Decimal("0.01")),
            km_from_village=road_km is not None,
            suggested=suggested_slots(km, Decimal(settings.km_per_warden), settings.village_post_cap),
            slots=int(slots or 0), posts=int(count or 0),
        ))
    return out
