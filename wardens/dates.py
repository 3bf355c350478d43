"""Dates in the district's time zone, and month arithmetic."""
from __future__ import annotations

import calendar
import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import current_app


def utcnow() -> dt.datetime:
    """Now, as an aware UTC datetime: every timestamp is stored in UTC."""
    return dt.datetime.now(dt.timezone.utc)


def as_utc(value: dt.datetime | None) -> dt.datetime | None:
    """Make a stored timestamp aware: SQLite hands back naive datetimes, which were stored in UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone.utc)
    return value


def district_zone() -> ZoneInfo:
    """The district's time zone (WARDENS_TIMEZONE, Asia/Shanghai by default): the one place it is read."""
    return ZoneInfo(current_app.config["WARDENS_TIMEZONE"])


def today() -> dt.date:
    """Today in the district, not in the server's clock zone."""
    return dt.datetime.now(district_zone()).date()


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    """First and last day of a month."""
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


@lru_cache(maxsize=256)
def month_days(year: int, month: int) -> tuple[dt.date, ...]:
    """Every day of a month, in order (kept: a county's overview asks for the same month thousands of times)."""
    first, last = month_bounds(year, month)
    return tuple(first + dt.timedelta(days=i) for i in range((last - first).days + 1))


def add_months(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1
