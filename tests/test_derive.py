"""Values derived for the clerk: the pinyin order names sort in."""

from __future__ import annotations

from xueji_desktop.derive import pinyin_sort_keys


def _sorted(names: list[str]) -> list[str]:
    keys = dict(zip(names, pinyin_sort_keys(names), strict=True))
    return sorted(names, key=keys.__getitem__)


def test_names_sort_by_pinyin_not_by_unicode():
    names = ["赵六", "张三", "李四", "王五", "阿宝", "欧阳娜娜"]
    assert sorted(names) != _sorted(names)  # code-point order is radical order
    assert _sorted(names) == ["阿宝", "李四", "欧阳娜娜", "王五", "张三", "赵六"]


def test_surname_readings_and_prefixes():
    # 曾 and 单 as surnames read zēng and shàn; a name sorts before the same name with more characters
    assert _sorted(["张三丰", "曾强", "单田芳", "陈明", "张三"]) == ["陈明", "单田芳", "曾强", "张三", "张三丰"]


def test_same_reading_different_characters_do_not_tie():
    keys = pinyin_sort_keys(["张伟", "章伟"])
    assert keys[0] != keys[1]
