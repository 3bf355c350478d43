"""Inflating a member of an uploaded zip (.xlsx, .ods, .kmz) in bounded chunks.

One rule for every zip the site reads: only stored or deflated members, never encrypted
ones; the bytes are counted against a budget as they come, whatever the headers declare;
and zipfile itself stops at a member's declared size and checks its CRC, so a member that
inflates past what it declared is refused as broken (BadZipFile).
"""
from __future__ import annotations

import zipfile
from typing import Callable, Iterable

READABLE_COMPRESSION = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
CHUNK = 1 << 20
# What the callers catch from zipfile and zlib when a member is broken.
BROKEN_ZIP = (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError)


def inflate(zf: zipfile.ZipFile, info: zipfile.ZipInfo, budget: list[int], *,
            unreadable: Callable[[], Exception], too_big: Callable[[], Exception]) -> Iterable[bytes]:
    """A member's bytes in chunks; ``budget[0]`` (bytes left) shrinks as they come.

    Raises ``unreadable()`` for an encrypted member or an unknown compression method (before
    zipfile opens it), ``too_big()`` once the budget is spent.
    """
    if info.compress_type not in READABLE_COMPRESSION or info.flag_bits & 0x1:
        raise unreadable()
    with zf.open(info) as member:
        while True:
            chunk = member.read(CHUNK)
            if not chunk:
                break
            budget[0] -= len(chunk)
            if budget[0] < 0:
                raise too_big()
            yield chunk
