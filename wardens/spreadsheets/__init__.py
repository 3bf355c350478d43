"""Reading and writing .xlsx and .csv safely, for every import and export.

Exports: ID numbers and phones are written as text (Excel keeps 15 digits of a
number), and any cell that a spreadsheet would run as a formula is neutralised.
Imports: .xlsx through a streaming reader on the C expat parser that refuses
zip bombs, DOCTYPE/ENTITY declarations and malformed XML; a row limit; and CSV in
UTF-8 (with or without BOM) or GB18030.
"""
from .common import FORMULA_PREFIXES, MAX_XLSX_UNCOMPRESSED, XLSX_MIME, SpreadsheetError, Table, neutralise_formula
from .readers import read_table
from .writers import csv_bytes, xlsx_bytes

__all__ = [
    "FORMULA_PREFIXES",
    "MAX_XLSX_UNCOMPRESSED",
    "SpreadsheetError",
    "Table",
    "XLSX_MIME",
    "csv_bytes",
    "neutralise_formula",
    "read_table",
    "xlsx_bytes",
]
