"""The JSON the database columns are written and read with: orjson, strict like the standard library.

A county's matcher run writes 2 MB of JSON (its problem, result, digest and 3,000 decision
records) and the pages read parts of it back; the standard library's encoder spent more time
on that than the solver spent solving (issue #13). orjson does the same work about ten
times faster.

It is kept exactly as strict as `json`: a date, a dataclass or a Decimal that reached a JSON
column by mistake is refused (TypeError) rather than silently turned into a string, and what
orjson cannot hold but `json` can (an integer beyond 64 bits, a non-string key) is written by
`json` instead, so nothing that was stored before is refused now. Non-ASCII text is written as
UTF-8 rather than as \\u escapes: the same value, half the bytes for Chinese.
"""
from __future__ import annotations

import json
import re
from typing import Any

import orjson

# Hand dates, dataclasses and str/int subclasses other than enums to `_refuse` (the standard
# library's behaviour) instead of serialising them natively.
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def _refuse(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def dumps(value: Any) -> str:
    """A value as JSON text (what SQLAlchemy's JSON type stores)."""
    try:
        return orjson.dumps(value, default=_refuse, option=_OPTIONS).decode("utf-8")
    except orjson.JSONEncodeError as exc:
        if isinstance(exc.__cause__, TypeError) and "is not JSON serializable" in str(exc.__cause__):
            raise exc.__cause__ from None
        # Beyond orjson but within json: integers over 64 bits, non-string dict keys, a lone
        # surrogate (written as an escape such as \\ud800, which the database can store and loads reads back).
        return json.dumps(value)


# A run of 19 digits or more may be an integer beyond 64 bits (orjson would read it as a float);
# such texts, and what orjson refuses to read (a lone surrogate's escape), are read by json.
_LONG_NUMBER = re.compile(r"\d{19}")


def loads(text: str | bytes) -> Any:
    """JSON text as the value (what SQLAlchemy's JSON type returns), exactly as it was written."""
    as_text = text.decode("utf-8") if isinstance(text, bytes) else text
    if _LONG_NUMBER.search(as_text):
        return json.loads(as_text)
    try:
        return orjson.loads(as_text)
    except orjson.JSONDecodeError:
        return json.loads(as_text)


def canonical(value: Any) -> bytes:
    """A value's canonical JSON as UTF-8 (sorted keys, no spaces): what a fingerprint hashes.

    The same bytes as json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    for the values problems hold (strings, integers, booleans, lists, dicts), so fingerprints
    taken before orjson stay the same.
    """
    return orjson.dumps(value, default=_refuse, option=_OPTIONS | orjson.OPT_SORT_KEYS)


def engine_options() -> dict[str, Any]:
    """The create_engine options that make every JSON column use this codec."""
    return {"json_serializer": dumps, "json_deserializer": loads}
