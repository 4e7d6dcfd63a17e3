"""normalize_value / normalize_record: values as people type them → canonical record values."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from xueji_desktop.validation import normalize_record, normalize_value
from xueji_desktop.validation.spec import load_spec

SPEC = load_spec()


def field(key: str, member: bool = False):
    return SPEC.member_by_key[key] if member else SPEC.student_by_key[key]


@pytest.mark.parametrize(("key", "raw", "expected"), [
    # options by name, by code, code+name, Excel-stripped leading zeros, aliases
    ("left_behind", "单亲留守儿童", "1"),
    ("left_behind", "1", "1"),
    ("left_behind", 1, "1"),
    ("left_behind", 1.0, "1"),
    ("left_behind", "1-单亲留守儿童", "1"),
    ("left_behind", "1 单亲留守儿童", "1"),
    ("left_behind", "1：单亲留守儿童", "1"),
    ("left_behind", "单亲留守儿童(1)", "1"),
    ("left_behind", " 双亲留守儿童 ", "2"),
    ("ethnicity", "汉族", "01"),
    ("ethnicity", "汉", "01"),
    ("ethnicity", 1, "01"),
    ("ethnicity", "1", "01"),
    ("ethnicity", "01-汉族", "01"),
    ("ethnicity", "蒙古族", "02"),
    ("hmt", "0", "00"),
    ("hmt", "否", "00"),
    ("gender", "男", "1"),
    ("gender", "女", "2"),
    ("gender", "２", "2"),
    ("id_type", "a", "A"),
    ("id_type", "居民身份证", "1"),
    ("nationality", "中国", "CHN"),
    ("nationality", "chn", "CHN"),
    ("is_boarder", "是", "1"),
    ("is_boarder", "否", "0"),
    ("commute_mode", "2-自行车（含摩托车、电动自行车）", "2"),
    ("enrol_mode", "就近入学", "11"),
    # dates
    ("birth_date", "2015-03-07", "2015-03-07"),
    ("birth_date", "2015/3/7", "2015-03-07"),
    ("birth_date", "2015.3.7", "2015-03-07"),
    ("birth_date", "20150307", "2015-03-07"),
    ("birth_date", 20150307, "2015-03-07"),
    ("birth_date", "2015年3月7日", "2015-03-07"),
    ("birth_date", "2015-03-07 00:00:00", "2015-03-07"),
    ("birth_date", 42070, "2015-03-07"),       # Excel serial
    ("birth_date", 42070.0, "2015-03-07"),
    ("birth_date", "42070", "2015-03-07"),
    ("birth_date", datetime(2015, 3, 7, 0, 0), "2015-03-07"),
    ("birth_date", date(2015, 3, 7), "2015-03-07"),
    ("birth_date", "２０１５－０３－０７", "2015-03-07"),
    # 入学年月
    ("enrol_date", "202209", "202209"),
    ("enrol_date", 202209, "202209"),
    ("enrol_date", "2022-09", "202209"),
    ("enrol_date", "2022-9", "202209"),
    ("enrol_date", "2022/09", "202209"),
    ("enrol_date", "2022年9月", "202209"),
    ("enrol_date", "2022-09-01", "202209"),
    ("enrol_date", datetime(2022, 9, 1), "202209"),
    ("enrol_date", 44805, "202209"),            # Excel turned "2022-09" into a date serial (2022-09-01)
    # ID numbers
    ("id_number", "11010519491231002x", "11010519491231002X"),
    ("id_number", " 1101 0519 4912 3100 2X ", "11010519491231002X"),
    ("id_number", "１１０１０５１９４９１２３１００２ｘ", "11010519491231002X"),
    ("id_number", "'11010519491231002X", "11010519491231002X"),
    ("id_number", "h12345678", "H12345678"),
    ("id_number", "110105-19491231-002X", "11010519491231002X"),
    # phones, postcodes, regions, text
    ("phone", "138 1234 5678", "13812345678"),
    ("phone", "+86 13812345678", "13812345678"),
    ("phone", 13812345678.0, "13812345678"),
    ("phone", "0351 4041234", "0351-4041234"),
    ("phone", "(0351)4041234", "0351-4041234"),
    ("phone", "０３５１－４０４１２３４", "0351-4041234"),
    ("postcode", 30001, "030001"),
    ("postcode", "030001", "030001"),
    ("birthplace", "140106", "140106000000"),
    ("birthplace", 140106000000, "140106000000"),
    ("name", "  张三 ", "张三"),
    ("current_address", "双塔西街３８号（北院）", "双塔西街38号（北院）"),
])
def test_normalises(key, raw, expected):
    value, issue = normalize_value(field(key), raw)
    assert issue is None, issue
    assert value == expected


@pytest.mark.parametrize(("key", "raw", "code"), [
    ("left_behind", "2-单亲留守儿童", "code.mismatch"),
    ("left_behind", "留守", "code.unknown"),
    ("gender", "男生女生", "code.unknown"),
    ("ethnicity", "99", "code.unknown"),
    ("birth_date", "2015-02-30", "date.format"),
    ("birth_date", "2015年13月1日", "date.format"),
    ("birth_date", "三月七日", "date.format"),
    ("enrol_date", "202213", "yearmonth.format"),
    ("enrol_date", "九月", "yearmonth.format"),
    ("enrol_date", 2020.1, "yearmonth.ambiguous"),   # 2020.1 or 2020.10 with the zero dropped by Excel
    ("enrol_date", 2020.13, "yearmonth.format"),
    ("enrol_date", 2020, "yearmonth.format"),        # a year without its month
    ("enrol_date", 2020.0, "yearmonth.format"),      # the same, as calamine reads a number cell
    ("id_number", "1.10105E+17", "id.excel_number"),
    ("id_number", 1.1010519491231002e17, "id.excel_number"),
])
def test_unparseable_values_are_kept_and_reported(key, raw, code):
    value, issue = normalize_value(field(key), raw)
    assert issue is not None and issue.code == code and issue.severity == "error"
    assert issue.field == key
    assert SPEC.student_by_key[key].label in issue.message
    if isinstance(raw, str):
        assert value == raw  # kept verbatim: never lose what the user typed


@pytest.mark.parametrize(("raw", "expected"), [
    (2020.09, "202009"), (2019.12, "201912"), (202009, "202009"), (44075.0, "202009"),  # last: a date serial
])
def test_year_month_typed_into_a_number_cell(raw, expected):
    # Excel stores 2020.09 as the number 2020.09; read as a date serial it would silently become 1905-07.
    assert normalize_value(field("enrol_date"), raw) == (expected, None)


def test_empty_values_give_empty_string():
    for raw in (None, "", "   ", "\u3000"):
        assert normalize_value(field("gender"), raw) == ("", None)


def test_ambiguous_name_resolved_by_stage():
    f = field("enrol_mode")
    assert normalize_value(f, "其他", stage=1) == ("12", None)
    assert normalize_value(f, "其他", stage=2) == ("12", None)
    assert normalize_value(f, "其他", stage=3) == ("99", None)
    value, issue = normalize_value(f, "其他")
    assert value == "其他" and issue is not None and issue.code == "code.ambiguous"


def test_legacy_15_digit_id_upgraded_with_warning():
    value, issue = normalize_value(field("id_number"), "110105491231002")
    assert value == "11010519491231002X"
    assert issue is not None and issue.severity == "warning" and issue.code == "id.legacy15"


def test_normalize_record_members_and_unknown_keys():
    raw = {"name": " 李四 ", "gender": "女", "birth_date": "2015/3/7", "_row": 7,
           "members": [{"name": "李大", "relation": "父亲", "is_guardian": "是", "phone": "138 1234 5678"},
                       {"name": "王二", "relation": "妈妈?", "is_guardian": "否"}]}
    record, issues = normalize_record(raw)
    assert record["name"] == "李四" and record["gender"] == "2" and record["birth_date"] == "2015-03-07"
    assert record["_row"] == 7
    assert record["members"][0] == {"name": "李大", "relation": "1", "is_guardian": "1", "phone": "13812345678"}
    assert record["members"][1]["relation"] == "妈妈?"  # kept verbatim
    assert [(i.field, i.code) for i in issues] == [("members.1.relation", "code.unknown")]
    assert issues[0].message.startswith("家庭成员2关系")
    assert raw["gender"] == "女"  # input not modified


def test_lossy_alias_accepted_with_warning():
    value, issue = normalize_value(field("political_status"), "少先队员")
    assert value == "13"
    assert issue is not None and issue.severity == "warning" and issue.code == "code.lossy"


def test_member_address_same_as_student_is_written_out():
    raw = {"household_address": "太原市迎泽区双塔西街38号", "members": [{"household_address": "同上"},
                                                                 {"household_address": "同上"}]}
    raw["members"][1]["household_address"] = "无"
    record, issues = normalize_record(raw)
    assert record["members"][0]["household_address"] == "太原市迎泽区双塔西街38号"
    assert [(i.field, i.severity, i.code) for i in issues] == [
        ("members.0.household_address", "warning", "address.same_as_student")]
    assert record["members"][1]["household_address"] == "无"  # not a reference: left for the engine to flag
