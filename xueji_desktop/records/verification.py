"""已核对: the class teacher's check of each record against the signed paper form.

Seed 001 (首次数据采集方案 三.1): parents fill the 学生基本信息表, the class teacher checks it and hands the
class's checked forms to the school; its 班主任核对学生信息具体流程 has teachers "对该生基本信息核对 …
修改成纸质表上的一样". A mark keeps
who checked and when, and the record's ``updated_at`` at that moment: any later change to the record makes
the mark stale (it shows as not checked), so "已核对" always means "this version was checked".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..access import ensure_visible
from ..errors import BadInput
from ..storage.store import Store

CHECKERS = ("teacher", "clerk")


@dataclass(frozen=True)
class ClassProgress:
    class_code: str
    class_name: str
    head_teacher: str
    students: int
    checked: int

    @property
    def percent(self) -> int:
        return round(100 * self.checked / self.students) if self.students else 0


def mark_checked(store: Store, student_ids: Iterable[int], checked: bool = True) -> int:
    """Mark (or unmark) records as checked against the paper form; returns how many changed."""
    store.require(*CHECKERS)
    ids = list(dict.fromkeys(student_ids))
    if not ids:
        raise BadInput("请选择要标记的学生。")
    for sid in ids:
        ensure_visible(store, sid)
    changed = 0
    with store.transaction() as tx:
        for sid in ids:
            updated_at = tx.execute("SELECT updated_at FROM students WHERE id = ?", (sid,)).fetchone()[0]
            current = is_checked(store, sid)
            if checked and not current:
                tx.execute("INSERT OR REPLACE INTO main.student_checks (student_id, checked_by, checked_at,"
                           " record_updated_at) VALUES (?, ?, ?, ?)", (sid, store.user.username, tx.ts, updated_at))
                tx.audit("核对学生信息", "students", sid, {"checked": [None, True]})
                changed += 1
            elif not checked and current:
                tx.execute("DELETE FROM main.student_checks WHERE student_id = ?", (sid,))
                tx.audit("取消核对标记", "students", sid, {"checked": [True, None]})
                changed += 1
    return changed


def is_checked(store: Store, student_id: int) -> bool:
    row = store.conn.execute(
        "SELECT 1 FROM student_checks k JOIN students s ON s.id = k.student_id"
        " WHERE k.student_id = ? AND k.record_updated_at = s.updated_at", (student_id,)).fetchone()
    return row is not None


def check_info(store: Store, student_id: int) -> dict[str, str] | None:
    """Who checked this version of the record and when, or None."""
    row = store.conn.execute(
        "SELECT k.checked_by, k.checked_at FROM student_checks k JOIN students s ON s.id = k.student_id"
        " WHERE k.student_id = ? AND k.record_updated_at = s.updated_at", (student_id,)).fetchone()
    return {"checked_by": row[0], "checked_at": row[1]} if row else None


def checked_ids(conn) -> set[int]:
    """Every student whose current version is checked (for lists)."""
    return {r[0] for r in conn.execute(
        "SELECT k.student_id FROM student_checks k JOIN students s ON s.id = k.student_id"
        " WHERE k.record_updated_at = s.updated_at")}


def class_progress(store: Store) -> list[ClassProgress]:
    """Per class: students and how many are checked (the clerk's overview; a teacher sees own classes)."""
    rows = store.conn.execute(
        "SELECT c.class_code, c.name, c.head_teacher, count(s.id),"
        "       count(k.student_id)"
        " FROM classes c LEFT JOIN students s ON s.class_id = c.id"
        " LEFT JOIN student_checks k ON k.student_id = s.id AND k.record_updated_at = s.updated_at"
        " GROUP BY c.id ORDER BY c.stage, c.entry_year DESC, c.number").fetchall()
    return [ClassProgress(*r) for r in rows]
