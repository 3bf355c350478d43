"""A small, fast writer for the monthly sheet's styled .xlsx (one worksheet, fixed styles).

Why not openpyxl here: without lxml its writer serialises every cell through a pure-Python
XML tree, and a 1,500-holder × 31-day sheet (about 72,000 styled cells) took several seconds.
This writes the same SpreadsheetML parts directly: inline strings (never evaluated as
formulas), a fixed style table, A4 landscape fitted to one page wide, the title in the page
header and row 1 repeated on every printed page. Files are read back by openpyxl in the
tests and by the shared reader (`wardens.spreadsheets.read_table`) on import.
"""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from typing import Any, Sequence
from xml.sax.saxutils import escape

from openpyxl.utils import get_column_letter

from ..spreadsheets import neutralise_formula

# Style ids in the cellXfs table below.
PLAIN, HEADER, TEXT, CENTRE, SHADED, MONEY, RATE, AS_TEXT = range(8)

_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

_STYLES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="{_NS}">
<fonts count="2"><font><sz val="10"/><name val="SimSun"/></font><font><b/><sz val="10"/><name val="SimSun"/></font></fonts>
<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill><fill><patternFill patternType="solid"><fgColor rgb="FFDDDDDD"/><bgColor indexed="64"/></patternFill></fill></fills>
<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border><border><left style="thin"><color rgb="FF999999"/></left><right style="thin"><color rgb="FF999999"/></right><top style="thin"><color rgb="FF999999"/></top><bottom style="thin"><color rgb="FF999999"/></bottom><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="8">
<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>
<xf numFmtId="0" fontId="1" fillId="0" borderId="1" xfId="0" applyFont="1" applyBorder="1" applyAlignment="1"><alignment horizontal="center"/></xf>
<xf numFmtId="0" fontId="0" fillId="0" borderId="1" xfId="0" applyBorder="1"/>
<xf numFmtId="0" fontId="0" fillId="0" borderId="1" xfId="0" applyBorder="1" applyAlignment="1"><alignment horizontal="center"/></xf>
<xf numFmtId="0" fontId="0" fillId="2" borderId="1" xfId="0" applyFill="1" applyBorder="1" applyAlignment="1"><alignment horizontal="center"/></xf>
<xf numFmtId="2" fontId="0" fillId="0" borderId="1" xfId="0" applyNumberFormat="1" applyBorder="1"/>
<xf numFmtId="9" fontId="0" fillId="0" borderId="1" xfId="0" applyNumberFormat="1" applyBorder="1"/>
<xf numFmtId="49" fontId="0" fillId="0" borderId="1" xfId="0" applyNumberFormat="1" applyBorder="1"/>
</cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>
</styleSheet>"""

_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>
</Types>"""

_ROOT_RELS = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""

_WORKBOOK_RELS = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/>
</Relationships>"""


@dataclass(frozen=True)
class Layout:
    """How the one worksheet prints and scrolls."""

    title: str
    header_text: str
    widths: Sequence[float]
    frozen_columns: int = 0
    frozen_rows: int = 1
    footer_text: str = "&P / &N"


def _text(value: str) -> str:
    return escape(_ILLEGAL.sub("", value))


def _cell(ref: str, value: Any, style: int) -> str:
    if value is None or value == "":
        return f'<c r="{ref}" s="{style}"/>' if style else ""
    if isinstance(value, bool):
        value = "是" if value else "否"
    if isinstance(value, (int, float)):
        return f'<c r="{ref}" s="{style}"><v>{value!r}</v></c>'
    # Inline strings are never run as it stands, but a user who edits the cell or saves the
    # sheet as CSV turns a name like "=HYPERLINK(...)" into a live formula: quote it as
    # every other export does (the importer accepts the quoted name back).
    text = neutralise_formula(str(value))
    return f'<c r="{ref}" s="{style}" t="inlineStr"><is><t xml:space="preserve">{_text(text)}</t></is></c>'


def xlsx_document(rows: Sequence[Sequence[tuple[Any, int]]], layout: Layout) -> bytes:
    """A one-sheet workbook from rows of (value, style id) cells."""
    width = max((len(r) for r in rows), default=1)
    letters = [get_column_letter(i + 1) for i in range(width)]
    parts: list[str] = []
    for r, row in enumerate(rows, start=1):
        cells = "".join(_cell(f"{letters[c]}{r}", value, style) for c, (value, style) in enumerate(row))
        parts.append(f'<row r="{r}">{cells}</row>')
    cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>' for i, w in enumerate(layout.widths, start=1))
    top_left = f"{get_column_letter(layout.frozen_columns + 1)}{layout.frozen_rows + 1}"
    pane = (
        f'<pane xSplit="{layout.frozen_columns}" ySplit="{layout.frozen_rows}" topLeftCell="{top_left}" '
        f'activePane="bottomRight" state="frozen"/>'
    )
    sheet = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<worksheet xmlns="{_NS}" xmlns:r="{_REL}">'
        f'<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
        f'<dimension ref="A1:{letters[-1]}{max(1, len(rows))}"/>'
        f'<sheetViews><sheetView workbookViewId="0">{pane}</sheetView></sheetViews>'
        f'<sheetFormatPr defaultRowHeight="15"/>'
        f"<cols>{cols}</cols>"
        f'<sheetData>{"".join(parts)}</sheetData>'
        f'<printOptions horizontalCentered="1"/>'
        f'<pageMargins left="0.25" right="0.25" top="0.6" bottom="0.5" header="0.25" footer="0.25"/>'
        f'<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
        # The header is our text, but Excel reads '&' in it as a code (&F file name,
        # &Z path...); '&&' prints one ampersand.  The footer is codes on purpose.
        f"<headerFooter><oddHeader>{_text('&C' + layout.header_text.replace('&', '&&'))}</oddHeader>"
        f"<oddFooter>{_text('&C' + layout.footer_text)}</oddFooter></headerFooter>"
        f"</worksheet>"
    )
    sheet_name = _text(layout.title[:31])
    workbook = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<workbook xmlns="{_NS}" xmlns:r="{_REL}"><sheets><sheet name="{sheet_name}" sheetId="1" r:id="rId1"/></sheets>'
        f'<definedNames><definedName name="_xlnm.Print_Titles" localSheetId="0">'
        f"'{sheet_name}'!$1:${layout.frozen_rows}</definedName></definedNames></workbook>"
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        zf.writestr("[Content_Types].xml", _CONTENT_TYPES)
        zf.writestr("_rels/.rels", _ROOT_RELS)
        zf.writestr("xl/workbook.xml", workbook)
        zf.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        zf.writestr("xl/styles.xml", _STYLES)
        zf.writestr("xl/worksheets/sheet1.xml", sheet)
    return buf.getvalue()
