"""A read-only table filled from a list of rows, for the short lists of the package and county pages."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QMessageBox, QTableWidget, QTableWidgetItem, QWidget

MAX_ROWS = 2000  # problem/blocking lists are short in practice; the rest is counted, not shown


def simple_table(headers: list[str]) -> QTableWidget:
    t = QTableWidget(0, len(headers))
    t.setHorizontalHeaderLabels(headers)
    t.setEditTriggers(QAbstractItemView.NoEditTriggers)
    t.setSelectionBehavior(QAbstractItemView.SelectRows)
    t.horizontalHeader().setStretchLastSection(True)
    t.horizontalHeader().setMinimumSectionSize(64)  # short headers (学段, 姓名) stay readable
    t.verticalHeader().setVisible(False)
    return t


def fill_table(table: QTableWidget, rows: list[list[Any]], data: list[Any] | None = None) -> None:
    table.setRowCount(0)
    table.setRowCount(min(len(rows), MAX_ROWS))
    for r, row in enumerate(rows[:MAX_ROWS]):
        for c, value in enumerate(row):
            item = QTableWidgetItem("" if value is None else str(value))
            if c == 0 and data is not None:
                item.setData(Qt.UserRole, data[r])
            table.setItem(r, c, item)
    table.resizeColumnsToContents()
    header = table.horizontalHeader()
    if header.stretchLastSection():  # resizing to contents undid the stretch until the next resize: redo it
        header.setStretchLastSection(False)
        header.setStretchLastSection(True)


def show_error(parent: QWidget, title: str, exc: Exception) -> None:
    QMessageBox.warning(parent, title, str(exc))


def run_action(parent: QWidget, title: str, action, then) -> bool:
    """Run a core action; on a refusal show its message (nothing changed), on success call ``then`` (reload)."""
    from ..errors import XuejiError

    try:
        action()
    except XuejiError as exc:
        show_error(parent, title, exc)
        return False
    then()
    return True


