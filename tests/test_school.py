from __future__ import annotations

from datetime import date

import pytest

from xueji_desktop.errors import BadInput
from xueji_desktop.school import add_class, class_code, class_name, grade_code, parse_class, school_year_of


def test_class_code_and_name_rule():
    assert class_code(2009, 1, 1) == "2009101"
    assert class_name(2009, 1, 1) == "小学2009级(1)班"
    assert class_code(2024, 2, 12) == "2024212"
    assert class_name(2024, 3, 12) == "高中2024级(12)班"
    with pytest.raises(BadInput):
        class_code(2024, 4, 1)


@pytest.mark.parametrize("text", ["2009101", "小学2009级(1)班", "小学2009级（1）班", " 2009101 "])
def test_parse_class(text):
    assert parse_class(text) == (2009, 1, 1)


def test_grade_follows_school_year():
    assert school_year_of(date(2026, 7, 31)) == 2025
    assert school_year_of(date(2026, 8, 1)) == 2026
    assert grade_code(1, 2026, date(2026, 9, 1)) == "11"
    assert grade_code(1, 2021, date(2026, 9, 1)) == "16"
    assert grade_code(1, 2020, date(2026, 9, 1)) is None
    assert grade_code(2, 2025, date(2026, 9, 1)) == "22"


def test_duplicate_class_refused(empty_store):
    with empty_store.transaction() as tx:
        add_class(tx, 2024, 1, 1)
    with pytest.raises(BadInput, match="已存在"), empty_store.transaction() as tx:
        add_class(tx, 2024, 1, 1)
