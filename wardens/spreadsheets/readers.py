"""Reading an uploaded .csv or .xlsx into header-keyed rows of text."""
from __future__ import annotations

import csv
import io
from typing import IO

from flask_babel import gettext as _

from .common import SpreadsheetError, Table, _rows_to_table
from .xlsx_reader import read_xlsx


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


def read_table(filename: str, stream: IO[bytes], *, max_rows: int = 60000) -> Table:
    """Read the first sheet of an .xlsx, or a .csv, into header-keyed rows of text."""
    data = stream.read()
    name = (filename or "").lower()
    if name.endswith(".csv"):
        text = _decode_csv(data)
        records = csv.reader(io.StringIO(text))
        return _rows_to_table(((n, [v.strip() for v in rec]) for n, rec in enumerate(records, 1)), max_rows)
    if name.endswith(".xlsx"):
        return read_xlsx(data, max_rows)
    raise SpreadsheetError(_("Only .xlsx and .csv files can be imported."))
