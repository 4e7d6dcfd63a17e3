"""The allowed shape of every member of a submission payload: types, lengths and codes, field by field.

A school signs whatever it puts in its package, so a valid signature says *who* sent it, not that it is
well formed. Everything the county keeps or later re-packs for the level above (``county export-up``)
is checked here first; a package that fails any check is refused whole with one message naming the member,
the line and the field. Field names and formats follow what ``payload.build`` writes.
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import BadInput

MAX_TEXT = 2000            # any free text (addresses, reasons); the spec's longest field is 200 characters
MAX_NAME = 100
MAX_SEQUENCE = (1 << 53) - 1   # fits SQLite's INTEGER and a JSON number without rounding
MAX_CLASSES = 2000
MAX_NESTING = 4            # record → members → member → value

SCHOOL_CODE = re.compile(r"^\d{10}$")
REGION_CODE = re.compile(r"^\d{12}$")
COUNTY_CODE = re.compile(r"^\d{6}$")
CLASS_CODE = re.compile(r"^\d{4}[123]\d{2}$")
UID = re.compile(r"^[A-Za-z0-9\-]{1,64}$")
STUDENT_NUMBER = re.compile(r"^(?:[LJ]\d{18}|G\d{17}[\dX])$")  # 学籍号, records/student_number.py
SHA256 = re.compile(r"^[0-9a-f]{64}$")
FIELD_NAME = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
ENROLMENT = re.compile(r"^[a-z_]{1,16}$")
TRANSFER_KEY = re.compile(r"^\d{10}-\d{1,9}$")


class Shape:
    """Checks for one member; every failure names ``where`` (member and line) and the field."""

    def __init__(self, where: str) -> None:
        self.where = where

    def fail(self, field: str, problem: str) -> BadInput:
        return BadInput(f"{self.where}的“{field}”{problem}，数据包不是本程序写出的或被篡改，拒绝导入。")

    def dict(self, value: Any, field: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(field, f"应为对象，实际为{_type(value)}")
        return value

    def list(self, value: Any, field: str, limit: int) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(field, f"应为列表，实际为{_type(value)}")
        if len(value) > limit:
            raise self.fail(field, f"条目过多（{len(value)}，上限 {limit}）")
        return value

    def text(self, value: Any, field: str, limit: int = MAX_TEXT, pattern: re.Pattern[str] | None = None,
             empty: bool = True) -> str:
        if not isinstance(value, str):
            raise self.fail(field, f"应为文字，实际为{_type(value)}")
        if len(value) > limit:
            raise self.fail(field, f"过长（{len(value)} 字，上限 {limit}）")
        if not value and not empty:
            raise self.fail(field, "为空")
        if value and pattern is not None and not pattern.match(value):
            raise self.fail(field, f"格式不对（“{value[:40]}”）")
        return value

    def int(self, value: Any, field: str, low: int, high: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(field, f"应为整数，实际为{_type(value)}")
        if not low <= value <= high:
            raise self.fail(field, f"超出范围（{str(value)[:30]}，应在 {low} 到 {high} 之间）")
        return value

    def bool(self, value: Any, field: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(field, f"应为是/否，实际为{_type(value)}")
        return value

    def scalar_tree(self, value: Any, field: str, depth: int = 0) -> None:
        """A record value: text, number, yes/no or empty, or lists/objects of those, nested a few levels."""
        if value is None or isinstance(value, bool | int | float):
            return
        if isinstance(value, str):
            self.text(value, field)
        elif depth >= MAX_NESTING:
            raise self.fail(field, "嵌套层次过深")
        elif isinstance(value, list):
            for item in self.list(value, field, 1000):
                self.scalar_tree(item, field, depth + 1)
        elif isinstance(value, dict):
            for key, item in value.items():
                self.text(key, field, 64, FIELD_NAME, empty=False)
                self.scalar_tree(item, f"{field}.{key}", depth + 1)
        else:  # pragma: no cover - json only yields the types above
            raise self.fail(field, f"类型不对（{_type(value)}）")


def _type(value: Any) -> str:
    return {dict: "对象", list: "列表", str: "文字", bool: "是/否", int: "整数", float: "小数",
            type(None): "空值"}.get(type(value), type(value).__name__)


# ---- members ----------------------------------------------------------------------------------------

def check_manifest(manifest: Any, what: str) -> dict[str, Any]:
    s = Shape(f"{what}manifest.json")
    m = s.dict(manifest, "manifest")
    s.int(m.get("payload_version"), "payload_version", 1, 1 << 16)
    s.text(m.get("tool_version", ""), "tool_version", 40)
    school = s.dict(m.get("school"), "school")
    s.text(school.get("code"), "school.code", 10, SCHOOL_CODE, empty=False)
    s.text(school.get("name"), "school.name", MAX_NAME, empty=False)
    s.text(school.get("region_code"), "school.region_code", 12, REGION_CODE, empty=False)
    s.text(m.get("county_code", ""), "county_code", 6, COUNTY_CODE)
    s.text(m.get("created_at", ""), "created_at", 40)
    s.int(m.get("sequence"), "sequence", 1, MAX_SEQUENCE)
    s.bool(m.get("include_pending", False), "include_pending")
    counts = s.dict(m.get("counts"), "counts")
    for key in ("students", "pending", "photos"):
        s.int(counts.get(key, 0), f"counts.{key}", 0, 1 << 31)
    for key in ("by_grade", "by_class"):
        for name, n in s.dict(counts.get(key, {}), f"counts.{key}").items():
            s.text(name, f"counts.{key}", 20)
            s.int(n, f"counts.{key}.{name[:20]}", 0, 1 << 31)
    for name, digest in s.dict(m.get("members"), "members").items():
        s.text(digest, f"members.{name[:60]}", 64, SHA256, empty=False)
    return m


def check_school(school: Any, what: str) -> dict[str, Any]:
    """school.json: the school's profile (code, name, region code, address, extra profile fields as text)."""
    s = Shape(f"{what}school.json")
    d = s.dict(school, "school")
    s.text(d.get("code"), "code", 10, SCHOOL_CODE, empty=False)
    s.text(d.get("name"), "name", MAX_NAME, empty=False)
    s.text(d.get("region_code"), "region_code", 12, REGION_CODE, empty=False)
    if len(d) > 100:
        raise s.fail("school", "项目过多")
    for key, value in d.items():
        s.text(key, "school", 64, FIELD_NAME, empty=False)
        if key not in ("code", "name", "region_code"):
            s.scalar_tree(value, key, depth=MAX_NESTING - 1)
    return d


def check_classes(classes: Any, what: str) -> list[dict[str, Any]]:
    """classes.json: one object per class; 班号 unique."""
    s = Shape(f"{what}classes.json")
    seen: set[str] = set()
    for i, item in enumerate(s.list(classes, "classes", MAX_CLASSES)):
        c = Shape(f"{what}classes.json 第 {i + 1} 个班级")
        d = c.dict(item, "班级")
        code = c.text(d.get("class_code"), "class_code", 7, CLASS_CODE, empty=False)
        if code in seen:
            raise c.fail("class_code", f"与前面的班级重复（班号 {code} 重复）")
        seen.add(code)
        c.text(d.get("name"), "name", MAX_NAME, empty=False)
        stage = c.int(d.get("stage"), "stage", 1, 3)
        year = c.int(d.get("entry_year"), "entry_year", 1900, 2999)
        number = c.int(d.get("number"), "number", 1, 99)
        if code != f"{year:04d}{stage}{number:02d}":
            raise c.fail("class_code", f"与入学年份、学段、班级序号不一致（{code}）")
        c.text(d.get("head_teacher", ""), "head_teacher", MAX_NAME)
        for key, value in d.items():
            c.text(key, "班级", 64, FIELD_NAME, empty=False)
            c.scalar_tree(value, key, depth=MAX_NESTING - 1)
    return classes


def check_student(item: Any, where: str, class_codes: set[str] | None) -> dict[str, Any]:
    """One line of students.jsonl: uid, class_code (a listed class or '' for 未分班), status, pending,
    student_number (学籍号, may be absent), age_exception (入学年龄例外 {reason, by, at}, may be absent), issues,
    record (field → value; ``members`` a list of family-member objects)."""
    s = Shape(where)
    d = s.dict(item, "学生")
    s.text(d.get("uid"), "uid", 64, UID, empty=False)
    code = s.text(d.get("class_code", ""), "class_code", 7, CLASS_CODE)
    if class_codes is not None and code and code not in class_codes:
        raise s.fail("class_code", f"是 classes.json 中没有的班级 {code}")
    s.text(d.get("status", ""), "status", 20)
    s.text(d.get("enrolment", ""), "enrolment", 16, ENROLMENT)
    s.bool(d.get("pending", False), "pending")
    s.text(d.get("student_number", ""), "student_number", 19, STUDENT_NUMBER)
    if "age_exception" in d:  # 入学年龄例外 (absent in packages from before it was sent, and for most students)
        exception = s.dict(d["age_exception"], "age_exception")
        s.text(exception.get("reason"), "age_exception.reason", 500)
        s.text(exception.get("by"), "age_exception.by", MAX_NAME + 70)
        s.text(exception.get("at"), "age_exception.at", 40)
        if set(exception) - {"reason", "by", "at"}:
            raise s.fail("age_exception", "有多余的项")
    for n, issue in enumerate(s.list(d.get("issues", []), "issues", 500)):
        issue = s.dict(issue, f"issues[{n}]")
        for key, value in issue.items():
            s.text(key, f"issues[{n}]", 64, FIELD_NAME, empty=False)
            if value is not None and not isinstance(value, bool | int | float):
                s.text(value, f"issues[{n}].{key}")
    record = s.dict(d.get("record"), "record")
    if len(record) > 300:
        raise s.fail("record", "字段过多")
    for key, value in record.items():
        s.text(key, "record", 64, FIELD_NAME, empty=False)
        if key == "members":
            for n, member in enumerate(s.list(value, "members", 50)):
                for mk, mv in s.dict(member, f"members[{n}]").items():
                    s.text(mk, f"members[{n}]", 64, FIELD_NAME, empty=False)
                    s.scalar_tree(mv, mk, depth=MAX_NESTING - 1)
        elif value is not None and not isinstance(value, bool | int | float):
            s.text(value, key)
    return d


def check_plan_requests(requests: Any, what: str) -> list[dict[str, Any]]:
    """plan_requests.json: the school's 招生计划变更申请 (records/admissions.py)."""
    s = Shape(f"{what}plan_requests.json")
    out, seen = [], set()
    for i, item in enumerate(s.list(requests, "plan_requests", 10_000)):
        c = Shape(f"{what}plan_requests.json 第 {i + 1} 条")
        d = c.dict(item, "申请")
        r = {"request_id": c.int(d.get("request_id"), "request_id", 1, MAX_SEQUENCE),
             "stage": c.int(d.get("stage"), "stage", 1, 3), "year": c.int(d.get("year"), "year", 2000, 2999),
             "count": c.int(d.get("count"), "count", 0, 100_000), "reason": c.text(d.get("reason"), "reason", 500),
             "requested_at": c.text(d.get("requested_at"), "requested_at", 40)}
        if r["request_id"] in seen:
            raise c.fail("request_id", "重复")
        seen.add(r["request_id"])
        out.append(r)
    return out


def check_change_records(changes: Any, what: str) -> list[dict[str, Any]]:
    """change_records.json: the school's 学籍异动 records, with evidence for those awaiting the county."""
    s = Shape(f"{what}change_records.json")
    seen: set[int] = set()
    for i, item in enumerate(s.list(changes, "change_records", 100_000)):
        c = Shape(f"{what}change_records.json 第 {i + 1} 条")
        d = c.dict(item, "异动")
        change_id = c.int(d.get("change_id"), "change_id", 1, MAX_SEQUENCE)
        if change_id in seen:
            raise c.fail("change_id", f"与前面的异动重复（{change_id}）")
        seen.add(change_id)
        c.text(d.get("student_uid", ""), "student_uid", 64, UID)
        for key in ("kind", "status"):
            c.text(d.get(key, ""), key, 40)
        for key in ("effective_date", "applied_at", "decided_at"):
            if d.get(key) is not None:
                c.text(d.get(key), key, 40)
        c.text(d.get("reason", ""), "reason")
        c.text(d.get("data", "{}"), "data", 100_000)
        for n, ev in enumerate(c.list(d.get("evidence", []), "evidence", 50)):
            ev = c.dict(ev, f"evidence[{n}]")
            c.text(ev.get("filename"), f"evidence[{n}].filename", 255, empty=False)
            c.text(ev.get("sha256", ""), f"evidence[{n}].sha256", 64, SHA256)
            c.text(ev.get("content"), f"evidence[{n}].content", 30 << 20)
    return changes


def check_transfers(transfers: Any, what: str) -> list[dict[str, Any]]:
    """transfers.json: the school's 转入 requests (records/transfers.py), with evidence while they are open."""
    s = Shape(f"{what}transfers.json")
    seen: set[str] = set()
    for i, item in enumerate(s.list(transfers, "transfers", 100_000)):
        c = Shape(f"{what}transfers.json 第 {i + 1} 条")
        d = c.dict(item, "转学申请")
        key = c.text(d.get("key"), "key", 20, TRANSFER_KEY, empty=False)
        if key in seen:
            raise c.fail("key", f"与前面的转学申请重复（{key}）")
        seen.add(key)
        c.text(d.get("id_number"), "id_number", 30, empty=False)
        c.text(d.get("name"), "name", MAX_NAME, empty=False)
        c.text(d.get("from_school"), "from_school", 10, SCHOOL_CODE, empty=False)
        c.text(d.get("class_code", ""), "class_code", 7, CLASS_CODE)
        for key_ in ("effective_date", "state", "applied_at"):
            c.text(d.get(key_, ""), key_, 40)
        for key_ in ("reason", "state_reason"):
            c.text(d.get(key_, ""), key_)
        for n, ev in enumerate(c.list(d.get("evidence", []), "evidence", 20)):
            ev = c.dict(ev, f"evidence[{n}]")
            c.text(ev.get("filename"), f"evidence[{n}].filename", 255, empty=False)
            c.text(ev.get("sha256", ""), f"evidence[{n}].sha256", 64, SHA256)
            c.text(ev.get("content"), f"evidence[{n}].content", 30 << 20)
    return transfers
