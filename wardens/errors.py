"""The one way a rule says no: a Refusal carries its message, the field it belongs to and an HTTP status.

Operations raise a Refusal (or an area's subclass) when the office's rules forbid what was
asked; nothing they did is kept, because the request's one boundary (`wardens.views`) rolls
the transaction back. The boundary shows the refusal by its field when the submitted form
has that field, else as a message; see docs/architecture.md.

The areas' older error classes (RegistryError, RefusedError, AccountError ...) are
subclasses, and stay ValueErrors too, so code that catches them by name or as a
ValueError keeps working while it is moved to the boundary.
"""
from __future__ import annotations

from typing import Iterable


class Refusal(Exception):
    """The action is refused and nothing was changed; ``messages`` says why, in the reader's language.

    ``field`` names the form field the refusal belongs to (None: the action as a whole);
    ``status`` is the HTTP status of the error page when no form can show it (409 unless
    the class says otherwise: a refusal is most often the state of the records, not the
    request, being in the way).
    """

    status: int = 409

    def __init__(self, message: object, *, field: str | None = None, status: int | None = None) -> None:
        self.message = str(message)
        self.messages: list[str] = [self.message]
        self.field = field
        if status is not None:
            self.status = status
        super().__init__(self.message)

    @classmethod
    def of(cls, messages: Iterable[object], *, field: str | None = None, status: int | None = None) -> "Refusal":
        """One refusal listing several reasons (an import's every faulty row, say)."""
        listed = [str(m) for m in messages]
        refusal = cls("\n".join(listed), field=field, status=status)
        refusal.messages = listed
        return refusal


class BadInput(Refusal):
    """A refusal of what was typed or uploaded, not of the records' state: 422."""

    status = 422
