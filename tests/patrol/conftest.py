"""A small district for the patrol tests: two townships, wardens with posts and lines, a clerk, the office."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from geographiclib.geodesic import Geodesic

from wardens.extensions import db
from wardens.models import Assignment, Post, RoadLine, User
from wardens.patrol.geo import line_length_m

# A 2 km east-west road near 黄小桥村 (城南镇).
WEST = (31.6800, 116.4700)
EAST = (Geodesic.WGS84.Direct(WEST[0], WEST[1], 90, 2000)["lat2"], Geodesic.WGS84.Direct(WEST[0], WEST[1], 90, 2000)["lon2"])


def offset(point: tuple[float, float], azimuth: float, metres: float) -> tuple[float, float]:
    g = Geodesic.WGS84.Direct(point[0], point[1], azimuth, metres)
    return g["lat2"], g["lon2"]


def middle_north(metres: float) -> tuple[float, float]:
    """A point `metres` north of the middle of the test road."""
    return offset(offset(WEST, 90, 1000), 0, metres)


@dataclass
class PatrolWorld:
    post: Post
    assignment: Assignment
    warden: User
    other_post: Post
    other_assignment: Assignment
    other_warden: User
    far_post: Post
    far_assignment: Assignment
    far_warden: User
    clerk: User
    far_clerk: User
    office: User
    admin: User


def give_line(post: Post, points: list[tuple[float, float]]) -> RoadLine:
    line = RoadLine(post_id=post.id, points=[list(p) for p in points], length_m=line_length_m(points), source="demo")
    db.session.add(line)
    db.session.flush()
    return line


@pytest.fixture
def world(make: Any, app: Any, tmp_path: Any) -> PatrolWorld:
    app.config["PATROL_PHOTO_DIR"] = str(tmp_path / "photos")
    town = make.township(name="城南镇")
    village = make.village(town, name="黄小桥村")
    far_town = make.township(name="丁集镇")
    far_village = make.village(far_town, name="车贩村")
    term = {"term_start": dt.date(2026, 1, 1), "term_end": dt.date(2026, 12, 31)}
    post = make.post(village, code="CN-01", km=2, road_chief="王路长")
    other_post = make.post(village, code="CN-02", km=2)
    far_post = make.post(far_village, code="DJ-01", km=2)
    a = make.assignment(post=post, **term)
    b = make.assignment(post=other_post, **term)
    c = make.assignment(post=far_post, **term)
    give_line(post, [WEST, EAST])
    give_line(other_post, [offset(WEST, 0, 3000), offset(EAST, 0, 3000)])
    w = PatrolWorld(
        post=post, assignment=a, warden=make.user("warden", person_id=a.person_id),
        other_post=other_post, other_assignment=b, other_warden=make.user("warden", person_id=b.person_id),
        far_post=far_post, far_assignment=c, far_warden=make.user("warden", person_id=c.person_id),
        clerk=make.user("clerk", township_id=town.id), far_clerk=make.user("clerk", township_id=far_town.id),
        office=make.user("office"), admin=make.user("admin"),
    )
    db.session.commit()
    return w


@pytest.fixture
def english(app_ctx: Any) -> Any:
    """Messages in English, to compare them with the source text."""
    from flask_babel import force_locale

    with force_locale("en"):
        yield app_ctx
