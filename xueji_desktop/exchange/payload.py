"""The inner payload of a submission (what the county decrypts): a deflated zip of JSON members
plus one JPEG per photo, listed with their SHA-256 in ``manifest.json``.

Building takes plain data (profile, classes, student rows), so the benchmark and tests can build
packages from generated records without a store per school.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .. import __version__
from ..errors import BadInput
from ..school import grade_code
from . import shapes
from .safezip import Limits, SafeZip, write_zip

PAYLOAD_VERSION = 1
INNER_LIMITS = Limits(max_members=60_000, max_member_size=256 << 20, max_total_size=900 << 20, max_ratio=100)


@dataclass
class StudentRow:
    uid: str
    class_code: str
    status: str
    issues: list[dict[str, Any]]
    record: dict[str, Any]          # fields + members, no class_code/grade
    pending: bool = False
    photo: bytes | None = None
    raw: str = ""                   # the JSON line as received (kept verbatim by the county)
    student_number: str = ""        # 学籍号 (临时 L… until the county gives the 正式 G…/J…)
    enrolment: str = "enrolled"     # 学籍状态 (records.enrolment: enrolled, transferred, graduated …)
    age_exception: dict[str, str] | None = None   # 入学年龄例外 {reason, by, at} (records/age_exceptions.py)


@dataclass
class Submission:
    manifest: dict[str, Any]
    school: dict[str, Any]
    classes: list[dict[str, Any]]
    students: list[StudentRow]
    change_records: list[dict[str, Any]] = field(default_factory=list)
    transfers: list[dict[str, Any]] = field(default_factory=list)  # this school's 转入 requests (records.transfers)
    plan_requests: list[dict[str, Any]] = field(default_factory=list)   # 招生计划变更申请


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def build(*, school: dict[str, Any], county_code: str, classes: list[dict[str, Any]], students: Iterable[StudentRow],
          sequence: int, created_at: str, include_pending: bool,
          change_records: list[dict[str, Any]] | None = None,
          transfers: list[dict[str, Any]] | None = None,
          plan_requests: list[dict[str, Any]] | None = None) -> bytes:
    """The inner zip. ``classes``: dicts with class_code, name, stage, entry_year, number, head_teacher…"""
    students = list(students)
    lines = []
    photos: list[tuple[str, bytes, bool]] = []
    by_class = Counter(s.class_code for s in students)
    class_info = {c["class_code"]: c for c in classes}
    by_grade: Counter[str] = Counter()
    for code, n in by_class.items():
        c = class_info.get(code)
        by_grade[(grade_code(c["stage"], c["entry_year"]) or "毕业") if c else "未分班"] += n
    for s in students:
        lines.append(student_line(s).encode("utf-8"))
        if s.photo:
            photos.append((f"photos/{s.uid}.jpg", s.photo, False))  # JPEG does not deflate
    members: list[tuple[str, bytes, bool]] = [
        ("school.json", _json(school), True),
        ("classes.json", _json(classes), True),
        ("students.jsonl", b"\n".join(lines), True),
    ]
    if change_records:
        members.append(("change_records.json", _json(change_records), True))
    if transfers:
        members.append(("transfers.json", _json(transfers), True))
    if plan_requests:
        members.append(("plan_requests.json", _json(plan_requests), True))
    members += photos
    manifest = {
        "payload_version": PAYLOAD_VERSION, "tool_version": __version__,
        "school": {"code": school["code"], "name": school["name"], "region_code": school["region_code"]},
        "county_code": county_code, "created_at": created_at, "sequence": sequence,
        "include_pending": include_pending,
        "counts": {"students": len(students), "pending": sum(s.pending for s in students), "photos": len(photos),
                   "by_grade": dict(sorted(by_grade.items())), "by_class": dict(sorted(by_class.items()))},
        "members": {name: hashlib.sha256(data).hexdigest() for name, data, _c in members},
    }
    return write_zip([("manifest.json", _json(manifest), True), *members])


def parse(body: bytes, what: str) -> Submission:
    """Check every member against the manifest's SHA-256, then every field against its shape (``shapes``),
    and parse. Raises BadInput naming the member and field, so a crafted package never surfaces as a crash."""
    z = SafeZip(body, INNER_LIMITS, what)
    manifest = shapes.check_manifest(_load(z.read("manifest.json"), what, "manifest.json"), what)
    if manifest["payload_version"] != PAYLOAD_VERSION:
        raise BadInput(f"{what}数据清单版本不受支持，请升级本程序。")
    listed = manifest["members"]
    if set(listed) != set(z.names()) - {"manifest.json"}:
        raise BadInput(f"{what}成员与数据清单不一致（多出或缺少文件），拒绝导入。")
    data: dict[str, bytes] = {}
    for name, digest in listed.items():
        content = z.read(name)
        if hashlib.sha256(content).hexdigest() != digest:
            raise BadInput(f"{what}成员“{name}”的 SHA-256 与数据清单不符，拒绝导入。")
        data[name] = content
    school = shapes.check_school(_load(data.get("school.json", b""), what, "school.json"), what)
    classes = shapes.check_classes(_load(data.get("classes.json", b""), what, "classes.json"), what)
    class_codes = {c["class_code"] for c in classes}
    students = []
    uids: set[str] = set()
    raw = data.get("students.jsonl", b"")
    for i, line in enumerate(raw.split(b"\n") if raw else []):
        where = f"{what}students.jsonl 第 {i + 1} 行"
        row = parse_student_line(line, where, class_codes)
        if row.uid in uids:
            raise BadInput(f"{where}：学生编号 uid {row.uid} 与前面的学生重复，拒绝导入。")
        uids.add(row.uid)
        row.photo = data.get(f"photos/{row.uid}.jpg")
        students.append(row)
    strays = [n for n in data if n.startswith("photos/") and n[len("photos/"):-len(".jpg")] not in uids]
    if strays:
        raise BadInput(f"{what}照片“{strays[0][:80]}”不属于包中的任何学生，拒绝导入。")
    if len(students) != manifest["counts"].get("students"):
        raise BadInput(f"{what}学生人数与数据清单不符，拒绝导入。")
    changes = shapes.check_change_records(_load(data["change_records.json"], what, "change_records.json"), what) \
        if "change_records.json" in data else []
    transfers = shapes.check_transfers(_load(data["transfers.json"], what, "transfers.json"), what) \
        if "transfers.json" in data else []
    requests = shapes.check_plan_requests(_load(data["plan_requests.json"], what, "plan_requests.json"), what) \
        if "plan_requests.json" in data else []
    return Submission(manifest, school, classes, students, changes, transfers, requests)


def student_line(s: StudentRow) -> str:
    line = {"uid": s.uid, "class_code": s.class_code, "status": s.status, "pending": s.pending,
            "enrolment": s.enrolment, "issues": s.issues, "record": s.record}
    if s.student_number:
        line["student_number"] = s.student_number
    if s.age_exception:
        line["age_exception"] = s.age_exception
    return json.dumps(line, ensure_ascii=False, separators=(",", ":"))


def parse_student_line(line: bytes, where: str, class_codes: set[str] | None = None) -> StudentRow:
    item = shapes.check_student(_load(line, where, ""), where, class_codes)
    return StudentRow(item["uid"], item.get("class_code", ""), item.get("status", ""), list(item.get("issues", [])),
                      item["record"], item.get("pending", False), None, line.decode("utf-8"),
                      item.get("student_number", ""), item.get("enrolment") or "enrolled", item.get("age_exception"))


def _load(raw: bytes, what: str, name: str) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):  # RecursionError: "[[[[…" nested too deep
        raise BadInput(f"{what}{'“' + name + '”' if name else ''}不是有效的 JSON。") from None
