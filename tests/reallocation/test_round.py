"""A whole round through the office's pages: open, apply, run, pin, re-run, notice, objection, approve."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

import allocation
from tests.helpers import login
from tests.reallocation.district import build
from wardens.extensions import db
from wardens.models import AllocationRun, Application, Assignment, AuditEvent, Objection, Round
from wardens.reallocation.adapter import key_id
from wardens.models.enums import Origin, RoundState

TODAY = dt.date(2026, 11, 16)


@pytest.fixture
def today(clock) -> dt.date:  # type: ignore[no-untyped-def]
    """The controlled clock's day (2026-11-16): every rule of the round reads it."""
    return TODAY


@pytest.fixture
def district(make, today):  # type: ignore[no-untyped-def]
    return build(make)


def open_round(client) -> Round:  # type: ignore[no-untyped-def]
    response = client.post("/reallocation/rounds/new", data={
        "name": "2027年度动态调整", "year": "2027", "term_start": "2027-01-01", "term_end": "2027-12-31",
        "reference_date": "2027-01-01", "notice_days": "5"})
    assert response.status_code == 302, response.text
    rnd = db.session.scalar(select(Round))
    assert response.headers["Location"].endswith(f"/reallocation/rounds/{rnd.id}")
    return rnd


def apply(client, rnd, person, *codes):  # type: ignore[no-untyped-def]
    data = {"person_id": str(person.id)} | {f"choice{i + 1}": c for i, c in enumerate(codes)}
    return client.post(f"/reallocation/rounds/{rnd.id}/apply", data=data)


def test_whole_round(client, clock, district):  # type: ignore[no-untyped-def]
    d = district
    login(client, "office1")
    page = client.get("/reallocation/rounds/new")
    assert page.status_code == 200 and "2027-01-01" in page.text
    rnd = open_round(client)
    assert rnd.rules["scope"] == "village" and rnd.rules["priority_groups"][0] == ["flood_affected", "registered_poor"]
    holders = {a.person_id: a for a in rnd.applications}
    assert set(holders) == {d.holder_good.id, d.holder_poor.id}
    assert holders[d.holder_good.id].good_standing is True and holders[d.holder_good.id].attendance_rate == 1.0
    assert holders[d.holder_poor.id].good_standing is False

    for person, codes in ((d.flood_poor, ("XH-01",)), (d.poor, ("XH-01", "XH-02")), (d.old, ("XH-01",)),
                          (d.cadre, ("XH-01",)), (d.plain2, ("XH-02",))):
        r = apply(client, rnd, person, *codes)
        assert r.status_code == 302, r.text
        assert "rounds/" in r.headers["Location"], r.headers["Location"]
    db.session.commit()
    assert len(rnd.applications) == 7

    response = client.post(f"/reallocation/rounds/{rnd.id}/run", data={"note": "first"})
    assert response.status_code == 302
    db.session.commit()
    first = db.session.scalar(select(AllocationRun).order_by(AllocationRun.id.desc()))
    assert response.headers["Location"].endswith(f"/reallocation/runs/{first.id}")
    assert rnd.state == RoundState.PROPOSED
    placed = {key_id(a["candidate"]): key_id(a["post"]) for a in first.result["assignments"]}
    # P1 (2 slots, 石湖村): the flood-affected+poor household first, then the registered-poor ones.
    assert placed[d.flood_poor.id] == d.p1.id
    assert d.old.id not in placed and d.cadre.id not in placed
    # P2 (江店村): the flood-affected household outranks the holder whose household is in no group... but
    # the holder's household has no flags, so the "everyone else" group still holds them: tier 8 vs tier 3.
    assert placed[d.plain2.id] == d.p2.id
    # Solved once: every decision explained as codes with parameters, beside the Chinese reason text.
    assert all(entry["explanation"] and entry["explanation"][-1]["code"]
               for entry in first.result["assignments"] + first.result["unassigned"])
    page = client.get(f"/reallocation/runs/{first.id}")
    assert page.status_code == 200
    assert "张受灾" in page.text and "钱老" in page.text

    # Pin the poor-standing holder? Pin 赵脱贫 to XH-01 instead of whoever the matcher chose.
    app_poor = db.session.scalar(select(Application).where(Application.person_id == d.poor.id))
    response = client.post(f"/reallocation/rounds/{rnd.id}/applications/{app_poor.id}",
                           data={"action": "pin", "p-post": "XH-01", "p-reason": "村评议推荐"})
    assert response.status_code == 302, response.text
    db.session.commit()
    assert app_poor.pinned_post_id == d.p1.id
    client.post(f"/reallocation/rounds/{rnd.id}/run", data={"note": "after pin"})
    db.session.commit()
    second = db.session.scalar(select(AllocationRun).order_by(AllocationRun.id.desc()))
    assert second.id != first.id
    placed2 = {key_id(a["candidate"]): key_id(a["post"]) for a in second.result["assignments"]}
    assert placed2[d.poor.id] == d.p1.id
    compare = client.get(f"/reallocation/rounds/{rnd.id}/compare?a={first.id}&b={second.id}")
    assert compare.status_code == 200

    # Every stored run's input reproduces its stored result exactly.
    for stored in (first, second):
        assert allocation.solve_dict(stored.problem, lang="zh") == stored.result

    # Public notice: a start before today is refused with the first day it can start; a good one
    # is shown with the dates that follow from it, and starts only once confirmed.
    notice_url = f"/reallocation/rounds/{rnd.id}/notice"
    refused = client.post(notice_url, data={"run_id": str(second.id), "start": "2026-11-05", "confirmed": "1"},
                          follow_redirects=True)
    assert "公示不能从 2026-11-05 开始：最早从 2026-11-16 开始" in refused.text
    preview = client.post(notice_url, data={"run_id": str(second.id), "start": "2026-11-16"})
    assert preview.status_code == 200
    assert "2026-11-16 至 2026-11-20（5 天）" in preview.text and "2026-11-21" in preview.text
    db.session.commit()
    assert rnd.state == RoundState.PROPOSED and rnd.notice_start is None
    response = client.post(notice_url, data={"run_id": str(second.id), "start": "2026-11-16", "confirmed": "1"})
    assert response.status_code == 302
    db.session.commit()
    assert (rnd.state, rnd.chosen_run_id, rnd.notice_start, rnd.notice_end) == (
        RoundState.NOTICE, second.id, dt.date(2026, 11, 16), dt.date(2026, 11, 20))
    printed = client.get(f"/reallocation/rounds/{rnd.id}/notice/print?village={d.v1.id}")
    assert printed.status_code == 200
    assert "赵脱贫" in printed.text and d.poor.id_number not in printed.text and d.poor.id_number[-4:] in printed.text
    assert "周受灾" not in printed.text  # another village

    client.post(f"/reallocation/rounds/{rnd.id}/objections", data={
        "raised_by": "村民甲", "content": "对张受灾的受灾户认定有异议", "raised_on": "2026-11-16", "about": ""})
    db.session.commit()
    objection = db.session.scalar(select(Objection))
    assert objection is not None and objection.settled_on is None
    refused = client.post(f"/reallocation/rounds/{rnd.id}/approve", follow_redirects=True)
    assert "公示期到 2026-11-20 结束，从 2026-11-21 起才能批准。" in refused.text
    assert "有 1 条异议尚未处理：村民甲（2026-11-16）。请先处理完所有异议。" in refused.text
    db.session.commit()
    assert rnd.state == RoundState.NOTICE and db.session.scalar(select(Assignment).where(Assignment.origin == Origin.ROUND)) is None
    client.post(f"/reallocation/objections/{objection.id}/settle", data={"outcome": "经核实，受灾户认定属实。"})
    db.session.commit()
    assert objection.settled_on == TODAY

    clock.move_to("2026-11-21 09:00+08:00")  # the notice is over
    login(client, "office1")
    response = client.post(f"/reallocation/rounds/{rnd.id}/approve")
    assert response.status_code == 302
    db.session.commit()
    rnd = db.session.get(Round, rnd.id)
    assert rnd.state == RoundState.APPROVED
    new = list(db.session.scalars(select(Assignment).where(Assignment.origin == Origin.ROUND)))
    assert sorted((a.person_id, a.post_id) for a in new) == sorted(placed2.items())
    assert all((a.term_start, a.term_end, a.round_id) == (dt.date(2027, 1, 1), dt.date(2027, 12, 31), rnd.id)
               for a in new)
    old = list(db.session.scalars(select(Assignment).where(Assignment.origin == "initial")))
    assert [(a.ended_on, a.end_reason) for a in old] == [(dt.date(2026, 12, 31), "term_end")] * 2
    actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    for needed in ("round_open", "application_add", "allocation_run", "round_proposed", "application_pin",
                   "round_notice", "objection_raise", "objection_settle", "assignment_end", "assignment_create",
                   "round_approved"):
        assert needed in actions, needed
    assert actions.count("assignment_create") == len(new)
    agreements = client.get(f"/reallocation/rounds/{rnd.id}/agreements")
    assert agreements.status_code == 200 and agreements.text.count('data-testid="agreement"') == len(new)


def test_a_run_the_form_refuses_says_why_on_the_round_page(client, clock, district):  # type: ignore[no-untyped-def]
    """A note over 200 characters made no run and said nothing (an outside tester's finding)."""
    login(client, "office1")
    rnd = open_round(client)
    response = client.post(f"/reallocation/rounds/{rnd.id}/run", data={"note": "长" * 201}, follow_redirects=True)
    assert response.status_code == 200
    assert db.session.scalar(select(AllocationRun)) is None
    assert re.search(r'<p class="flash flash-error">[^<]*200[^<]*</p>', response.text), response.text[-3000:]
