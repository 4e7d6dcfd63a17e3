"""The columns of our Excel template and how headers in other people's files map to them.

Order: the national import template as public exporters write it (shared/spec README §9), with the
2022 form's fields that the older list lacks inserted next to their relatives (户口所在地具体地址,
是否寄宿生, 是否残疾人). Family members 1 and 2 follow with headers "成员1姓名", "成员1关系", …
Headers come from ``excel``/``aliases`` in resources/spec/fields.toml; only the national order lives here.
A field of the form (``xueji_desktop.forms``) that the national order does not name yet gets a column
after its part, in form order: adding a field to fields.toml adds its column without an edit here.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from ..validation.spec import Field, load_spec

SCHOOL_CODE_HEADER = "学校标识码"
STUDENT_NUMBER_HEADER = "学籍号"  # given by the program and the county (records/student_number.py); on import a
# 正式学籍号 (G/J) is kept, as the national system's exports carry it (importer, student_number.number_from_file)
# Other spellings of that column: 全国学籍号 (the national system's name for it, seed 001 §5.3 and the notices in
# shared/spec), 国家学籍号. (学籍辅号 is another field: aux_student_no.)
STUDENT_NUMBER_ALIASES = ("全国学籍号", "国家学籍号")
CLASS_KEY = "class_code"

# Student part, national order (README §9) + the 2022-only fields where they belong.
STUDENT_ORDER = (
    "name", "gender", "birth_date", "birthplace", "native_place", "ethnicity", "nationality", "id_type",
    "hmt", "health", "political_status", "id_number", "household_type", "household_region",
    "household_address", "class_code", "enrol_date", "enrol_mode", "study_mode", "is_boarder",
    "current_address", "mailing_address", "home_address", "phone", "postcode", "only_child", "preschool",
    "left_behind", "needs_aid", "one_subsidy", "orphan", "martyr_child", "distance", "commute_mode",
    "school_bus", "name_pinyin", "former_name", "id_valid_until", "blood_type", "specialty",
    "aux_student_no", "class_seat_no", "source", "grade", "email", "is_disabled", "disability_type",
    "govt_funded_place", "special_ed_mode",
)
MEMBER_ORDER = ("name", "relation", "relation_note", "current_address", "household_address", "phone",
                "is_guardian", "id_type", "id_number", "ethnicity", "employer", "position")
TRAILING = ("migrant_child",)
MEMBER_COUNT = 2
# Text format so Excel keeps leading zeros and all 18 digits (it turns long digit strings into floats).
TEXT_TYPES = {"id_number", "phone", "postcode", "region", "code", "date", "yearmonth", "text", "int", "email"}


@dataclass(frozen=True)
class Column:
    header: str            # header written in our template
    key: str               # field key (record key, or member field key when member is not None)
    member: int | None     # 0 or 1 for 成员1 / 成员2, None for the student
    field: Field | None    # None for 学校标识码 (informational)

    @property
    def required(self) -> bool:
        return self.field is not None and self.field.required is True

    @property
    def path(self) -> str:
        """Issue field path: "id_number" or "members.0.id_number"."""
        return self.key if self.member is None else f"members.{self.member}.{self.key}"


def member_header(index: int, text: str) -> str:
    return f"成员{index + 1}{text}"


@cache
def columns() -> tuple[Column, ...]:
    from ..forms import form_sections

    spec = load_spec()
    students = {f.key: f for f in spec.student_fields}
    members = {f.key: f for f in spec.member_fields}
    in_form = [f.field.key for s in form_sections() if s.key not in ("member1", "member2") for f in s.fields]
    student_order = [k for k in STUDENT_ORDER if k in students]
    student_order += [k for k in in_form if k not in student_order and k not in TRAILING]
    member_order = [k for k in MEMBER_ORDER if k in members]
    member_order += [f.key for f in spec.member_fields if f.key not in member_order]
    cols = [Column(SCHOOL_CODE_HEADER, "school_code", None, None)]
    cols += [Column(students[k].excel, k, None, students[k]) for k in student_order]
    for i in range(MEMBER_COUNT):
        cols += [Column(member_header(i, members[k].excel), k, i, members[k]) for k in member_order]
    cols += [Column(students[k].excel, k, None, students[k]) for k in TRAILING if k in students]
    cols.append(Column(STUDENT_NUMBER_HEADER, "student_number", None, None))
    return tuple(cols)


_MEMBER_PREFIX = re.compile(r"^(?:家庭成员|成员|监护人|家长)(?:或监护人)?([12一二])(?:的)?")
# Sheets that name the person instead of numbering them: 父亲姓名, 母亲身份证号, 监护人电话 (one guardian). Such
# a prefix also says what the form asks in a column of its own; see implied_member_values.
_PERSON_PREFIX = {"父亲": 0, "母亲": 1, "监护人": 0, "家长": 0}
# Parents are their minor child's guardians (民法典 第二十七条): 父亲/母亲 columns imply 是否监护人 是 too.
_PERSON_IMPLIES = {"父亲": {"relation": "父亲", "is_guardian": "是"}, "母亲": {"relation": "母亲", "is_guardian": "是"},
                   "监护人": {"is_guardian": "是"}}


def clean_header(text: object) -> str:
    """Header text compared loosely: NFKC (full-width → half-width), no ★/*/spaces/colons/trailing (hint)."""
    t = unicodedata.normalize("NFKC", str(text or "")).strip()
    t = re.sub(r"[★*\s:]", "", t)
    t = re.sub(r"[(][^)]*[)]$", "", t)  # "出生日期(YYYY-MM-DD)" → "出生日期"
    return t


def _member_prefix(text: str) -> tuple[int | None, str]:
    m = _MEMBER_PREFIX.match(text)
    if m:
        return (0 if m.group(1) in "1一" else 1), text[m.end():]
    for prefix, index in _PERSON_PREFIX.items():
        if text.startswith(prefix):
            return index, text[len(prefix):].removeprefix("的")
    return None, text


# An ID column headed 身份证号 (not 身份证件号) holds a 居民身份证 number: its 身份证件类型 needs no column. Likewise
# 台胞证号: the Taiwan permit (8). A 回乡证 column implies none: H (香港, 6) or M (澳门, 7) is in each number.
_RESIDENT_ID_HEADERS = frozenset({"身份证", "身份证号", "身份证号码", "公民身份号码", "公民身份证号码", "居民身份证号",
                                  "居民身份证号码"})
RESIDENT_ID = "居民身份证"
TAIWAN_PERMIT = "台湾居民来往大陆通行证"
_TAIWAN_PERMIT_HEADERS = frozenset({"台胞证", "台胞证号", "台胞证号码", TAIWAN_PERMIT, TAIWAN_PERMIT + "号",
                                    TAIWAN_PERMIT + "号码"})


# What column headers imply, per person (None: the student, 0/1: family member 1/2): field key → value as typed.
Implied = dict[int | None, dict[str, str]]


def implied_values(headers: dict[int, str], mapped: dict[int, Column]) -> Implied:
    """What column headers say without a column of their own, per person (None: the student, else the member):
    父亲姓名 → 关系 父亲, 监护人电话 → 是否监护人 是, 身份证号 → 身份证件类型 居民身份证 (台胞证号 → 台湾居民来往
    大陆通行证). A column the sheet does
    have for that field wins. Values as a person would type them: they are normalised with the row, and join a
    row only with the person's other values (rows.read_cells)."""
    implied: Implied = {}
    for j, col in mapped.items():
        text = clean_header(headers.get(j, ""))
        _index, rest = _member_prefix(text)
        if col.key == "id_number" and _without_student_word(rest) in _RESIDENT_ID_HEADERS:
            implied.setdefault(col.member, {})["id_type"] = RESIDENT_ID
        elif col.key == "id_number" and rest in _TAIWAN_PERMIT_HEADERS:
            implied.setdefault(col.member, {})["id_type"] = TAIWAN_PERMIT
        if col.member is None or _MEMBER_PREFIX.match(text):
            continue
        for prefix, values in _PERSON_IMPLIES.items():
            if text.startswith(prefix):
                implied.setdefault(col.member, {}).update(values)
    for col in mapped.values():
        implied.get(col.member, {}).pop(col.key, None)
    return {person: values for person, values in implied.items() if values}


@cache
def _header_index() -> tuple[dict[str, Column], dict[str, str]]:
    """(student header → Column, member sub-header → member field key): template headers, form labels and the
    aliases of fields.toml (each with its source there). A name with 号码 is also known with 号 (回乡证号码: 回乡证号),
    as a header's 号码 is also read as 号 (_SAME_WORDS)."""
    students: dict[str, Column] = {}
    member_names: dict[str, str] = {}
    for c in columns():
        if c.member is None:
            names = [c.header] + ([c.field.label, *c.field.aliases] if c.field else
                                  list(STUDENT_NUMBER_ALIASES) if c.key == "student_number" else [])
            for n in map(clean_header, names):
                students.setdefault(n, c)
                students.setdefault(n.replace("号码", "号"), c)
        elif c.member == 0 and c.field is not None:
            for n in map(clean_header, (c.field.excel, c.field.label, *c.field.aliases)):
                member_names.setdefault(n, c.key)
                member_names.setdefault(n.replace("号码", "号"), c.key)
    return students, member_names


# Matching by meaning, beyond the listed aliases: the same words said another way. Each rule rewrites a header
# that is not known as it stands; the result must then be a known header (a region rule: a region column).
# 学生姓名, 学生民族: the row is the student's. The preschool system's 学前调档 list says 幼儿姓名, 幼儿性别,
# 幼儿身份证号 (and 与幼儿关系 for a guardian); 儿童 in some county lists. Said of the student, they mean the same.
_STUDENT_WORDS = ("学生", "幼儿", "儿童")
_REGION_TAIL = re.compile(r"(?:行政区划代码|行政区划|区划代码|代码)$")  # 出生地行政区划代码, 籍贯代码
_SAME_WORDS = (("号码", "号"), ("联系方式", "联系电话"), ("住址", "地址"), ("幼儿", "学生"), ("儿童", "学生"))


def _without_student_word(text: str) -> str:
    """幼儿姓名 → 姓名 (a header that names the student before the field), else ``text``."""
    for word in _STUDENT_WORDS:
        if text.startswith(word) and len(text) > len(word) + 1:
            return text[len(word):]
    return text


def _meanings(text: str, student: bool) -> list[tuple[str, bool]]:
    """``text`` and the readings the rules give, each with whether a region rule made it (most literal first)."""
    out = [(text, False)]
    if student and (own := _without_student_word(text)) != text:
        out.append((own, False))
    for old, new in _SAME_WORDS:
        out += [(t.replace(old, new), r) for t, r in out if old in t]
    out += [(_REGION_TAIL.sub("", t), True) for t, _ in out if _REGION_TAIL.search(t)]
    return out


def _student_column(text: str) -> Column | None:
    students, _ = _header_index()
    for t, region in _meanings(text, True):
        col = students.get(t)
        if col is not None and (not region or (col.field is not None and col.field.type == "region")):
            return col
    return None


def member_key(text: str) -> str | None:
    """The member field a sub-header (no 成员1 prefix) means: 姓名, 与学生关系, 联系方式 …"""
    _, member_names = _header_index()
    for t, region in _meanings(text, False):
        key = member_names.get(t)
        if key is not None and not region:
            return key
    return None


def match_header(text: object, group: object = None) -> Column | None:
    """The column a header cell means; ``group`` is the merged group title above it (e.g. "家庭成员1")."""
    t = clean_header(text)
    if not t:
        return None
    index, rest = _member_prefix(t)
    if index is None and group is not None:
        g_index, g_rest = _member_prefix(clean_header(group))
        if g_index is not None and not g_rest:
            index, rest = g_index, t
    if index is not None:
        key = member_key(rest)
        if key is None:
            return None
        return next(c for c in columns() if c.member == index and c.key == key)
    return _student_column(t)


def nearest_header(text: object) -> str | None:
    """For a header the program does not know: the template header of the field it most resembles, or None."""
    t = clean_header(text)
    index, rest = _member_prefix(t)
    students, member_names = _header_index()
    if index is not None:
        near = difflib.get_close_matches(rest, list(member_names), n=1, cutoff=0.5)
        return member_header(index, _member_field_header(member_names[near[0]])) if near else None
    near = difflib.get_close_matches(t, list(students), n=1, cutoff=0.5)
    return students[near[0]].header if near else None


def _member_field_header(key: str) -> str:
    return next(c.field.excel for c in columns() if c.member == 0 and c.key == key and c.field is not None)


def unknown_nearest(headers: list[str]) -> dict[str, str]:
    """{unknown header: the template header of its nearest field} (--json), for those that resemble one."""
    return {h: near for h in headers if (near := nearest_header(h))}


def describe_unknown(headers: list[str]) -> list[str]:
    """Unknown headers as the report names them: 家庭人口（最接近：家庭地址）."""
    out = []
    for h in headers:
        near = nearest_header(h)
        out.append(f"{h}（最接近：{near}）" if near else h)
    return out


def required_headers() -> list[str]:
    return [c.header for c in columns() if c.required]


def missing_required(mapped: dict[int, Column], implied: Implied) -> list[str]:
    """Required columns (our template's headers) a sheet lacks: each row will need those values in the app, so
    the clerk hears it once, before importing. Not missing: 年级 (it follows from 班级), 是否寄宿生 beside 就读方式,
    出生日期 and 性别 beside 身份证件号 (the normaliser reads them from the number), what the headers imply, and the
    columns of a member the sheet has none of (成员2 may be left out)."""
    have = {(c.member, c.key) for c in mapped.values()}
    members = {c.member for c in mapped.values() if c.member is not None}
    derived = {"grade": "class_code", "is_boarder": "study_mode", "birth_date": "id_number", "gender": "id_number"}
    out = []
    for c in columns():
        if not c.required or (c.member, c.key) in have or c.key in implied.get(c.member, {}):
            continue
        if c.member is not None and c.member not in members:
            continue
        if c.member is None and (None, derived.get(c.key)) in have:
            continue
        out.append(c.header)
    return out
