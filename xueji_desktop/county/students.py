"""The county's view of its merged student data: one filter (school, name or ID number, 学籍状态) for the
CLI (`xueji county students`), the GUI's paged browser and the Excel export alike.

Filtering works as in the school's list (ui/student_model.py): the keys of every student are read once, in
list order (school, class, name), with one scan of the covering index ``county_students_list`` (schema v10),
and filtered in Python; row contents are read by id, a page at a time. Through SQLCipher, filtering 200,000
rows in SQL costs 0.2-3 s per filter; the keys cost a few hundred ms once (2-3 s at a city of 2,000,000) and
each filter a few ms.
"""

from __future__ import annotations

import json
from array import array
from collections.abc import Sequence
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


# One scan of the covering list index, each key column joined into one string by SQLite (the subquery's order is
# kept: an aggregate's subquery with ORDER BY is not flattened). Names and ID numbers cannot hold the separator.
_KEYS_SQL = ("SELECT group_concat(id), group_concat(replace(name, char(10), ' '), char(10)), group_concat(enrolment),"
             " group_concat(replace(id_number, char(10), ' '), char(10)) FROM (SELECT id, name, enrolment, id_number"
             " FROM county_students INDEXED BY county_students_list ORDER BY school_code, class_code, name)")
# Each school's number of students, in school order (the list's first key): the runs of the list.
_RUNS_SQL = ("SELECT school_code, count(*) FROM county_students INDEXED BY county_students_counts"
             " GROUP BY school_code ORDER BY school_code")


class CountyKeys:
    """The filter keys of every imported student, in list order (school, class, name). A city holds 2,000,000
    students: the keys are kept compact, not as Python objects per student and column — ids in an array, each
    school as its run of rows, 学籍状态 as one byte per row (read on the first filter by it), names and ID numbers as
    the joined text the substring search works on (~100 MB at a city instead of ~1 GB)."""

    def __init__(self, conn) -> None:
        self._conn = conn
        own = not conn.in_transaction  # both reads from one snapshot: an import may be running elsewhere
        if own:
            conn.execute("BEGIN")
        try:
            ids, names, enrolments, numbers = (v or "" for v in conn.execute(_KEYS_SQL).fetchone())
            runs = conn.execute(_RUNS_SQL).fetchall()
        finally:
            if own:
                conn.execute("COMMIT")
        self.ids = array("q", map(int, ids.split(","))) if ids else array("q")
        self._runs: dict[str, range] = {}  # school code -> its rows (the list is sorted by school)
        at = 0
        for code, size in runs:
            self._runs[code] = range(at, at + size)
            at += size
        self._joined = {"name": names, "number": numbers, "enrolment": enrolments}
        self._search: dict[str, Any] = {}

    def __len__(self) -> int:
        return len(self.ids)

    def _text(self, which: str) -> TextColumn:
        if which not in self._search:
            self._search[which] = TextColumn.joined(self._joined[which] if self.ids else None)
        return self._search[which]

    def _enrolments(self) -> tuple[bytearray, dict[str, int]]:
        """学籍状态 per row as a byte, and value -> byte (a handful of values)."""
        if "enrolment" not in self._search:
            values: dict[str, int] = {}
            text = self._joined["enrolment"]
            codes = bytearray(values.setdefault(v, len(values)) for v in (text.split(",") if self.ids else []))
            self._search["enrolment"] = codes, values
        return self._search["enrolment"]

    def _county_rows(self, county: str) -> list[int]:
        """The rows of a county's schools, in list order."""
        key = f"county{county}"
        if key not in self._search:
            schools = {code for code, region in self._conn.execute(
                "SELECT code, region_code FROM county_schools") if county_of(region) == county}
            self._search[key] = [i for code, run in self._runs.items() if code in schools for i in run]
        return self._search[key]

    def select(self, flt: CountyFilter) -> Sequence[int]:
        """Student ids (county_students.id) matching ``flt``, in list order."""
        rows: range | list[int] = range(len(self.ids))
        if flt.school:
            rows = self._runs.get(flt.school, range(0))
        if flt.county:
            in_county = self._county_rows(flt.county)
            rows = ([i for i in in_county if i in rows] if len(rows) < len(self.ids) else in_county)
        text = flt.text.strip()
        if text:
            hits = (self._text("number").find(text.upper(), prefix=True) if text[0].isdigit()
                    else self._text("name").find(text))
            if isinstance(rows, range):
                rows = [i for i in hits if i in rows] if len(rows) < len(self.ids) else hits
            else:
                wanted = set(rows)
                rows = [i for i in hits if i in wanted]
        if flt.enrolment is not None:
            codes, values = self._enrolments()
            code = values.get(flt.enrolment, -1)
            if isinstance(rows, range) and len(rows) == len(self.ids):
                return self._by_enrolment(code)
            rows = [i for i in rows if codes[i] == code]
        ids = self.ids
        return ids if isinstance(rows, range) and len(rows) == len(ids) else [ids[i] for i in rows]

    def _by_enrolment(self, code: int) -> list[int]:
        """The ids of every student with 学籍状态 ``code``: found with bytes.find (C speed), kept for the next time."""
        key = f"enrolment{code}"
        if key not in self._search:
            codes, ids, found, at = bytes(self._enrolments()[0]), self.ids, [], 0
            byte = bytes([code]) if 0 <= code < 256 else b""
            while byte and (at := codes.find(byte, at)) >= 0:
                found.append(ids[at])
                at += 1
            self._search[key] = found
        return self._search[key]


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
