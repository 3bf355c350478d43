"""A post's road line: set it from a file or a drawing, and compare its length with the km on record."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from ..audit import AuditAction, record_audit
from ..dates import utcnow
from ..extensions import db
from ..models import LineSource, Post, RoadLine, User
from .errors import PatrolRefusal
from .geo import Point, length_differs, line_length_m
from .shapes import MAX_POINTS

# A line further than this from the district is almost surely lat/lon swapped or another place.
TOLERANCE = 0.20


@dataclass(frozen=True)
class LineSummary:
    length_km: float
    recorded_km: float
    differs: bool
    points: int

    @property
    def difference_pct(self) -> float:
        if self.recorded_km <= 0:
            return 100.0
        return (self.length_km - self.recorded_km) / self.recorded_km * 100


def line_of(post_id: int) -> RoadLine | None:
    return db.session.scalar(select(RoadLine).where(RoadLine.post_id == post_id))


def summarise(line: RoadLine, km: Decimal | float) -> LineSummary:
    recorded = float(km or 0)
    return LineSummary(line.length_m / 1000.0, recorded, length_differs(line.length_m, recorded, TOLERANCE),
                       len(line.points))


def line_summary(post: Post) -> LineSummary | None:
    """The post's line measured against its km on record, or None without a line."""
    line = line_of(post.id)
    return summarise(line, post.km) if line else None


def set_line(post: Post, points: list[Point], source: LineSource, user: User | None) -> RoadLine:
    """Give a post its line (replacing any earlier one), with its geodesic length; audited."""
    if len(points) < 2:
        raise PatrolRefusal(_("A road line needs at least two points."), field="points")
    if len(points) > MAX_POINTS:
        raise PatrolRefusal(_("A line may have at most %(n)d points.", n=MAX_POINTS), field="points")
    line = line_of(post.id)
    before = None
    if line is None:
        line = RoadLine(post_id=post.id)
        db.session.add(line)
    else:
        before = {"points": len(line.points), "length_m": round(line.length_m, 1), "source": line.source}
    line.points = [[round(lat, 7), round(lon, 7)] for lat, lon in points]
    line.length_m = line_length_m([(p[0], p[1]) for p in line.points])
    line.source = source.value
    line.updated_at = utcnow()
    line.updated_by_id = user.id if user else None
    db.session.flush()
    record_audit(AuditAction.ROAD_LINE_SET, line, actor_id=user.id if user else None, before=before,
                 after={"post": post.code, "points": len(line.points), "length_m": round(line.length_m, 1),
                        "source": line.source})
    return line


def clear_line(post: Post, user: User) -> bool:
    """Remove a post's line (check-ins already judged against it keep their verdict); audited."""
    line = line_of(post.id)
    if line is None:
        return False
    record_audit(AuditAction.ROAD_LINE_CLEARED, line, actor_id=user.id, before={"post": post.code, "points": len(line.points),
                                                    "length_m": round(line.length_m, 1), "source": line.source})
    db.session.delete(line)
    db.session.flush()
    return True
