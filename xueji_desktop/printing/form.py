"""The 学生基本信息采集表 (2022修订版) as a printable A4 page, prefilled or blank.

Layout follows the paper form (shared/spec/seeds/001, README §2): two item columns
"编号 | 项目名称 | 基础数据", rows paired as on the paper form (1 with 10, 2 with 11 …), section
rows 学生个人基础信息 / 学生家庭成员或监护人信息一 / 二 / 特殊教育学生信息 — sections, rows, labels and ★
come from ``xueji_desktop.forms`` (the one description of the form); this module only draws them:
the photo box at the top right and the signature footer. Option fields print their *names*
("单亲留守儿童", not "1"), as the form asks. A required item left empty prints a light
"请填写" so the parent sees what to add; the blank form prints no hints.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..forms.layout import FormField, paper_items, paper_sections
from ..validation import load_spec
from ..validation.spec import Field
from .layout import A4_WIDTH_MM, Box, Image, Line, Page, Text

TITLE = "全国中小学生学籍信息管理系统学生基本信息采集表"
SUBTITLE = "（2022年修订版）"
NOTE = "注：带★为必采信息项。"
CHECK_HINT = "请家长逐项核对，如有错误或空缺，请在对应栏内更正、补填后签字。"
BLANK_HINT = "请按填表说明如实填写；选项类信息填写名称（如“汉族”“单亲留守儿童”），日期填写为 YYYY-MM-DD。"
FILL_HINT = "请填写"

LEFT = 15.0
RIGHT = A4_WIDTH_MM - 15.0
# 编号 | 项目名称 | 基础数据 | 编号 | 项目名称 | 基础数据 (the right half carries the addresses: wider value column)
COLUMNS = (8.0, 27.0, 46.0, 8.0, 33.0, 58.0)
PHOTO_W, PHOTO_H = 26.0, 32.0  # the photo standard: 26 mm x 32 mm (seed 001)
HEADER_ROW = 7.0
SECTION_ROW = 6.5
ROW = 8.0
TALL_ROW = 12.0  # rows holding an address
TABLE_TOP = 45.0
TABLE_BOTTOM_LIMIT = 263.0  # leaves room for the footer (27 mm) and a 7 mm bottom margin
VALUE_SIZE, VALUE_MIN_SIZE = 10.0, 4.5
COMFORT_SIZE = 7.5  # an address row grows (within the page's slack) until its text fits at this size
LINE_W = 0.25
FRAME_W = 0.5

ADDRESS_ITEMS = {10, 11, 25, 34}


@dataclass(frozen=True)
class FormHeader:
    """School and class lines printed above the table."""

    school_name: str = ""
    school_code: str = ""
    class_name: str = ""
    class_code: str = ""
    head_teacher: str = ""
    student_number: str = ""  # 学籍号 (records/student_number.py)


def form_items() -> dict[int, FormField]:
    """Item number (1-37) -> its box (``forms.paper_items``; kept for callers of this name)."""
    return paper_items()


def display_value(f: Field, value: Any, record: dict[str, Any] | None = None,
                  member: dict[str, Any] | None = None) -> str:
    """What the paper form shows for a stored value: option names instead of codes."""
    if value in (None, ""):
        return ""
    text = str(value)
    if f.key == "class_code" and record and record.get("_class_name"):
        return str(record["_class_name"])
    if f.codes:
        name = load_spec().codes[f.codes].name_of(text)
        text = name if name is not None else text
    if f.key == "relation" and member and member.get("relation_note") and str(value) == "9":
        text = f"{text}（{member['relation_note']}）"
    return text


def _item_value(item: FormField, record: dict[str, Any]) -> str:
    if item.member is None:
        return display_value(item.field, record.get(item.field.key), record)
    members = record.get("members") or []
    member = members[item.member] if item.member < len(members) else {}
    return display_value(item.field, member.get(item.field.key), record, member)


def _needs_value(item: FormField, record: dict[str, Any]) -> bool:
    if item.field.required is True:
        return True
    # 36/37 are required when item 16 (是否残疾人) is 是 (validation rule; form note on the special section)
    return item.field.required == "cond" and str(record.get("is_disabled", "")) == "1"


def build_form(record: dict[str, Any] | None, header: FormHeader | None = None,
               photo: bytes | None = None) -> Page:
    """One A4 page. ``record`` None gives the blank form; ``record["_class_name"]`` prints item 13 by name."""
    page = Page()
    blank = record is None
    record = record or {}
    header = header or FormHeader()
    items = form_items()
    _draw_heading(page, header, photo)

    extra = {} if blank else _address_growth(record, items)
    y = TABLE_TOP
    top = y
    widths = list(COLUMNS)
    xs = [LEFT]
    for w in widths:
        xs.append(xs[-1] + w)

    # column heads
    page.add(Box(LEFT, y, RIGHT - LEFT, HEADER_ROW, 0, fill="#e8e8e8"))
    for i, text in enumerate(("编号", "项目名称", "基础数据") * 2):
        page.add(Text(xs[i], y, widths[i], HEADER_ROW, text, 9.5, "sans", "center", fit="single"))
    _vlines(page, xs, y, HEADER_ROW)
    y += HEADER_ROW

    def section(title: str) -> None:
        nonlocal y
        page.add(Line(LEFT, y, RIGHT, y, LINE_W), Box(LEFT, y, RIGHT - LEFT, SECTION_ROW, 0, fill="#f2f2f2"),
                 Text(LEFT, y, RIGHT - LEFT, SECTION_ROW, title, 10, "sans", "center", fit="single"))
        y += SECTION_ROW

    def row(left: int | None, right: int | None) -> None:
        nonlocal y
        height = TALL_ROW + extra.get(left, 0.0) if {left, right} & ADDRESS_ITEMS else ROW
        page.add(Line(LEFT, y, RIGHT, y, LINE_W))
        for half, number in ((0, left), (1, right)):
            c = half * 3
            if number is None:
                continue
            item = items[number]
            page.add(Text(xs[c], y, widths[c], height, str(number), 9, "serif", "center", fit="single"),
                     Text(xs[c + 1], y, widths[c + 1], height, item.paper_label, 9, "serif", "left",
                          fit="single", min_size=6.5))
            value = "" if blank else _item_value(item, record)
            if value:
                page.add(Text(xs[c + 2], y, widths[c + 2], height, value, VALUE_SIZE, "serif", "left",
                              min_size=VALUE_MIN_SIZE))
            elif not blank and _needs_value(item, record):
                page.add(Text(xs[c + 2], y, widths[c + 2], height, FILL_HINT, 7, "serif", "right",
                              fit="single", color="#8c8c8c"))
        _vlines(page, xs, y, height)
        y += height

    for part in paper_sections():  # every section prints (the special one says when it applies)
        section(part.paper_title or "")
        for a, b in part.paper_rows:
            row(a.item, b.item if b is not None else None)
    page.add(Box(LEFT, top, RIGHT - LEFT, y - top, FRAME_W))

    _draw_footer(page, y + 3, BLANK_HINT if blank else CHECK_HINT)
    return page


def estimated_height(text: str, width: float, size: float, padding: float = 1.2) -> float:
    """Height (mm) ``text`` needs when wrapped in ``width`` mm at ``size`` pt, estimated without a font engine:
    ideographs and full-width marks are 1 em wide, other characters at most 0.6 em (the renderer then
    measures exactly and shrinks if the estimate was short)."""
    em = size * 25.4 / 72
    per_line = max(1.0, (width - 2 * padding) / em)
    ems = sum(1.0 if ord(ch) > 0x2E7F else 0.6 for ch in text)
    lines = max(1, -int(-ems // per_line))
    return em * (1 + (lines - 1) * 1.28) + 2 * padding


def _address_growth(record: dict[str, Any], items: dict[int, FormField]) -> dict[int, float]:
    """Extra height for the address rows (keyed by the row's left item) whose values need it, shared out of
    the page's slack so the footer always stays on the page."""
    rows = [(1, 10), (2, 11)] + [(18 + 9 * m + 2, 18 + 9 * m + 7) for m in (0, 1)]  # (left item, address item)
    want = {}
    for left, number in rows:
        value = _item_value(items[number], record)
        need = estimated_height(value, COLUMNS[5], COMFORT_SIZE) - TALL_ROW if value else 0.0
        if need > 0:
            want[left] = need
    sections = paper_sections()
    natural = (TABLE_TOP + HEADER_ROW + len(sections) * SECTION_ROW + 4 * TALL_ROW
               + (sum(len(s.paper_rows) for s in sections) - 4) * ROW)
    slack = max(0.0, TABLE_BOTTOM_LIMIT - natural)
    total = sum(want.values())
    scale = min(1.0, slack / total) if total else 1.0
    return {left: need * scale for left, need in want.items()}


def _vlines(page: Page, xs: list[float], y: float, height: float) -> None:
    for x in xs[1:-1]:
        page.add(Line(x, y, x, y + height, FRAME_W if x == xs[3] else LINE_W))


def _draw_heading(page: Page, header: FormHeader, photo: bytes | None) -> None:
    photo_x = RIGHT - PHOTO_W
    text_w = photo_x - 4 - LEFT
    page.add(Text(LEFT, 9, text_w, 9, TITLE, 15, "sans", "center", fit="single", padding=0),
             Text(LEFT, 18, text_w, 6, SUBTITLE, 10.5, "serif", "center", fit="single", padding=0))
    lines = [
        (("学校名称", header.school_name, 82), ("学校标识码", header.school_code, 0)),
        (("班级", _class_text(header), 66), ("班主任", header.head_teacher, 32), ("学籍号", header.student_number, 0)),
    ]
    y = 28.0
    for pairs in lines:
        x = LEFT
        for label, value, width in pairs:
            width = width or (photo_x - 4 - x)
            label_w = 5.0 + 3.9 * len(label)
            page.add(Text(x, y, label_w, 7, f"{label}：", 10.5, "serif", "left", fit="single", padding=0))
            page.add(Line(x + label_w, y + 6.3, x + width - 3, y + 6.3, 0.2))
            if value:
                page.add(Text(x + label_w, y, width - label_w - 3, 7, value, 10.5, "serif", "left",
                              fit="single", padding=0.5))
            x += width
        y += 8.5
    page.add(Box(photo_x, 9, PHOTO_W, PHOTO_H, LINE_W))
    if photo:
        page.add(Image(photo_x + 0.4, 9.4, PHOTO_W - 0.8, PHOTO_H - 0.8, photo))
    else:
        page.add(Text(photo_x, 9, PHOTO_W, PHOTO_H * 0.55, "照片", 10, "serif", "center", fit="single",
                      color="#8c8c8c"),
                 Text(photo_x, 9 + PHOTO_H * 0.45, PHOTO_W, PHOTO_H * 0.4, "26mm×32mm\n淡蓝色背景", 6.5, "serif",
                      "center", color="#8c8c8c"))


def _class_text(header: FormHeader) -> str:
    if header.class_name and header.class_code:
        return f"{header.class_name}（班号 {header.class_code}）"
    return header.class_name or header.class_code


def _draw_footer(page: Page, y: float, hint: str) -> None:
    page.add(Text(LEFT, y, RIGHT - LEFT, 6, hint, 9, "serif", "left", fit="single", padding=0))
    y += 7
    parts = (("学生家长签字：", 58), ("班主任签字：", 58), ("填表日期：", 64))
    x = LEFT
    for label, width in parts:
        label_w = 4.0 * len(label)
        page.add(Text(x, y, label_w, 8, label, 10.5, "serif", "left", fit="single", padding=0))
        if label.startswith("填表日期"):
            page.add(Text(x + label_w, y, width - label_w, 8, "        年      月      日", 10.5, "serif", "left",
                          fit="single", padding=0))
        else:
            page.add(Line(x + label_w, y + 7, x + width - 5, y + 7, 0.3))
        x += width
    y += 11
    page.add(Text(LEFT, y, RIGHT - LEFT, 6, NOTE, 9, "serif", "left", fit="single", padding=0))
