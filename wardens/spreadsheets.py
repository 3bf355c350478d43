"""Reading and writing .xlsx and .csv safely, for every import and export.

Exports: ID numbers and phones are written as text (Excel keeps 15 digits of a
number), and any cell that a spreadsheet would run as a formula is neutralised.
Imports: openpyxl in read-only mode (defusedxml installed, so XML bombs are
refused), a row limit, and CSV in UTF-8 (with or without BOM) or GB18030.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any, Iterable, Sequence

from flask_babel import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Uncompressed size an .xlsx may claim before it is treated as a zip bomb.
MAX_XLSX_UNCOMPRESSED = 200 * 1024 * 1024


class SpreadsheetError(ValueError):
    """The file cannot be read as a table; the message says why."""


def neutralise_formula(value: Any) -> Any:
    """Prefix text a spreadsheet would evaluate (=, +, -, @, tab, CR) with a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _cell_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return float(value) if value != value.to_integral_value() else int(value)
    if isinstance(value, (int, float, dt.date, dt.datetime)) and not isinstance(value, bool):
        return value
    if isinstance(value, bool):
        return "是" if value else "否"
    return neutralise_formula(str(value))


def xlsx_bytes(
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    text_columns: Iterable[int] = (),
    sheet_title: str = "Sheet1",
) -> bytes:
    """A one-sheet workbook; columns in text_columns are stored as text cells."""
    text_cols = set(text_columns)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=sheet_title[:31])
    bold = Font(bold=True)
    header_cells = []
    for h in headers:
        c = WriteOnlyCell(ws, value=neutralise_formula(str(h)))
        c.font = bold
        header_cells.append(c)
    ws.append(header_cells)
    for row in rows:
        out = []
        for i, value in enumerate(row):
            if i in text_cols and value not in (None, ""):
                cell = WriteOnlyCell(ws, value=neutralise_formula(str(value)))
                cell.number_format = "@"
                out.append(cell)
            else:
                out.append(_cell_value(value))
        ws.append(out)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def csv_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 with BOM, which Chinese Excel opens without garbling."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([neutralise_formula(str(h)) for h in headers])
    for row in rows:
        writer.writerow(["" if v is None else _cell_value(v) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


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


def _decode_csv(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise SpreadsheetError(_("The CSV file is neither UTF-8 nor GBK/GB18030 text.")) from None


def _rows_to_table(raw_rows: Iterable[Sequence[Any]], max_rows: int) -> Table:
    iterator = iter(raw_rows)
    headers: list[str] = []
    for first in iterator:
        headers = [_text(h) for h in first]
        if any(headers):
            break
    if not any(headers):
        raise SpreadsheetError(_("The file has no header row."))
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
            raise SpreadsheetError(_("The file has more than %(n)d rows.", n=max_rows))
        rows.append((line, {h: (values[i] if i < len(values) else "") for i, h in enumerate(headers) if h}))
    return Table(headers=[h for h in headers if h], rows=rows)


def read_table(filename: str, stream: IO[bytes], *, max_rows: int = 60000) -> Table:
    """Read the first sheet of an .xlsx, or a .csv, into header-keyed rows of text."""
    data = stream.read()
    name = (filename or "").lower()
    if name.endswith(".csv"):
        text = _decode_csv(data)
        return _rows_to_table(csv.reader(io.StringIO(text)), max_rows)
    if name.endswith(".xlsx"):
        return _read_xlsx(data, max_rows)
    raise SpreadsheetError(_("Only .xlsx and .csv files can be imported."))


def _read_xlsx(data: bytes, max_rows: int) -> Table:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            claimed = sum(info.file_size for info in zf.infolist())
    except zipfile.BadZipFile:
        raise SpreadsheetError(_("The file is not a valid .xlsx workbook.")) from None
    if claimed > MAX_XLSX_UNCOMPRESSED:
        raise SpreadsheetError(_("The workbook unpacks to more than 200 MB; it is refused."))
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a broken or hostile file
        raise SpreadsheetError(_("The file is not a valid .xlsx workbook.")) from None
    try:
        ws = wb.worksheets[0]
        return _rows_to_table(ws.iter_rows(values_only=True), max_rows)
    except SpreadsheetError:
        raise
    except Exception:
        raise SpreadsheetError(_("The file is not a valid .xlsx workbook.")) from None
    finally:
        wb.close()
