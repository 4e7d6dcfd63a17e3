"""ID documents: resident ID (18 and 15 digits), residence permits, passes, passports."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xueji_desktop.validation.ids import check_digit, check_id, upgrade_15
from xueji_desktop.validation.regions import county_spans

TODAY = date(2026, 11, 22)


def make(area: str, birth: date, seq: int) -> str:
    body = f"{area}{birth:%Y%m%d}{seq:03d}"
    return body + check_digit(body)


# County codes in use today (checked against the dataset below, so the list cannot silently rot).
ACTIVE = ["110101", "110108", "120101", "140105", "140106", "140121", "310101", "320102", "330106", "370102",
          "420102", "440103", "440305", "500101", "510104", "530102", "610113", "650102", "810000", "820000"]


def test_active_areas_are_active():
    for a in ACTIVE[:-2]:
        spans = county_spans(a)
        assert spans and any(s.end is None and (s.start or 0) <= 2000 for s in spans), a


def _mod11(body17: str) -> str:
    """body + its GB 11643 MOD 11-2 character (the GB's own vector 11010519491231002X is tested above)."""
    from xueji_desktop.validation.ids import check_digit

    return body17 + check_digit(body17)


def _wrong(char: str) -> str:
    return "1" if char != "1" else "2"


def _hk(letters: str, digits: str) -> str:
    from xueji_desktop.validation.ids import _hkid_check

    return _hkid_check(letters, digits)


@pytest.mark.parametrize(("number", "id_type", "code"), [
    ("11010519491231002X", "1", None),
    ("11010519491231002x", "1", None),
    (" 110105 19491231 002X", "1", None),
    ("110105194912310021", "1", "id.checksum"),
    ("11010519491231002", "1", "id.length"),
    ("1101051949123100211", "1", "id.length"),
    ("11010519491231A02X", "1", "id.format"),
    ("110105491231002", "1", "id.legacy15"),            # not normalised: must be upgraded first
    ("110105490231002", "1", "id.birth_date"),          # 15 digits, 1949-02-31
    (make("110105", date(2015, 2, 28), 12)[:10] + "0230" + "012" + "0", "1", "id.birth_date"),
    (make("110105", date(2030, 1, 1), 11), "1", "id.birth_future"),
    (make("999999", date(2015, 3, 7), 11), "1", "id.area"),
    (make("220181", date(2020, 3, 7), 11), "1", "id.area_retired"),   # 九台市 until 2014
    (make("220181", date(2010, 3, 7), 11), "1", None),
    (make("140106", date(1975, 3, 7), 11), "1", "id.area_not_yet"),  # code from 1997: not for a 1975 birth …
    (make("810000", date(2012, 5, 1), 11), "1", None),   # 港澳台居民居住证 as 居民身份证
    (make("830000", date(2012, 5, 1), 11), "8", None),   # stdnum rejects 830000; the permit is real
    (make("830000", date(2012, 5, 1), 11), "6", "id.type_mismatch"),
    (make("110105", date(2015, 3, 7), 11), "B", None),   # 户口簿 carries the same number
    ("H12345678", "6", None),
    ("H1234567801", "6", None),
    ("A123456(3)", "6", None),
    ("A1234563", "6", None),
    ("A123456(4)", "6", "id.checksum"),                    # 香港身份证 check character
    ("M12345678", "6", "id.type_mismatch"),
    ("H12345", "6", "id.format"),
    ("M12345678", "7", None),
    ("1234567(8)", "7", None),
    ("H12345678", "7", "id.type_mismatch"),
    ("12345678", "8", None),
    ("1234567890(B)", "8", None),
    ("1234567", "8", "id.format"),
    # 台湾身份证 under the Taiwan permit type. A123456789 is the 內政部戶政司 / zh.wikipedia
    # (中華民國國民身分證) worked example; the others change one digit (the sum mod 10 then fails).
    ("A123456789", "8", None),
    ("a123456789", "8", None),
    ("A123456788", "8", "id.checksum"),
    ("A123456780", "8", "id.checksum"),
    ("A3234567890", "8", "id.format"),
    # old 台胞证 booklets: 8 or 10 digits, a letter in brackets on some
    ("1234567890", "8", None),
    ("12345678(B)", "8", None),
    ("123456789", "8", "id.format"),
    # 香港身份证 with brackets, full-width too; A123456(3) is the HKSAR Immigration Department's example
    ("A123456（3）", "6", None),
    ("AB987654(A)", "6", None if _hk("AB", "987654") == "A" else "id.checksum"),
    ("A123456(A)", "6", "id.checksum"),
    # 外国人永久居留身份证 (境外永久居住证). 2017: 3-letter GB/T 2659 code + 12 digits (国家移民管理局 2017 版);
    # 2023: 18 digits starting with 9, GB 11643 MOD 11-2 check character (《新版外国人永久居留身份证机读信息规则
    # (2023版)》: "最后一位采用 MOD11-2 算法设置为校验码，与公民身份号码校验方式相同").
    ("USA110077070012", "9", None),
    ("usa110077070012", "9", None),
    ("ZZZ110077070012", "9", "id.format"),            # no such country code
    ("USA11007707001", "9", "id.format"),
    (_mod11("91115619870715001"), "9", None),
    (_mod11("91115619870715001")[:17] + _wrong(_mod11("91115619870715001")[17]), "9", "id.checksum"),
    ("11010519491231002X", "9", "id.type_mismatch"),    # a 居民身份证 number is not a permanent-residence ID
    ("E12345678", "A", None),
    ("G1234567", "A", None),
    ("护照123456", "A", "id.format"),
    ("11010519491231002X", "A", "id.type_mismatch"),
    ("军字第123456号", "2", None),
    ("", "1", None),                                       # empty: "required" is the engine's rule
    ("whatever-it-is", "Z", None),
    ("X" * 31, "Z", "id.length"),
])
def test_check_id(number, id_type, code):
    result = check_id(number, id_type, today=TODAY)
    codes = [i.code for i in result.issues]
    assert codes == ([code] if code else [])
    assert all(i.field == "id_number" and i.code.startswith("id.") for i in result.issues)


def test_adults_may_carry_codes_created_after_their_birth():
    # … unless the holder is an adult registered later (first ID cards: 1985), as for family members
    assert check_id(make("140106", date(1975, 3, 7), 11), "1", today=TODAY, strict_area=False).ok
    assert not check_id(make("220181", date(2020, 3, 7), 11), "1", today=TODAY, strict_area=False).ok


def test_checksum_message_names_the_right_digit():
    result = check_id("110105194912310021", "1", today=TODAY)
    assert result.issues[0].message.startswith("身份证件号校验位错误：最后一位应为 X，请核对证件")


def test_birth_and_gender_from_number():
    r = check_id("11010519491231002X", "1", today=TODAY)
    assert r.ok and r.birth_date == date(1949, 12, 31) and r.gender == "2"
    r = check_id(make("140106", date(2015, 3, 7), 13), "1", today=TODAY)
    assert r.birth_date == date(2015, 3, 7) and r.gender == "1"


def test_member_label_and_field():
    r = check_id("110105194912310021", "1", today=TODAY, field="members.1.id_number", label="家庭成员2身份证件号")
    assert r.issues[0].field == "members.1.id_number" and r.issues[0].message.startswith("家庭成员2身份证件号")


def test_upgrade_15():
    assert upgrade_15("110105491231002") == "11010519491231002X"
    assert upgrade_15("110105490231002") is None  # 1949-02-31
    assert upgrade_15("11010549123100") is None


births = st.dates(min_value=date(2000, 1, 1), max_value=TODAY)  # every ACTIVE code exists since 2000
adult_births = st.dates(min_value=date(1950, 1, 1), max_value=TODAY)


@settings(max_examples=60, deadline=None)
@given(area=st.sampled_from(ACTIVE), birth=births, seq=st.integers(0, 999), adult=adult_births)
def test_every_generated_valid_id_passes(area, birth, seq, adult):
    number = make(area, birth, seq)
    r = check_id(number, "1", today=TODAY)
    assert r.ok, r.issues
    assert check_id(make(area, adult, seq), "1", today=TODAY, strict_area=False).ok
    assert r.birth_date == birth and r.gender == ("1" if seq % 2 else "2")
    assert check_id(number.lower(), "", today=TODAY).ok  # type guessed from the shape, x accepted


@settings(max_examples=40, deadline=None)
@given(area=st.sampled_from(ACTIVE), birth=births, seq=st.integers(0, 999))
def test_every_single_character_change_fails(area, birth, seq):
    # MOD 11-2: the weights 2^k mod 11 are never 0 and 11 is prime, so changing one digit by 1..9 always
    # changes the sum mod 11; changing the check character breaks equality; an X in the body breaks the format.
    number = make(area, birth, seq)
    for pos in range(18):
        for ch in "0123456789X":
            if ch == number[pos]:
                continue
            changed = number[:pos] + ch + number[pos + 1:]
            assert not check_id(changed, "1", today=TODAY).ok, (number, changed)


@settings(max_examples=30, deadline=None)
@given(birth=st.dates(min_value=date(1901, 1, 1), max_value=date(1999, 12, 31)), seq=st.integers(0, 999))
def test_legacy_15_upgrade_is_valid_18(birth, seq):
    legacy = f"140121{birth:%y%m%d}{seq:03d}"
    upgraded = upgrade_15(legacy)
    assert upgraded is not None and check_id(upgraded, "1", today=TODAY).ok


def test_future_birth_even_one_day():
    assert check_id(make("110105", TODAY + timedelta(days=1), 11), "1", today=TODAY).issues[0].code == "id.birth_future"
    assert check_id(make("110105", TODAY, 11), "1", today=TODAY).ok
