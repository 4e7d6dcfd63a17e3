"""A demo school with a class teacher (``teacher1``, password as the admin's) for its first class."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import PASSWORD


@dataclass
class TeacherSchool:
    path: Path
    own: str      # the teacher's class (班号)
    other: str    # a class the teacher does not have


@pytest.fixture
def teacher_school(demo_path) -> TeacherSchool:
    from xueji_desktop.school import list_classes
    from xueji_desktop.storage import Store

    with Store.open(demo_path, "admin", PASSWORD) as store:
        classes = [c.class_code for c in list_classes(store)]
        store.add_user("teacher1", PASSWORD, "teacher", "王老师", classes=classes[0])
    return TeacherSchool(demo_path, classes[0], classes[1])


@pytest.fixture
def teacher(teacher_school):
    from xueji_desktop.storage import Store

    store = Store.open(teacher_school.path, "teacher1", PASSWORD)
    yield store
    store.close()


@pytest.fixture
def clerk(teacher_school):
    from xueji_desktop.storage import Store

    store = Store.open(teacher_school.path, "admin", PASSWORD)
    yield store
    store.close()


def student_of(store, class_code: str) -> tuple[int, str]:
    """(id, id number) of the first student of a class, read past any teacher scope."""
    row = store.conn.execute("SELECT s.id, s.id_number FROM main.students s JOIN main.classes c ON c.id = s.class_id"
                             " WHERE c.class_code = ? AND s.id_number != '' ORDER BY s.id LIMIT 1",
                             (class_code,)).fetchone()
    return row[0], row[1]
