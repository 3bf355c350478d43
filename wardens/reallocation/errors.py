"""The one error the reallocation rules raise: a refusal whose message says exactly why."""
from __future__ import annotations

from ..errors import Refusal


class RefusedError(Refusal, ValueError):
    """The action is refused; nothing was changed. ``messages`` lists every reason, translated."""

    def __init__(self, *messages: str, field: str | None = None) -> None:
        listed = [str(m) for m in messages]
        super().__init__("\n".join(listed), field=field)
        self.messages = listed
