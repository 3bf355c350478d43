"""The fixed vocabularies of domain.md, stored as short ASCII codes."""
from __future__ import annotations

from enum import StrEnum


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


def sql_in(enum: type[StrEnum]) -> str:
    """The body of a CHECK constraint listing an enum's codes."""
    return ", ".join(f"'{m.value}'" for m in enum)
