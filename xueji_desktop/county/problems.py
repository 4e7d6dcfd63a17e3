"""Problem records (问题学籍, spec §6) across every school the county has imported: the same three kinds
as at a school (``records.problems``), found with indexed SQL over ``county_students``; a duplicate names
every school and class it was found in. And a fourth only the county can see: ``duplicate_number``, one
学籍号 on two records (two schools of one area can draw the same temporary number).

Worked to zero: each problem has an ``id`` (``kind:key``) and a ``state``:

- 待处理: found, and a school still has to act (before the county decides: every school in it; after: the
  schools that do not keep the record);
- 学校已处理: every school that has to act has sent a deletion or key-field change request for its record,
  which waits for the county (``county decide-change``);
- 已解决: a problem the county decided that an import no longer finds (the school deleted or corrected its
  record). Problems nobody decided simply disappear when corrected.

``resolve`` records the county's decision for an ID number held by several schools (who keeps it, why); the
feedback package of each other school carries the instruction (delete the record, or correct the ID number
with evidence). ``blocking`` lists a school's open problems: ``county review --pass`` refuses while there are
any, unless forced with a reason (audited).
"""

from __future__ import annotations

import json
from typing import Any

from ..errors import BadInput
from ..records.changes import DELETE_RECORD, KEY_FIELD_CHANGE
from ..records.problems import KIND_NAMES, group_rows, query_rows
from ..storage import Store

OPEN, SCHOOL_DONE, RESOLVED = "待处理", "学校已处理", "已解决"
DECIDABLE = ("duplicate_id", "duplicate_identity")

_COUNTY_ROW = ("SELECT s.id, s.school_code, sc.name, s.class_code, COALESCE(c.name, s.class_code), s.uid, s.name,"
               " s.gender, s.birth_date, s.id_number, s.id_problem, s.student_number FROM county_students s"
               " JOIN county_schools sc ON sc.code = s.school_code"
               " LEFT JOIN county_classes c ON c.school_code = s.school_code AND c.class_code = s.class_code")


# A record that ended at one school (转出, 毕业, 结业, 肄业) and the child's record at the next school are the
# same child's two chapters, not a duplicate: only current records are compared.
_CURRENT = "enrolment NOT IN ('transferred', 'graduated', 'completed', 'incomplete')"


def county_problems(store: Store, *, include_resolved: bool = False) -> list[dict[str, Any]]:
    """The problem groups across the county, each with ``id``, ``state`` and the county's ``decision`` (or
    None): [{id, kind, kind_name, key, state, decision, records: [...]}]. ``include_resolved`` adds the
    decided problems no longer found (state 已解决, no records)."""
    found = _found(store)
    _name_counties(store, found)
    decisions = _decisions(store)
    requested = _requested(store)
    for p in found:
        p["id"] = f"{p['kind']}:{p['key']}"
        p["decision"] = decisions.get(p["id"])
        p["state"] = _state(p, requested)
    if include_resolved:
        ids = {p["id"] for p in found}
        found += [{"id": pid, "kind": d["kind"], "kind_name": KIND_NAMES.get(d["kind"], d["kind"]),
                   "key": pid.split(":", 1)[1], "state": RESOLVED, "decision": d, "records": []}
                  for pid, d in decisions.items() if pid not in ids and d["resolved_at"]]
    return found


def _found(store: Store) -> list[dict[str, Any]]:
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
                                 " ON d.student_number = s.student_number WHERE s.student_number <> ''"  # (its index)
                                 " ORDER BY s.student_number, s.school_code, s.id"), ("student_number",),
                      "duplicate_number")
    return out


def _name_counties(store: Store, found: list[dict[str, Any]]) -> None:
    """At a city, each record also names its county (``county_code``, ``county_name``): a problem across
    counties names both sides."""
    from .workspace import store_level

    if store_level(store) != "city" or not found:
        return
    counties = dict(store.query("SELECT code, name FROM city_counties"))
    regions = dict(store.query("SELECT code, substr(region_code, 1, 6) FROM county_schools"))
    for p in found:
        for r in p["records"]:
            r["county_code"] = regions.get(r["school_code"], "")
            r["county_name"] = counties.get(r["county_code"], "")


def school_of(r: dict[str, Any]) -> str:
    """A problem record's school by code and name; at a city after its county (``140106迎泽区 2114010068…``)."""
    county = f"{r['county_code']}{r['county_name']} " if r.get("county_code") else ""
    return f"{county}{r['school_code']}{r['school_name']}"


def _where(r: dict[str, Any]) -> str:
    return f"{school_of(r)} {r['class_name']} {r['name']}"


def findings_for_school(problems: list[dict[str, Any]], school_code: str, unit: str = "县级") -> list[dict[str, str]]:
    """Per-student findings for one school's feedback, naming the other records of each duplicate group; a
    decision is said to be the ``unit``'s (县级, or 地市 in the city's feedback)."""
    out = []
    for p in problems:
        for r in p["records"]:
            if r["school_code"] != school_code:
                continue
            if p.get("decision"):
                message = instruction_for(p, r, unit)
            elif p["kind"] == "id_invalid":
                message = f"身份证件号有误：{p.get('message') or r['id_problem']}"
            else:
                others = "；".join(_where(o) for o in p["records"] if o is not r)
                message = f"{p['kind_name']}，与以下记录重复：{others}"
            out.append({"uid": r["uid"], "kind": p["kind"], "name": r["name"], "class": r["class_name"],
                        "message": message, "problem_id": p.get("id", ""), "state": p.get("state", "")})
    return out


# ---- states and decisions -----------------------------------------------------------------------------

def _decisions(store: Store) -> dict[str, dict[str, Any]]:
    rows = store.query_dicts("SELECT problem_id, kind, keep_school, reason, decided_by, decided_at, resolved_at"
                             " FROM county_problem_decisions")
    return {r.pop("problem_id"): r for r in rows}


def _requested(store: Store) -> set[tuple[str, str]]:
    """(school, uid) of records with a deletion or key-field request waiting for the county."""
    from ..records.changes import COUNTY_PENDING

    return {(code, uid) for code, uid in store.query(
        "SELECT school_code, student_uid FROM county_changes WHERE school_status = ? AND decision = ''"
        " AND kind IN (?, ?)", (COUNTY_PENDING, DELETE_RECORD, KEY_FIELD_CHANGE))}


def must_act(problem: dict[str, Any]) -> list[dict[str, Any]]:
    """The records whose school still has to do something about ``problem``."""
    decision = problem.get("decision")
    if decision:
        return [r for r in problem["records"] if r["school_code"] != decision["keep_school"]]
    return list(problem["records"])


def _state(problem: dict[str, Any], requested: set[tuple[str, str]]) -> str:
    acting = must_act(problem)
    if acting and all((r["school_code"], r["uid"]) in requested for r in acting):
        return SCHOOL_DONE
    if not problem.get("decision") and any((r["school_code"], r["uid"]) in requested for r in problem["records"]):
        return SCHOOL_DONE  # a school sent its own deletion/correction: waiting for the county's decision
    return OPEN


def find_problem(store: Store, text: str) -> dict[str, Any]:
    """A problem named by its id (duplicate_id:1101…) or its key alone (the ID number), as listed."""
    found = county_problems(store)
    hits = [p for p in found if text in (p["id"], p["key"])]
    if not hits:
        raise BadInput(f"没有问题学籍“{text}”（可能已解决）：用 xueji county problems 查看现有问题及其编号。")
    if len(hits) > 1:
        raise BadInput(f"“{text}”对应多个问题，请用完整编号：" + "、".join(p["id"] for p in hits))
    return hits[0]


def resolve(store: Store, problem_text: str, keep: str, reason: str) -> dict[str, Any]:
    """The county decides who keeps a duplicated record; each other school's next feedback carries the
    instruction to delete its record or correct the ID number with evidence."""
    from .workspace import require_county, unit_words

    require_county(store)
    store.require("clerk", "leader")
    problem = find_problem(store, problem_text)
    if problem["kind"] not in DECIDABLE:
        raise BadInput(f"问题 {problem['id']}（{problem['kind_name']}）由学校更正后，下次导入自动消除，无需裁定。")
    schools = sorted({r["school_code"] for r in problem["records"]})
    if keep not in schools:
        raise BadInput(f"学校 {keep} 不在问题 {problem['id']} 中；可选：{'、'.join(schools)}。")
    if len(schools) < 2:
        raise BadInput(f"问题 {problem['id']} 的记录都在学校 {keep}：请该校删除重复的记录"
                       f"（学生信息→删除，类别“重复学籍”），无需{unit_words(store).level}裁定。")
    if not reason.strip():
        raise BadInput("请填写裁定原因（--reason），其他学校会在反馈中看到。")
    old = _decisions(store).get(problem["id"])
    records = [{k: r[k] for k in ("school_code", "school_name", "uid", "name", "class_name")}
               for r in problem["records"]]
    with store.transaction() as tx:
        tx.execute("INSERT OR REPLACE INTO county_problem_decisions (problem_id, kind, keep_school, reason, decided_by,"
                   " decided_at, resolved_at, data) VALUES (?,?,?,?,?,?,'',?)",
                   (problem["id"], problem["kind"], keep, reason.strip(), store.user.username, tx.ts,
                    json.dumps({"records": records}, ensure_ascii=False)))
        tx.audit("裁定问题学籍", "county_problem_decisions", problem["id"],
                 {"keep_school": [old["keep_school"] if old else None, keep], "reason": [None, reason.strip()]})
    return find_problem(store, problem["id"])


def mark_resolved(tx) -> int:
    """After an import: decided problems no longer found become 已解决. Returns how many."""
    pending = tx.execute("SELECT problem_id FROM county_problem_decisions WHERE resolved_at = ''").fetchall()
    if not pending:
        return 0
    still = {f"{p['kind']}:{p['key']}" for p in _found(tx.store)}
    done = [pid for (pid,) in pending if pid not in still]
    for pid in done:
        tx.execute("UPDATE county_problem_decisions SET resolved_at = ? WHERE problem_id = ?", (tx.ts, pid))
        tx.audit("问题学籍已解决", "county_problem_decisions", pid, {"state": [OPEN, RESOLVED]})
    return len(done)


SCHOOL_KINDS = ("id_invalid", "duplicate_id", "duplicate_identity")  # the school's records to fix; a shared
# 学籍号 (duplicate_number) is the numbering's to settle, so it does not hold up the pass that gives formal numbers


def blocking(store: Store, code: str) -> list[dict[str, Any]]:
    """The open problems (待处理 or 学校已处理) in which school ``code`` still has to act."""
    return [p for p in county_problems(store)
            if p["kind"] in SCHOOL_KINDS and any(r["school_code"] == code for r in must_act(p))]


def instruction_for(problem: dict[str, Any], record: dict[str, Any], unit: str = "县级") -> str:
    """What a school's feedback says about one of its records in a decided problem."""
    d = problem["decision"]
    keeper = next((r for r in problem["records"] if r["school_code"] == d["keep_school"]), None)
    kept_by = f"{d['keep_school']}{keeper['school_name'] if keeper else ''}"
    if record["school_code"] == d["keep_school"]:
        return (f"{unit}裁定：{problem['kind_name']}（{problem['key']}），本校保留此学籍，无需处理"
                f"（原因：{d['reason']}）。")
    return (f"{unit}裁定：{problem['kind_name']}（{problem['key']}），学籍由 {kept_by} 保留（原因：{d['reason']}）。"
            "请本校处理此记录：确属重复的，在学生信息中删除（类别“重复学籍”；县级已审核的记录须附佐证材料提交删除申请）；"
            "确属本校学生而身份证件号有误的，更正身份证件号并附佐证材料。")
