"""Problem records (问题学籍, spec §6) within a school, found with indexed SQL:

1. ``id_invalid``: the ID number is wrong (the validation engine's ``id.*`` issues);
2. ``duplicate_id``: the same ID number in two or more records;
3. ``duplicate_identity``: same name + gender + birth date, both without an ID number.

The county runs the same checks over every imported school (``county.problems``); the school also sees the
findings the county sent back in its feedback.
"""

from __future__ import annotations

import json
from typing import Any

from ..storage import Store

KIND_NAMES = {"id_invalid": "身份证件号有误", "duplicate_id": "身份证件号重复",
              "duplicate_identity": "姓名、性别、出生日期相同且无身份证件号", "duplicate_number": "学籍号重复",
              "review": "县级审核"}

# The columns of a problem row, school or county (school rows leave the school columns and id_problem empty).
ROW_COLUMNS = ("row_id", "school_code", "school_name", "class_code", "class_name", "uid", "name", "gender",
               "birth_date", "id_number", "id_problem", "student_number")


def query_rows(store: Store, sql: str) -> list[dict[str, Any]]:
    return [dict(zip(ROW_COLUMNS, r, strict=True)) for r in store.query(sql)]


def group_rows(rows: list[dict[str, Any]], key_fields: tuple[str, ...], kind: str) -> list[dict[str, Any]]:
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault(tuple(r[k] for k in key_fields), []).append(r)
    return [{"kind": kind, "kind_name": KIND_NAMES[kind], "key": "/".join(k), "records": recs}
            for k, recs in groups.items()]


_SCHOOL_ROW = ("SELECT s.id, '', '', COALESCE(c.class_code, ''), COALESCE(c.name, '未分班'), s.uid, s.name, s.gender,"
               " s.birth_date, s.id_number, '', s.student_number FROM students s"
               " LEFT JOIN classes c ON c.id = s.class_id")


def school_problems(store: Store) -> list[dict[str, Any]]:
    """Within-school problem records plus the findings of the county's latest feedback."""
    out = []
    for sid, name, cls, issues in store.query(
            "SELECT s.id, s.name, COALESCE(c.name, '未分班'), s.issues FROM students s"
            " LEFT JOIN classes c ON c.id = s.class_id WHERE s.issues LIKE '%\"id.%' ORDER BY s.id"):
        msgs = [i["message"] for i in json.loads(issues)
                if str(i.get("code", "")).startswith("id.") and i.get("field") == "id_number"]
        if msgs:
            out.append({"kind": "id_invalid", "kind_name": KIND_NAMES["id_invalid"], "source": "本校",
                        "student_id": sid, "name": name, "class_name": cls, "message": "；".join(msgs)})
    for kind, sql, key in (
            ("duplicate_id", _SCHOOL_ROW + " JOIN (SELECT upper(id_number) AS n FROM students WHERE id_number <> ''"
             " GROUP BY upper(id_number) HAVING count(*) > 1) d ON d.n = upper(s.id_number) ORDER BY s.id_number",
             ("id_number",)),
            ("duplicate_identity", _SCHOOL_ROW + " JOIN (SELECT name, gender, birth_date FROM students"
             " WHERE id_number = '' GROUP BY name, gender, birth_date HAVING count(*) > 1) d ON d.name = s.name"
             " AND d.gender = s.gender AND d.birth_date = s.birth_date WHERE s.id_number = ''",
             ("name", "gender", "birth_date"))):
        for g in group_rows(query_rows(store, sql), key, kind):
            for r in g["records"]:
                others = "；".join(f"{o['class_name']} {o['name']}" for o in g["records"] if o is not r)
                out.append({"kind": kind, "kind_name": g["kind_name"], "source": "本校", "student_id": r["row_id"],
                            "name": r["name"], "class_name": r["class_name"],
                            "message": f"{g['kind_name']}，与本校 {others} 重复"})
    for sid, name, cls, kind, message in store.query(
            "SELECT s.id, s.name, COALESCE(c.name, '未分班'), f.kind, f.message FROM feedback_findings f"
            " LEFT JOIN students s ON s.uid = f.student_uid LEFT JOIN classes c ON c.id = s.class_id ORDER BY f.id"):
        out.append({"kind": kind, "kind_name": KIND_NAMES.get(kind, kind), "source": "县级反馈", "student_id": sid,
                    "name": name or "", "class_name": cls or "", "message": message})
    return out


def duplicates_for(conn, record: dict[str, Any], exclude_student_id: int | None = None) -> list[dict[str, Any]]:
    """At entry: other students of this school that the record would duplicate (same ID number; or, without
    an ID number, same name + gender + birth date). For the student form to warn before saving."""
    number = str(record.get("id_number", "") or "").strip().upper()
    if number:
        sql = _SCHOOL_ROW + " WHERE upper(s.id_number) = ?"
        params: tuple = (number,)
        kind = "duplicate_id"
    else:
        sql = _SCHOOL_ROW + " WHERE s.id_number = '' AND s.name = ? AND s.gender = ? AND s.birth_date = ?"
        params = (str(record.get("name", "")), str(record.get("gender", "")), str(record.get("birth_date", "")))
        if not all(params):
            return []
        kind = "duplicate_identity"
    rows = [dict(zip(ROW_COLUMNS, r, strict=True)) for r in conn.execute(sql, params).fetchall()]
    return [{"kind": kind, "kind_name": KIND_NAMES[kind], "student_id": r["row_id"], "name": r["name"],
             "class_name": r["class_name"]} for r in rows if r["row_id"] != exclude_student_id]
