"""County: 裁定 who keeps a record two schools hold (county/problems.resolve): the school and the reason."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDialog, QFormLayout, QLabel, QLineEdit

from ..county.problems import resolve, school_of
from ..errors import XuejiError
from .dialog_parts import add_error_and_buttons


class ResolveDialog(QDialog):
    def __init__(self, store, problem: dict, parent=None) -> None:
        super().__init__(parent)
        self.store, self.problem = store, problem
        self.setWindowTitle(self.tr("裁定问题学籍"))
        form = QFormLayout(self)
        where = "；".join(f"{school_of(r)} {r['class_name']} {r['name']}" for r in problem["records"])
        text = QLabel(f"{problem['kind_name']}（{problem['key']}）：{where}")
        text.setWordWrap(True)
        form.addRow(text)
        self.keep = QComboBox()
        for r in problem["records"]:
            if self.keep.findData(r["school_code"]) < 0:
                self.keep.addItem(school_of(r), r["school_code"])
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(self.tr("如：户籍证明显示为该校学生（其他学校会在反馈中看到）"))
        form.addRow(self.tr("保留学籍的学校"), self.keep)
        form.addRow(self.tr("裁定原因"), self.reason)
        self.error = add_error_and_buttons(self, form, self.tr("裁定"), self.submit)

    def submit(self) -> None:
        try:
            resolve(self.store, self.problem["id"], self.keep.currentData(), self.reason.text())
        except XuejiError as exc:
            self.error.setText(str(exc))
            return
        self.accept()
