"""The monthly sheet: symbols, totals, subsidy, settings used; the print view; the .xlsx matches cell for cell."""
from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from html import unescape
from pathlib import Path

from openpyxl import load_workbook

from tests.attendance.conftest import District, sign_in
from wardens.extensions import db
from wardens.models import AttendanceRecord


def _fill_month(d: District, year: int, month: int) -> None:
    a, b = d.holders[0], d.holders[1]
    for day in range(1, 21):
        db.session.add(AttendanceRecord(assignment_id=a.id, day=dt.date(year, month, day), status="present"))
    for day, status in ((1, "leave"), (2, "sick"), (3, "absent"), (4, "rest"), (5, "stopped"), (6, "present")):
        db.session.add(AttendanceRecord(assignment_id=b.id, day=dt.date(year, month, day), status=status,
                                        certificate=(status == "sick")))
    db.session.commit()


def _html_table(html: str) -> list[list[str]]:
    table = html[html.index('data-testid="sheet-table"'):html.index("</table>")]
    rows = re.findall(r"<tr>(.*?)</tr>", table, flags=re.S)
    return [[unescape(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, flags=re.S)] for r in rows]


def test_the_sheet_shows_symbols_totals_and_the_subsidy(client, district: District) -> None:
    d = district
    year, month = 2026, 10
    _fill_month(d, year, month)
    sign_in(client, d.office)
    html = client.get(f"/attendance/sheet/{d.township.id}/{year}/{month}").text
    assert "出勤天数和拟拨付岗位补贴金额汇总表" in html and "使用的设置" in html and "制表人" in html
    rows = _html_table(html)
    header, body, totals = rows[0], rows[1:-1], rows[-1]
    assert header[:6] == ["序号", "协议号", "村", "姓名", "身份证号", "岗位"] and header[6] == "1" and header[36] == "31"
    by_agreement = {r[1]: r for r in body}
    a = by_agreement[str(d.holders[0].id)]
    b = by_agreement[str(d.holders[1].id)]
    assert a[6:26] == ["√"] * 20 and a[26] == ""
    assert b[6:12] == ["事", "病*", "×", "休", "停", "√"]
    rate, subsidy = header.index("出勤率"), header.index("拟拨付补贴（元）")
    assert a[rate] == "100%" and a[subsidy] == "600.00"
    # b: 1 present of (20 − 1 stopped) = 19 → 600/19
    assert b[header.index("应出勤天数")] == "19.00" and b[subsidy] == "31.58"
    assert b[header.index("病假")] == "1" and b[header.index("停工")] == "1"
    assert totals[0] == "合计" and totals[subsidy] == "631.58"
    assert "**********" in a[4]  # ID numbers masked


def test_the_xlsx_matches_the_html_sheet_cell_for_cell(client, district: District) -> None:
    d = district
    _fill_month(d, 2026, 10)
    sign_in(client, d.office)
    html_rows = _html_table(client.get(f"/attendance/sheet/{d.township.id}/2026/10").text)
    resp = client.get(f"/attendance/sheet/{d.township.id}/2026/10/xlsx")
    assert resp.status_code == 200 and resp.mimetype.endswith("spreadsheetml.sheet")
    ws = load_workbook(io.BytesIO(resp.data)).worksheets[0]
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize in (9, "9")
    assert "出勤天数和拟拨付岗位补贴金额汇总表" in ws.oddHeader.center.text
    header = [c.value for c in ws[1]]
    kinds = {"出勤率": "rate", "应出勤天数": "days", "补贴标准（元）": "money", "扣款（元）": "money", "拟拨付补贴（元）": "money"}

    def text(value: object, col: int) -> str:
        kind = kinds.get(str(header[col]))
        if value is None or value == "" or isinstance(value, str):
            return value or ""
        if kind == "rate":
            return f"{float(value):.0%}"
        if kind in ("money", "days"):
            return f"{Decimal(str(value)):.2f}"
        return str(value)

    xlsx_rows = [[text(c.value, i) for i, c in enumerate(row)] for row in ws.iter_rows(min_row=1, max_row=len(html_rows))]
    assert xlsx_rows == html_rows
    # Out-of-term days are shaded in both; the settings used and signature lines follow the table.
    tail = [row[0].value for row in ws.iter_rows(min_row=len(html_rows) + 1) if row and row[0].value]
    assert any("计算公式" in str(t) for t in tail) and any("制表人" in str(t) for t in tail)


def test_the_print_view_is_a4_landscape_with_every_day(client, district: District) -> None:
    sign_in(client, district.office)
    html = client.get(f"/attendance/sheet/{district.township.id}/2026/10/print").text
    assert 'class="print-sheet"' in html and "<nav" not in html
    assert "<th>31</th>" in html
    assert "/static/css/attendance.css" in html
    css = (Path(__file__).resolve().parents[2] / "static" / "css" / "attendance.css").read_text()
    assert "size: A4 landscape" in css


def test_a_term_starting_mid_month_shades_the_days_before(client, make, district: District) -> None:  # type: ignore[no-untyped-def]
    v = district.villages[0]
    late = make.assignment(make.person(make.household(v), name="新来的"), make.post(v), term_start=dt.date(2026, 9, 17),
                           term_end=dt.date(2027, 9, 16))
    for day in range(17, 31):
        db.session.add(AttendanceRecord(assignment_id=late.id, day=dt.date(2026, 9, day), status="present"))
    db.session.commit()
    sign_in(client, district.office)
    html = client.get(f"/attendance/sheet/{district.township.id}/2026/9").text
    row = next(r for r in _html_table(html) if "新来的" in r)
    assert row[-1] == "280.00"  # 600 × 14/30
    assert html.count('class="out"') >= 16


def test_an_ampersand_in_the_printed_header_is_text_not_an_excel_code() -> None:
    # A township named "A&Z" would print the file's path where its name belongs.
    import zipfile

    from wardens.attendance.workbook import PLAIN, Layout, xlsx_document

    data = xlsx_document([[("x", PLAIN)]], Layout(title="t", header_text="石湖&Z村", widths=[5]))
    sheet = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "<oddHeader>&amp;C石湖&amp;&amp;Z村</oddHeader>" in sheet
    assert "<oddFooter>&amp;C&amp;P / &amp;N</oddFooter>" in sheet
