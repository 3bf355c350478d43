"""The patrol area's vocabularies: check-in kinds, report kinds and the report workflow."""
from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext as _l


class CheckInKind(StrEnum):
    """Which tap a check-in is: the start (开始巡查) or the end (结束巡查) of a patrol."""

    START = "start"
    END = "end"

    @property
    def label(self) -> str:
        return str(CHECKIN_KIND_LABELS[self])


CHECKIN_KIND_LABELS = {CheckInKind.START: _l("Patrol start"), CheckInKind.END: _l("Patrol end")}


class ReportKind(StrEnum):
    """What is wrong with the road (路况上报)."""

    POTHOLE = "pothole"
    LANDSLIDE = "landslide"
    WATER_DAMAGE = "water_damage"
    OBSTACLE = "obstacle"
    LITTER = "litter"
    SIGN_DAMAGE = "sign_damage"
    OTHER = "other"

    @property
    def label(self) -> str:
        return str(REPORT_KIND_LABELS[self])


REPORT_KIND_LABELS = {
    ReportKind.POTHOLE: _l("Pothole"),
    ReportKind.LANDSLIDE: _l("Landslide / slip"),
    ReportKind.WATER_DAMAGE: _l("Water damage"),
    ReportKind.OBSTACLE: _l("Fallen tree / obstacle"),
    ReportKind.LITTER: _l("Litter"),
    ReportKind.SIGN_DAMAGE: _l("Damaged sign"),
    ReportKind.OTHER: _l("Other"),
}


class ReportState(StrEnum):
    """A road report's workflow: reported (已上报) → dispatched (已派发) → resolved (已处理)."""

    REPORTED = "reported"
    DISPATCHED = "dispatched"
    RESOLVED = "resolved"

    @property
    def label(self) -> str:
        return str(REPORT_STATE_LABELS[self])

    @property
    def is_open(self) -> bool:
        return self is not ReportState.RESOLVED


REPORT_STATE_LABELS = {
    ReportState.REPORTED: _l("Reported"),
    ReportState.DISPATCHED: _l("Dispatched"),
    ReportState.RESOLVED: _l("Resolved"),
}
# The only moves a report can make; the detail page shows a button for exactly these.
REPORT_TRANSITIONS: dict[ReportState, tuple[ReportState, ...]] = {
    ReportState.REPORTED: (ReportState.DISPATCHED,),
    ReportState.DISPATCHED: (ReportState.RESOLVED,),
    ReportState.RESOLVED: (),
}
# The button for each move.
TRANSITION_ACTIONS = {
    ReportState.DISPATCHED: _l("Dispatch"),
    ReportState.RESOLVED: _l("Mark resolved"),
}
OPEN_STATES = tuple(s for s in ReportState if s.is_open)


class LineSource(StrEnum):
    """Where a road section's line came from."""

    GPX = "gpx"
    KML = "kml"
    GEOJSON = "geojson"
    DRAWN = "drawn"
    DEMO = "demo"


LINE_SOURCE_LABELS = {
    LineSource.GPX: _l("GPX file"),
    LineSource.KML: _l("KML file"),
    LineSource.GEOJSON: _l("GeoJSON file"),
    LineSource.DRAWN: _l("Drawn on the map"),
    LineSource.DEMO: _l("Demo data"),
}
