"""Recorded confirmations of warnings (severity "warning" needs a confirmation that is recorded).

A confirmed warning keeps being reported (so reviewers see it) but no longer makes the student's status
"有警告". A confirmation is about the value the user saw: when that field changes, or the warning goes
away, the confirmation is dropped (audited), so a new problem on the same field needs a new look.
Confirmations live in ``warning_confirmations`` (schema v2), keyed by (student, field, code).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable

from ..errors import BadInput
from .engine import status_of
from .issues import ERROR, WARNING, Issue


def confirmed_warnings(conn, student_id: int) -> set[tuple[str, str]]:
    """(field, code) of the student's confirmed warnings."""
    return {(f, c) for f, c in conn.execute(
        "SELECT field, code FROM warning_confirmations WHERE student_id = ?", (student_id,))}


def unconfirmed(issues: Iterable[Issue], confirmed: Collection[tuple[str, str]]) -> list[Issue]:
    """Issues that still count: errors, and warnings nobody confirmed."""
    return [i for i in issues if i.severity != WARNING or (i.field, i.code) not in confirmed]


def _stored_issues(conn, student_id: int) -> list[Issue]:
    row = conn.execute("SELECT issues FROM students WHERE id = ?", (student_id,)).fetchone()
    if row is None:
        raise BadInput(f"学生不存在（编号 {student_id}）。")
    return [Issue.from_dict(d) for d in json.loads(row[0] or "[]")]


def _write_status(tx, student_id: int, issues: list[Issue], confirmed: Collection[tuple[str, str]]) -> str:
    status = status_of(issues, confirmed)
    warnings = sum(1 for i in unconfirmed(issues, confirmed) if i.severity == WARNING)
    tx.execute("UPDATE students SET status = ?, warning_count = ? WHERE id = ?", (status, warnings, student_id))
    return status


def confirm_warning(tx, student_id: int, field: str, code: str) -> str:
    """Record that the current user checked warning (field, code) of a student; returns the new status."""
    issues = _stored_issues(tx.conn, student_id)
    match = next((i for i in issues if i.field == field and i.code == code), None)
    if match is None:
        raise BadInput(f"学生（编号 {student_id}）当前没有字段 {field} 的提示 {code}：请刷新后重试。")
    if match.severity == ERROR:
        raise BadInput(f"“{match.message}”是错误，不能确认，只能修正。")
    tx.execute("INSERT OR REPLACE INTO warning_confirmations (student_id, code, field, confirmed_by, confirmed_at)"
               " VALUES (?, ?, ?, ?, ?)", (student_id, code, field, tx.store.user.username, tx.ts))
    confirmed = confirmed_warnings(tx.conn, student_id)
    status = _write_status(tx, student_id, issues, confirmed)
    tx.audit("确认警告", "students", student_id, {f"warning:{field}:{code}": [None, match.message]})
    return status


def revoke_confirmation(tx, student_id: int, field: str, code: str) -> str:
    cur = tx.execute("DELETE FROM warning_confirmations WHERE student_id = ? AND field = ? AND code = ?",
                     (student_id, field, code))
    if cur.rowcount == 0:
        raise BadInput(f"学生（编号 {student_id}）没有已确认的提示 {field} {code}。")
    issues = _stored_issues(tx.conn, student_id)
    status = _write_status(tx, student_id, issues, confirmed_warnings(tx.conn, student_id))
    tx.audit("撤销警告确认", "students", student_id, {f"warning:{field}:{code}": ["已确认", None]})
    return status


def reconcile_confirmations(tx, student_id: int, issues: list[Issue], changed_fields: Collection[str]) -> None:
    """After an edit: drop confirmations whose field changed or whose warning is gone; fix status counts.

    Called by ``students.update_student`` in the same transaction (costs one indexed SELECT when the
    student has no confirmation).
    """
    confirmed = confirmed_warnings(tx.conn, student_id)
    if not confirmed:
        return
    current = {(i.field, i.code) for i in issues if i.severity == WARNING}
    stale = {(f, c) for f, c in confirmed if f in changed_fields or (f, c) not in current}
    if stale:
        tx.executemany("DELETE FROM warning_confirmations WHERE student_id = ? AND field = ? AND code = ?",
                       [(student_id, f, c) for f, c in sorted(stale)])
        tx.audit("撤销警告确认", "students", student_id,
                 {f"warning:{f}:{c}": ["已确认", None] for f, c in sorted(stale)})
    _write_status(tx, student_id, issues, confirmed - stale)
