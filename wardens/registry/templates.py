"""The downloadable import templates: one workbook per import, made to be typed into.

Every text column (IDs, household numbers, accounts, phones, codes, names) is text
for the whole column, so what is typed in row 300 stays text as it does in row 2;
enumerated columns offer a drop-down; the header is frozen; an instructions sheet
in Chinese says what each column takes. The example row begins with 【示例】 and is
never imported (the reader skips such rows), so leaving it in is harmless.
"""
from __future__ import annotations

from typing import Any

from ..spreadsheets import EXAMPLE_MARK
from ..spreadsheets.writers import Column, Instructions, Sheet, workbook_bytes
from . import import_flags, import_people, import_posts

YES_NO = ("是", "否")
LABOUR_CHOICES = ("劳动力", "弱劳力", "无劳动能力")
KIND_CHOICES = ("护路员", "保洁员", "安全劝导员", "路长办协管")
# Rows below the example that get the text format and the drop-downs (the whole column has the text format).
BLANK_ROWS = 5000

PEOPLE_NOTES: dict[str, str] = {
    "household_number": "必填。同一户的每个成员填同一个户编号；新户编号即新建一户。",
    "township": "所属乡镇名称；村名在全区唯一时可不填。",
    "village": "必填。须是系统中已有的行政村。",
    "name": "必填。",
    "id_number": "必填。18 位公民身份号码，末位可为 X。",
    "phone": "11 位手机号或带区号的固定电话。",
    "labour": "从下拉列表选择：劳动力、弱劳力、无劳动能力。",
    "bank_account": "发放补贴的银行账号，按卡面数字填写。",
    "address": "家庭住址。",
    "note": "备注。",
}
POST_NOTES: dict[str, str] = {
    "code": "必填。岗位编号，全区唯一；已有编号即更新该岗位。",
    "kind": "必填。从下拉列表选择岗位类型。",
    "village": "必填。须是系统中已有的行政村。",
    "km": "管护里程，单位公里，可有小数。",
    "monthly_subsidy": "每月补贴标准，单位元。",
}
GENERAL = [
    "1. 请在“导入数据”工作表中填写，一行一条；第 1 行为表头，请勿修改表头文字。",
    "2. 第 2 行是示例，首格以“【示例】”开头，导入时自动忽略，可保留也可删除。",
    "3. 身份证号、户编号、银行账号、电话等列已设为“文本”格式。请勿改为数字格式：表格软件的数字只保留 15 位"
    "有效数字，18 位身份证号和 19 位银行账号会被改错，系统会拒绝这样的单元格。",
    "4. 从其他表格粘贴时，请使用“选择性粘贴 → 仅文本/数值”，以免把数字格式一并带入。",
    "5. 可以保存为 .xlsx、.xls、.ods 或 .csv（UTF-8 或 GBK 编码）；表头上方可以有标题行。",
    "6. 上传后系统先列出每一行将新增、更新或出错的内容；确认前不会写入任何数据，有错误的文件不会导入任何一行。",
]


def _people() -> tuple[list[Column], list[Any], list[str]]:
    yes_no_keys = {"away_working", "stable_employment", "cadre", *import_people.FLAG_KEYS}
    columns: list[Column] = []
    for key in import_people.TEMPLATE_KEYS:
        header = import_people.ALIASES[key][0]
        if key == "labour":
            columns.append(Column(header, text=True, choices=LABOUR_CHOICES, note=PEOPLE_NOTES[key]))
        elif key in yes_no_keys:
            columns.append(Column(header, text=True, choices=YES_NO,
                                  note="从下拉列表选择“是”或“否”；留空表示不修改。"))
        else:
            columns.append(Column(header, text=True, note=PEOPLE_NOTES.get(key, "")))
    return columns, list(import_people.TEMPLATE_EXAMPLE), ["人员与家庭导入模板（一行一人，同户成员重复填写户的信息）"]


def _posts() -> tuple[list[Column], list[Any], list[str]]:
    text_keys = {"code", "kind", "township", "village", "route_code", "section_start", "section_end", "labour",
                 "road_chief", "road_chief_phone"}
    columns: list[Column] = []
    for key in import_posts.TEMPLATE_KEYS:
        header = import_posts.ALIASES[key][0]
        choices = KIND_CHOICES if key == "kind" else LABOUR_CHOICES if key == "labour" else ()
        columns.append(Column(header, text=key in text_keys, choices=choices, note=POST_NOTES.get(key, "")))
    return columns, list(import_posts.TEMPLATE_EXAMPLE), ["岗位导入模板（一行一个岗位，按岗位编号新增或更新）"]


def _flags() -> tuple[list[Column], list[Any], list[str]]:
    notes = ("按身份证号找到其所在的户；与户编号二选一。", "按户编号找到该户；与身份证号二选一。", "姓名，仅供核对。")
    columns = [Column(h, text=True, note=n) for h, n in zip(import_flags.TEMPLATE_HEADERS, notes)]
    return columns, list(import_flags.TEMPLATE_EXAMPLE), [
        "户标识名单导入模板（受灾户、脱贫户等；标识、记录日期和来源在上传页面选择）"]


BUILDERS = {"people": _people, "posts": _posts, "flags": _flags}


def template_workbook(kind: str) -> bytes:
    """The template for one import kind, as .xlsx bytes."""
    columns, example, heading = BUILDERS[kind]()
    example = [EXAMPLE_MARK + str(example[0]), *example[1:]]
    lines = heading + [""] + GENERAL + ["", "各列说明："]
    lines += [f"· {c.header}：{c.note}" for c in columns if c.note]
    return workbook_bytes(
        [Sheet("导入数据", columns, rows=(), example_rows=[example], blank_rows=BLANK_ROWS)],
        instructions=Instructions("填写说明", lines),
    )
