"""The data model, one module per entity group; importing this registers every table."""
from .assignments import Assignment
from .attendance import AttendanceChange, AttendanceRecord
from .audit import AuditEvent
from .enums import (
    REPORT_OPEN,
    ApplicationSource,
    CheckInKind,
    DismissalState,
    EndReason,
    Flag,
    Labour,
    LineSource,
    MonthState,
    ObjectionState,
    Origin,
    PostKind,
    ReportKind,
    ReportState,
    Role,
    RoundState,
    RunKind,
    Scope,
    Status,
    WorkflowState,
)
from .households import Household, HouseholdFlag
from .months import AttendanceMonth, Stoppage
from .patrol import CheckIn, PatrolSettings, Photo, ReportEvent, RoadLine, RoadReport, get_patrol_settings
from .people import Person
from .places import Township, Village, village_neighbour
from .posts import Post
from .revision import InputRevision, current_revision, problem_hash
from .rounds import AllocationRun, Application, DismissalCase, Objection, Round, RunDecision
from .settings import DEFAULT_PRIORITY_GROUPS, DistrictSettings, get_settings
from .users import LoginAddress, User

__all__ = [
    "ApplicationSource",
    "CheckInKind",
    "LineSource",
    "REPORT_OPEN",
    "ReportKind",
    "ReportState",
    "DismissalState",
    "MonthState",
    "ObjectionState",
    "RoundState",
    "RunKind",
    "WorkflowState",
    "AllocationRun",
    "Application",
    "AttendanceMonth",
    "DismissalCase",
    "Objection",
    "Round",
    "RunDecision",
    "Stoppage",
    "Assignment",
    "AttendanceChange",
    "AttendanceRecord",
    "AuditEvent",
    "CheckIn",
    "PatrolSettings",
    "Photo",
    "ReportEvent",
    "RoadLine",
    "RoadReport",
    "get_patrol_settings",
    "DEFAULT_PRIORITY_GROUPS",
    "DistrictSettings",
    "EndReason",
    "Flag",
    "Household",
    "InputRevision",
    "current_revision",
    "problem_hash",
    "HouseholdFlag",
    "Labour",
    "LoginAddress",
    "Origin",
    "Person",
    "Post",
    "PostKind",
    "Role",
    "Scope",
    "Status",
    "Township",
    "User",
    "Village",
    "get_settings",
    "village_neighbour",
]
