"""上报数据包 (school): the list of records to fix follows the saves; pending records are named before
any folder is asked for."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.gui


@pytest.fixture
def window(qtbot, demo_store):
    from xueji_desktop.ui.main_window import MainWindow

    w = MainWindow(demo_store)
    qtbot.addWidget(w)
    w.show()
    return w


def _upload_page(window):
    from xueji_desktop.ui.package_page import PackageExportPage

    tabs = window.go("导入导出")
    tabs.setCurrentIndex(1)
    page = tabs.widget(1)
    assert isinstance(page, PackageExportPage)
    return page


def test_list_of_records_to_fix_follows_a_fix_in_the_form(qtbot, window, demo_store):
    page = _upload_page(window)
    before = page.blocking.rowCount()
    fixable = next(sid for sid, issues in demo_store.query("SELECT id, issues FROM students WHERE status = 'pending'")
                   if [i["code"] for i in json.loads(issues)] == ["required"])
    form = window.open_student(fixable)
    form.widgets["household_address"].setText("太原市迎泽区双塔西街 1 号")
    assert form.save()
    assert page.blocking.rowCount() == before - 1  # no need to leave and come back
    names = {page.blocking.item(r, 1).text() for r in range(page.blocking.rowCount())}
    assert form.loaded["name"] not in names


def test_what_stops_the_export_is_said_before_a_folder_is_chosen(qtbot, window, demo_store, monkeypatch,
                                                                  message_boxes, tmp_path):
    from PySide6.QtWidgets import QFileDialog

    from tests.exchange.helpers import new_county
    from xueji_desktop.county.schools import add_school, make_init_packages
    from xueji_desktop.exchange.school_side import apply_init, read_init_package

    asked = []
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: asked.append(a) or "")
    page = _upload_page(window)
    page.export_button.click()  # no init package loaded yet
    assert not asked and "载入初始化包…" in message_boxes[-1][1]
    county = new_county(tmp_path / "county.xjdb")
    add_school(county, "2114010068", "双塔西街小学", "140106001000")
    [init] = make_init_packages(county, [], tmp_path / "init")
    county.close()
    apply_init(demo_store, read_init_package(init))
    page.export_button.click()  # now the records to fix stop it
    assert not asked
    assert "待修正" in message_boxes[-1][1] and "勾选“包含待修正记录”" in message_boxes[-1][1]
    page.include_pending.setChecked(True)
    page.export_button.click()
    assert asked  # now the folder is asked for


def test_problem_list_follows_saves_in_the_form(qtbot, window, demo_store):
    """问题学籍 is read again after each save: a duplicate ID number typed in the form appears, and leaves
    when it is undone and saved."""
    page = window.go("问题学籍")
    before = page.table.rowCount()
    (_a_id, a_number), (b_id, b_number) = demo_store.query("SELECT id, id_number FROM students ORDER BY id LIMIT 2")
    form = window.open_student(b_id)
    form.widgets["id_number"].setText(a_number)
    form._field_left("id_number")
    assert form.save()
    assert page.table.rowCount() == before + 2  # both records of the shared number, without 重新检查
    assert form.undo()
    assert form.widgets["id_number"].text() == b_number
    assert form.save()
    assert page.table.rowCount() == before
