"""Helpers for the role tests."""

from __future__ import annotations


def student_of(store, class_code: str) -> tuple[int, str]:
    """(id, id number) of the first student of a class, read past any teacher scope."""
    row = store.conn.execute("SELECT s.id, s.id_number FROM main.students s JOIN main.classes c ON c.id = s.class_id"
                             " WHERE c.class_code = ? AND s.id_number != '' ORDER BY s.id LIMIT 1",
                             (class_code,)).fetchone()
    return row[0], row[1]
