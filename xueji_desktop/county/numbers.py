"""The county gives 正式学籍号 (seed 001 §5.3) to the records it accepts, and sends them down.

Accepting a school's submission (``county review CODE --pass``) gives each of its records a formal number:
G + 居民身份证号, or J + the temporary number's construction without one. A record keeps its formal number
for good (a table apart from ``county_students``, which each import replaces). Records that are problem
records (ID number invalid, the same ID number or 学籍号 twice, sent while still 待修正) get none until
resolved: a formal number is a promise that the record is the child's only one.
"""

from __future__ import annotations

from typing import Any

from ..records.student_number import formal_for, is_formal
from ..storage.store import Tx


def _taken(tx: Tx):
    return lambda n: tx.execute("SELECT 1 FROM county_student_numbers WHERE number = ?", (n,)).fetchone() is not None


def assign_formal_numbers(tx: Tx, school_code: str) -> int:
    """Formal numbers for the school's accepted records that have none; returns how many were given."""
    rows = tx.execute(
        "SELECT s.uid, s.id_type, s.id_number, s.student_number FROM county_students s"
        " LEFT JOIN county_student_numbers n ON n.uid = s.uid"
        " WHERE s.school_code = ? AND n.uid IS NULL AND s.pending = 0 AND s.id_problem = ''"
        " AND (s.id_number = '' OR (SELECT count(*) FROM county_students d WHERE d.id_number = s.id_number) = 1)"
        " AND (s.student_number = '' OR (SELECT count(*) FROM county_students d"
        "      WHERE d.student_number = s.student_number) = 1)"
        " ORDER BY s.id", (school_code,)).fetchall()
    taken = _taken(tx)
    given = []
    for uid, id_type, id_number, sent in rows:
        number = sent if is_formal(sent) and not taken(sent) else formal_for(id_type, id_number, sent, taken)
        if number and not taken(number):
            tx.execute("INSERT INTO county_student_numbers (uid, number, school_code, assigned_at) VALUES (?,?,?,?)",
                       (uid, number, school_code, tx.ts))
            given.append(number)
    if given:
        tx.audit("分配正式学籍号", "county_student_numbers", school_code, {"count": [None, len(given)]})
    return len(given)


def formal_numbers(conn, school_code: str) -> dict[str, str]:
    """uid → 正式学籍号 of the school's records (what its feedback package carries)."""
    return dict(conn.execute("SELECT n.uid, n.number FROM county_student_numbers n JOIN county_students s"
                             " ON s.uid = n.uid AND s.school_code = ? ORDER BY n.uid", (school_code,)).fetchall())


def number_of(conn, uid: str) -> dict[str, Any]:
    row = conn.execute("SELECT number, school_code, assigned_at FROM county_student_numbers WHERE uid = ?",
                       (uid,)).fetchone()
    return dict(zip(("number", "school_code", "assigned_at"), row, strict=True)) if row else {}
