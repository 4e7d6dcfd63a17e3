"""Turn values as people type them (or as Excel stores them) into the canonical record format.

Canonical: code-table fields hold CODES ("1", "01", "CHN"), dates "YYYY-MM-DD", 入学年月 "YYYYMM",
ID numbers upper-case without spaces, region codes 12 digits. Accepted input, for example:

* options by code, by name, by an accepted alias, or both: ``1``, ``单亲留守儿童``, ``1-单亲留守儿童``,
  ``1 单亲留守儿童``, ``单亲留守儿童(1)``; Excel-stripped leading zeros (民族 ``1`` → ``01``);
* dates ``2015-03-07``, ``2015/3/7``, ``2015.3.7``, ``20150307``, ``2015年3月7日``, Excel serials, date objects;
* full-width digits and letters (``２０１５``, ``ｘ``), surrounding spaces, a leading ``'`` (Excel text marker);
* regions by code (6 or 12 digits) or by a county's name, from the province down or not (山西省太原市小店区,
  太原市小店区, 小店区; trailing address text is ignored), or above the county where the code is accepted too
  (安徽省合肥市 / 合肥市 → 340100000000, 安徽省 → 340000000000): GB/T 2260 names via python-stdnum (regions.py);
* names padded with spaces (王　明 → 王明), 买买提.艾力 → 买买提·艾力; and empty fields other fields say
  (:func:`fill_derived`).

A value that cannot be normalised is KEPT VERBATIM (never lost) and reported as an error :class:`Issue`
that names the field and the fix. Checking canonical values (ranges, check digits, cross-field rules) is
the engine's job, not this module's.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from .ids import check_id, upgrade_15
from .issues import ERROR, WARNING, Issue
from .regions import counties_named, full_name, higher_named
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
_DASHED_ID = re.compile(r"^\d+(?:-\d+){1,3}X?$")
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
    if codes is None and table.lossy:
        code = table.lossy.get(text) or table.lossy.get(k)
        if code is not None:
            return code, Issue(path, WARNING, "code.lossy",
                               f"{label}“{text}”不在国家标准代码表中，已按“{table.by_code[code]}”记录："
                               "如需其他选项请修改。")
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


def _year_dot_month(raw: int | float) -> tuple[int, str] | None:
    """(year, the digits after the point) of a number such as 2020.09 typed into a number cell, which Excel
    keeps as a number (read as a date serial it would be 1905-07); None for numbers outside 1900–2099."""
    if not 1900 <= raw < 2100:
        return None
    return int(raw), "" if float(raw).is_integer() else repr(float(raw)).partition(".")[2]


def parse_yearmonth(raw: Any) -> tuple[int, int] | None:
    if isinstance(raw, (date, datetime)):
        return raw.year, raw.month
    if isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float)):
        n = int(raw)
        typed = _year_dot_month(raw)
        if typed is not None:
            # One decimal (2020.1) is January or a 2020.10 whose zero Excel dropped: not ours to guess.
            frac = typed[1]
            return (n, int(frac)) if len(frac) == 2 and 1 <= int(frac) <= 12 else None
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
    typed = _year_dot_month(raw) if ym is None and type(raw) is float else None
    if typed is not None and len(typed[1]) == 1:
        year, digit = typed
        return _json_safe(raw), Issue(path, ERROR, "yearmonth.ambiguous",
                                      f"{label}“{raw!r}”不明确：是 {year} 年 {digit} 月，还是 {year} 年 {digit}0 月"
                                      f"（Excel 会把 {year}.{digit}0 存成 {raw!r}）？"
                                      f"请按 YYYYMM 填写，如 {year}0{digit}。")
    if ym is None:
        return _json_safe(raw), Issue(path, ERROR, "yearmonth.format",
                                      f"{label}“{_text_of(raw).strip()}”格式不对，请按 YYYYMM 填写年和月，如 202209。")
    return f"{ym[0]:04d}{ym[1]:02d}", None


# ---- identifiers, phones, postcodes, regions ----------------------------------------------------------

def _id_value(raw: Any, path: str, label: str) -> tuple[Any, Issue | None]:
    if type(raw) is str and len(raw) == 18 and raw.isascii() and raw.isalnum():
        return raw.upper(), None  # fast path: an 18-character number typed cleanly
    if isinstance(raw, float) and (not raw.is_integer() or raw >= 2 ** 53):
        return _json_safe(raw), Issue(path, ERROR, "id.excel_number",
                                      f"{label}被 Excel 存成了数字（{raw:.0f}），末几位已丢失：请把该列设为文本格式，"
                                      "重新录入完整号码。")
    text = _WS.sub("", half_width(_text_of(raw))).lstrip("'").upper()
    if _SCIENTIFIC.match(text):
        return _json_safe(raw), Issue(path, ERROR, "id.excel_number",
                                      f"{label}“{text}”被 Excel 变成了科学计数法，末几位已丢失：请把该列设为文本格式，"
                                      "重新录入完整号码。")
    if "-" in text and _DASHED_ID.match(text) and len(text.replace("-", "")) in (15, 18):
        text = text.replace("-", "")  # 110105-19491231-002X: groups as printed on some forms
    if len(text) == 15 and text.isdigit():
        upgraded = upgrade_15(text)
        if upgraded is not None:
            return upgraded, Issue(path, WARNING, "id.legacy15",
                                   f"{label}是 15 位旧号码，已自动升级为 18 位 {upgraded}，请与证件核对。")
    return text, None


def _phone_value(raw: Any) -> str:
    if type(raw) is str and len(raw) == 11 and raw.isascii() and raw.isdigit():
        return raw  # fast path: a mobile number typed cleanly
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



def normalize_phone(raw: Any) -> str:
    """A phone number as the form keeps it (full-width digits, spaces, +86 and 转 extensions tidied)."""
    return _phone_value(raw)

def _postcode_value(raw: Any) -> str:
    if isinstance(raw, (int, float)) and not isinstance(raw, bool) and 0 <= raw < 1_000_000 and float(raw).is_integer():
        return f"{int(raw):06d}"  # Excel drops the leading zero of 030001
    return _WS.sub("", half_width(_text_of(raw)))


def _region_value(raw: Any) -> str:
    text = _WS.sub("", half_width(_text_of(raw)))
    if len(text) == 6 and text.isdigit():
        return text + "000000"  # county code → 12-digit 统计用区划代码 (template rule, README §3)
    return text


def _region_handler(raw: Any, stage: int | None, path: str, label: str) -> tuple[Any, Issue | None]:
    """A region code, or a county's name (山西省太原市小店区, 太原市小店区, 小店区…) as its 12-digit code when one
    county fits; a name that fits several is kept as typed, with the candidates named."""
    text = _region_value(raw)
    if not text or text.isdigit():
        return text, None
    codes = sorted(counties_named(text) or higher_named(text))  # 安徽省合肥市: the city's code, as 340100 is
    if len(codes) == 1:
        return codes[0] + "000000", None
    if codes:
        names = "、".join(f"{full_name(c)}（{c}）" for c in codes[:4]) + ("等" if len(codes) > 4 else "")
        return text, Issue(path, ERROR, "region.ambiguous",
                           f"{label}“{text}”可能是{names}：请写明省、市（如 {full_name(codes[0])}），"
                           "或填写 12 位行政区划代码。")
    return text, None


# ---- public API ---------------------------------------------------------------------------------------

Handler = Callable[[Any, "int | None", str, str], "tuple[Any, Issue | None]"]
_HAS_FULL_ALNUM = re.compile(r"[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\u3000]")
_MEMO_MAX = 20_000  # distinct spellings remembered per code field (bounded: junk input must not grow it)


def _text_handler(raw: Any, stage: int | None, path: str, label: str) -> tuple[Any, Issue | None]:
    if type(raw) is str:
        s = raw.strip()
        if _HAS_FULL_ALNUM.search(s):  # rare: only such values pay for the translation
            return s.translate(_FULL_ALNUM).strip(), None
        return s, None
    if isinstance(raw, (date, datetime)):
        return raw.isoformat(), None
    return _text_of(raw).translate(_FULL_ALNUM).strip(), None


@cache
def _memo(name: str) -> dict[Any, str]:
    """Spelling -> canonical value, shared by every field of one code table (or all dates). Bounded."""
    return {}


def _memo_of(f: Field) -> dict[Any, str] | None:
    """The memo a field's values can be looked up in directly (None: the result depends on the stage)."""
    if f.type == "code" and f.codes and not load_spec().codes[f.codes].stages:
        return _memo("codes:" + f.codes)
    if f.type == "date":
        return _memo("date")
    return None


def _code_handler(f: Field) -> Handler:
    valid = load_spec().codes[f.codes].by_code  # type: ignore[index]
    shared = _memo_of(f)
    if shared is not None:
        shared.update({c: c for c in valid})  # canonical codes hit the memo in normalize_record: no call
    memos: dict[int | None, dict[Any, str]] = {}  # per stage, for tables whose names depend on it

    def handle(raw: Any, stage: int | None, path: str, label: str) -> tuple[Any, Issue | None]:
        if type(raw) is str and raw in valid:
            return raw, None  # already a code: the common case once data is in the store
        memo = shared if shared is not None else memos.setdefault(stage, {})
        code = memo.get(raw) if type(raw) in (str, int) else None
        if code is not None:
            return code, None
        value, issue = _code_value(f, raw, stage, path, label)
        if issue is None and type(raw) in (str, int) and len(memo) < _MEMO_MAX:
            memo[raw] = value
        return value, issue
    return handle


def _date_handler(raw: Any, stage: int | None, path: str, label: str) -> tuple[Any, Issue | None]:
    memo = _memo("date")
    hit = memo.get(raw) if type(raw) in (str, int) else None
    if hit is not None:
        return hit, None
    value, issue = _date_value(raw, path, label)
    if issue is None and type(raw) in (str, int) and len(memo) < _MEMO_MAX:
        memo[raw] = value
    return value, issue


_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_HAN_GAP = re.compile(f"(?<=[{_HAN}])\\s+(?=[{_HAN}])")
_HAN_DOT = re.compile(f"(?<=[{_HAN}])\\s*[.．•・‧∙]\\s*(?=[{_HAN}])")
_NAME_GAP_OR_DOT = re.compile(r"[\s.．•・‧∙]")


def _name_handler(raw: Any, stage: int | None, path: str, label: str) -> tuple[Any, Issue | None]:
    """A person's name: spaces between two Chinese characters dropped (王　明, padded in Excel to line up
    with three-character names), and a dot between them written as the interpunct 买买提·艾力 asks for."""
    text, issue = _text_handler(raw, stage, path, label)
    if type(text) is str and _NAME_GAP_OR_DOT.search(text):  # rare: only such names pay for the two subs
        text = _HAN_GAP.sub("", _HAN_DOT.sub("·", text))
    return text, issue


def _handler(f: Field) -> Handler:
    t = f.type
    if f.key in ("name", "former_name"):
        return _name_handler
    if t == "code":
        return _code_handler(f)
    if t == "date":
        return _date_handler
    if t == "yearmonth":
        return lambda raw, stage, path, label: (
            (raw, None) if type(raw) is str and len(raw) == 6 and _YM_COMPACT.match(raw) and 1 <= int(raw[4:]) <= 12
            else _yearmonth_value(raw, path, label))
    if t == "id_number":
        return lambda raw, stage, path, label: _id_value(raw, path, label)
    if t == "phone":
        return lambda raw, stage, path, label: (_phone_value(raw), None)
    if t == "postcode":
        return lambda raw, stage, path, label: (_postcode_value(raw), None)
    if t == "region":
        return _region_handler
    if t == "email":
        return lambda raw, stage, path, label: (half_width(_text_of(raw)).strip(), None)
    return _text_handler


_PRECOMPUTED_MEMBERS = 4  # the form has 2 members; paths/labels for the first few are built once
Entry = tuple[Handler, str, str, "dict[Any, str] | None"]  # handler, issue path, label, direct memo


@cache
def _handlers() -> tuple[dict[str, Entry], list[dict[str, Entry]]]:
    """(student key -> entry), and the same per member index."""
    spec = load_spec()
    student = {k: (_handler(f), k, f.label, _memo_of(f)) for k, f in spec.student_by_key.items()}
    member_handlers = {k: (_handler(f), _memo_of(f)) for k, f in spec.member_by_key.items()}
    members = [{k: (h, f"members.{i}.{k}", f"家庭成员{i + 1}{spec.member_by_key[k].label}", memo)
                for k, (h, memo) in member_handlers.items()} for i in range(_PRECOMPUTED_MEMBERS)]
    return student, members


def _member_handlers(i: int) -> dict[str, Entry]:
    members = _handlers()[1]
    if i < len(members):
        return members[i]
    spec = load_spec()
    return {k: (h, f"members.{i}.{k}", f"家庭成员{i + 1}{spec.member_by_key[k].label}", memo)
            for k, (h, _, _, memo) in members[0].items()}


# "同上" in a member's address means the student's: written out, since the national system needs the text.
SAME_AS_ABOVE = frozenset({"同上", "同学生", "同左", "同本人", "与学生相同", "同学生户口所在地", "同户口所在地"})
MEMBER_ADDRESS_SOURCE = {"household_address": "household_address", "current_address": "current_address"}


def _same_as_student(student: dict[str, Any], member: dict[str, Any], i: int, issues: list[Issue]) -> None:
    for key, source in MEMBER_ADDRESS_SOURCE.items():
        v = member.get(key)
        if isinstance(v, str) and v in SAME_AS_ABOVE and student.get(source):
            member[key] = student[source]
            label = load_spec().member_by_key[key].label
            source_label = load_spec().student_by_key[source].label
            issues.append(Issue(f"members.{i}.{key}", WARNING, "address.same_as_student",
                                f"家庭成员{i + 1}{label}填的是“{v}”，已按学生的{source_label}“{student[source]}”填写，"
                                "请核对。"))


def normalize_value(field: Field, raw: Any, *, stage: int | None = None) -> tuple[Any, Issue | None]:
    """Canonical value of ``raw`` for ``field`` and an issue when it could not be (then ``raw`` is kept).

    Empty input (None, blanks) gives ``""``. ``stage`` (1 小学, 2 初中, 3 高中) resolves names that mean
    different codes in different stages (入学方式 “其他”: 12 or 99).
    """
    if _empty(raw):
        return "", None
    prefix = "家庭成员" if field.group == "member" else ""
    return _handler(field)(raw, stage, field.key, prefix + field.label)


def field_normalizer(key: str, *, member: bool = False, stage: int | None = None
                     ) -> Callable[[Any], tuple[Any, Issue | None]]:
    """What :func:`normalize_record` does to a non-empty value of field ``key`` (of family member 1 when
    ``member``), as a function of the value; apart from member addresses written 同上, which take the student's
    address there. Unknown keys pass unchanged. Fields normalised alike (free text: names, addresses…) get the
    same function object, so a caller may share what it learnt."""
    entry = (_member_handlers(0) if member else _handlers()[0]).get(key)
    if entry is None:
        return _unchanged
    handler, path, label, memo = entry
    if memo is None and handler is _text_handler:
        return _text_normalizer(stage)  # path and label only go into an issue's message, and text has none
    return _normalizer(handler, path, label, memo, stage)


def _unchanged(value: Any) -> tuple[Any, Issue | None]:
    return value, None


@cache
def _text_normalizer(stage: int | None) -> Callable[[Any], tuple[Any, Issue | None]]:
    return _normalizer(_text_handler, "", "", None, stage)


def _normalizer(handler: Handler, path: str, label: str, memo: dict[Any, str] | None, stage: int | None
                ) -> Callable[[Any], tuple[Any, Issue | None]]:
    entry = (handler, path, label, memo)
    return lambda value: _normalize_entry(entry, value, stage)


def _normalize_entry(entry: Entry, value: Any, stage: int | None) -> tuple[Any, Issue | None]:
    """A non-empty value through its field's entry: a spelling seen before (no call), blanks, the handler."""
    handler, path, label, memo = entry
    if memo is not None and type(value) is str:
        hit = memo.get(value)
        if hit is not None:
            return hit, None
    if type(value) is str and value.isspace():
        return "", None
    return handler(value, stage, path, label)


def _normalize_part(values: dict[str, Any], handlers: dict[str, Entry], stage: int | None, issues: list[Issue],
                    *, drop: str | None = None) -> dict[str, Any]:
    """The student's fields or one member's; unknown keys pass unchanged, except ``drop``."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if value == "" or value is None:  # most cells of a wide sheet: skip the lookups
            out[key] = ""
            continue
        entry = handlers.get(key)
        if entry is None:
            if key != drop:
                out[key] = value
            continue
        out[key], issue = _normalize_entry(entry, value, stage)
        if issue is not None:
            issues.append(issue)
    return out


def _boarder_from_study_mode(record: dict[str, Any]) -> None:
    """是否寄宿生 left empty beside 就读方式 住校/走读: a boarder is a pupil who lives at school (寄宿 = 住校), so
    it says 是/否. Sheets that ask 就读方式 often have no 是否寄宿生 column."""
    if record.get("is_boarder") in (None, "") and record.get("study_mode") in ("1", "2"):
        record["is_boarder"] = "1" if record["study_mode"] == "2" else "0"


def _birth_and_gender_from_id(record: dict[str, Any]) -> None:
    """出生日期 and 性别 left empty beside a valid 居民身份证 number: the number says both (the national system
    fills them from it too), so sheets that leave them out lose nothing. An ID with any error fills nothing."""
    number = record.get("id_number")
    if (record.get("birth_date") not in (None, "") and record.get("gender") not in (None, "")) \
            or type(number) is not str or len(number) != 18 or record.get("id_type") not in (None, "", "1"):
        return
    result = check_id(number, "1")
    if result.ok and result.birth_date is not None:
        if record.get("birth_date") in (None, ""):
            record["birth_date"] = result.birth_date.isoformat()
        if record.get("gender") in (None, ""):
            record["gender"] = result.gender


def fill_derived(record: dict[str, Any]) -> None:
    """Fill the empty fields that other fields of the (normalised) record say: 是否寄宿生 from 就读方式, 出生日期 and
    性别 from a 居民身份证 number. Only empty fields: a value given stays (the engine compares them)."""
    _boarder_from_study_mode(record)
    _birth_and_gender_from_id(record)


def normalize_record(raw: dict[str, Any], *, stage: int | None = None) -> tuple[dict[str, Any], list[Issue]]:
    """Normalise every known field of a raw record (and of its ``members``); unknown keys pass unchanged.

    The input is not modified. Issues name the field as the engine does (``members.0.phone``).
    """
    issues: list[Issue] = []
    out = _normalize_part(raw, _handlers()[0], stage, issues, drop="members")
    fill_derived(out)
    if "members" in raw:
        members = []
        for i, m in enumerate(raw.get("members") or []):
            nm = _normalize_part(m or {}, _member_handlers(i), stage, issues)
            _same_as_student(out, nm, i, issues)
            members.append(nm)
        out["members"] = members
    return out, issues
