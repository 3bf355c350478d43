"""The reallocation rules, one module each; this is the index of the operations views call.

Every operation changes objects and flushes, writes its audit event, never commits and
never reads the request; a refusal raises RefusedError with the precise, translated reason.
"""
from __future__ import annotations

from .adapter import build_problem, run_fill, run_round
from .applications import (
    add_application,
    apply_import,
    change_choices,
    check_import,
    include_current_holders,
    set_exclusion,
    withdraw,
)
from .approval import approve_round, mark_in_force
from .dismissal import approve_fill, clear, dismiss, refresh_flags, start_fill
from .errors import RefusedError
from .notice import record_objection, settle_objection, start_notice
from .pins import pin, unpin
from .rounds import open_round

__all__ = [
    "RefusedError",
    "add_application",
    "apply_import",
    "approve_fill",
    "approve_round",
    "build_problem",
    "change_choices",
    "check_import",
    "clear",
    "dismiss",
    "include_current_holders",
    "mark_in_force",
    "open_round",
    "pin",
    "record_objection",
    "refresh_flags",
    "run_fill",
    "run_round",
    "set_exclusion",
    "settle_objection",
    "start_fill",
    "start_notice",
    "unpin",
    "withdraw",
]
