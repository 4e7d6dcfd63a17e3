"""Keyboard alone and small logical screens (1366x768 at 125% is 1093x614 logical pixels): every control
of every page is reachable with Tab, and no button or label is squeezed below the size its text needs."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

pytestmark = pytest.mark.gui

SMALL = (1040, 560)  # 1366x768 at 125%, less the taskbar and the title bar
INTERACTIVE = (QAbstractButton, QLineEdit, QComboBox, QAbstractItemView, QAbstractSpinBox, QPlainTextEdit)


def _window(qtbot, store):
    from xueji_desktop.ui.main_window import MainWindow

    w = MainWindow(store)
    qtbot.addWidget(w)
    w.resize(*SMALL)
    w.show()
    qtbot.waitExposed(w)
    return w


def _clipped(root: QWidget) -> list[str]:
    out = []
    for w in root.findChildren(QWidget):
        if not w.isVisibleTo(root) or w.width() <= 0:
            continue
        if isinstance(w, QAbstractButton) and w.text() and w.width() < w.minimumSizeHint().width():
            out.append(f"button {w.text()!r}: {w.width()} < {w.minimumSizeHint().width()}")
        elif isinstance(w, QLabel) and w.text() and not w.wordWrap() and w.pixmap().isNull():
            if w.width() < w.minimumSizeHint().width():
                out.append(f"label {w.text()[:20]!r}: {w.width()} < {w.minimumSizeHint().width()}")
        elif isinstance(w, QLabel) and w.wordWrap() and w.text() and w.hasHeightForWidth():
            if w.height() < w.heightForWidth(w.width()):
                out.append(f"wrapped label {w.text()[:20]!r}: {w.height()} < {w.heightForWidth(w.width())}")
    return out


def _tab_chain(start: QWidget, limit: int = 3000) -> set[int]:
    seen, w = set(), start
    for _ in range(limit):
        w = w.nextInFocusChain()
        if w is start:
            break
        seen.add(id(w))
    return seen


def _unreachable(window, page: QWidget) -> list[str]:
    chain = _tab_chain(window.nav)
    out = []
    for w in page.findChildren(QWidget):
        # a table's header and corner button are driven through the table itself
        part_of_table = isinstance(w, QHeaderView) or isinstance(w.parent(), QAbstractItemView)
        if isinstance(w, INTERACTIVE) and not part_of_table and w.isVisibleTo(page) and w.isEnabled():
            proxy = w.focusProxy() or w
            if not proxy.focusPolicy() & Qt.TabFocus or id(proxy) not in chain:
                out.append(f"{type(w).__name__} {getattr(w, 'text', lambda: '')()!r}")
    return out


@pytest.mark.parametrize("side", ["school", "county"])
def test_every_page_fits_a_small_screen_and_is_reachable_by_tab(qtbot, demo_store, county, side):
    window = _window(qtbot, demo_store if side == "school" else county)
    hint = window.minimumSizeHint()
    assert hint.width() <= SMALL[0] and hint.height() <= SMALL[1]
    for name in window.names:
        page = window.go(name)
        qtbot.wait(10)
        assert _clipped(page) == [], name
        assert _unreachable(window, page) == [], name
    assert window.width() <= SMALL[0] + 1


def test_student_form_fits_and_tabs_in_paper_order(qtbot, demo_store):
    from xueji_desktop.ui.student_form import StudentForm

    form = StudentForm(demo_store)
    qtbot.addWidget(form)
    form.resize(*SMALL)
    form.show()
    qtbot.waitExposed(form)
    assert form.minimumSizeHint().height() <= SMALL[1]
    assert _clipped(form) == []
    # Tab from 姓名 visits the student's items in paper order (forms/: 1 姓名, 2 曾用名, 3 性别 …)
    from xueji_desktop.forms import form_sections

    expected = [f.path for f in form_sections()[0].fields if f.path != "grade"][:8]
    order, w = [], form.widgets["name"]
    keys = {id(e): k for k, e in form.widgets.items()}
    while len(order) < len(expected):
        order.append(keys[id(w)])
        w = w.nextInFocusChain()
        while id(w) not in keys or not w.isVisibleTo(form) or not w.focusPolicy() & Qt.TabFocus:
            w = w.nextInFocusChain()
    assert order == expected


def test_menus_have_mnemonics(qtbot, demo_store):
    window = _window(qtbot, demo_store)
    for action in window.menuBar().actions():
        assert "(&" in action.text()
        for item in action.menu().actions():
            if not item.isSeparator() and action.text() != "页面(&P)":
                assert "(&" in item.text(), item.text()


def test_student_list_by_keyboard_alone(qtbot, demo_store):
    """Alt+C 班级, Alt+T 状态, Alt+N 新增学生; Enter in the list opens a student."""
    window = _window(qtbot, demo_store)
    page = window.go("学生信息")
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    page.view.setFocus()
    qtbot.keyClick(page.view, Qt.Key_C, Qt.AltModifier)
    assert page.class_box.hasFocus()
    qtbot.keyClick(page.class_box, Qt.Key_T, Qt.AltModifier)
    assert page.status_box.hasFocus()
    page.view.setFocus()
    qtbot.keyClick(page.view, Qt.Key_N, Qt.AltModifier)
    qtbot.waitUntil(lambda: None in window.forms, timeout=3000)  # a mnemonic "animates" its click first
    window.forms[None].close()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    page.view.setFocus()
    page.view.setCurrentIndex(page.model.index(0, 0))
    qtbot.keyClick(page.view, Qt.Key_Return)
    assert page.model.student_id(0) in window.forms


def test_excel_and_upload_steps_have_mnemonics(qtbot, demo_store):
    window = _window(qtbot, demo_store)
    tabs = window.go("导入导出")
    excel = tabs.widget(0)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    excel.file_edit.setFocus()
    qtbot.keyClick(excel.file_edit, Qt.Key_2, Qt.AltModifier)  # 第 2 步：检查文件(&2), with no file chosen yet
    qtbot.waitUntil(lambda: "请先选择" in excel.result_text.toPlainText(), timeout=3000)
    tabs.setCurrentIndex(1)
    upload = tabs.widget(1)
    assert upload.include_pending.isVisible()
    upload.blocking.setFocus()
    qtbot.keyClick(upload.blocking, Qt.Key_Q, Qt.AltModifier)  # 包含待修正记录(&Q)
    qtbot.waitUntil(upload.include_pending.isChecked, timeout=3000)
