"""Reading a section's line from GPX, KML and GeoJSON files written by GPSBabel 1.8 (Debian), and a
KMZ zipped from that KML by Info-ZIP's zip (doc.kml and an icon, as Google Earth writes it),
and refusing hostile or broken files with every reason."""
import io
import zipfile
from pathlib import Path

import pytest

from wardens.patrol.geo import line_length_m
from wardens.patrol.shapes import MAX_FILE_BYTES, MAX_KMZ_MEMBERS, LineFileError, read_line, read_line_file

FIXTURES = Path(__file__).parent / "fixtures"
FIRST = (31.68012, 116.47105)
LAST = (31.69477, 116.49070)


@pytest.mark.parametrize("name", ["huangxiaoqiao.gpx", "huangxiaoqiao.kml", "huangxiaoqiao.geojson",
                                  "huangxiaoqiao.kmz"])
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
        ("x.txt", b"hello", ["Give a GPX, KML, KMZ or GeoJSON file (.gpx, .kml, .kmz, .geojson)."]),
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


KML = (FIXTURES / "huangxiaoqiao.kml").read_bytes()


def kmz(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out.getvalue()


def test_a_kmz_is_read_through_the_kml_it_holds(english):
    # Named or not: a zip is recognised by its first bytes too (a download saved without its suffix).
    points, source = read_line_file("section", (FIXTURES / "huangxiaoqiao.kmz").read_bytes())
    assert source == "kmz" and points == read_line("a.kml", KML)
    # Not at the top level, not called doc.kml: the only KML there is.
    assert read_line("x.kmz", kmz({"files/pin.png": b"\x89PNG", "路段/巡查线.kml": KML})) == points
    # doc.kml wins over other KML files beside it; stored (not deflated) members read too.
    other = KML.replace(b"116.47105", b"116.47205")
    assert read_line("x.kmz", kmz({"a.kml": other, "doc.kml": KML}, zipfile.ZIP_STORED)) == points


def _lie_about_size(data: bytes, declared: int) -> bytes:
    """The zip with its one member's uncompressed size rewritten (local header and central directory)."""
    raw = bytearray(data)
    for sig, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = raw.find(sig)
        raw[at + offset:at + offset + 4] = declared.to_bytes(4, "little")
    return bytes(raw)


def _encrypted_flag(data: bytes) -> bytes:
    raw = bytearray(data)
    for sig, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = raw.find(sig)
        raw[at + offset] |= 0x1
    return bytes(raw)


# A KML that deflates 3 MB of spaces to a few KB: a small upload, too big once unpacked.
BOMB = kmz({"doc.kml": KML.replace(b"<Document>", b"<Document>" + b" " * (3 * 1024 * 1024), 1)})


@pytest.mark.parametrize("data, message", [
    (b"PK\x03\x04 not really a zip", "The file is not a valid KMZ (a zipped KML)."),
    (kmz({"files/pin.png": b"\x89PNG"}), "The KMZ holds no KML file."),
    (kmz({"a/one.kml": KML, "b/two.kml": KML}),
     "The KMZ holds 2 KML files and none is doc.kml; keep only the post's section in it."),
    (kmz({f"files/{n}.png": b"x" for n in range(MAX_KMZ_MEMBERS + 1)} | {"doc.kml": KML}),
     f"The KMZ holds {MAX_KMZ_MEMBERS + 2} files; a road section's KMZ holds one KML (and its icons)."),
    (BOMB, "The KML inside the KMZ unpacks to more than 2048 KB; a line file may be at most that."),
    # A member that says it is small but inflates past that: zipfile stops at the declared size and the CRC fails.
    (_lie_about_size(BOMB, 1000), "The KMZ file is damaged, encrypted or compressed in a way it cannot be read; "
                                  "export it again from Google Earth or 奥维."),
    (_encrypted_flag(kmz({"doc.kml": KML})), "The KMZ file is damaged, encrypted or compressed in a way it cannot "
                                             "be read; export it again from Google Earth or 奥维."),
    (kmz({"doc.kml": XXE}), "The file declares a document type (DTD); line files never need one, so it is refused."),
    (kmz({"doc.kml": b"  "}), "The file is empty."),
])
def test_a_bad_kmz_is_refused_with_its_reason(english, data, message):
    assert len(data) < MAX_FILE_BYTES
    with pytest.raises(LineFileError) as err:
        read_line("x.kmz", data)
    assert err.value.messages == [message]
