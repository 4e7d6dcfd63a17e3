"""An import whose classes the school has not created yet (issue 21, item 6): the classes are named and can be
created in the same step (`import-excel --create-classes`, the wizard's 导入时建立这些班级), instead of every
row landing in 待修正."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt

from tests.conftest import PASSWORD
from xueji_desktop.cli import main

from .conftest import demo_rows, headers, save_rows


def _classes(store) -> set[str]:
    return {r[0] for r in store.query("SELECT name FROM classes")}


def _unknown_class_rows(store) -> int:
    return store.query("SELECT count(*) FROM students WHERE issues LIKE '%class.unknown%'")[0][0]


@pytest.fixture
def workbook(tmp_path):
    rows = demo_rows(8)
    named = {r[headers().index("班级")] for r in rows}
    return save_rows(tmp_path / "新生.xlsx", headers(), rows), named


def test_without_the_flag_the_missing_classes_are_named(empty_store, workbook, monkeypatch, capsys):
    path, named = workbook
    monkeypatch.setenv("XUEJI_PASSWORD", PASSWORD)
    empty_store.close()
    assert main(["import-excel", "--db", str(empty_store.path), str(path), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result["missing_classes"]) == named and result["created_classes"] == []
    assert result["pending"] == 8


def test_create_classes_creates_them_in_the_same_import(empty_store, workbook, monkeypatch, capsys):
    path, named = workbook
    monkeypatch.setenv("XUEJI_PASSWORD", PASSWORD)
    db = str(empty_store.path)
    empty_store.close()
    assert main(["import-excel", "--db", db, str(path), "--create-classes"]) == 0
    out = capsys.readouterr().out
    assert f"已新建 {len(named)} 个班级" in out
    from xueji_desktop.storage import Store

    with Store.open(db, "admin", PASSWORD) as store:
        assert _classes(store) == named
        assert _unknown_class_rows(store) == 0
        assert store.query("SELECT count(*) FROM students WHERE class_id IS NULL")[0][0] == 0
        assert store.query("SELECT count(*) FROM audit_log WHERE action = '新建班级'")[0][0] == len(named)


def test_a_failed_import_creates_no_class(empty_store, workbook, monkeypatch):
    """The classes are created in the import's transaction: cancelled or refused, nothing stays."""
    from xueji_desktop.errors import Cancelled
    from xueji_desktop.excel.importer import import_workbook
    from xueji_desktop.progress import Progress

    class CancelAtOnce(Progress):
        def report(self, done, total, message=""):
            if done:
                raise Cancelled()

    path, _named = workbook
    with pytest.raises(Cancelled):
        import_workbook(empty_store, path, create_classes=True, progress=CancelAtOnce(), parallel=False)
    assert _classes(empty_store) == set()


@pytest.mark.gui
def test_the_wizard_offers_to_create_the_missing_classes(qtbot, empty_store, workbook):
    from xueji_desktop.ui.excel_page import ExcelPage

    path, named = workbook
    page = ExcelPage(empty_store)
    qtbot.addWidget(page)
    page.file_edit.setText(str(path))
    qtbot.mouseClick(page.check_button, Qt.LeftButton)
    qtbot.waitUntil(page.import_button.isEnabled, timeout=20000)
    assert page.create_classes_check.isVisibleTo(page) and page.create_classes_check.isChecked()
    assert f"{len(named)} 个班级" in page.create_classes_check.text()
    assert "本校还没有" in page.result_text.toPlainText()
    with qtbot.waitSignal(page.imported, timeout=60000) as blocker:
        qtbot.mouseClick(page.import_button, Qt.LeftButton)
    assert set(blocker.args[0].created_classes) == named
    assert _classes(empty_store) == named and _unknown_class_rows(empty_store) == 0


def test_a_bare_class_number_beside_a_grade_column_names_its_class(empty_store, tmp_path):
    """一年级 + 9班 is 小学(this year)级(9)班: the check step, the import's list and --create-classes read 年级 as the
    import places rows (the check once read it as a plain field and missed such classes)."""
    from xueji_desktop.excel.importer import import_workbook
    from xueji_desktop.excel.missing_classes import missing_classes
    from xueji_desktop.records.school_year import current_school_year

    rows = demo_rows(2)
    h = headers()
    for r in rows:
        r[h.index("班级")], r[h.index("年级")] = "9班", "一年级"
    path = save_rows(tmp_path / "一年级.xlsx", h, rows)
    year = current_school_year(empty_store)
    expected = f"小学{year}级(9)班"
    assert [m.name for m in missing_classes(path, [], year)] == [expected]
    assert [m.rows for m in missing_classes(path, [], year)] == [2]
    assert import_workbook(empty_store, path, parallel=False).missing_classes == [expected]
    created = import_workbook(empty_store, path, parallel=False, create_classes=True)
    assert created.created_classes == [expected] and created.missing_classes == []


def test_importing_again_with_the_flag_places_the_rows_instead_of_adding_them_twice(empty_store, tmp_path):
    """The summary tells the clerk to import again with --create-classes. Rows kept without a class the first
    time (and without an ID number, so only name + gender + birth date can find them) are placed, not doubled."""
    from xueji_desktop.excel.importer import import_workbook

    rows = demo_rows(6)
    id_column = headers().index("身份证件号")
    for r in rows[:3]:
        r[id_column] = ""
    path = save_rows(tmp_path / "新生.xlsx", headers(), rows)
    first = import_workbook(empty_store, path, parallel=False)
    assert first.inserted == 6 and first.pending == 6
    second = import_workbook(empty_store, path, parallel=False, create_classes=True)
    assert second.inserted == 0 and second.updated == 6
    assert empty_store.query("SELECT count(*) FROM students")[0][0] == 6
    assert empty_store.query("SELECT count(*) FROM students WHERE class_id IS NULL")[0][0] == 0
