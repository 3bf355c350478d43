"""Patrol photos: checked to be images, re-encoded without their metadata, stored with random names.

A phone photo carries EXIF: the camera, often the GPS position, sometimes the owner's name.
Only the time it was taken is kept (in the database, not in the file); the stored JPEG is
re-encoded from the pixels, so nothing else survives. Files live under the instance folder
(config PATROL_PHOTO_DIR), named by a random token that says nothing about who or where,
and are served only through the access-checked route.
"""
from __future__ import annotations

import datetime as dt
import io
import os
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from ..extensions import db
from ..models import Photo

# The longest side kept; a phone page already shrinks to about this.
MAX_SIDE = 1600
THUMB_SIDE = 160
# Refuse decompression bombs long before they cost memory: 40 megapixels is a big phone camera.
MAX_PIXELS = 40_000_000
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "MPO"}
EXIF_DATETIME_ORIGINAL = 0x9003
EXIF_DATETIME = 0x0132
EXIF_IFD = 0x8769


class PhotoError(ValueError):
    """A photo that cannot be kept; the message says why, for the photo field."""


@dataclass(frozen=True)
class Cleaned:
    jpeg: bytes
    thumb: bytes
    width: int
    height: int
    taken_at: dt.datetime | None


def photo_dir() -> Path:
    path = Path(current_app.config.get("PATROL_PHOTO_DIR") or Path(current_app.instance_path) / "patrol-photos")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _taken_at(image: Image.Image) -> dt.datetime | None:
    """The EXIF time the picture was taken, read as the district's local time (cameras keep no zone)."""
    try:
        exif = image.getexif()
        raw = exif.get_ifd(EXIF_IFD).get(EXIF_DATETIME_ORIGINAL) or exif.get(EXIF_DATETIME)
        if not raw:
            return None
        local = dt.datetime.strptime(str(raw).strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except (ValueError, TypeError, KeyError, OSError):
        return None
    zone = ZoneInfo(current_app.config.get("WARDENS_TIMEZONE", "Asia/Shanghai"))
    return local.replace(tzinfo=zone).astimezone(dt.timezone.utc)


def clean_photo(data: bytes, max_bytes: int) -> Cleaned:
    """Check the bytes are a picture within the limits and re-encode them; PhotoError if not."""
    if not data:
        raise PhotoError(_("The photo is empty."))
    if len(data) > max_bytes:
        raise PhotoError(_("The photo is %(kb)d KB; at most %(max)d KB is accepted.",
                           kb=(len(data) + 1023) // 1024, max=max_bytes // 1024))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in ACCEPTED_FORMATS:
                raise PhotoError(_("This file is not a photo (JPEG, PNG or WebP)."))
            if image.width * image.height > MAX_PIXELS:
                raise PhotoError(_("The picture is too large (%(w)d × %(h)d pixels).", w=image.width, h=image.height))
            image.load()
    except PhotoError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombWarning,
            Image.DecompressionBombError):
        raise PhotoError(_("This file is not a photo (JPEG, PNG or WebP).")) from None
    taken = _taken_at(image)
    # Turn it the way the camera meant, then drop every tag by copying the pixels only.
    upright = ImageOps.exif_transpose(image).convert("RGB")
    upright.thumbnail((MAX_SIDE, MAX_SIDE))
    clean = Image.new("RGB", upright.size)
    clean.paste(upright)
    out = io.BytesIO()
    clean.save(out, "JPEG", quality=80, optimize=True)
    thumb = clean.copy()
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE))
    tout = io.BytesIO()
    thumb.save(tout, "JPEG", quality=70)
    return Cleaned(out.getvalue(), tout.getvalue(), clean.width, clean.height, taken)


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def store_photo(data: bytes, owner_id: int, max_bytes: int) -> Photo:
    """Clean and keep a photo; returns its (flushed) record."""
    cleaned = clean_photo(data, max_bytes)
    token = secrets.token_urlsafe(24)
    folder = photo_dir()
    _write(folder / f"{token}.jpg", cleaned.jpeg)
    _write(folder / f"{token}-t.jpg", cleaned.thumb)
    photo = Photo(token=token, owner_id=owner_id, taken_at=cleaned.taken_at, width=cleaned.width,
                  height=cleaned.height, size_bytes=len(cleaned.jpeg))
    db.session.add(photo)
    db.session.flush()
    return photo


def photo_path(token: str, thumb: bool = False) -> Path:
    return photo_dir() / (f"{token}-t.jpg" if thumb else f"{token}.jpg")


def delete_photo_files(tokens: list[str]) -> int:
    """Remove the files of deleted photos; returns how many files went."""
    gone = 0
    folder = photo_dir()
    for token in tokens:
        for name in (f"{token}.jpg", f"{token}-t.jpg"):
            try:
                (folder / name).unlink()
                gone += 1
            except FileNotFoundError:
                pass
    return gone
