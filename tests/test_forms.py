"""What every form and request refuses whatever page it is on: control characters and NUL."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from wtforms.validators import InputRequired, Optional

from wardens.extensions import db
from wardens.forms import DateField, Form, MonthField, no_control_characters
from wardens.models import Township, Village
from wardens.registry.forms import TownshipForm


class _Dates(Form):
    class Meta:
        csrf = False

    day = DateField("day", validators=[InputRequired(message="请填写日期。")])
    month = MonthField("month", validators=[Optional()])


def test_a_text_field_with_control_characters_is_refused_by_the_field(app, make, sign_in):
    office = make.user("office")
    township = make.township(name="西河口乡")
    db.session.commit()
    response = sign_in(office).post("/places/villages/new", data={"township_id": str(township.id), "name": "石湖\x1b村"})
    assert response.status_code == 200  # the form again, the message by the field
    page = response.get_data(as_text=True)
    assert "这段文字含有看不见的控制字符，请重新输入或删除它们。" in page
    assert db.session.scalar(select(Village).where(Village.township_id == township.id)) is None


def test_a_nul_anywhere_in_the_request_is_a_400_and_saves_nothing(app, make, sign_in):
    office = make.user("office")
    db.session.commit()
    client = sign_in(office)
    assert client.get("/people?q=%00").status_code == 400
    response = client.post("/places/townships/new", data={"name": "新\x00乡"})
    assert response.status_code == 400
    assert "提交的内容含有 NUL 字符" in response.get_data(as_text=True)
    assert db.session.scalar(select(Township).where(Township.name.like("新%"))) is None


def test_the_check_is_added_once_per_bound_field_not_once_per_instance(app_ctx):
    # The unbound field is shared by every instance: adding to its list would grow it per request.
    first, second = TownshipForm(), TownshipForm()
    assert len(first.name.validators) == len(second.name.validators) == 3
    assert second.name.validators.count(no_control_characters) == 1


@pytest.mark.parametrize(("typed", "message"), [
    ("2026-02-30", "2026-02-30 不是一个存在的日期。"),
    ("2026-13-01", "2026-13-01 不是一个存在的日期。"),
    ("30/11/2026", "“30/11/2026”不是日期，请按 YYYY-MM-DD 填写。"),
    ("昨天", "“昨天”不是日期，请按 YYYY-MM-DD 填写。"),
])
def test_the_one_date_field_names_what_was_typed_and_why_it_is_no_date(app_ctx, typed, message):
    form = _Dates(MultiDict({"day": typed}))
    assert form.validate() is False and form.day.data is None
    assert form.day.errors == [message]


@pytest.mark.parametrize(("typed", "message"), [
    ("2026-13", "“2026-13”不是月份：请按年-月填写，例如 2026-12。"),
    ("十一月", "“十一月”不是月份：请按年-月填写，例如 2026-12。"),
])
def test_the_one_month_field_names_what_was_typed(app_ctx, typed, message):
    form = _Dates(MultiDict({"day": "2026-11-30", "month": typed}))
    assert form.validate() is False and form.month.errors == [message] and form.month.month is None


def test_the_date_and_month_fields_read_what_a_picker_sends_and_leave_empty_to_their_validator(app_ctx):
    form = _Dates(MultiDict({"day": " 2026-11-30 ", "month": "2026-02"}))
    assert form.validate() is True
    assert form.day.data == dt.date(2026, 11, 30) and form.month.month == (2026, 2)
    empty = _Dates(MultiDict({"day": "", "month": ""}))
    assert empty.validate() is False and empty.day.errors == ["请填写日期。"] and empty.month.errors == []


def test_a_day_that_does_not_exist_in_a_route_is_a_404_and_one_that_does_is_read_as_a_date(app, make, sign_in):
    office = make.user("office")
    holder = make.assignment()
    db.session.commit()
    client = sign_in(office)
    assert client.get(f"/attendance/history/{holder.id}/2026-02-30").status_code == 404
    assert client.get(f"/attendance/history/{holder.id}/yesterday").status_code == 404
    page = client.get(f"/attendance/history/{holder.id}/2026-11-3")
    assert page.status_code == 200 and "2026" in page.get_data(as_text=True)


def test_the_audit_trail_names_a_from_date_that_is_not_one(app, make, sign_in):
    office = make.user("office")
    db.session.commit()
    page = sign_in(office).get("/audit?from=2026-02-30&to=2026-11-30").get_data(as_text=True)
    assert "2026-02-30 不是一个存在的日期。" in page
