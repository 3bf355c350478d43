"""Exports of every register list to .xlsx and .csv, following the page's filters.

Headers are Chinese and the people export uses the import template's columns, so an
unmasked export can be corrected in Excel and imported again. ID numbers, phones and
bank accounts are written as text; masked unless the user chose an unmasked export.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable, Iterator

from sqlalchemy import select

from ..extensions import db
from ..masking import mask_bank_account, mask_id_number, mask_phone
from ..models import Household, HouseholdFlag, Person, Township, Village
from .import_people import ALIASES as PEOPLE_ALIASES, FLAG_KEYS
from .import_posts import ALIASES as POST_ALIASES, KIND_WORDS
from .search import Filters, filled_counts, households_query, people_columns_query, posts_query
from .sizing import village_sizing

LABOUR_WORDS = {"full": "劳动力", "weak": "弱劳力", "none": "无劳动能力"}
FLAG_WORDS = {
    "registered_poor": "脱贫户", "flood_affected": "受灾户", "monitoring": "监测户",
    "low_income": "低保户", "zero_employment": "零就业家庭", "disabled": "残疾",
}
KIND_WORD = {code: words[0] for code, words in KIND_WORDS.items()}


def _yes(value: bool) -> str:
    return "是" if value else "否"


def _keep(value: str | None) -> str | None:
    return value


class ExportTable:
    """Headers, rows and which columns must stay text."""

    def __init__(self, name: str, headers: list[str], rows: Iterable[list[Any]], text_columns: Iterable[int]):
        self.name = name
        self.headers = headers
        self.rows = rows
        self.text_columns = list(text_columns)


def current_flags() -> dict[int, frozenset[str]]:
    """Each household's current flags, in one query."""
    out: dict[int, set[str]] = {}
    for household_id, flag in db.session.execute(
        select(HouseholdFlag.household_id, HouseholdFlag.flag).where(HouseholdFlag.cleared_on.is_(None))
    ):
        out.setdefault(household_id, set()).add(flag)
    return {k: frozenset(v) for k, v in out.items()}


def people_export(f: Filters, *, unmasked: bool) -> ExportTable:
    """People matching the filters, one row each, in the import template's columns."""
    mask_id: Callable[[str | None], str | None] = _keep if unmasked else mask_id_number
    mask_tel: Callable[[str | None], str | None] = _keep if unmasked else mask_phone
    mask_account: Callable[[str | None], str | None] = _keep if unmasked else mask_bank_account
    keys = ("household_number", "township", "village", "name", "id_number", "phone", "labour", "away_working",
            "stable_employment", *FLAG_KEYS, "cadre", "bank_name", "bank_account", "address", "note")
    headers = [PEOPLE_ALIASES[k][0] for k in keys] + ["性别", "出生日期", "状态"]

    def rows() -> Iterator[list[Any]]:
        # Plain columns streamed in batches: building 50,000 ORM objects was most of the export's time.
        flags = current_flags()
        stmt = people_columns_query(
            f, Household.id, Household.number, Township.name, Village.name, Person.name, Person.id_number,
            Person.phone, Person.labour, Person.away_working, Person.stable_employment, Household.cadre,
            Person.bank_name, Person.bank_account, Household.address, Person.note, Person.sex, Person.birth_date,
            Person.active,
        ).execution_options(yield_per=2000)
        none: frozenset[str] = frozenset()
        for (household_id, number, township, village, name, id_number, phone, labour, away, stable, cadre, bank,
             account, address, note, sex, birth, active) in db.session.execute(stmt):
            held = flags.get(household_id, none)
            yield [
                number, township, village, name, mask_id(id_number), mask_tel(phone),
                LABOUR_WORDS.get(labour, labour), _yes(away), _yes(stable),
                *[_yes(flag in held) for flag in FLAG_KEYS],
                _yes(cadre), bank or "", mask_account(account) or "", address or "", note or "",
                "男" if sex == "M" else "女", birth.isoformat(), "在册" if active else "已停用",
            ]

    # Every column is text but the birth date: the identifiers above all (ID, phone, bank
    # account, household number), and the words, so what a person types over them stays text.
    birth = headers.index("出生日期")
    return ExportTable("people", headers, rows(), [i for i in range(len(headers)) if i != birth])


def households_export(f: Filters, *, unmasked: bool) -> ExportTable:
    """Households matching the filters with their current flags and members."""
    headers = ["户编号", "所属乡镇", "所属村", "家庭住址", "是否村干部户", "当前标识", "标识记录日期", "人数", "成员",
               "备注", "状态"]

    def rows() -> Iterator[list[Any]]:
        for household in db.session.scalars(households_query(f)):
            current = sorted(household.current_flags, key=lambda fl: fl.flag)
            yield [
                household.number, household.village.township.name, household.village.name,
                household.address or "", _yes(household.cadre),
                "、".join(FLAG_WORDS.get(fl.flag, fl.flag) for fl in current),
                "、".join(fl.recorded_on.isoformat() for fl in current),
                len(household.members), "、".join(m.name for m in household.members),
                household.note or "", "在册" if household.active else "已停用",
            ]

    return ExportTable("households", headers, rows(), [i for i, h in enumerate(headers) if h != "人数"])


def posts_export(f: Filters, *, unmasked: bool) -> ExportTable:
    """Posts matching the filters in the import template's columns, with holders today."""
    mask_tel: Callable[[str | None], str | None] = _keep if unmasked else mask_phone
    keys = tuple(POST_ALIASES)
    headers = [POST_ALIASES[k][0] for k in keys] + ["在岗人数", "状态"]

    def rows() -> Iterator[list[Any]]:
        filled = filled_counts()
        for post in db.session.scalars(posts_query(f)):
            yield [
                post.code, KIND_WORD.get(post.kind, post.kind), post.village.township.name, post.village.name,
                post.route_code or "", post.section_start or "", post.section_end or "", post.km, post.slots,
                post.min_age, post.max_age, LABOUR_WORDS.get(post.labour, post.labour), post.monthly_subsidy,
                post.required_days, post.road_chief or "", mask_tel(post.road_chief_phone) or "",
                filled.get(post.id, 0), "在用" if post.active else "已停用",
            ]

    text = {"code", "kind", "township", "village", "route_code", "section_start", "section_end", "labour",
            "road_chief", "road_chief_phone"}
    return ExportTable("posts", headers, rows(), [i for i, k in enumerate(keys) if k in text] + [len(headers) - 1])


def sizing_export(f: Filters, *, unmasked: bool) -> ExportTable:
    """The post-sizing table (按需设岗) per village."""
    headers = ["所属乡镇", "所属村", "农村公路里程(公里)", "里程来源", "建议岗位数", "现有岗位数", "差额"]

    def rows() -> Iterator[list[Any]]:
        for line in village_sizing(f):
            yield [line.township, line.village, line.km, "村道里程" if line.km_from_village else "岗位里程合计",
                   line.suggested, line.slots, line.difference]

    return ExportTable("sizing", headers, rows(), (0, 1, 3))


EXPORTS: dict[str, Callable[..., ExportTable]] = {
    "people": people_export,
    "households": households_export,
    "posts": posts_export,
    "sizing": sizing_export,
}
