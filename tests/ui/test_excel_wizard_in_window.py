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



def test_open_report_opens_this_imports_report_never_an_older_one(qtbot, class_store, tmp_path, monkeypatch):
    from PySide6.QtGui import QDesktopServices

    from xueji_desktop.ui.excel_page import ExcelPage

    opened: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True)
    page = ExcelPage(class_store)
    qtbot.addWidget(page)
    reports = []
    for attempt in range(2):
        rows = demo_rows(3, seed=20 + attempt)
        rows[0][headers().index("出生日期")] = "不知道"
        path = save_rows(tmp_path / "班级名单.xlsx", headers(), rows)  # the same file name both times
        page.file_edit.setText(str(path))
        qtbot.mouseClick(page.check_button, Qt.LeftButton)
        assert not page.open_report_button.isEnabled()  # the last import's report is not this file's
        qtbot.waitUntil(page.import_button.isEnabled, timeout=20000)
        with qtbot.waitSignal(page.imported, timeout=60000) as blocker:
            qtbot.mouseClick(page.import_button, Qt.LeftButton)
        reports.append(blocker.args[0].report)
        qtbot.mouseClick(page.open_report_button, Qt.LeftButton)
        assert opened[-1] == reports[-1]
        if attempt == 0:
            qtbot.wait(1100)  # report names carry the time to the second
    assert reports[0] != reports[1]
    page.file_edit.setText(str(tmp_path / "另一个.xlsx"))
    assert not page.open_report_button.isEnabled()
