"""A clerk refused for a duplicate learns that the record exists, never whose or where, outside their township."""
from __future__ import annotations

from sqlalchemy import select

from tests.registry.conftest import login_en
from tests.registry.test_pages import data  # noqa: F401  (fixture)
from wardens.extensions import db
from wardens.models import Person, Village


def _form(html: str) -> str:
    return html[html.index("<form"):]


def test_a_clerk_entering_another_townships_id_number_is_not_told_whose_it_is(client, place, data, app, make):
    with app.app_context():
        number = db.session.scalar(select(Person.id_number).where(Person.id == data["p3"]))
    login_en(client, place.clerk)
    response = client.post(f"/households/{data['h1']}/people/new", data={"name": "某人", "id_number": number,
                                                                           "labour": "full"})
    html = _form(response.get_data(as_text=True))
    assert "is already registered in another township" in html
    assert "李四" not in html and "H-2" not in html


def test_a_clerk_reusing_another_townships_household_number_or_post_code_is_not_told_where(client, place, data, app,
                                                                                          make):
    with app.app_context():
        make.post(db.session.get(Village, place.other_village_id), code="WL-9")
        db.session.commit()
    login_en(client, place.clerk)
    html = _form(client.post("/households/new", data={"number": "H-2", "village_id": place.village_id}).text)
    assert "Household number H-2 is already used in another township." in html and "王楼村" not in html
    html = _form(client.post("/posts/new", data={"code": "WL-9", "kind": "road_warden", "village_id": place.village_id,
                                                 "km": "2", "slots": "1", "min_age": "18", "max_age": "60",
                                                 "labour": "weak", "monthly_subsidy": "600",
                                                 "required_days": "22"}).text)
    assert "Post code WL-9 is already used in another township." in html and "王楼村" not in html


def test_the_office_is_still_told_where_the_duplicate_is(client, place, data):
    login_en(client, place.office)
    html = client.post("/households/new", data={"number": "H-2", "village_id": place.village_id}).text
    assert "Household number H-2 is already used (in 单王乡 王楼村)." in html
