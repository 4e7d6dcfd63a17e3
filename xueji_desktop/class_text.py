"""How schools write a class in their own sheets, and which class of the school that is.

Our template wants the 班号 (2026101) or the 班级名称 (小学2026级(1)班), but a school's own sheet names a
class the way its teachers say it: 一年级(1)班, 一(1)班, 七年级3班, 初一(2)班, 高二2班, 2026级1班, or a bare 1班 / 1 /
(1)班 in the 班级 column beside a 年级 column (一年级, 初一, 21 …). A grade is relative to the school year:
一年级 in school year 2026 is the class that entered in 2026, so these spellings are read against the store's
school year (``school_year.current_school_year``), and a spelling that could name more than one class of the
school (2026级1班 in a school with both 小学 and 初中) names none: the row stays 待修正 with the usual message.

Grade names follow the code table 年级 (JY/T 1001, ``resources/spec/fields.toml``) through the validation
engine's normaliser, plus the stage-prefixed forms (小学一年级, 初中二年级, 高中一年级) and digits (7年级).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from .school import GRADE_CODES, STAGES, ClassInfo, parse_class

Candidate = tuple[int, int, int]  # (entry_year, stage, number), as parse_class gives

_CN = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_NUM = r"\d{1,2}|[一二三四五六七八九十]{1,3}"
_STAGE_NAMES = {name: stage for stage, name in STAGES.items()}
# 一年级(1)班 / 初一3班 / 2026级1班 / 小学2026级一班: a grade (or 级) part, then the class number and 班
_GRADE_AND_NUMBER = re.compile(rf"^(?P<grade>.*?级|[初高][一二三123])\(?(?P<number>{_NUM})\)?班?$")
_BARE_NUMBER = re.compile(rf"^\(?(?P<number>{_NUM})\)?班?$")               # 1 / 01 / 1班 / (1)班 / 一班
_SHORT_GRADE = re.compile(rf"^(?P<grade>[一二三四五六七八九])\((?P<number>{_NUM})\)班?$")  # 一(1)班 = 一年级(1)班
_STAGE_GRADE = re.compile(rf"^(?P<stage>小学|初中|高中)?(?P<n>{_NUM})年级$")  # 小学一年级, 初中二年级, 7年级
_ENTRY_YEAR = re.compile(r"^(?P<stage>小学|初中|高中)?(?P<year>\d{4})级$")    # 2026级, 初中2026级


def _fold(text: str) -> str:
    """Full-width to half-width (NFKC: （１）→ (1)), no spaces."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def _number(text: str) -> int | None:
    """1–99 from digits or Chinese numerals (一, 十二, 二十三)."""
    if text.isdigit():
        n = int(text)
    elif len(text) == 1:
        n = _CN.get(text, 0)
    elif text[0] == "十":
        n = 10 + _CN.get(text[1], 99) if len(text) == 2 else 0
    else:
        tens, rest = _CN.get(text[0], 0), text[1:]
        n = tens * 10 + (_CN.get(rest[1], 99) if len(rest) == 2 else 0) if rest[:1] == "十" and tens < 10 else 0
    return n if 1 <= n <= 99 else None


@lru_cache(maxsize=256)
def grade_of(text: str) -> tuple[int, int] | None:
    """(stage, 0-based year within the stage) of a 年级 spelling: 一年级 → (1, 0), 初二/八年级 → (2, 1)."""
    from .validation.normalize import normalize_value
    from .validation.spec import load_spec

    t = _fold(text)
    code, issue = normalize_value(load_spec().student_by_key["grade"], t)
    if issue is None and isinstance(code, str):
        for stage, codes in GRADE_CODES.items():
            if code in codes:
                return stage, codes.index(code)
    m = _STAGE_GRADE.match(t)
    if m is None or (n := _number(m["n"])) is None:
        return None
    if m["stage"]:  # 初中一年级: the year within that stage
        stage = _STAGE_NAMES[m["stage"]]
        return (stage, n - 1) if n <= len(GRADE_CODES[stage]) else None
    for stage in (1, 2, 3):  # 7年级: counted through the stages, as 七年级 is
        if n <= len(GRADE_CODES[stage]):
            return stage, n - 1
        n -= len(GRADE_CODES[stage])
    return None


def _grade_entries(text: str, school_year: int) -> list[tuple[int, int]]:
    """(entry_year, stage) pairs a grade spelling may mean this school year: one, or one per stage for 2026级."""
    m = _ENTRY_YEAR.match(text)
    if m:
        year = int(m["year"])
        stages = [_STAGE_NAMES[m["stage"]]] if m["stage"] else list(STAGES)
        return [(year, stage) for stage in stages]
    grade = grade_of(text)
    return [(school_year - grade[1], grade[0])] if grade else []


def class_candidates(class_text: str, grade_text: str, school_year: int) -> list[Candidate]:
    """Every (entry_year, stage, number) the 班级 cell may mean, with the row's 年级 cell when it is only a number.
    Empty when neither cell says which class."""
    t = _fold(class_text)
    if not t:
        return []
    exact = parse_class(t)
    if exact is not None:
        return [exact]
    short = _SHORT_GRADE.match(t)
    if short:  # (the brackets tell 一(1)班 from 一班, class 1 of the 年级 column)
        t = f"{short['grade']}年级({short['number']})班"
    m = _GRADE_AND_NUMBER.match(t)
    if m:
        grade = m["grade"]
    else:  # a bare class number: the 年级 cell says which grade
        m = _BARE_NUMBER.match(t)
        grade = _fold(grade_text) if m else ""
    number = _number(m["number"]) if m and grade else None
    if number is None:
        return []
    return [(year, stage, number) for year, stage in _grade_entries(grade, school_year)]


def unambiguous(class_text: str, grade_text: str, school_year: int) -> Candidate | None:
    """The class a spelling names without looking at the school's classes (check-excel has no store)."""
    found = class_candidates(class_text, grade_text, school_year)
    return found[0] if len(found) == 1 else None


class ClassResolver:
    """班级 (and 年级) cells → the school's class, remembered per spelling: a sheet repeats a few dozen."""

    def __init__(self, classes: Iterable[ClassInfo], school_year: int) -> None:
        self.school_year = school_year
        self.by_key = {(c.entry_year, c.stage, c.number): c for c in classes}
        self.memo: dict[tuple[str, str], ClassInfo | None] = {}

    def __call__(self, class_text: str, grade_text: str = "") -> ClassInfo | None:
        key = (class_text, grade_text)
        if key not in self.memo:
            found = {self.by_key[c] for c in class_candidates(class_text, grade_text, self.school_year)
                     if c in self.by_key}
            self.memo[key] = found.pop() if len(found) == 1 else None
        return self.memo[key]


def needs_grade(class_text: str) -> bool:
    """Whether the 班级 cell is only a number (1班), so that the 年级 cell says which class it is."""
    return _BARE_NUMBER.match(_fold(class_text)) is not None


def class_label(class_text: str, grade_text: str) -> str:
    """The class as a row gives it, for messages and for a record whose class is not in the store: a bare 班级
    number with its 年级 (一年级 1班), else the 班级 cell."""
    return f"{grade_text} {class_text}" if grade_text and needs_grade(class_text) else class_text
