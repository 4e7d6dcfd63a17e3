"""无身份证号学生在校就读证明表 (seed 001, 首次数据采集方案 附件2-3) as one A4 page per student.

The seed names the form but its attachment is not in our material, so the layout follows what the seed
says it is for: the school certifies that a Chinese student without an ID number is enrolled, states why
there is no number, names the guardians (whose ID numbers stand in for the child's, validation rule
``members.id_required``), and the county checks it. Hence: the student's data, the reason (boxes to tick,
as the clerk rarely knows it from the record), the guardians, the school's statement with signature and
seal lines, and a box for the county's opinion.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from ..validation import load_spec
from .form import display_value
from .layout import A4_WIDTH_MM, Box, Line, Page, Text

TITLE = "无身份证号学生在校就读证明表"
LEFT = 20.0
RIGHT = A4_WIDTH_MM - 20.0
ROW = 10.0
LABEL_W = 32.0
REASONS = ("□ 未办理户口登记", "□ 已登记户口但未取得公民身份号码", "□ 其他：____________________")
STATEMENT = ("兹证明上述学生系中华人民共和国公民，为我校在籍在读学生。因上述原因暂无居民身份证件号，"
             "其监护人身份信息如上。待取得身份证件号后，学校将及时补录。特此证明。")
STUDENT_ITEMS = (("name", "gender"), ("birth_date", "ethnicity"), ("birthplace", "household_region"),
                 ("class_code", "enrol_date"))
MEMBER_ITEMS = ("name", "relation", "id_type", "id_number", "phone")


@dataclass(frozen=True)
class ProofHeader:
    school_name: str = ""
    school_code: str = ""
    printed_on: date | None = None


def _shown(f, record: dict[str, Any]) -> str:
    """As the form prints it, with a region code followed by its name (a county officer reads names)."""
    from ..validation.regions import full_name

    text = display_value(f, record.get(f.key), record)
    if f.type == "region" and len(text) == 12 and text.isdigit():
        name = full_name(text[:6])
        return f"{name}（{text}）" if name else text
    return text


def _label_value(page: Page, x: float, y: float, w: float, label: str, value: str) -> None:
    page.add(Box(x, y, LABEL_W, ROW, 0, fill="#f0f0f0"),
             Text(x, y, LABEL_W, ROW, label, 10, "sans", "center", fit="single"),
             Text(x + LABEL_W, y, w - LABEL_W, ROW, value, 10.5, "serif", "left"),
             Line(x + LABEL_W, y, x + LABEL_W, y + ROW))


def build_proof(record: dict[str, Any], header: ProofHeader) -> Page:
    spec = load_spec()
    page = Page()
    page.add(Text(LEFT, 14, RIGHT - LEFT, 10, TITLE, 17, "sans", "center", fit="single", padding=0))
    printed = (header.printed_on or date.today()).isoformat()
    page.add(Text(LEFT, 27, RIGHT - LEFT, 7, f"学校（盖章）：{header.school_name}    学校标识码：{header.school_code}"
                  f"    填表日期：{printed}", 9.5, "serif", "left", fit="single", padding=0))
    y = 36.0
    half = (RIGHT - LEFT) / 2
    page.add(Text(LEFT, y, RIGHT - LEFT, 7, "一、学生基本信息", 11, "sans", "left", fit="single", padding=0))
    y += 8
    top = y
    for left_key, right_key in STUDENT_ITEMS:
        for i, key in enumerate((left_key, right_key)):
            f = spec.student_by_key[key]
            _label_value(page, LEFT + i * half, y, half, f.label, _shown(f, record))
        page.add(Line(LEFT, y + ROW, RIGHT, y + ROW))
        y += ROW
    page.add(Line(LEFT + half, top, LEFT + half, y), Box(LEFT, top, RIGHT - LEFT, y - top, 0.5))

    y += 5
    page.add(Text(LEFT, y, RIGHT - LEFT, 7, "二、无身份证件号原因（在相应方框内打“√”）", 11, "sans", "left",
                  fit="single", padding=0))
    y += 8
    for reason in REASONS:
        page.add(Text(LEFT + 4, y, RIGHT - LEFT - 4, 7, reason, 10.5, "serif", "left", fit="single", padding=0))
        y += 7.5

    y += 3
    page.add(Text(LEFT, y, RIGHT - LEFT, 7, "三、监护人信息", 11, "sans", "left", fit="single", padding=0))
    y += 8
    labels = [spec.member_by_key[k].label for k in MEMBER_ITEMS]
    widths = [24.0, 20.0, 34.0, 52.0, RIGHT - LEFT - 130.0]
    xs = [LEFT]
    for w in widths:
        xs.append(xs[-1] + w)
    top = y
    page.add(Box(LEFT, y, RIGHT - LEFT, ROW, 0, fill="#f0f0f0"))
    for i, label in enumerate(labels):
        page.add(Text(xs[i], y, widths[i], ROW, label, 10, "sans", "center", fit="single"))
    y += ROW
    members = [m for m in (record.get("members") or []) if m][:2] or [{}]
    while len(members) < 2:
        members.append({})
    for member in members:
        page.add(Line(LEFT, y, RIGHT, y))
        for i, key in enumerate(MEMBER_ITEMS):
            value = display_value(spec.member_by_key[key], member.get(key), record, member)
            page.add(Text(xs[i], y, widths[i], ROW, value, 10, "serif", "center", fit="single"))
        y += ROW
    for x in xs[1:-1]:
        page.add(Line(x, top, x, y))
    page.add(Box(LEFT, top, RIGHT - LEFT, y - top, 0.5))

    y += 6
    page.add(Text(LEFT, y, RIGHT - LEFT, 7, "四、学校证明", 11, "sans", "left", fit="single", padding=0))
    y += 8
    page.add(Text(LEFT, y, RIGHT - LEFT, 16, STATEMENT, 10.5, "serif", "left"))
    y += 20
    for label, x in (("班主任签字：", LEFT), ("学籍管理员签字：", LEFT + 58), ("校长签字：", LEFT + 118)):
        page.add(Text(x, y, 56, 8, label, 10.5, "serif", "left", fit="single", padding=0),
                 Line(x + (30 if len(label) > 6 else 21), y + 7, x + 54, y + 7, 0.3))
    y += 14
    page.add(Text(LEFT + 100, y, RIGHT - LEFT - 100, 8, "学校（公章）", 10.5, "serif", "left", fit="single",
                  padding=0))
    y += 9
    page.add(Text(LEFT + 100, y, RIGHT - LEFT - 100, 8, "年      月      日", 10.5, "serif", "left",
                  fit="single", padding=0))

    y += 14
    page.add(Text(LEFT, y, RIGHT - LEFT, 7, "五、县级学籍主管部门审核意见", 11, "sans", "left", fit="single",
                  padding=0))
    y += 8
    page.add(Box(LEFT, y, RIGHT - LEFT, 34, 0.5),
             Text(LEFT + 100, y + 18, RIGHT - LEFT - 102, 7, "（盖章）      年    月    日", 10.5, "serif",
                  "left", fit="single", padding=0))
    page.add(Text(LEFT, 282, RIGHT - LEFT, 6, "本表一式两份，学校和县级学籍主管部门各存一份。", 9, "serif",
                  "center", fit="single", padding=0))
    return page
