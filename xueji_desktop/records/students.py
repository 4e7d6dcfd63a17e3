"""Student records: create, read, update, delete, each validated and audited in one transaction.

A record is a flat dict keyed by the field keys of ``resources/spec/fields.toml``
(values are *codes* for code-table fields), plus ``members``: a list of family
member dicts (keyed by the member field keys). ``class_code`` and ``grade`` are
derived from the class the student is in and are not stored in ``data``.
"""

from __future__ import annotations

import json
import uuid
from datetime import date
from typing import Any

from ..access import is_out_of_scope
from ..errors import BadInput, PermissionDenied
from ..school import ClassInfo, grade_code, school_year_of
from ..storage.audit import diff
from ..storage.store import Tx, now_iso
from ..validation import Issue, ValidationContext, status_of, validate_student
from ..validation.confirm import reconcile_confirmations
from . import age_exceptions
from .gate import KEEP, Gate
from .student_number import give_temporary

CORE_COLUMNS = ("name", "gender", "birth_date", "id_type", "id_number")
DERIVED = ("class_code", "grade", "members")
STATUS_NAMES = {"ok": "正常", "warning": "有警告", "pending": "待修正"}


def context_for(cls: ClassInfo | None, today: date | None = None, school_year: int | None = None) -> ValidationContext:
    today = today or date.today()
    year = school_year if school_year is not None else school_year_of(today)
    if cls is None:
        return ValidationContext(today=today, school_year=year)
    return ValidationContext(today=today, stage=cls.stage, entry_year=cls.entry_year, school_year=year)


def pinned_school_year(conn) -> int | None:
    """The school year the store is in (set at creation, advanced only by the roll-over)."""
    row = conn.execute("SELECT value FROM meta WHERE key = 'school_year'").fetchone()
    return int(row[0]) if row else None


def _class_by_id(conn, class_id: int | None) -> ClassInfo | None:
    if class_id is None:
        return None
    row = conn.execute("SELECT id, class_code, name, stage, entry_year, number, head_teacher FROM classes"
                       " WHERE id = ?", (class_id,)).fetchone()
    if row is None:
        raise BadInput(f"班级不存在（编号 {class_id}）。")
    return ClassInfo(*row)


def with_class(record: dict[str, Any], cls: ClassInfo | None, today: date | None = None,
               school_year: int | None = None) -> dict[str, Any]:
    """The record as validated and shown: with class_code and grade filled from the class."""
    full = dict(record)
    if cls is not None:
        full["class_code"] = cls.class_code
        full["grade"] = grade_code(cls.stage, cls.entry_year, today, school_year=school_year) or ""
    return full


def _clean_members(members: Any) -> list[dict[str, Any]]:
    out = []
    for m in members or []:
        m = {k: v for k, v in dict(m).items() if v not in (None, "")}
        if m:
            out.append(m)
    return out


def _split(record: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    data = {k: v for k, v in record.items()
            if k not in DERIVED and not k.startswith("_") and v not in (None, "")}
    return data, _clean_members(record.get("members"))


def _write_members(tx: Tx, student_id: int, members: list[dict[str, Any]]) -> None:
    tx.execute("DELETE FROM family_members WHERE student_id = ?", (student_id,))
    tx.executemany(
        "INSERT INTO family_members (student_id, seq, name, relation, id_number, data) VALUES (?, ?, ?, ?, ?, ?)",
        [(student_id, i + 1, m.get("name", ""), m.get("relation", ""), m.get("id_number", ""),
          json.dumps(m, ensure_ascii=False)) for i, m in enumerate(members)],
    )


def add_student(tx: Tx, record: dict[str, Any], class_id: int | None, *, uid: str | None = None,
                issues: list[Issue] | None = None, today: date | None = None, gate: Gate | None = None,
                registering: bool = True) -> int:
    """Insert one student; ``issues`` may be passed when the caller already validated the record.
    ``registering`` False: the student arrives with a 学籍 (transfer in), so the 新生注册 rules do not apply.
    The write gate (class cap, 新生注册 window and entry age) is asked first; pass ``gate`` when writing many in
    one transaction (its ``today`` then counts, not this one's)."""
    tx.store.require("clerk")
    cls = _class_by_id(tx.conn, class_id)
    data, members = _split(record)
    gate = gate or Gate(tx.store, tx.conn, today=today)
    gate.admit(None, {**data, "members": members}, class_id, registering=registering)
    waived = gate.take_waived()
    if issues is None:
        year = pinned_school_year(tx.conn)
        issues = validate_student(with_class({**data, "members": members}, cls, today, year),
                                  context_for(cls, today, year))
    ts = now_iso()
    cur = tx.execute(
        "INSERT INTO students (uid, class_id, name, gender, birth_date, id_type, id_number, status, error_count,"
        " warning_count, data, issues, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (uid or str(uuid.uuid4()), class_id, *(str(data.get(k, "")) for k in CORE_COLUMNS), status_of(issues),
         sum(i.severity == "error" for i in issues), sum(i.severity == "warning" for i in issues),
         json.dumps(data, ensure_ascii=False), json.dumps([i.to_dict() for i in issues], ensure_ascii=False),
         ts, ts),
    )
    student_id = cur.lastrowid
    _write_members(tx, student_id, members)
    changes = diff(None, data)
    for i, m in enumerate(members):
        changes.update({f"members.{i}.{k}": v for k, v in diff(None, m).items()})
    for number, _sid in give_temporary(tx.conn, [student_id]):
        changes["student_number"] = [None, number]
    if waived:  # a county rule waived for this child by the clerk: kept (sent up to the county) and audited
        age_exceptions.record(tx, student_id, gate.age_exception, waived)
        changes[age_exceptions.AUDIT_KEY] = [None, "；".join(waived)]
    tx.audit("新增学生", "students", student_id, changes)
    return student_id


def update_student(tx: Tx, student_id: int, record: dict[str, Any], *, class_id: int | None = None,
                   today: date | None = None, key_change_approved: bool = False,
                   gate: Gate | None = None) -> list[Issue]:
    """Replace the record's fields (and optionally its class); returns the new issues.

    The write gate refuses (:class:`.gate.Refused`, nothing written) edits that must go through a change
    (records not 在读; controlled fields of records the county accepted; a full class) unless
    ``key_change_approved`` (set only when an approved request takes effect).
    """
    tx.store.require("clerk", "leader")  # a leader's approval of a key-field change writes the record
    old = get_student_conn(tx.conn, student_id)
    if old is None:
        raise BadInput(f"学生不存在（编号 {student_id}）。")
    new_class_id = class_id if class_id is not None else old["_class_id"]
    cls = _class_by_id(tx.conn, new_class_id)
    data, members = _split(record)
    old_data, old_members = _split(old)
    (gate or Gate(tx.store, tx.conn)).admit(old, {**data, "members": members},
                                            KEEP if class_id is None else class_id,
                                            key_change_approved=key_change_approved)
    year = pinned_school_year(tx.conn)
    issues = validate_student(with_class({**data, "members": members}, cls, today, year),
                              context_for(cls, today, year))
    tx.execute(
        "UPDATE students SET class_id = ?, name = ?, gender = ?, birth_date = ?, id_type = ?, id_number = ?,"
        " status = ?, error_count = ?, warning_count = ?, data = ?, issues = ?, updated_at = ? WHERE id = ?",
        (new_class_id, *(str(data.get(k, "")) for k in CORE_COLUMNS), status_of(issues),
         sum(i.severity == "error" for i in issues), sum(i.severity == "warning" for i in issues),
         json.dumps(data, ensure_ascii=False), json.dumps([i.to_dict() for i in issues], ensure_ascii=False),
         now_iso(), student_id),
    )
    _write_members(tx, student_id, members)
    changes = diff(old_data, data)
    old_members = old.get("members", [])
    for i in range(max(len(old_members), len(members))):
        a = old_members[i] if i < len(old_members) else None
        b = members[i] if i < len(members) else None
        changes.update({f"members.{i}.{k}": v for k, v in diff(a, b).items()})
    if new_class_id != old["_class_id"]:
        changes["class_id"] = [old["_class_id"], new_class_id]
    for number, _sid in give_temporary(tx.conn, [student_id]):  # saved before without a birth date
        changes["student_number"] = [None, number]
    if changes:
        tx.audit("修改学生", "students", student_id, changes)
    reconcile_confirmations(tx, student_id, issues, changes)
    return issues


def remove_student(tx: Tx, student_id: int, action: str, why: dict[str, Any]) -> None:
    """Remove a student and everything attached (members, photo, confirmations, change records with their
    evidence), keeping in the audit log who, when (the entry's), ``why`` and every old value.
    Only :mod:`.deletion` calls this, after the gate said how the record may go (``gate.deletion_route``)."""
    old = get_student_conn(tx.conn, student_id)
    if old is None:
        raise BadInput(f"学生不存在（编号 {student_id}）。")
    data, members = _split(old)
    changes: dict[str, Any] = {k: [v, None] for k, v in data.items()}
    for i, m in enumerate(members):
        changes.update({f"members.{i}.{k}": [v, None] for k, v in m.items()})
    changes.update({"uid": [old["_uid"], None], "class_id": [old["_class_id"], None],
                    "class_code": [old.get("class_code"), None], "enrolment": [old["_enrolment"], None]})
    changes.update({k: [None, v] for k, v in why.items()})
    kept = [r[0] for r in tx.execute("SELECT id FROM change_records WHERE student_id = ?", (student_id,))]
    if kept:
        changes["change_records"] = [kept, None]
    tx.execute("DELETE FROM change_records WHERE student_id = ?", (student_id,))  # (evidence cascades)
    tx.execute("UPDATE transfers SET student_id = NULL WHERE student_id = ?", (student_id,))  # the request stays
    tx.execute("DELETE FROM students WHERE id = ?", (student_id,))  # (members, photo, confirmations cascade)
    tx.audit(action, "students", student_id, changes)


def get_student_conn(conn, student_id: int) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT s.class_id, s.uid, s.status, s.data, s.issues, c.class_code, c.stage, c.entry_year, s.enrolment,"
        " s.county_accepted, s.student_number FROM students s LEFT JOIN classes c ON c.id = s.class_id"
        " WHERE s.id = ?", (student_id,)
    ).fetchone()
    if row is None:
        return None
    class_id, uid, status, data, issues, code, stage, entry_year, enrolment, accepted, student_number = row
    record = json.loads(data)
    record["members"] = [json.loads(m[0]) for m in conn.execute(
        "SELECT data FROM family_members WHERE student_id = ? ORDER BY seq", (student_id,))]
    if code:
        record["class_code"] = code
        record["grade"] = grade_code(stage, entry_year, school_year=pinned_school_year(conn)) or ""
    record["_id"] = student_id
    record["_uid"] = uid
    record["_class_id"] = class_id
    record["_status"] = status
    record["_issues"] = json.loads(issues)
    record["_enrolment"] = enrolment
    record["_accepted"] = bool(accepted)
    record["_student_number"] = student_number
    return record


def get_student(store, student_id: int) -> dict[str, Any] | None:
    return get_student_conn(store.conn, student_id)


def public_record(record: dict[str, Any]) -> dict[str, Any]:
    """Drop the bookkeeping keys (``_id``…) from a record returned by :func:`get_student`."""
    return {k: v for k, v in record.items() if not k.startswith("_")}


def resolve_student(conn, text: str) -> int | None:
    """The student a user names by 身份证件号 or by database id (CLI arguments, dialogs); None if unknown.
    An ID number shared by several records is refused rather than guessed."""
    token = text.strip()
    rows = conn.execute("SELECT id FROM students WHERE id_number = ?", (token.upper(),)).fetchall()
    if len(rows) > 1:
        raise BadInput(f"身份证件号 {token} 对应多名学生，请用学生编号。")
    if rows:
        return rows[0][0]
    if token.isdigit() and len(token) < 15:
        row = conn.execute("SELECT id FROM students WHERE id = ?", (int(token),)).fetchone()
        if row:
            return row[0]
    # a class teacher's connection hides other classes (access.py): say so rather than "not found"
    hidden = conn.execute("SELECT id FROM main.students WHERE id_number = ? OR id = ?",
                          (token.upper(), int(token) if token.isdigit() and len(token) < 15 else -1)).fetchone()
    if hidden and is_out_of_scope(conn, hidden[0]):
        raise PermissionDenied("该学生不在您负责的班级：班主任只能查看、打印和核对自己负责的班级的学生。")
    return None


def count_students(store) -> int:
    return store.conn.execute("SELECT count(*) FROM students").fetchone()[0]
