"""Writing .xlsx (XlsxWriter) and .csv exports people can read, print and import again.

.xlsx: every column that is text by nature (IDs, accounts, phones, codes, names) is
formatted as text for the whole column, so what a person types below the last row
stays text too; text that looks like a formula is a string cell with Excel's quote
prefix, which no spreadsheet evaluates, shows no apostrophe on screen or on paper, and
reads back as typed; widths fit the content; the header is frozen, filtered and
repeated on every printed page, with page numbers, fitted to the paper's width
(landscape when wide). CSV cannot carry a cell's type: formula-looking text keeps a
leading quote there (the imports remove it again), and the export pages warn that
spreadsheet programs damage long numbers in CSV.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Iterable, Sequence

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from .common import looks_like_formula, neutralise_formula

# Characters XML 1.0 cannot hold at all; they cannot be in a cell.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_MAX_WIDTH = 60
_MIN_WIDTH = 6
# Landscape once the columns together are wider than a portrait A4 page holds (in characters).
_PORTRAIT_CHARACTERS = 100
_OPTIONS = {"constant_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
            "strings_to_urls": False, "default_date_format": "yyyy-mm-dd", "in_memory": True}


@dataclass
class Column:
    """One column of a sheet: its header, whether it is text by nature, its width, its choices."""

    header: str
    text: bool = False
    width: float | None = None  # characters; None: fitted to the content
    choices: Sequence[str] = ()  # a drop-down of allowed words (templates)
    note: str = ""  # what goes in the column (templates' instructions sheet)


@dataclass
class Sheet:
    title: str
    columns: list[Column]
    rows: Iterable[Sequence[Any]]
    # Rows greyed and italic above the data (a template's example row).
    example_rows: Sequence[Sequence[Any]] = ()
    # Rows to format and validate below the data when nothing is written there (templates).
    blank_rows: int = 0
    header_text: str = ""  # printed at the top of every page
    landscape: bool | None = None  # None: decided by the columns' total width


@dataclass
class Instructions:
    title: str
    lines: list[str] = field(default_factory=list)


def display_width(text: str) -> int:
    """Columns a text takes on screen: CJK and full-width characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _plain(value: Any) -> Any:
    """A value as the cell should hold it: numbers and dates as such, booleans as 是/否, the rest text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (int, float, dt.date, dt.datetime)):
        return value
    return _XML_ILLEGAL.sub("", str(value))


class _Formats:
    def __init__(self, book: xlsxwriter.Workbook) -> None:
        header = {"bold": True, "text_wrap": True, "valign": "top", "border": 1, "bg_color": "#E8EEF4"}
        self.header = book.add_format(header)
        self.header_quoted = book.add_format({**header, "quote_prefix": True})
        self.text = book.add_format({"num_format": "@"})
        self.quoted = book.add_format({"num_format": "@", "quote_prefix": True})
        self.plain_quoted = book.add_format({"quote_prefix": True})
        self.date = book.add_format({"num_format": "yyyy-mm-dd"})
        self.datetime = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        self.example = book.add_format({"num_format": "@", "italic": True, "font_color": "#808080",
                                        "bg_color": "#F2F2F2"})
        self.wrap = book.add_format({"text_wrap": True, "valign": "top"})
        self.title = book.add_format({"bold": True, "font_size": 14})


def _write(ws: Worksheet, row: int, col: int, value: Any, text: bool, f: _Formats) -> int:
    """Write one cell; returns the width its content takes."""
    value = _plain(value)
    if value == "":
        return 0
    if isinstance(value, str) or text:
        shown = value if isinstance(value, str) else str(value)
        if looks_like_formula(shown):
            ws.write_string(row, col, shown, f.quoted if text else f.plain_quoted)
        else:
            ws.write_string(row, col, shown, f.text if text else None)
        return display_width(shown)
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.replace(tzinfo=None)
        ws.write_datetime(row, col, value, f.datetime)
        return 16
    if isinstance(value, dt.date):
        ws.write_datetime(row, col, dt.datetime.combine(value, dt.time()), f.date)
        return 10
    ws.write_number(row, col, value)
    return len(repr(value))


def _sheet_name(title: str, used: set[str]) -> str:
    name = re.sub(r"[\[\]:*?/\\]", "_", _XML_ILLEGAL.sub("", title)).strip("'")[:31] or "Sheet1"
    base, n = name, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name, n = base[:31 - len(suffix)] + suffix, n + 1
    used.add(name.lower())
    return name


def _add_sheet(book: xlsxwriter.Workbook, spec: Sheet, f: _Formats, used: set[str]) -> None:
    ws = book.add_worksheet(_sheet_name(spec.title, used))
    columns = spec.columns
    widths = [display_width(c.header) for c in columns]
    for i, column in enumerate(columns):
        header = _XML_ILLEGAL.sub("", column.header)
        ws.write_string(0, i, header, f.header_quoted if looks_like_formula(header) else f.header)
    line = 1
    for example in spec.example_rows:
        for i, value in enumerate(example):
            value = _plain(value)
            if value != "":
                ws.write_string(line, i, str(value), f.example)
                widths[i] = max(widths[i], display_width(str(value)))
        line += 1
    for row in spec.rows:
        for i, value in enumerate(row):
            text = i < len(columns) and columns[i].text
            used_width = _write(ws, line, i, value, text, f)
            if i < len(widths):
                if used_width > widths[i]:
                    widths[i] = used_width
            else:
                widths.append(used_width)
        line += 1
    last_row = max(line - 1 + spec.blank_rows, 1)
    total = 0.0
    for i, column in enumerate(columns):
        width = column.width or min(_MAX_WIDTH, max(_MIN_WIDTH, widths[i] + 2))
        total += width
        # The column's own format (text for text columns) is what a person typing in an
        # empty cell below the last row gets.
        ws.set_column(i, i, width, f.text if column.text else None)
        if column.choices:
            source = list(column.choices)
            ws.data_validation(1, i, max(last_row, 1000), i, {
                "validate": "list", "source": source, "ignore_blank": True, "error_type": "warning",
                "error_title": column.header[:32],
                "error_message": ("请从下拉列表中选择：" + "、".join(source))[:255],
            })
    ws.freeze_panes(1, 0)
    if columns:
        ws.autofilter(0, 0, max(line - 1, 1), len(columns) - 1)
    landscape = spec.landscape if spec.landscape is not None else total > _PORTRAIT_CHARACTERS
    if landscape:
        ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    if spec.header_text:
        ws.set_header("&C" + spec.header_text.replace("&", "&&")[:200])
    ws.set_footer("&C&P / &N")


def _add_instructions(book: xlsxwriter.Workbook, spec: Instructions, f: _Formats, used: set[str]) -> None:
    ws = book.add_worksheet(_sheet_name(spec.title, used))
    ws.set_column(0, 0, 100, f.wrap)
    ws.write_string(0, 0, spec.title, f.title)
    for i, line in enumerate(spec.lines, start=2):
        ws.write_string(i, 0, line, f.wrap)
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)


def workbook_bytes(sheets: Sequence[Sheet], *, instructions: Instructions | None = None) -> bytes:
    """A workbook of the given sheets (the first is the one that opens), and an instructions sheet after them."""
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, _OPTIONS)
    f = _Formats(book)
    used: set[str] = set()
    for spec in sheets:
        _add_sheet(book, spec, f, used)
    if instructions is not None:
        _add_instructions(book, instructions, f, used)
    book.close()
    return buf.getvalue()


def xlsx_bytes(
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    text_columns: Iterable[int] = (),
    sheet_title: str = "Sheet1",
    header_text: str = "",
) -> bytes:
    """A one-sheet export: columns in text_columns typed as text, widths fitted, print set up."""
    text = set(text_columns)
    columns = [Column(str(h), text=i in text) for i, h in enumerate(headers)]
    return workbook_bytes([Sheet(sheet_title, columns, rows, header_text=header_text)])


def csv_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 with BOM, which Chinese Excel opens without garbling; formula-looking text quoted."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([neutralise_formula(str(h)) for h in headers])
    for row in rows:
        writer.writerow([_csv_value(v) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _csv_value(value: Any) -> Any:
    value = _plain(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return neutralise_formula(value)
