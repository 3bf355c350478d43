"""The hand-written .xlsx reader as it was at commit 521e15c, kept only so the benchmark can
time it side by side with the calamine reader on the same file (issue #10). Nothing in
the site imports it. Its shared helpers from wardens/spreadsheets/common.py of that
commit are inlined above the reader.
"""
from __future__ import annotations

# ---- wardens/spreadsheets/common.py @ 521e15c


import datetime as dt
from dataclasses import dataclass
from typing import Any, Iterable

from flask_babel import gettext as _

from wardens.text import has_control_characters

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Uncompressed size an .xlsx may claim before it is treated as a zip bomb.
MAX_XLSX_UNCOMPRESSED = 200 * 1024 * 1024


class SpreadsheetError(ValueError):
    """The file cannot be read as a table; the message says why."""


def neutralise_formula(value: Any) -> Any:
    """Prefix text a spreadsheet would evaluate (=, +, -, @, tab, CR) with a quote.

    Leading blanks are looked through: Excel and LibreOffice trim them when a CSV is
    opened or a cell is edited, so " =HYPERLINK(...)" runs as well as "=HYPERLINK(...)".
    """
    if isinstance(value, str) and (value.startswith(FORMULA_PREFIXES) or value.lstrip().startswith(FORMULA_PREFIXES)):
        return "'" + value
    return value


@dataclass
class Table:
    headers: list[str]
    # Each row with its 1-based line number in the file (header is line 1).
    rows: list[tuple[int, dict[str, str]]]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _rows_to_table(numbered_rows: Iterable[tuple[int, list[str]]], max_rows: int) -> Table:
    """Header = the first row with any text; each later row keyed by header, blank rows skipped.

    Rows come numbered (1-based, as in the file), already as stripped text, so a sheet
    whose next row is row 900,000 costs nothing for the rows in between. A row's line
    counts from the header as line 1, as it always has.
    """
    iterator = iter(numbered_rows)
    headers: list[str] = []
    header_number = 0
    for header_number, first in iterator:
        headers = list(first)
        if any(headers):
            break
    if not any(headers):
        raise SpreadsheetError(_("The file has no header row."))
    while headers and not headers[-1]:
        headers.pop()
    keyed = [(i, h) for i, h in enumerate(headers) if h]
    width = len(headers)
    offset = header_number - 1
    rows: list[tuple[int, dict[str, str]]] = []
    for number, values in iterator:
        if not any(values):
            continue
        if len(rows) >= max_rows:
            raise SpreadsheetError(_("The file has more than %(n)d rows.", n=max_rows))
        if len(values) < width:
            values = values + [""] * (width - len(values))
        rows.append((number - offset, {h: values[i] for i, h in keyed}))
    table = Table(headers=[h for _i, h in keyed], rows=rows)
    refuse_control_characters(table)
    return table


def refuse_control_characters(table: Table) -> None:
    """Refuse a file whose cells hold invisible control characters, naming where.

    They come from exports of other systems, print as nothing, and NUL cannot be
    stored in PostgreSQL at all: the import is refused before any row is checked.
    """
    found = [
        _("line %(line)d, column %(column)s", line=line, column=column)
        for line, row in table.rows
        for column, value in row.items()
        if has_control_characters(value)
    ]
    found += [_("the header %(column)s", column=repr(h)) for h in table.headers if has_control_characters(h)]
    if found:
        shown = "; ".join(found[:10]) + ("; …" if len(found) > 10 else "")
        raise SpreadsheetError(
            _("%(n)d cells hold invisible control characters (such as NUL); remove them and upload the file again: %(where)s.",
              n=len(found), where=shown)
        )


# ---- wardens/spreadsheets/xlsx_reader.py @ 521e15c


import datetime as dt
import io
import posixpath
import re
import xml.parsers.expat
import zipfile
import zlib
from dataclasses import dataclass
from typing import Any, Iterator
from xml.etree import ElementTree

from flask_babel import gettext as _


# openpyxl in read-only mode cost about half a millisecond a row: with defusedxml
# installed it parses through defusedxml's pure-Python expat wrapper, and it reads a
# sheet without a <dimension> (files openpyxl writes have none) twice to size it. This
# reader streams the parts with the C expat parser instead, and stays as strict:
#  * the sum of the sizes the zip declares is capped, and so are the bytes actually
#    inflated from each member (a lying header cannot smuggle in more);
#  * any DOCTYPE or ENTITY declaration is refused before it is parsed: the start of
#    each part is scanned for them, and every part is parsed by (or, for the small
#    parts read through ElementTree, first by) an expat parser whose doctype and
#    entity handlers raise, so no entity is ever expanded and nothing is fetched;
#  * the small parts (workbook, relationships, styles) are capped at 16 MB, and a
#    sheet (and its shared strings) at 50 cells a permitted row, at least a million,
#    so a small upload cannot keep a worker busy for long on empty cells;
#  * malformed XML, a missing part or a bad reference is "not a valid workbook".
# Values come out as openpyxl gives them (data_only: cached formula results), passed
# through the same _text rule; tests compare the two readers cell for cell.

_XLSX_INVALID = "invalid"
_BOMB = "bomb"
_SCAN_BYTES = 4096
_SMALL_PART_LIMIT = 16 * 1024 * 1024
_CHUNK = 64 * 1024
# The largest row and column numbers Excel allows; a sheet claiming more is not a workbook.
_MAX_ROW, _MAX_COL = 1_048_576, 16_384
# Built-in number formats that show dates or times. 14-22 and 45-47 as openpyxl knows
# them; 27-36 and 50-58 are the East Asian built-ins (yyyy"年"m"月"d"日" and kin) that
# Chinese Excel stores by id alone, which openpyxl would read as bare serial numbers.
_BUILTIN_DATE_IDS = frozenset([*range(14, 23), 45, 46, 47, *range(27, 37), *range(50, 59)])
_BUILTIN_TIMEDELTA_IDS = frozenset([46])
_FORMAT_STRIP = re.compile(r'".*?"|\[(?!hh?\]|mm?\]|ss?\])[^\]]*\]')
_FORMAT_DATE = re.compile(r"(?<![_\\])[dmhysDMHYS]")
_FORMAT_TIMEDELTA = re.compile(r"\[hh?\](:mm(:ss(\.0*)?)?)?|\[mm?\](:ss(\.0*)?)?|\[ss?\](\.0*)?", re.I)
_EPOCH_1900 = dt.datetime(1899, 12, 30)
_EPOCH_1904 = dt.datetime(1904, 1, 1)


class _Refused(Exception):
    """A part of the workbook is hostile or broken; read_table turns it into a SpreadsheetError."""

    def __init__(self, message: str = _XLSX_INVALID) -> None:
        super().__init__(message)
        self.message = message


def _refuse_declaration(*_args: Any) -> None:
    raise _Refused()


def _expat_parser(namespaces: bool) -> Any:
    """An expat parser that raises the moment a DOCTYPE or an entity declaration starts.

    Nothing in a workbook needs a DTD; refusing it before its internal subset is read
    means no entity is ever declared, expanded (billion laughs) or fetched (XXE).
    With namespaces, names come as "uri}local", whatever prefix the file chose.
    """
    parser = xml.parsers.expat.ParserCreate(namespace_separator="}" if namespaces else None)
    parser.StartDoctypeDeclHandler = _refuse_declaration
    parser.EntityDeclHandler = _refuse_declaration
    parser.UnparsedEntityDeclHandler = _refuse_declaration
    parser.ExternalEntityRefHandler = _refuse_declaration
    parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.buffer_text = True
    return parser


class _GuardedPart:
    """One zip member, read with its inflated bytes capped and its start scanned for declarations.

    The bytes inflated are counted against the member's declared size and against the
    workbook's budget, so a lying zip header cannot smuggle in more. With guard=True
    (for ElementTree, whose parser cannot take a doctype handler) every chunk also
    goes through a guard expat parser first, which raises on a doctype or an entity
    declaration before the real parser has seen those bytes.
    """

    def __init__(self, zf: zipfile.ZipFile, info: zipfile.ZipInfo, budget: list[int], guard: bool) -> None:
        self._raw = zf.open(info)
        self._left = info.file_size
        self._budget = budget
        self._head = b""
        self._guard = _expat_parser(namespaces=False) if guard else None

    def __enter__(self) -> "_GuardedPart":
        return self

    def __exit__(self, *_exc: Any) -> None:
        self._raw.close()

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(_CHUNK if size is None or size < 0 else size)
        self._left -= len(data)
        self._budget[0] -= len(data)
        if self._left < 0 or self._budget[0] < 0:
            raise _Refused(_BOMB)
        if len(self._head) < _SCAN_BYTES:
            self._head += data[:_SCAN_BYTES]
            if b"<!DOCTYPE" in self._head or b"<!ENTITY" in self._head:
                raise _Refused()
        if self._guard is not None:
            try:
                self._guard.Parse(data, not data)
            except xml.parsers.expat.ExpatError:
                raise _Refused() from None
        return data


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


class _Package:
    """The opened zip: guarded parts by name, and where the workbook's parts live."""

    def __init__(self, zf: zipfile.ZipFile) -> None:
        self.zf = zf
        self.members = {info.filename: info for info in zf.infolist()}
        self.budget = [MAX_XLSX_UNCOMPRESSED]

    def open(self, name: str, *, guard: bool) -> _GuardedPart:
        info = self.members.get(name)
        if info is None:
            raise _Refused()
        return _GuardedPart(self.zf, info, self.budget, guard)

    def events(self, name: str, events: tuple[str, ...] = ("end",)) -> Iterator[tuple[str, Any]]:
        """Stream a small part's parse events with ElementTree's C parser, behind the guard."""
        # ElementTree keeps the parsed elements, so only small parts go this way.
        if name in self.members and self.members[name].file_size > _SMALL_PART_LIMIT:
            raise _Refused()
        with self.open(name, guard=True) as part:
            yield from ElementTree.iterparse(part, events=events)

    def parse(self, name: str, parser: Any) -> Iterator[None]:
        """Feed a big part to an expat parser (from _expat_parser) chunk by chunk, pausing after each."""
        with self.open(name, guard=False) as part:
            while True:
                data = part.read(_CHUNK)
                try:
                    parser.Parse(data, not data)
                except xml.parsers.expat.ExpatError:
                    raise _Refused() from None
                yield
                if not data:
                    return

    def relationships(self, part: str) -> dict[str, tuple[str, str]]:
        """A part's relationships: id -> (type, member name), targets resolved against the part's folder."""
        folder, _sep, base = part.rpartition("/")
        rels_name = f"{folder}/_rels/{base}.rels" if folder else f"_rels/{base}.rels"
        if rels_name not in self.members:
            return {}
        out: dict[str, tuple[str, str]] = {}
        for _event, elem in self.events(rels_name):
            if _local(elem.tag) == "Relationship" and elem.get("TargetMode") != "External":
                target = elem.get("Target") or ""
                name = target[1:] if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
                out[elem.get("Id") or ""] = (elem.get("Type") or "", name)
        return out


def _workbook_part(package: _Package) -> str:
    for kind, name in package.relationships("").values():
        if kind.endswith("/officeDocument"):
            return name
    return "xl/workbook.xml"


def _is_date_format(code: str) -> bool:
    """openpyxl's rule: a d, m, h, y or s outside quotes and [locale] brackets, first section only."""
    return _FORMAT_DATE.search(_FORMAT_STRIP.sub("", code.split(";")[0])) is not None


def _date_styles(package: _Package, name: str | None) -> tuple[frozenset[int], frozenset[int]]:
    """Cell style indexes (cellXfs) that show dates, and those that show durations ([h]:mm)."""
    if name is None or name not in package.members:
        return frozenset(), frozenset()
    custom: dict[int, str] = {}
    dates: set[int] = set()
    durations: set[int] = set()
    index = 0
    in_cell_xfs = in_num_fmts = False
    for event, elem in package.events(name, ("start", "end")):
        tag = _local(elem.tag)
        if tag == "cellXfs":
            in_cell_xfs = event == "start"
        elif tag == "numFmts":
            in_num_fmts = event == "start"
        elif event == "end" and tag == "numFmt" and in_num_fmts:
            try:
                custom[int(elem.get("numFmtId") or "")] = elem.get("formatCode") or ""
            except ValueError:
                raise _Refused() from None
        elif event == "end" and tag == "xf" and in_cell_xfs:
            try:
                fmt_id = int(elem.get("numFmtId") or 0)
            except ValueError:
                raise _Refused() from None
            if fmt_id in custom:
                code = custom[fmt_id]
                if _is_date_format(code):
                    dates.add(index)
                if _FORMAT_TIMEDELTA.search(code.split(";")[0]):
                    durations.add(index)
            else:
                if fmt_id in _BUILTIN_DATE_IDS:
                    dates.add(index)
                if fmt_id in _BUILTIN_TIMEDELTA_IDS:
                    durations.add(index)
            index += 1
    return frozenset(dates), frozenset(durations)


def _shared_strings(package: _Package, name: str | None, ns: str, max_strings: int) -> list[str]:
    """The shared strings, stripped as _text would; rich-text runs joined, phonetic runs left out.

    As openpyxl reads them: the text of each <si>'s <t> and of its runs' <t>, with
    "x005F_" (the escape of an underscore) removed. A sheet cannot use more strings
    than it may have cells, so a table longer than that is refused.
    """
    if name is None or name not in package.members:
        return []
    si_tag, t_tag, phonetic_tag = f"{ns}si", f"{ns}t", f"{ns}rPh"
    strings: list[str] = []
    parts: list[str] = []
    capture = in_phonetic = False

    def start(tag: str, _attrs: dict[str, str]) -> None:
        nonlocal capture, in_phonetic
        if tag == t_tag:
            capture = not in_phonetic
        elif tag == si_tag:
            parts.clear()
        elif tag == phonetic_tag:
            in_phonetic = True

    def end(tag: str) -> None:
        nonlocal capture, in_phonetic
        if tag == t_tag:
            capture = False
        elif tag == si_tag:
            if len(strings) >= max_strings:
                raise _Refused()
            strings.append("".join(parts).replace("x005F_", "").strip())
        elif tag == phonetic_tag:
            in_phonetic = False

    def text(data: str) -> None:
        if capture:
            parts.append(data)

    parser = _expat_parser(namespaces=True)
    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, text
    for _pause in package.parse(name, parser):
        pass
    return strings


def _from_excel(serial: float, epoch: dt.datetime, duration: bool) -> Any:
    """An Excel serial as openpyxl's from_excel gives it: datetime, time (< 1 day) or timedelta."""
    if duration:
        span = dt.timedelta(days=serial)
        if span.microseconds:
            span = dt.timedelta(seconds=span.total_seconds() // 1, microseconds=round(span.microseconds, -3))
        return span
    day, fraction = divmod(serial, 1)
    diff = dt.timedelta(milliseconds=round(fraction * 86400 * 1000))
    if 0 <= serial < 1 and diff.days == 0:
        minutes, seconds = divmod(diff.seconds, 60)
        hours, minutes = divmod(minutes, 60)
        return dt.time(hours, minutes, seconds, diff.microseconds)
    # Excel counts a 29 February 1900 that never was; serials before it are one day early.
    if 0 < serial < 60 and epoch == _EPOCH_1900:
        day += 1
    return epoch + dt.timedelta(days=day) + diff


def _iso_value(text: str) -> Any:
    """A t="d" cell (ISO 8601 text)."""
    try:
        if "T" in text or " " in text:
            return dt.datetime.fromisoformat(text)
        if ":" in text:
            return dt.time.fromisoformat(text)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise _Refused() from None


_COLUMN_INDEX: dict[str, int] = {}


def _column_index(ref: str) -> int:
    """1-based column of a cell reference such as "C5" (letters only are looked at)."""
    index = _COLUMN_INDEX.get(ref.rstrip("0123456789"))
    if index is not None:
        return index
    letters = ref.rstrip("0123456789").strip("$").upper()
    index = _COLUMN_INDEX.get(letters)
    if index is None:
        index = 0
        for ch in letters:
            if not "A" <= ch <= "Z":
                raise _Refused()
            index = index * 26 + ord(ch) - 64
        if not 0 < index <= _MAX_COL:
            raise _Refused()
        if len(_COLUMN_INDEX) < 20000:
            _COLUMN_INDEX[letters] = index
    return index


def _sheet_rows(package: _Package, name: str, ns: str, strings: list[str], date_styles: frozenset[int],
                durations: frozenset[int], epoch: dt.datetime, max_cells: int) -> Iterator[tuple[int, list[str]]]:
    """Each row of the sheet as (row number, cell texts by column), numbered as openpyxl numbers them.

    Streamed with expat callbacks (no element objects): a row is handed on once the
    chunk holding its end has been parsed. Missing row or cell references count on
    from the previous one; a row numbered at or before one already given is dropped,
    as openpyxl drops it.
    """
    row_tag, cell_tag, value_tag, inline_tag = f"{ns}row", f"{ns}c", f"{ns}v", f"{ns}is"
    t_tag, phonetic_tag = f"{ns}t", f"{ns}rPh"
    done: list[tuple[int, list[str]]] = []
    values: list[str] = []
    parts: list[str] = []
    number = last = column = 0
    ref: str | None = None
    kind = "n"
    style: str | None = None
    in_row = in_cell = in_inline = in_phonetic = capture = False
    cells = max_cells

    def start(tag: str, attrs: dict[str, str]) -> None:
        nonlocal number, column, values, ref, kind, style, in_row, in_cell, in_inline, in_phonetic, capture, cells
        if tag == cell_tag:
            cells -= 1
            if cells < 0:
                raise _Refused()
            if in_row:
                in_cell = True
                ref, kind, style = attrs.get("r"), attrs.get("t", "n"), attrs.get("s")
                parts.clear()
        elif tag == value_tag:
            # An inline string's value is its <is>, never a <v>.
            capture = in_cell and kind != "inlineStr"
        elif tag == t_tag:
            capture = in_inline and not in_phonetic
        elif tag == row_tag:
            number = _row_number(attrs.get("r"), number)
            values, column, in_row = [], 0, True
        elif tag == inline_tag:
            in_inline = in_cell and kind == "inlineStr"
        elif tag == phonetic_tag:
            in_phonetic = True

    def end(tag: str) -> None:
        nonlocal last, column, in_row, in_cell, in_inline, in_phonetic, capture
        if tag == cell_tag:
            if not in_cell:
                return
            in_cell = False
            column = _column_index(ref) if ref else column + 1
            raw = "".join(parts)
            if not raw:
                return
            if kind == "inlineStr":
                text = raw.strip()
            elif kind == "n":
                text = _number_text(raw, style, date_styles, durations, epoch)
            elif kind == "s":
                try:
                    text = strings[int(raw)]
                except (ValueError, IndexError):
                    raise _Refused() from None
            elif kind == "b":
                try:
                    text = str(bool(int(raw)))
                except ValueError:
                    raise _Refused() from None
            elif kind == "d":
                text = _text(_iso_value(raw))
            else:
                # "str" (a formula's text result), "e" (an error such as #N/A) and anything else: the text.
                text = raw.strip()
            if not text:
                return
            width = len(values)
            if column == width + 1:
                values.append(text)
            else:
                if column > width:
                    values.extend([""] * (column - width))
                values[column - 1] = text
        elif tag == value_tag or tag == t_tag:
            capture = False
        elif tag == row_tag:
            in_row = False
            if number > last:
                last = number
                done.append((number, values))
        elif tag == inline_tag:
            in_inline = False
        elif tag == phonetic_tag:
            in_phonetic = False

    def text(data: str) -> None:
        if capture:
            parts.append(data)

    parser = _expat_parser(namespaces=True)
    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, text
    for _pause in package.parse(name, parser):
        yield from done
        done.clear()


def _row_number(r: str | None, previous: int) -> int:
    """A <row>'s number: its r attribute (openpyxl also takes "5.0"), else one past the previous row."""
    if r is None:
        number = previous + 1
    else:
        try:
            number = int(r)
        except ValueError:
            try:
                as_float = float(r)
            except ValueError:
                raise _Refused() from None
            if not as_float.is_integer():
                raise _Refused()
            number = int(as_float)
    if not 0 < number <= _MAX_ROW:
        raise _Refused()
    return number


def _number_text(raw: str, style: str | None, date_styles: frozenset[int], durations: frozenset[int],
                 epoch: dt.datetime) -> str:
    """A numeric cell's text: integers as integers (13812341234, not 1.38e10), dates as ISO dates."""
    try:
        value: Any = float(raw) if ("." in raw or "E" in raw or "e" in raw) else int(raw)
    except ValueError:
        raise _Refused() from None
    if style and date_styles:
        try:
            style_id = int(style)
        except ValueError:
            raise _Refused() from None
        if style_id in date_styles:
            try:
                value = _from_excel(value, epoch, style_id in durations)
            except (OverflowError, ValueError):
                return "#VALUE!"
    return _text(value)


@dataclass
class _Workbook:
    sheet: str  # the first worksheet's member name
    namespace: str  # "{main namespace}" as the workbook writes it (transitional or strict)
    date1904: bool
    parts: dict[str, str]  # relationship kind (sharedStrings, styles...) -> member name


def _workbook(package: _Package) -> _Workbook:
    """Where the first worksheet, the shared strings and the styles are, and the date system."""
    name = _workbook_part(package)
    rels = package.relationships(name)
    sheet_ids: list[str] = []
    date1904 = False
    namespace = ""
    for _event, elem in package.events(name):
        tag = _local(elem.tag)
        if tag == "sheet":
            # r:id, whichever relationships namespace (transitional or strict) the file uses.
            sheet_ids.append(next((v for k, v in elem.attrib.items() if k.endswith("}id")), ""))
        elif tag == "workbookPr":
            date1904 = (elem.get("date1904") or "").lower() in ("1", "true")
        elif tag == "workbook":
            namespace = elem.tag[:-len(tag)]
    parts = {kind.rpartition("/")[2]: target for kind, target in rels.values()}
    for rel_id in sheet_ids:
        kind, target = rels.get(rel_id, ("", ""))
        if kind.endswith("/worksheet") and target in package.members:
            return _Workbook(sheet=target, namespace=namespace, date1904=date1904, parts=parts)
    raise _Refused()


_READABLE_COMPRESSION = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA)


def read_xlsx(data: bytes, max_rows: int) -> Table:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        raise SpreadsheetError(_("The file is not a valid .xlsx workbook.")) from None
    with zf:
        if sum(info.file_size for info in zf.infolist()) > MAX_XLSX_UNCOMPRESSED:
            raise SpreadsheetError(_("The workbook unpacks to more than 200 MB; it is refused."))
        # Only the compressions zipfile can read; anything else is not a workbook we accept.
        if any(info.compress_type not in _READABLE_COMPRESSION for info in zf.infolist()):
            raise SpreadsheetError(_("The file is not a valid .xlsx workbook."))
        try:
            return _read_package(_Package(zf), max_rows)
        except SpreadsheetError:
            raise
        except _Refused as refused:
            if refused.message == _BOMB:
                raise SpreadsheetError(_("The workbook unpacks to more than 200 MB; it is refused.")) from None
            raise SpreadsheetError(_("The file is not a valid .xlsx workbook.")) from None
        except (ElementTree.ParseError, zipfile.BadZipFile, OSError, EOFError, ValueError,
                RuntimeError, zlib.error):
            # A broken stream, a bad CRC, or an encrypted member.
            raise SpreadsheetError(_("The file is not a valid .xlsx workbook.")) from None


def _read_package(package: _Package, max_rows: int) -> Table:
    book = _workbook(package)
    # expat with namespaces names an element "uri}local"; ElementTree wrote it "{uri}local".
    ns = book.namespace[1:-1] + "}" if book.namespace else ""
    max_cells = max(1_000_000, (max_rows + 1) * 50)
    strings = _shared_strings(package, book.parts.get("sharedStrings"), ns, max_cells)
    dates, durations = _date_styles(package, book.parts.get("styles"))
    epoch = _EPOCH_1904 if book.date1904 else _EPOCH_1900
    rows = _sheet_rows(package, book.sheet, ns, strings, dates, durations, epoch, max_cells)
    try:
        return _rows_to_table(rows, max_rows)
    finally:
        rows.close()
