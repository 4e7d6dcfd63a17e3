"""The GUI opens the real store: login (wrong and right password), main window, student list filter."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.gui


def test_login_wrong_then_right_password(qtbot, demo_path):
    from PySide6.QtCore import Qt

    from xueji_desktop.ui.login import LoginDialog

    dialog = LoginDialog(demo_path, "admin")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.keyClicks(dialog.password_edit, "wrong-password")
    qtbot.keyClick(dialog.password_edit, Qt.Key_Return)
    assert dialog.store is None
    assert "密码错误" in dialog.error_label.text()
    dialog.password_edit.clear()
    qtbot.keyClicks(dialog.password_edit, PASSWORD)
    qtbot.keyClick(dialog.password_edit, Qt.Key_Return)
    assert dialog.store is not None and dialog.result() == dialog.DialogCode.Accepted
    dialog.store.close()


def test_main_window_lists_and_filters_students(qtbot, demo_store):
    from xueji_desktop.ui.main_window import MainWindow

    window = MainWindow(demo_store)
    qtbot.addWidget(window)
    page = window.page_by_name["学生信息"]
    total = demo_store.query("SELECT count(*) FROM students")[0][0]
    assert page.model.rowCount() == total
    name, id_number = demo_store.query("SELECT name, id_number FROM students ORDER BY id LIMIT 1")[0]
    qtbot.keyClicks(page.search, id_number)
    assert page.model.rowCount() == 1
    assert page.model.index(0, 1).data() == name
    page.search.clear()
    page.status_box.setCurrentIndex(page.status_box.findData("pending"))
    pending = demo_store.query("SELECT count(*) FROM students WHERE status = 'pending'")[0][0]
    assert page.model.rowCount() == pending


def test_student_model_passes_qt_model_tester(qtmodeltester, demo_store):
    from xueji_desktop.ui.student_model import StudentTableModel

    qtmodeltester.check(StudentTableModel(demo_store.conn))
