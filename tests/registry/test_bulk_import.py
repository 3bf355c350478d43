"""The bulk import path keeps every rule: audit trail, initials, duplicates, re-validation on confirm."""
from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import func, select

from tests.registry.test_imports import (  # noqa: F401  (office is a fixture)
    HEADERS, ID_A, ID_B, ID_C, counts, import_file, office, people_rows, token_of, upload, xlsx_file,
)
from wardens.extensions import db
from wardens.models import AuditEvent, Household, Person, User, Village
from wardens.spreadsheets import xlsx_bytes


def _events(action, entity_type):
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action,
                                                           AuditEvent.entity_type == entity_type)
                                   .order_by(AuditEvent.id)))


def test_bulk_apply_writes_one_audit_event_per_household_flag_and_person(office, place, app):
    import_file(office, xlsx_file(HEADERS, people_rows()), "a.xlsx")
    with app.app_context():
        office_id = db.session.scalar(select(User.id).where(User.username == place.office))
        people = {p.id_number: p for p in db.session.scalars(select(Person))}
        created = _events("create", "person")
        assert sorted(e.entity_id for e in created) == sorted(p.id for p in people.values())
        assert all(e.actor_id == office_id and e.at is not None for e in created)
        # The audit trail never holds a full ID number or phone.
        after = {e.entity_id: e.after for e in created}[people[ID_A].id]
        assert after["id_number"] == "1101**********002X" and after["phone"] == "138****1234"
        assert after["name"] == "张三" and after["active"] is True
        assert len(_events("create", "household")) == 2
        flags = _events("flag_set", "household")
        assert sorted(e.after["flag"] for e in flags) == ["flood_affected", "monitoring", "registered_poor"]
        assert all(e.after["source"] == "Import of a.xlsx" for e in flags)
        # Bulk inserts skip the ORM hook; initials are filled all the same.
        assert {p.name: p.name_initials for p in people.values()} == {"张三": "zs", "张小三": "zxs", "李四": "ls"}


def test_update_records_before_and_after_of_changed_fields_and_cleared_flags(office, place, app):
    import_file(office, xlsx_file(HEADERS, people_rows()), "a.xlsx")
    rows = people_rows()
    rows[0][3] = "章三"
    rows[0][5] = "13900009999"
    rows[0][8] = "否"  # H001 no longer flood-affected
    rows[1][8] = "否"
    token, preview, applied = import_file(office, xlsx_file(HEADERS, rows), "b.xlsx")
    assert counts(preview) == {"new": 0, "update": 1, "unchanged": 2, "error": 0}
    with app.app_context():
        person = db.session.scalar(select(Person).where(Person.id_number == ID_A))
        assert person.name == "章三" and person.name_initials == "zs" and person.phone == "13900009999"
        (event,) = _events("update", "person")
        assert event.entity_id == person.id
        assert event.before == {"name": "张三", "phone": "138****1234"}
        assert event.after == {"name": "章三", "phone": "139****9999"}
        (cleared,) = _events("flag_cleared", "household")
        assert cleared.before["cleared_on"] is None and cleared.after["cleared_on"] is not None
        assert cleared.reason == "Import of b.xlsx"
        h1 = db.session.scalar(select(Household).where(Household.number == "H001"))
        assert h1.flag_codes == {"registered_poor"}
        assert len(h1.flags) == 2  # the cleared flag stays as history


def test_every_bad_row_is_listed_and_nothing_is_written(office, place, app, make):
    with app.app_context():
        existing = make.household(db.session.get(Village, place.village_id), number="H900")
        make.person(existing, name="王老五", id_number=ID_C)
        db.session.commit()
    rows = people_rows() + [
        ["H003", "西河口乡", "石湖村", "赵六", ID_A, "", "劳动力", "否", "否", "否"],
        ["H004", "西河口乡", "无名村", "钱七", "110105198001010015", "", "劳动力", "否", "否", "否"],
    ]
    token, preview, applied = import_file(office, xlsx_file(HEADERS, rows), "bad.xlsx")
    assert counts(preview)["error"] == 3
    assert "appears twice in the file (line 2 and this line)." in preview
    assert ("is already registered to 王老五 in household H900; "
            "it cannot also be entered in household H002.") in preview
    assert "Unknown village: 西河口乡 无名村 is not in the register." in preview
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Person)) == 1
        assert db.session.scalar(select(func.count()).select_from(Household)) == 1
        assert _events("create", "person") == []


def test_confirm_checks_again_against_the_register_as_it_is_now(office, place, app, make):
    token = token_of(upload(office, xlsx_file(HEADERS, people_rows()), "a.xlsx"))
    assert counts(office.get(f"/imports/{token}").get_data(as_text=True))["new"] == 3
    # The parsed cells are kept for the confirm step, beside the upload.
    assert (Path(app.config["IMPORT_FOLDER"]) / f"{token}.table.json").exists()
    with app.app_context():
        other = make.household(db.session.get(Village, place.village_id), number="H777")
        make.person(other, name="孙八", id_number=ID_B)
        db.session.commit()
    applied = office.post(f"/imports/{token}/apply")
    assert "show=errors" in applied.headers["Location"]
    page = office.get(applied.headers["Location"]).get_data(as_text=True)
    assert "is already registered to 孙八 in household H777" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Person)) == 1


def test_bulk_reimport_is_unchanged_and_writes_nothing(office, place, app):
    data = xlsx_file(HEADERS, people_rows())
    import_file(office, data, "a.xlsx")
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    token, preview, applied = import_file(office, data, "a.xlsx")
    assert counts(preview) == {"new": 0, "update": 0, "unchanged": 3, "error": 0}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before + 1
        assert db.session.scalar(select(func.count()).select_from(Person)) == 3


def test_xlsx_writer_keeps_text_dates_and_neutralises_formulas():
    data = xlsx_bytes(["户编号", "身份证号", "出生日期", "数", "=备注"],
                      [["0012", ID_A, dt.date(1949, 12, 31), 3, "=HYPERLINK(\"x\")"], ["0013", None, None, 2.5, "@x"]],
                      text_columns=(0, 1), sheet_title="people")
    ws = load_workbook(io.BytesIO(data)).active
    # Formula-looking text is a string cell with the quote prefix: never evaluated, no apostrophe shown.
    assert ws.title == "people" and ws["A1"].font.b and ws["E1"].value == "=备注" and ws["E1"].quotePrefix
    assert [c.value for c in ws[2]] == ["0012", ID_A, dt.datetime(1949, 12, 31), 3, "=HYPERLINK(\"x\")"]
    assert ws["E2"].data_type == "s" and ws["E2"].quotePrefix and not ws["D2"].quotePrefix
    assert ws["A2"].number_format == "@" and ws["B2"].data_type == "s"
    assert [c.value for c in ws[3]] == ["0013", None, None, 2.5, "@x"]
