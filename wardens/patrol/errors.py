"""The patrol area's refusal: a rule said no; the message is for the user, by its field."""
from __future__ import annotations

from ..errors import Refusal


class PatrolRefusal(Refusal):
    """A check-in, report or line the rules refuse; the boundary rolls back, so nothing is saved.

    422 unless said otherwise: most are what the phone sent (no location, a stale time).
    """

    status = 422
