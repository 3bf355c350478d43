"""The .xlsx reader: same table as the openpyxl reader it replaced, and hostile files refused.

`_openpyxl_table` is the reader as it was before (openpyxl read-only, data_only, the
old row-to-table rule, verbatim), kept here as the oracle: for every workbook below
the new streaming reader must give exactly the same headers, line numbers and texts.
"""
from __future__ import annotations

import datetime as dt
import io
import warnings
import zipfile
from typing import Any, Iterable, Sequence

import pytest
from flask_babel import gettext
from openpyxl import Workbook, load_workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from wardens.spreadsheets import MAX_XLSX_UNCOMPRESSED, SpreadsheetError, Table, read_table, xlsx_bytes
from wardens.spreadsheets.common import _text

INVALID = "The file is not a valid .xlsx workbook."
BOMB = "The workbook unpacks to more than 200 MB; it is refused."


# ---------------------------------------------------------------- the oracle: the openpyxl reader as it was

def _old_rows_to_table(raw_rows: Iterable[Sequence[Any]], max_rows: int) -> Table:
    iterator = iter(raw_rows)
    headers: list[str] = []
    for first in iterator:
        headers = [_text(h) for h in first]
        if any(headers):
            break
    if not any(headers):
        raise SpreadsheetError("The file has no header row.")
    while headers and not headers[-1]:
        headers.pop()
    rows: list[tuple[int, dict[str, str]]] = []
    line = 1
    for raw in iterator:
        line += 1
        values = [_text(v) for v in raw]
        if not any(values):
            continue
        if len(rows) >= max_rows:
            raise SpreadsheetError(f"The file has more than {max_rows} rows.")
        rows.append((line, {h: (values[i] if i < len(values) else "") for i, h in enumerate(headers) if h}))
    return Table(headers=[h for h in headers if h], rows=rows)


def _openpyxl_table(data: bytes, max_rows: int = 60000) -> Table:
    # openpyxl warns about the minimal hand-written stylesheets below (no fonts, no named styles).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            return _old_rows_to_table(wb.worksheets[0].iter_rows(values_only=True), max_rows)
        finally:
            wb.close()


def _read(data: bytes, max_rows: int = 60000) -> Table:
    return read_table("upload.xlsx", io.BytesIO(data), max_rows=max_rows)


def _saved(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _same_as_openpyxl(data: bytes) -> Table:
    table = _read(data)
    assert table == _openpyxl_table(data)
    return table


# ---------------------------------------------------------------- workbooks written by openpyxl

def _register_workbook(epoch: Any = None) -> bytes:
    wb = Workbook()
    if epoch is not None:
        wb.epoch = epoch
    ws = wb.active
    ws.append(["户编号", "姓名", "身份证号", "联系电话", "出生日期", "登记时间", "补贴", "人数", "是否脱贫户", "备注"])
    ws.append(["H0001", "王伟", "34010119900101123X", 13812341234, dt.date(1990, 1, 1),
               dt.datetime(2024, 3, 5, 8, 30), 1234.5, 4, True, "  前后有空格  "])
    ws.append(["H0001", "李娜", "340101199203041234", "13912345678", dt.date(1992, 3, 4),
               dt.datetime(2024, 3, 5), 0.1, 0, False, None])
    ws.append([])  # a blank row: skipped, but the lines after it keep their Excel row numbers
    ws.append(["H0002", "张三", "110105194912310021", 1.5e10, dt.date(1900, 2, 27), dt.datetime(1904, 1, 2, 12),
               -3, 10 ** 12, None, "=LEN(B2)"])
    ws["B9"] = "一行隔了几行"
    ws["J9"] = "最后一列"
    for cell in ws["C"]:
        cell.number_format = "@"
    return _saved(wb)


def test_register_workbook_reads_as_openpyxl_did() -> None:
    table = _same_as_openpyxl(_register_workbook())
    assert [line for line, _row in table.rows] == [2, 3, 5, 9]
    first = table.rows[0][1]
    assert first["身份证号"] == "34010119900101123X"
    assert first["联系电话"] == "13812341234"
    assert first["出生日期"] == "1990-01-01"
    assert first["登记时间"] == "2024-03-05T08:30:00"
    assert first["补贴"] == "1234.5"
    assert first["是否脱贫户"] == "True"
    assert first["备注"] == "前后有空格"
    assert table.rows[1][1]["登记时间"] == "2024-03-05"
    assert table.rows[2][1]["联系电话"] == "15000000000"
    assert table.rows[3][1] == {**dict.fromkeys(table.headers, ""), "姓名": "一行隔了几行", "备注": "最后一列"}


def test_1904_date_system() -> None:
    table = _same_as_openpyxl(_register_workbook(epoch=CALENDAR_MAC_1904))
    assert table.rows[0][1]["出生日期"] == "1990-01-01"
    assert table.rows[2][1]["登记时间"] == "1904-01-02T12:00:00"


def test_write_only_workbook_with_inline_strings_and_no_dimension() -> None:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(["姓名", "身份证号", "劳动能力"])
    for i in range(50):
        ws.append([f"王{i}", f"11010519900101{i:03d}X", "弱劳力" if i % 2 else None])
    table = _same_as_openpyxl(_saved(wb))
    assert len(table.rows) == 50
    assert table.rows[-1] == (51, {"姓名": "王49", "身份证号": "11010519900101049X", "劳动能力": "弱劳力"})


def test_rich_text_times_durations_formulas_and_custom_formats() -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["富文本", "时间", "时长", "公式", "中文日期", "带字母的数字", "百分比"])
    ws.append([CellRichText(["护路", TextBlock(InlineFont(b=True), "员"), " 张三 "]), dt.time(8, 30),
               dt.timedelta(hours=26, minutes=3), "=SUM(1,2)", dt.date(2020, 7, 20), 12, 0.25])
    ws["E2"].number_format = 'yyyy"年"m"月"d"日"'
    # Letters inside quotes do not make a date format.
    ws["F2"].number_format = '0"d"'
    ws["G2"].number_format = "0%"
    table = _same_as_openpyxl(_saved(wb))
    row = table.rows[0][1]
    assert row["富文本"] == "护路员 张三"
    assert row["时间"] == "08:30:00"
    assert row["时长"] == "1 day, 2:03:00"
    assert row["公式"] == ""  # openpyxl writes no cached value, and the reader never evaluates formulas
    assert row["中文日期"] == "2020-07-20"
    assert row["带字母的数字"] == "12"
    assert row["百分比"] == "0.25"


def test_header_below_blank_rows_and_trailing_blank_headers() -> None:
    wb = Workbook()
    ws = wb.active
    ws["C3"] = "姓名"
    ws["D3"] = "电话"
    ws["F3"] = "  "
    ws["C4"] = "王伟"
    ws["F4"] = "无表头的值"
    ws["D6"] = 13800000000
    table = _same_as_openpyxl(_saved(wb))
    assert table.headers == ["姓名", "电话"]
    assert table.rows == [(2, {"姓名": "王伟", "电话": ""}), (4, {"姓名": "", "电话": "13800000000"})]


def test_exports_read_back() -> None:
    data = xlsx_bytes(["姓名", "身份证号", "出生日期", "补贴"],
                      [("王伟", "34010119900101123X", dt.date(1990, 1, 1), 350), ("=1+1", "340101199203041234", None, 12.5)],
                      text_columns=[1])
    table = _same_as_openpyxl(data)
    assert table.rows[1] == (3, {"姓名": "'=1+1", "身份证号": "340101199203041234", "出生日期": "", "补贴": "12.5"})


# ---------------------------------------------------------------- hand-written parts (what Excel and WPS write)

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"


def _package(sheet_data: str, *, shared: Sequence[str] = (), styles: str | None = None, workbook_pr: str = "",
             raw_sheet: str | None = None, raw_shared: str | None = None, raw_workbook: str | None = None) -> bytes:
    """A minimal workbook from XML fragments; raw_* replace a whole part."""
    sheet = raw_sheet if raw_sheet is not None else (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{_MAIN}"><sheetData>{sheet_data}</sheetData></worksheet>')
    workbook = raw_workbook if raw_workbook is not None else (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_MAIN}" xmlns:r="{_REL}">{workbook_pr}'
        '<sheets><sheet name="表1" sheetId="1" r:id="rId1"/></sheets></workbook>')
    rels = [f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>']
    overrides = ['<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument'
                 '.spreadsheetml.sheet.main+xml"/>',
                 '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
                 'officedocument.spreadsheetml.worksheet+xml"/>']
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        if shared or raw_shared is not None:
            rels.append(f'<Relationship Id="rId2" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>')
            overrides.append('<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                             'officedocument.spreadsheetml.sharedStrings+xml"/>')
            zf.writestr("xl/sharedStrings.xml", raw_shared if raw_shared is not None else (
                f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{_MAIN}">{"".join(shared)}</sst>'))
        if styles is not None:
            rels.append(f'<Relationship Id="rId3" Type="{_REL}/styles" Target="/xl/styles.xml"/>')
            overrides.append('<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
                             'officedocument.spreadsheetml.styles+xml"/>')
            zf.writestr("xl/styles.xml", f'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{_MAIN}">'
                                         f'{styles}</styleSheet>')
        zf.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'{"".join(overrides)}</Types>'))
        zf.writestr("_rels/.rels", f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG}">'
                                   f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
                                   '</Relationships>')
        zf.writestr("xl/workbook.xml", workbook)
        zf.writestr("xl/_rels/workbook.xml.rels", f'<?xml version="1.0" encoding="UTF-8"?><Relationships '
                                                  f'xmlns="{_PKG}">{"".join(rels)}</Relationships>')
        zf.writestr("xl/worksheets/sheet1.xml", sheet)
    return buf.getvalue()


_DATE_STYLES = (
    '<numFmts count="2"><numFmt numFmtId="176" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;;@"/>'
    '<numFmt numFmtId="177" formatCode="0.00&quot;元&quot;"/></numFmts>'
    '<cellXfs count="5"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="176"/><xf numFmtId="177"/>'
    '<xf numFmtId="46"/></cellXfs>'
    # A numFmt in a differential format (conditional formatting) is not a cell format.
    '<dxfs count="1"><dxf><numFmt numFmtId="177" formatCode="yyyy-mm-dd"/></dxf></dxfs>'
)


def test_cell_types_as_excel_writes_them() -> None:
    shared = ['<si><t>身份证号</t></si>', '<si><t>姓名</t></si>',
              # Rich text runs are joined; the phonetic guide (rPh) is not part of the text.
              '<si><r><rPr><b/></rPr><t>王</t></r><r><t xml:space="preserve">伟 </t></r>'
              '<rPh sb="0" eb="1"><t>wang</t></rPh></si>',
              '<si><t>34010119900101123X</t></si>', '<si><t>a_x005F_x000D_b</t></si>']
    cells = (
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="inlineStr"><is><t>日期</t>'
        '</is></c><c r="D1" t="inlineStr"><is><t>金额</t></is></c><c r="E1" t="inlineStr"><is><t>结果</t></is></c>'
        '<c r="F1" t="inlineStr"><is><t>时长</t></is></c></row>'
        '<row r="2"><c r="A2" t="s"><v>3</v></c><c r="B2" t="s"><v>2</v></c><c r="C2" s="1"><v>44000</v></c>'
        '<c r="D2" s="3"><v>12.5</v></c><c r="E2" t="str"><f>A2&amp;""</f><v>文本结果</v></c>'
        '<c r="F2" s="4"><v>1.5</v></c></row>'
        # Cells and rows without references count on from the one before.
        '<row><c t="inlineStr"><is><t>无引用</t></is></c><c t="b"><v>1</v></c><c s="2"><v>36526</v></c>'
        '<c t="e"><f>1/0</f><v>#DIV/0!</v></c><c><f>1+1</f><v>2</v></c></row>'
        '<row r="6"><c r="B6" t="s"><v>4</v></c><c r="C6" s="1"><v>0.5</v></c><c r="D6"><v>1.2E+3</v></c>'
        '<c r="E6" t="n"><v></v></c></row>'
    )
    data = _package(cells, shared=shared, styles=_DATE_STYLES)
    table = _same_as_openpyxl(data)
    assert table.rows == [
        (2, {"身份证号": "34010119900101123X", "姓名": "王伟", "日期": "2020-06-18", "金额": "12.5",
             "结果": "文本结果", "时长": "1 day, 12:00:00"}),
        (3, {"身份证号": "无引用", "姓名": "True", "日期": "2000-01-01", "金额": "#DIV/0!", "结果": "2",
             "时长": ""}),
        (6, {"身份证号": "", "姓名": "a_x000D_b", "日期": "12:00:00", "金额": "1200", "结果": "", "时长": ""}),
    ]


def test_1904_flag_in_a_hand_written_workbook() -> None:
    data = _package('<row r="1"><c r="A1" t="inlineStr"><is><t>日期</t></is></c></row>'
                    '<row r="2"><c r="A2" s="1"><v>0</v></c></row><row r="3"><c r="A3" s="1"><v>42369</v></c></row>',
                    styles=_DATE_STYLES, workbook_pr='<workbookPr date1904="1"/>')
    table = _same_as_openpyxl(data)
    # Serial 0 is midnight with no day (a time); 42369 days after 1904-01-01 is 2020-01-01.
    assert table.rows == [(2, {"日期": "00:00:00"}), (3, {"日期": "2020-01-01"})]


def test_chinese_builtin_date_formats_read_as_dates() -> None:
    """Chinese Excel stores yyyy"年"m"月"d"日" as built-in 31 with no definition; openpyxl reads a serial there."""
    data = _package('<row r="1"><c r="A1" t="inlineStr"><is><t>出生日期</t></is></c></row>'
                    '<row r="2"><c r="A2" s="1"><v>32874</v></c></row>',
                    styles='<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="31"/></cellXfs>')
    assert _read(data).rows == [(2, {"出生日期": "1990-01-01"})]
    assert _openpyxl_table(data).rows == [(2, {"出生日期": "32874"})]


def test_a_row_far_down_keeps_its_excel_row_number() -> None:
    data = _package('<row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c></row>'
                    '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>最后一行</t></is></c></row>')
    assert _read(data).rows == [(1048576, {"姓名": "最后一行"})]


@pytest.mark.parametrize("rows", [
    '<row r="1048577"><c t="inlineStr"><is><t>x</t></is></c></row>',
    '<row r="1"><c r="XFE1" t="inlineStr"><is><t>x</t></is></c></row>',
    '<row r="1"><c r="A1" t="s"><v>7</v></c></row>',
    '<row r="1"><c r="A1"><v>abc</v></c></row>',
    '<row r="x"><c r="A1"><v>1</v></c></row>',
])
def test_impossible_references_and_values_are_refused(rows: str) -> None:
    with pytest.raises(SpreadsheetError, match=INVALID):
        _read(_package(rows))


# ---------------------------------------------------------------- hostile and broken files

def test_not_a_zip_is_refused() -> None:
    with pytest.raises(SpreadsheetError, match=INVALID):
        _read(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(SpreadsheetError, match=INVALID):
        _read("姓名,电话\n王伟,138\n".encode())


def test_zip_without_a_worksheet_is_refused() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("hello.txt", "hi")
    with pytest.raises(SpreadsheetError, match=INVALID):
        _read(buf.getvalue())


def test_zip_bomb_is_refused_by_its_declared_size() -> None:
    """210 MB of zeros squeezed into about 200 KB: refused before anything is inflated."""
    buf = io.BytesIO(_package('<row r="1"><c t="inlineStr"><is><t>x</t></is></c></row>'))
    with zipfile.ZipFile(buf, "a", zipfile.ZIP_DEFLATED) as zf, zf.open("xl/media/bomb.bin", "w") as member:
        zeros = b"\0" * (1 << 20)
        for _ in range(210):
            member.write(zeros)
    data = buf.getvalue()
    assert len(data) < 400_000
    with pytest.raises(SpreadsheetError, match=BOMB):
        _read(data)


def test_member_inflating_past_its_declared_size_is_refused() -> None:
    """A zip header that under-states a member's size cannot smuggle the rest in."""
    sheet = ('<?xml version="1.0"?><worksheet xmlns="%s"><sheetData><row r="1"><c t="inlineStr"><is><t>x</t></is>'
             '</c></row>%s</sheetData></worksheet>') % (_MAIN, '<row/>' * 5000)
    data = _package("", raw_sheet=sheet)
    lying = _shrink_declared_size(data, "xl/worksheets/sheet1.xml", 300)
    with pytest.raises(SpreadsheetError, match=INVALID):
        _read(lying)


def _shrink_declared_size(data: bytes, name: str, size: int) -> bytes:
    raw = bytearray(data)
    encoded = name.encode()
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = 0
        while (at := raw.find(signature, at)) != -1:
            name_at = at + (30 if signature == b"PK\x03\x04" else 46)
            if raw[name_at:name_at + len(encoded)] == encoded:
                raw[at + offset:at + offset + 4] = size.to_bytes(4, "little")
            at += 4
    return bytes(raw)


_LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
           + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % ("" if i == 1 else i - 1)) * 10}">' for i in range(1, 10))
           + ']>')


@pytest.mark.parametrize("part", ["sheet", "shared", "workbook"])
def test_billion_laughs_is_refused(part: str) -> None:
    sheet = (f'{_LAUGHS}<worksheet xmlns="{_MAIN}"><sheetData><row r="1"><c t="inlineStr"><is><t>&lol9;</t></is></c>'
             '</row></sheetData></worksheet>')
    shared = f'{_LAUGHS}<sst xmlns="{_MAIN}"><si><t>&lol9;</t></si></sst>'
    workbook = (f'{_LAUGHS}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets><sheet name="&lol9;" sheetId="1" '
                'r:id="rId1"/></sheets></workbook>')
    plain = '<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
    data = {
        "sheet": lambda: _package("", raw_sheet=sheet),
        "shared": lambda: _package(plain, raw_shared=shared),
        "workbook": lambda: _package(plain, shared=["<si><t>x</t></si>"], raw_workbook=workbook),
    }[part]()
    with pytest.raises(SpreadsheetError, match=INVALID):
        _read(data)


@pytest.mark.parametrize("part", ["sheet", "workbook"])
def test_doctype_hidden_past_the_byte_scan_is_still_refused(part: str) -> None:
    """A long comment pushes the DOCTYPE past the first 4 KB; expat's doctype handler still refuses it."""
    padding = "<!--" + "x" * 10_000 + "-->"
    external = '<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    if part == "sheet":
        data = _package("", raw_sheet=f'<?xml version="1.0"?>{padding}{external}<worksheet xmlns="{_MAIN}">'
                                      '<sheetData><row r="1"><c t="inlineStr"><is><t>&xxe;</t></is></c></row>'
                                      '</sheetData></worksheet>')
    else:
        data = _package('<row r="1"><c t="inlineStr"><is><t>x</t></is></c></row>',
                        raw_workbook=f'<?xml version="1.0"?>{padding}<!DOCTYPE r [<!ENTITY name "表1">]>'
                                     f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets><sheet name="&name;" '
                                     'sheetId="1" r:id="rId1"/></sheets></workbook>')
    with pytest.raises(SpreadsheetError, match=INVALID):
        _read(data)


@pytest.mark.parametrize("sheet", [
    f'<worksheet xmlns="{_MAIN}"><sheetData><row r="1"><c t="inlineStr"><is><t>x</t></is></c>',
    f'<worksheet xmlns="{_MAIN}"><sheetData><row r="1"></c></row></sheetData></worksheet>',
    "not xml at all",
    "",
])
def test_malformed_sheet_xml_is_refused(sheet: str) -> None:
    with pytest.raises(SpreadsheetError, match=INVALID):
        _read(_package("", raw_sheet=sheet))


def test_refusal_is_in_the_users_language(app_ctx: Any) -> None:
    with pytest.raises(SpreadsheetError) as refused:
        _read(_package("", raw_sheet=f"{_LAUGHS}<worksheet/>"))
    assert str(refused.value) == gettext(INVALID) != INVALID


# ---------------------------------------------------------------- limits and names

def test_row_limit_counts_only_rows_with_text() -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["姓名"])
    for i in range(3):
        ws.append([f"王{i}"])
        ws.append([])
    data = _saved(wb)
    assert len(_read(data, max_rows=3).rows) == 3
    with pytest.raises(SpreadsheetError, match="more than 2 rows"):
        _read(data, max_rows=2)


def test_too_many_cells_are_refused() -> None:
    """Empty cells cost time to parse even though they hold nothing; a sheet of millions is refused."""
    rows = "".join(f'<row r="{r}">{"<c/>" * 1000}</row>' for r in range(2, 1003))
    data = _package('<row r="1"><c t="inlineStr"><is><t>姓名</t></is></c></row>' + rows)
    with pytest.raises(SpreadsheetError, match=INVALID):
        _read(data, max_rows=10)


def test_too_many_shared_strings_are_refused() -> None:
    shared = ["<si><t>a</t></si>"] * 1_000_001
    with pytest.raises(SpreadsheetError, match=INVALID):
        _read(_package('<row r="1"><c r="A1" t="s"><v>0</v></c></row>', shared=shared), max_rows=10)


def test_empty_sheet_has_no_header() -> None:
    with pytest.raises(SpreadsheetError, match="no header row"):
        _read(_package('<row r="1"/><row r="2"><c r="A2" t="inlineStr"><is><t>  </t></is></c></row>'))


@pytest.mark.parametrize("name", ["register.xlsm", "register.xls", "register.ods", "register"])
def test_other_file_kinds_are_refused_by_name(name: str) -> None:
    with pytest.raises(SpreadsheetError, match=r"Only \.xlsx and \.csv files"):
        read_table(name, io.BytesIO(_register_workbook()))


def test_csv_rows_keep_their_record_numbers() -> None:
    data = "\n姓名,电话, \n王伟, 13800000000 \n,\n李娜,139\n".encode("gb18030")
    table = read_table("名单.CSV", io.BytesIO(data))
    assert table.headers == ["姓名", "电话"]
    assert table.rows == [(2, {"姓名": "王伟", "电话": "13800000000"}), (4, {"姓名": "李娜", "电话": "139"})]


def test_declared_size_limit_is_the_documented_one() -> None:
    assert MAX_XLSX_UNCOMPRESSED == 200 * 1024 * 1024


def test_an_unknown_compression_method_is_refused(app_ctx):
    """A member compressed with a method zipfile cannot read (here 99, WinZip AES) is not a workbook."""
    import io as _io
    import struct
    import zipfile as _zipfile

    from wardens.spreadsheets import SpreadsheetError, read_table, xlsx_bytes

    data = bytearray(xlsx_bytes(["姓名"], [["张三"]]))
    for signature, offset in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
        start = 0
        while (start := data.find(signature, start)) != -1:
            struct.pack_into("<H", data, start + offset, 99)
            start += 4
    assert {i.compress_type for i in _zipfile.ZipFile(_io.BytesIO(bytes(data))).infolist()} == {99}
    with pytest.raises(SpreadsheetError, match="有效的 .xlsx"):
        read_table("bad.xlsx", _io.BytesIO(bytes(data)))
