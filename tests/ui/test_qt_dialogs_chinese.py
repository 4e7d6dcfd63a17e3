"""Qt's own (non-native) dialogs speak Chinese: qtbase_zh_CN plus our supplement (resources/i18n).

Every label, button, group box and tab of the file, print, page-setup and print-preview dialogs is opened
and read; a Latin word there (other than units, paper names and paths) is an untranslated string."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.gui

# Text that may carry Latin letters: paths, file filters, PDF, units, paper names.
ALLOWED = re.compile(r"^(/.*|.*\(\*\..*\)|.*PDF.*|[\d.]+ ?(mm|in|pt)|.*\((Letter|Legal|Envelope|.*)\).*)$")


@pytest.fixture(scope="module")
def chinese(qapp):
    from xueji_desktop.ui.app import load_translators

    installed = [t for _n, t in load_translators(qapp)]
    for t in installed:
        qapp.installTranslator(t)
    yield
    for t in installed:
        qapp.removeTranslator(t)


def _english(widget) -> list[str]:
    from PySide6.QtWidgets import QAbstractButton, QGroupBox, QLabel, QTabWidget, QWidget

    found = []
    for w in [widget, *widget.findChildren(QWidget)]:
        texts = [w.windowTitle()] if w is widget else []
        if isinstance(w, (QLabel, QAbstractButton)):
            texts.append(w.text())
        if isinstance(w, QGroupBox):
            texts.append(w.title())
        if isinstance(w, QTabWidget):
            texts += [w.tabText(i) for i in range(w.count())]
        found += [t for t in texts if re.search(r"[A-Za-z]{2,}", t) and not ALLOWED.match(t)]
    return found


def _file_dialog(mode):
    from PySide6.QtWidgets import QFileDialog

    d = QFileDialog(None, "选择文件")
    d.setOption(QFileDialog.DontUseNativeDialog)
    if mode == "directory":
        d.setFileMode(QFileDialog.Directory)
    else:
        d.setAcceptMode(QFileDialog.AcceptSave if mode == "save" else QFileDialog.AcceptOpen)
        d.setNameFilter("数据包 (*.xjpkg)")
    return d


@pytest.mark.parametrize("kind", ["open", "save", "directory", "print", "page_setup", "preview"])
def test_qt_dialog_has_no_english_label(qtbot, chinese, kind):
    from PySide6.QtPrintSupport import QPageSetupDialog, QPrintDialog, QPrinter, QPrintPreviewDialog

    printer = QPrinter()
    dialog = {"print": lambda: QPrintDialog(printer), "page_setup": lambda: QPageSetupDialog(printer),
              "preview": lambda: QPrintPreviewDialog(printer)}.get(kind, lambda: _file_dialog(kind))()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert _english(dialog) == []
    dialog.close()


def test_file_dialog_labels_are_the_supplements(qtbot, chinese):
    from PySide6.QtWidgets import QLabel

    dialog = _file_dialog("open")
    qtbot.addWidget(dialog)
    labels = {label.text() for label in dialog.findChildren(QLabel)}
    assert {"查找范围(&L)：", "文件类型(&T)："} <= labels
