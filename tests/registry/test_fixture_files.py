"""Files made by real spreadsheet programs (tests/fixtures/spreadsheets, see make_fixtures.py), imported for real.

For each import of the register and each producer: the correct table is accepted and
stored exactly as the corpus says; identifiers typed into number cells are refused by
the cell and nothing is stored; every workbook has an instructions sheet first and a
merged title row above the header, every CSV a title line; an export saved unchanged
by LibreOffice imports back with 0 changes.
"""
from __future__ import annotations

import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.fixtures import corpus
from tests.registry.test_imports import counts, import_file, office, token_of, upload  # noqa: F401 (fixture)
from wardens.extensions import db
from wardens.models import Household, HouseholdFlag, Person, Post

FILES = Path(__file__).resolve().parents[1] / "fixtures" / "spreadsheets"
PRODUCERS = corpus.WORKBOOK_PRODUCERS + corpus.CSV_PRODUCERS


def data(name: str) -> bytes:
    return (FILES / name).read_bytes()


def stored_people() -> list[tuple[str, ...]]:
    db.session.expire_all()
    rows = db.session.execute(
        select(Household.number, Person.name, Person.id_number, Person.phone, Person.bank_account, Person.note)
        .join(Person.household).order_by(Person.name)).all()
    return [tuple("" if v is None else v for v in row) for row in rows]


def expected_people() -> list[tuple[str, ...]]:
    h = corpus.PEOPLE_HEADERS
    out = [(r[h.index("户编号")], r[h.index("姓名")], r[h.index("身份证号")], r[h.index("联系电话")],
            r[h.index("银行账号")], r[h.index("备注")]) for r in corpus.PEOPLE_ROWS]
    return sorted(out, key=lambda r: r[1])


@pytest.mark.parametrize("producer", PRODUCERS)
def test_people_from_every_producer_are_stored_exactly(office, place, app, producer):  # noqa: F811
    name = f"people.{producer}"
    token, preview, applied = import_file(office, data(name), name)
    assert counts(preview) == {"new": 3, "update": 0, "unchanged": 0, "error": 0}, preview[:3000]
    assert applied.status_code == 302
    with app.app_context():
        assert stored_people() == expected_people()
        flags = {(h, f) for h, f in db.session.execute(
            select(Household.number, HouseholdFlag.flag).join(HouseholdFlag.household))}
        assert flags == {("34150320104019907", "registered_poor"), ("3-12", "flood_affected")}
    if producer.endswith(".xlsx") or producer.endswith(".xls") or producer.endswith(".ods"):
        if producer != "pandas.xlsx":
            assert "Read the sheet “名单”, header on row 3." in preview


@pytest.mark.parametrize("producer", corpus.NUMBER_PRODUCERS)
def test_people_with_identifiers_in_number_cells_are_refused_by_the_cell(office, place, app, producer):  # noqa: F811
    name = f"people-numbers.{producer}"
    response = upload(office, data(name), name)
    preview = office.get(response.headers["Location"]).get_data(as_text=True)
    assert counts(preview)["error"] == 3 and counts(preview)["new"] == 0
    for line, column in ((4, "户编号"), (4, "身份证号"), (4, "银行账号"), (5, "户编号"), (5, "银行账号"),
                         (6, "身份证号"), (6, "银行账号")):
        assert (f"Line {line} {column}: the cell is a number cell; spreadsheet programs keep only 15 significant "
                "digits") in preview, (line, column)
    applied = office.post(f"/imports/{token_of(response)}/apply")
    assert applied.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Person)) == 0


def test_template_typed_in_libreoffice_keeps_every_digit(office, place, app):  # noqa: F811
    """The issue's first finding: rows typed from row 3 on were numbers; the template's columns are text now."""
    token, preview, applied = import_file(office, data("people-template-typed.libreoffice.xlsx"), "typed.xlsx")
    assert counts(preview) == {"new": 3, "update": 0, "unchanged": 0, "error": 0}, preview[:3000]
    assert "The template&#39;s example row (row 2) was not imported." in preview
    with app.app_context():
        assert stored_people() == expected_people()


def test_typing_into_a_sheet_without_text_format_is_refused(office, place, app):  # noqa: F811
    response = upload(office, data("people-plain-typed.libreoffice.xlsx"), "plain.xlsx")
    preview = office.get(response.headers["Location"]).get_data(as_text=True)
    assert counts(preview)["error"] == 3
    assert "Line 2 身份证号: the cell is a number cell" in preview
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Person)) == 0


def test_export_saved_by_libreoffice_imports_back_unchanged_and_an_edit_is_one_change(office, place, app):  # noqa: F811
    import_file(office, data("people.xlsxwriter.xlsx"), "people.xlsx")
    token, preview, applied = import_file(office, data("people-export.libreoffice.xlsx"), "export.xlsx")
    assert counts(preview) == {"new": 0, "update": 0, "unchanged": 3, "error": 0}, preview[:3000]
    token, preview, applied = import_file(office, data("people-export-edited.libreoffice.xlsx"), "edited.xlsx")
    assert counts(preview) == {"new": 0, "update": 1, "unchanged": 2, "error": 0}, preview[:3000]
    changes = re.findall(r'<ul class="changes" data-testid="row-changes">(.*?)</ul>', preview, re.S)
    assert len(changes) == 1 and "银行账号" in changes[0] and "→" in changes[0]
    with app.app_context():
        db.session.expire_all()
        account = db.session.scalar(select(Person.bank_account).where(Person.name == "王五"))
        assert account == "6230227195608864330"


def test_own_exports_import_back_with_no_change(office, place, app):  # noqa: F811
    import_file(office, data("people.xlsxwriter.xlsx"), "people.xlsx")
    import_file(office, data("posts.xlsxwriter.xlsx"), "posts.xlsx", kind="posts")
    for kind, name in (("people", "people"), ("posts", "posts")):
        for fmt in ("xlsx", "csv"):
            exported = office.post(f"/export/{name}", data={"fmt": fmt, "unmasked": "y"}).data
            token, preview, applied = import_file(office, exported, f"export.{fmt}", kind=kind)
            n = 3 if kind == "people" else 2
            assert counts(preview) == {"new": 0, "update": 0, "unchanged": n, "error": 0}, (kind, fmt, preview[:3000])


def expected_posts() -> list[tuple[object, ...]]:
    h = corpus.POST_HEADERS
    return sorted((r[h.index("岗位编号")], r[h.index("路线编码")], Decimal(str(r[h.index("里程(公里)")])),
                   r[h.index("岗位数")], Decimal(str(r[h.index("月补贴标准(元)")])), r[h.index("路长电话")] or None)
                  for r in corpus.POST_ROWS)


@pytest.mark.parametrize("producer", PRODUCERS + tuple(f"numbers-{p}" for p in corpus.NUMBER_PRODUCERS))
def test_posts_from_every_producer_are_stored_exactly(office, place, app, producer):  # noqa: F811
    """An 11-digit phone in a number cell is exact (at most 15 digits): read as its digits."""
    name = f"posts-numbers.{producer[8:]}" if producer.startswith("numbers-") else f"posts.{producer}"
    token, preview, applied = import_file(office, data(name), name, kind="posts")
    assert counts(preview) == {"new": 2, "update": 0, "unchanged": 0, "error": 0}, preview[:3000]
    with app.app_context():
        db.session.expire_all()
        rows = db.session.execute(select(Post.code, Post.route_code, Post.km, Post.slots, Post.monthly_subsidy,
                                         Post.road_chief_phone).order_by(Post.code)).all()
        assert [tuple(r) for r in rows] == expected_posts()


def _flag_upload(client, payload: bytes, name: str):
    return client.post("/imports/flags", data={
        "flag": "low_income", "recorded_on": "2020-07-20", "source": "民政局名单",
        "file": (io.BytesIO(payload), name)}, content_type="multipart/form-data")


@pytest.mark.parametrize("producer", PRODUCERS)
def test_flag_lists_from_every_producer_reach_the_right_households(office, place, app, producer):  # noqa: F811
    import_file(office, data("people.xlsxwriter.xlsx"), "people.xlsx")
    name = f"flags.{producer}"
    token = token_of(_flag_upload(office, data(name), name))
    preview = office.get(f"/imports/{token}").get_data(as_text=True)
    assert counts(preview) == {"new": 2, "update": 0, "unchanged": 0, "error": 0}, preview[:3000]
    assert office.post(f"/imports/{token}/apply").status_code == 302
    with app.app_context():
        numbers = set(db.session.scalars(select(Household.number).join(HouseholdFlag.household)
                                         .where(HouseholdFlag.flag == "low_income")))
        assert numbers == {"34150320104019907", "3-12"}


@pytest.mark.parametrize("producer", corpus.NUMBER_PRODUCERS)
def test_flag_list_with_ids_in_number_cells_is_refused(office, place, app, producer):  # noqa: F811
    import_file(office, data("people.xlsxwriter.xlsx"), "people.xlsx")
    name = f"flags-numbers.{producer}"
    token = token_of(_flag_upload(office, data(name), name))
    preview = office.get(f"/imports/{token}").get_data(as_text=True)
    assert counts(preview)["error"] == 1 and "Line 4 身份证号: the cell is a number cell" in preview
    office.post(f"/imports/{token}/apply")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(HouseholdFlag)
                                 .where(HouseholdFlag.flag == "low_income")) == 0
