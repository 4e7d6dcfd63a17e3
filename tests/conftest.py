"""Shared fixtures. Qt runs offscreen; pytest-qt owns the single QApplication."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("XUEJI_DATA_DIR", str(Path(os.environ.get("TMPDIR", "/tmp")) / "xueji-test-data"))

PASSWORD = "test-pass-1"


@pytest.fixture
def empty_store(tmp_path):
    """A fresh school store with a profile and no classes."""
    from xueji_desktop.demo import DEMO_SCHOOL
    from xueji_desktop.storage import Store

    store, _recovery = Store.create(tmp_path / "school.xjdb", username="admin", password=PASSWORD,
                                    display_name="管理员", school=DEMO_SCHOOL)
    yield store
    store.close()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    """The demo school, built once per test session (360 students with photos)."""
    from xueji_desktop.demo import create_demo_store

    path = tmp_path_factory.mktemp("demo") / "demo.xjdb"
    store, _ = create_demo_store(path, password=PASSWORD)
    store.close()
    return path


@pytest.fixture
def demo_path(demo_template, tmp_path) -> Path:
    """A private copy of the demo school for one test."""
    target = tmp_path / "demo.xjdb"
    shutil.copyfile(demo_template, target)
    shutil.copyfile(str(demo_template) + ".keys", str(target) + ".keys")
    return target


@pytest.fixture
def demo_store(demo_path):
    from xueji_desktop.storage import Store

    store = Store.open(demo_path, "admin", PASSWORD)
    yield store
    store.close()


@pytest.fixture
def county(tmp_path):
    """The demo county's new store (no schools yet), closed after the test."""
    from tests.exchange.helpers import new_county

    store = new_county(tmp_path / "county.xjdb")
    yield store
    store.close()


@pytest.fixture
def class_store(empty_store):
    """The demo school's 12 primary classes, no students."""
    from xueji_desktop import school
    from xueji_desktop.demo import demo_classes

    with empty_store.transaction() as tx:
        for c in demo_classes():
            school.add_class(tx, c.entry_year, c.stage, c.number)
    return empty_store


def county_sends(store, settings: dict[str, str]) -> None:
    """County rules as a school receives them (in an init or feedback package): a school cannot set them."""
    from xueji_desktop.records.changes import apply_county_settings

    with store.transaction() as tx:
        apply_county_settings(store, tx, settings)


# ---- a class teacher's account (issue 25) ----------------------------------------------------------
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
