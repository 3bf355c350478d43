"""Access, CSRF, import, dismissal review, mid-year fill and the decisions API."""
from __future__ import annotations

import datetime as dt
import io
import re
from collections import Counter

import pytest
from sqlalchemy import func, select

from tests.conftest import _test_config
from tests.helpers import PASSWORD, csrf_token, login
from tests.reallocation.district import build
from wardens import create_app
from wardens.extensions import db
from wardens.models import AllocationRun, Application, Assignment, AuditEvent, DismissalCase, Round
from wardens.reallocation import adapter, applications, approval, dismissal, notice
from wardens.reallocation.decisions import latest_decision
from wardens.reallocation.rounds import open_round
from wardens.spreadsheets import xlsx_bytes
from wardens.models.enums import EndReason, Origin, RoundState, RunKind

TODAY = dt.date(2026, 11, 16)


def new_round() -> Round:
    return open_round(name="2027年度动态调整", year=2027, term_start=dt.date(2027, 1, 1),
                      term_end=dt.date(2027, 12, 31), reference_date=dt.date(2027, 1, 1), notice_days=5, today=TODAY, user_id=None)


@pytest.mark.parametrize("role", ["clerk", "warden"])
def test_round_pages_refuse_clerks_and_wardens(client, make, role) -> None:  # type: ignore[no-untyped-def]
    d = build(make)
    rnd = new_round()
    run = adapter.run_round(rnd, user_id=None)
    db.session.commit()
    login(client, d.users[role].username)
    for url in ("/reallocation/rounds", "/reallocation/rounds/new", f"/reallocation/rounds/{rnd.id}",
                f"/reallocation/runs/{run.id}", "/reallocation/dismissals", f"/reallocation/rounds/{rnd.id}/agreements"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/reallocation/rounds/{rnd.id}/run").status_code == 403
    assert db.session.scalar(select(func.count()).select_from(AllocationRun)) == 1


def test_open_round_with_csrf_on(database_url, make) -> None:  # type: ignore[no-untyped-def]
    build(make)
    app = create_app(_test_config(database_url) | {"WTF_CSRF_ENABLED": True})
    client = app.test_client()
    page = client.get("/login")
    client.post("/login", data={"username": "office1", "password": PASSWORD, "csrf_token": csrf_token(page.text)})
    data = {"name": "2027", "year": "2027", "term_start": "2027-01-01", "term_end": "2027-12-31",
            "reference_date": "2027-01-01", "notice_days": "5"}
    refused = client.post("/reallocation/rounds/new", data=data)
    assert refused.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Round)) == 0
    form = client.get("/reallocation/rounds/new")
    done = client.post("/reallocation/rounds/new", data=data | {"csrf_token": csrf_token(form.text)})
    assert done.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Round)) == 1
        db.session.remove()
        db.engine.dispose()


def test_import_previews_then_adds_all_or_nothing(client, make) -> None:  # type: ignore[no-untyped-def]
    d = build(make)
    rnd = new_round()
    db.session.commit()
    login(client, "office1")
    headers = ["姓名", "身份证号", "志愿一", "志愿二", "志愿三"]
    bad = xlsx_bytes(headers, [["张受灾", d.flood_poor.id_number, "XH-01", "", ""],
                               ["赵脱贫", d.poor.id_number, "XH-01", "XH-09", ""]], text_columns=[1])
    page = client.post(f"/reallocation/rounds/{rnd.id}/import",
                       data={"file": (io.BytesIO(bad), "apps.xlsx")}, content_type="multipart/form-data")
    assert page.status_code == 200
    assert "共 2 行，其中 1 行有错误。" in page.text and "岗位 XH-09 不在本轮" in page.text
    assert 'data-testid="import-apply"' not in page.text
    good = xlsx_bytes(headers, [["张受灾", d.flood_poor.id_number, "XH-01", "", ""],
                                ["赵脱贫", d.poor.id_number, "XH-01", "XH-02", ""]], text_columns=[1])
    page = client.post(f"/reallocation/rounds/{rnd.id}/import",
                       data={"file": (io.BytesIO(good), "apps.xlsx")}, content_type="multipart/form-data")
    assert 'data-testid="import-apply"' in page.text
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Application)) == 2  # holders only, so far
    # Only a token travels through the page; the checked file stays on the server for this user.
    assert 'name="payload"' not in page.text and d.poor.id_number not in page.text.split('import-apply')[-1]
    token = page.text.split('name="token" type="hidden" value="')[1].split('"')[0]
    forged = client.post(f"/reallocation/rounds/{rnd.id}/import/apply", data={"token": "x" * 32})
    assert forged.status_code == 302
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Application)) == 2
    response = client.post(f"/reallocation/rounds/{rnd.id}/import/apply", data={"token": token})
    assert response.status_code == 302
    db.session.commit()
    added = {a.person_id: a for a in db.session.scalars(select(Application).where(Application.source == "import"))}
    assert set(added) == {d.flood_poor.id, d.poor.id}
    assert [p.code for p in added[d.poor.id].choices] == ["XH-01", "XH-02"]


def test_dismissal_flags_dismiss_clear_and_fill(clock, client, make) -> None:  # type: ignore[no-untyped-def]
    d = build(make)
    # A round for 2026 already approved, with a waiting list: 2026's term covers "today".
    rnd = open_round(name="2026", year=2026, term_start=dt.date(2026, 1, 1), term_end=dt.date(2026, 12, 31),
                     reference_date=dt.date(2026, 1, 1), notice_days=5, today=dt.date(2025, 12, 1), user_id=None)
    for person, code in ((d.holder_good, "XH-01"), (d.holder_poor, "XH-02"), (d.poor, "XH-01"), (d.plain2, "XH-02")):
        applications.add_application(rnd, person, [code], actor_id=None)
    from wardens.reallocation import pins

    keeper = db.session.scalar(select(Application).where(Application.person_id == d.holder_poor.id))
    pins.pin(keeper, d.p2, "留任", actor_id=None)  # so 周受灾 waits for a slot on XH-02
    run = adapter.run_round(rnd, user_id=None)
    assert f"C{d.plain2.id}" in {u["candidate"] for u in run.result["unassigned"]}
    # Put on notice and approved last December, as the stored round would be.
    rnd.chosen_run_id, rnd.notice_start, rnd.notice_end = run.id, dt.date(2025, 12, 1), dt.date(2025, 12, 5)
    rnd.state, rnd.approved_at = RoundState.IN_FORCE, None
    d.holder_poor.household.cadre = True
    d.holder_good.stable_employment = True
    db.session.commit()
    login(client, "office1")
    client.post("/reallocation/dismissals/refresh")
    db.session.commit()
    cases = {(c.assignment.person_id, c.rule): c for c in db.session.scalars(select(DismissalCase))}
    assert (d.holder_poor.id, "no_priority_group") in cases
    assert (d.holder_good.id, "stable_employment") in cases
    assert "村干部户" in cases[(d.holder_poor.id, "no_priority_group")].evidence
    page = client.get("/reallocation/dismissals")
    assert page.status_code == 200 and "李缺勤" in page.text
    # Each case's forms have ids of their own (they repeated: reason ×6), and each label names its box.
    ids = re.findall(r'\sid="([^"]+)"', page.text)
    assert len(cases) >= 2 and [i for i, n in Counter(ids).items() if n > 1] == []
    assert set(re.findall(r'<label for="([^"]+)"', page.text)) <= set(ids)

    clear_case = cases[(d.holder_good.id, "stable_employment")]
    client.post(f"/reallocation/dismissals/{clear_case.id}/clear", data={"reason": "已核实为临时务工"})
    client.post("/reallocation/dismissals/refresh")  # not raised again for the same period
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(DismissalCase)
                             .where(DismissalCase.rule == "stable_employment")) == 1

    case = cases[(d.holder_poor.id, "no_priority_group")]
    # First the consequence, nothing written; then the confirmation.
    asked = client.post(f"/reallocation/dismissals/{case.id}/dismiss", data={"reason": "村干部户不得上岗", "last_day": "2026-11-16"})
    assert asked.status_code == 200 and "2026-11-17" in asked.text
    db.session.commit()
    assert db.session.get(Assignment, case.assignment_id).ended_on is None
    client.post(f"/reallocation/dismissals/{case.id}/dismiss", data={"reason": "村干部户不得上岗", "last_day": "2026-11-16",
                                                                     "confirm": "1"})
    db.session.commit()
    ended = db.session.get(Assignment, case.assignment_id)
    assert (ended.ended_on, ended.end_reason, ended.end_note) == (TODAY, EndReason.DISMISSED, "村干部户不得上岗")
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "assignment_dismiss")) is not None

    # The freed slot of XH-02 from the round's waiting list; the waiting 周受灾 fits it.
    clock.shift(dt.timedelta(days=1))
    login(client, "office1")  # a day later the session has passed its idle timeout
    response = client.post("/reallocation/fills", data={"post_id": str(d.p2.id)})
    assert response.status_code == 302, response.text
    db.session.commit()
    fill = db.session.scalar(select(AllocationRun).where(AllocationRun.kind == RunKind.MID_YEAR))
    assert [a["candidate"] for a in fill.result["assignments"]] == [f"C{d.plain2.id}"]
    client.post(f"/reallocation/fills/{fill.id}/approve")
    db.session.commit()
    new = db.session.scalar(select(Assignment).where(Assignment.origin == Origin.MID_YEAR))
    assert (new.person_id, new.post_id, new.term_start, new.term_end, new.round_id) == (
        d.plain2.id, d.p2.id, dt.date(2026, 11, 17), dt.date(2026, 12, 31), rnd.id)


def test_latest_decision_only_once_published(make, clock) -> None:  # type: ignore[no-untyped-def]
    d = build(make)
    rnd = new_round()
    applications.add_application(rnd, d.flood_poor, ["XH-01"], actor_id=None)
    applications.add_application(rnd, d.old, ["XH-01"], actor_id=None)
    run = adapter.run_round(rnd, user_id=None)
    assert latest_decision(d.flood_poor.id, "zh") is None  # a proposal is not shown to wardens
    notice.start_notice(rnd, run, TODAY, TODAY, actor_id=None)
    placed = latest_decision(d.flood_poor.id, "en")
    assert placed is not None and placed.placed and placed.post.code == "XH-01"
    assert (placed.round_name, placed.round_state, placed.tier, placed.group) == (
        "2027年度动态调整", RoundState.NOTICE, 1, ["flood_affected", "registered_poor"])
    assert placed.reason.startswith("Priority tier 1") and placed.choice_rank == 1 and not placed.stays
    kept = latest_decision(d.holder_good.id, "zh")
    assert kept is not None and kept.placed and kept.stays and kept.post.code == "XH-01"
    refused = latest_decision(d.old.id, "zh")
    assert refused is not None and not refused.placed and refused.reason_code == "not_eligible"
    assert "77" in refused.reason and refused.post is None
    assert latest_decision(d.cadre.id, "zh") is None  # did not apply


def test_demo_round_runs(app_ctx) -> None:  # type: ignore[no-untyped-def]
    from collections import Counter

    from wardens.demo import load_demo
    from wardens.reallocation.demo import load_demo_round

    load_demo(today=TODAY, with_round=False)
    rnd = load_demo_round(TODAY)
    db.session.commit()
    apps = list(db.session.scalars(select(Application).where(Application.round_id == rnd.id)))
    holders = [a for a in apps if a.source == "holder"]
    new = [a for a in apps if a.source == "demo"]
    assert (rnd.year, rnd.state, len(new)) == (2027, RoundState.APPLICATIONS, 120)
    assert len(holders) == db.session.scalar(select(func.count()).select_from(Assignment)
                                             .where(Assignment.in_force_on_clause(TODAY)))
    assert all(1 <= len(a.choices) <= 3 for a in new)
    run = adapter.run_round(rnd, user_id=None)
    codes = Counter(u["reason_code"] for u in run.result["unassigned"])
    assert set(codes) == {"not_eligible", "household_served", "outranked"}
    assert run.result["tier_counts"][0]["households_placed"] > 0
    assert adapter.rerun_stored(run) == run.result


def test_every_page_renders_and_a_new_applicant_is_registered(clock, client, make) -> None:  # type: ignore[no-untyped-def]
    d = build(make)
    rnd = new_round()
    applications.add_application(rnd, d.poor, ["XH-01", "XH-02"], actor_id=None)
    first = adapter.run_round(rnd, user_id=None)
    second = adapter.run_round(rnd, note="again", user_id=None)
    db.session.commit()
    app_id = db.session.scalar(select(Application.id).where(Application.person_id == d.poor.id))
    login(client, "office1")
    for url, text in (
        ("/reallocation/rounds", "2027年度动态调整"),
        (f"/reallocation/rounds/{rnd.id}", "运行测算"),
        (f"/reallocation/rounds/{rnd.id}?q=赵", "赵脱贫"),
        (f"/reallocation/rounds/{rnd.id}/apply?q={d.flood_poor.id_last4}", "张受灾"),
        (f"/reallocation/rounds/{rnd.id}/apply?q=张&person={d.flood_poor.id}", 'data-testid="chosen"'),
        (f"/reallocation/rounds/{rnd.id}/apply/new", "登记并添加申请"),
        (f"/reallocation/rounds/{rnd.id}/applications/{app_id}", "指定岗位"),
        (f"/reallocation/rounds/{rnd.id}/import", "身份证号"),
        (f"/reallocation/runs/{first.id}", "每个人的结果和说明"),
        (f"/reallocation/runs/{first.id}/problem.json", '"reference_date": "2027-01-01"'),
        (f"/reallocation/rounds/{rnd.id}/compare", "测算对比"),
        ("/reallocation/dismissals", "清退审核"),
    ):
        page = client.get(url)
        assert page.status_code == 200, url
        assert text in page.text, url
    client.post("/language", data={"lang": "en"})
    english = client.get(f"/reallocation/runs/{second.id}").text
    # One stored result, explained in the reader's language from its codes.
    assert "Decisions with their explanation" in english and "Priority tier " in english
    assert "优先级" not in english
    client.post("/language", data={"lang": "zh"})

    from tests.helpers import make_id_number

    response = client.post(f"/reallocation/rounds/{rnd.id}/apply/new", data={
        "name": "吴新人", "id_number": make_id_number(dt.date(1990, 1, 1), seq=7), "labour": "full",
        "household_number": "NEW-001", "village_id": str(d.v1.id), "choice1": "XH-01"})
    assert response.status_code == 302, response.text
    db.session.commit()
    added = db.session.scalar(select(Application).join(Application.person).where(Application.source == "manual",
                                                                                  Application.round_id == rnd.id)
                              .order_by(Application.id.desc()))
    assert added.person.name == "吴新人" and added.person.household.number == "NEW-001"
    assert [p.code for p in added.choices] == ["XH-01"]
    missing = client.post(f"/reallocation/rounds/{rnd.id}/apply/new", data={
        "name": "郑无户", "id_number": "11010519491231002X", "labour": "full", "household_number": "NEW-404",
        "village_id": "0", "choice1": "XH-01"})
    assert "户 NEW-404 尚未登记：请选择所在村以登记该户。" in missing.text


@pytest.mark.parametrize("q", ["_", "%", "\\"])
def test_the_round_s_name_searches_take_the_text_as_typed(clock, client, make, q) -> None:  # type: ignore[no-untyped-def]
    # LIKE wildcards listed everyone; PostgreSQL also took a backslash for LIKE's escape.
    d = build(make)
    rnd = new_round()
    applications.add_application(rnd, d.poor, ["XH-01"], actor_id=None)
    odd = make.person(make.household(d.v1), name=f"赵{q}甲")
    applications.add_application(rnd, odd, ["XH-01"], actor_id=None)
    db.session.commit()
    login(client, "office1")
    listed = client.get(f"/reallocation/rounds/{rnd.id}", query_string={"q": q}).text
    assert f"赵{q}甲" in listed and "赵脱贫" not in listed
    found = client.get(f"/reallocation/rounds/{rnd.id}/apply", query_string={"q": q}).text
    assert f"赵{q}甲" in found and "赵脱贫" not in found
