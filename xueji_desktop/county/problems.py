"""Problem records (问题学籍, spec §6) across every school the county has imported: the same three kinds
as at a school (``records.problems``), found with indexed SQL over ``county_students``; a duplicate names
every school and class it was found in. And a fourth only the county can see: ``duplicate_number``, one
学籍号 on two records (two schools of one area can draw the same temporary number).
"""

from __future__ import annotations

from typing import Any

from ..records.problems import KIND_NAMES, group_rows, query_rows
from ..storage import Store

_COUNTY_ROW = ("SELECT s.id, s.school_code, sc.name, s.class_code, COALESCE(c.name, s.class_code), s.uid, s.name,"
               " s.gender, s.birth_date, s.id_number, s.id_problem, s.student_number FROM county_students s"
               " JOIN county_schools sc ON sc.code = s.school_code"
               " LEFT JOIN county_classes c ON c.school_code = s.school_code AND c.class_code = s.class_code")


# A record that ended at one school (转出, 毕业, 结业, 肄业) and the child's record at the next school are the
# same child's two chapters, not a duplicate: only current records are compared.
_CURRENT = "enrolment NOT IN ('transferred', 'graduated', 'completed', 'incomplete')"


def county_problems(store: Store) -> list[dict[str, Any]]:
    """All problem groups across the county: [{kind, kind_name, key, records: [...]}]."""
    out = [{"kind": "id_invalid", "kind_name": KIND_NAMES["id_invalid"], "key": r["id_number"], "records": [r],
            "message": r["id_problem"]}
           for r in query_rows(store, _COUNTY_ROW + " WHERE s.id_problem <> '' ORDER BY s.school_code, s.id")]
    out += group_rows(query_rows(store, _COUNTY_ROW + " JOIN (SELECT id_number FROM county_students"
                                 f" WHERE id_number <> '' AND {_CURRENT} GROUP BY id_number HAVING count(*) > 1) d"
                                 f" ON d.id_number = s.id_number WHERE s.{_CURRENT}"
                                 " ORDER BY s.id_number, s.school_code, s.id"),
                      ("id_number",), "duplicate_id")
    out += group_rows(query_rows(store, _COUNTY_ROW + " JOIN (SELECT name, gender, birth_date FROM county_students"
                                 " WHERE id_number = '' GROUP BY name, gender, birth_date HAVING count(*) > 1) d"
                                 " ON d.name = s.name AND d.gender = s.gender AND d.birth_date = s.birth_date"
                                 " WHERE s.id_number = '' ORDER BY s.name, s.birth_date, s.school_code, s.id"),
                      ("name", "gender", "birth_date"), "duplicate_identity")
    out += group_rows(query_rows(store, _COUNTY_ROW + " JOIN (SELECT student_number FROM county_students"
                                 " WHERE student_number <> '' GROUP BY student_number HAVING count(*) > 1) d"
                                 " ON d.student_number = s.student_number"
                                 " ORDER BY s.student_number, s.school_code, s.id"), ("student_number",),
                      "duplicate_number")
    return out


def _where(r: dict[str, Any]) -> str:
    return f"{r['school_code']}{r['school_name']} {r['class_name']} {r['name']}"


def findings_for_school(problems: list[dict[str, Any]], school_code: str) -> list[dict[str, str]]:
    """Per-student findings for one school's feedback, naming the other records of each duplicate group."""
    out = []
    for p in problems:
        for r in p["records"]:
            if r["school_code"] != school_code:
                continue
            if p["kind"] == "id_invalid":
                message = f"身份证件号有误：{p.get('message') or r['id_problem']}"
            else:
                others = "；".join(_where(o) for o in p["records"] if o is not r)
                message = f"{p['kind_name']}，与以下记录重复：{others}"
            out.append({"uid": r["uid"], "kind": p["kind"], "name": r["name"], "class": r["class_name"],
                        "message": message})
    return out


