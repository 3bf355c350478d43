"""How maps are drawn: the office's own tile service if one is set, else a plain background.

The site never asks anything of the outside world: with no tile address set, the maps draw
the lines, check-ins and reports over a plain background with a scale bar.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from ..models import get_patrol_settings


def map_config() -> dict[str, Any]:
    settings = get_patrol_settings()
    return {"tiles": settings.tile_url or None, "attribution": settings.tile_attribution or ""}


def tile_origin() -> str | None:
    """The tile service's origin (scheme://host[:port]), for the CSP's img-src; None when maps draw plain."""
    url = get_patrol_settings().tile_url
    if not url or url.startswith("/"):
        return None
    parts = urlsplit(url.replace("{", "").replace("}", ""))
    return f"{parts.scheme}://{parts.netloc}"
