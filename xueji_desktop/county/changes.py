"""Change records (学籍异动) that schools send up for the county's approval, and the county's decisions."""

from __future__ import annotations

import json
from typing import Any

from ..errors import BadInput
from ..records.changes import DELETE_RECORD
from ..storage import Store
from .workspace import require_county, require_county_level

# The county's decision on a school's change, as the county's pages name it ('' = not decided yet).
DECISION_NAMES = {"": "待县级审核", "approved": "已同意", "rejected": "未同意"}


def store_changes(tx, code: str, change_records: list[dict[str, Any]]) -> None:
    """Keep the school's change records; a newer package updates them but never erases a decision made."""
    from ..records.changes import COUNTY_PENDING

    for c in change_records:
        tx.execute(
            "INSERT INTO county_changes (school_code, change_id, student_uid, kind, school_status, effective_date,"
            " reason, data, evidence) VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT(school_code, change_id) DO UPDATE SET"
            " school_status = excluded.school_status, effective_date = excluded.effective_date,"
            " reason = excluded.reason, data = excluded.data,"
            " evidence = CASE WHEN excluded.evidence != '[]' THEN excluded.evidence ELSE evidence END",
            (code, c["change_id"], str(c.get("student_uid", "")), str(c.get("kind", "")),
             str(c.get("status", "")), str(c.get("effective_date", "")), str(c.get("reason", "")),
             str(c.get("data", "{}")), json.dumps(c.get("evidence", []), ensure_ascii=False)
             if c.get("status") == COUNTY_PENDING else "[]"))


def list_county_changes(store: Store, code: str | None = None, *, undecided_only: bool = False) -> list[dict[str, Any]]:
    """Change records sent up for the county's approval (school status 待县级审核), newest school first."""
    from ..records.changes import COUNTY_PENDING, KINDS

    require_county(store)
    clauses, params = ["cc.school_status = ? OR cc.decision != ''"], [COUNTY_PENDING]
    if undecided_only:
        clauses = ["cc.school_status = ? AND cc.decision = ''"]
    if code:
        clauses.append("cc.school_code = ?")
        params.append(code)
    rows = store.query_dicts(
        "SELECT cc.school_code, cs.name AS school_name, cc.change_id, cc.student_uid, st.name AS student_name,"
        " st.id_number, cc.kind, cc.effective_date, cc.reason,"
        # the files' names and hashes only: their contents (base64 scans) stay in SQLite, read on demand
        " (SELECT json_group_array(json_object('filename', json_extract(e.value, '$.filename'),"
        "  'sha256', json_extract(e.value, '$.sha256'))) FROM json_each(cc.evidence) e) AS evidence,"
        " cc.decision, cc.decision_reason,"
        " cc.decided_by, cc.decided_at FROM county_changes cc JOIN county_schools cs ON cs.code = cc.school_code"
        " LEFT JOIN county_students st ON st.school_code = cc.school_code AND st.uid = cc.student_uid"
        f" WHERE ({clauses[0]})" + "".join(f" AND {c}" for c in clauses[1:]) +
        " ORDER BY cc.school_code, cc.change_id", params)
    for r in rows:
        r["kind_name"] = KINDS[r["kind"]].name if r["kind"] in KINDS else r["kind"]
        r["decision_name"] = DECISION_NAMES.get(r["decision"], r["decision"])
        r["evidence"] = json.loads(r["evidence"])
    return rows


def county_change_evidence(store: Store, code: str, change_id: int) -> list[tuple[str, bytes]]:
    import base64

    row = store.query("SELECT evidence FROM county_changes WHERE school_code = ? AND change_id = ?", (code, change_id))
    if not row:
        raise BadInput(f"学校 {code} 没有编号为 {change_id} 的异动申请。")
    return [(e["filename"], base64.b64decode(e["content"])) for e in json.loads(row[0][0])]


def decide_county_change(store: Store, code: str, change_id: int, approve: bool, reason: str = "") -> None:
    """The county approves or rejects a school's change; the decision travels in the next feedback package."""
    from ..records.changes import COUNTY_PENDING
    from .transfers import on_county_decision

    require_county_level(store, "school_changes")
    store.require("clerk", "leader")
    row = store.query("SELECT school_status, decision, kind, student_uid FROM county_changes"
                      " WHERE school_code = ? AND change_id = ?", (code, change_id))
    if not row:
        raise BadInput(f"学校 {code} 没有编号为 {change_id} 的异动申请。")
    if row[0][0] != COUNTY_PENDING:
        raise BadInput(f"学校 {code} 的异动 #{change_id} 不在待县级审核状态。")
    if row[0][1]:
        raise BadInput(f"学校 {code} 的异动 #{change_id} 已审核（{row[0][1]}）。")
    if not approve and not reason.strip():
        raise BadInput("驳回时请填写原因（命令行用 --reason），学校会在反馈中看到。")
    decision = "approved" if approve else "rejected"
    with store.transaction() as tx:
        tx.execute("UPDATE county_changes SET decision = ?, decision_reason = ?, decided_by = ?, decided_at = ?"
                   " WHERE school_code = ? AND change_id = ?",
                   (decision, reason.strip(), store.user.username, tx.ts, code, change_id))
        tx.audit("审核学校异动", "county_changes", f"{code}#{change_id}",
                 {"decision": ["", decision], "reason": [None, reason.strip()]})
        on_county_decision(tx, code, change_id, approve, reason.strip())
        if approve and row[0][2] == DELETE_RECORD:  # 删除学籍: gone from the merged data now, at the school by feedback
            _drop_student(tx, code, row[0][3], change_id)


def _drop_student(tx, code: str, uid: str, change_id: int) -> None:
    found = tx.execute("SELECT id, name, class_code FROM county_students WHERE school_code = ? AND uid = ?",
                       (code, uid)).fetchone()
    if found is None:
        return
    tx.execute("DELETE FROM county_students WHERE id = ?", (found[0],))  # (its photo cascades)
    tx.audit("删除学籍（县级审核通过）", "county_students", f"{code}/{uid}",
             {"name": [found[1], None], "class_code": [found[2], None], "change_id": [None, change_id]})
