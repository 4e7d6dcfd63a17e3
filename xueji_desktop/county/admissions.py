"""招生 at the county (seed 002 §招生升学): admissions plans, schools' plan-change requests, the 招生结果 list
and its duplicate check (重复招生查重).

- ``set_plan``: the county sets a school's plan (招生计划数) per stage and year; plans go down in the init
  package and every feedback package.
- Plan-change requests come up in submissions (``store_plan_requests``, called by the intake); the county
  decides (``decide_plan_request``); an approval sets the plan; decisions go down in feedback.
- ``write_template`` / ``import_list``: the 招生结果 template, filled by the 招生部门 and imported. Each row is
  checked and every problem named by row (unknown school, malformed ID number, a child who already has a
  record at another school — a transfer, not an admission —, a school's plan exceeded); with problems nothing
  is imported unless the officer accepts the valid part (``accept_valid``).
- ``duplicates`` / ``keep_admission``: the same ID number admitted by two schools (this import, or an earlier
  one) is a 重复招生; the county keeps one school. Until decided, neither school receives that child.
- ``feedback_section``: what a school's feedback package carries: its plans, request decisions, its list.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import BadInput
from ..excel.people import read_people
from ..excel.xlsx_memory import xlsxwriter_book
from ..outfiles import write_file
from ..progress import Progress, tick
from ..school import STAGES
from ..storage import Store
from ..storage.store import Tx
from .intake import resident_id_ok
from .plans import plans_for_school, store_plan_requests  # noqa: F401  (re-exported: the whole story here)
from .schools import get_school
from .workspace import require_county_level

ADMITTED, WITHDRAWN = "admitted", "withdrawn"
SCHOOL_HEADER, STAGE_HEADER, YEAR_HEADER = "学校标识码", "学段", "招生年份"
TEMPLATE_HEADERS = (SCHOOL_HEADER, STAGE_HEADER, YEAR_HEADER, "姓名", "性别", "出生日期", "民族", "身份证件类型",
                    "身份证件号", "户口所在地行政区划", "家庭地址", "监护人姓名", "监护人关系", "监护人身份证件号",
                    "监护人联系电话")
_STAGE_NAMES = {**{str(k): k for k in STAGES}, **{v: k for k, v in STAGES.items()}}


# ---- plans -------------------------------------------------------------------------------------------

def set_plan(store: Store, school_code: str, stage: int, year: int, count: int) -> None:
    require_county_level(store, "admissions")
    store.require("clerk", "leader")
    get_school(store, school_code)
    _check_plan(stage, year, count)
    with store.transaction() as tx:
        _write_plan(tx, school_code, stage, year, count, "设置招生计划")


def _check_plan(stage: int, year: int, count: int) -> None:
    if stage not in STAGES:
        raise BadInput("学段只能是 1 小学、2 初中、3 高中（--stage）。")
    if not 2000 <= year <= 2999:
        raise BadInput(f"招生年份“{year}”应为 4 位年份（--year）。")
    if not 0 <= count <= 100_000:
        raise BadInput(f"招生计划数“{count}”应在 0 到 100000 之间（--count）。")


def _write_plan(tx: Tx, school_code: str, stage: int, year: int, count: int, action: str) -> None:
    row = tx.execute("SELECT count FROM admission_plans WHERE school_code = ? AND stage = ? AND year = ?",
                     (school_code, stage, year)).fetchone()
    tx.execute("INSERT INTO admission_plans (school_code, stage, year, count, updated_at) VALUES (?,?,?,?,?)"
               " ON CONFLICT(school_code, stage, year) DO UPDATE SET count = excluded.count,"
               " updated_at = excluded.updated_at", (school_code, stage, year, count, tx.ts))
    tx.audit(action, "admission_plans", f"{school_code}/{stage}/{year}", {"count": [row[0] if row else None, count]})


def list_plans(store: Store, year: int | None = None) -> list[dict[str, Any]]:
    """Every plan with the number admitted on the county's lists against it."""
    require_county_level(store, "admissions")
    sql = ("SELECT p.school_code, s.name, p.stage, p.year, p.count, (SELECT count(*) FROM county_admissions a"
           " WHERE a.school_code = p.school_code AND a.stage = p.stage AND a.year = p.year AND a.state = ?)"
           " FROM admission_plans p JOIN county_schools s ON s.code = p.school_code")
    params: list[Any] = [ADMITTED]
    if year is not None:
        sql += " WHERE p.year = ?"
        params.append(year)
    keys = ("school_code", "school_name", "stage", "year", "count", "admitted")
    return [dict(zip(keys, r, strict=True)) | {"stage_name": STAGES[r[2]]}
            for r in store.query(sql + " ORDER BY p.year DESC, p.school_code, p.stage", params)]


def list_plan_requests(store: Store, *, undecided_only: bool = False) -> list[dict[str, Any]]:
    require_county_level(store, "admissions")
    keys = ("school_code", "school_name", "request_id", "stage", "year", "count", "current", "reason",
            "requested_at", "decision", "decision_reason")
    rows = store.query(
        "SELECT r.school_code, s.name, r.request_id, r.stage, r.year, r.count, p.count, r.reason, r.requested_at,"
        " r.decision, r.decision_reason FROM plan_requests r JOIN county_schools s ON s.code = r.school_code"
        " LEFT JOIN admission_plans p ON p.school_code = r.school_code AND p.stage = r.stage AND p.year = r.year"
        + (" WHERE r.decision = ''" if undecided_only else "") + " ORDER BY r.school_code, r.request_id")
    return [dict(zip(keys, r, strict=True)) for r in rows]


def decide_plan_request(store: Store, school_code: str, request_id: int, approve: bool, reason: str = "") -> None:
    require_county_level(store, "admissions")
    store.require("clerk", "leader")
    row = store.query("SELECT stage, year, count, decision FROM plan_requests WHERE school_code = ?"
                      " AND request_id = ?", (school_code, request_id))
    if not row:
        raise BadInput(f"学校 {school_code} 没有编号为 {request_id} 的招生计划变更申请。")
    stage, year, count, decision = row[0]
    if decision:
        raise BadInput(f"学校 {school_code} 的计划变更申请 #{request_id} 已审核（{decision}）。")
    if not approve and not reason.strip():
        raise BadInput("驳回时请填写原因（--reason），学校会在反馈中看到。")
    with store.transaction() as tx:
        decision = "approved" if approve else "rejected"
        tx.execute("UPDATE plan_requests SET decision = ?, decision_reason = ?, decided_at = ? WHERE school_code = ?"
                   " AND request_id = ?", (decision, reason.strip(), tx.ts, school_code, request_id))
        tx.audit("审核招生计划变更", "plan_requests", f"{school_code}#{request_id}", {"decision": ["", decision]})
        if approve:
            _write_plan(tx, school_code, stage, year, count, "批准变更招生计划")


# ---- the 招生结果 list -----------------------------------------------------------------------------------

def write_template(path: Path | str) -> Path:
    """The 招生结果 template: one row per admitted child, the school by its 学校标识码."""
    path = Path(path)
    if not path.parent.is_dir():
        raise BadInput(f"保存位置不存在：{path.parent}。请选择已有的文件夹。")
    wb, buffer = xlsxwriter_book({"strings_to_numbers": False})
    ws = wb.add_worksheet("招生结果")
    text = wb.add_format({"num_format": "@"})
    head = wb.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
    notes = {SCHOOL_HEADER: "录取学校的 10 位学校标识码", STAGE_HEADER: "小学 / 初中 / 高中（或 1 / 2 / 3）",
             YEAR_HEADER: "入学年份，如 2027", "身份证件号": "18 位居民身份证号；没有的留空，并填监护人身份证件号"}
    for j, h in enumerate(TEMPLATE_HEADERS):
        ws.set_column(j, j, 20 if "身份证" in h or "住址" in h else 12, text)
        ws.write_string(0, j, h, head)
        if h in notes:
            ws.write_comment(0, j, notes[h])
    wb.close()
    write_file(path, buffer.getvalue())
    return path


@dataclass
class ListResult:
    file: str
    rows: int = 0
    imported: int = 0
    problems: list[dict[str, Any]] = field(default_factory=list)   # {row, name, message}
    duplicates: int = 0                                              # children admitted by two schools

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "rows": self.rows, "imported": self.imported, "problems": self.problems,
                "duplicates": self.duplicates}


def import_list(store: Store, path: Path | str, *, accept_valid: bool = False,
                progress: Progress | None = None) -> ListResult:
    """Check the filled 招生结果 list row by row; import it whole, or (``accept_valid``) its valid rows.
    With problems and without ``accept_valid`` nothing changes and the result lists them."""
    require_county_level(store, "admissions")
    store.require("clerk", "leader")
    path = Path(path)
    _sheet, people = read_people(path, (SCHOOL_HEADER, STAGE_HEADER, YEAR_HEADER))
    result = ListResult(path.name, rows=len(people))
    if not people:
        raise BadInput(f"{path.name} 中没有招生名单数据行。")
    schools = dict(store.query("SELECT code, name FROM county_schools"))
    plans = {(c, st, y): n for c, st, y, n in store.query(
        "SELECT school_code, stage, year, count FROM admission_plans")}
    used = Counter((c, st, y) for c, st, y in store.query(
        "SELECT school_code, stage, year FROM county_admissions WHERE state = ?", (ADMITTED,)))
    good: list[tuple[Any, ...]] = []
    seen_in_file: dict[tuple[str, str], int] = {}
    for n, p in enumerate(people):
        if n % 50 == 0:
            tick(progress, n, len(people), "检查招生名单")
        name = str(p.record.get("name", ""))
        problems = _row_problems(store, p, schools, seen_in_file)
        code, stage, year = p.extra.get(SCHOOL_HEADER, ""), _STAGE_NAMES.get(p.extra.get(STAGE_HEADER, "")), \
            _year(p.extra.get(YEAR_HEADER, ""))
        if not problems:
            key = (code, stage, year)
            if key not in plans:
                problems.append(f"学校 {code}{schools[code]} 没有 {year} 年{STAGES[stage]}招生计划，请先设置"
                                f"（xueji county plan set {code} --stage {stage} --year {year} --count N）")
            elif used[key] + 1 > plans[key]:
                problems.append(f"超出招生计划：{schools[code]} {year} 年{STAGES[stage]}计划 {plans[key]} 人，"
                                f"名单已录取 {used[key]} 人")
        if problems:
            result.problems.append({"row": p.row, "name": name, "message": "；".join(problems)})
            continue
        used[(code, stage, year)] += 1
        good.append((code, stage, year, name, str(p.record.get("id_number", "")), p.record, p.row))
    if result.problems and not accept_valid:
        return result
    with store.transaction() as tx:
        for code, stage, year, name, number, record, row in good:
            tx.execute("INSERT INTO county_admissions (school_code, stage, year, name, id_number, record, source,"
                       " imported_at) VALUES (?,?,?,?,?,?,?,?)",
                       (code, stage, year, name, number, json.dumps(record, ensure_ascii=False),
                        f"{path.name} 第{row}行", tx.ts))
        tx.audit("导入招生名单", "county_admissions", path.name,
                 {"rows": [None, result.rows], "imported": [None, len(good)],
                  "refused": [None, len(result.problems)]})
    result.imported = len(good)
    result.duplicates = len(duplicates(store))
    return result


def _year(text: str) -> int | None:
    return int(text) if re.fullmatch(r"\d{4}", text.strip()) else None


def _row_problems(store: Store, p, schools: dict[str, str], seen_in_file: dict[tuple[str, str], int]) -> list[str]:
    out = []
    code = p.extra.get(SCHOOL_HEADER, "").strip()
    if not code:
        out.append("缺少学校标识码")
    elif code not in schools:
        out.append(f"学校标识码 {code} 不在本县学校名单中")
    if p.extra.get(STAGE_HEADER, "").strip() not in _STAGE_NAMES:
        out.append(f"学段“{p.extra.get(STAGE_HEADER, '')}”应为 小学、初中 或 高中")
    if _year(p.extra.get(YEAR_HEADER, "")) is None:
        out.append(f"招生年份“{p.extra.get(YEAR_HEADER, '')}”应为 4 位年份")
    record = p.record
    if not record.get("name"):
        out.append("缺少姓名")
    out += [i.message for i in p.issues if i.severity == "error"]
    number = str(record.get("id_number", ""))
    if number and (record.get("id_type", "1") in ("", "1")) and not resident_id_ok(number):
        out.append(f"身份证件号 {number} 不是有效的居民身份证号（校验位、出生日期或地区码不对）")
    elif number:
        # the same child for two schools is a 重复招生 (imported, then decided); for one school twice, a typo
        if (number, code) in seen_in_file:
            out.append(f"身份证件号 {number} 与本文件第 {seen_in_file[(number, code)]} 行重复（同一学校）")
        seen_in_file.setdefault((number, code), p.row)
        held = store.query("SELECT s.school_code, sc.name FROM county_students s JOIN county_schools sc"
                           " ON sc.code = s.school_code WHERE s.id_number = ? LIMIT 1", (number,))
        if held:
            out.append(f"该生已在 {held[0][0]}{held[0][1]} 有学籍，不能作为新生录取：已有学籍的学生应办理转学"
                       "（由接收学校 xueji transfer request）")
    elif not record.get("birth_date") or not record.get("gender"):
        out.append("没有身份证件号时，性别和出生日期必填")
    return out


# ---- 重复招生查重 ------------------------------------------------------------------------------------------

def duplicates(store: Store) -> list[dict[str, Any]]:
    """Children (by ID number) admitted by two or more schools and not yet decided: one group each."""
    require_county_level(store, "admissions")
    rows = store.query(
        "SELECT a.id, a.id_number, a.name, a.school_code, s.name, a.stage, a.year, a.source FROM county_admissions a"
        " JOIN county_schools s ON s.code = a.school_code JOIN (SELECT id_number FROM county_admissions"
        " WHERE id_number != '' AND state = ? GROUP BY id_number HAVING count(DISTINCT school_code) > 1) d"
        " ON d.id_number = a.id_number WHERE a.state = ? ORDER BY a.id_number, a.id", (ADMITTED, ADMITTED))
    groups: dict[str, dict[str, Any]] = {}
    for aid, number, name, code, school, stage, year, source in rows:
        g = groups.setdefault(number, {"id_number": number, "name": name, "admissions": []})
        g["admissions"].append({"id": aid, "school_code": code, "school_name": school, "stage": stage, "year": year,
                                "source": source})
    return list(groups.values())


def keep_admission(store: Store, id_number: str, school_code: str) -> int:
    """Decide a 重复招生: the child stays admitted at ``school_code``; the other schools' admissions are withdrawn
    (their feedback says so). Returns how many were withdrawn."""
    require_county_level(store, "admissions")
    store.require("clerk", "leader")
    number = id_number.strip().upper()
    rows = store.query("SELECT id, school_code FROM county_admissions WHERE id_number = ? AND state = ?",
                       (number, ADMITTED))
    if len({c for _i, c in rows}) < 2:
        raise BadInput(f"身份证件号 {number} 没有重复招生需要处理。")
    if school_code not in {c for _i, c in rows}:
        raise BadInput(f"学校 {school_code} 没有录取身份证件号为 {number} 的学生。")
    drop = [i for i, c in rows if c != school_code]
    with store.transaction() as tx:
        tx.executemany("UPDATE county_admissions SET state = ? WHERE id = ?", [(WITHDRAWN, i) for i in drop])
        tx.audit("处理重复招生", "county_admissions", number,
                 {"kept": [None, school_code], "withdrawn": [None, len(drop)]})
    return len(drop)


# ---- down to the school ----------------------------------------------------------------------------------

def feedback_section(conn, school_code: str) -> tuple[dict[str, Any], int]:
    """(what the school's feedback carries about admissions, how many admitted children are held back by an
    undecided 重复招生)."""
    held = {n for (n,) in conn.execute(
        "SELECT id_number FROM county_admissions WHERE id_number != '' AND state = ? GROUP BY id_number"
        " HAVING count(DISTINCT school_code) > 1", (ADMITTED,))}
    admissions, held_back = [], 0
    for aid, stage, year, number, record, state in conn.execute(
            "SELECT id, stage, year, id_number, record, state FROM county_admissions WHERE school_code = ?"
            " ORDER BY id", (school_code,)):
        if state == ADMITTED and number in held:
            held_back += 1
            continue
        admissions.append({"id": aid, "stage": stage, "year": year, "state": state, "record": json.loads(record)})
    decisions = [{"request_id": r, "decision": d, "reason": why, "at": at} for r, d, why, at in conn.execute(
        "SELECT request_id, decision, decision_reason, decided_at FROM plan_requests WHERE school_code = ?"
        " AND decision != '' ORDER BY request_id", (school_code,))]
    return {"admission_plans": plans_for_school(conn, school_code), "plan_decisions": decisions,
            "admissions": admissions}, held_back
