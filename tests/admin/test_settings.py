"""District settings: one form for every setting, validated like the database, audited once."""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from wardens.admin.forms import SETTINGS_COLUMNS, SettingsForm
from wardens.admin.priority_text import PriorityTextError, format_priority_groups, parse_priority_groups
from wardens.extensions import db
from wardens.models import VERSIONED_FIELDS, DEFAULT_PRIORITY_GROUPS, AuditEvent, DistrictSettings, current_settings


def _errors(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<p class="error" id="([a-z_]+)-error">([^<]*)</p>', html)


def _form(**changes: Any) -> dict[str, Any]:
    """The settings form as the page submits it with the default values, plus changes."""
    data: dict[str, Any] = {
        "effective_from": "2026-11", "district_name": "裕安区", "office_name": "裕安区交通运输局路长办",
        "min_age": "18", "max_age": "60", "max_age_extended": "65", "default_labour": "weak",
        "scope": "village", "one_post_per_household": "y", "exclude_stable_employment": "y",
        "exclude_away_working": "y", "max_choices": "3",
        "priority_groups": "受灾户 + 脱贫户\n脱贫户\n受灾户\n监测户\n低保户\n零就业家庭\n残疾\n其他",
        "required_days": "20", "monthly_subsidy": "600", "absence_deduction": "0",
        "sick_certificate_days": "3", "correction_reason_after_days": "3", "submission_deadline_day": "25",
        "payment_period": "monthly", "dismissal_absent_days": "5", "dismissal_rate": "0.60",
        "dismissal_rate_months": "3", "good_standing_rate": "0.90", "notice_days": "5",
        "km_per_warden": "3", "village_post_cap": "4", "login_max_failures": "5", "login_lock_minutes": "15",
    }
    for key, value in changes.items():
        if value is None:
            data.pop(key)
        else:
            data[key] = value
    return data


@pytest.fixture
def admin_client(sign_in, make, clock):  # type: ignore[no-untyped-def]
    admin = make.user("admin", username="boss")
    db.session.commit()
    return sign_in(admin)


def _events() -> list[AuditEvent]:
    db.session.rollback()  # end the test's read snapshot; see what the request committed
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "settings_changed")))


def test_form_covers_every_settings_column() -> None:
    columns = ({c.key for c in DistrictSettings.__table__.columns} - {"id"}) | set(VERSIONED_FIELDS)
    assert set(SETTINGS_COLUMNS) == columns
    assert len(SETTINGS_COLUMNS) == len(set(SETTINGS_COLUMNS))


def test_page_shows_current_values_grouped_and_says_new_work_only(admin_client):  # type: ignore[no-untyped-def]
    html = admin_client.get("/admin/settings").get_data(as_text=True)
    for legend in ("人岗匹配条件", "考勤与补贴", "清退审核", "年度调整", "账号管理"):
        assert f"<legend>{legend}</legend>" in html
    assert "已结账的月份仍按结账时的参数计算" in html
    assert 'name="effective_from" required type="month" value="2026-11"' in html
    assert 'name="max_age_extended" required type="number" value="65"' in html or 'value="65"' in html
    # The priority order, one line per group, in Chinese words, the catch-all last.
    assert "受灾户 + 脱贫户\n脱贫户\n受灾户\n监测户\n低保户\n零就业家庭\n残疾\n其他</textarea>" in html


def test_the_deadline_is_labelled_a_day_of_the_next_month(admin_client):  # type: ignore[no-untyped-def]
    """The sheet of a month is due in the month after it (worklist.due_day): the label and its help say so."""
    html = admin_client.get("/admin/settings").get_data(as_text=True)
    field = html.split('for="submission_deadline_day"', 1)[1].split("</div>", 1)[0]
    assert "考勤表报送截止日（次月几号）" in field
    assert "填 25，即 10 月的考勤表须在 11 月 25 日前报送" in field
    with admin_client.session_transaction() as session:
        session["lang"] = "en"
    field = admin_client.get("/admin/settings").get_data(as_text=True).split('for="submission_deadline_day"', 1)[1]
    assert "Sheet due by this day of the next month" in field.split("</div>", 1)[0]


def test_default_form_saves_nothing(admin_client, app_ctx):  # type: ignore[no-untyped-def]
    response = admin_client.post("/admin/settings", data=_form(), follow_redirects=True)
    assert "没有任何修改。" in response.get_data(as_text=True)
    assert _events() == []


def test_save_writes_values_and_one_audit_event(admin_client, app_ctx):  # type: ignore[no-untyped-def]
    response = admin_client.post("/admin/settings", data=_form(
        monthly_subsidy="800", required_days="22", good_standing_rate="0.85", scope="township",
        exclude_away_working=None, priority_groups="脱贫户\nflood_affected + registered_poor\nFlood-affected\n*",
    ))
    assert response.status_code == 302 and response.headers["Location"] == "/admin/settings"
    events = _events()
    assert len(events) == 1
    settings = current_settings()
    assert settings.effective_from.isoformat() == "2026-11-01"
    assert settings.monthly_subsidy == Decimal("800") and settings.required_days == 22
    assert settings.good_standing_rate == Decimal("0.85") and settings.scope == "township"
    assert settings.exclude_away_working is False
    assert settings.priority_groups == [["registered_poor"], ["flood_affected", "registered_poor"], ["flood_affected"], []]
    event = events[0]
    assert event.before == {
        "exclude_away_working": True, "good_standing_rate": "0.90", "monthly_subsidy": "600.00",
        "priority_groups": [list(g) for g in DEFAULT_PRIORITY_GROUPS], "required_days": 20, "scope": "village",
    }
    assert event.after["effective_from"] == "2026-11-01" and event.entity_type == "settings_version"
    assert event.after["monthly_subsidy"] == "800.00" and event.after["scope"] == "township"
    assert event.after["priority_groups"][-1] == []


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"min_age": "15"}, "min_age", "数值大小必须介于 16 到 80 之间。"),
        ({"min_age": "40", "max_age": "35"}, "max_age", "最高年龄不能低于最低年龄。"),
        ({"max_age": "60", "max_age_extended": "55"}, "max_age_extended", "放宽后的最高年龄不能低于最高年龄。"),
        ({"required_days": "0"}, "required_days", "数值大小必须介于 1 到 31 之间。"),
        ({"required_days": "32"}, "required_days", "数值大小必须介于 1 到 31 之间。"),
        ({"required_days": "abc"}, "required_days", "不是有效的整数。"),
        ({"good_standing_rate": "1.5"}, "good_standing_rate", "数值大小必须介于 0 到 1 之间。"),
        ({"dismissal_rate": "-0.1"}, "dismissal_rate", "数值大小必须介于 0 到 1 之间。"),
        ({"km_per_warden": "0"}, "km_per_warden", "数值大小必须介于 0.01 到 999.99 之间。"),
        ({"monthly_subsidy": "-1"}, "monthly_subsidy", "数值大小必须介于 0 到 99999 之间。"),
        ({"max_choices": "4"}, "max_choices", "数值大小必须介于 1 到 3 之间。"),
        ({"notice_days": "0"}, "notice_days", "数值大小必须介于 1 到 30 之间。"),
        ({"scope": "county"}, "scope", "不是有效的选择。"),
        ({"district_name": ""}, "district_name", "该字段是必填字段。"),
        ({"priority_groups": "脱贫户\n贫困大户"}, "priority_groups", "第 2 行：无法识别的户类别“贫困大户”。"),
        ({"priority_groups": "其他\n脱贫户"}, "priority_groups", "第 1 行：“其他”只能写在最后一行。"),
        ({"priority_groups": "脱贫户 + 脱贫户"}, "priority_groups", "第 1 行：“脱贫户”重复填写。"),
        ({"priority_groups": "脱贫户+受灾户\n受灾户 + 脱贫户"}, "priority_groups", "第 2 行：上面已有相同的组。"),
        ({"priority_groups": "脱贫户 + "}, "priority_groups", "第 1 行：两个“+”之间缺少户类别。"),
        ({"priority_groups": "\n  \n"}, "priority_groups", "请至少填写一个优先组。"),
        ({"effective_from": "2026-13"}, "effective_from", "“2026-13”不是月份：请按年-月填写，例如 2026-12。"),
        ({"effective_from": "十一月"}, "effective_from", "“十一月”不是月份：请按年-月填写，例如 2026-12。"),
        ({"effective_from": ""}, "effective_from", "请选择修改自哪个月起生效。"),
    ],
)
def test_bad_values_are_refused_by_the_field(app, clock, changes, field, message):  # type: ignore[no-untyped-def]
    # The form on its own (no login per case): the page test below shows how it renders.
    with app.test_request_context("/admin/settings", method="POST", data=_form(**changes)):
        form = SettingsForm()
        assert form.validate() is False
        assert message in form.errors[field]


def test_bad_value_rerenders_the_page_and_saves_nothing(admin_client, app_ctx):  # type: ignore[no-untyped-def]
    response = admin_client.post("/admin/settings", data=_form(min_age="40", max_age="35", monthly_subsidy="900"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert ("max_age", "最高年龄不能低于最低年龄。") in _errors(html)
    assert "未保存：请改正下面标出的各项。" in html
    assert 'value="900"' in html  # what was typed is kept for correcting
    assert _events() == []
    assert current_settings().min_age == 18 and current_settings().monthly_subsidy == Decimal("600")
    assert current_settings().is_base


def test_every_faulty_priority_line_is_listed(admin_client):  # type: ignore[no-untyped-def]
    html = admin_client.post("/admin/settings", data=_form(priority_groups="甲\n脱贫户\n乙")).get_data(as_text=True)
    errors = [m for f, m in _errors(html) if f == "priority_groups"]
    assert errors == ["第 1 行：无法识别的户类别“甲”。", "第 3 行：无法识别的户类别“乙”。"]


def test_priority_text_reads_codes_labels_and_aliases(app_ctx) -> None:  # type: ignore[no-untyped-def]
    text = "建档立卡 ＋ 受灾户\nmonitoring\nLow-income\n零就业 + 残疾\n\n其他符合条件人员"
    assert parse_priority_groups(text) == [
        ["registered_poor", "flood_affected"], ["monitoring"], ["low_income"], ["zero_employment", "disabled"], [],
    ]


def test_priority_text_round_trips(app_ctx) -> None:  # type: ignore[no-untyped-def]
    groups = [list(g) for g in DEFAULT_PRIORITY_GROUPS]
    assert parse_priority_groups(format_priority_groups(groups)) == groups
    with pytest.raises(PriorityTextError) as info:
        parse_priority_groups("x + y")
    assert len(info.value.messages) == 2


def test_dropping_everyone_else_is_allowed_with_a_warning(admin_client, app_ctx):  # type: ignore[no-untyped-def]
    response = admin_client.post("/admin/settings", data=_form(priority_groups="脱贫户\n受灾户"), follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "设置已保存" in html
    assert "优先顺序没有最后一行“其他”" in html
    assert _events()[0].after["priority_groups"] == [["registered_poor"], ["flood_affected"]]
