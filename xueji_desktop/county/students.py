"""The county's view of its merged student data: one filter (school, name or ID number, 学籍状态) for the
CLI (`xueji county students`), the GUI's paged browser and the Excel export alike.

Filtering works as in the school's list (ui/student_model.py): the keys of every student are read once, in
list order (school, class, name), with one scan of the covering index ``county_students_list`` (schema v10),
and filtered in Python; row contents are read by id, a page at a time. Through SQLCipher, filtering 200,000
rows in SQL costs 0.2-3 s per filter; the keys cost a few hundred ms once and each filter a few ms.
"""

from __future__ import annotations

import json
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from typing import Any

from ..errors import BadInput
from ..records.enrolment import ENROLMENT_NAMES
from ..records.school_year import current_school_year
from ..records.students import STATUS_NAMES
from ..school import grade_code
from ..text_search import TextColumn
from ..validation import load_spec
from .counties import county_names, county_of
from .workspace import require_county, store_level, unit_words

UNKNOWN_ENROLMENT = "未注明"  # an empty 学籍状态 (not expected: packages without one are read as 在校)


def enrolment_name(code: str) -> str:
    return ENROLMENT_NAMES.get(code, UNKNOWN_ENROLMENT if not code else code)


def parse_enrolment(text: str) -> str:
    """A 学籍状态 as typed (在校 or enrolled …) → its code; BadInput naming the accepted values."""
    text = text.strip()
    for code, name in ENROLMENT_NAMES.items():
        if text in (code, name):
            return code
    if text == UNKNOWN_ENROLMENT:
        return ""
    names = "、".join(ENROLMENT_NAMES.values())
    raise BadInput(f"学籍状态“{text}”不认识：请写 {names} 之一（或 {UNKNOWN_ENROLMENT}）。")


@dataclass(frozen=True)
class CountyFilter:
    school: str | None = None     # 学校标识码
    text: str = ""                # digits: ID-number prefix; otherwise a part of the name
    enrolment: str | None = None  # 学籍状态 code ('' = not stated)
    county: str | None = None     # at a city: the 6-digit 县（区）code (a school's region code begins with it)


class CountyKeys:
    """The filter keys of every imported student, in list order (school, class, name), as parallel lists."""

    def __init__(self, conn) -> None:
        self._conn = conn
        self._rows = conn.execute(
            "SELECT id, school_code, name, enrolment, id_number FROM county_students"
            " INDEXED BY county_students_list ORDER BY school_code, class_code, name").fetchall()
        self.ids = [r[0] for r in self._rows]
        self._search: dict[str, Any] = {}

    def _column(self, index: int) -> list:
        """One key column, taken from the rows the first time a filter needs it (opening needs only ids)."""
        key = f"column{index}"
        if key not in self._search:
            self._search[key] = [r[index] for r in self._rows]
        return self._search[key]

    @property
    def schools(self) -> list[str]:
        return self._column(1)

    @property
    def names(self) -> list[str]:
        return self._column(2)

    @property
    def enrolments(self) -> list[str]:
        return self._column(3)

    @property
    def numbers(self) -> list[str]:
        return self._column(4)

    def __len__(self) -> int:
        return len(self.ids)

    def _text(self, which: str) -> TextColumn:
        if which not in self._search:
            self._search[which] = TextColumn(self.names if which == "name" else self.numbers)
        return self._search[which]

    def _by_enrolment(self) -> dict[str, list[int]]:
        if "enrolment" not in self._search:
            groups: dict[str, list[int]] = {}
            for i, value in enumerate(self.enrolments):
                groups.setdefault(value, []).append(i)
            self._search["enrolment"] = groups
        return self._search["enrolment"]

    def _schools_of(self, county: str) -> set[str]:
        key = f"county{county}"
        if key not in self._search:
            self._search[key] = {code for code, region in self._conn.execute(
                "SELECT code, region_code FROM county_schools") if county_of(region) == county}
        return self._search[key]

    def select(self, flt: CountyFilter) -> list[int]:
        """Student ids (county_students.id) matching ``flt``, in list order."""
        rows: range | list[int] = range(len(self.ids))
        if flt.school:
            lo = bisect_left(self.schools, flt.school)  # sorted by school: one school is a contiguous run
            rows = range(lo, bisect_right(self.schools, flt.school, lo))
        text = flt.text.strip()
        if text:
            hits = (self._text("number").find(text.upper(), prefix=True) if text[0].isdigit()
                    else self._text("name").find(text))
            rows = [i for i in hits if rows.start <= i < rows.stop] if isinstance(rows, range) else hits
        if flt.county:
            wanted_schools = self._schools_of(flt.county)
            schools = self.schools
            rows = [i for i in rows if schools[i] in wanted_schools]
        if flt.enrolment is not None:
            if isinstance(rows, range) and len(rows) == len(self.ids):
                rows = self._by_enrolment().get(flt.enrolment, [])
            else:
                wanted, values = flt.enrolment, self.enrolments
                rows = [i for i in rows if values[i] == wanted]
        ids = self.ids
        return ids if isinstance(rows, range) and len(rows) == len(ids) else [ids[i] for i in rows]


# What a row of the county's list shows, in order: (key, title). Read by ``fetch_rows``.
ROW_COLUMNS = (("school_code", "学校标识码"), ("school_name", "学校名称"), ("class_name", "班级"),
               ("grade", "年级"), ("name", "姓名"), ("gender", "性别"), ("birth_date", "出生日期"),
               ("id_number", "身份证件号"), ("enrolment", "学籍状态"), ("status", "数据状态"), ("photo", "照片"),
               ("id_problem", "身份证件号问题"), ("age_exception", "入学年龄例外"))

_ROW_SQL = ("SELECT s.id, s.school_code, sc.name, COALESCE(c.name, s.class_code), c.data, s.name, s.gender,"
            " s.birth_date, s.id_number, s.enrolment, s.status, EXISTS (SELECT 1 FROM county_photos p"
            " WHERE p.student_id = s.id), s.id_problem, json_extract(s.data, '$.age_exception') FROM county_students s"
            " JOIN county_schools sc ON sc.code = s.school_code"
            " LEFT JOIN county_classes c ON c.school_code = s.school_code AND c.class_code = s.class_code")


def class_grade(class_data: str | None, school_year: int | None = None) -> str:
    """The 年级 name of an imported class (from its stage and entry year), or '' once graduated / unknown."""
    if not class_data:
        return ""
    try:
        c = json.loads(class_data)
        code = grade_code(int(c["stage"]), int(c["entry_year"]), school_year=school_year)
    except (ValueError, KeyError, TypeError):
        return ""
    return load_spec().codes["grade"].by_code.get(code, "") if code else ""


def fetch_rows(conn, ids: list[int], school_year: int | None = None) -> list[dict[str, Any]]:
    """The shown values of the students ``ids``, in that order (codes as names)."""
    genders = load_spec().codes["gender"].by_code
    fetched: dict[int, dict[str, Any]] = {}
    for start in range(0, len(ids), 500):  # SQLite's variable limit
        chunk = ids[start:start + 500]
        marks = ",".join("?" * len(chunk))
        for (sid, school, school_name, cls, cdata, name, gender, born, number, enrolment, status, photo,
             problem, exception) in conn.execute(f"{_ROW_SQL} WHERE s.id IN ({marks})", chunk):
            exception = json.loads(exception) if exception else {}
            fetched[sid] = {"id": sid, "school_code": school, "school_name": school_name, "class_name": cls,
                            "grade": class_grade(cdata, school_year), "name": name,
                            "gender": genders.get(gender, gender), "birth_date": born, "id_number": number,
                            "enrolment": enrolment_name(enrolment), "status": STATUS_NAMES.get(status, status),
                            "photo": "有" if photo else "无", "id_problem": problem,
                            # 入学年龄例外 the school made (its reason; who and when beside it), '' for none
                            "age_exception": exception.get("reason", ""),
                            "age_exception_by": exception.get("by", ""), "age_exception_at": exception.get("at", "")}
    return [fetched[i] for i in ids if i in fetched]


def list_students(store, flt: CountyFilter, limit: int | None = None) -> list[dict[str, Any]]:
    require_county(store)
    if flt.school and not store.query("SELECT 1 FROM county_schools WHERE code = ?", (flt.school,)):
        raise BadInput(f"学校 {flt.school} 不在{unit_words(store).own}学校名单中（xueji county schools 列出名单）。")
    if flt.county and store_level(store) != "city":
        raise BadInput("按县（区）筛选只用于地市级数据文件；县级数据文件请按学校筛选（--school）。")
    if flt.county and flt.county not in county_names(store):
        raise BadInput(f"县（区）{flt.county} 不在本市县（区）名单中（xueji county counties 列出名单）。")
    ids = CountyKeys(store.conn).select(flt)
    return fetch_rows(store.conn, ids[:limit] if limit else ids, current_school_year(store))
