"""A combo box for a code table: type the name, the code or pinyin initials to filter.

民族: typing "h" offers 汉族 first (its pinyin initials are "hz"), "回" offers 回族. The box holds the
*name*; :meth:`code` returns the code. Text that matches nothing is kept as typed (never lost) and
returned as is, so the validator can say it is not in the code table.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QComboBox, QCompleter

from ..derive import name_pinyin, pinyin_initials
from ..validation.spec import CodeTable

SEARCH_ROLE = Qt.UserRole + 1
CODE_ROLE = Qt.UserRole


class _SearchCompleter(QCompleter):
    """Matches on the search key (name, initials, pinyin, code) but inserts the display name."""

    def pathFromIndex(self, index) -> str:
        return index.data(Qt.DisplayRole) or ""


class CodeComboBox(QComboBox):
    codeChanged = Signal(str)

    def __init__(self, table: CodeTable, parent=None, *, allow_empty: bool = True) -> None:
        super().__init__(parent)
        self.table = table
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.NoInsert)
        self.setMaxVisibleItems(15)
        model = QStandardItemModel(self)
        if allow_empty:
            model.appendRow(_item("", "", ""))
        for code, name in table.values:
            model.appendRow(_item(name, code, f"{name} {pinyin_initials(name)} {name_pinyin(name).replace(' ', '')}"
                                              f" {code}".lower()))
        self.setModel(model)
        completer = _SearchCompleter(self)
        completer.setModel(model)
        completer.setCompletionRole(SEARCH_ROLE)
        completer.setFilterMode(Qt.MatchContains)
        completer.setCaseSensitivity(Qt.CaseInsensitive)
        completer.setCompletionMode(QCompleter.PopupCompletion)
        self.setCompleter(completer)
        self.currentTextChanged.connect(lambda _t: self.codeChanged.emit(self.code()))

    def code(self) -> str:
        """The code for the current text; unknown text comes back unchanged."""
        text = self.currentText().strip()
        if not text:
            return ""
        for code, name in self.table.values:
            if text == name:
                return code
        for code, _name in self.table.values:
            if text.upper() == code.upper():
                return code
        return text

    def set_code(self, code: str | None) -> None:
        code = "" if code is None else str(code)
        name = self.table.by_code.get(code)
        index = self.findData(code, CODE_ROLE) if name is not None or not code else -1
        if index >= 0:
            self.setCurrentIndex(index)
        else:
            self.setEditText(code)  # not in the table: show what is stored so nothing is hidden

    def focusOutEvent(self, event) -> None:
        # Leaving with a unique completion (typed "h", popup shows 汉族 first) takes that completion.
        completer = self.completer()
        text = self.currentText().strip()
        if (text and self.code() == text and completer.completionPrefix().strip() == text
                and completer.completionCount() > 0):
            completer.setCurrentRow(0)
            best = completer.currentCompletion()
            if best:
                self.setEditText(best)
        super().focusOutEvent(event)


def _item(name: str, code: str, search: str) -> QStandardItem:
    item = QStandardItem(name)
    item.setData(code, CODE_ROLE)
    item.setData(search, SEARCH_ROLE)
    return item

