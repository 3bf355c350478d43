"""Reading a section's line from GPX, KML and GeoJSON files written by GPSBabel 1.8 (Debian),
and refusing hostile or broken files with every reason."""
from pathlib import Path

import pytest

from wardens.patrol.geo import line_length_m
from wardens.patrol.shapes import MAX_FILE_BYTES, LineFileError, read_line

FIXTURES = Path(__file__).parent / "fixtures"
FIRST = (31.68012, 116.47105)
LAST = (31.69477, 116.49070)


@pytest.mark.parametrize("name", ["huangxiaoqiao.gpx", "huangxiaoqiao.kml", "huangxiaoqiao.geojson"])
def test_the_same_track_reads_the_same_from_every_format(english, name):
    points = read_line(name, (FIXTURES / name).read_bytes())
    assert len(points) == 12
    assert points[0] == pytest.approx(FIRST, abs=1e-6)
    assert points[-1] == pytest.approx(LAST, abs=1e-6)
    # The geodesic sum of its 11 legs; Pythagoras on raw degrees would say 2.20 km.
    assert line_length_m(points) == pytest.approx(2526.70, abs=0.05)


def test_a_gpx_track_split_in_segments_is_one_line(english):
    gpx = (FIXTURES / "huangxiaoqiao.gpx").read_text()
    split = gpx.replace('</trkpt>\n      <trkpt lat="31.686550000"', '</trkpt>\n    </trkseg>\n    <trkseg>\n      <trkpt lat="31.686550000"', 1)
    assert split.count("<trkseg>") == 2
    assert len(read_line("a.gpx", split.encode())) == 12


def test_a_gpx_route_is_read_too(english):
    gpx = b"""<?xml version="1.0"?><gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1">
    <rte><rtept lat="31.7" lon="116.5"/><rtept lat="31.71" lon="116.51"/></rte></gpx>"""
    assert read_line("r.gpx", gpx) == [(31.7, 116.5), (31.71, 116.51)]


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<gpx><trk><name>&lol3;</name></trk></gpx>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE kml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><name>&xxe;</name>
<LineString><coordinates>116.5,31.7 116.51,31.71</coordinates></LineString></Placemark></kml>"""


@pytest.mark.parametrize("name, data", [("bomb.gpx", BILLION_LAUGHS), ("xxe.kml", XXE)])
def test_a_document_type_declaration_is_refused(english, name, data):
    with pytest.raises(LineFileError) as err:
        read_line(name, data)
    assert err.value.messages == ["The file declares a document type (DTD); line files never need one, so it is refused."]


def test_utf16_does_not_hide_a_doctype(english):
    data = XXE.replace(b'<?xml version="1.0"?>', b'<?xml version="1.0" encoding="UTF-16"?>').decode().encode("utf-16")
    with pytest.raises(LineFileError) as err:
        read_line("xxe.kml", data)
    assert "document type" in err.value.messages[0]


def test_too_big_is_refused_before_parsing(english):
    with pytest.raises(LineFileError) as err:
        read_line("big.geojson", b" " * (MAX_FILE_BYTES + 1))
    assert err.value.messages == ["The file is 2048 KB; a line file may be at most 2048 KB."]


@pytest.mark.parametrize(
    "name, data, messages",
    [
        ("x.txt", b"hello", ["Give a GPX, KML or GeoJSON file (.gpx, .kml, .geojson)."]),
        ("x.gpx", b"", ["The file is empty."]),
        ("x.gpx", b"<gpx><trk>", ["The file is not well-formed XML (line 1: no element found)."]),
        ("x.kml", b"<gpx/>", ["The file's root element is <gpx>, not <kml>."]),
        ("x.geojson", b'{"type": "Point", "coordinates": [116.5, 31.7]}',
         ["The file holds no line (a track, route or LineString)."]),
        ("x.geojson", b'{"type": "LineString", "coordinates": [[116.5, 31.7]]}',
         ["A road line needs at least two points; the file gives 1."]),
        ("x.geojson", b'{"type": "LineString", "coordinates": [[116.5, 31.7], [NaN, 31.7], [216.5, 31.7], "a"]}',
         ["Position 2 is not [longitude, latitude].", "Position 4 is not [longitude, latitude].",
          "Point 2 (31.7, 216.5) is not a place on Earth."]),
        ("x.geojson", b'{"type": "MultiLineString", "coordinates": [[[116.5, 31.7], [116.6, 31.7]], [[116.5, 31.8], [116.6, 31.8]]]}',
         ["The file holds 2 lines; keep only the post's section in it (one track, route or LineString)."]),
        ("x.geojson", b"\xff\xfe{", ["The file is not valid GeoJSON (JSON): 'utf-8' codec can't decode byte 0xff in position 0: invalid start byte."]),
        ("x.kml", b'<kml><LineString><coordinates>116.5,31.7 abc 116.6</coordinates></LineString></kml>',
         ["Coordinate 2 (\xe2\x80\x9cabc\xe2\x80\x9d) is not lon,lat.".encode().decode("utf-8") if False else "Coordinate 2 (“abc”) is not lon,lat.",
          "Coordinate 3 (“116.6”) is not lon,lat.", "A road line needs at least two points; the file gives 1."]),
    ],
)
def test_bad_files_are_refused_with_every_reason(english, name, data, messages):
    with pytest.raises(LineFileError) as err:
        read_line(name, data)
    assert err.value.messages == messages
