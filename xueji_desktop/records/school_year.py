"""The school year: roll-over on 1 August, graduation with destination (and its reversal), class-size caps,
and the yearly change report.

Calendar (seed 000 §18, seed 002 第三章): graduation is done before 31 July and freezes basic information;
every 1 August all grades go up one. Order: 毕业 → 升级 → 招生. Graduating in error may be reverted
(退回在校生). The 学年 a store is in is kept in ``meta.school_year``; grades are derived from it, so a
roll-over is one explicit, audited step rather than something that happens silently with the date.

Class caps (班额, seed 002 §班额设置): set top-down per stage; a lower level may only set a lower cap.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from ..errors import BadInput
from ..school import (
    GRADE_CODES,
    STAGES,
    add_class,
    current_school_year,
)
from ..storage.store import Store
from .changes import KINDS, STATE_NAMES, list_changes
from .enrolment import COMPLETED, ENROLLED, GRADUATED
from .gate import check_class_capacity, class_cap, refuse_county_rule_at_school  # noqa: F401  (the gate owns caps; re-exported here)

# ---- which school year the data is in ------------------------------------------------------------------

def _is_top_grade(stage: int, entry_year: int, school_year: int) -> bool:
    return school_year - entry_year == len(GRADE_CODES[stage]) - 1


# ---- graduation -----------------------------------------------------------------------------------------

@dataclass
class GraduationResult:
    graduated: int
    skipped_not_enrolled: int


def graduate_class(store: Store, class_id: int, destination: str, *, today: date | None = None) -> GraduationResult:
    """Graduate every enrolled student of a top-grade class, recording 毕业去向. Freezes their basic info."""
    store.require("clerk")
    today = today or date.today()
    row = store.conn.execute("SELECT name, stage, entry_year FROM classes WHERE id = ?", (class_id,)).fetchone()
    if row is None:
        raise BadInput(f"班级不存在（编号 {class_id}）。")
    name, stage, entry_year = row
    if not _is_top_grade(stage, entry_year, current_school_year(store, today)):
        raise BadInput(f"{name} 不是毕业年级，不能办理毕业。")
    if not destination.strip():
        raise BadInput("请填写毕业去向（如“升入初中”，暂不明确可填“待定”）。")
    ids = [r[0] for r in store.conn.execute(
        "SELECT id FROM students WHERE class_id = ? AND enrolment = ?", (class_id, ENROLLED))]
    skipped = store.conn.execute("SELECT count(*) FROM students WHERE class_id = ? AND enrolment != ?",
                                 (class_id, ENROLLED)).fetchone()[0]
    with store.transaction() as tx:
        for sid in ids:
            tx.execute("UPDATE students SET enrolment = ? WHERE id = ?", (GRADUATED, sid))
            tx.execute("INSERT INTO change_records (student_id, kind, status, effective_date, reason, applied_by,"
                       " applied_at, decided_by, decided_at, data)"
                       " VALUES (?, 'graduate', 'effective', ?, ?, ?, ?, ?, ?, ?)",
                       (sid, today.isoformat(), "毕业", store.user.username, tx.ts, store.user.username, tx.ts,
                        json.dumps({"destination": destination.strip(), "from_state": ENROLLED}, ensure_ascii=False)))
        tx.audit("毕业", "classes", class_id, {"students": [None, len(ids)], "destination": [None, destination]})
    return GraduationResult(len(ids), skipped)


def revert_graduation(store: Store, student_ids: list[int], reason: str) -> int:
    """退回在校生: undo a graduation (or 结业) done in error, before the roll-over moves the class on."""
    store.require("clerk")
    if not reason.strip():
        raise BadInput("请填写退回原因。")
    done = 0
    with store.transaction() as tx:
        for sid in student_ids:
            row = tx.execute("SELECT enrolment, name FROM students WHERE id = ?", (sid,)).fetchone()
            if row is None:
                raise BadInput(f"学生不存在（编号 {sid}）。")
            if row[0] not in (GRADUATED, COMPLETED):
                raise BadInput(f"{row[1]} 不是毕业或结业状态，无需退回。")
            kind = "graduate" if row[0] == GRADUATED else "complete"
            tx.execute("UPDATE students SET enrolment = ? WHERE id = ?", (ENROLLED, sid))
            tx.execute("UPDATE change_records SET status = 'withdrawn', data = json_set(data, '$.reverted', ?)"
                       " WHERE student_id = ? AND kind = ? AND status = 'effective'", (reason, sid, kind))
            tx.audit("退回在校生", "students", sid, {"enrolment": [row[0], ENROLLED], "reason": [None, reason]})
            done += 1
    return done


# ---- roll-over --------------------------------------------------------------------------------------------

@dataclass
class RolloverResult:
    from_year: int
    to_year: int
    new_classes: list[str]


def rollover(store: Store, *, today: date | None = None, new_classes: dict[int, int] | None = None) -> RolloverResult:
    """Move the school into the next school year (all grades up one). ``new_classes``: {stage: count} of
    first-grade classes to open for the new year."""
    store.require("clerk")
    today = today or date.today()
    current = current_school_year(store, today)
    target = current + 1
    if today < date(target, 8, 1):
        raise BadInput(f"学年升级须在 {target} 年 8 月 1 日或之后进行（当前学年 {current}-{current + 1}）。")
    open_changes = list_changes(store, open_only=True)
    if open_changes:
        listed = "；".join(f"#{c.id} {KINDS[c.kind].name}（{c.status_name}）" for c in open_changes[:10])
        raise BadInput(f"还有 {len(open_changes)} 条异动未办结，请先办结再升级：{listed}")
    unfinished = store.conn.execute(
        "SELECT c.name, count(*) FROM students s JOIN classes c ON c.id = s.class_id WHERE s.enrolment = ?"
        " AND ? - c.entry_year = (CASE c.stage WHEN 1 THEN 5 ELSE 2 END) GROUP BY c.id", (ENROLLED, current)).fetchall()
    if unfinished:
        listed = "、".join(f"{n}（{k} 人）" for n, k in unfinished)
        raise BadInput(f"毕业班还有在校生未办理毕业，请先在 7 月 31 日前办理毕业：{listed}")
    created = []
    with store.transaction() as tx:
        store.set_meta(tx, "school_year", str(target))
        for stage, count in sorted((new_classes or {}).items()):
            existing = {r[0] for r in tx.execute("SELECT number FROM classes WHERE stage = ? AND entry_year = ?",
                                                (stage, target))}
            number = 1
            for _ in range(count):
                while number in existing:
                    number += 1
                created.append(add_class(tx, target, stage, number).class_code)
                existing.add(number)
        tx.audit("学年升级", "meta", "school_year", {"school_year": [current, target], "new_classes": [None, created]})
    return RolloverResult(current, target, created)


# ---- class-size caps ------------------------------------------------------------------------------------

def set_class_cap(store: Store, stage: int, cap: int | None, *, level: str = "school") -> None:
    """``level`` county: the county's cap (set at the county, arrives in its packages); school: may only be
    lower."""
    if level == "county":
        refuse_county_rule_at_school(store, "县级班额上限")
    store.require("sysadmin")
    if stage not in STAGES:
        raise BadInput("学段只能是 1 小学、2 初中、3 高中。")
    if cap is not None and not 1 <= cap <= 200:
        raise BadInput("班额上限应在 1 到 200 之间。")
    if level == "school" and cap is not None:
        county = store.meta(f"class_cap.county.{stage}")
        if county and cap > int(county):
            raise BadInput(f"学校设置的班额 {cap} 不能高于县级设置的 {county} 人。")
    key, value = f"class_cap.{level}.{stage}", "" if cap is None else str(cap)
    with store.transaction() as tx:
        old = store.meta(key)
        store.set_meta(tx, key, value)
        tx.audit("设置县级规则" if level == "county" else "设置班额", "meta", key, {"value": [old, value]})


# ---- yearly report ----------------------------------------------------------------------------------------

def report_window(year: int) -> tuple[str, str]:
    """The yearly reporting window of the seed: 16 September to 15 September of the next year."""
    return f"{year}-09-16", f"{year + 1}-09-15"


def change_report(store: Store, start: str, end: str) -> list[dict[str, Any]]:
    rows = []
    for c in list_changes(store, start=start, end=end):
        if c.status == "withdrawn":
            continue
        s = store.conn.execute("SELECT s.name, s.id_number, c.name FROM students s LEFT JOIN classes c"
                               " ON c.id = s.class_id WHERE s.id = ?", (c.student_id,)).fetchone() or ("", "", "")
        kind = KINDS[c.kind].name if c.kind in KINDS else "毕业" if c.kind == "graduate" else c.kind
        rows.append({"编号": c.id, "姓名": s[0], "身份证件号": s[1], "班级": s[2], "异动类型": kind,
                     "生效日期": c.effective_date, "原因": c.reason, "状态": STATE_NAMES.get(c.status, c.status),
                     "申请人": c.applied_by, "审核人": c.decided_by or ""})
    return rows


def write_change_report(rows: list[dict[str, Any]], out: Path) -> Path:
    from openpyxl import Workbook

    from ..excel.xlsx_memory import openpyxl_bytes
    from ..outfiles import write_file

    wb = Workbook()
    ws = wb.active
    ws.title = "学籍异动"
    headers = ["编号", "姓名", "身份证件号", "班级", "异动类型", "生效日期", "原因", "状态", "申请人", "审核人"]
    ws.append(headers)
    for r in rows:
        ws.append([r[h] for h in headers])
    for cell in ws["C"]:
        cell.number_format = "@"
    return write_file(out, openpyxl_bytes(wb))  # in memory: the report lists names and ID numbers
