"""Pages: forms with bad input, visibility for clerks, exports, reveal, sizing, audit, CSRF."""
from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from tests.helpers import PASSWORD, csrf_token, make_id_number
from tests.registry.conftest import login_en
from wardens import create_app
from wardens.extensions import db
from wardens.models import AttendanceRecord, AuditEvent, Household, Person, Post, Village

ID_X = "11010519491231002X"


@pytest.fixture
def data(app, place, make):
    """One household with two people in each township, a post with a holder in the first."""
    with app.app_context():
        v1 = db.session.get(Village, place.village_id)
        v2 = db.session.get(Village, place.other_village_id)
        h1 = make.household(v1, number="H-1", flags=("flood_affected",))
        p1 = make.person(h1, name="张三", id_number=ID_X, phone="13812345678")
        p2 = make.person(h1, name="=HYPERLINK(\"http://x\")", phone="13900000000")
        h2 = make.household(v2, number="H-2")
        p3 = make.person(h2, name="李四")
        post = make.post(v1, code="HL-1", km=7, slots=1)
        make.assignment(p1, post, term_start=dt.date(2020, 1, 1), term_end=dt.date(2999, 12, 31))
        db.session.commit()
        return {"p1": p1.id, "p2": p2.id, "p3": p3.id, "h1": h1.id, "h2": h2.id, "post": post.id}


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"name": ""}, "Name is required."),
        ({"id_number": "11010519491231002"}, "ID number must have 18 characters, this one has 17."),
        ({"id_number": "110105194912310021"}, "ID number does not pass its check: a digit is likely mistyped. Check it against the ID card or the household register."),
        ({"id_number": "11010520491231002X"}, "ID number holds a birth date in the future"),
        ({"phone": "555"}, "Phone number 555 is not valid"),
        ({"bank_account": "abc"}, "Bank account abc is not valid: it must have 8 to 30 digits."),
        ({"labour": "strong"}, "Not a valid choice."),
    ],
)
def test_person_form_bad_input_rerenders_with_message_and_saves_nothing(client, place, data, app, changes, message):
    login_en(client, place.office)
    form = {"name": "王五", "id_number": make_id_number(dt.date(1980, 1, 1), seq=7), "phone": "13800000000",
            "labour": "full", **changes}
    response = client.post(f"/households/{data['h1']}/people/new", data=form)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in html
    assert 'class="error"' in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Person)) == 3


def test_person_form_duplicate_id_names_both_households(client, place, data):
    login_en(client, place.office)
    response = client.post(f"/households/{data['h2']}/people/new",
                           data={"name": "张三", "id_number": ID_X, "labour": "full"})
    assert ("ID number 1101**********002X is already registered to 张三 in household H-1; "
            "it cannot also be entered in household H-2.") in response.get_data(as_text=True)


def test_person_form_creates_and_redirects(client, place, data, app):
    login_en(client, place.office)
    number = make_id_number(dt.date(1985, 6, 1), seq=9)
    response = client.post(f"/households/{data['h1']}/people/new",
                           data={"name": "王五", "id_number": number, "labour": "weak", "phone": "13800000000"})
    assert response.status_code == 302
    with app.app_context():
        person = db.session.scalar(select(Person).where(Person.id_number == number))
        assert response.headers["Location"] == f"/people/{person.id}"
        assert (person.labour, person.name_initials) == ("weak", "ww")


def test_household_and_post_forms(client, place, data, app):
    login_en(client, place.office)
    response = client.post("/households/new", data={"number": "H-1", "village_id": place.village_id})
    assert "Household number H-1 is already used (in 西河口乡 石湖村)." in response.get_data(as_text=True)
    response = client.post("/posts/new", data={"code": "HL-2", "kind": "road_warden", "village_id": place.village_id,
                                                "km": "2", "slots": "1", "min_age": "60", "max_age": "50",
                                                "labour": "weak", "monthly_subsidy": "600", "required_days": "40"})
    html = response.get_data(as_text=True)
    assert "Minimum age 60 is above maximum age 50." in html
    response = client.post("/posts/new", data={"code": "HL-2", "kind": "road_warden", "village_id": place.village_id,
                                                "km": "2", "slots": "1", "min_age": "18", "max_age": "60",
                                                "labour": "weak", "monthly_subsidy": "600", "required_days": "22"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Post.required_days).where(Post.code == "HL-2")) == 22


def test_deactivate_post_with_holder_is_refused_with_reason(client, place, data, app):
    login_en(client, place.office)
    response = client.post(f"/post/{data['post']}/deactivate", follow_redirects=True)
    assert "Post HL-1 has 1 holders in force (张三); end their agreements first." in response.get_data(as_text=True)
    response = client.post(f"/village/{place.village_id}/deactivate", follow_redirects=True)
    assert "still has 1 active posts (HL-1)" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Post, data["post"]).active


def test_search_by_name_initials_and_last_four(client, place, data):
    login_en(client, place.office)
    assert "张三" in client.get("/people?q=002x").get_data(as_text=True)
    by_initials = client.get("/people?q=zs").get_data(as_text=True)
    assert "张三" in by_initials and "李四" not in by_initials
    by_name = client.get("/people?q=李").get_data(as_text=True)
    assert "李四" in by_name and "张三" not in by_name
    flagged = client.get("/people?flag=flood_affected&sort=name&desc=1").get_data(as_text=True)
    assert "张三" in flagged and "李四" not in flagged
    holding = client.get("/people?status=holding").get_data(as_text=True)
    assert "张三" in holding and "李四" not in holding
    assert "HL-1" in client.get("/posts?kind=road_warden&status=full").get_data(as_text=True)
    assert "HL-1" not in client.get("/posts?status=vacant").get_data(as_text=True)


def test_ids_and_phones_are_masked_in_lists(client, place, data):
    login_en(client, place.office)
    html = client.get("/people").get_data(as_text=True)
    assert ID_X not in html and "1101**********002X" in html
    assert "13812345678" not in html and "138****5678" in html


def test_clerk_sees_only_own_township(client, place, data):
    login_en(client, place.clerk)
    html = client.get("/people").get_data(as_text=True)
    assert "张三" in html and "李四" not in html
    assert client.get(f"/people/{data['p3']}").status_code == 404
    assert client.get(f"/households/{data['h2']}").status_code == 404
    assert client.post(f"/households/{data['h2']}/people/new", data={"name": "x"}).status_code == 404
    assert client.get(f"/people/{data['p1']}").status_code == 200
    assert "No one matches." in client.get("/people?q=李四").get_data(as_text=True)
    wb = load_workbook(io.BytesIO(client.get("/export/people.xlsx").data))
    names = [row[3] for row in wb.active.iter_rows(min_row=2, values_only=True)]
    assert "李四" not in names and "张三" in names
    # A clerk cannot pick another township's village either.
    response = client.post("/households/new", data={"number": "H-9", "village_id": place.other_village_id})
    assert "Not a valid choice." in response.get_data(as_text=True)
    for url in ("/places", "/imports", "/audit"):
        assert client.get(url).status_code == 403
    assert client.post(f"/people/{data['p1']}/reveal").status_code == 403
    assert client.post("/export/people", data={"fmt": "xlsx", "unmasked": "y"}).status_code == 403


def test_exports_read_back_with_ids_as_text_and_formulas_neutralised(client, place, data, app):
    login_en(client, place.office)
    wb = load_workbook(io.BytesIO(client.get("/export/people.xlsx").data))
    rows = list(wb.active.iter_rows(values_only=True))
    assert rows[0][:5] == ("户编号", "所属乡镇", "所属村", "姓名", "身份证号")
    ids = {r[3]: r[4] for r in rows[1:]}
    assert ids["张三"] == "1101**********002X"
    # A formula-looking name is a text cell with the quote prefix: shown as typed, never evaluated.
    names = {row[3].value: row[3] for row in wb.active.iter_rows(min_row=2)}
    formula_name = names['=HYPERLINK("http://x")']
    assert formula_name.data_type == "s" and formula_name.quotePrefix
    csv_text = client.get("/export/people.csv").data.decode("utf-8-sig")
    assert "'=HYPERLINK" in csv_text and ID_X not in csv_text
    # Unmasked: only by an explicit POST, and it is audited.
    response = client.post("/export/people?q=张三", data={"fmt": "xlsx", "unmasked": "y"})
    wb = load_workbook(io.BytesIO(response.data))
    cells = list(wb.active.iter_rows(min_row=2))
    assert len(cells) == 1
    id_cell = cells[0][4]
    assert id_cell.value == ID_X and id_cell.data_type == "s"
    assert cells[0][5].value == "13812345678" and cells[0][5].data_type == "s"
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "export_unmasked"))
        assert event.entity_type == "people" and event.after["filters"] == {"q": "张三"}


def test_every_list_exports_in_both_formats(client, place, data):
    login_en(client, place.office)
    for name in ("people", "households", "posts", "sizing"):
        for fmt in ("xlsx", "csv"):
            response = client.get(f"/export/{name}.{fmt}?township={place.township_id}")
            assert response.status_code == 200
            assert f"{name}-" in response.headers["Content-Disposition"]
    wb = load_workbook(io.BytesIO(client.get("/export/posts.xlsx").data))
    rows = list(wb.active.iter_rows(values_only=True))
    assert rows[1][0] == "HL-1" and rows[1][1] == "护路员" and rows[1][-2] == 1


def test_reveal_full_id_is_audited_and_shown_once(client, place, data, app):
    login_en(client, place.office)
    page = client.get(f"/people/{data['p1']}").get_data(as_text=True)
    assert ID_X not in page
    response = client.post(f"/people/{data['p1']}/reveal")
    assert response.headers["Location"] == f"/people/{data['p1']}"
    assert ID_X in client.get(f"/people/{data['p1']}").get_data(as_text=True)
    assert ID_X not in client.get(f"/people/{data['p1']}").get_data(as_text=True)
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "id_revealed"))
        assert event.entity_type == "person" and event.entity_id == data["p1"] and event.actor_id is not None


def test_person_page_shows_household_flags_assignments_and_month_counts(client, place, data, app):
    from wardens.dates import today
    from wardens.models import Assignment

    with app.app_context():
        day = today()
        assignment = db.session.scalar(select(Assignment))
        for offset, status in enumerate(["present", "present", "sick"]):
            d = day.replace(day=1) + dt.timedelta(days=offset)
            if d.month == day.month:
                db.session.add(AttendanceRecord(assignment_id=assignment.id, day=d, status=status))
        db.session.commit()
        expected = db.session.scalar(select(func.count()).select_from(AttendanceRecord)
                                     .where(AttendanceRecord.status == "present"))
    login_en(client, place.office)
    html = client.get(f"/people/{data['p1']}").get_data(as_text=True)
    assert "H-1" in html and "Flood-affected" in html and "HL-1" in html
    counts = re.search(r'data-testid="month-counts">(.*?)</div>\s*</section>', html, re.S).group(1)
    assert f'<span class="big">{expected}</span><span>√ Present' in counts


def test_sizing_suggests_slots_from_road_km(client, place, data, app):
    with app.app_context():
        village = db.session.get(Village, place.other_village_id)
        village.road_km = 20
        db.session.commit()
    login_en(client, place.office)
    html = client.get("/posts/sizing").get_data(as_text=True)
    row1 = re.search(rf'data-village="{place.village_id}">(.*?)</tr>', html, re.S).group(1)
    # 7 km of posts / 3 km per warden -> 3 suggested, 1 slot: short by 2.
    assert re.findall(r'<td class="num">(\d+)</td>', row1) == ["3", "1"]
    assert "short by 2" in row1
    row2 = re.search(rf'data-village="{place.other_village_id}">(.*?)</tr>', html, re.S).group(1)
    # 20 km would need 7, capped at 4 per village.
    assert re.findall(r'<td class="num">(\d+)</td>', row2) == ["4", "0"]


def test_audit_page_filters(client, place, data, app):
    login_en(client, place.office)
    client.post(f"/people/{data['p1']}/reveal")
    client.post("/places/townships/new", data={"name": "新安镇"})
    assert "新安镇" in client.get("/audit?entity_type=township").get_data(as_text=True)
    html = client.get("/audit?action=id_revealed").get_data(as_text=True)
    assert "Full ID number shown" in html and "新安镇" not in html
    assert "No events match." in client.get("/audit?from=2999-01-01").get_data(as_text=True)
    assert "is not a date" in client.get("/audit?from=yesterday").get_data(as_text=True)


def test_places_pages(client, place, data, app):
    login_en(client, place.admin)
    response = client.post("/places/villages/new", data={"township_id": place.township_id, "name": "红石岩村",
                                                           "road_km": "9.5", "neighbours": [place.village_id]})
    assert response.status_code == 302
    with app.app_context():
        village = db.session.scalar(select(Village).where(Village.name == "红石岩村"))
        assert [v.id for v in village.neighbours] == [place.village_id]
        assert [v.name for v in db.session.get(Village, place.village_id).neighbours] == ["红石岩村"]
    html = client.get("/places").get_data(as_text=True)
    assert "红石岩村" in html
    response = client.post("/places/villages/new", data={"township_id": place.township_id, "name": "石湖村"})
    assert "西河口乡 already has a village named 石湖村." in response.get_data(as_text=True)


def test_flag_forms_on_household_page(client, place, data, app):
    login_en(client, place.office)
    response = client.post(f"/households/{data['h1']}/flags", data={"flag": "flood_affected",
                                                                     "recorded_on": "2021-01-01"})
    assert "already has the flag Flood-affected since 2020-07-20" in response.get_data(as_text=True)
    response = client.post(f"/households/{data['h1']}/flags/clear", data={"flag": "flood_affected",
                                                                           "cleared_on": "2022-01-01",
                                                                           "reason": "rebuilt"})
    assert response.status_code == 302
    html = client.get(f"/households/{data['h1']}").get_data(as_text=True)
    assert "rebuilt" in html


def test_csrf_is_required_on_the_person_form(place, data, database_url, app):
    csrf_app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "csrf-test",
                           "WTF_CSRF_ENABLED": True, "SESSION_COOKIE_SECURE": False, "WARDENS_ENV": "test"})
    client = csrf_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"username": place.office, "password": PASSWORD, "csrf_token": csrf_token(page)})
    number = make_id_number(dt.date(1990, 1, 1), seq=5)
    form = {"name": "王五", "id_number": number, "labour": "full"}
    refused = client.post(f"/households/{data['h1']}/people/new", data=form)
    assert refused.status_code == 400
    page = client.get(f"/households/{data['h1']}/people/new").get_data(as_text=True)
    accepted = client.post(f"/households/{data['h1']}/people/new", data={**form, "csrf_token": csrf_token(page)})
    assert accepted.status_code == 302
    with csrf_app.app_context():
        assert db.session.scalar(select(Person.name).where(Person.id_number == number)) == "王五"
        db.session.remove()
        db.engine.dispose()


def test_lists_paginate(client, place, app, make):
    with app.app_context():
        village = db.session.get(Village, place.village_id)
        household = make.household(village)
        for i in range(55):
            make.person(household, name=f"人{i:02d}")
        db.session.commit()
    login_en(client, place.office)
    first = client.get("/people?sort=name").get_data(as_text=True)
    assert "Page 1 of 2" in first and "人00" in first and "人54" not in first
    second = client.get("/people?sort=name&page=2").get_data(as_text=True)
    assert "人54" in second
    assert client.get("/people?sort=bogus&page=abc").status_code == 200
    assert Household is not None
