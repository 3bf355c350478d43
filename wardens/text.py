"""What no stored text may hold, for forms and imports alike."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

# Control characters other than tab, line feed and carriage return.  Nobody types
# them: they come pasted or exported from other systems, print as nothing, break
# search and exports, and NUL cannot be stored in PostgreSQL at all. With them, the
# invisible ones that make a text read otherwise than it is: a zero-width space or word
# joiner (姚\u200b华 looks like 姚华 but no search finds it), a byte order mark, and the
# marks, embeddings, overrides and isolates that reorder what follows them on screen.
# Zero-width joiners stay: emoji are made with them.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u200e\u200f\u202a-\u202e"
                                "\u2060\u2066-\u2069\ufeff]")


# What a form or a grid row says about such text (by the field or the row).
CONTROL_CHARACTERS_MESSAGE = _l("This text holds invisible control characters; type it again or remove them.")


def has_control_characters(text: str) -> bool:
    return CONTROL_CHARACTERS.search(text) is not None
