"""The audit trail reads in the reader's language: actions, records, fields and values named, never codes."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from sqlalchemy import event

from wardens.audit import AuditAction, record_audit
from wardens.audit.actions import ACTION_LABELS
from wardens.extensions import db
from wardens.models import AttendanceMonth, get_settings
from tests.registry.conftest import login_en
from wardens.models.enums import MonthState

ROOT = Path(__file__).resolve().parents[2]


def test_every_action_has_a_label_and_every_write_names_an_action():
    assert set(ACTION_LABELS) == set(AuditAction)
    # No call site passes a bare string: the codes live in the enum alone.
    literal = re.compile(r'record_audit\(\s*f?["\']|"action":\s*["\']')
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "wardens").rglob("*.py") if literal.search(p.read_text())]
    assert offenders == []


def test_every_audit_write_names_its_actor_and_the_audit_layer_never_reads_the_login():
    # The operation knows who acts (the route hands it the user; the CLI and the demo say None,
    # the system): an event is never silently attributed by whoever happens to be logged in.
    audit = (ROOT / "wardens" / "audit" / "__init__.py").read_text()
    assert "flask_login" not in audit and "current_user" not in audit
    with pytest.raises(TypeError, match="actor_id"):
        record_audit(AuditAction.UPDATE, entity_type="post", entity_id=1)  # type: ignore[call-arg]
    unnamed = []
    for path in (ROOT / "wardens").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None))
                    in ("record_audit", "record_audits") and not any(k.arg == "actor_id" for k in node.keywords)):
                unnamed.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert unnamed == []


def test_an_unknown_action_is_refused_before_it_is_stored(make):
    with pytest.raises(ValueError):
        record_audit("half_done", entity_type="post", entity_id=1, actor_id=None)  # type: ignore[arg-type]


@pytest.fixture
def events(make):
    town = make.township(name="西河口乡")
    v1, v2 = make.village(town, name="石湖村"), make.village(town, name="江店村")
    person = make.person(make.household(v1), name="杨庆林")
    post = make.post(v1, code="YA-01")
    record_audit(AuditAction.UPDATE, post, before={"monthly_subsidy": "600.00", "village_id": v1.id, "active": True,
                                                   "code": "YA-01"},
                 after={"monthly_subsidy": "650.00", "village_id": v2.id, "active": False, "code": "YA-01"}, actor_id=None)
    month = AttendanceMonth(township_id=town.id, year=2026, month=10, state=MonthState.CLOSED)
    db.session.add(month)
    db.session.flush()
    record_audit(AuditAction.MONTH_REOPEN, month, before={"state": "closed"}, after={"state": "recording"},
                 reason="补录", actor_id=None)
    record_audit(AuditAction.SETTINGS_CHANGED, get_settings(),
                 before={"dismissal_rate": "0.60", "required_days": 20, "term_start": None},
                 after={"dismissal_rate": "0.50", "required_days": 22, "term_start": "2027-01-01"}, actor_id=None)
    record_audit(AuditAction.ID_REVEALED, person, reason="3415**********1234", actor_id=None)
    office = make.user("office", username="office1")
    db.session.commit()
    return {"office": office.username, "person": person.id}


def _cells(html: str, testid: str) -> list[str]:
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", c)).strip()
            for c in re.findall(rf'data-testid="{testid}">(.*?)</td>', html, re.S)]


def test_the_trail_names_actions_records_and_changes_in_chinese(client, events):
    login_en(client, events["office"], lang="zh")
    html = client.get("/audit").get_data(as_text=True)
    assert _cells(html, "audit-action") == ["查看完整身份证号", "修改全区参数", "重新打开月份", "修改"]
    assert _cells(html, "audit-record") == ["人员 杨庆林", "全区参数设置", "考勤月份 西河口乡 2026年10月", "岗位 YA-01"]
    changes = _cells(html, "audit-changes")
    # Only what changed, each as field: before → after, money in yuan, places by name, yes/no.
    assert changes[3] == "月补贴标准 : 600.00 元 → 650.00 元 村 : 西河口乡 石湖村 → 西河口乡 江店村 在用 : 是 → 否"
    assert changes[2] == "状态 : 已关闭 → 记录中"
    assert changes[1] == "低于该出勤率即复核 : 60% → 50% 每月应出勤天数 : 20 → 22 聘期起 : — → 2027年1月1日"
    for code in ("attendance_month.reopen", "settings_changed", "True", "False", "None", "#"):
        assert code not in html.split('data-testid="audit-table"')[1]


def test_the_filters_offer_named_choices(client, events):
    login_en(client, events["office"], lang="zh")
    html = client.get("/audit").get_data(as_text=True)
    assert '<option value="attendance_month.reopen" >重新打开月份</option>' in html
    assert '<option value="district_settings" >全区参数设置</option>' in html
    only = client.get("/audit?action=id_revealed").get_data(as_text=True)
    assert _cells(only, "audit-action") == ["查看完整身份证号"]


def test_a_page_of_events_costs_the_same_queries_whatever_it_holds(client, make, events):
    login_en(client, events["office"], lang="zh")

    def queries() -> int:
        seen: list[str] = []

        def count(*args):  # type: ignore[no-untyped-def]
            seen.append(args[2])

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert client.get("/audit").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(seen)

    few = queries()
    town = make.township(name="单王乡")
    for i in range(30):
        post = make.post(make.village(town), code=f"W-{i}")
        record_audit(AuditAction.UPDATE, post, before={"village_id": post.village_id}, after={"village_id": post.village_id + 1}, actor_id=None)
    db.session.commit()
    assert queries() == few
