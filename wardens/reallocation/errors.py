"""The one error the reallocation rules raise: a refusal whose message says exactly why."""
from __future__ import annotations


class RefusedError(ValueError):
    """The action is refused; nothing was changed. ``messages`` lists every reason, translated."""

    def __init__(self, *messages: str, field: str | None = None) -> None:
        self.messages = [str(m) for m in messages]
        self.field = field
        super().__init__("\n".join(self.messages))
