"""Reading an uploaded .xlsx, .xls, .ods or .csv into header-keyed rows of text.

Workbooks are read by python-calamine (Rust; it parses without DTDs or entities, so
XXE and billion laughs do nothing, and checks every zip member against its CRC). Before
the library sees a zip-based file, a pre-check inflates each member in bounded chunks:
the total may not pass 200 MB whatever the headers declare, a member may not inflate
past its declared size, and a worksheet may not span more cells than the row limit
allows — calamine holds a sheet as one dense block from its first to its last cell, so
two cells a million rows apart would otherwise take gigabytes.

Every cell keeps what kind it was (see CellKind), because an identifier in a number
cell has already lost digits when the file reaches us; the imports refuse such cells
in their text columns (common.lossy_cells) rather than store invented digits.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
import zlib
from typing import IO, Any, Iterable, Sequence

import python_calamine
from flask_babel import gettext as _

from .common import (
    EXAMPLE_MARK,
    MAX_XLSX_UNCOMPRESSED,
    CellKind,
    SpreadsheetError,
    Table,
    normalise_header,
    refuse_control_characters,
    strip_export_quote,
)
from .zips import CHUNK, inflate

WORKBOOK_SUFFIXES = (".xlsx", ".xls", ".ods")
SUFFIXES = (*WORKBOOK_SUFFIXES, ".csv")
# Rows searched for the header: a title, a merged heading, a note and blank rows above it are fine.
HEADER_SEARCH_ROWS = 30
# A whole number a spreadsheet holds exactly: 15 significant digits.
_EXACT_LIMIT = 10 ** 15
_XLSX_HIDDEN_COL = re.compile(rb"<(?:\w+:)?col\s[^>]*>")


def _invalid() -> SpreadsheetError:
    return SpreadsheetError(_("The file is not a valid .xlsx, .xls or .ods workbook."))


def _bomb() -> SpreadsheetError:
    return SpreadsheetError(_("The workbook unpacks to more than 200 MB; it is refused."))


def _too_many_cells() -> SpreadsheetError:
    return SpreadsheetError(_("The sheet spans more cells than an import may have; delete the unused rows and "
                              "columns (or copy the table into a new file) and upload it again."))


# ---------------------------------------------------------------- CSV

def _decode_csv(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8")
        except UnicodeDecodeError:
            raise SpreadsheetError(_("The CSV file is neither UTF-8 nor GBK/GB18030 text.")) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        # GB18030 is a superset of GBK (and of GB2312): one decoder reads all three.
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise SpreadsheetError(_("The CSV file is neither UTF-8 nor GBK/GB18030 text.")) from None


# ---------------------------------------------------------------- the zip pre-check

def _inflate(zf: zipfile.ZipFile, info: zipfile.ZipInfo, budget: list[int]) -> Iterable[bytes]:
    """A member's bytes in chunks, refusing past the budget left (the one zip rule: zips.inflate)."""
    return inflate(zf, info, budget, unreadable=_invalid, too_big=_bomb)


def _precheck_zip(data: bytes, max_cells: int) -> dict[str, list[int]]:
    """Refuse bombs, liars and oversized sheets before calamine inflates anything.

    Returns the hidden columns (0-based) of each .xlsx worksheet member, to report them.
    """
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _invalid() from None
    hidden: dict[str, list[int]] = {}
    with zf:
        infos = zf.infolist()
        if sum(info.file_size for info in infos) > MAX_XLSX_UNCOMPRESSED:
            raise _bomb()
        budget = [MAX_XLSX_UNCOMPRESSED]
        try:
            for info in infos:
                name = info.filename
                if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                    hidden[name] = _check_xlsx_sheet(_inflate(zf, info, budget), max_cells)
                elif name == "content.xml":
                    _check_ods_content(_inflate(zf, info, budget), max_cells)
                elif name.endswith("sharedStrings.xml"):
                    # calamine keeps every shared string; more than the cells a sheet may hold is no table.
                    strings, tail = 0, b""
                    for chunk in _inflate(zf, info, budget):
                        joined = tail + chunk  # a 2-byte tail cannot hold a whole "<si", only its start
                        strings += joined.count(b"<si") + joined.count(b":si")
                        tail = chunk[-2:]
                    if strings > max_cells:
                        raise _too_many_cells()
                else:
                    for _chunk in _inflate(zf, info, budget):
                        pass
        except SpreadsheetError:
            raise
        # Unknown compression methods and encryption are refused by _inflate before zipfile opens a member.
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError, zlib.error):
            raise _invalid() from None
    return hidden


def _column_number(letters: bytes) -> int:
    number = 0
    for ch in letters:
        if not 65 <= ch <= 90:
            return 0
        number = number * 26 + ch - 64
    return number


def _check_xlsx_sheet(chunks: Iterable[bytes], max_cells: int) -> list[int]:
    """The block the sheet's cells span must fit the cell budget; returns its hidden columns.

    Each row's last reference attribute is its last cell's (cells come in column order),
    so walking the row ends finds the widest row without looking at every cell. A row
    whose cells carry no reference (allowed; calamine then counts them) is as wide as
    its number of cells.
    """
    data = b"".join(chunks)
    if data.count(b"<c") + data.count(b":c ") > 2 * max_cells:
        raise _too_many_cells()
    at = data.find(b"sheetData")
    prefix = b""
    if at > 0 and data[at - 1:at] == b":":
        start = data.rfind(b"<", 0, at)
        prefix = data[start + 1:at]
    close = b"</" + prefix + b"row>"
    open_cell = b"<" + prefix + b"c"
    max_col = rows = max_row = 0
    pos = at if at > 0 else 0
    while True:
        end = data.find(close, pos)
        if end < 0:
            break
        rows += 1
        ref = data.rfind(b' r="', pos, end)
        number_end = data.find(b'"', ref + 4, end) if ref >= 0 else -1
        value = data[ref + 4:number_end] if number_end > 0 else b""
        letters = value.rstrip(b"0123456789")
        digits = value[len(letters):]
        if letters and digits:
            max_col = max(max_col, _column_number(letters))
            max_row = max(max_row, int(digits[:9]))
        else:
            if digits:
                max_row = max(max_row, int(digits[:9]))
            max_col = max(max_col, data.count(open_cell, pos, end))
        pos = end + len(close)
    height = max(max_row, rows)
    if max_col > 16384 or max_row > 1_048_576 or height * max_col > max_cells:
        raise _too_many_cells()
    return _hidden_xlsx_columns(data[:at] if at > 0 else b"")


def _hidden_xlsx_columns(head: bytes) -> list[int]:
    """0-based indexes of the columns <cols> marks hidden (the <cols> element precedes the data)."""
    out: list[int] = []
    for match in _XLSX_HIDDEN_COL.finditer(head):
        tag = match.group(0)
        if re.search(rb'\bhidden="(1|true)"', tag) is None:
            continue
        low, high = re.search(rb'\bmin="(\d+)"', tag), re.search(rb'\bmax="(\d+)"', tag)
        if low and high:
            out.extend(range(int(low.group(1)) - 1, min(int(high.group(1)), 1024)))
    return out


_ODS_TAG = re.compile(rb"<(/?)table:(table-row|table-cell|covered-table-cell|table)\b([^>]*)>")
_ODS_ROWS = re.compile(rb'number-rows-repeated="([0-9]{1,9})"')
_ODS_COLUMNS = re.compile(rb'number-columns-repeated="([0-9]{1,9})"')


def _check_ods_content(chunks: Iterable[bytes], max_cells: int) -> None:
    """Repeated rows and cells with a value must not span past the cell budget.

    LibreOffice writes the empty rest of a sheet as a row repeated a million times of
    one empty cell repeated a thousand times; calamine skips empty cells, but expands a
    repeated cell that holds a value, so 10 KB can describe 20 million cells. Only
    cells with a value (office:value-type) or text (not self-closing) count.
    """
    tail = b""
    row = col = row_repeat = 0
    max_row = max_col = 0
    for chunk in chunks:
        buf = tail + chunk
        cut = buf.rfind(b"<")
        if cut < 0:
            cut = len(buf)
        for closing, tag, attrs in _ODS_TAG.findall(buf[:cut]):
            if tag == b"table":
                if not closing:
                    row = 0
            elif tag == b"table-row":
                if closing:
                    row += row_repeat
                else:
                    found = _ODS_ROWS.search(attrs)
                    row_repeat = int(found.group(1)) if found else 1
                    col = 0
                    if attrs.endswith(b"/"):
                        row += row_repeat
            elif not closing:
                found = _ODS_COLUMNS.search(attrs)
                repeat = int(found.group(1)) if found else 1
                if b"value-type" in attrs or not attrs.endswith(b"/"):
                    max_col = max(max_col, col + repeat)
                    max_row = max(max_row, row + row_repeat)
                    if max_col * max_row > max_cells:
                        raise _too_many_cells()
                col += repeat
        tail = buf[cut:]
        if len(tail) > CHUNK:
            raise _invalid()


# ---------------------------------------------------------------- cells

def _cell(value: Any) -> tuple[str, str | None]:
    """A calamine value as the text the spreadsheet shows, and its kind when not text."""
    kind = type(value)
    if kind is str:
        return value.strip(), None
    if value is None:
        return "", None
    if kind is bool:
        return ("TRUE" if value else "FALSE"), CellKind.BOOL
    if kind is float or kind is int:
        if kind is float and not value.is_integer():
            if value != value or value in (float("inf"), float("-inf")):
                return str(value), CellKind.FRACTION
            return repr(value), CellKind.FRACTION
        number = int(value)
        return str(number), (CellKind.NUMBER if abs(number) < _EXACT_LIMIT else CellKind.INEXACT)
    if isinstance(value, dt.datetime):
        text = value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
        return text, CellKind.DATE
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat(), CellKind.DATE
    if isinstance(value, dt.timedelta):
        return str(value), CellKind.DATE
    return str(value).strip(), None


# ---------------------------------------------------------------- header and sheet

def _score(values: Sequence[str], words: frozenset[str]) -> int:
    return len({normalise_header(v) for v in values if v and v.strip()} & words)


def _blank(values: Sequence[str]) -> bool:
    return not any(v.strip() for v in values)


def _find_header(rows: list[tuple[int, list[str]]], words: frozenset[str] | None) -> tuple[int, int]:
    """(index into rows, score) of the header: the row naming most known columns, else the first with text."""
    first = next((i for i, (_n, values) in enumerate(rows) if not _blank(values)), -1)
    if not words or first < 0:
        return first, 0
    best, best_score = first, 0
    seen = 0
    for i in range(first, len(rows)):
        values = rows[i][1]
        if _blank(values):
            continue
        seen += 1
        if seen > HEADER_SEARCH_ROWS:
            break
        score = _score(values, words)
        if score > best_score:
            best, best_score = i, score
    return best, best_score


def _build_table(numbered: list[tuple[int, list[str]]], kinds_of: dict[int, list[str | None]] | None,
                 header_at: int,
                 max_rows: int, *, typed: bool, sheet: str = "", hidden_columns: Sequence[int] = ()) -> Table:
    header_number, headers = numbered[header_at]
    headers = [h.strip() for h in headers]
    while headers and not headers[-1]:
        headers.pop()
    keyed = [(i, h) for i, h in enumerate(headers) if h]
    width = len(headers)
    rows: list[tuple[int, dict[str, str]]] = []
    kinds: dict[tuple[int, str], str] = {}
    examples: list[int] = []
    for index in range(header_at + 1, len(numbered)):
        number, values = numbered[index]
        if len(values) < width:
            values = values + [""] * (width - len(values))
        row = {h: values[i].strip() for i, h in keyed}
        if not any(row.values()):
            continue
        if "'" in "".join(row.values()):
            row = {h: strip_export_quote(v) for h, v in row.items()}
        if next(v for v in row.values() if v).startswith(EXAMPLE_MARK):
            examples.append(number)
            continue
        if len(rows) >= max_rows:
            raise SpreadsheetError(_("The file has more than %(n)d rows.", n=max_rows))
        rows.append((number, row))
        row_kinds = kinds_of.get(index) if kinds_of else None
        if row_kinds is not None:
            for i, h in keyed:
                if i < len(row_kinds) and row_kinds[i] is not None:
                    kinds[(number, h)] = row_kinds[i]  # type: ignore[assignment]
    hidden = [h for i, h in keyed if i in set(hidden_columns)]
    table = Table(headers=[h for _i, h in keyed], rows=rows, kinds=kinds, hidden=hidden, sheet=sheet,
                  header_line=header_number, examples=examples, typed=typed)
    refuse_control_characters(table)
    return table


def _read_csv(data: bytes, max_rows: int, words: frozenset[str] | None) -> Table:
    text = _decode_csv(data)
    try:
        numbered = list(enumerate(csv.reader(io.StringIO(text)), 1))
    except csv.Error:
        raise SpreadsheetError(_("The CSV file cannot be read: a quoted cell is not closed.")) from None
    header_at, _score_ = _find_header(numbered, words)
    if header_at < 0:
        raise SpreadsheetError(_("The file has no header row."))
    return _build_table(numbered, None, header_at, max_rows, typed=False)


def _sheet_rows(sheet: Any) -> tuple[list[tuple[int, list[str]]], dict[int, list[str | None]]]:
    """Every row as text, and the kinds of rows holding anything but text (most rows hold only text)."""
    numbered: list[tuple[int, list[str]]] = []
    kinds_of: dict[int, list[str | None]] = {}
    for n, raw in enumerate(sheet.to_python(skip_empty_area=False), 1):
        try:
            "".join(raw)  # cheap in C: raises TypeError when any cell is not text
            numbered.append((n, raw))  # stripped by _build_table
        except TypeError:  # a number, date or boolean cell in the row
            texts: list[str] = []
            kinds: list[str | None] = []
            for value in raw:
                text, kind = _cell(value)
                texts.append(text)
                kinds.append(kind)
            numbered.append((n, texts))
            kinds_of[len(numbered) - 1] = kinds
    return numbered, kinds_of


def _read_workbook(data: bytes, name: str, max_rows: int, words: frozenset[str] | None) -> Table:
    max_cells = max(1_000_000, (max_rows + HEADER_SEARCH_ROWS + 1) * 50)
    hidden_by_member: dict[str, list[int]] = {}
    if data[:4] == b"PK\x03\x04":
        hidden_by_member = _precheck_zip(data, max_cells)
    elif not (name.endswith(".xls") and data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        # A zip for .xlsx/.ods, an OLE2 compound file for .xls: anything else was renamed.
        raise _invalid()
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = [m for m in book.sheets_metadata if m.typ == python_calamine.SheetTypeEnum.WorkSheet]
        visible = [m for m in sheets if m.visible == python_calamine.SheetVisibleEnum.Visible] or sheets
        if not visible:
            raise _invalid()
        members = _xlsx_sheet_members(data) if hidden_by_member else {}
        best: tuple[int, str, Any, Any, int] | None = None
        for meta in visible:
            sheet = book.get_sheet_by_name(meta.name)
            if sheet.height * max(sheet.width, 1) > max_cells:
                raise _too_many_cells()
            numbered, kinds_of = _sheet_rows(sheet)
            header_at, score = _find_header(numbered, words)
            if header_at < 0:
                continue
            if best is None or score > best[0]:
                best = (score, meta.name, numbered, kinds_of, header_at)
            if not words:
                break
    except SpreadsheetError:
        raise
    except Exception:  # calamine raises its own errors, and ValueError/OSError for broken parts
        raise _invalid() from None
    if best is None:
        raise SpreadsheetError(_("The file has no header row."))
    _score_, sheet_name, numbered, kinds_of, header_at = best
    hidden = hidden_by_member.get(members.get(sheet_name, ""), [])
    return _build_table(numbered, kinds_of, header_at, max_rows, typed=True, sheet=sheet_name,
                        hidden_columns=hidden)


def _xlsx_sheet_members(data: bytes) -> dict[str, str]:
    """Sheet name -> worksheet part, from workbook.xml and its relationships (both small, checked above)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
            if "xl/workbook.xml" not in names or "xl/_rels/workbook.xml.rels" not in names:
                return {}
            workbook = zf.read("xl/workbook.xml")
            rels = zf.read("xl/_rels/workbook.xml.rels")
    except (zipfile.BadZipFile, OSError, KeyError):
        return {}
    targets = {}
    for tag in re.findall(rb"<(?:\w+:)?Relationship\s[^>]*>", rels):
        rid, target = re.search(rb'\bId="([^"]+)"', tag), re.search(rb'\bTarget="([^"]+)"', tag)
        if rid and target:
            path = target.group(1).decode("utf-8", "replace").lstrip("/")
            targets[rid.group(1)] = path if path.startswith("xl/") else "xl/" + path
    out: dict[str, str] = {}
    for tag in re.findall(rb"<(?:\w+:)?sheet\s[^>]*>", workbook):
        sheet_name = re.search(rb'\bname="([^"]*)"', tag)
        rid = re.search(rb'\br:id="([^"]+)"', tag) or re.search(rb'\b\w+:id="([^"]+)"', tag)
        if sheet_name and rid and rid.group(1) in targets:
            out[_xml_unescape(sheet_name.group(1).decode("utf-8", "replace"))] = targets[rid.group(1)]
    return out


def _xml_unescape(text: str) -> str:
    return (text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'")
            .replace("&amp;", "&"))


def read_table(filename: str, stream: IO[bytes], *, max_rows: int = 60000,
               headers: frozenset[str] | None = None) -> Table:
    """Read a .xlsx, .xls, .ods or .csv into header-keyed rows of text.

    headers: the normalised header words the import knows (common.header_words). With
    them, the sheet and the row naming most of them are the table, so a title row, a
    merged heading and an instructions sheet before the data are all fine; without,
    the first sheet's first row with text is the header.
    """
    data = stream.read()
    name = (filename or "").lower()
    if name.endswith(".csv"):
        return _read_csv(data, max_rows, headers)
    if name.endswith(WORKBOOK_SUFFIXES):
        return _read_workbook(data, name, max_rows, headers)
    raise SpreadsheetError(_("Only .xlsx, .xls, .ods and .csv files can be imported."))
