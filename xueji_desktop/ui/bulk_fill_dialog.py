"""批量填写: one field, one value, for the students the list shows (see xueji_desktop.records.bulk_fill)."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QComboBox, QDialog, QFormLayout, QLabel

from ..errors import XuejiError
from ..records.bulk_fill import canonical_value, field_of, fillable_fields
from ..validation import load_spec
from .dialog_parts import add_error_and_buttons


class BulkFillDialog(QDialog):
    """Choose the field and the value; ``path``, ``value`` and ``overwrite`` hold the choice once accepted.
    The value is checked here (the engine's message, the dialog stays open), the filling runs as a job."""

    def __init__(self, count: int, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("批量填写"))
        self.path, self.value, self.overwrite = "", "", False
        form = QFormLayout(self)
        self.intro = QLabel(self.tr("为当前列表中的 %1 名学生（按班级、状态、搜索筛选后）填写同一项。姓名、证件、"
                                    "班级等不能批量填写。").replace("%1", str(count)))
        self.intro.setWordWrap(True)
        form.addRow(self.intro)
        self.field_box = QComboBox()
        for path, label in fillable_fields():
            self.field_box.addItem(label, path)
        self.value_box = QComboBox()
        self.value_box.setEditable(True)
        self.value_box.setMinimumWidth(320)
        self.overwrite_box = QCheckBox(self.tr("覆盖已有的值（不勾选时只填空白项）"))
        form.addRow(self.tr("填写项"), self.field_box)
        form.addRow(self.tr("值"), self.value_box)
        form.addRow(self.overwrite_box)
        self.error = add_error_and_buttons(self, form, self.tr("填写"), self.submit)
        self.field_box.currentIndexChanged.connect(self._field_changed)
        self._field_changed()

    def _field_changed(self) -> None:
        """Option fields offer their names (中国, 汉族, 是…); other fields are typed."""
        field, _, _ = field_of(self.field_box.currentData())
        self.value_box.clear()
        if field.codes:
            self.value_box.addItems(load_spec().codes[field.codes].names())
        self.value_box.setCurrentText("")
        self.error.clear()

    def submit(self) -> None:
        try:
            canonical_value(self.field_box.currentData(), self.value_box.currentText())
        except XuejiError as exc:
            self.error.setText(str(exc))  # keep what was typed; fix and try again
            return
        self.path, self.value = self.field_box.currentData(), self.value_box.currentText()
        self.overwrite = self.overwrite_box.isChecked()
        self.accept()
