"""Reading a road section's line from a GPX, KML, KMZ or GeoJSON file.

The files come from outside (a GPS logger, 奥维/Google Earth, a GIS), so the XML is read
with expat directly and refuses any document type declaration: no entity can be
declared, so neither an external entity (XXE) nor an exponential one (billion laughs)
can be expanded. Sizes are capped before parsing and points counted while reading.

A KMZ (what Google Earth and 奥维 export) is a zip holding one KML (doc.kml, perhaps with
icons beside it): only that KML is inflated, in bounded chunks by the site's one zip rule
(`wardens.spreadsheets.zips`), to at most the size a KML file may have, and then read
exactly like an uploaded KML.

`read_line(filename, data)` returns the points as (lat, lon) or raises LineFileError
listing every problem found.
"""
from __future__ import annotations

import io
import json
import math
import zipfile
import zlib
import xml.etree.ElementTree as ET
from typing import Any, Iterable
from xml.parsers import expat

from flask_babel import gettext as _

from ..errors import BadInput
from ..models import LineSource
from ..spreadsheets.zips import BROKEN_ZIP, inflate
from .geo import Point

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_POINTS = 5000
MAX_DEPTH = 64
FORMATS = ("gpx", "kml", "kmz", "geojson")
# A KMZ from Google Earth holds doc.kml and a few icons; an archive of hundreds is something else.
MAX_KMZ_MEMBERS = 200
ZIP_MAGIC = b"PK\x03\x04"


class LineFileError(BadInput):
    """A line file that cannot be used; `messages` lists every reason, shown by the upload's file field."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("\n".join(messages), field="file")
        self.messages = list(messages)


class _Refused(Exception):
    pass


def parse_xml_safely(data: bytes) -> ET.Element:
    """An element tree from untrusted XML: no DTD, no entities, bounded depth."""
    builder = ET.TreeBuilder()
    parser = expat.ParserCreate(namespace_separator="}")
    depth = 0

    def refuse_doctype(*_args: Any) -> None:
        raise _Refused(_("The file declares a document type (DTD); line files never need one, so it is refused."))

    def start(tag: str, attrs: dict[str, str]) -> None:
        nonlocal depth
        depth += 1
        if depth > MAX_DEPTH:
            raise _Refused(_("The file nests elements more than %(n)d deep.", n=MAX_DEPTH))
        builder.start("{" + tag if "}" in tag else tag, attrs)

    def end(tag: str) -> None:
        nonlocal depth
        depth -= 1
        builder.end("{" + tag if "}" in tag else tag)

    parser.StartDoctypeDeclHandler = refuse_doctype
    parser.EntityDeclHandler = refuse_doctype
    parser.ExternalEntityRefHandler = refuse_doctype
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = builder.data
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        parser.Parse(data, True)
    except _Refused as exc:
        raise LineFileError([str(exc)]) from None
    except expat.ExpatError as exc:
        raise LineFileError([_("The file is not well-formed XML (line %(line)d: %(why)s).",
                               line=exc.lineno, why=expat.errors.messages.get(exc.code, str(exc)))]) from None
    return builder.close()


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _number(text: str | None) -> float | None:
    try:
        value = float((text or "").strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _check_points(points: list[Point], errors: list[str]) -> None:
    if len(points) < 2:
        errors.append(_("A road line needs at least two points; the file gives %(n)d.", n=len(points)))
    if len(points) > MAX_POINTS:
        errors.append(_("The line has %(n)d points; at most %(max)d are kept for a section.", n=len(points), max=MAX_POINTS))
    for i, (lat, lon) in enumerate(points, start=1):
        if not -90 <= lat <= 90 or not -180 <= lon <= 180:
            errors.append(_("Point %(i)d (%(lat)s, %(lon)s) is not a place on Earth.", i=i, lat=lat, lon=lon))
            if len(errors) > 20:
                return


def _lines_gpx(root: ET.Element, errors: list[str]) -> list[list[Point]]:
    """A GPX file's tracks (the segments of one track joined) and routes."""
    lines: list[list[Point]] = []
    for el in root.iter():
        name = _local(el.tag)
        if name in ("trk", "rte"):
            tag = "trkpt" if name == "trk" else "rtept"
            points: list[Point] = []
            for n, pt in enumerate((p for p in el.iter() if _local(p.tag) == tag), start=1):
                lat, lon = _number(pt.get("lat")), _number(pt.get("lon"))
                if lat is None or lon is None:
                    errors.append(_("Point %(i)d has no readable lat/lon.", i=n))
                    continue
                points.append((lat, lon))
                if len(points) > MAX_POINTS:
                    break
            lines.append(points)
    return lines


def _kml_coordinates(text: str, errors: list[str]) -> list[Point]:
    points: list[Point] = []
    for n, chunk in enumerate(text.split(), start=1):
        parts = chunk.split(",")
        lon = _number(parts[0]) if parts else None
        lat = _number(parts[1]) if len(parts) > 1 else None
        if lat is None or lon is None:
            errors.append(_("Coordinate %(i)d (“%(text)s”) is not lon,lat.", i=n, text=chunk[:40]))
            continue
        points.append((lat, lon))
        if len(points) > MAX_POINTS:
            break
    return points


def _lines_kml(root: ET.Element, errors: list[str]) -> list[list[Point]]:
    """A KML file's LineStrings (also inside MultiGeometry); points (Placemark/Point) are ignored."""
    lines: list[list[Point]] = []
    for el in root.iter():
        if _local(el.tag) == "LineString":
            coords = next((c for c in el if _local(c.tag) == "coordinates"), None)
            lines.append(_kml_coordinates(coords.text or "" if coords is not None else "", errors))
    return lines


def _geojson_line(coords: Any, errors: list[str]) -> list[Point]:
    points: list[Point] = []
    if not isinstance(coords, list):
        errors.append(_("A LineString's coordinates must be a list of [longitude, latitude]."))
        return points
    for n, pos in enumerate(coords, start=1):
        ok = isinstance(pos, list) and len(pos) >= 2 and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in pos[:2])
        if not ok:
            errors.append(_("Position %(i)d is not [longitude, latitude].", i=n))
            continue
        points.append((float(pos[1]), float(pos[0])))
        if len(points) > MAX_POINTS:
            break
    return points


def _geometries(obj: Any) -> Iterable[dict[str, Any]]:
    if not isinstance(obj, dict):
        return
    kind = obj.get("type")
    if kind == "FeatureCollection" and isinstance(obj.get("features"), list):
        for f in obj["features"]:
            yield from _geometries(f)
    elif kind == "Feature":
        yield from _geometries(obj.get("geometry"))
    elif kind == "GeometryCollection" and isinstance(obj.get("geometries"), list):
        for g in obj["geometries"]:
            yield from _geometries(g)
    elif isinstance(kind, str):
        yield obj


def _lines_geojson(data: bytes, errors: list[str]) -> list[list[Point]]:
    try:
        doc = json.loads(data.decode("utf-8-sig"), parse_constant=lambda c: None)
    except (UnicodeDecodeError, ValueError) as exc:
        errors.append(_("The file is not valid GeoJSON (JSON): %(why)s.", why=str(exc)[:120]))
        return []
    lines: list[list[Point]] = []
    for geom in _geometries(doc):
        if geom["type"] == "LineString":
            lines.append(_geojson_line(geom.get("coordinates"), errors))
        elif geom["type"] == "MultiLineString" and isinstance(geom.get("coordinates"), list):
            lines.extend(_geojson_line(part, errors) for part in geom["coordinates"])
    return lines


def detect_format(filename: str, data: bytes) -> str | None:
    name = filename.lower()
    for ext, fmt in ((".gpx", "gpx"), (".kml", "kml"), (".kmz", "kmz"), (".geojson", "geojson"), (".json", "geojson")):
        if name.endswith(ext):
            return fmt
    if data.startswith(ZIP_MAGIC):
        return "kmz"
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"{"):
        return "geojson"
    if b"<gpx" in data[:2048]:
        return "gpx"
    if b"<kml" in data[:2048]:
        return "kml"
    return None


SOURCES = {"gpx": LineSource.GPX, "kml": LineSource.KML, "kmz": LineSource.KMZ, "geojson": LineSource.GEOJSON}


def _kmz_unreadable() -> LineFileError:
    return LineFileError([_("The KMZ file is damaged, encrypted or compressed in a way it cannot be read; "
                            "export it again from Google Earth or 奥维.")])


def _kmz_too_big() -> LineFileError:
    return LineFileError([_("The KML inside the KMZ unpacks to more than %(max)d KB; a line file may be at most "
                            "that.", max=MAX_FILE_BYTES // 1024)])


def kml_of_kmz(data: bytes) -> bytes:
    """The KML a KMZ holds: doc.kml, else the only .kml in it (at its top level first); LineFileError otherwise."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        raise LineFileError([_("The file is not a valid KMZ (a zipped KML).")]) from None
    with zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        if len(infos) > MAX_KMZ_MEMBERS:
            raise LineFileError([_("The KMZ holds %(n)d files; a road section's KMZ holds one KML (and its icons).",
                                   n=len(infos))])
        kmls = [i for i in infos if i.filename.lower().endswith(".kml")]
        top = [i for i in kmls if "/" not in i.filename.strip("/")]
        doc = [i for i in kmls if i.filename.lower() == "doc.kml"]
        chosen = doc or (top if len(top) == 1 else []) or (kmls if len(kmls) == 1 else [])
        if not kmls:
            raise LineFileError([_("The KMZ holds no KML file.")])
        if not chosen:
            raise LineFileError([_("The KMZ holds %(n)d KML files and none is doc.kml; keep only the post's section "
                                   "in it.", n=len(kmls))])
        info = chosen[0]
        if info.file_size > MAX_FILE_BYTES:
            raise _kmz_too_big()
        try:
            return b"".join(inflate(zf, info, [MAX_FILE_BYTES], unreadable=_kmz_unreadable, too_big=_kmz_too_big))
        except LineFileError:
            raise
        except (*BROKEN_ZIP, zlib.error):
            raise _kmz_unreadable() from None


def read_line_file(filename: str, data: bytes) -> tuple[list[Point], LineSource]:
    """The one road line an uploaded file holds and what kind of file it was, or LineFileError."""
    return read_line(filename, data), SOURCES[detect_format(filename, data) or "geojson"]


def read_line(filename: str, data: bytes) -> list[Point]:
    """The one road line a GPX, KML, KMZ or GeoJSON file holds, or LineFileError with every problem."""
    if len(data) > MAX_FILE_BYTES:
        raise LineFileError([_("The file is %(kb)d KB; a line file may be at most %(max)d KB.",
                               kb=len(data) // 1024, max=MAX_FILE_BYTES // 1024)])
    if not data.strip():
        raise LineFileError([_("The file is empty.")])
    fmt = detect_format(filename, data)
    if fmt is None:
        raise LineFileError([_("Give a GPX, KML, KMZ or GeoJSON file (.gpx, .kml, .kmz, .geojson).")])
    if fmt == "kmz":
        data, fmt = kml_of_kmz(data), "kml"
        if not data.strip():
            raise LineFileError([_("The file is empty.")])
    errors: list[str] = []
    if fmt == "geojson":
        lines = _lines_geojson(data, errors)
    else:
        root = parse_xml_safely(data)
        expected = "gpx" if fmt == "gpx" else "kml"
        if _local(root.tag) != expected:
            raise LineFileError([_("The file's root element is <%(found)s>, not <%(expected)s>.",
                                   found=_local(root.tag), expected=expected)])
        lines = _lines_gpx(root, errors) if fmt == "gpx" else _lines_kml(root, errors)
    lines = [line for line in lines if line]
    if not lines and not errors:
        errors.append(_("The file holds no line (a track, route or LineString)."))
    elif len(lines) > 1:
        errors.append(_("The file holds %(n)d lines; keep only the post's section in it (one track, route or LineString).",
                        n=len(lines)))
    if lines and len(lines) == 1:
        _check_points(lines[0], errors)
    if errors:
        raise LineFileError(errors[:50])
    return lines[0]
