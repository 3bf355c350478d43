"""The one spreadsheet reader (python-calamine behind read_table): cell kinds, layouts, limits, hostile files.

Files made by real spreadsheet programs are in tests/fixtures/ (see tests/test_fixtures.py);
here are the hand-written workbooks that probe the edges: the parts Excel and WPS write,
and the hostile ones (zip bombs, lying sizes, XXE, billion laughs, sheets spanning
millions of cells, renamed files).
"""
from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any, Sequence

import pytest
from flask_babel import gettext

from wardens.spreadsheets import (MAX_XLSX_UNCOMPRESSED, CellKind, SpreadsheetError, Table, header_words,
                                  lossy_cells, read_table, xlsx_bytes)
from wardens.spreadsheets.writers import Column, Instructions, Sheet, workbook_bytes

INVALID = "The file is not a valid .xlsx, .xls or .ods workbook."
BOMB = "The workbook unpacks to more than 200 MB; it is refused."
TOO_MANY = "The sheet spans more cells than an import may have"


def _read(data: bytes, max_rows: int = 60000, name: str = "upload.xlsx", **kw: Any) -> Table:
    return read_table(name, io.BytesIO(data), max_rows=max_rows, **kw)


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


def test_cell_kinds_as_excel_writes_them() -> None:
    shared = ['<si><t>身份证号</t></si>', '<si><t>姓名</t></si>',
              # Rich text runs are joined; the phonetic guide (rPh) is not part of the text.
              '<si><r><rPr><b/></rPr><t>王</t></r><r><t xml:space="preserve">伟 </t></r>'
              '<rPh sb="0" eb="1"><t>wang</t></rPh></si>',
              '<si><t>34010119900101123X</t></si>']
    cells = (
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="inlineStr"><is><t>日期</t>'
        '</is></c><c r="D1" t="inlineStr"><is><t>金额</t></is></c><c r="E1" t="inlineStr"><is><t>结果</t></is></c>'
        '<c r="F1" t="inlineStr"><is><t>账号</t></is></c></row>'
        '<row r="2"><c r="A2" t="s"><v>3</v></c><c r="B2" t="s"><v>2</v></c><c r="C2" s="1"><v>44000</v></c>'
        '<c r="D2" s="3"><v>12.5</v></c><c r="E2" t="str"><f>A2&amp;""</f><v>文本结果</v></c>'
        '<c r="F2"><v>6.2170010070000005E+18</v></c></row>'
        '<row r="3"><c r="A3"><v>341522197704082590</v></c><c r="B3" t="b"><v>1</v></c><c r="C3" s="2"><v>36526</v></c>'
        '<c r="D3"><f>1+1</f><v>2</v></c><c r="F3"><v>138000012345</v></c></row>'
    )
    table = _read(_package(cells, shared=shared, styles=_DATE_STYLES))
    assert table.rows == [
        (2, {"身份证号": "34010119900101123X", "姓名": "王伟", "日期": "2020-06-18", "金额": "12.5",
             "结果": "文本结果", "账号": "6217001007000000512"}),
        (3, {"身份证号": "341522197704082560", "姓名": "TRUE", "日期": "2000-01-01", "金额": "2", "结果": "",
             "账号": "138000012345"}),
    ]
    assert table.kinds == {
        (2, "日期"): CellKind.DATE, (2, "金额"): CellKind.FRACTION, (2, "账号"): CellKind.INEXACT,
        (3, "身份证号"): CellKind.INEXACT, (3, "姓名"): CellKind.BOOL, (3, "日期"): CellKind.DATE,
        (3, "金额"): CellKind.NUMBER, (3, "账号"): CellKind.NUMBER,
    }
    # In text-by-nature columns: the damaged numbers and the date are refused by the cell; 15 digits are exact.
    refused = lossy_cells(table, ["身份证号", "账号", "日期"])
    assert sorted(refused) == [2, 3]
    assert [m.split(":")[0] for m in refused[2]] == ["Line 2 账号", "Line 2 日期"]
    assert "keep only 15 significant digits" in refused[2][0]
    assert "turned what was typed into the date 2020-06-18" in refused[2][1]
    assert [m.split(":")[0] for m in refused[3]] == ["Line 3 身份证号", "Line 3 日期"]


def test_lossy_message_is_the_issues_words_in_chinese(app_ctx: Any) -> None:
    table = _read(_package('<row r="1"><c r="A1" t="inlineStr"><is><t>银行账号</t></is></c></row>'
                           '<row r="5"><c r="A5"><v>6230227195608869888</v></c></row>'))
    assert lossy_cells(table, ["银行账号"]) == {5: [
        "第 5 行 银行账号：单元格是数字格式，表格软件只保留 15 位有效数字，原号码已丢失。请把该列设为文本后重新录入。"]}


def test_exponent_text_in_a_csv_is_refused_like_a_number_cell() -> None:
    data = "身份证号,电话\n3.41503199607292E+17,13800001234\n".encode("utf-8")
    table = read_table("a.csv", io.BytesIO(data))
    assert table.kinds == {} and table.rows == [(2, {"身份证号": "3.41503199607292E+17", "电话": "13800001234"})]
    assert list(lossy_cells(table, ["身份证号", "电话"])) == [2]


def test_header_found_below_a_title_and_the_sheet_after_instructions() -> None:
    words = header_words({"id": ("身份证号",), "name": ("姓名",), "hh": ("户编号",)})
    data = workbook_bytes([
        Sheet("说明", [Column("填写说明：身份证号请按文本填写")], rows=[["姓名 一列必填"]]),
        Sheet("名单", [Column("某某乡公益岗人员名单")], rows=[[""], ["户编号", "姓名", "身份证号"],
                                                       ["H1", "王伟", "34010119900101123X"]]),
    ])
    table = _read(data, headers=words)
    assert table.sheet == "名单" and table.header_line == 3
    assert table.headers == ["户编号", "姓名", "身份证号"]
    assert table.rows == [(4, {"户编号": "H1", "姓名": "王伟", "身份证号": "34010119900101123X"})]
    # Without the import's header words the first sheet's first row is the header, as before.
    assert _read(data).sheet == "说明"


def test_example_rows_are_skipped_and_reported() -> None:
    data = xlsx_bytes(["户编号", "姓名"], [["【示例】H0001", "张三"], ["H1", "王伟"]])
    table = _read(data)
    assert table.examples == [2] and table.rows == [(3, {"户编号": "H1", "姓名": "王伟"})]


def test_hidden_columns_are_read_and_named() -> None:
    sheet = (f'<?xml version="1.0"?><worksheet xmlns="{_MAIN}"><cols><col min="2" max="2" width="0" hidden="1"/>'
             '</cols><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c><c r="B1" t="inlineStr">'
             '<is><t>电话</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>王伟</t></is></c>'
             '<c r="B2" t="inlineStr"><is><t>13800001234</t></is></c></row></sheetData></worksheet>')
    table = _read(_package("", raw_sheet=sheet))
    assert table.hidden == ["电话"] and table.rows == [(2, {"姓名": "王伟", "电话": "13800001234"})]


def test_csv_in_every_encoding_reads_the_same() -> None:
    text = "户编号,姓名\nH1,王伟\nH2,𠀀李\n"
    expected = [(2, {"户编号": "H1", "姓名": "王伟"}), (3, {"户编号": "H2", "姓名": "𠀀李"})]
    for data in (text.encode("utf-8"), b"\xef\xbb\xbf" + text.encode("utf-8"), text.encode("gb18030")):
        assert read_table("a.csv", io.BytesIO(data)).rows == expected
    gbk = text.replace("𠀀", "").encode("gbk")
    assert read_table("a.csv", io.BytesIO(gbk)).rows[1] == (3, {"户编号": "H2", "姓名": "李"})


def test_csv_export_quote_is_removed_on_reading() -> None:
    data = "姓名,备注\n'=1+1,'It''s\n".replace("''", "'").encode("utf-8")
    table = read_table("a.csv", io.BytesIO(data))
    # The quote our export put before formula-looking text goes; any other apostrophe stays as typed.
    assert table.rows == [(2, {"姓名": "=1+1", "备注": "'It's"})]


def test_writer_types_text_columns_fits_widths_and_sets_up_printing() -> None:
    from openpyxl import load_workbook

    data = workbook_bytes([Sheet("名单", [Column("身份证号", text=True), Column("劳动能力", choices=("劳动力", "弱劳力")),
                                          Column("补贴")],
                                 rows=[["34010119900101123X", "劳动力", 600], ["=1+1", "弱劳力", 12.5]])],
                          instructions=Instructions("填写说明", ["第一条"]))
    wb = load_workbook(io.BytesIO(data))
    ws = wb["名单"]
    assert wb.sheetnames == ["名单", "填写说明"]
    assert ws.column_dimensions["A"].width >= 18 and ws.freeze_panes == "A2"
    assert ws["A2"].number_format == "@" and ws["A3"].value == "=1+1" and ws["A3"].quotePrefix
    assert ws.print_title_rows == "$1:$1" and ws.sheet_properties.pageSetUpPr.fitToPage and ws.oddFooter.center.text == "&P / &N"
    assert [dv.formula1 for dv in ws.data_validations.dataValidation] == ['"劳动力,弱劳力"']
    # Read back by the reader: formula-looking text as typed, numbers as numbers.
    assert _read(data).rows == [(2, {"身份证号": "34010119900101123X", "劳动能力": "劳动力", "补贴": "600"}),
                                (3, {"身份证号": "=1+1", "劳动能力": "弱劳力", "补贴": "12.5"})]


def test_a_row_far_down_keeps_its_row_number() -> None:
    data = _package('<row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c></row>'
                    '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>最后一行</t></is></c></row>')
    assert _read(data).rows == [(1048576, {"姓名": "最后一行"})]


@pytest.mark.parametrize("rows", [
    '<row r="1048577"><c t="inlineStr"><is><t>x</t></is></c></row>',
    '<row r="1"><c r="XFE1" t="inlineStr"><is><t>x</t></is></c></row>',
    '<row r="1"><c r="A1" t="s"><v>7</v></c></row>',
    '<row r="x"><c r="A1"><v>1</v></c></row>',
])
def test_impossible_references_and_values_are_refused(rows: str) -> None:
    with pytest.raises(SpreadsheetError, match=f"{INVALID}|{TOO_MANY}"):
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
        _read(b"PK\x03\x04 this is not really a zip")
    assert str(refused.value) == gettext(INVALID) != INVALID


# ---------------------------------------------------------------- limits and names

def test_row_limit_counts_only_rows_with_text() -> None:
    data = xlsx_bytes(["姓名"], [[f"王{i}"] if j == 0 else [""] for i in range(3) for j in range(2)])
    assert len(_read(data, max_rows=3).rows) == 3
    with pytest.raises(SpreadsheetError, match="more than 2 rows"):
        _read(data, max_rows=2)


def test_too_many_cells_are_refused() -> None:
    """Empty cells cost time to parse even though they hold nothing; a sheet of millions is refused."""
    rows = "".join(f'<row r="{r}">{"<c/>" * 1000}</row>' for r in range(2, 1003))
    data = _package('<row r="1"><c t="inlineStr"><is><t>姓名</t></is></c></row>' + rows)
    with pytest.raises(SpreadsheetError, match=TOO_MANY):
        _read(data, max_rows=10)


def test_too_many_shared_strings_are_refused() -> None:
    shared = ["<si><t>a</t></si>"] * 1_000_001
    with pytest.raises(SpreadsheetError, match=TOO_MANY):
        _read(_package('<row r="1"><c r="A1" t="s"><v>0</v></c></row>', shared=shared), max_rows=10)


def test_empty_sheet_has_no_header() -> None:
    with pytest.raises(SpreadsheetError, match="no header row"):
        _read(_package('<row r="1"/><row r="2"><c r="A2" t="inlineStr"><is><t>  </t></is></c></row>'))


@pytest.mark.parametrize("name", ["register.xlsm", "register.xlsb", "register.txt", "register"])
def test_other_file_kinds_are_refused_by_name(name: str) -> None:
    with pytest.raises(SpreadsheetError, match=r"Only \.xlsx, \.xls, \.ods and \.csv files"):
        read_table(name, io.BytesIO(xlsx_bytes(["姓名"], [["王伟"]])))


def test_csv_rows_keep_their_record_numbers() -> None:
    data = "\n姓名,电话, \n王伟, 13800000000 \n,\n李娜,139\n".encode("gb18030")
    table = read_table("名单.CSV", io.BytesIO(data))
    assert table.headers == ["姓名", "电话"]
    assert table.rows == [(3, {"姓名": "王伟", "电话": "13800000000"}), (5, {"姓名": "李娜", "电话": "139"})]


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


def test_cells_far_apart_are_refused_before_the_library_allocates_them() -> None:
    """Two cells a million rows apart: calamine would hold the block between them (gigabytes)."""
    data = _package('<row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c></row>'
                    '<row r="900000"><c r="Z900000" t="inlineStr"><is><t>x</t></is></c></row>')
    with pytest.raises(SpreadsheetError, match=TOO_MANY):
        _read(data)


def test_ods_with_a_value_repeated_millions_of_times_is_refused() -> None:
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>'
               '<table:table table:name="a"><table:table-row><table:table-cell office:value-type="string">'
               '<text:p>姓名</text:p></table:table-cell></table:table-row>'
               '<table:table-row table:number-rows-repeated="20000"><table:table-cell '
               'table:number-columns-repeated="1000" office:value-type="string"><text:p>x</text:p>'
               '</table:table-cell></table:table-row></table:table></office:spreadsheet></office:body>'
               '</office:document-content>')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        zf.writestr("content.xml", content)
    assert len(buf.getvalue()) < 2000
    with pytest.raises(SpreadsheetError, match=TOO_MANY):
        _read(buf.getvalue(), name="bomb.ods")


@pytest.mark.parametrize("name, data", [
    ("renamed.xlsx", "姓名,电话\n王伟,138\n".encode()),
    ("renamed.xls", b"PK\x03\x04 not an OLE2 file"),
    ("renamed.ods", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504),
    ("renamed.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504),
])
def test_renamed_files_are_refused(name: str, data: bytes) -> None:
    with pytest.raises(SpreadsheetError, match=INVALID):
        _read(data, name=name)


def test_a_workbook_renamed_csv_is_refused_as_text() -> None:
    with pytest.raises(SpreadsheetError):
        read_table("renamed.csv", io.BytesIO(xlsx_bytes(["姓名"], [["王伟"]])))
