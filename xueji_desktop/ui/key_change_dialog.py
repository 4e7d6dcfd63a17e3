"""关键字段变更 request: the new values of controlled fields, a reason and evidence, filed for approval."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
)

from ..errors import XuejiError
from ..records import changes as ch
from ..validation import load_spec
from .dialog_parts import add_error_and_buttons
from .evidence_picker import EvidencePicker


class KeyChangeDialog(QDialog):
    def __init__(self, store, student_id: int, fields: dict[str, Any], parent=None) -> None:
        super().__init__(parent)
        self.store, self.student_id, self.fields = store, student_id, fields
        self.change_id: int | None = None
        self.setWindowTitle(self.tr("申请关键字段变更"))
        form = QFormLayout(self)
        form.addRow(QLabel(self.tr("该学籍已由县级审核通过，以下关键字段须提交变更申请，经学校和县级审核后生效：")))
        spec = load_spec()
        current = ch.get_student_fields(store, student_id, list(fields))
        for key, new in fields.items():
            form.addRow(spec.field(key).label, QLabel(f"{current.get(key) or '（空）'} → {new or '（空）'}"))
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(self.tr("如：户口簿姓名已变更"))
        self.evidence = EvidencePicker(self.tr("添加证明材料（户籍证明等扫描件）…"))
        form.addRow(self.tr("变更原因"), self.reason)
        form.addRow(self.tr("证明材料"), self.evidence)
        self.error = add_error_and_buttons(self, form, self.tr("提交申请"), self.submit)


    def submit(self) -> None:
        try:
            self.change_id = ch.request_key_field_change(self.store, self.student_id, self.fields,
                                                         reason=self.reason.text(),
                                                         evidence=ch.read_evidence(self.evidence.paths))
        except XuejiError as exc:
            self.error.setText(str(exc))  # keep what was typed; fix and submit again
            return
        self.accept()
