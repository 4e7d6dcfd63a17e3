"""The class confirmation roster (班级学生信息确认名单): one row per student with a signature column.

Seed 001: "学校须打印学生数据，下发给学生和家长再次签字确认". With ``mask=True`` the middle digits
of ID and phone numbers are hidden, for copies that leave the school (seed 002 / README §8:
export only what the purpose needs).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from ..masking import mask_id, mask_phone
from ..validation import load_spec
from .layout import A4_WIDTH_MM, Box, Line, Page, Text

LEFT = 15.0
RIGHT = A4_WIDTH_MM - 15.0
COLUMNS = (("序号", 10.0), ("姓名", 22.0), ("性别", 10.0), ("出生日期", 21.0), ("身份证件号", 39.0),
           ("监护人", 29.0), ("联系电话", 25.0), ("家长签字", 24.0))
TABLE_TOP = 36.0
HEAD_ROW = 8.0
ROW = 9.0
ROWS_PER_PAGE = 25
MASK_NOTE = "本名单已隐去身份证件号、联系电话的中间位数。"
CHECK_NOTE = "请家长核对本人孩子的信息，无误后在“家长签字”栏签名；如有错误，请在该行旁注明正确信息。"


@dataclass(frozen=True)
class RosterHeader:
    school_name: str = ""
    class_name: str = ""
    class_code: str = ""
    head_teacher: str = ""
    printed_on: date | None = None


def guardian_of(record: dict[str, Any]) -> tuple[str, str]:
    """(guardian name with relation, phone): the first member marked 监护人, else the first member."""
    members = record.get("members") or []
    chosen = next((m for m in members if str(m.get("is_guardian")) == "1"), members[0] if members else {})
    relation = load_spec().codes["relation"].name_of(str(chosen.get("relation", ""))) or ""
    name = chosen.get("name", "")
    label = f"{name}（{relation}）" if name and relation else name
    return label, chosen.get("phone", "") or record.get("phone", "")


def roster_row(record: dict[str, Any], mask: bool) -> list[str]:
    gender = load_spec().codes["gender"].name_of(str(record.get("gender", ""))) or ""
    guardian, phone = guardian_of(record)
    id_number = record.get("id_number", "") or ""
    return [record.get("name", ""), gender, record.get("birth_date", ""),
            mask_id(id_number) if mask else id_number, guardian, mask_phone(phone) if mask else phone, ""]


def build_roster(records: list[dict[str, Any]], header: RosterHeader, mask: bool = False) -> list[Page]:
    pages: list[Page] = []
    total_pages = max(1, -(-len(records) // ROWS_PER_PAGE))
    for p in range(total_pages):
        chunk = records[p * ROWS_PER_PAGE:(p + 1) * ROWS_PER_PAGE]
        pages.append(_roster_page(chunk, p * ROWS_PER_PAGE, header, mask, p + 1, total_pages, len(records)))
    return pages


def _roster_page(records: list[dict[str, Any]], offset: int, header: RosterHeader, mask: bool, number: int,
                 total_pages: int, total: int) -> Page:
    page = Page()
    title = f"{header.school_name} {header.class_name} 学生信息确认名单".strip()
    page.add(Text(LEFT, 10, RIGHT - LEFT, 9, title, 15, "sans", "center", fit="single", padding=0))
    printed = (header.printed_on or date.today()).isoformat()
    info = f"班号：{header.class_code}    班主任：{header.head_teacher}    共 {total} 人    打印日期：{printed}"
    page.add(Text(LEFT, 21, RIGHT - LEFT, 6, info, 9.5, "serif", "left", fit="single", padding=0))
    note = CHECK_NOTE + (MASK_NOTE if mask else "")
    page.add(Text(LEFT, 28, RIGHT - LEFT, 6, note, 9, "serif", "left", fit="single", padding=0))
    widths = [w for _, w in COLUMNS]
    xs = [LEFT]
    for w in widths:
        xs.append(xs[-1] + w)
    y = TABLE_TOP
    page.add(Box(LEFT, y, RIGHT - LEFT, HEAD_ROW, 0, fill="#e8e8e8"))
    for i, (name, w) in enumerate(COLUMNS):
        page.add(Text(xs[i], y, w, HEAD_ROW, name, 9.5, "sans", "center", fit="single"))
    y += HEAD_ROW
    for i, record in enumerate(records):
        page.add(Line(LEFT, y, RIGHT, y))
        cells = [str(offset + i + 1), *roster_row(record, mask)]
        for c, value in enumerate(cells):
            if value:
                align = "left" if c in (1, 5) else "center"
                page.add(Text(xs[c], y, widths[c], ROW, value, 9.5, "serif", align, fit="single"))
        y += ROW
    for x in xs[1:-1]:
        page.add(Line(x, TABLE_TOP, x, y))
    page.add(Box(LEFT, TABLE_TOP, RIGHT - LEFT, y - TABLE_TOP, 0.5))
    y += 6
    page.add(Text(LEFT, y, 90, 8, "班主任签字：", 10.5, "serif", "left", fit="single", padding=0),
             Line(LEFT + 25, y + 7, LEFT + 80, y + 7, 0.3),
             Text(LEFT + 95, y, 85, 8, "日期：        年      月      日", 10.5, "serif", "left", fit="single",
                  padding=0))
    page.add(Text(LEFT, 280, RIGHT - LEFT, 6, f"第 {number} 页 / 共 {total_pages} 页", 9, "serif", "center",
                  fit="single", padding=0))
    return page
