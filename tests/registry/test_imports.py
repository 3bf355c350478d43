"""Imports: real .xlsx and GBK CSV files, the preview, all-or-nothing apply, idempotence, limits."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from tests.helpers import make_id_number
from tests.registry.conftest import login_en
from wardens.extensions import db
from wardens.models import AuditEvent, Household, HouseholdFlag, Person, Post

HEADERS = ["户编号", "所属乡镇", "所属村", "姓名", "身份证号", "联系电话", "劳动能力", "是否脱贫户", "是否受灾户", "是否监测户"]
ID_A = "11010519491231002X"
ID_B = make_id_number(dt.date(1975, 3, 4), seq=11)
ID_C = make_id_number(dt.date(1980, 5, 6), seq=22, sex="F")


def people_rows():
    return [
        ["H001", "西河口乡", "石湖村", "张三", ID_A, "13800001234", "弱劳力", "是", "是", "否"],
        ["H001", "西河口乡", "石湖村", "张小三", ID_B, "", "劳动力", "是", "是", "否"],
        ["H002", "西河口乡", "石湖村", "李四", ID_C, "0564-3331234", "无劳动能力", "否", "否", "是"],
    ]


def xlsx_file(headers, rows, *, text_ids=True):
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for row in rows:
        ws.append(row)
    if text_ids:
        for cells in ws.iter_rows(min_row=2):
            for c in cells:
                c.number_format = "@"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def gbk_csv(headers, rows):
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(headers)
    writer.writerows(rows)
    return buf.getvalue().encode("gbk")


def upload(client, data, filename, kind="people"):
    return client.post("/imports/upload", data={"kind": kind, "file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def token_of(response):
    assert response.status_code == 302, response.data.decode()[:2000]
    match = re.search(r"/imports/([A-Za-z0-9_-]+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def counts(html):
    return {k: int(re.search(rf'data-testid="count-{k}">(\d+)<', html).group(1))
            for k in ("new", "update", "unchanged", "error")}


def import_file(client, data, filename, kind="people"):
    token = token_of(upload(client, data, filename, kind))
    preview = client.get(f"/imports/{token}").get_data(as_text=True)
    applied = client.post(f"/imports/{token}/apply")
    return token, preview, applied


@pytest.fixture
def office(client, place):
    login_en(client, place.office)
    return client


def test_xlsx_with_chinese_headers_imports_households_people_and_flags(office, place, app):
    token, preview, applied = import_file(office, xlsx_file(HEADERS, people_rows()), "名单.xlsx")
    assert counts(preview) == {"new": 3, "update": 0, "unchanged": 0, "error": 0}
    assert applied.status_code == 302 and applied.headers["Location"].endswith("/imports")
    with app.app_context():
        people = {p.id_number: p for p in db.session.scalars(select(Person))}
        assert set(people) == {ID_A, ID_B, ID_C}
        assert people[ID_A].household.number == "H001" and people[ID_B].household.number == "H001"
        assert people[ID_A].labour == "weak" and people[ID_C].labour == "none"
        assert people[ID_C].phone == "0564-3331234"
        assert people[ID_A].name_initials == "zs"
        h1 = db.session.scalar(select(Household).where(Household.number == "H001"))
        assert h1.flag_codes == {"registered_poor", "flood_affected"}
        assert all(f.source == "Import of 名单.xlsx" for f in h1.flags)
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.action == "import")) == 1
    # The kept file is gone once applied.
    assert office.get(f"/imports/{token}").status_code == 404
    assert list((app.config["IMPORT_FOLDER"] and __import__("pathlib").Path(app.config["IMPORT_FOLDER"])).glob("*")) == []


def test_second_import_of_same_file_reports_every_row_unchanged(office, place, app):
    data = xlsx_file(HEADERS, people_rows())
    import_file(office, data, "a.xlsx")
    with app.app_context():
        events = db.session.scalar(select(func.count()).select_from(AuditEvent))
    token, preview, applied = import_file(office, data, "a.xlsx")
    assert counts(preview) == {"new": 0, "update": 0, "unchanged": 3, "error": 0}
    with app.app_context():
        # Only the import's own event is added: nothing in the register changed.
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == events + 1
        assert db.session.scalar(select(func.count()).select_from(HouseholdFlag)) == 3


def test_gbk_csv_with_chinese_headers_imports(office, place, app):
    data = gbk_csv(HEADERS, people_rows())
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    token, preview, applied = import_file(office, data, "gbk.csv")
    assert counts(preview)["new"] == 3
    with app.app_context():
        assert db.session.scalar(select(Person.name).where(Person.id_number == ID_C)) == "李四"


def test_header_variants_are_accepted(office, place, app):
    headers = ["户号", "乡镇", "行政村", "姓名", "公民身份号码", "手机号码", "劳动力状况", "建档立卡贫困户", "受灾户", "监测对象"]
    token, preview, applied = import_file(office, xlsx_file(headers, people_rows()), "variants.xlsx")
    assert counts(preview)["new"] == 3


@pytest.mark.parametrize(
    "change, message",
    [
        ((4, "110105194912310021"), "ID number does not pass its check: a digit is likely mistyped. Check it against the ID card or the household register."),
        ((4, ID_B), "ID number 1101**********0116 appears twice in the file (line 3 and this line)."
         if ID_B.endswith("0116") else "appears twice in the file (line 3 and this line)."),
        ((2, "不存在村"), "Unknown village: 西河口乡 不存在村 is not in the register."),
        ((5, "1380000"), "Phone number 1380000 is not valid: give an 11-digit mobile number or a landline with its "
                         "area code."),
        ((4, make_id_number(dt.date(2098, 2, 3))), "ID number holds a birth date in the future (2098-02-03)."),
        ((6, "很强"), "Labour ability 很强 is not a known word (use 劳动力, 弱劳力/半劳力 or 无劳动能力)."),
        ((7, "也许"), "是否脱贫户: 也许 is not 是 or 否."),
    ],
)
def test_one_bad_row_imports_nothing_and_shows_the_reason(office, place, app, change, message):
    rows = people_rows()
    column, value = change
    rows[2][column] = value
    token, preview, applied = import_file(office, xlsx_file(HEADERS, rows), "bad.xlsx")
    assert counts(preview)["error"] == 1
    assert message in preview
    assert "Line 4" in preview
    assert 'data-testid="confirm-import"' not in preview
    # Confirming anyway (a crafted POST) re-validates and applies nothing.
    assert applied.status_code == 302 and "show=errors" in applied.headers["Location"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Person)) == 0
        assert db.session.scalar(select(func.count()).select_from(Household)) == 0


def test_duplicate_id_across_households_names_both(office, place, app, make):
    with app.app_context():
        from wardens.models import Village

        village = db.session.get(Village, place.village_id)
        existing = make.household(village, number="H900")
        make.person(existing, name="王老五", id_number=ID_A)
        db.session.commit()
    token, preview, applied = import_file(office, xlsx_file(HEADERS, people_rows()), "dup.xlsx")
    assert ("ID number 1101**********002X is already registered to 王老五 in household H900; "
            "it cannot also be entered in household H001.") in preview
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Person)) == 1


def test_changed_row_is_an_update(office, place, app):
    import_file(office, xlsx_file(HEADERS, people_rows()), "a.xlsx")
    rows = people_rows()
    rows[0][5] = "13900009999"
    rows[2][8] = "是"
    token, preview, applied = import_file(office, xlsx_file(HEADERS, rows), "b.xlsx")
    assert counts(preview) == {"new": 0, "update": 2, "unchanged": 1, "error": 0}
    with app.app_context():
        assert db.session.scalar(select(Person.phone).where(Person.id_number == ID_A)) == "13900009999"
        h2 = db.session.scalar(select(Household).where(Household.number == "H002"))
        assert h2.flag_codes == {"monitoring", "flood_affected"}


def test_missing_required_column_is_refused_with_its_name(office, place):
    response = upload(office, xlsx_file(["姓名", "身份证号"], [["张三", ID_A]]), "x.xlsx")
    assert response.status_code == 400
    assert "The file lacks the column(s) 户编号、所属村." in response.get_data(as_text=True)


def test_malformed_and_wrong_files_are_refused(office, place):
    bad_zip = upload(office, b"not a zip at all", "x.xlsx")
    assert "The file is not a valid .xlsx, .xls or .ods workbook." in bad_zip.get_data(as_text=True)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'aaaa'>]><Types>&a;</Types>")
    hostile = upload(office, buf.getvalue(), "x.xlsx")
    assert "The file is not a valid .xlsx, .xls or .ods workbook." in hostile.get_data(as_text=True)
    other = upload(office, b"abc", "x.txt")
    assert "Only .xlsx, .xls, .ods and .csv files can be imported." in other.get_data(as_text=True)


def test_row_limit(office, place, app):
    app.config["IMPORT_MAX_ROWS"] = 2
    response = upload(office, xlsx_file(HEADERS, people_rows()), "big.xlsx")
    assert "The file has more than 2 rows." in response.get_data(as_text=True)


def test_upload_size_limit_shows_a_clear_message(office, place, app):
    app.config["MAX_CONTENT_LENGTH"] = 2048
    response = upload(office, b"x" * 5000, "big.csv")
    assert response.status_code == 302
    page = office.get("/imports").get_data(as_text=True)
    assert "The file is larger than 0 MB and was not uploaded." in page or "was not uploaded" in page


def test_another_users_upload_is_not_reachable(client, place, app):
    login_en(client, place.office)
    token = token_of(upload(client, xlsx_file(HEADERS, people_rows()), "a.xlsx"))
    other = app.test_client()
    login_en(other, place.admin)
    assert other.get(f"/imports/{token}").status_code == 404
    assert other.post(f"/imports/{token}/apply").status_code == 404
    assert client.get("/imports/..%2F..%2Fetc").status_code == 404


def test_posts_import_and_reimport(office, place, app):
    headers = ["岗位编号", "岗位类型", "所属乡镇", "所属村", "路线编码", "起点", "终点", "里程（公里）", "岗位数", "路长"]
    rows = [["HL-001", "护路员", "西河口乡", "石湖村", "Y012", "村部", "路口", "3.5", "2", "王路长"],
            ["BJ-001", "保洁员", "单王乡", "王楼村", "", "", "", "1", "1", ""]]
    token, preview, applied = import_file(office, xlsx_file(headers, rows), "posts.xlsx", kind="posts")
    assert counts(preview)["new"] == 2
    with app.app_context():
        post = db.session.scalar(select(Post).where(Post.code == "HL-001"))
        assert (post.kind, str(post.km), post.slots, post.road_chief) == ("road_warden", "3.50", 2, "王路长")
    token, preview, applied = import_file(office, gbk_csv(headers, rows), "posts.csv", kind="posts")
    assert counts(preview) == {"new": 0, "update": 0, "unchanged": 2, "error": 0}
    rows[1][1] = "扫地工"
    token, preview, applied = import_file(office, xlsx_file(headers, rows), "posts.xlsx", kind="posts")
    assert "Post kind 扫地工 is not a known word" in preview


def test_flag_list_from_another_department(office, place, app):
    import_file(office, xlsx_file(HEADERS, people_rows()), "a.xlsx")
    data = xlsx_file(["身份证号", "姓名"], [[ID_C, "李四"], [ID_A, "张三"], [ID_B, "张小三"]])
    response = office.post("/imports/flags", data={
        "flag": "low_income", "recorded_on": "2020-07-20", "source": "民政局低保名单 2020-07",
        "file": (io.BytesIO(data), "低保.xlsx")}, content_type="multipart/form-data")
    token = token_of(response)
    preview = office.get(f"/imports/{token}").get_data(as_text=True)
    assert counts(preview) == {"new": 2, "update": 0, "unchanged": 1, "error": 0}
    assert "Same household as line 3." in preview
    office.post(f"/imports/{token}/apply")
    with app.app_context():
        flags = db.session.scalars(select(HouseholdFlag).where(HouseholdFlag.flag == "low_income")).all()
        assert sorted(f.household.number for f in flags) == ["H001", "H002"]
        assert {(f.source, f.recorded_on) for f in flags} == {("民政局低保名单 2020-07", dt.date(2020, 7, 20))}
        hid = flags[0].household_id
    page = office.get(f"/households/{hid}").get_data(as_text=True)
    assert "民政局低保名单 2020-07" in page
    # The same list again changes nothing; an unknown ID is an error naming it.
    data = xlsx_file(["户编号"], [["H001"], ["H404"]])
    response = office.post("/imports/flags", data={
        "flag": "low_income", "recorded_on": "2020-07-20", "source": "again",
        "file": (io.BytesIO(data), "again.xlsx")}, content_type="multipart/form-data")
    preview = office.get(f"/imports/{token_of(response)}").get_data(as_text=True)
    assert counts(preview) == {"new": 0, "update": 0, "unchanged": 1, "error": 1}
    assert "Household number H404 is not in the register." in preview


def test_templates_download_and_reimport_cleanly(office, place):
    from openpyxl import load_workbook

    response = office.get("/imports/template/people.xlsx")
    wb = load_workbook(io.BytesIO(response.data))
    headers = [c.value for c in next(wb.active.iter_rows(max_row=1))]
    assert headers[:5] == ["户编号", "所属乡镇", "所属村", "姓名", "身份证号"]
    assert office.get("/imports/template/posts.xlsx").status_code == 200
    # The example row is marked 【示例】 and never imported: the untouched template has no rows.
    assert wb.active["A2"].value.startswith("【示例】") and wb.sheetnames == ["导入数据", "填写说明"]
    response = upload(office, response.data, "template.xlsx")
    assert response.status_code == 302
    preview = office.get(response.headers["Location"]).get_data(as_text=True)
    assert counts(preview) == {"new": 0, "update": 0, "unchanged": 0, "error": 0}
    assert "The template&#39;s example row (row 2) was not imported." in preview


def test_clerk_cannot_import(client, place):
    login_en(client, place.clerk)
    assert client.get("/imports").status_code == 403
    assert upload(client, xlsx_file(HEADERS, people_rows()), "a.xlsx").status_code == 403


def test_control_characters_in_cells_refuse_the_file_naming_each_place(office, place, app):
    # NUL cannot be stored in PostgreSQL, and the others print as nothing: the file is refused whole.
    rows = people_rows()
    rows[0][3] = "张\x00三"
    rows[2][0] = "H002\x1b"
    data = "\n".join(",".join(r) for r in [HEADERS, *rows]).encode("utf-8")
    response = upload(office, data, "people.csv")
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert ("2 cells hold invisible control characters (such as NUL); remove them and upload the file again: "
            "line 2, column 姓名; line 4, column 户编号.") in text
    assert db.session.scalar(select(func.count()).select_from(Person)) == 0
