"""删除学生: the reason, and for a record the county accepted the request's category and 佐证 evidence.

The route is the core's (records.deletion through the write gate): a record the county never accepted is
deleted at once (the audit log keeps who, when, why and every old value); an accepted one becomes a
删除学籍 request, decided by the school's leader and then the county."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDialog, QFormLayout, QLabel, QLineEdit

from ..errors import XuejiError
from ..records import changes as ch
from ..records.deletion import REASON_KINDS, Deletion, delete_student, reason_kind_of
from ..records.gate import deletion_route
from ..records.students import get_student
from .dialog_parts import add_error_and_buttons
from .evidence_picker import EvidencePicker


class DeleteStudentDialog(QDialog):
    def __init__(self, store, student_id: int, parent=None) -> None:
        super().__init__(parent)
        self.store, self.student_id = store, student_id
        self.result_: Deletion | None = None
        stored = get_student(store, student_id) or {}
        self.request = deletion_route(stored) == "request"
        name = stored.get("name") or f"编号 {student_id}"
        self.setWindowTitle(self.tr("删除学生"))
        form = QFormLayout(self)
        if self.request:
            note = self.tr("%1 的学籍已由县级审核通过：将提交“删除学籍”申请（须附佐证材料），经主管领导和县级审核"
                           "通过后删除。").replace("%1", name)
        else:
            note = self.tr("%1 的记录县级尚未审核：将立即删除，审计日志保留删除人、时间、原因和原有信息。"
                           ).replace("%1", name)
        text = QLabel(note)
        text.setWordWrap(True)
        form.addRow(text)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(self.tr("如：重复录入、误操作新增"))
        form.addRow(self.tr("删除原因"), self.reason)
        self.kind = QComboBox()
        self.kind.addItems(list(REASON_KINDS))
        self.kind.setCurrentText(reason_kind_of(None, student_id, store))
        form.addRow(self.tr("类别"), self.kind)
        self.evidence = EvidencePicker(self.tr("添加佐证材料（扫描件）…"))
        form.addRow(self.tr("佐证材料"), self.evidence)
        self.error = add_error_and_buttons(self, form, self.tr("提交申请") if self.request else self.tr("删除"),
                                           self.submit)

    def submit(self) -> None:
        try:
            self.result_ = delete_student(self.store, self.student_id, reason=self.reason.text(),
                                          evidence=ch.read_evidence(self.evidence.paths),
                                          reason_kind=self.kind.currentText())
        except XuejiError as exc:
            self.error.setText(str(exc))  # what was typed stays; fix and press again
            return
        self.accept()
