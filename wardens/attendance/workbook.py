"""The monthly sheet's styled .xlsx, through the shared writer's library (XlsxWriter).

One worksheet of (value, style) cells: A4 landscape fitted to one page wide, the title in
the page header, the header row repeated on every printed page, the holder columns
frozen. Text that looks like a formula (a name such as "=HYPERLINK(...)") is a string
cell with the quote prefix: never evaluated, shown and printed without an apostrophe,
read back as typed by the importer.
"""
from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from typing import Any, Sequence

import xlsxwriter

from ..spreadsheets import looks_like_formula

# Style ids of the cells.
PLAIN, HEADER, TEXT, CENTRE, SHADED, MONEY, RATE, AS_TEXT = range(8)

_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
_BASE = {"font_name": "SimSun", "font_size": 10}
_BORDER = {"border": 1, "border_color": "#999999"}
_STYLE_PROPERTIES: dict[int, dict[str, Any]] = {
    PLAIN: {},
    HEADER: {"bold": True, "align": "center", "valign": "vcenter", "text_wrap": True, **_BORDER},
    TEXT: {**_BORDER},
    CENTRE: {"align": "center", **_BORDER},
    SHADED: {"align": "center", "bg_color": "#DDDDDD", **_BORDER},
    MONEY: {"num_format": "0.00", **_BORDER},
    RATE: {"num_format": "0%", **_BORDER},
    AS_TEXT: {"num_format": "@", **_BORDER},
}


@dataclass(frozen=True)
class Layout:
    """How the one worksheet prints and scrolls."""

    title: str
    header_text: str
    widths: Sequence[float]
    frozen_columns: int = 0
    frozen_rows: int = 1
    footer_text: str = "&P / &N"
    header_height: float | None = None  # points; room for wrapped headers
    # The workbook's creation time (docProps/core.xml); None: now. A fixed time makes the same bytes each time.
    created: dt.datetime | None = None


def xlsx_document(rows: Sequence[Sequence[tuple[Any, int]]], layout: Layout) -> bytes:
    """A one-sheet workbook from rows of (value, style id) cells."""
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True, "constant_memory": True, "strings_to_numbers": False,
                                     "strings_to_formulas": False, "strings_to_urls": False})
    if layout.created is not None:
        book.set_properties({"created": layout.created.astimezone(dt.timezone.utc)})
    formats = {style: book.add_format({**_BASE, **props}) for style, props in _STYLE_PROPERTIES.items()}
    quoted = {style: book.add_format({**_BASE, **props, "quote_prefix": True})
              for style, props in _STYLE_PROPERTIES.items()}
    ws = book.add_worksheet(_ILLEGAL.sub("", layout.title)[:31] or "Sheet1")
    for i, width in enumerate(layout.widths):
        ws.set_column(i, i, width)
    if layout.header_height:
        ws.set_row(0, layout.header_height)
    for r, row in enumerate(rows):
        for c, (value, style) in enumerate(row):
            if isinstance(value, bool):
                value = "是" if value else "否"
            if value is None or value == "":
                if style != PLAIN:
                    ws.write_blank(r, c, None, formats[style])
            elif isinstance(value, (int, float)):
                ws.write_number(r, c, value, formats[style])
            else:
                text = _ILLEGAL.sub("", str(value))
                ws.write_string(r, c, text, quoted[style] if looks_like_formula(text) else formats[style])
    ws.freeze_panes(layout.frozen_rows, layout.frozen_columns)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.center_horizontally()
    ws.set_margins(left=0.25, right=0.25, top=0.6, bottom=0.5)
    ws.repeat_rows(0, layout.frozen_rows - 1)
    # The header is our text, but Excel reads '&' in it as a code (&F file name, &Z
    # path...); '&&' prints one ampersand. The footer is codes on purpose.
    ws.set_header("&C" + layout.header_text.replace("&", "&&"), {"margin": 0.25})
    ws.set_footer("&C" + layout.footer_text, {"margin": 0.25})
    book.close()
    return buf.getvalue()
