"""Turn values as people type them (or as Excel stores them) into the canonical record format.

Canonical: code-table fields hold CODES ("1", "01", "CHN"), dates "YYYY-MM-DD", 入学年月 "YYYYMM",
ID numbers upper-case without spaces, region codes 12 digits. Accepted input, for example:

* options by code, by name, by an accepted alias, or both: ``1``, ``单亲留守儿童``, ``1-单亲留守儿童``,
  ``1 单亲留守儿童``, ``单亲留守儿童(1)``; Excel-stripped leading zeros (民族 ``1`` → ``01``);
* dates ``2015-03-07``, ``2015/3/7``, ``2015.3.7``, ``20150307``, ``2015年3月7日``, Excel serials, date objects;
* full-width digits and letters (``２０１５``, ``ｘ``), surrounding spaces, a leading ``'`` (Excel text marker).

A value that cannot be normalised is KEPT VERBATIM (never lost) and reported as an error :class:`Issue`
that names the field and the fix. Checking canonical values (ranges, check digits, cross-field rules) is
the engine's job, not this module's.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from .ids import upgrade_15
from .issues import ERROR, WARNING, Issue
from .spec import CodeTable, Field, load_spec

# Full-width ASCII (U+FF01..U+FF5E) → ASCII, ideographic space → space. Text fields only get digits and
# letters converted: their full-width punctuation (（）、，) is what Chinese writers intend.
_FULL_ALL = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_FULL_ALNUM = {cp: cp - 0xFEE0 for r in ((0xFF10, 0xFF1A), (0xFF21, 0xFF3B), (0xFF41, 0xFF5B)) for cp in range(*r)}
_FULL_ALNUM[0x3000] = 0x20
_WS = re.compile(r"\s+")

_TIME = r"(?:[T\s]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"  # "2015-03-07 00:00:00" from a datetime cell
_DATE_SEP = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?" + _TIME + "$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_SERIAL = re.compile(r"^(\d{4,5})(?:\.0+)?$")
_YM_SEP = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?(?:[-/.]\s*\d{1,2}\s*日?)?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$")
_YM_COMPACT = re.compile(r"^(\d{4})(\d{2})(?:\d{2})?$")
_SCIENTIFIC = re.compile(r"^\d(?:\.\d+)?E\+?\d+$")
# matched against the lookup key (spaces removed, upper case): "1-单亲留守儿童", "1单亲留守儿童", "单亲留守儿童(1)"
_CODE_FIRST = re.compile(r"^([0-9A-Z]{1,3})[-_:.、]?([^-_:.、0-9A-Z].*)$")
_CODE_LAST = re.compile(r"^(.+?)\(([0-9A-Z]{1,3})\)$")
_LANDLINE_SPACED = re.compile(r"^\(?(0\d{2,3})\)?[\s\-－—]*(\d{7,8})(?:[\s\-－—]*(?:转|ext\.?|-)\s*(\d{1,6}))?$")
_MOBILE_PREFIX = re.compile(r"^(?:\+?86|0086)[\s\-]*(1\d{10})$")

_EXCEL_EPOCH = date(1899, 12, 30)  # Excel's 1900 date system, past its fictitious 1900-02-29


def half_width(text: str) -> str:
    """Full-width ASCII characters → half-width (ｘ → x, ２ → 2, （ → ()."""
    return text.translate(_FULL_ALL)


def _text_of(raw: Any) -> str:
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw)


def _empty(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _json_safe(raw: Any) -> Any:
    """What is kept in the record when normalising fails: the raw value, as JSON can store it."""
    if raw is None or isinstance(raw, (str, int, bool)):
        return raw
    if isinstance(raw, float):
        return int(raw) if raw.is_integer() else raw
    return str(raw)


# ---- code tables ------------------------------------------------------------------------------------

def _key(text: str) -> str:
    return _WS.sub("", half_width(text)).upper()


@cache
def _lookup(table_name: str) -> dict[str, tuple[str, ...]]:
    """Every accepted spelling of a table's entries → candidate codes (built once per table)."""
    table = load_spec().codes[table_name]
    out: dict[str, tuple[str, ...]] = {}

    def add(spelling: str, code: str) -> None:
        k = _key(spelling)
        if code not in out.get(k, ()):
            out[k] = (*out.get(k, ()), code)

    for name, codes in table.by_name.items():
        for code in codes:
            add(name, code)
            if table_name == "ethnicity" and name.endswith("族") and len(name) >= 2:
                add(name[:-1], code)  # 汉 → 汉族, 蒙古 → 蒙古族
    for code in table.by_code:
        out[_key(code)] = (code,)  # a code always means itself, even if it is also some name
    # Excel strips leading zeros from numeric cells: 民族 "1" means "01", 港澳台侨外 "0" means "00".
    for code in table.by_code:
        if code.isdigit() and code.lstrip("0") != code:
            out.setdefault(code.lstrip("0") or "0", (code,))
    return out


def _resolve(table: CodeTable, codes: tuple[str, ...], stage: int | None) -> tuple[str, ...]:
    if len(codes) > 1 and stage is not None and table.stages:
        fit = tuple(c for c in codes if stage in table.stages.get(c, (stage,)))
        if fit:
            return fit
    return codes


def _choices(table: CodeTable) -> str:
    names = table.names()
    if len(names) > 12:
        return "、".join(names[:6]) + " 等"
    return "、".join(names)


def _code_value(f: Field, raw: Any, stage: int | None, path: str, label: str) -> tuple[Any, Issue | None]:
    table = load_spec().codes[f.codes]  # type: ignore[index]
    lookup = _lookup(f.codes)  # type: ignore[arg-type]
    text = _text_of(raw).strip()
    k = _key(text)
    codes = lookup.get(k)
    if codes is None:
        # "1-单亲留守儿童", "1 单亲留守儿童", "单亲留守儿童(1)": code and name must agree
        m = _CODE_FIRST.match(k)
        pair = (m.group(1), m.group(2)) if m else None
        if pair is None:
            m = _CODE_LAST.match(k)
            pair = (m.group(2), m.group(1)) if m else None
        if pair is not None:
            by_code = lookup.get(pair[0])
            by_name = lookup.get(pair[1])
            if by_code and len(by_code) == 1 and by_code[0] in table.by_code:
                if by_name is not None and by_code[0] in by_name:
                    return by_code[0], None
                return _json_safe(raw), Issue(
                    path, ERROR, "code.mismatch",
                    f"{label}“{text}”前后不一致：代码 {by_code[0]} 是“{table.by_code[by_code[0]]}”，"
                    "请核对后只填写正确的名称。")
    if codes is None:
        return _json_safe(raw), Issue(path, ERROR, "code.unknown",
                                      f"{label}“{text}”不在代码表中，请填写：{_choices(table)}。")
    codes = _resolve(table, codes, stage)
    if len(codes) > 1:
        options = "、".join(f"{c}" for c in codes)
        return _json_safe(raw), Issue(path, ERROR, "code.ambiguous",
                                      f"{label}“{text}”可能是代码 {options}：请选择班级所在学段，或直接填写代码。")
    return codes[0], None


# ---- dates ------------------------------------------------------------------------------------------

def _serial_date(n: float) -> date | None:
    if 1 <= n < 73051:  # up to 2099-12-31; older/later serials are not dates people enter here
        return _EXCEL_EPOCH + timedelta(days=int(n))
    return None


def parse_date(raw: Any) -> date | None:
    """A date from any accepted spelling, or None."""
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float)):
        if isinstance(raw, float) and not raw.is_integer():
            raw = int(raw)  # a datetime serial: the fraction is the time of day
        n = int(raw)
        if 19000101 <= n <= 29991231:
            raw = str(n)
        else:
            return _serial_date(n)
    text = half_width(str(raw)).strip()
    m = _DATE_SEP.match(text) or _DATE_COMPACT.match(text)
    if m:
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return None
    m = _SERIAL.match(text)
    if m:
        return _serial_date(int(m.group(1)))
    return None


def _date_value(raw: Any, path: str, label: str) -> tuple[Any, Issue | None]:
    if isinstance(raw, str) and len(raw) == 10 and raw[4] == "-" and raw[7] == "-":  # fast path: canonical
        try:
            date.fromisoformat(raw)
            return raw, None
        except ValueError:
            pass
    d = parse_date(raw)
    if d is None:
        return _json_safe(raw), Issue(path, ERROR, "date.format", f"{label}“{_text_of(raw).strip()}”不是有效日期，"
                                      "请按 YYYY-MM-DD 填写，如 2015-03-07。")
    return d.isoformat(), None


def parse_yearmonth(raw: Any) -> tuple[int, int] | None:
    if isinstance(raw, (date, datetime)):
        return raw.year, raw.month
    if isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float)):
        n = int(raw)
        if 100000 <= n <= 999999 or 10000000 <= n:
            raw = str(n)
        else:
            d = _serial_date(n)
            return (d.year, d.month) if d else None
    text = half_width(str(raw)).strip()
    m = _YM_SEP.match(text) or _YM_COMPACT.match(text)
    if m:
        y, mo = int(m.group(1)), int(m.group(2))
        return (y, mo) if 1 <= mo <= 12 else None
    d = parse_date(text)
    return (d.year, d.month) if d else None


def _yearmonth_value(raw: Any, path: str, label: str) -> tuple[Any, Issue | None]:
    ym = parse_yearmonth(raw)
    if ym is None:
        return _json_safe(raw), Issue(path, ERROR, "yearmonth.format",
                                      f"{label}“{_text_of(raw).strip()}”格式不对，请按 YYYYMM 填写年和月，如 202209。")
    return f"{ym[0]:04d}{ym[1]:02d}", None


# ---- identifiers, phones, postcodes, regions ----------------------------------------------------------

def _id_value(raw: Any, path: str, label: str) -> tuple[Any, Issue | None]:
    if isinstance(raw, float) and (not raw.is_integer() or raw >= 2 ** 53):
        return _json_safe(raw), Issue(path, ERROR, "id.excel_number",
                                      f"{label}被 Excel 存成了数字（{raw:.0f}），末几位已丢失：请把该列设为文本格式，"
                                      "重新录入完整号码。")
    text = _WS.sub("", half_width(_text_of(raw))).lstrip("'").upper()
    if _SCIENTIFIC.match(text):
        return _json_safe(raw), Issue(path, ERROR, "id.excel_number",
                                      f"{label}“{text}”被 Excel 变成了科学计数法，末几位已丢失：请把该列设为文本格式，"
                                      "重新录入完整号码。")
    if len(text) == 15 and text.isdigit():
        upgraded = upgrade_15(text)
        if upgraded is not None:
            return upgraded, Issue(path, WARNING, "id.legacy15",
                                   f"{label}是 15 位旧号码，已自动升级为 18 位 {upgraded}，请与证件核对。")
    return text, None


def _phone_value(raw: Any) -> str:
    text = half_width(_text_of(raw)).strip()
    m = _LANDLINE_SPACED.match(text)
    if m:
        return f"{m.group(1)}-{m.group(2)}" + (f"-{m.group(3)}" if m.group(3) else "")
    compact = _WS.sub("", text)
    m = _MOBILE_PREFIX.match(compact)
    if m:
        return m.group(1)
    digits = compact.replace("-", "")
    if len(digits) == 11 and digits.isdigit() and digits[0] == "1":
        return digits  # 138-1234-5678
    return compact


def _postcode_value(raw: Any) -> str:
    if isinstance(raw, (int, float)) and not isinstance(raw, bool) and 0 <= raw < 1_000_000 and float(raw).is_integer():
        return f"{int(raw):06d}"  # Excel drops the leading zero of 030001
    return _WS.sub("", half_width(_text_of(raw)))


def _region_value(raw: Any) -> str:
    text = _WS.sub("", half_width(_text_of(raw)))
    if len(text) == 6 and text.isdigit():
        return text + "000000"  # county code → 12-digit 统计用区划代码 (template rule, README §3)
    return text


# ---- public API ---------------------------------------------------------------------------------------

def _normalize(f: Field, raw: Any, stage: int | None, path: str, label: str) -> tuple[Any, Issue | None]:
    if _empty(raw):
        return "", None
    t = f.type
    if t == "code":
        return _code_value(f, raw, stage, path, label)
    if t == "date":
        return _date_value(raw, path, label)
    if t == "yearmonth":
        return _yearmonth_value(raw, path, label)
    if t == "id_number":
        return _id_value(raw, path, label)
    if t == "phone":
        return _phone_value(raw), None
    if t == "postcode":
        return _postcode_value(raw), None
    if t == "region":
        return _region_value(raw), None
    if t == "email":
        return half_width(_text_of(raw)).strip(), None
    if isinstance(raw, (date, datetime)):
        return raw.isoformat(), None
    return _text_of(raw).translate(_FULL_ALNUM).strip(), None


def normalize_value(field: Field, raw: Any, *, stage: int | None = None) -> tuple[Any, Issue | None]:
    """Canonical value of ``raw`` for ``field`` and an issue when it could not be (then ``raw`` is kept).

    Empty input (None, blanks) gives ``""``. ``stage`` (1 小学, 2 初中, 3 高中) resolves names that mean
    different codes in different stages (入学方式 “其他”: 12 or 99).
    """
    prefix = "家庭成员" if field.group == "member" else ""
    return _normalize(field, raw, stage, field.key, prefix + field.label)


def normalize_record(raw: dict[str, Any], *, stage: int | None = None) -> tuple[dict[str, Any], list[Issue]]:
    """Normalise every known field of a raw record (and of its ``members``); unknown keys pass unchanged."""
    spec = load_spec()
    fields = spec.student_by_key
    out: dict[str, Any] = {}
    issues: list[Issue] = []
    for key, value in raw.items():
        if key == "members":
            continue
        f = fields.get(key)
        if f is None:
            out[key] = value
            continue
        value, issue = _normalize(f, value, stage, key, f.label)
        out[key] = value
        if issue is not None:
            issues.append(issue)
    if "members" in raw:
        member_fields = spec.member_by_key
        members = []
        for i, m in enumerate(raw.get("members") or []):
            nm: dict[str, Any] = {}
            for key, value in (m or {}).items():
                f = member_fields.get(key)
                if f is None:
                    nm[key] = value
                    continue
                value, issue = _normalize(f, value, stage, f"members.{i}.{key}", f"家庭成员{i + 1}{f.label}")
                nm[key] = value
                if issue is not None:
                    issues.append(issue)
            members.append(nm)
        out["members"] = members
    return out, issues
