"""Record ids and page numbers read from text: query strings, hidden fields, grid keys.

`str.isdigit()` is not enough: it accepts "²" and "٣", which int() refuses, and any
number of digits, which SQLite refuses to bind past 64 bits and PostgreSQL's integer
columns past 32. All were 500s.
"""
from __future__ import annotations

from typing import Any

# The largest id the database's id columns hold: PostgreSQL's `integer` (32 bits), which
# every id and foreign key column is. SQLite would take 64 bits, but an id past 2**31 - 1
# reached PostgreSQL as "integer out of range", a 500; now it is no record on both.
MAX_ID = 2**31 - 1
# A page far past any list's last; its row offset still fits a 64-bit integer.
MAX_PAGE = 10**9


def whole_number(raw: Any) -> int | None:
    """The number a text holds when it is ASCII digits from 0 to MAX_ID, else None."""
    text = str(raw if raw is not None else "").strip()
    if not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if value <= MAX_ID else None


def record_id(raw: Any) -> int | None:
    """The record id a text names (1 to MAX_ID), else None: no record has it."""
    value = whole_number(raw)
    return value if value else None


def page_number(raw: Any) -> int:
    """The page a list was asked for; 1 for anything that is not a page number."""
    value = record_id(raw)
    return value if value is not None and value <= MAX_PAGE else 1
