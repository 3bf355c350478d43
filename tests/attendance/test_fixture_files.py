"""Monthly sheets saved by real spreadsheet programs (tests/fixtures/spreadsheets) read as the site's own.

Every workbook has an instructions sheet first and a merged title row above the
header; every CSV a title line. The agreement numbers are number cells (exact), the
statuses text; each file yields exactly the corpus's holder-days.
"""
from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest

from tests.fixtures import corpus
from wardens.attendance.importer import MAX_ROWS, header_words, parse_month_sheet
from wardens.extensions import db
from wardens.spreadsheets import read_table

FILES = Path(__file__).resolve().parents[1] / "fixtures" / "spreadsheets"
STATUS = {"√": "present", "事": "leave", "病": "sick", "×": "absent", "休": "rest"}


@pytest.fixture
def holders(make):  # type: ignore[no-untyped-def]
    township = make.township(name=corpus.TOWNSHIP)
    village = make.village(township, name=corpus.VILLAGE)
    for agreement, name, code in zip(corpus.ATTENDANCE_AGREEMENTS, ("张三", "李四"), ("YA-1040101-", "YA-1040101-002")):
        person = make.person(make.household(village), name=name)
        make.assignment(person, make.post(village, code=code), id=agreement)
    db.session.commit()
    return township.id


@pytest.mark.parametrize("producer", corpus.WORKBOOK_PRODUCERS + corpus.CSV_PRODUCERS)
def test_monthly_sheet_from_every_producer_reads_exactly(app_ctx, holders, producer) -> None:  # type: ignore[no-untyped-def]
    name = f"attendance.{producer}"
    table = read_table(name, io.BytesIO((FILES / name).read_bytes()), max_rows=MAX_ROWS, headers=header_words())
    if producer != "pandas.xlsx" and not producer.endswith(".csv"):
        assert table.sheet == "名单" and table.header_line == 3
    preview = parse_month_sheet(table, holders, corpus.ATTENDANCE_YEAR, corpus.ATTENDANCE_MONTH,
                                dt.date(2026, 4, 10))
    assert preview.errors == [] and preview.rows_read == 2
    got = {(c.assignment_id, c.day.day, c.status) for c in preview.cells}
    want = {(a, day, STATUS[s]) for a, days in corpus.ATTENDANCE_DAYS.items() for day, s in days.items()}
    assert got == want
