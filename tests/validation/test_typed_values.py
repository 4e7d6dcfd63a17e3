"""Values as people type them: regions as names (山西省太原市小店区 → its code), names padded with spaces."""

from __future__ import annotations

import pytest

from xueji_desktop.validation import normalize_record, validate_student
from xueji_desktop.validation.normalize import normalize_value
from xueji_desktop.validation.regions import counties_named, full_name
from xueji_desktop.validation.spec import load_spec

REGION = load_spec().student_by_key["household_region"]


@pytest.mark.parametrize(("text", "code"), [
    ("山西省太原市小店区", "140105000000"),
    ("太原市小店区", "140105000000"),
    ("山西省小店区", "140105000000"),
    ("小店区", "140105000000"),
    ("小店区平阳路30号5单元", "140105000000"),       # an address: its county
    ("北京市朝阳区", "110105000000"),               # 直辖市: no prefecture between
    ("吉林省长春市朝阳区", "220104000000"),
    ("广东省东莞市", "441900000000"),               # a city without counties is the county level
    ("湖北省仙桃市", "429004000000"),               # 省直辖县级市
    ("  山西省太原市小店区 ", "140105000000"),
    ("140105", "140105000000"),                    # codes as before
    ("140105000000", "140105000000"),
])
def test_a_county_name_becomes_its_code(text, code):
    assert normalize_value(REGION, text) == (code, None)


def test_a_name_of_several_counties_names_them_and_keeps_the_text():
    value, issue = normalize_value(REGION, "朝阳区")
    assert value == "朝阳区" and issue.code == "region.ambiguous" and issue.severity == "error"
    assert "北京市朝阳区（110105）" in issue.message and "吉林省长春市朝阳区（220104）" in issue.message


@pytest.mark.parametrize("text", ["太原", "崇文区", "火星"])
def test_no_region_no_guess(text):
    """A name without its 市/省 (太原), a retired name (崇文区, merged in 2010), or no region at all."""
    assert counties_named(text.strip()) == frozenset()
    value, issue = normalize_value(REGION, text)
    assert value == text and issue is None  # the engine then says what the field needs


@pytest.mark.parametrize("key", ["native_place", "birthplace", "household_region"])
@pytest.mark.parametrize(("text", "code"), [
    ("安徽省合肥市", "340100000000"),    # the 籍贯 issue 22 saw rejected although 340100000000 was accepted
    ("合肥市", "340100000000"),
    ("山西省太原市", "140100000000"),
    ("安徽省", "340000000000"),
    ("北京市", "110000000000"),          # a 直辖市 is a province
    ("吉林市", "220200000000"),          # the city of 吉林, not the province
    ("吉林省", "220000000000"),
    ("340100", "340100000000"),          # the code at the same level: the same rule
    ("340000000000", "340000000000"),
])
def test_regions_above_the_county_are_accepted_as_names_and_as_codes(key, text, code):
    """籍贯, 出生地, 户口所在地: asked for at county level, accepted at city or province level too, written as
    a name or as its code (GB/T 2260), and the engine has nothing to say about either."""
    record, issues = normalize_record({key: text})
    assert record[key] == code and not issues
    assert not [i for i in validate_student(record) if i.field == key]


def test_the_engine_accepts_the_converted_code_and_explains_a_name_it_could_not_place():
    record, issues = normalize_record({"household_region": "太原市小店区", "birthplace": "太原"})
    assert record["household_region"] == "140105000000" and not issues
    messages = {i.field: i.message for i in validate_student(record)}
    assert "household_region" not in messages
    assert "或写明省、市、县" in messages["birthplace"]


def test_full_name_reads_from_the_province_down():
    assert full_name("140105") == "山西省太原市小店区"
    assert full_name("110105") == "北京市朝阳区"
    assert full_name("340100") == "安徽省合肥市" and full_name("340000") == "安徽省"


@pytest.mark.parametrize(("typed", "stored"), [
    ("王　明", "王明"),                # padded with an ideographic space to line up with three-character names
    ("欧阳 明明", "欧阳明明"),
    ("买买提.艾力", "买买提·艾力"),     # the interpunct the form asks for
    ("买买提 ・ 艾力", "买买提·艾力"),
    ("Zhang San", "Zhang San"),        # Latin names keep their spaces
    ("Li 明", "Li 明"),
])
def test_person_names_lose_alignment_spaces_and_get_the_interpunct(typed, stored):
    spec = load_spec()
    for field in (spec.student_by_key["name"], spec.member_by_key["name"], spec.student_by_key["former_name"]):
        assert normalize_value(field, typed) == (stored, None)
    record, issues = normalize_record({"name": typed, "members": [{"name": typed}]})
    assert record["name"] == record["members"][0]["name"] == stored and not issues


@pytest.mark.parametrize(("study_mode", "is_boarder", "stored"), [
    ("住校", None, "1"), ("走读", "", "0"), ("寄宿", None, "1"),
    ("走读", "是", "1"),       # a value given stays (the clerk's word)
    (None, None, None),        # nothing to go by: 是否寄宿生 stays missing
])
def test_boarder_follows_study_mode_when_left_empty(study_mode, is_boarder, stored):
    raw = {k: v for k, v in (("study_mode", study_mode), ("is_boarder", is_boarder)) if v is not None}
    record, _ = normalize_record(raw)
    assert record.get("is_boarder") == stored


@pytest.mark.parametrize(("given", "filled"), [
    ({}, {"birth_date": "2020-07-30", "gender": "1"}),
    ({"id_type": "居民身份证"}, {"birth_date": "2020-07-30", "gender": "1"}),
    ({"gender": "女"}, {"birth_date": "2020-07-30", "gender": "2"}),  # a given value stays (the engine compares)
    ({"birth_date": "2020-07-31", "gender": "男"}, {"birth_date": "2020-07-31", "gender": "1"}),
    ({"id_type": "护照"}, {}),                                          # not a resident ID
])
def test_birth_date_and_gender_come_from_a_valid_resident_id_when_left_empty(given, filled):
    record, _ = normalize_record({"id_number": "140105202007305792", **given})
    assert {k: record.get(k) for k in ("birth_date", "gender") if record.get(k)} == filled


def test_an_id_with_an_error_fills_nothing():
    record, _ = normalize_record({"id_number": "140105202007305793"})  # wrong check digit
    assert "birth_date" not in record and "gender" not in record
