"""Importing posts: one row per post, matched to the register by its post code."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Post, Village
from ..spreadsheets import Table, header_words
from .importing import (ERROR, NEW, UNCHANGED, UPDATE, Preview, RowOutcome, cell, chunks, damaged_cells, find_village,
                        labour_code, normalise_header, resolve_headers, village_lookup)
from .operations.common import RegistryError
from .operations.posts import check_post, create_post, post_differs, update_post

ALIASES: dict[str, tuple[str, ...]] = {
    "code": ("岗位编号", "岗位代码", "岗位编码", "编号", "post code"),
    "kind": ("岗位类型", "岗位类别", "岗位名称", "post kind"),
    "township": ("所属乡镇", "乡镇", "township"),
    "village": ("所属村", "村", "行政村", "村(居)", "village"),
    "route_code": ("路线编码", "路线编号", "路线代码", "route code"),
    "section_start": ("起点", "路段起点", "起点名称", "section start"),
    "section_end": ("终点", "路段终点", "终点名称", "section end"),
    "km": ("里程(公里)", "里程(km)", "里程", "公里数", "管护里程(公里)", "管护里程", "km"),
    "slots": ("岗位数", "岗位数量", "设岗数", "人数", "slots"),
    "min_age": ("最低年龄", "年龄下限", "min age"),
    "max_age": ("最高年龄", "年龄上限", "max age"),
    "labour": ("劳动能力要求", "劳动能力", "labour"),
    "monthly_subsidy": ("月补贴标准(元)", "月补贴标准", "补贴标准", "补贴标准(元/月)", "月补贴", "monthly subsidy"),
    "required_days": ("每月应出勤天数", "应出勤天数", "出勤天数要求", "required days"),
    "road_chief": ("路长", "路长姓名", "road chief"),
    "road_chief_phone": ("路长电话", "路长联系电话", "road chief phone"),
}
REQUIRED = ("code", "kind", "village")
TEMPLATE_KEYS = tuple(ALIASES)
TEMPLATE_EXAMPLE = ("HL-001", "护路员", "西河口乡", "石湖村", "Y012", "石湖村部", "郝集路口", "3.5", "1", "18", "60",
                    "弱劳力", "600", "20", "王路长", "13900001234")
HEADER_WORDS = header_words(ALIASES)
TEXT_KEYS = ("code", "township", "village", "route_code", "section_start", "section_end", "road_chief",
             "road_chief_phone")
KIND_WORDS = {
    "road_warden": ("护路员", "公路护路员", "农村公路护路员", "road warden", "road_warden"),
    "road_cleaner": ("保洁员", "道路保洁员", "公路保洁员", "road cleaner", "road_cleaner"),
    "safety_persuader": ("安全劝导员", "交通安全劝导员", "劝导员", "safety persuader", "safety_persuader"),
    "office_assistant": ("路长办协管", "路长办协管员", "协管员", "office assistant", "office_assistant"),
}
_KIND_LOOKUP = {normalise_header(w): code for code, words in KIND_WORDS.items() for w in words}
POST_DEFAULTS: dict[str, Any] = {
    "route_code": None, "section_start": None, "section_end": None, "km": "0", "slots": 1, "min_age": 18,
    "max_age": 60, "labour": "weak", "monthly_subsidy": "600", "required_days": 20, "road_chief": None,
    "road_chief_phone": None,
}


@dataclass
class PostPlan:
    line: int
    village: Village
    values: dict[str, Any]
    existing: Post | None = None


@dataclass
class PostsPlan:
    posts: list[PostPlan] = field(default_factory=list)


def kind_code(word: str) -> str:
    """The post-kind code for a word such as 护路员; ValueError naming the word when unknown."""
    code = _KIND_LOOKUP.get(normalise_header(word))
    if code is None:
        raise ValueError(_("Post kind %(value)s is not a known word (use 护路员, 保洁员, 安全劝导员 or 路长办协管).",
                           value=word))
    return code


def preview_posts(table: Table) -> tuple[Preview, PostsPlan]:
    """Every row's outcome and, when there is no error, the plan that applying carries out."""
    columns = resolve_headers(table.headers, ALIASES, REQUIRED)
    by_pair, by_name = village_lookup()
    codes = sorted({cell(row, columns, "code") or "" for _l, row in table.rows} - {""})
    existing: dict[str, Post] = {}
    for chunk in chunks(codes):
        existing.update({p.code: p for p in db.session.scalars(
            select(Post).where(Post.code.in_(chunk)).options(joinedload(Post.village)))})
    plan = PostsPlan()
    rows: list[RowOutcome] = []
    seen: dict[str, int] = {}
    damaged = damaged_cells(table, columns, TEXT_KEYS)
    for line, row in table.rows:
        code = cell(row, columns, "code")
        outcome = RowOutcome(line=line, outcome=NEW, label=code or "")
        rows.append(outcome)
        for message in damaged.get(line, []):
            outcome.fail(message)
        if code and code in seen:
            outcome.fail(_("Post code %(code)s appears twice in the file (line %(first)d and this line).",
                           code=code, first=seen[code]))
        elif code:
            seen[code] = line
        village = None
        try:
            village = find_village(cell(row, columns, "township"), cell(row, columns, "village"), by_pair, by_name)
        except ValueError as exc:
            outcome.fail(str(exc))
        post = existing.get(code or "")
        values: dict[str, Any] = {"code": code}
        kind = cell(row, columns, "kind")
        try:
            values["kind"] = kind_code(kind) if kind else None
        except ValueError as exc:
            outcome.fail(str(exc))
        labour = cell(row, columns, "labour")
        if labour is not None:
            try:
                values["labour"] = labour_code(labour)
            except ValueError as exc:
                outcome.fail(str(exc))
        for key, default in POST_DEFAULTS.items():
            if key in values:
                continue
            given = cell(row, columns, key)
            values[key] = given if given is not None else (getattr(post, key) if post is not None else default)
        if outcome.outcome == ERROR:
            continue
        try:
            fields = check_post(**values)
        except RegistryError as exc:
            outcome.fail(exc.message)
            continue
        if village is None:
            continue
        plan.posts.append(PostPlan(line=line, village=village, values=values, existing=post))
        if post is None:
            outcome.outcome = NEW
        elif post_differs(post, village, fields):
            outcome.outcome = UPDATE
        else:
            outcome.outcome = UNCHANGED
    return Preview(kind="posts", rows=rows), plan


def apply_posts(plan: PostsPlan, *, actor_id: int | None) -> dict[str, int]:
    """Carry out a checked plan through create_post / update_post (flushes, never commits)."""
    created = updated = 0
    for pplan in plan.posts:
        if pplan.existing is None:
            create_post(pplan.village, actor_id=actor_id, **pplan.values)
            created += 1
        elif update_post(pplan.existing, pplan.village, actor_id=actor_id, **pplan.values):
            updated += 1
    return {"created": created, "updated": updated}
