"""Office staff import a register file with one bad row, fix it, import it, and find the new person."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import Workbook

from tests.helpers import make_id_number

pytestmark = pytest.mark.e2e

HEADERS = ["户编号", "所属乡镇", "所属村", "姓名", "身份证号", "联系电话", "劳动能力", "是否脱贫户", "是否受灾户"]
GOOD = make_id_number(dt.date(1968, 4, 9), seq=917, area="110105")
SECOND = make_id_number(dt.date(1972, 8, 15), seq=918, area="110105", sex="F")


def workbook(rows: list[list[str]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADERS)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def rows(second_id: str) -> list[list[str]]:
    return [
        ["E2E-001", "西河口乡", "石湖村", "测试甲", GOOD, "13800138000", "弱劳力", "是", "是"],
        ["E2E-001", "西河口乡", "石湖村", "测试乙", second_id, "", "劳动力", "是", "是"],
    ]


def upload(page, live_server, path) -> None:
    page.goto(live_server.url + "/imports")
    form = page.locator("form[action$='/imports/upload']")
    form.locator("select[name=kind]").select_option("people")
    form.locator("input[name=file]").set_input_files(str(path))
    form.get_by_role("button", name="上传并预览").click()
    page.wait_for_load_state()


def test_office_imports_fixes_a_bad_row_and_finds_the_person_by_last_four(live_server, page, login_as, tmp_path):
    live_server.app.config["IMPORT_FOLDER"] = str(tmp_path / "imports")
    bad_id = SECOND[:-1] + ("0" if SECOND[-1] != "0" else "1")
    bad = tmp_path / "名单.xlsx"
    bad.write_bytes(workbook(rows(bad_id)))
    login_as(page, live_server, "office")

    upload(page, live_server, bad)
    assert page.locator("[data-testid=count-error]").inner_text() == "1"
    errors = page.locator("[data-testid=import-errors]").inner_text()
    assert "第3行" in errors and "身份证号" in errors
    assert page.locator("[data-testid=confirm-import]").count() == 0

    fixed = tmp_path / "名单-改.xlsx"
    fixed.write_bytes(workbook(rows(SECOND)))
    page.get_by_role("link", name="上传改正后的文件").click()
    upload(page, live_server, fixed)
    assert page.locator("[data-testid=count-new]").inner_text() == "2"
    assert page.locator("[data-testid=count-error]").inner_text() == "0"
    page.locator("[data-testid=confirm-import]").click()
    page.wait_for_load_state()
    assert "已导入" in page.locator(".flashes").inner_text()

    page.goto(live_server.url + "/people")
    page.locator("[data-testid=search]").fill(SECOND[-4:])
    page.get_by_role("button", name="筛选").click()
    page.wait_for_load_state()
    table = page.locator("[data-testid=people-table]").inner_text()
    assert "测试乙" in table
    assert SECOND not in page.content()
    page.get_by_role("link", name="测试乙").click()
    page.wait_for_load_state()
    assert "E2E-001" in page.content()
    assert "受灾户" in page.content() or "Flood" in page.content()
