"""Who may see what: a class teacher's (班主任) account sees only its own classes.

Seed 001 makes the class teacher the first person responsible for a class's records: they hand out the
forms, check them and pass them to the clerk. They need to see and print their classes and nothing else.

The restriction is enforced in the connection, not in each query: when a teacher-only account opens the
store, :func:`install_class_scope` shadows the student tables with TEMP views of the same names that keep
only the teacher's classes (SQLite resolves an unqualified name in ``temp`` before ``main``). Every query
of the core — lists, prints, statistics, searches, and any written later — then sees only those students,
and a write to a shadowed table fails in SQLite itself; :meth:`Store.transaction` turns that into a
:class:`PermissionDenied`. Explicit role checks (``store.require``) still give the clear message first.
What a teacher may *write* (已核对 marks, edit proposals) is written to ``main.<table>`` by functions that
check the student is in scope first (:func:`ensure_visible`). The audit log is not shadowed (every write
appends to it); reading it needs a role a teacher does not have.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .errors import BadInput, PermissionDenied

TEACHER = "teacher"
# Roles that see the whole school; a teacher who also holds one of them is not restricted.
SEES_ALL = frozenset({"clerk", "leader", "sysadmin"})
CLASS_CODE = re.compile(r"\d{7}")

# Tables shadowed for a teacher, with the condition that keeps a row. Order matters: later views use the
# earlier ones (``students`` is the scoped view by the time family_members refers to it).
_SCOPED_VIEWS = (
    ("classes", "class_code IN ({codes})"),
    ("students", "class_id IN (SELECT id FROM temp.classes)"),
    ("family_members", "student_id IN (SELECT id FROM temp.students)"),
    ("photos", "student_id IN (SELECT id FROM temp.students)"),
    ("warning_confirmations", "student_id IN (SELECT id FROM temp.students)"),
    ("change_records", "student_id IN (SELECT id FROM temp.students)"),
    ("evidence_files", "change_id IN (SELECT id FROM temp.change_records)"),
    ("student_checks", "student_id IN (SELECT id FROM temp.students)"),
    ("edit_proposals", "student_id IN (SELECT id FROM temp.students)"),
    ("no_id_proofs", "student_id IN (SELECT id FROM temp.students)"),
    ("export_requests", "0"),
)


def is_class_scoped(roles: Iterable[str]) -> bool:
    """True for an account that is a class teacher and nothing that sees the whole school."""
    roles = frozenset(roles)
    return TEACHER in roles and not (roles & SEES_ALL)


def parse_class_codes(text: str | Iterable[str]) -> tuple[str, ...]:
    """``2009101,2009102`` → the codes, checked for form (7 digits: entry year + stage + number)."""
    items = re.split(r"[,，、\s]+", text) if isinstance(text, str) else list(text)
    codes = tuple(dict.fromkeys(c.strip() for c in items if c and c.strip()))
    bad = [c for c in codes if not CLASS_CODE.fullmatch(c)]
    if bad:
        raise BadInput(f"班号“{bad[0]}”格式不对：班号是 7 位数字（入学年份 + 学段 + 班序号，如 2009101）。")
    return codes


def install_class_scope(conn, class_codes: Iterable[str]) -> None:
    """Shadow the student tables on ``conn`` with views of the given classes (see the module doc)."""
    codes = parse_class_codes(list(class_codes))
    literal = ",".join(f"'{c}'" for c in codes) or "NULL"  # codes are 7 digits: safe as literals
    existing = {r[0] for r in conn.execute("SELECT name FROM main.sqlite_master WHERE type = 'table'")}
    for table, condition in _SCOPED_VIEWS:
        if table not in existing:
            continue
        conn.execute(f"DROP VIEW IF EXISTS temp.{table}")
        conn.execute(f"CREATE TEMP VIEW {table} AS SELECT * FROM main.{table} WHERE "
                     + condition.format(codes=literal))


def scoped_classes(store) -> tuple[str, ...] | None:
    """The class codes the signed-in user is limited to, or None when they see the whole school."""
    user = store.user
    return user.classes if is_class_scoped(user.roles) else None


def ensure_visible(store, student_id: int) -> None:
    """Refuse, naming the rule, a student outside the signed-in teacher's classes (or unknown)."""
    if store.conn.execute("SELECT 1 FROM students WHERE id = ?", (student_id,)).fetchone():
        return
    if scoped_classes(store) is not None and store.conn.execute(
            "SELECT 1 FROM main.students WHERE id = ?", (student_id,)).fetchone():
        raise PermissionDenied(out_of_scope_message(store))
    raise BadInput(f"学生不存在（编号 {student_id}）。")


def out_of_scope_message(store) -> str:
    codes = "、".join(scoped_classes(store) or ())
    return (f"班主任只能查看和核对自己负责的班级（{codes}）：该学生不在这些班级。"
            "如需处理其他班级的学生，请联系学籍管理员。")


def is_out_of_scope(conn, student_id: int) -> bool:
    """A student that exists in the file but not in this (scoped) connection's view."""
    return (conn.execute("SELECT 1 FROM students WHERE id = ?", (student_id,)).fetchone() is None
            and conn.execute("SELECT 1 FROM main.students WHERE id = ?", (student_id,)).fetchone() is not None)


def class_out_of_scope(conn, text: str) -> bool:
    """A class named by 班号 that exists but is hidden from this (scoped) connection."""
    text = text.strip()
    return (conn.execute("SELECT 1 FROM classes WHERE class_code = ?", (text,)).fetchone() is None
            and conn.execute("SELECT 1 FROM main.classes WHERE class_code = ?", (text,)).fetchone() is not None)
