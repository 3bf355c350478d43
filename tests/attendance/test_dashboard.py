"""The overview (rates, unrecorded holder-days, threshold hits), the thresholds rule, and the history view."""
from __future__ import annotations

import datetime as dt
import re

from tests.attendance.conftest import District, grid_post, sign_in
from wardens.attendance.thresholds import holders_crossing_thresholds
from wardens.dates import add_months
from wardens.extensions import db
from wardens.models import AttendanceRecord


def test_the_overview_shows_rates_unrecorded_days_and_a_chart(client, district: District) -> None:
    d = district
    sign_in(client, d.clerk)
    statuses = {h.id: "present" for h in d.holders}
    statuses[d.holders[0].id] = "absent"
    statuses[d.holders[1].id] = "rest"
    client.post("/attendance/grid", data=grid_post(d, statuses))
    html = client.get("/attendance/dashboard").text
    assert "<svg" in html and 'data-testid="rate-chart"' in html
    # 4 present of 5 working days recorded today (rest is not a working day) = 80%
    assert ">80%<" in html
    unrecorded = html[html.index('data-testid="unrecorded"'):]
    start = unrecorded.index("西河口乡")
    row = unrecorded[start:unrecorded.index("</tr>", start)]
    cells = re.findall(r'<td class="num">(\d+)</td>', row)
    # 6 holders today, 0 unrecorded today, and this month's holder-days from the 1st to today
    assert cells[:2] == ["6", "0"]
    assert cells[2] == str(6 * d.day.day) and cells[3] == str(6 * d.day.day - 6)
    assert "单王乡" not in html  # a clerk sees their own township only


def test_office_sees_every_township(client, district: District) -> None:
    sign_in(client, district.office)
    html = client.get("/attendance/dashboard").text
    assert "单王乡" in html and "西河口乡" in html


def _absences(a, year: int, month: int, n: int, status: str = "absent") -> None:  # type: ignore[no-untyped-def]
    for day in range(1, n + 1):
        db.session.add(AttendanceRecord(assignment_id=a.id, day=dt.date(year, month, day), status=status))


def test_five_unexcused_days_in_a_month_cross_the_threshold(app_ctx, district: District) -> None:
    d = district
    _absences(d.holders[0], d.day.year, d.day.month, 5)
    _absences(d.holders[1], d.day.year, d.day.month, 4)
    db.session.commit()
    hits = holders_crossing_thresholds(d.day)
    assert [(h.assignment.id, h.rule) for h in hits] == [(d.holders[0].id, "absent_days")]
    assert hits[0].period == f"{d.day.year:04d}-{d.day.month:02d}" and "旷工 5 天" in hits[0].evidence
    assert holders_crossing_thresholds(d.day, township_id=d.other_township.id) == []


def test_three_low_months_running_cross_the_rate_threshold(app_ctx, district: District) -> None:
    d = district
    a, b = d.holders[0], d.holders[1]
    for back in (1, 2, 3):
        y, m = add_months(d.day.year, d.day.month, -back)
        _absences(a, y, m, 10, status="present")  # 10 of 20 = 50%
        _absences(b, y, m, 10 if back != 2 else 15, status="present")  # one month at 75%
    db.session.commit()
    hits = holders_crossing_thresholds(d.day)
    assert [(h.assignment.id, h.rule) for h in hits] == [(a.id, "low_rate")]
    y3, m3 = add_months(d.day.year, d.day.month, -3)
    y1, m1 = add_months(d.day.year, d.day.month, -1)
    assert hits[0].period == f"{y3:04d}-{m3:02d}..{y1:04d}-{m1:02d}"
    assert "50%" in hits[0].evidence


def test_the_overview_lists_threshold_hits_with_a_link(client, district: District) -> None:
    d = district
    _absences(d.holders[0], d.day.year, d.day.month, 6)
    db.session.commit()
    sign_in(client, d.office)
    html = client.get("/attendance/dashboard").text
    hits = html[html.index('data-testid="threshold-hits"'):]
    assert d.holders[0].person.name in hits and "旷工 6 天" in hits
    assert f"/attendance/sheet/{d.township.id}/{d.day.year}/{d.day.month}" in hits


def test_the_history_view_shows_every_change(client, district: District) -> None:
    d = district
    a = d.holders[0]
    sign_in(client, d.clerk)
    client.post("/attendance/grid", data=grid_post(d, {a.id: "present"}))
    client.post("/attendance/grid", data=grid_post(d, {a.id: "leave"}, versions={a.id: 1}, notes={a.id: "家中有事"}, reason="电话请假"))
    html = client.get(f"/attendance/history/{a.id}/{d.day.isoformat()}").text
    table = html[html.index('data-testid="history"'):]
    assert table.count("<tr>") == 3  # header + 2 changes
    assert ("未记录" in table or "未登记" in table) and "事假" in table and "电话请假" in table and "家中有事" in table
