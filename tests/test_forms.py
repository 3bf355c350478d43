"""What every form and request refuses whatever page it is on: control characters and NUL."""
from __future__ import annotations

from sqlalchemy import select

from wardens.extensions import db
from wardens.forms import no_control_characters
from wardens.models import Township, Village
from wardens.registry.forms import TownshipForm


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
