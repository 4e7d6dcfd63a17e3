"""Finding things from anywhere: 查找学生 (Ctrl+F: name, pinyin initials, ID-number digits) and 查找功能
(Ctrl+K: every page, tab, button and menu command, by its name or pinyin initials)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractButton,
    QDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..derive import pinyin_initials
from ..records.search import StudentIndex
from ..storage import Store


class _FindDialog(QDialog):
    """A line to type in and a list of matches; ↓/↑ move, Enter takes the current match."""

    def __init__(self, title: str, placeholder: str, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(560, 420)
        layout = QVBoxLayout(self)
        self.query = QLineEdit()
        self.query.setPlaceholderText(placeholder)
        self.query.setClearButtonEnabled(True)
        self.results = QListWidget()
        self.note = QLabel()
        layout.addWidget(self.query)
        layout.addWidget(self.results, 1)
        layout.addWidget(self.note)
        self.query.textChanged.connect(self.update_results)
        self.query.returnPressed.connect(self.take_current)
        self.results.itemActivated.connect(lambda _item: self.take_current())
        self.query.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:
        # Arrow keys in the search line move through the results, as in a browser's address bar.
        if obj is self.query and event.type() == event.Type.KeyPress and event.key() in (Qt.Key_Down, Qt.Key_Up):
            row = self.results.currentRow() + (1 if event.key() == Qt.Key_Down else -1)
            self.results.setCurrentRow(max(0, min(row, self.results.count() - 1)))
            return True
        return False

    def show_items(self, items: list[tuple[str, Any]], note: str) -> None:
        self.results.clear()
        for text, data in items:
            item = QListWidgetItem(text)
            item.setData(Qt.UserRole, data)
            self.results.addItem(item)
        if items:
            self.results.setCurrentRow(0)
        self.note.setText(note)

    def take_current(self) -> None:
        item = self.results.currentItem()
        if item is not None:
            self.chosen(item.data(Qt.UserRole))
            self.accept()

    def update_results(self, text: str) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def chosen(self, data: Any) -> None:  # pragma: no cover - overridden
        raise NotImplementedError


class StudentSearchDialog(_FindDialog):
    """查找学生 across the whole school (the list page filters one class at a time)."""

    open_student = Signal(int)

    def __init__(self, store: Store, parent=None) -> None:
        super().__init__(self.tr("查找学生"), self.tr("姓名的一部分、拼音首字母（如 zxx）或身份证件号中的数字"), parent)
        self.index = StudentIndex(store.conn)  # read when the dialog opens: it sees every saved student
        self.update_results("")

    def update_results(self, text: str) -> None:
        hits = self.index.find(text, limit=50)
        self.show_items([(f"{h.name}　{h.class_name}　{h.id_number}　{h.status_name}", h.student_id) for h in hits],
                        self.tr("找到 %1 名，按 Enter 打开").replace("%1", str(len(hits))) if text.strip() else
                        self.tr("共 %1 名学生").replace("%1", str(len(self.index.hits))))

    def chosen(self, data: Any) -> None:
        self.open_student.emit(int(data))


@dataclass(frozen=True)
class Function:
    """One thing the clerk can do: where it is (page, tab) and the widget or action that does it."""

    title: str       # 导入导出 › 上报数据包 › 导出上报数据包…
    page: str | None
    tab: int | None
    target: Any      # a QAbstractButton to focus, a QAction to trigger, or None (the page itself)
    search: str      # title and its pinyin initials, lower case


def _function(title: str, page: str | None, tab: int | None, target: Any) -> Function:
    title = re.sub(r"\(&\w\)", "", title).replace("&", "")
    plain = title.replace("…", "")
    return Function(title, page, tab, target, f"{plain} {pinyin_initials(plain)}".lower())


def collect_functions(window) -> list[Function]:
    """Every page (built if not yet), its tabs and buttons, and the menu commands: found in the widgets
    themselves, so the list always matches the app."""
    out: list[Function] = []
    for name in window.names:
        page = window.page(name)
        label = window.nav.item(window.names.index(name)).text()
        out.append(_function(label, name, None, None))
        parts = [(None, label, page)]
        if isinstance(page, QTabWidget):
            parts = [(i, f"{label} › {page.tabText(i)}", page.widget(i)) for i in range(page.count())]
            out += [_function(t, name, i, None) for i, t, _w in parts]
        for tab, where, widget in parts:
            seen = set()
            for button in widget.findChildren(QAbstractButton):
                text = button.text().strip()
                if not text or text in seen or len(text) < 2 or not button.isVisibleTo(widget):
                    continue  # a button hidden on this file (e.g. a county's function on a city file) is not offered
                seen.add(text)
                out.append(_function(f"{where} › {text}", name, tab, button))
    for menu_action in window.menuBar().actions():
        menu = menu_action.menu()
        for action in menu.actions() if menu else ():
            if action.text() and not action.isSeparator() and action.menu() is None:
                title = f"{menu_action.text()} › {action.text()}"
                out.append(_function(title, None, None, action))
    return out


class FunctionFinder(_FindDialog):
    """查找功能: type what you want to do (导出, 密码, dc …); Enter goes to the page and puts the focus on
    the button (or runs the menu command)."""

    def __init__(self, window, parent=None) -> None:
        super().__init__(self.tr("查找功能"), self.tr("要做的事，如“导出”“密码”“照片”，或拼音首字母"), parent)
        self.window_ = window
        self.functions = collect_functions(window)
        self.update_results("")

    def update_results(self, text: str) -> None:
        words = text.strip().lower().split()
        found = [f for f in self.functions if all(w in f.search for w in words)]
        self.show_items([(f.title, n) for n, f in enumerate(self.functions) if f in found][:200],
                        self.tr("%1 项，按 Enter 前往").replace("%1", str(len(found))))

    def chosen(self, data: Any) -> None:
        go_to(self.window_, self.functions[int(data)])


def go_to(window, function: Function) -> None:
    if function.page is not None:
        page = window.go(function.page)
        if function.tab is not None and isinstance(page, QTabWidget):
            page.setCurrentIndex(function.tab)
    target = function.target
    if isinstance(target, QWidget):
        target.setFocus(Qt.ShortcutFocusReason)
    elif target is not None:
        target.trigger()
