"""入学年龄例外: a grade-1 child registered below the county's entry age, with the clerk's reason (the write gate's
``age_exception``, :mod:`.gate`). ``add_student`` keeps it here — reason, the refusal waived, who, when — beside
its audit entry, so the school's submission carries it up (``age_exception`` of the student's line) and the county
sees every exception its schools made.
"""

from __future__ import annotations

import json

from ..storage.store import Tx
from .gate import REASON_MARK

AUDIT_KEY = "入学年龄例外"      # the key of the exception in the 新增学生 audit entry


def record(tx: Tx, student_id: int, reason: str, waived: list[str]) -> None:
    """Keep the exception made for a new student (the caller audits it in the student's entry)."""
    tx.execute("INSERT OR REPLACE INTO age_exceptions (student_id, reason, rule, username, at) VALUES (?,?,?,?,?)",
               (student_id, reason, "；".join(waived), tx.store.user.username, tx.ts))


def carried(tx: Tx, student_id: int, exception: dict[str, str], from_school: str) -> None:
    """A transferred child's exception, as its line from the sending school carries it (who made it there and when):
    it stays with the child, so this school's next submission carries it on."""
    tx.execute("INSERT OR REPLACE INTO age_exceptions (student_id, reason, rule, username, at) VALUES (?,?,?,?,?)",
               (student_id, str(exception.get("reason", "")), f"随转学转入（原学校：{from_school}）",
                str(exception.get("by", "")), str(exception.get("at", ""))))


def for_package(conn) -> dict[int, dict[str, str]]:
    """student id → what the submission carries: reason, by (the clerk's name and user name), at."""
    out = {}
    for sid, reason, username, display, at in conn.execute(
            "SELECT a.student_id, a.reason, a.username, COALESCE(u.display_name, ''), a.at FROM age_exceptions a"
            " LEFT JOIN users u ON u.username = a.username"):
        out[sid] = {"reason": reason, "by": f"{display} {username}" if display else username, "at": at}
    return out


def backfill_from_audit(conn) -> None:
    """Schema v15: exceptions made before this table existed, read back from their 新增学生 audit entries."""
    rows = conn.execute("SELECT a.record_id, a.changes, a.username, a.ts FROM audit_log a"
                        " JOIN students s ON CAST(s.id AS TEXT) = a.record_id"
                        " WHERE a.action = '新增学生' AND a.changes LIKE ?", (f'%"{AUDIT_KEY}"%',)).fetchall()
    for record_id, changes, username, ts in rows:
        waived = str((json.loads(changes).get(AUDIT_KEY) or [None, ""])[1] or "")
        reason = waived.rsplit(REASON_MARK, 1)[1].removesuffix("）") if REASON_MARK in waived else waived
        conn.execute("INSERT OR REPLACE INTO age_exceptions (student_id, reason, rule, username, at)"
                     " VALUES (?,?,?,?,?)", (int(record_id), reason, waived, username, ts))

