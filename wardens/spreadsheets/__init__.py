"""Reading and writing spreadsheets safely, for every import and export.

Imports: .xlsx, .xls and .ods through python-calamine behind a zip pre-check (bombs,
lying sizes, sheets spanning millions of cells), and CSV in UTF-8 (with or without
BOM), GBK or GB18030; every cell keeps its kind so identifiers that a number cell has
already damaged are refused, not stored. Exports: XlsxWriter, text columns typed as
text, formulas never evaluated (see writers).
"""
from .common import (
    EXAMPLE_MARK,
    FORMULA_PREFIXES,
    MAX_XLSX_UNCOMPRESSED,
    XLSX_MIME,
    CellKind,
    SpreadsheetError,
    Table,
    header_words,
    looks_like_formula,
    lossy_cell_message,
    lossy_cells,
    neutralise_formula,
    normalise_header,
    strip_export_quote,
    table_notes,
)
from .readers import SUFFIXES, read_table
from .writers import csv_bytes, xlsx_bytes

__all__ = [
    "CellKind",
    "EXAMPLE_MARK",
    "FORMULA_PREFIXES",
    "MAX_XLSX_UNCOMPRESSED",
    "SUFFIXES",
    "SpreadsheetError",
    "Table",
    "XLSX_MIME",
    "csv_bytes",
    "header_words",
    "looks_like_formula",
    "lossy_cell_message",
    "lossy_cells",
    "neutralise_formula",
    "normalise_header",
    "read_table",
    "strip_export_quote",
    "table_notes",
    "xlsx_bytes",
]
