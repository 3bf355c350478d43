"""What no stored text may hold, for forms and imports alike."""
from __future__ import annotations

import re

# Control characters other than tab, line feed and carriage return.  Nobody types
# them: they come pasted or exported from other systems, print as nothing, break
# search and exports, and NUL cannot be stored in PostgreSQL at all.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def has_control_characters(text: str) -> bool:
    return CONTROL_CHARACTERS.search(text) is not None
