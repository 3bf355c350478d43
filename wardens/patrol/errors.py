"""The patrol area's refusal: a rule said no; the message is for the user, by its field."""
from __future__ import annotations


class PatrolRefusal(ValueError):
    """A check-in, report or line the rules refuse; nothing is saved."""

    def __init__(self, message: str, *, field: str | None = None, status: int = 422) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.status = status
