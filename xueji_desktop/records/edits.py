"""Field edits and listings as a person types them (``xueji student list/show/set``): field names by key or
by the form's label, values in the form's words (男, 汉族, 2015-03-04 …), saved through
``students.update_student`` and so through the write gate, with the form's messages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import BadInput
from ..school import find_class
from ..validation import Issue
from ..validation.issues import ERROR
from ..validation.normalize import normalize_value
from ..validation.spec import Field, load_spec
from .enrolment import ENROLMENT_NAMES
from .students import STATUS_NAMES, get_student_conn, public_record, update_student

CLASS_FIELD = "class"
MEMBER_SLOTS = 2  # the form's 家庭成员 1 and 2


@dataclass(frozen=True)
class FieldRef:
    path: str                  # "name", "members.0.phone", "class"
    label: str                 # 姓名, 家庭成员1联系电话, 班级
    field: Field | None        # None for the class
    member: int | None


def field_ref(text: str) -> FieldRef:
    """A field named by key (``current_address``, ``members.0.phone``) or label (现居住详细地址, 家庭成员1联系电话,
    班级); BadInput naming how to find the names otherwise."""
    spec = load_spec()
    text = text.strip()
    if text in (CLASS_FIELD, "班级", "class_code"):
        return FieldRef(CLASS_FIELD, "班级", None, None)
    if text in spec.student_by_key:
        f = spec.student_by_key[text]
        return FieldRef(f.key, f.label, f, None)
    for f in spec.student_fields:
        if text in (f.label, *f.aliases):
            return FieldRef(f.key, f.label, f, None)
    for i in range(MEMBER_SLOTS):
        for f in spec.member_fields:
            label = f"家庭成员{i + 1}{f.label}"
            if text in (f"members.{i}.{f.key}", label):
                return FieldRef(f"members.{i}.{f.key}", label, f, i)
    raise BadInput(f"没有字段“{text}”：请用表单上的名称（如 现居住详细地址、家庭成员1联系电话、班级）或字段名"
                   "（resources/spec/fields.toml 的 key）。")


def parse_assignments(items: list[str]) -> list[tuple[FieldRef, str]]:
    out = []
    for item in items:
        if "=" not in item:
            raise BadInput(f"“{item}”应写成 字段=值（如 现居住详细地址=山西省太原市迎泽区…）。")
        name, value = item.split("=", 1)
        out.append((field_ref(name), value.strip()))
    if not out:
        raise BadInput("请给出要修改的 字段=值。")
    return out


def set_fields(store, student_id: int, assignments: list[tuple[FieldRef, str]]) -> list[Issue]:
    """Apply ``assignments`` to one student in one transaction; returns the record's issues afterwards.
    A value the form would not take (a wrong code, a date that is no date) is refused before anything
    changes; the write gate's refusals (controlled fields, records not 在读, class caps) likewise."""
    store.require("clerk")
    old = get_student_conn(store.conn, student_id)
    if old is None:
        raise BadInput(f"学生不存在（编号 {student_id}）。")
    record = public_record(old)
    record["members"] = [dict(m) for m in record.get("members") or []]
    class_id = None
    stage = old.get("_class_id") and store.conn.execute(
        "SELECT stage FROM classes WHERE id = ?", (old["_class_id"],)).fetchone()[0]
    for ref, raw in assignments:
        if ref.field is None:
            cls = find_class(store, raw)
            if cls is None:
                raise BadInput(f"{old.get('name')}：班级“{raw}”不存在，请填写班号（如 2009101）或班级名称。")
            class_id = cls.id
            continue
        value, issue = normalize_value(ref.field, raw, stage=stage or None)
        if issue is not None and issue.severity == ERROR:
            raise BadInput(f"{old.get('name')}：{issue.message}")
        if ref.member is None:
            target = record
        else:
            while len(record["members"]) <= ref.member:
                record["members"].append({})
            target = record["members"][ref.member]
        if value in (None, ""):
            target.pop(ref.field.key, None)
        else:
            target[ref.field.key] = value
    with store.transaction() as tx:
        return update_student(tx, student_id, record, class_id=class_id)


def student_rows(store, *, class_id: int | None = None, status: str | None = None) -> list[dict[str, Any]]:
    """The list the 学生信息 page shows, as dicts: ``status`` filters by 信息状态 (正常/有警告/待修正, ok…)
    or by 学籍状态 (在校/休学/毕业…, enrolled…)."""
    clauses, params = [], []
    if class_id is not None:
        clauses.append("s.class_id = ?")
        params.append(class_id)
    if status:
        record_states = {**{v: k for k, v in STATUS_NAMES.items()}, **{k: k for k in STATUS_NAMES}}
        enrolments = {**{v: k for k, v in ENROLMENT_NAMES.items()}, **{k: k for k in ENROLMENT_NAMES}}
        if status in record_states:
            clauses.append("s.status = ?")
            params.append(record_states[status])
        elif status in enrolments:
            clauses.append("s.enrolment = ?")
            params.append(enrolments[status])
        else:
            raise BadInput(f"状态“{status}”不对：可用 {'、'.join(STATUS_NAMES.values())}（信息状态）或 "
                           f"{'、'.join(ENROLMENT_NAMES.values())}（学籍状态）。")
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    rows = store.query(
        "SELECT s.id, s.name, s.gender, s.birth_date, s.id_number, COALESCE(c.name, '未分班'), s.status, s.enrolment,"
        " s.county_accepted FROM students s LEFT JOIN classes c ON c.id = s.class_id" + where +
        " ORDER BY c.stage, c.entry_year DESC, c.number, s.name, s.id", params)
    genders = load_spec().codes["gender"]
    return [{"student_id": sid, "name": name, "gender": genders.name_of(gender) or gender, "birth_date": birth,
             "id_number": number, "class": cls, "status": STATUS_NAMES.get(st, st),
             "enrolment": ENROLMENT_NAMES.get(en, en), "county_accepted": bool(acc)}
            for sid, name, gender, birth, number, cls, st, en, acc in rows]


def shown_record(store, student_id: int) -> dict[str, Any]:
    """One student as ``student show`` prints it: labelled values (code names, not codes), members, issues."""
    old = get_student_conn(store.conn, student_id)
    if old is None:
        raise BadInput(f"学生不存在（编号 {student_id}）。")
    spec = load_spec()

    def shown(f: Field, value: Any) -> Any:
        table = spec.codes.get(f.codes) if f.codes else None
        return (table.name_of(str(value)) or value) if table else value

    fields = {f.label: shown(f, old[f.key]) for f in spec.student_fields
              if f.key not in ("class_code", "grade") and old.get(f.key) not in (None, "")}
    members = [{f.label: shown(f, m[f.key]) for f in spec.member_fields if m.get(f.key) not in (None, "")}
               for m in old.get("members") or []]
    class_row = store.query("SELECT name FROM classes WHERE id = ?", (old["_class_id"],)) if old["_class_id"] else []
    return {"student_id": student_id, "uid": old["_uid"], "name": old.get("name", ""),
            "class": class_row[0][0] if class_row else "未分班", "status": STATUS_NAMES.get(old["_status"]),
            "enrolment": ENROLMENT_NAMES.get(old["_enrolment"], old["_enrolment"]),
            "county_accepted": old["_accepted"], "fields": fields, "members": members,
            "issues": [{"field": i.get("field"), "severity": i.get("severity"), "message": i.get("message")}
                       for i in old["_issues"]]}
