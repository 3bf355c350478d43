"""The controlled clock fixture moves every reader of the time together."""
from __future__ import annotations

import datetime as dt

from tests.conftest import DISTRICT
from wardens.dates import today, utcnow


def test_clock_moves_the_district_today(app, clock):
    with app.app_context():
        assert today() == dt.date(2026, 11, 16)
        # 23:30 UTC on 30 November is already 1 December in the district.
        clock.move_to(dt.datetime(2026, 11, 30, 23, 30, tzinfo=dt.timezone.utc))
        assert today() == dt.date(2026, 12, 1)
        assert utcnow() == dt.datetime(2026, 11, 30, 23, 30, tzinfo=dt.timezone.utc)
        clock.move_to(dt.datetime(2027, 1, 1, 0, 0, tzinfo=DISTRICT))
        assert today() == dt.date(2027, 1, 1)
