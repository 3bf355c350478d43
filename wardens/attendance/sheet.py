"""The monthly sheet (出勤天数和拟拨付岗位补贴金额汇总表) of one township.

`sheet_table` is the single source of the table's cells: the HTML sheet, the print view
and the .xlsx export all render it, so they match cell for cell. The same layout is what
the importer reads back (`importer.py`).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Sequence

from flask_babel import gettext as _
from markupsafe import Markup, escape
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..dates import as_utc, month_days
from ..extensions import db
from ..masking import mask_id_number
from ..labels import STATUS_SYMBOLS
from ..models import (
    AttendanceMonth,
    Assignment,
    MonthState,
    Person,
    Post,
    SettingsVersion,
    Status,
    Township,
    Village,
    settings_for_month,
    settings_versions,
)
from ..spreadsheets.writers import display_width
from .subsidy import (HolderMonth, MonthRules, compute_holder_months, frozen_rules, holder_month_from_row, rules_from,
                      snapshot_rows)
from .workbook import AS_TEXT, CENTRE, HEADER, MONEY, PLAIN, RATE, SHADED, TEXT, Layout, xlsx_document

TITLE = _l("Attendance days and proposed post subsidy summary")
STATUS_ORDER = tuple(s.value for s in Status)
# A certified sick day (3+ consecutive days need a doctor's certificate) is marked 病*.
CERTIFIED_SICK = STATUS_SYMBOLS[Status.SICK] + "*"
COUNT_HEADERS = {
    Status.PRESENT: _l("Present"),
    Status.LEAVE: _l("Leave"),
    Status.SICK: _l("Sick"),
    Status.ABSENT: _l("Absent"),
    Status.REST: _l("Rest"),
    Status.STOPPED: _l("Stopped"),
}


def fixed_headers() -> list[str]:
    """Headers of the columns before the day columns (the importer finds them by these names)."""
    return [_("No."), _("Agreement"), _("Village"), _("Name"), _("ID number"), _("Post")]


def tail_headers() -> list[str]:
    """Headers of the columns after the day columns."""
    return [str(COUNT_HEADERS[s]) for s in STATUS_ORDER] + [
        _("Required days"), _("Rate"), _("Standard (yuan)"), _("Deduction (yuan)"), _("Subsidy payable (yuan)"),
    ]


@dataclass
class SheetRow:
    number: int
    holder: HolderMonth
    village: str
    name: str
    id_masked: str
    post_code: str

    def cells(self, days: Sequence[dt.date]) -> list[Any]:
        hm = self.holder
        out: list[Any] = [self.number, hm.assignment_id, self.village, self.name, self.id_masked, self.post_code]
        for d in days:
            status = hm.days.get(d)
            if status is None:
                out.append("")
            elif status == Status.SICK.value and d in hm.certified:
                out.append(CERTIFIED_SICK)
            else:
                out.append(STATUS_SYMBOLS[status])
        out += [hm.counts[s] for s in STATUS_ORDER]
        out += [hm.required_days, round(hm.rate, 4), hm.standard, hm.deduction, hm.subsidy]
        return out


@dataclass
class Sheet:
    township: Township
    year: int
    month: int
    days: Sequence[dt.date]
    rows: list[SheetRow]
    state: str
    settings_used: list[tuple[str, str]] = field(default_factory=list)
    closed_at: dt.datetime | None = None
    # The township's name as the sheet prints it (a closed month's: the name it closed with).
    township_name: str = ""
    # A closed month's totals row as stored at the close; None: summed from the rows.
    stored_totals: list[Any] | None = None

    @property
    def headers(self) -> list[str]:
        return fixed_headers() + [str(d.day) for d in self.days] + tail_headers()

    @property
    def first_day_column(self) -> int:
        return len(fixed_headers())

    def body(self) -> list[list[Any]]:
        return [r.cells(self.days) for r in self.rows]

    def totals(self) -> list[Any]:
        """The totals row: counts and money summed; day columns and rates left blank."""
        row: list[Any] = [_("Total")] + [""] * (len(fixed_headers()) - 1) + [""] * len(self.days)
        return row + (self.stored_totals if self.stored_totals is not None else self.tail_totals())

    def tail_totals(self) -> list[Any]:
        """The totals of the columns after the days: counts, required days, (rate), standard, deduction, subsidy."""
        return [sum(r.holder.counts[s] for r in self.rows) for s in STATUS_ORDER] + [
            sum((r.holder.required_days for r in self.rows), Decimal("0")),
            "",
            sum((r.holder.standard for r in self.rows if r.holder.term_days), Decimal("0")),
            sum((r.holder.deduction for r in self.rows), Decimal("0")),
            sum((r.holder.subsidy for r in self.rows), Decimal("0")),
        ]

    def out_of_term(self) -> list[set[int]]:
        """For each body row, the indexes of day cells outside the holder's term (shaded)."""
        first = self.first_day_column
        return [{first + i for i, d in enumerate(self.days) if not r.holder.in_term[d]} for r in self.rows]

    @property
    def total_subsidy(self) -> Decimal:
        return sum((r.holder.subsidy for r in self.rows), Decimal("0"))

    @property
    def closed(self) -> bool:
        return self.state == MonthState.CLOSED


def column_kinds(sheet: Sheet) -> list[str]:
    """What each column holds: text, count, days (2 decimals), rate (percent) or money (2 decimals)."""
    return (
        ["count", "count", "text", "text", "text", "text"]
        + ["text"] * len(sheet.days)
        + ["count"] * len(STATUS_ORDER)
        + ["days", "rate", "money", "money", "money"]
    )


def rate_percent(value: Any) -> Decimal:
    """A rate as the sheet shows it, in whole percent, half up (5/8 is 63%).

    The one rounding of the rate, for the screen, the print view and the .xlsx (which
    holds the rounded value, so Excel's 0% format shows the same digits). Python's own
    percent format rounds the binary float half to even (62%) and Excel rounds half up
    (63%): the two disagreed on the same sheet.
    """
    return (Decimal(str(value)) * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP)


def cell_text(value: Any, kind: str) -> str:
    """How a cell reads on the HTML sheet (the test reads the .xlsx back through this too)."""
    if value is None or value == "":
        return ""
    if kind == "rate" and isinstance(value, (int, float, Decimal)):
        return f"{rate_percent(value)}%"
    if kind in ("money", "days") and isinstance(value, (int, float, Decimal)):
        return f"{Decimal(str(value)):.2f}"
    return str(value)


def text_rows(sheet: Sheet) -> tuple[list[str], list[Markup], list[str]]:
    """Headers, the body rows as ready <td> cells, and the totals row.

    The body is joined here rather than looped in the template: 1,500 rows × 48 cells is
    72,000 template steps, several times slower than one join per row.
    """
    kinds = column_kinds(sheet)
    # Only the names, village, ID and post are free text; symbols and numbers need no escaping.
    free_text = set(range(2, sheet.first_day_column))
    body = []
    for values, out in zip(sheet.body(), sheet.out_of_term()):
        cells = [
            ('<td class="out">' if i in out else "<td>")
            + (str(escape(cell_text(v, kinds[i]))) if i in free_text else cell_text(v, kinds[i]))
            + "</td>"
            for i, v in enumerate(values)
        ]
        body.append(Markup("".join(cells)))
    totals = [cell_text(v, kinds[i]) for i, v in enumerate(sheet.totals())]
    return sheet.headers, body, totals


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def version_text(version: SettingsVersion) -> str:
    """Which settings version this is, in words that never change after it is saved."""
    if version.is_base:
        return _("No. %(id)d, in force from the start", id=version.id)
    return _("No. %(id)d, in force from %(month)s (saved %(day)s)", id=version.id,
             month=version.effective_from.strftime("%Y-%m"), day=version.created_at.date().isoformat())


def _stored_version(frozen: dict[str, Any]) -> SettingsVersion | None:
    """The version a closed month was paid with, as its close stored it (None: closed before versions existed)."""
    stored = frozen.get("settings_version_id")
    if stored is None:
        return None
    return next((v for v in settings_versions() if v.id == int(stored)), None)


def _settings_used(rules: MonthRules, version: SettingsVersion | None, rows: list[SheetRow]) -> list[tuple[str, str]]:
    pairs: dict[tuple[Decimal, int], int] = {}
    for r in rows:
        key = (r.holder.standard, r.holder.required_base)
        pairs[key] = pairs.get(key, 0) + 1
    per_post = "；".join(
        _("%(std)s yuan, %(days)d days (%(n)d holders)", std=_money(std), days=days, n=n)
        for (std, days), n in sorted(pairs.items())
    ) or "—"
    deduction = _money(rules.deduction_per_absent)
    used = [
        (_("Settings version"), version_text(version) if version is not None else _("the numbers frozen at the close")),
        (_("Formula"), _("standard × min(1, days present ÷ required days) − deduction × unexcused days, not below 0")),
        (_("Standard and required days"), _("set per post: %(pairs)s", pairs=per_post)),
        (_("Start or end mid-month"), _("standard and required days pro-rated by the days of the month in the term")),
        (_("Work stopped (停工)"), _("taken off the required days (not below 0); a fully stopped month pays the pro-rated standard")),
        (_("Deduction per unexcused day"), _("%(amount)s yuan", amount=deduction)),
        (_("Rounding"), _("to 0.01 yuan, half up, once at the end")),
        (_("Rate"), _("days present ÷ required days, at most 100%")),
        (_("Symbols"), _("√ present, 事 leave, 病 sick (病* with certificate), × unexcused absence, 休 rest, 停 work stopped, blank not recorded; shaded days are outside the agreement")),
    ]
    if rules.frozen:
        used.append((_("Frozen"), _("these numbers were fixed when the month was closed")))
    return used


def build_sheet(township_id: int, year: int, month: int) -> Sheet:
    """The township's sheet for the month: a closed month's as stored at its close, else computed now."""
    township = db.session.get(Township, township_id)
    if township is None:
        raise LookupError(township_id)
    month_row = db.session.scalar(
        select(AttendanceMonth).where(
            AttendanceMonth.township_id == township_id, AttendanceMonth.year == year, AttendanceMonth.month == month
        )
    )
    if month_row is not None and month_row.state == MonthState.CLOSED:
        return closed_sheet(township, month_row)
    version = settings_for_month(year, month)
    return live_sheet(township, year, month, month_row, rules_from(version), version)


def closed_sheet(township: Township, month_row: AttendanceMonth) -> Sheet:
    """A closed month's sheet from its snapshot only: rows, names, totals and settings as they were at the close."""
    year, month = month_row.year, month_row.month
    frozen = month_row.settings_used or {}
    rules = frozen_rules(frozen)
    rows = [
        SheetRow(number=r.number, holder=holder_month_from_row(r, year, month, frozen, rules=rules), village=r.village_name,
                 name=r.holder_name, id_masked=r.id_number_shown, post_code=r.post_code)
        for r in snapshot_rows([month_row.id])
    ]
    totals = month_row.totals or {}
    return Sheet(
        township=township, year=year, month=month, days=month_days(year, month), rows=rows, state=month_row.state,
        settings_used=_settings_used(rules, _stored_version(frozen), rows),
        closed_at=month_row.closed_at,
        township_name=month_row.township_name or township.name,
        stored_totals=_stored_totals(totals) if totals else None,
    )


def live_sheet(township: Township, year: int, month: int, month_row: AttendanceMonth | None, rules: MonthRules,
               version: SettingsVersion | None) -> Sheet:
    """Every holder of the township with a day of the month in the term, computed from the register and records now."""
    days = month_days(year, month)
    first, last = days[0], days[-1]
    assignments = list(
        db.session.scalars(
            select(Assignment)
            .join(Post, Post.id == Assignment.post_id)
            .join(Village, Village.id == Post.village_id)
            .join(Person, Person.id == Assignment.person_id)
            .where(Village.township_id == township.id, Assignment.overlaps_clause(first, last))
            .options(joinedload(Assignment.post).joinedload(Post.village), joinedload(Assignment.person))
            .order_by(Village.name, Post.code, Person.name, Assignment.id)
        ).unique()
    )
    state = month_row.state if month_row else MonthState.RECORDING
    months = compute_holder_months(assignments, year, month, rules)
    rows = [
        SheetRow(
            number=i + 1,
            holder=hm,
            village=hm.assignment.post.village.name,
            name=hm.assignment.person.name,
            id_masked=mask_id_number(hm.assignment.person.id_number),
            post_code=hm.assignment.post.code,
        )
        for i, hm in enumerate(months)
        if hm.assignment is not None
    ]
    return Sheet(
        township=township, year=year, month=month, days=days, rows=rows, state=state,
        settings_used=_settings_used(rules, version, rows), closed_at=month_row.closed_at if month_row else None,
        township_name=township.name,
    )


TOTAL_KEYS = tuple(STATUS_ORDER) + ("required_days", "standard", "deduction", "subsidy")


def totals_record(sheet: Sheet) -> dict[str, Any]:
    """The sheet's totals as JSON-safe values, to keep with a closed month."""
    values = sheet.tail_totals()
    values = values[:len(STATUS_ORDER) + 1] + values[len(STATUS_ORDER) + 2:]
    return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in zip(TOTAL_KEYS, values)}


def _stored_totals(totals: dict[str, Any]) -> list[Any]:
    counts = [int(totals[s]) for s in STATUS_ORDER]
    return counts + [Decimal(totals["required_days"]), "", Decimal(totals["standard"]), Decimal(totals["deduction"]),
                     Decimal(totals["subsidy"])]


def signature_line() -> str:
    """The signature line printed under the sheet."""
    return _("Prepared by: ________   Checked by: ________   Township head: ________   Road-chief office: ________   Date: ________")


def sheet_title(sheet: Sheet) -> str:
    """The sheet's title with township and month."""
    return _("%(title)s — %(township)s, %(year)d-%(month)02d", title=str(TITLE), township=sheet.township_name,
             year=sheet.year, month=sheet.month)


def sheet_xlsx(sheet: Sheet) -> bytes:
    """The sheet as an .xlsx: the same cells as the HTML table, A4 landscape, title in the page header.

    The table starts in row 1 so the file can be imported back with the shared reader.
    """
    kinds = column_kinds(sheet)
    first, last = sheet.first_day_column, sheet.first_day_column + len(sheet.days)
    by_kind = {"count": TEXT, "text": TEXT, "days": MONEY, "money": MONEY, "rate": RATE}
    styles = [AS_TEXT if i == 4 else CENTRE if first <= i < last else by_kind[k] for i, k in enumerate(kinds)]

    def plain(value: Any, kind: str) -> Any:
        if kind == "rate" and isinstance(value, (int, float, Decimal)):
            return float(rate_percent(value) / 100)  # the digits the screen shows, under the 0% format
        return float(value) if isinstance(value, Decimal) else value

    rows: list[list[tuple[Any, int]]] = [[(h, HEADER) for h in sheet.headers]]
    body = list(sheet.body())
    for values, out in zip(body, sheet.out_of_term()):
        rows.append([(plain(v, kinds[i]), SHADED if i in out else styles[i]) for i, v in enumerate(values)])
    totals = sheet.totals()
    rows.append([(plain(v, kinds[i]), HEADER if i == 0 else styles[i]) for i, v in enumerate(totals)])
    rows.append([])
    rows += [[(f"{name}：{text}", PLAIN)] for name, text in sheet.settings_used]
    rows.append([])
    rows.append([(signature_line(), PLAIN)])
    widths, header_lines = _fitted_widths(sheet.headers, [*body, totals], kinds, first, last)
    layout = Layout(title=f"{sheet.year}-{sheet.month:02d}", header_text=sheet_title(sheet), widths=widths,
                    frozen_columns=first, frozen_rows=1, header_height=14 * header_lines + 4,
                    # A closed month's file is the same file every time it is downloaded.
                    created=as_utc(sheet.closed_at) if sheet.closed else None)
    return xlsx_document(rows, layout)


def _fitted_widths(headers: Sequence[str], rows: Sequence[Sequence[Any]], kinds: Sequence[str], first_day: int,
                   after_days: int) -> tuple[list[float], int]:
    """Column widths that fit the longest cell (a post code is never cut) and headers in at most two lines.

    Day columns stay narrow (one symbol); a long header wraps onto a second line
    rather than widening its column past what its numbers need.
    """
    widths: list[float] = []
    lines = 1
    for i, header in enumerate(headers):
        if first_day <= i < after_days:
            widths.append(3.2)
            continue
        content = max((display_width(cell_text(row[i], kinds[i])) for row in rows if i < len(row)), default=0)
        head = display_width(str(header))
        width = max(content, -(-head // 2), 4) + 2
        if head + 2 > width:
            lines = 2
        widths.append(float(min(width, 40)))
    return widths, lines