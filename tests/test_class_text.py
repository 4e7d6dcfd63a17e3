"""Class spellings from schools' own sheets → the school's class (class_text.py)."""

from __future__ import annotations

import pytest

from xueji_desktop.class_text import ClassResolver, class_candidates, class_label, grade_of, unambiguous
from xueji_desktop.school import ClassInfo, class_code, class_name


@pytest.mark.parametrize(("class_text", "grade_text", "expected"), [
    ("2026101", "", (2026, 1, 1)),                   # 班号
    ("小学2026级（1）班", "", (2026, 1, 1)),           # our 班级名称, full-width brackets
    ("一年级（1）班", "", (2026, 1, 1)),
    ("一年级1班", "", (2026, 1, 1)),
    ("三年级二班", "", (2024, 1, 2)),
    ("1年级1班", "", (2026, 1, 1)),
    ("七年级3班", "", (2026, 2, 3)),                   # 七年级 is the first year of 初中
    ("初一(3)班", "", (2026, 2, 3)),
    ("初中二年级(4)班", "", (2025, 2, 4)),
    ("八年级十一班", "", (2025, 2, 11)),
    ("九年级（２）班", "", (2024, 2, 2)),               # full-width digit
    ("高一2班", "", (2026, 3, 2)),
    ("高三（12）班", "", (2024, 3, 12)),
    ("初中2025级2班", "", (2025, 2, 2)),
    ("1班", "一年级", (2026, 1, 1)),                   # a bare number beside 年级
    ("(1)班", "初一", (2026, 2, 1)),
    ("1", "高二", (2025, 3, 1)),
    ("一班", "二年级", (2025, 1, 1)),
    ("01", "21", (2026, 2, 1)),                       # 年级 as its code
])
def test_spellings_name_one_class(class_text, grade_text, expected):
    assert unambiguous(class_text, grade_text, 2026) == expected


@pytest.mark.parametrize(("class_text", "grade_text"), [
    ("3班", ""),              # no 年级 to place it
    ("1班", "大班"),           # not a grade
    ("一年级", ""),            # no class number
    ("2026级1班", ""),         # 小学, 初中 or 高中?
    ("十三年级1班", ""),
    ("一年级100班", ""),
    ("", "一年级"),
])
def test_spellings_that_name_no_single_class(class_text, grade_text):
    assert unambiguous(class_text, grade_text, 2026) is None


def test_grade_is_read_against_the_school_year():
    assert class_candidates("三年级(2)班", "", 2026) == [(2024, 1, 2)]
    assert class_candidates("三年级(2)班", "", 2027) == [(2025, 1, 2)]
    assert grade_of("六年级") == (1, 5) and grade_of("高二") == (3, 1) and grade_of("10年级") == (3, 0)


def _info(i: int, entry_year: int, stage: int, number: int) -> ClassInfo:
    return ClassInfo(i, class_code(entry_year, stage, number), class_name(entry_year, stage, number), stage,
                     entry_year, number)


def test_resolver_takes_a_year_only_spelling_when_the_school_has_one_such_class():
    primary_only = ClassResolver([_info(1, 2026, 1, 1), _info(2, 2025, 1, 1)], 2026)
    assert primary_only("2026级1班").id == 1
    assert primary_only("1班", "二年级").id == 2
    assert primary_only("2班", "二年级") is None  # no such class in this school
    both = ClassResolver([_info(1, 2026, 1, 1), _info(3, 2026, 2, 1)], 2026)
    assert both("2026级1班") is None              # 小学 or 初中: the clerk must say
    assert both("初中2026级1班").id == 3 and both("七年级1班").id == 3 and both("一年级(1)班").id == 1


def test_label_keeps_the_grade_of_a_bare_number():
    assert class_label("1班", "一年级") == "一年级 1班"
    assert class_label("一年级(1)班", "一年级") == "一年级(1)班"
    assert class_label("1班", "") == "1班"
