"""What every import and export shares: the error, the table, formula neutralising, header words."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from flask_babel import gettext as _

from ..errors import BadInput
from ..text import has_control_characters

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Uncompressed size an .xlsx or .ods may claim before it is treated as a zip bomb.
MAX_XLSX_UNCOMPRESSED = 200 * 1024 * 1024
# The mark that opens the first cell of a template's example row: such a row is never imported.
EXAMPLE_MARK = "【示例】"


class SpreadsheetError(BadInput, ValueError):
    """The file cannot be read as a table; the message says why."""


def neutralise_formula(value: Any) -> Any:
    """Prefix text a spreadsheet would evaluate (=, +, -, @, tab, CR) with a quote (CSV exports).

    Leading blanks are looked through: Excel and LibreOffice trim them when a CSV is
    opened or a cell is edited, so " =HYPERLINK(...)" runs as well as "=HYPERLINK(...)".
    """
    if isinstance(value, str) and looks_like_formula(value):
        return "'" + value
    return value


def looks_like_formula(value: str) -> bool:
    """Whether a spreadsheet program would take this text for a formula when it opens a CSV."""
    return value.startswith(FORMULA_PREFIXES) or value.lstrip().startswith(FORMULA_PREFIXES)


def strip_export_quote(value: str) -> str:
    """Undo neutralise_formula: the quote our CSV export put before formula-looking text.

    Only a quote followed by what neutralise_formula would have quoted is removed, so
    a name typed with a leading apostrophe for any other reason is kept as typed.
    """
    if value.startswith("'") and looks_like_formula(value[1:]):
        return value[1:]
    return value


def normalise_header(text: str) -> str:
    """Header text compared loosely: no spaces or marks, full-width brackets made ASCII."""
    text = (text or "").strip().lower()
    text = text.replace("（", "(").replace("）", ")").replace("：", ":")
    text = re.sub(r"\((必填|选填|可选|required|optional)\)", "", text)
    return re.sub(r"[\s*＊:]", "", text)


class CellKind:
    """What a cell was in the file when it was not text (CSV cells are all text)."""

    NUMBER = "number"      # a whole number of at most 15 digits: read as its digits, exactly
    INEXACT = "inexact"    # a whole number of 16 digits or more: the spreadsheet kept only 15
    FRACTION = "fraction"  # a number with a fractional part
    DATE = "date"          # a date or time
    BOOL = "bool"          # TRUE / FALSE


@dataclass
class Table:
    headers: list[str]
    # Each row with its row number as the spreadsheet program shows it (CSV: record number).
    rows: list[tuple[int, dict[str, str]]]
    # Cells that were not text in the file, by (row number, header): see CellKind.
    kinds: dict[tuple[int, str], str] = field(default_factory=dict)
    # Headers of columns the file hides (read all the same; the preview says so).
    hidden: list[str] = field(default_factory=list)
    sheet: str = ""
    header_line: int = 1
    # Row numbers of template example rows that were skipped.
    examples: list[int] = field(default_factory=list)
    # True for .xlsx/.xls/.ods; CSV cells carry our export's formula quote, spreadsheets do not.
    typed: bool = False


_EXPONENT = re.compile(r"^[+-]?\d+(\.\d*)?[eE][+-]?\d+$")


def lossy_cell_message(table: Table, line: int, header: str, value: str | None) -> str | None:
    """Why a text-by-nature cell (ID, account, phone, code …) cannot be trusted, or None when it can.

    A spreadsheet number keeps 15 significant digits: an 18-digit ID in a number cell
    has lost its last digits before the file was saved, and nothing in the file can
    bring them back. A fraction, a date, or the exponent form a spreadsheet shows for
    a long number (in a CSV saved from it) are not what was typed either.
    """
    kind = table.kinds.get((line, header))
    if kind in (CellKind.INEXACT,) or (value and _EXPONENT.match(value)):
        return _("Line %(line)d %(column)s: the cell is a number cell; spreadsheet programs keep only 15 "
                 "significant digits, so the original number is lost. Format the column as text and type the "
                 "numbers in again.", line=line, column=header)
    if kind == CellKind.FRACTION:
        return _("Line %(line)d %(column)s: the cell is a number cell holding %(value)s, which is not what was "
                 "typed. Format the column as text and type it in again.", line=line, column=header, value=value)
    if kind == CellKind.DATE:
        return _("Line %(line)d %(column)s: the spreadsheet program turned what was typed into the date "
                 "%(value)s. Format the column as text and type it in again.", line=line, column=header,
                 value=value)
    return None


def lossy_cells(table: Table, headers: Iterable[str]) -> dict[int, list[str]]:
    """lossy_cell_message for every cell of the given columns, by row number."""
    wanted = [h for h in headers if h]
    kinds = table.kinds
    out: dict[int, list[str]] = {}
    for line, row in table.rows:
        for header in wanted:
            value = row.get(header) or ""
            # Most cells are plain text: only a typed cell or an exponent-looking text needs the full look.
            if (line, header) not in kinds and "e" not in value and "E" not in value:
                continue
            message = lossy_cell_message(table, line, header, value)
            if message is not None:
                out.setdefault(line, []).append(message)
    return out


def refuse_control_characters(table: Table) -> None:
    """Refuse a file whose cells hold invisible control characters, naming where.

    They come from exports of other systems, print as nothing, and NUL cannot be
    stored in PostgreSQL at all: the import is refused before any row is checked.
    """
    # One search per row (the cells joined) finds the rare row worth looking at cell by cell.
    found = [
        _("line %(line)d, column %(column)s", line=line, column=column)
        for line, row in table.rows if has_control_characters("".join(row.values()))
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


def header_words(aliases: Mapping[str, Iterable[str]]) -> frozenset[str]:
    """Every header an import knows, normalised, for finding its header row and its sheet."""
    return frozenset(normalise_header(a) for names in aliases.values() for a in names)


def table_notes(table: Table) -> list[str]:
    """What the preview says about the file as a whole: where the table was found, what was skipped."""
    notes: list[str] = []
    if table.sheet and table.typed:
        notes.append(_("Read the sheet “%(sheet)s”, header on row %(line)d.", sheet=table.sheet,
                       line=table.header_line))
    if table.hidden:
        notes.append(_("These columns are hidden in the file and were read all the same: %(names)s.",
                       names="、".join(table.hidden)))
    if table.examples:
        notes.append(_("The template's example row (row %(lines)s) was not imported.",
                       lines=", ".join(str(n) for n in table.examples)))
    return notes
