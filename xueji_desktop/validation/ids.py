"""ID documents (身份证件): format, check digit, birth date and birthplace.

* 居民身份证 (GB 11643-1999): 6-digit area + 8-digit birth date + 3-digit sequence (odd = male) + ISO 7064
  MOD 11-2 check character. ``stdnum.cn.ric`` computes the check digit; we wrap it because it rejects
  15-digit numbers and the 830000 prefix, accepts birth dates in the future, and rejects area codes that
  came into use after the birth year (valid for people registered late, e.g. everyone born before 1985).
* 15-digit legacy numbers (YYMMDD of 19YY, no check digit) are upgraded to 18 digits with a warning.
* 港澳台居民居住证: same layout and checksum with area 810000 / 820000 / 830000.
* 港澳居民来往内地通行证 (H/M + 8 digits [+ 2-digit renewal count]), passports and other documents: by format
  only. Like python-stdnum we prefer accepting an odd but possible number to rejecting a real one: a false
  error blocks a school's whole submission.
* Check characters python-stdnum (2.2, the newest) does not have, written out from their published rules:
  - 香港身份证 A123456(3): weights 9..2 over [space/letter]+letter+6 digits, mod 11, 10 → A (HKSAR
    Immigration Department; the worked example A123456(3) is the one the department and Wikipedia print);
  - 台湾身份证 (中華民國國民身分證統一編號) A123456789: letter → 10..35 in the order
    ABCDEFGHJKLMNPQRSTUVXYWZIO, weights 1,9,8,…,1,1, sum mod 10 = 0 (內政部戶政司 rule; A123456789 is its
    printed example), accepted where the document type is the Taiwan permit (8);
  - 台湾居民来往大陆通行证 (8): 8 digits since 2015; older booklets 8 or 10 digits, possibly with a letter in
    brackets (1234567890(B)): accepted as such, by shape;
  - 外国人永久居留身份证 (境外永久居住证, 9): the 2017 card's 15 characters (3-letter GB/T 2659 country code +
    12 digits) by shape and country code; the 2023 card's 18 digits start with 9 and end with the GB 11643
    MOD 11-2 check character (国家移民管理局《新版外国人永久居留身份证机读信息规则(2023版)》), checked with
    stdnum.cn.ric's digit.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from typing import NamedTuple

from stdnum.cn import ric

from .issues import ERROR, WARNING, Issue
from .regions import RESIDENCE_PERMIT_AREAS, county_spans, retired_before, started_after
from .spec import load_spec

RESIDENT_TYPES = frozenset({"1", "B"})  # 户口簿 carries the same 公民身份号码
ID_TYPE_NAMES = {
    "1": "居民身份证", "2": "军官证", "3": "士兵证", "4": "文职干部证", "5": "部队离退休证",
    "6": "香港特区护照/身份证明", "7": "澳门特区护照/身份证明", "8": "台湾居民来往大陆通行证",
    "9": "境外永久居住证", "A": "护照", "B": "户口簿", "Z": "其他",
}
# Which residence-permit prefix fits which document type (the permit is also accepted as type 1).
PERMIT_TYPE = {"810000": "6", "820000": "7", "830000": "8"}

_RESIDENT = re.compile(r"^\d{17}[\dX]$")
_FORMATS: dict[str, tuple[re.Pattern[str], str]] = {
    # type: (accepted numbers, what to write)
    "6": (re.compile(r"^(?:H\d{8}(?:\d{2})?|[A-Z]{1,2}\d{6}\(?[\dA]\)?|K\d{8})$"),
          "港澳居民来往内地通行证号为 H 加 8 位数字（如 H12345678，新证可再加 2 位），香港身份证号如 A123456(3)，"
          "特区护照为 K 加 8 位数字"),
    "7": (re.compile(r"^(?:M\d{8}(?:\d{2})?|[1578]\d{6}\(?\d\)?|MA\d{7})$"),
          "港澳居民来往内地通行证号为 M 加 8 位数字（如 M12345678，新证可再加 2 位），澳门身份证号如 1234567(8)，"
          "特区护照为 MA 加 7 位数字"),
    "8": (re.compile(r"^(?:\d{8}(?:\(?[A-Z]\)?)?|\d{10}(?:\(?[A-Z]\)?)?|[A-Z][12]\d{8})$"),
          "台湾居民来往大陆通行证号为 8 位数字（旧证为 8 或 10 位数字，可带括号内 1 个字母，如 1234567890(B)），"
          "台湾身份证号为 1 个字母加 9 位数字（如 A123456789）"),
    "9": (re.compile(r"^(?:[A-Z]{3}\d{12}|9\d{16}[\dX])$"),
          "外国人永久居留身份证号为 15 位（2017 版：3 个字母的国家代码加 12 位数字，如 USA110077070012）"
          "或 18 位（2023 版：以 9 开头的 17 位数字加 1 位校验位）"),
    "A": (re.compile(r"^[A-Z0-9]{5,17}$"), "护照号码为 5–17 位字母或数字，如 E12345678"),
}
_MAX_OTHER = 30
_HKID = re.compile(r"^([A-Z]{1,2})(\d{6})\(?([\dA])\)?$")
_TWID = re.compile(r"^[A-Z][12]\d{8}$")
_TW_LETTERS = "ABCDEFGHJKLMNPQRSTUVXYWZIO"  # → 10, 11, … 35 (the order of the 內政部 table, not A–Z)


def tw_id_valid(number: str) -> bool:
    """台湾身份证 (1 letter + 1 or 2 + 8 digits) check: letter as two digits, weights 1,9,8,…,1,1, sum mod 10 = 0."""
    n = _TW_LETTERS.index(number[0]) + 10
    digits = [n // 10, n % 10, *map(int, number[1:])]
    return sum(d * w for d, w in zip(digits, (1, 9, 8, 7, 6, 5, 4, 3, 2, 1, 1), strict=True)) % 10 == 0


def _permanent_residence_problem(number: str) -> str | None:
    """Why a 外国人永久居留身份证 number (already of the right shape) cannot be right, or None."""
    if len(number) == 18:
        expected = check_digit(number[:17])
        return None if number[17] == expected else f"校验位错误：最后一位应为 {expected}"
    if number[:3] not in load_spec().codes["country"].by_code:
        return f"前 3 个字母 {number[:3]} 不是国家或地区代码（GB/T 2659，如 USA、KOR）"
    return None


def _hkid_check(letters: str, digits: str) -> str:
    """Hong Kong identity card check character (weights 9..2 over [space]+letters+digits, mod 11).

    No library on PyPI we rely on covers it; the algorithm is the published one of the HKSAR card.
    """
    values = [36 if len(letters) == 1 else ord(letters[0]) - 55, ord(letters[-1]) - 55, *map(int, digits)]
    remainder = sum(v * w for v, w in zip(values, range(9, 1, -1), strict=True)) % 11
    check = (11 - remainder) % 11
    return "A" if check == 10 else str(check)


class IdResult(NamedTuple):  # a NamedTuple: built three times per record on a 200,000-row import
    number: str                      # normalised (upper case, no spaces)
    issues: tuple[Issue, ...] = ()
    birth_date: date | None = None   # for 居民身份证 / 居住证 numbers
    gender: str | None = None        # "1" 男 / "2" 女, from the sequence number

    @property
    def ok(self) -> bool:
        return not any(i.severity == ERROR for i in self.issues)


def check_digit(body17: str) -> str:
    """ISO 7064 MOD 11-2 check character for the first 17 digits (via python-stdnum)."""
    return ric.calc_check_digit(body17 + "0")  # stdnum expects a placeholder check digit


@lru_cache(maxsize=65536)
def _area_problem(area: str, year: int, strict: bool) -> tuple[str, str] | None:
    """(issue code, message tail) when ``area`` cannot be the birthplace code of someone born in ``year``."""
    if area in RESIDENCE_PERMIT_AREAS:
        return None
    if not county_spans(area):
        return "id.area", f"前 6 位 {area} 不是有效的行政区划代码（GB/T 2260），请核对证件。"
    gone = retired_before(area, year)
    if gone is not None:
        return "id.area_retired", (f"前 6 位 {area}（{gone.name}）在 {gone.end} 年已撤销，"
                                   f"不会分配给 {year} 年出生的人，请核对证件。")
    late = started_after(area, year) if strict else None
    if late is not None:
        return "id.area_not_yet", (f"前 6 位 {area}（{late.name}）{late.start} 年才启用，"
                                   f"与 {year} 年出生不符，请核对证件。")
    return None


def upgrade_15(number: str) -> str | None:
    """15-digit legacy number → 18 digits (insert "19", add the check digit); None if the date is not real."""
    if len(number) != 15 or not number.isdigit():
        return None
    try:
        date(1900 + int(number[6:8]), int(number[8:10]), int(number[10:12]))
    except ValueError:
        return None
    body = number[:6] + "19" + number[6:]
    return body + check_digit(body)


def _birth(number: str) -> date | None:
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


@lru_cache(maxsize=65536)
def _head_problem(head: str, today: date, strict_area: bool) -> date | tuple[str, str]:
    """The birth date in the first 14 characters of a resident ID (area + birth date), or (issue code, message
    tail) when they cannot be right. Cached: on an import, areas × birth dates repeat over many numbers."""
    birth = _birth(head)
    if birth is None:
        return "id.birth_date", f"第 7–14 位的出生日期 {head[6:14]} 不存在，请核对证件。"
    if birth > today:
        return "id.birth_future", f"中的出生日期 {birth.isoformat()} 晚于今天，请核对证件。"
    if birth.year < 1900:
        return "id.birth_date", f"中的出生年份 {birth.year} 不可能，请核对证件。"
    problem = _area_problem(head[:6], birth.year, strict_area)
    return birth if problem is None else problem


def _error(number: str, field: str, code: str, message: str) -> IdResult:
    return IdResult(number, (Issue(field, ERROR, code, message),))


def _resident(number: str, today: date, field: str, label: str, strict_area: bool) -> IdResult:
    if len(number) == 15 and number.isdigit():
        up = upgrade_15(number)
        if up is None:
            return _error(number, field, "id.birth_date",
                          f"{label}是 15 位旧号码，其中的出生日期 19{number[6:12]} 不存在，请核对证件。")
        return _error(number, field, "id.legacy15", f"{label}是 15 位旧号码，请改为 18 位新号码 {up}，并与证件核对。")
    if not _RESIDENT.match(number):
        if len(number) != 18:
            return _error(number, field, "id.length", f"{label}应为 18 位（17 位数字加最后一位数字或 X），"
                                                      f"现在是 {len(number)} 位，请核对证件。")
        return _error(number, field, "id.format", f"{label}只能由数字组成，最后一位可以是 X，请核对证件。")
    birth = _head_problem(number[:14], today, strict_area)
    if type(birth) is tuple:
        return _error(number, field, birth[0], label + birth[1])
    expected = check_digit(number[:17])
    if number[17] != expected:
        return _error(number, field, "id.checksum", f"{label}校验位错误：最后一位应为 {expected}，请核对证件"
                                                    "（前 17 位录错也会出现此提示）。")
    gender = "1" if int(number[16]) % 2 else "2"
    return IdResult(number, (), birth, gender)  # type: ignore[arg-type]  # a date here


_FULL_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}


def normalize_id(number: str) -> str:
    """Upper case, no spaces, full-width characters made half-width."""
    if number.isascii() and number.isalnum():
        return number.upper()  # the common case, ~10x cheaper
    return "".join(str(number).split()).upper().translate(_FULL_WIDTH)


def check_id(number: str, id_type: str | None = "1", *, today: date | None = None,
             field: str = "id_number", label: str = "身份证件号", strict_area: bool = True) -> IdResult:
    """Check ``number`` as a document of ``id_type`` (JY/T 1001 code; None/"" = guess from the shape).

    Returns the normalised number, its issues (codes ``id.*``) and, for resident-ID-style numbers, the
    birth date and gender they encode. An empty number gives no issue: "required" is the engine's rule.
    ``strict_area``: the birthplace code must have been in use in the birth year (as python-stdnum checks);
    pass False for adults, whose first registration was often years after birth (see regions.started_after).
    """
    today = today or date.today()
    if (id_type == "1" and type(number) is str and len(number) == 18 and number.isascii() and number.isalnum()
            and number[:6] not in RESIDENCE_PERMIT_AREAS):
        return _resident(number.upper(), today, field, label, strict_area)  # the common case, straight through
    number = normalize_id(str(number))
    if not number:
        return IdResult("")
    t = str(id_type or "").strip().upper()  # str: an unknown number typed in the type cell is kept as a number
    is_permit = len(number) == 18 and number[:6] in RESIDENCE_PERMIT_AREAS
    if is_permit and t in ("1", "6", "7", "8", ""):
        fits = PERMIT_TYPE[number[:6]]
        if t not in ("1", "", fits):
            return IdResult(number, (Issue(field, ERROR, "id.type_mismatch",
                                           f"{label}是{RESIDENCE_PERMIT_AREAS[number[:6]]}居民居住证号码，"
                                           f"身份证件类型应为“{ID_TYPE_NAMES[fits]}”或“居民身份证”，请核对。"),))
        return _resident(number, today, field, label, strict_area)
    if t in RESIDENT_TYPES or (t == "" and (_RESIDENT.match(number) or (len(number) == 15 and number.isdigit()))):
        return _resident(number, today, field, label, strict_area)
    if t in ("6", "7"):
        other = {"6": ("M", "7"), "7": ("H", "6")}[t]
        if re.match(rf"^{other[0]}\d{{8}}(\d{{2}})?$", number):
            return IdResult(number, (Issue(field, ERROR, "id.type_mismatch",
                                           f"{label} {number} 是{'澳门' if t == '6' else '香港'}居民的通行证号，"
                                           f"身份证件类型应为“{ID_TYPE_NAMES[other[1]]}”，请核对。"),))
    if t in _FORMATS:
        pattern, hint = _FORMATS[t]
        hk = _HKID.match(number) if t == "6" else None
        if hk is not None and _hkid_check(hk.group(1), hk.group(2)) != hk.group(3):
            return IdResult(number, (Issue(field, ERROR, "id.checksum",
                                           f"{label}（香港身份证）校验位错误：括号内应为 "
                                           f"{_hkid_check(hk.group(1), hk.group(2))}，请核对证件。"),))
        if t == "8" and _TWID.match(number) and not tw_id_valid(number):
            return IdResult(number, (Issue(field, ERROR, "id.checksum",
                                           f"{label}（台湾身份证）校验码不符：字母后的 9 位数字中有录错，请核对证件。"),
                                     ))
        if t == "9" and pattern.match(number):
            why = _permanent_residence_problem(number)
            if why:
                return IdResult(number, (Issue(field, ERROR, "id.checksum" if len(number) == 18 else "id.format",
                                               f"{label}（外国人永久居留身份证）{why}，请核对证件。"),))
        if not pattern.match(number):
            if _RESIDENT.match(number) and ric.is_valid(number):
                return IdResult(number, (Issue(field, ERROR, "id.type_mismatch",
                                               f"{label}是居民身份证号，身份证件类型应为“居民身份证”，请核对。"),))
            return IdResult(number, (Issue(field, ERROR, "id.format",
                                           f"{label}不符合“{ID_TYPE_NAMES[t]}”的格式：{hint}，请核对证件。"),))
        return IdResult(number)
    if len(number) > _MAX_OTHER:
        return IdResult(number, (Issue(field, ERROR, "id.length",
                                       f"{label}超过 {_MAX_OTHER} 个字符，请核对证件。"),))
    return IdResult(number)


def legacy_warning(field: str, label: str, upgraded: str) -> Issue:
    return Issue(field, WARNING, "id.legacy15", f"{label}是 15 位旧号码，已自动升级为 18 位 {upgraded}，请与证件核对。")
