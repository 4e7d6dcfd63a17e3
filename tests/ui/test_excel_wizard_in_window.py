"""Import a workbook through the Excel wizard inside the main window, then find the students in the list.
The wizard itself, including cancelling an import, is tested in tests/excel/test_excel_page.py."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from tests.excel.conftest import demo_rows, headers, save_rows

pytestmark = pytest.mark.gui


def _excel_page(window):
    tabs = window.go("导入导出")
    from xueji_desktop.ui.excel_page import ExcelPage

    page = tabs.widget(0)
    assert isinstance(page, ExcelPage)
    return page


def test_import_through_wizard_then_find_in_list(qtbot, class_store, tmp_path):
    from xueji_desktop.ui.main_window import MainWindow

    rows = demo_rows(6, seed=11)
    name = rows[2][headers().index("姓名")]
    path = save_rows(tmp_path / "新生.xlsx", headers(), rows)
    window = MainWindow(class_store)
    qtbot.addWidget(window)
    window.show()
    listing = window.page("学生信息")
    assert listing.model.rowCount() == 0
    page = _excel_page(window)
    page.file_edit.setText(str(path))
    qtbot.mouseClick(page.check_button, Qt.LeftButton)
    qtbot.waitUntil(page.import_button.isEnabled, timeout=20000)
    with qtbot.waitSignal(page.imported, timeout=60000):
        qtbot.mouseClick(page.import_button, Qt.LeftButton)
    assert listing.model.rowCount() == 6  # the list re-read its keys after the import
    window.go("学生信息")
    listing.search.setText(name)
    assert listing.model.rowCount() >= 1
    assert all(name in listing.model.index(r, 1).data() for r in range(listing.model.rowCount()))

