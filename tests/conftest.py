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


# ---- the demo school linked to the demo county (admissions) ----------------------------------------------


@pytest.fixture
def linked(county, demo_store, tmp_path):
    """The demo school registered at the county, initialised from its package, its data sent up once; its
    school year (a plan of 0 for 小学 that year is set before the init package, so plans travel in it)."""
    from tests.records.admission_lists import CODE
    from xueji_desktop.county import admissions as county_adm
    from xueji_desktop.county.intake import import_package
    from xueji_desktop.county.schools import add_school, make_init_packages
    from xueji_desktop.demo import DEMO_SCHOOL
    from xueji_desktop.exchange import school_side
    from xueji_desktop.records import admissions as adm
    from xueji_desktop.records.school_year import current_school_year

    add_school(county, CODE, DEMO_SCHOOL["name"], DEMO_SCHOOL["region_code"])
    year = current_school_year(demo_store)
    county_adm.set_plan(county, CODE, 1, year, 0)  # set now, raised below: plans travel in init packages too
    [init] = make_init_packages(county, [CODE], tmp_path / "init")
    fp = school_side.apply_init(demo_store, school_side.read_init_package(init))
    assert adm.plan_use(demo_store.conn, 1, year).plan == 0
    import_package(county, school_side.export_package(demo_store, tmp_path / "up0", include_pending=True),
                   confirm_fingerprint=fp)
    return year
