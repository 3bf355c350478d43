"""The fixed vocabularies of docs/domain.md, stored as short ASCII codes, and the workflows' states.

A workflow's states are a `WorkflowState`: each member has its words (`.label`, in the
reader's language) and the table of the states it may become (`.next_states`), so the
operations that refuse a step and the templates that offer its button read one table.
"""
from __future__ import annotations

from enum import StrEnum
from typing import Any, Iterable, Mapping

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..errors import Refusal


class Labour(StrEnum):
    """Labour ability, ordered none < weak < full."""

    NONE = "none"
    WEAK = "weak"
    FULL = "full"

    @property
    def rank(self) -> int:
        return LABOUR_ORDER.index(self)


LABOUR_ORDER = (Labour.NONE, Labour.WEAK, Labour.FULL)


class Flag(StrEnum):
    """Household flags that priority groups are made of."""

    REGISTERED_POOR = "registered_poor"
    FLOOD_AFFECTED = "flood_affected"
    MONITORING = "monitoring"
    LOW_INCOME = "low_income"
    ZERO_EMPLOYMENT = "zero_employment"
    DISABLED = "disabled"


class PostKind(StrEnum):
    ROAD_WARDEN = "road_warden"
    ROAD_CLEANER = "road_cleaner"
    SAFETY_PERSUADER = "safety_persuader"
    OFFICE_ASSISTANT = "office_assistant"


class Status(StrEnum):
    """Attendance status of one holder-day."""

    PRESENT = "present"
    LEAVE = "leave"
    SICK = "sick"
    ABSENT = "absent"
    REST = "rest"
    STOPPED = "stopped"


class Role(StrEnum):
    ADMIN = "admin"
    OFFICE = "office"
    CLERK = "clerk"
    WARDEN = "warden"
    # 路长: the chief of some road sections (posts) of one township; sees and handles their reports.
    ROAD_CHIEF = "road_chief"


class Origin(StrEnum):
    """How an assignment came about."""

    INITIAL = "initial"
    ROUND = "round"
    MID_YEAR = "mid_year"
    IMPORT = "import"


class EndReason(StrEnum):
    TERM_END = "term_end"
    REALLOCATED = "reallocated"
    DISMISSED = "dismissed"
    RESIGNED = "resigned"
    DECEASED = "deceased"


class Scope(StrEnum):
    """Where an applicant may take a post, relative to where the household lives."""

    VILLAGE = "village"
    NEIGHBOURING = "neighbouring"
    TOWNSHIP = "township"


class Worded(StrEnum):
    """Codes with words: each subclass is given them by `give_words` (or `describe`)."""

    @property
    def label(self) -> str:
        """The words for this code in the reader's language."""
        return str(_WORDS[type(self)][self])

    @classmethod
    def label_of(cls, code: object) -> str:
        """The words for a stored code ("" for none), or the code itself when it is not one of ours (an old audit row)."""
        if code is None or code == "":
            return ""
        try:
            return cls(code).label
        except ValueError:
            return str(code)

    @classmethod
    def choices(cls) -> list[tuple[str, Any]]:
        """(code, words) for a select field, the words lazy: translated when the form is shown."""
        return [(member.value, _WORDS[cls][member]) for member in cls]


class WorkflowState(Worded):
    """A state of one workflow. Each subclass is described by `describe` (labels and transitions)."""

    @property
    def next_states(self) -> frozenset["WorkflowState"]:
        """The states this one may become in one step."""
        return _NEXT[type(self)][self]

    def may_become(self, state: "WorkflowState") -> bool:
        return state in self.next_states

    @classmethod
    def thing(cls) -> str:
        """What has this workflow, in words ("the round")."""
        return str(_THING[cls])


_WORDS: dict[type, dict[Any, Any]] = {}
_NEXT: dict[type, dict[Any, frozenset[Any]]] = {}
_THING: dict[type, Any] = {}


def give_words(codes: type[Worded], words: Mapping[Any, Any]) -> None:
    assert set(words) == set(codes), f"{codes.__name__}: every code needs its words"
    _WORDS[codes] = dict(words)


def describe(state: type[WorkflowState], thing: Any, words: Mapping[Any, Any],
             steps: Mapping[Any, Iterable[Any]]) -> None:
    """Give a workflow its words and its transition table (a state left out of `steps` is final)."""
    assert set(steps) <= set(state) and all(set(t) <= set(state) for t in steps.values())
    give_words(state, words)
    _THING[state] = thing
    _NEXT[state] = {member: frozenset(steps.get(member, ())) for member in state}


def require_state(obj: Any, *allowed: WorkflowState) -> None:
    """Refuse (409) unless ``obj.state`` is one of the allowed states, naming both in words."""
    state = obj.state
    if state in allowed:
        return
    raise Refusal(_("This cannot be done while %(thing)s is “%(state)s”; it needs it to be “%(wanted)s”.",
                    thing=type(allowed[0]).thing(), state=state.label,
                    wanted="”/“".join(s.label for s in allowed)))


def require_step(obj: Any, target: WorkflowState) -> None:
    """Refuse (409) unless the workflow's table lets ``obj.state`` become ``target`` in one step."""
    if not obj.state.may_become(target):
        allowed = [s for s in type(target) if s.may_become(target)]
        require_state(obj, *allowed)


class RoundState(WorkflowState):
    """A yearly round (动态调整): applications → proposed → notice → approved → in force."""

    APPLICATIONS = "applications"
    PROPOSED = "proposed"
    NOTICE = "notice"
    APPROVED = "approved"
    IN_FORCE = "in_force"


describe(
    RoundState,
    _l("the round"),
    {
        RoundState.APPLICATIONS: _l("Applications open"),
        RoundState.PROPOSED: _l("Proposal calculated"),
        RoundState.NOTICE: _l("On public notice"),
        RoundState.APPROVED: _l("Approved"),
        RoundState.IN_FORCE: _l("In force"),
    },
    {
        RoundState.APPLICATIONS: (RoundState.PROPOSED,),  # the matcher's first run
        RoundState.PROPOSED: (RoundState.NOTICE,),  # a run goes to public notice
        RoundState.NOTICE: (RoundState.APPROVED,),  # approved once the notice is over, objections settled
        RoundState.APPROVED: (RoundState.IN_FORCE,),  # on the term's first day
    },
)
# Applications, choices and pins may change, and the matcher may run again.
ROUND_EDITABLE = (RoundState.APPLICATIONS, RoundState.PROPOSED)
# Not finished: a second round for the same year would compete with it.
ROUND_UNFINISHED = (RoundState.APPLICATIONS, RoundState.PROPOSED, RoundState.NOTICE)
# Its chosen run is public: wardens may see their decision.
ROUND_PUBLISHED = (RoundState.NOTICE, RoundState.APPROVED, RoundState.IN_FORCE)
# Its agreements are made: they hold for the term.
ROUND_AGREED = (RoundState.APPROVED, RoundState.IN_FORCE)


class MonthState(WorkflowState):
    """A township's attendance month: recording → submitted → closed (a month nobody touched is recording)."""

    RECORDING = "recording"
    SUBMITTED = "submitted"
    CLOSED = "closed"


describe(
    MonthState,
    _l("the month"),
    {MonthState.RECORDING: _l("Recording"), MonthState.SUBMITTED: _l("Submitted"), MonthState.CLOSED: _l("Closed")},
    {
        MonthState.RECORDING: (MonthState.SUBMITTED,),  # the clerk submits it
        MonthState.SUBMITTED: (MonthState.CLOSED, MonthState.RECORDING),  # the office closes it or sends it back
        MonthState.CLOSED: (MonthState.RECORDING,),  # an admin reopens it, with a reason
    },
)


class StoppageState(WorkflowState):
    """A 停工 declaration: in force until the office undoes it as one action (the days it overwrote come back)."""

    DECLARED = "declared"
    UNDONE = "undone"


describe(
    StoppageState,
    _l("the work stoppage"),
    {StoppageState.DECLARED: _l("In force"), StoppageState.UNDONE: _l("Undone")},
    {StoppageState.DECLARED: (StoppageState.UNDONE,)},  # the office undoes it while its months are open
)


class ObjectionState(WorkflowState):
    """An objection raised during the public notice: open until its outcome is recorded."""

    OPEN = "open"
    SETTLED = "settled"


describe(
    ObjectionState,
    _l("the objection"),
    {ObjectionState.OPEN: _l("Not yet settled"), ObjectionState.SETTLED: _l("Settled")},
    {ObjectionState.OPEN: (ObjectionState.SETTLED,)},
)


class DismissalState(WorkflowState):
    """A dismissal flag (清退): open until staff dismiss the holder or clear the flag, with a reason.

    The case stores the decision (`DismissalCase.decision`, NULL while open).
    """

    OPEN = "open"
    DISMISSED = "dismissed"
    CLEARED = "cleared"


describe(
    DismissalState,
    _l("the flag"),
    {DismissalState.OPEN: _l("Awaiting decision"), DismissalState.DISMISSED: _l("Dismissed from the post"),
     DismissalState.CLEARED: _l("Flag cleared")},
    {
        DismissalState.OPEN: (DismissalState.DISMISSED, DismissalState.CLEARED),
        # The office undoes a dismissal while no fill of the slot has been approved: the flag is open again.
        DismissalState.DISMISSED: (DismissalState.OPEN,),
    },
)
# What a decision may be: every state but the open one.
DISMISSAL_DECISIONS = (DismissalState.DISMISSED, DismissalState.CLEARED)


class RunKind(Worded):
    """What a matcher run was for."""

    ROUND = "round"  # a yearly round's proposal
    MID_YEAR = "mid_year"  # filling one post's free slots during the year


give_words(RunKind, {RunKind.ROUND: _l("Yearly round"), RunKind.MID_YEAR: _l("Mid-year fill")})


class ApplicationSource(Worded):
    """How an application came into a round."""

    MANUAL = "manual"  # typed in by the office
    HOLDER = "holder"  # a current holder, included when the round opened
    IMPORT = "import"  # from an applications spreadsheet
    DEMO = "demo"  # the demo loader's


give_words(ApplicationSource, {
    ApplicationSource.MANUAL: _l("Entered by the office"),
    ApplicationSource.HOLDER: _l("Current holder"),
    ApplicationSource.IMPORT: _l("Imported"),
    ApplicationSource.DEMO: _l("Demo data"),
})


class Exclusion(Worded):
    """Why an application is kept out of a round's matching (the staff's decision, with a note)."""

    STABLE_EMPLOYMENT = "stable_employment"
    AWAY_WORKING = "away_working"
    ANOTHER_POST = "another_post"
    OTHER = "other"


give_words(Exclusion, {
    Exclusion.STABLE_EMPLOYMENT: _l("Stable employment"),
    Exclusion.AWAY_WORKING: _l("Long-term migrant work"),
    Exclusion.ANOTHER_POST: _l("Holds another public-welfare post"),
    Exclusion.OTHER: _l("Other reason"),
})


class DismissalRule(Worded):
    """The rule that raised a dismissal flag (docs/domain.md, "Dismissal")."""

    ATTENDANCE = "attendance"  # flags of before the two attendance rules were told apart
    ABSENT_DAYS = "absent_days"
    LOW_RATE = "low_rate"
    AGE = "age"
    NO_PRIORITY_GROUP = "no_priority_group"
    TWO_POSTS = "two_posts"
    DUPLICATE_IDENTITY = "duplicate_identity"
    STABLE_EMPLOYMENT = "stable_employment"
    AWAY_WORKING = "away_working"
    NO_ON_SECTION_PATROL = "no_on_section_patrol"  # evidence from patrol check-ins, for staff to judge


give_words(DismissalRule, {
    DismissalRule.ATTENDANCE: _l("Attendance below the limits"),
    DismissalRule.ABSENT_DAYS: _l("Too many unexcused absences in a month"),
    DismissalRule.LOW_RATE: _l("Attendance rate low for months in a row"),
    DismissalRule.AGE: _l("Age past the limit"),
    DismissalRule.NO_PRIORITY_GROUP: _l("Household no longer in any priority group"),
    DismissalRule.TWO_POSTS: _l("Holds two posts"),
    DismissalRule.DUPLICATE_IDENTITY: _l("Duplicate identity"),
    DismissalRule.STABLE_EMPLOYMENT: _l("Stable employment"),
    DismissalRule.AWAY_WORKING: _l("Long-term work away from home"),
    DismissalRule.NO_ON_SECTION_PATROL: _l("No on-section patrol (人岗不在?)"),
})



class CheckInKind(Worded):
    """Which tap a patrol check-in is: the start (开始巡查) or the end (结束巡查) of a patrol."""

    START = "start"
    END = "end"


give_words(CheckInKind, {CheckInKind.START: _l("Patrol start"), CheckInKind.END: _l("Patrol end")})


class ReportKind(Worded):
    """What is wrong with the road (路况上报)."""

    POTHOLE = "pothole"
    LANDSLIDE = "landslide"
    WATER_DAMAGE = "water_damage"
    OBSTACLE = "obstacle"
    LITTER = "litter"
    SIGN_DAMAGE = "sign_damage"
    OTHER = "other"


give_words(ReportKind, {
    ReportKind.POTHOLE: _l("Pothole"),
    ReportKind.LANDSLIDE: _l("Landslide / slip"),
    ReportKind.WATER_DAMAGE: _l("Water damage"),
    ReportKind.OBSTACLE: _l("Fallen tree / obstacle"),
    ReportKind.LITTER: _l("Litter"),
    ReportKind.SIGN_DAMAGE: _l("Damaged sign"),
    ReportKind.OTHER: _l("Other"),
})


class ReportState(WorkflowState):
    """A road report's workflow: reported (已上报) → dispatched (已派发) → resolved (已处理)."""

    REPORTED = "reported"
    DISPATCHED = "dispatched"
    RESOLVED = "resolved"

    @property
    def is_open(self) -> bool:
        return self is not ReportState.RESOLVED


describe(
    ReportState,
    _l("the report"),
    {ReportState.REPORTED: _l("Reported"), ReportState.DISPATCHED: _l("Dispatched"),
     ReportState.RESOLVED: _l("Resolved")},
    {
        ReportState.REPORTED: (ReportState.DISPATCHED,),  # the office (or the section's road chief) dispatches it
        ReportState.DISPATCHED: (ReportState.RESOLVED,),  # marked resolved once the road is put right
    },
)
# Not yet resolved: what the home pages count and the road chief's worklist shows.
REPORT_OPEN = (ReportState.REPORTED, ReportState.DISPATCHED)


class LineSource(Worded):
    """Where a road section's line came from."""

    GPX = "gpx"
    KML = "kml"
    KMZ = "kmz"  # a zipped KML (Google Earth, 奥维)
    GEOJSON = "geojson"
    DRAWN = "drawn"
    DEMO = "demo"


give_words(LineSource, {
    LineSource.GPX: _l("GPX file"),
    LineSource.KML: _l("KML file"),
    LineSource.KMZ: _l("KMZ file"),
    LineSource.GEOJSON: _l("GeoJSON file"),
    LineSource.DRAWN: _l("Drawn on the map"),
    LineSource.DEMO: _l("Demo data"),
})


def enum_column(enum: type[StrEnum], *, length: int, name: str = "known", constraint: bool = True) -> sa.Enum:
    """A column type holding an enum's codes (its values, not its member names) as text, with a CHECK.

    ``name`` names the CHECK constraint (the table's naming convention adds ``ck_<table>_``);
    ``constraint=False`` when the table states a narrower one itself.
    """
    return sa.Enum(enum, native_enum=False, create_constraint=constraint, length=length, name=name,
                   values_callable=lambda members: [m.value for m in members], validate_strings=True)


def sql_in(enum: type[StrEnum]) -> str:
    """The body of a CHECK constraint listing an enum's codes."""
    return ", ".join(f"'{m.value}'" for m in enum)
