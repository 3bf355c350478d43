"""The register's rules, called directly: field faults, duplicates, flags, refusals, audit."""
from __future__ import annotations

import datetime as dt

import pytest
from flask_babel import force_locale
from flask_login import login_user
from sqlalchemy import select

from tests.helpers import make_id_number
from wardens.extensions import db
from wardens.models import AuditEvent, HouseholdFlag, Person, Post
from wardens.registry.operations.common import RegistryError
from wardens.registry.operations.exports import export_table
from wardens.registry.operations.households import clear_household_flag, create_household, set_household_flag
from wardens.registry.operations.people import create_person, update_person
from wardens.registry.operations.places import deactivate_township, deactivate_village, set_neighbours
from wardens.registry.operations.posts import check_post, create_post, deactivate_post
from wardens.registry.search import Filters

GOOD_ID = "11010519491231002X"


@pytest.fixture
def en(app_ctx):
    with force_locale("en"):
        yield


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"name": "  "}, "name", "Name is required."),
        ({"name": "张" * 51}, "name", "Name may have at most 50 characters."),
        ({"id_number": ""}, "id_number", "ID number is required."),
        ({"id_number": "11010519491231002"}, "id_number", "ID number must have 18 characters, this one has 17."),
        ({"id_number": "110105194912310021"}, "id_number", "ID number does not pass its check: a digit is likely mistyped. Check it against the ID card or the household register."),
        ({"id_number": "11010519491331002X"}, "id_number",
         "ID number holds the birth date 19491331, which does not exist."),
        ({"id_number": make_id_number(dt.date(2099, 1, 1))}, "id_number",
         "ID number holds a birth date in the future (2099-01-01)."),
        ({"phone": "12345"}, "phone",
         "Phone number 12345 is not valid: give an 11-digit mobile number or a landline with its area code."),
        ({"labour": "strong"}, "labour", "Labour ability strong is not one of the known kinds."),
        ({"bank_account": "12ab"}, "bank_account", "Bank account 12ab is not valid: it must have 8 to 30 digits."),
        # Digits of other scripts are digits to a regex's \d, but no phone or bank reads them.
        ({"phone": "١٣٨٠٠٠٠١٢٣٤"}, "phone",
         "Phone number ١٣٨٠٠٠٠١٢٣٤ is not valid: give an 11-digit mobile number or a landline with its area code."),
        ({"bank_account": "٦٢٢٢٠٢١٢٣٤"}, "bank_account",
         "Bank account ٦٢٢٢٠٢١٢٣٤ is not valid: it must have 8 to 30 digits."),
    ],
)
def test_create_person_refuses_bad_fields_naming_field_and_fault(make, en, changes, field, message):
    household = make.household()
    values = {"name": "张三", "id_number": GOOD_ID, "phone": "13800001234", **changes}
    with pytest.raises(RegistryError) as caught:
        create_person(household, actor_id=None, **values)
    assert caught.value.field == field
    assert caught.value.message == message
    assert isinstance(caught.value, ValueError)
    assert db.session.scalar(select(Person).where(Person.name == values["name"])) is None


def test_create_person_fills_what_the_id_number_tells_and_audits(make, en):
    household = make.household()
    person = create_person(household, name="张三丰", id_number=" 11010519491231002x ", phone="138 0000 1234",
                           labour="weak", actor_id=None)
    assert person.id_number == GOOD_ID
    assert person.birth_date == dt.date(1949, 12, 31)
    assert person.sex == "F"
    assert person.id_last4 == "002X"
    assert person.name_initials == "zsf"
    assert person.phone == "13800001234"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.entity_type == "person"))
    assert event.action == "create" and event.entity_id == person.id
    # The audit trail never holds a full ID number or phone.
    assert event.after["id_number"] == "1101**********002X"
    assert event.after["phone"] == "138****1234"


def test_full_width_phone_and_bank_account_are_stored_as_ascii_digits(make, en):
    # Chinese input methods often type full-width digits; stored as typed, a tel: link and a bank file would break.
    person = create_person(make.household(), name="李四", id_number=GOOD_ID, phone="＋８６ １３８ ０００１ １１２２",
                           bank_account="６２２２ ０２１２ ３４５６", actor_id=None)
    assert person.phone == "13800011122"
    assert person.bank_account == "622202123456"


def test_duplicate_id_number_names_both_households(make, en):
    first = make.household(number="H-A")
    second = make.household(number="H-B")
    create_person(first, name="李四", id_number=GOOD_ID, actor_id=None)
    with pytest.raises(RegistryError) as caught:
        create_person(second, name="李四", id_number=GOOD_ID, actor_id=None)
    assert caught.value.field == "id_number"
    assert caught.value.message == (
        "ID number 1101**********002X is already registered to 李四 in household H-A; "
        "it cannot also be entered in household H-B."
    )


def test_update_person_changes_only_what_differs(make, en):
    person = make.person(name="王五")
    values = dict(name="王五", id_number=person.id_number, phone=person.phone, labour=person.labour)
    assert update_person(person, actor_id=None, **values) is False
    assert update_person(person, actor_id=None, **{**values, "name": "王小五"}) is True
    assert person.name_initials == "wxw"
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "update")).one()
    assert event.before["name"] == "王五"
    assert event.after["name"] == "王小五"


def test_household_number_must_be_unique(make, en):
    village = make.village()
    create_household("H-1", village, actor_id=None)
    with pytest.raises(RegistryError) as caught:
        create_household("H-1", village, actor_id=None)
    assert caught.value.field == "number"
    assert caught.value.message.startswith("Household number H-1 is already used")


def test_flags_keep_history_with_source(make, en):
    household = make.household()
    set_household_flag(household, "flood_affected", dt.date(2020, 7, 20), note="2020-07 flood",
                       source="区应急管理局名单", actor_id=None)
    with pytest.raises(RegistryError) as caught:
        set_household_flag(household, "flood_affected", dt.date(2020, 8, 1), actor_id=None)
    assert "already has the flag Flood-affected since 2020-07-20" in caught.value.message
    with pytest.raises(RegistryError) as caught:
        clear_household_flag(household, "flood_affected", dt.date(2020, 7, 1), reason="recovered", actor_id=None)
    assert caught.value.message == "The flag was recorded on 2020-07-20; it cannot be cleared before that."
    with pytest.raises(RegistryError) as caught:
        clear_household_flag(household, "flood_affected", dt.date(2021, 7, 1), reason=" ", actor_id=None)
    assert caught.value.field == "reason"
    clear_household_flag(household, "flood_affected", dt.date(2021, 7, 1), reason="rebuilt", actor_id=None)
    set_household_flag(household, "flood_affected", dt.date(2024, 6, 1), source="second list", actor_id=None)
    rows = db.session.scalars(select(HouseholdFlag).order_by(HouseholdFlag.recorded_on)).all()
    assert [(r.source, r.cleared_on) for r in rows] == [("区应急管理局名单", dt.date(2021, 7, 1)), ("second list", None)]
    assert household.flag_codes == {"flood_affected"}
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["flag_set", "flag_cleared", "flag_set"]


def test_flag_date_in_future_is_refused(make, en):
    household = make.household()
    with pytest.raises(RegistryError) as caught:
        set_household_flag(household, "registered_poor", dt.date(2999, 1, 1), actor_id=None)
    assert caught.value.message == "Date 2999-01-01 is in the future."


def test_deactivating_a_post_with_holders_is_refused(make, en):
    person = make.person(name="赵六")
    post = make.post(code="HL-9")
    make.assignment(person, post, term_start=dt.date(2020, 1, 1), term_end=dt.date(2999, 12, 31))
    with pytest.raises(RegistryError) as caught:
        deactivate_post(post, actor_id=None)
    assert caught.value.message == "Post HL-9 has 1 holders in force (赵六); end their agreements first."
    assert post.active


def test_deactivating_a_village_with_posts_and_a_township_with_villages_is_refused(make, en):
    township = make.township(name="新安镇")
    village = make.village(township, name="迎水村")
    post = make.post(village, code="HL-1")
    with pytest.raises(RegistryError) as caught:
        deactivate_village(village, actor_id=None)
    assert caught.value.message == (
        "Village 新安镇 迎水村 still has 1 active posts (HL-1); deactivate or move them first.")
    with pytest.raises(RegistryError) as caught:
        deactivate_township(township, actor_id=None)
    assert caught.value.message == (
        "Township 新安镇 still has 1 active villages (迎水村); deactivate them first.")
    deactivate_post(post, actor_id=None)
    deactivate_village(village, actor_id=None)
    deactivate_township(township, actor_id=None)
    assert not township.active and not village.active and not post.active
    assert db.session.scalars(select(AuditEvent.action)).all() == ["deactivate"] * 3


def test_neighbours_are_written_in_both_directions(make, en):
    township = make.township()
    a, b, c = make.village(township), make.village(township), make.village(township)
    set_neighbours(a, [b, c], actor_id=None)
    db.session.expire_all()
    assert {v.id for v in a.neighbours} == {b.id, c.id}
    assert [v.id for v in b.neighbours] == [a.id]
    set_neighbours(a, [c], actor_id=None)
    db.session.expire_all()
    assert b.neighbours == []
    assert [v.id for v in c.neighbours] == [a.id]


def test_post_rules(make, en):
    village = make.village()
    with pytest.raises(RegistryError) as caught:
        create_post(village, code="P1", kind="road_warden", min_age=50, max_age=40, actor_id=None)
    assert (caught.value.field, caught.value.message) == ("max_age", "Minimum age 50 is above maximum age 40.")
    post = create_post(village, code="P1", kind="road_warden", km="3.5", slots=2, actor_id=None)
    with pytest.raises(RegistryError) as caught:
        create_post(village, code="P1", kind="road_cleaner", actor_id=None)
    assert caught.value.field == "code"
    assert post.km == check_post(code="x", kind="road_warden", km="3.5").km


def test_a_post_cannot_move_township_while_its_terms_reach_a_closed_month(make, en):
    # A township's sheet lists the posts in its villages: the move would rewrite a paid sheet.
    from wardens.attendance.months import close_month, submit_month
    from wardens.models import Township
    from wardens.registry.operations.posts import update_post

    home, other = make.village(), make.village()
    same_township = make.village(db.session.get(Township, home.township_id))
    post = make.post(village=home, code="P-MOVE")
    make.assignment(post=post, term_start=dt.date(2026, 1, 1), term_end=dt.date(2026, 12, 31))
    office = make.user("office")
    submit_month(home.township_id, 2026, 3, office, today=dt.date(2026, 4, 1))
    close_month(home.township_id, 2026, 3, office)
    values = {"code": "P-MOVE", "kind": "road_warden", "km": "3.0", "slots": 1}

    with pytest.raises(RegistryError) as caught:
        update_post(post, other, actor_id=None, **values)
    assert caught.value.field == "village_id"
    assert "2026-03 is closed" in caught.value.message
    db.session.expire_all()
    assert db.session.get(Post, post.id).village_id == home.id

    assert update_post(post, same_township, actor_id=None, **values) is True  # the same sheet: allowed
    assert db.session.get(Post, post.id).village_id == same_township.id


def test_clean_text_refuses_text_past_its_limit_by_the_field(app_ctx):
    from flask_babel import force_locale

    from wardens.registry.operations.common import clean_text

    assert clean_text("  ab  ", limit=2) == "ab"
    assert clean_text("   ", limit=2) is None
    with force_locale("en"), pytest.raises(RegistryError) as refused:
        clean_text(" abc ", limit=2, field="code", what="Code")
    assert (refused.value.field, refused.value.message) == ("code", "Code may have at most 2 characters.")


def test_an_unmasked_export_is_audited_by_the_operation_that_makes_it_and_a_masked_one_is_not(make, en):
    person = make.person(name="张三")
    office = make.user("office")
    login_user(office)  # the lists read who is asking (a clerk sees only their township)
    masked = export_table("people", Filters(q="张三"), fmt="csv", unmasked=False, actor_id=office.id)
    assert [row[4] for row in masked.rows] == [person.id_number[:4] + "*" * 10 + person.id_number[-4:]]
    assert db.session.scalars(select(AuditEvent)).all() == []
    unmasked = export_table("people", Filters(q="张三"), fmt="xlsx", unmasked=True, actor_id=office.id)
    event = db.session.scalars(select(AuditEvent)).one()  # flushed before a row is read
    assert (event.action, event.entity_type, event.actor_id) == ("export_unmasked", "people", office.id)
    assert event.after == {"filters": {"q": "张三"}, "format": "xlsx"}
    assert [row[4] for row in unmasked.rows] == [person.id_number]
