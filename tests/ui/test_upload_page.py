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


def test_pending_records_are_named_before_a_folder_is_chosen(qtbot, window, monkeypatch, message_boxes):
    from PySide6.QtWidgets import QFileDialog

    asked = []
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: asked.append(a) or "")
    page = _upload_page(window)
    page.export_button.click()
    assert not asked
    assert message_boxes and "待修正" in message_boxes[-1][1] and "包含待修正记录" in message_boxes[-1][1]
    assert "--include-pending" not in message_boxes[-1][1]  # the GUI names its own check box
    page.include_pending.setChecked(True)
    page.export_button.click()
    assert asked  # now the folder is asked for
