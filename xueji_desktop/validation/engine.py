"""Record-level validation: per-field checks, ID documents and cross-field rules.

``validate_student(record, ctx)`` checks a record in canonical form (see :mod:`.normalize`) and returns
every :class:`Issue`. It runs per keystroke in the GUI and per row on a 200,000-row import, so the
per-field plan is built once from the spec and the hot path is plain dict lookups and precompiled regexes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

from .ids import ID_TYPE_NAMES, PERMIT_TYPE, RESIDENT_TYPES, check_id
from .issues import ERROR, WARNING, Issue
from .regions import RESIDENCE_PERMIT_AREAS, is_known
from .spec import Field, load_spec


@dataclass
class ValidationContext:
    """What a record is checked against besides itself."""

    today: date = field(default_factory=date.today)
    stage: int | None = None          # 1 小学, 2 初中, 3 高中 (from the student's class)
    entry_year: int | None = None     # class entry year
    school_year: int | None = None    # first calendar year of the current school year


# ---- per-field format checks ---------------------------------------------------------------------------

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_YEARMONTH = re.compile(r"^\d{4}(?:0[1-9]|1[0-2])$")
# Mobile: 11 digits from 13x-19x. Landline: 3-4 digit area code starting with 0, 7-8 digit number, extension.
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?[1-9]\d{6,7}(?:-\d{1,6})?$")
_POSTCODE = re.compile(r"^\d{6}$")
_REGION = re.compile(r"^\d{12}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Person names: Chinese, letters, spaces, the middle dot in its forms, and . - ' of foreign names
# (Jean-Luc, O'Brien); digits and other punctuation are typing slips.
_NAME_BAD = re.compile(r"[0-9!\"#$%&()*+,/:;<=>?@\[\\\]^_`{|}~，。、；：？！“”（）【】《》]")
_ADDRESS_KEYS = frozenset({"current_address", "household_address", "mailing_address", "home_address"})
_ADDRESS_MIN = 5  # "同上", "太原", "无" are not addresses

Checker = Callable[[str, str, str], "Issue | None"]  # (value, path, label) -> issue


def _check_date(v: str, path: str, label: str) -> Issue | None:
    if _DATE.match(v):
        try:
            date.fromisoformat(v)
            return None
        except ValueError:
            pass
    return Issue(path, ERROR, "date.format", f"{label}“{v}”不是有效日期，请按 YYYY-MM-DD 填写，如 2015-03-07。")


def _check_yearmonth(v: str, path: str, label: str) -> Issue | None:
    if _YEARMONTH.match(v):
        return None
    return Issue(path, ERROR, "yearmonth.format", f"{label}“{v}”格式不对，请按 YYYYMM 填写年和月，如 202209。")


def _check_phone(v: str, path: str, label: str) -> Issue | None:
    if _MOBILE.match(v) or _LANDLINE.match(v):
        return None
    digits = v.replace("-", "")
    if digits.isdigit() and digits.startswith("1"):
        hint = f"手机号应为 11 位，现在是 {len(digits)} 位"
    elif digits.isdigit() and not digits.startswith("0") and 7 <= len(digits) <= 8:
        hint = "固定电话须带区号，如 0351-4041234"
    else:
        hint = "请填写 11 位手机号，或带区号的固定电话如 0351-4041234"
    return Issue(path, ERROR, "phone.format", f"{label}“{v}”不是有效的电话号码：{hint}。")



def phone_problem(value: str, label: str) -> str | None:
    """The form's phone rule (11-digit mobile, or a landline with its area code) for a phone number outside a
    student record (e.g. the county's 营养改善计划 contacts): what is wrong, in one sentence; None if fine."""
    issue = _check_phone(value, label, label)
    return issue.message if issue else None

def _check_postcode(v: str, path: str, label: str) -> Issue | None:
    if _POSTCODE.match(v):
        return None
    return Issue(path, ERROR, "postcode.format", f"{label}“{v}”应为 6 位数字，如 030001。")


def _check_region(v: str, path: str, label: str) -> Issue | None:
    if not _REGION.match(v):
        return Issue(path, ERROR, "region.format",
                     f"{label}“{v}”应为 12 位行政区划代码（县级代码即身份证号前 6 位，后加 000000），"
                     "或写明省、市、县（如 山西省太原市小店区）。")
    if not is_known(v[:6]):
        return Issue(path, WARNING, "region.unknown",
                     f"{label}前 6 位 {v[:6]} 不是已知的县级行政区划代码（GB/T 2260），请核对。")
    return None


def _check_email(v: str, path: str, label: str) -> Issue | None:
    if _EMAIL.match(v):
        return None
    return Issue(path, ERROR, "email.format", f"{label}“{v}”不是有效的电子信箱地址，如 name@example.com。")


def _check_name(v: str, path: str, label: str) -> Issue | None:
    if _NAME_BAD.search(v):
        return Issue(path, ERROR, "name.chars", f"{label}“{v}”含有数字或标点，请按证件填写姓名"
                                                "（少数民族姓名中间的点用“·”）。")
    return None


def _check_address(v: str, path: str, label: str) -> Issue | None:
    if len("".join(v.split())) < _ADDRESS_MIN:
        return Issue(path, ERROR, "address.short", f"{label}“{v}”太短，请写完整地址，到门牌号（不要写“同上”）。")
    return None


def _code_checker(f: Field) -> Checker:
    table = load_spec().codes[f.codes]  # type: ignore[index]
    valid = table.by_code
    names = table.names()
    choices = "、".join(names) if len(names) <= 12 else "、".join(names[:6]) + " 等"

    def check(v: str, path: str, label: str) -> Issue | None:
        if v in valid:
            return None
        return Issue(path, ERROR, "code.unknown", f"{label}“{v}”不在代码表中，请填写：{choices}。")
    return check


@cache  # one checker per (inner, max_len): fields checked alike share it (see value_check)
def _length_checker(inner: Checker | None, max_len: int) -> Checker:
    def check(v: str, path: str, label: str) -> Issue | None:
        if len(v) > max_len:
            return Issue(path, ERROR, "length", f"{label}超过 {max_len} 个字，现在是 {len(v)} 个，请精简。")
        return inner(v, path, label) if inner else None
    return check


_TYPE_CHECKERS: dict[str, Checker] = {
    "date": _check_date, "yearmonth": _check_yearmonth, "phone": _check_phone, "postcode": _check_postcode,
    "region": _check_region, "email": _check_email,
}


def _checker_for(f: Field) -> Checker | None:
    if f.type == "code":
        c: Checker | None = _code_checker(f)
    elif f.type == "id_number":
        c = None  # checked with the document type in _check_documents
    elif f.key == "name":
        c = _check_name
    elif f.key in _ADDRESS_KEYS:
        c = _check_address
    else:
        c = _TYPE_CHECKERS.get(f.type)
    return _length_checker(c, f.max_len) if f.max_len else c


@dataclass(frozen=True)
class _Plans:
    """Per record kind (student, member i): required keys and checks, paths and labels built once.

    ``entries[key] = (path, label, codes, checker)``: a code field is a set-membership test done inline
    (no call: ~20 per record); other fields call ``checker``.
    """

    entries: dict[str, tuple[str, str, frozenset[str] | None, Checker | None]]
    required: frozenset[str]
    member: bool


# Fields whose "required" depends on other fields (rules below).
_COND_STUDENT = frozenset({"id_number", "disability_type", "special_ed_mode"})
_COND_MEMBER = frozenset({"id_number", "id_type"})


def _plans_for(fields: list[Field], cond: frozenset[str], prefix: str, label_prefix: str) -> _Plans:
    entries = {}
    for f in fields:
        codes = frozenset(load_spec().codes[f.codes].by_code) if f.type == "code" and f.codes else None
        entries[f.key] = (prefix + f.key, label_prefix + f.label, codes, _checker_for(f))
    required = frozenset(f.key for f in fields if f.required is True and f.key not in cond)
    return _Plans(entries, required, bool(prefix))


@cache
def _student_plans() -> _Plans:
    return _plans_for(load_spec().student_fields, _COND_STUDENT, "", "")


@cache
def _member_plans(i: int) -> _Plans:
    return _plans_for(load_spec().member_fields, _COND_MEMBER, f"members.{i}.", f"家庭成员{i + 1}")


def _is_empty(v: Any) -> bool:
    return v is None or v == "" or (isinstance(v, str) and v.isspace())


def _required(path: str, label: str, help_text: str = "") -> Issue:
    return Issue(path, ERROR, "required", f"{label}为必填项，请填写。{help_text}")


@cache
def _help(key: str, member: bool) -> str:
    spec = load_spec()
    f = spec.member_by_key.get(key) if member else spec.student_by_key.get(key)
    return f.help if f else ""


# A value that is all blanks starts with one: test the first character before calling isspace().
_BLANK_START = frozenset(chr(c) for c in range(0x3001) if chr(c).isspace())


def _check_fields(data: dict[str, Any], plans: _Plans, issues: list[Issue]) -> None:
    entries, required = plans.entries, plans.required
    for key, v in data.items():
        if v == "" or v is None or (type(v) is str and v[0] in _BLANK_START and v.isspace()):
            if key in required:
                entry = entries[key]
                issues.append(_required(entry[0], entry[1], _help(key, plans.member)))
            continue
        entry = entries.get(key)
        if entry is None:
            continue
        codes = entry[2]
        if codes is not None:
            if v in codes:
                continue
            issue = entry[3](str(v), entry[0], entry[1])  # type: ignore[misc]  # code fields always have one
        elif entry[3] is not None:
            issue = entry[3](v if type(v) is str else str(v), entry[0], entry[1])
        else:
            continue
        if issue is not None:
            issues.append(issue)
    missing = required - data.keys()
    if missing:
        for key in sorted(missing, key=list(entries).index):  # form order, for stable output
            entry = entries[key]
            issues.append(_required(entry[0], entry[1], _help(key, plans.member)))


# ---- cross-field rules ---------------------------------------------------------------------------------

_MAINLAND_HMT = frozenset({"02", "04", "06", "11", "12", "13", "14", "21", "31"})
_HMT_REGION = {"01": "HKG", "03": "MAC", "05": "TWN"}
_REGION_NAMES = {"CHN": "中国", "HKG": "中国香港", "MAC": "中国澳门", "TWN": "中国台湾"}
_TYPE_REGION = {"6": "HKG", "7": "MAC", "8": "TWN"}
# 港澳台侨外 values a document type fits. A mainland 居民身份证 is never held by 港澳台同胞 themselves nor by
# foreigners (their relatives, 华侨 and 归侨 are mainland citizens); 港澳台 documents by the compatriots.
_TYPE_HMT = {
    "1": frozenset({"00", "02", "04", "06", "11", "12", "13", "14", "21", "31", "99"}),
    "6": frozenset({"01", "99"}), "7": frozenset({"03", "99"}), "8": frozenset({"05", "99"}),
}
_PERMIT_REGION = {"810000": "HKG", "820000": "MAC", "830000": "TWN"}
_START_AGE = {1: 6, 2: 12, 3: 15}
_STAGE_YEARS = {1: 6, 2: 3, 3: 3}
_STAGE_NAMES = {1: "小学", 2: "初中", 3: "高中"}


def _country_name(code: str) -> str:
    return _REGION_NAMES.get(code) or load_spec().codes["country"].by_code.get(code, code)


def _conflict(issues: list[Issue], fields: tuple[str, str], code: str, message: str) -> None:
    """One inconsistency between two fields, reported on both (either may be the wrong one)."""
    for f in fields:
        issues.append(Issue(f, ERROR, code, message))


def _rule_documents_fit_nationality(r: dict[str, Any], issues: list[Issue]) -> None:
    """身份证件类型 must fit 国籍/地区, and 港澳台侨外 must fit 国籍/地区."""
    t, n, h = r.get("id_type"), r.get("nationality"), r.get("hmt")
    number = str(r.get("id_number") or "")
    if t and n:
        if t in RESIDENT_TYPES or t in ("2", "3", "4", "5"):
            want = _PERMIT_REGION.get(number[:6], "CHN") if t == "1" else "CHN"
            if n != want:
                what = ("港澳台居民居住证号码" if want != "CHN" else f"“{ID_TYPE_NAMES[t]}”")
                _conflict(issues, ("id_type", "nationality"), "id_type.nationality",
                          f"身份证件类型为{what}时，国籍/地区应为“{_country_name(want)}”，"
                          f"现在是“{_country_name(n)}”：请核对证件类型或国籍/地区。")
        elif t in _TYPE_REGION and n != _TYPE_REGION[t]:
            _conflict(issues, ("id_type", "nationality"), "id_type.nationality",
                      f"身份证件类型“{ID_TYPE_NAMES[t]}”只用于国籍/地区为“{_country_name(_TYPE_REGION[t])}”的学生，"
                      f"现在是“{_country_name(n)}”：请核对证件类型或国籍/地区。")
    if t and h:
        hmt_names = load_spec().codes["hmt"].by_code
        fits = _TYPE_HMT.get(t)
        if t == "1" and number[:6] in _PERMIT_REGION:
            fits = _TYPE_HMT[PERMIT_TYPE[number[:6]]]
        if fits is not None and h not in fits:
            _conflict(issues, ("id_type", "hmt"), "id_type.hmt",
                      f"身份证件类型“{ID_TYPE_NAMES[t]}”与港澳台侨外“{hmt_names.get(h, h)}”不符："
                      f"持此证件的学生港澳台侨外应为“{'”或“'.join(hmt_names[c] for c in sorted(fits))}”，请核对。")
    if h and n:
        hmt_names = load_spec().codes["hmt"].by_code
        want_text = None
        if h == "00" and n != "CHN":
            want_text = "“否”只用于国籍/地区为“中国”的内地学生"
        elif h in _HMT_REGION and n != _HMT_REGION[h]:
            want_text = f"“{hmt_names[h]}”的国籍/地区应为“{_country_name(_HMT_REGION[h])}”"
        elif h in _MAINLAND_HMT and n != "CHN":
            want_text = f"“{hmt_names[h]}”是中国公民，国籍/地区应为“中国”"
        elif h in ("41", "51") and n in _REGION_NAMES:
            want_text = f"“{hmt_names[h]}”的国籍/地区应为外国"
        if want_text:
            _conflict(issues, ("hmt", "nationality"), "hmt.nationality",
                      f"港澳台侨外{want_text}，现在国籍/地区是“{_country_name(n)}”：请核对这两项。")


def _rule_disability(r: dict[str, Any], issues: list[Issue]) -> None:
    """Items 36-37 are required exactly when 是否残疾人 is 是."""
    d, kind, mode = r.get("is_disabled"), r.get("disability_type"), r.get("special_ed_mode")
    if d == "1":
        if _is_empty(kind):
            issues.append(Issue("disability_type", ERROR, "required",
                                "是否残疾人为“是”时，残疾类型为必填项，请填写，如“视力残疾”。"))
        elif kind == "0":
            issues.append(Issue("disability_type", ERROR, "disability_type.none",
                                "是否残疾人为“是”时，残疾类型不能是“无残疾”：请填写具体残疾类型，或把是否残疾人改为“否”。"))
        if _is_empty(mode):
            issues.append(Issue("special_ed_mode", ERROR, "required",
                                "是否残疾人为“是”时，特教学生就读类型为必填项，请填写，如“视力残疾随班就读”。"))
    elif d == "0":
        if not _is_empty(kind) and kind != "0":
            issues.append(Issue("disability_type", ERROR, "disability_type.not_disabled",
                                "是否残疾人为“否”时不填残疾类型（第 36 项）：请清空，或把是否残疾人改为“是”。"))
        if not _is_empty(mode) and mode != "0":
            issues.append(Issue("special_ed_mode", ERROR, "special_ed_mode.not_disabled",
                                "是否残疾人为“否”时不填特教学生就读类型（第 37 项）：请清空，或把是否残疾人改为“是”。"))


def _parse_iso(v: Any) -> date | None:
    if isinstance(v, str) and _DATE.match(v):
        try:
            return date.fromisoformat(v)
        except ValueError:
            return None
    return None


def _rule_dates(r: dict[str, Any], ctx: ValidationContext, birth: date | None, issues: list[Issue]) -> None:
    """Birth date not in the future; 入学年月 not in the future, after birth, consistent with the class."""
    if birth is not None and birth > ctx.today:
        issues.append(Issue("birth_date", ERROR, "birth_date.future",
                            f"出生日期 {birth.isoformat()} 晚于今天，请核对。"))
    enrol = r.get("enrol_date")
    if not (isinstance(enrol, str) and _YEARMONTH.match(enrol)):
        return
    y, m = int(enrol[:4]), int(enrol[4:])
    if (y, m) > (ctx.today.year, ctx.today.month):
        issues.append(Issue("enrol_date", ERROR, "enrol_date.future", f"入学年月 {enrol} 晚于本月，请核对。"))
        return
    if birth is not None and (y - birth.year) * 12 + m - birth.month < 36:
        issues.append(Issue("enrol_date", ERROR, "enrol_date.before_birth",
                            f"入学年月 {enrol} 与出生日期 {birth.isoformat()} 相差不到 3 年，请核对。"))
        return
    if ctx.entry_year is not None and y != ctx.entry_year:
        stage = _STAGE_NAMES.get(ctx.stage or 0, "")
        if abs(y - ctx.entry_year) == 1:
            issues.append(Issue("enrol_date", WARNING, "enrol_date.class_year",
                                f"入学年月 {enrol} 与所在班级的入学年份 {ctx.entry_year} 不一致："
                                "留级、跳级的学生请确认，"
                                "否则请改为本学段的入学年月。"))
        else:
            issues.append(Issue("enrol_date", ERROR, "enrol_date.class_year",
                                f"入学年月 {enrol} 与所在班级（{stage}{ctx.entry_year}级）的入学年份相差 "
                                f"{abs(y - ctx.entry_year)} 年，请填写本学段的入学年月，如 {ctx.entry_year}09。"))


def _rule_age_for_grade(ctx: ValidationContext, birth: date | None, issues: list[Issue]) -> None:
    """Age at 31 August of the school year vs the usual age of the grade (warning only)."""
    if birth is None or ctx.stage not in _START_AGE or ctx.entry_year is None:
        return
    school_year = ctx.school_year if ctx.school_year is not None else (
        ctx.today.year if ctx.today.month >= 8 else ctx.today.year - 1)
    index = school_year - ctx.entry_year
    if not 0 <= index < _STAGE_YEARS[ctx.stage]:
        return
    ref = date(school_year, 8, 31)
    age = ref.year - birth.year - ((ref.month, ref.day) < (birth.month, birth.day))
    usual = _START_AGE[ctx.stage] + index
    if age < usual - 1 or age > usual + 2:
        issues.append(Issue("birth_date", WARNING, "birth_date.age_for_grade",
                            f"按出生日期，学生本学年 8 月 31 日时 {age} 岁，与所在年级通常的 {usual} 岁相差较大："
                            "请核对出生日期和班级，无误请确认。"))


def _rule_stage_fields(r: dict[str, Any], ctx: ValidationContext, issues: list[Issue]) -> None:
    if ctx.stage is None:
        return
    if r.get("migrant_child") == "1" and ctx.stage not in (1, 2):
        issues.append(Issue("migrant_child", ERROR, "migrant_child.stage",
                            "是否进城务工人员随迁子女只在义务教育阶段（小学、初中）填写“是”：高中学生请填“否”或不填。"))
    mode = r.get("enrol_mode")
    if mode:
        stages = load_spec().codes["enrol_mode"].stages.get(mode)
        if stages is not None and ctx.stage not in stages:
            name = load_spec().codes["enrol_mode"].by_code[mode]
            fit = "就近入学、其他" if ctx.stage in (1, 2) else "统一招生考试/普通入学、体育特招、艺术特招、其他"
            issues.append(Issue("enrol_mode", ERROR, "enrol_mode.stage",
                                f"入学方式“{name}”（{mode}）不适用于{_STAGE_NAMES[ctx.stage]}，请填写：{fit}。"))


@cache
def _member_id_names(i: int) -> tuple[str, str, str, str]:
    """(path, label) of member i's ID number, then of its document type."""
    label = f"家庭成员{i + 1}身份证件"
    return f"members.{i}.id_number", label + "号", f"members.{i}.id_type", label + "类型"


def _check_documents(r: dict[str, Any], ctx: ValidationContext, issues: list[Issue]) -> date | None:
    """Student and member ID numbers; birth date and gender vs ID; the no-ID rule. Returns the birth date."""
    t = r.get("id_type") or ""
    number = r.get("id_number")
    birth = _parse_iso(r.get("birth_date"))
    members = r.get("members") or []
    if _is_empty(number):
        if t != "Z":
            issues.append(Issue("id_number", ERROR, "required",
                                "身份证件号为必填项，请填写；学生确实没有证件的，身份证件类型选“其他”，"
                                "并填写至少一名家庭成员的身份证件号。"))
        if not any(not _is_empty(m.get("id_number")) for m in members if m):
            issues.append(Issue("members.0.id_number", ERROR, "members.id_required",
                                "学生没有身份证件号时，须填写至少一名家庭成员（监护人）的身份证件号。"))
    else:
        res = check_id(str(number), t, today=ctx.today)
        issues.extend(res.issues)
        if res.birth_date is not None:
            if birth is not None and birth != res.birth_date:
                issues.append(Issue("birth_date", ERROR, "birth_date.id_mismatch",
                                    f"出生日期 {birth.isoformat()} 与身份证件号中的 "
                                    f"{res.birth_date.isoformat()} 不一致，"
                                    "请核对证件后修改其中错误的一项。"))
            g = r.get("gender")
            if g in ("1", "2") and g != res.gender:
                issues.append(Issue("gender", ERROR, "gender.id_mismatch",
                                    f"性别“{'男' if g == '1' else '女'}”与身份证件号不一致（第 17 位"
                                    f"{'奇数为男' if res.gender == '1' else '偶数为女'}），请核对证件。"))
    for i, m in enumerate(members):
        mn = m.get("id_number") if m else None
        if _is_empty(mn):
            continue
        path, label, type_path, type_label = _member_id_names(i)
        mt = m.get("id_type") or ""
        if not mt:
            issues.append(_required(type_path, type_label, "一般为“居民身份证”。"))
        res = check_id(str(mn), mt, today=ctx.today, field=path, label=label, strict_area=False)
        issues.extend(res.issues)
        if not _is_empty(number) and res.number == str(number).upper():
            issues.append(Issue(path, ERROR, "id.same_as_student",
                                f"{label}与学生本人的身份证件号相同，请填写家庭成员自己的证件号。"))
        elif res.gender is not None:
            rel = m.get("relation")
            if (rel == "1" and res.gender == "2") or (rel == "2" and res.gender == "1"):
                issues.append(Issue(f"members.{i}.relation", WARNING, "relation.gender",
                                    f"家庭成员{i + 1}关系为“{'父亲' if rel == '1' else '母亲'}”，但其身份证件号显示为"
                                    f"{'女' if res.gender == '2' else '男'}性：请核对关系或证件号。"))
    return birth


def _filled(m: dict[str, Any] | None) -> bool:
    if m:
        for v in m.values():
            if v is not None and v != "" and not (type(v) is str and v.isspace()):
                return True
    return False


def _check_members(r: dict[str, Any], issues: list[Issue]) -> None:
    members = []
    for i, m in enumerate(r.get("members") or []):
        if _filled(m):  # 成员2 may be left empty
            members.append(m)
            _check_fields(m, _member_plans(i), issues)
    if not members:
        issues.append(Issue("members.0.name", ERROR, "members.missing",
                            "至少填写一名家庭成员或监护人（第 18–26 项）。"))
        return
    if not any(m.get("is_guardian") == "1" for m in members):
        issues.append(Issue("members.0.is_guardian", ERROR, "members.no_guardian",
                            "至少一名家庭成员须为监护人：请把监护人的“是否监护人”填为“是”。"))


def validate_student(record: dict[str, Any], ctx: ValidationContext | None = None) -> list[Issue]:
    """Every issue of one record (canonical values; run :func:`normalize_record` first on raw input)."""
    ctx = ctx or ValidationContext()
    issues: list[Issue] = []
    _check_fields(record, _student_plans(), issues)
    _check_members(record, issues)
    _check_across(record, ctx, issues)
    return issues


def _check_across(record: dict[str, Any], ctx: ValidationContext, issues: list[Issue]) -> None:
    """The checks between fields: ID documents against the record, and the cross-field rules."""
    birth = _check_documents(record, ctx, issues)
    _rule_documents_fit_nationality(record, issues)
    _rule_disability(record, issues)
    _rule_dates(record, ctx, birth, issues)
    _rule_age_for_grade(ctx, birth, issues)
    _rule_stage_fields(record, ctx, issues)


# ---- validate_student in pieces, for the Excel import's per-column fast path --------------------------
# For a record whose every value is non-blank and passes value_issues, whose required_keys are all present,
# and whose members (each non-empty, same conditions) include a guardian, validate_student returns exactly
# across_issues(record, ctx): _check_fields and _check_members have nothing left to report. The import checks
# each distinct spelling of a column once instead of every cell (tests/excel/test_fast_prepare.py).

@cache
def _optional_plans(member: bool) -> _Plans:
    plans = _member_plans(0) if member else _student_plans()
    return _Plans(plans.entries, frozenset(), plans.member)


def value_issues(key: str, value: Any, *, member: bool = False) -> list[Issue]:
    """What validate_student says about one value of field ``key`` by itself (format, code, length), as it
    would for family member 1 when ``member``. Not "required" (see required_keys) nor the cross-field rules."""
    issues: list[Issue] = []
    _check_fields({key: value}, _optional_plans(member), issues)
    return issues


def value_check(key: str, *, member: bool = False) -> Callable[[Any], bool]:
    """A predicate, for one field: ``value_issues(key, v, member=member) == []`` for a non-blank ``v``, without
    building the list (the import calls it once per distinct cell text). Fields checked alike (addresses,
    person names, one code table) get the same predicate object, so a caller may share what it learnt."""
    entry = _optional_plans(member).entries.get(key)
    return _value_predicate(None, None) if entry is None else _value_predicate(entry[2], entry[3])


@cache
def _value_predicate(codes: frozenset[str] | None, checker: Checker | None) -> Callable[[Any], bool]:
    # Mirrors _check_fields' per-value branch. Path and label only go into an issue's message: "" here.
    if codes is not None:
        return lambda v: v in codes or checker(str(v), "", "") is None  # type: ignore[misc]
    if checker is None:
        return lambda v: True
    return lambda v: checker(v if type(v) is str else str(v), "", "") is None


def required_keys(*, member: bool = False) -> frozenset[str]:
    """Fields validate_student requires in every record (or member); the conditional ones are rules."""
    return (_member_plans(0) if member else _student_plans()).required


def across_issues(record: dict[str, Any], ctx: ValidationContext | None = None) -> list[Issue]:
    """validate_student's checks between fields only (ID documents, cross-field rules)."""
    issues: list[Issue] = []
    _check_across(record, ctx or ValidationContext(), issues)
    return issues


def status_of(issues: list[Issue], confirmed: Collection[tuple[str, str]] = ()) -> str:
    """Row status: pending (待修正) when any error, warning when only unconfirmed warnings, else ok (正常).

    ``confirmed``: (field, code) pairs of warnings a user confirmed (see :mod:`.confirm`); they no longer count.
    """
    if any(i.severity == ERROR for i in issues):
        return "pending"
    if any(i.severity == WARNING and (i.field, i.code) not in confirmed for i in issues):
        return "warning"
    return "ok"


__all__ = ["RESIDENCE_PERMIT_AREAS", "ValidationContext", "status_of", "validate_student"]
