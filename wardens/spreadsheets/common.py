"""What every import and export shares: the error, the table, formula neutralising, cell text."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Iterable

from flask_babel import gettext as _

from ..text import has_control_characters

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
