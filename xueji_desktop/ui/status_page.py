"""学籍异动 page: change records with apply / approve / reject / withdraw, graduation, roll-over, report.

All rules live in the core (records/changes.py, records/school_year.py); this page collects input, shows results.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QDate, QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QFormLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..errors import XuejiError
from ..records import changes as ch
from ..records import school_year as sy
from ..records.students import resolve_student
from ..school import list_classes
from .dialog_parts import add_error_and_buttons, keyed_button_bar
from .evidence_picker import EvidencePicker

COLUMNS = ["编号", "姓名", "异动类型", "生效日期", "状态", "原因", "申请人", "审核人"]


class ChangeTableModel(QAbstractTableModel):
    def __init__(self, store, parent=None) -> None:
        super().__init__(parent)
        self.store = store
        self.rows: list[tuple] = []
        self.open_only = False
        self.refresh()

    def refresh(self) -> None:
        self.beginResetModel()
        names = dict(self.store.query("SELECT id, name FROM students"))
        self.rows = [(c.id, names.get(c.student_id, ""), "毕业" if c.kind == "graduate" else c.kind_name,
                      c.effective_date, c.status_name, c.reason, c.applied_by, c.decided_by or "", c)
                     for c in reversed(ch.list_changes(self.store, open_only=self.open_only))]
        self.endResetModel()

    def change_at(self, row: int) -> ch.ChangeRecord:
        return self.rows[row][-1]

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.DisplayRole):
        if role == Qt.DisplayRole and orientation == Qt.Horizontal:
            return COLUMNS[section]
        return None

    def data(self, index, role=Qt.DisplayRole):
        if index.isValid() and role in (Qt.DisplayRole, Qt.ToolTipRole):
            return self.rows[index.row()][index.column()]
        return None


class ApplyChangeDialog(QDialog):
    """Collects one change application; the core checks every rule when it is submitted."""

    def __init__(self, store, student_id: int | None = None, parent=None) -> None:
        super().__init__(parent)
        self.store = store
        self.change_id: int | None = None
        self.setWindowTitle(self.tr("申请学籍异动"))
        form = QFormLayout(self)
        self.student = QLineEdit()
        self.student.setPlaceholderText(self.tr("身份证件号或学生编号"))
        if student_id is not None:
            self.student.setText(str(student_id))
        self.kind = QComboBox()
        for k in ch.KINDS.values():
            if k.code not in ch.REQUEST_ONLY:
                self.kind.addItem(k.name, k.code)
        self.date = QDateEdit(QDate.currentDate())
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.reason = QLineEdit()
        self.target = QComboBox()
        self.target.addItem(self.tr("（留级/跳级时选择）"), None)
        for c in list_classes(store):
            self.target.addItem(c.name, c.id)
        self.evidence = EvidencePicker(self.tr("添加证明材料…"))
        for label, widget in ((self.tr("学生"), self.student), (self.tr("异动类型"), self.kind),
                              (self.tr("生效日期"), self.date), (self.tr("原因"), self.reason),
                              (self.tr("目标班级"), self.target), (self.tr("证明材料"), self.evidence)):
            form.addRow(label, widget)
        self.error = add_error_and_buttons(self, form, self.tr("提交申请"), self.submit)


    def submit(self) -> None:
        try:
            sid = resolve_student(self.store.conn, self.student.text())
            if sid is None:
                raise XuejiError(self.tr("找不到学生：%1（可用学生编号或身份证件号）。")
                                 .replace("%1", self.student.text()))
            self.change_id = ch.apply_change(
                self.store, sid, self.kind.currentData(), effective_date=self.date.date().toString("yyyy-MM-dd"),
                reason=self.reason.text(), evidence=ch.read_evidence(self.evidence.paths),
                target_class_id=self.target.currentData())
        except XuejiError as exc:
            self.error.setText(str(exc))  # keep everything typed; the user fixes and resubmits
            return
        self.accept()


class StatusPage(QWidget):
    open_student = Signal(int)

    def __init__(self, store, parent=None) -> None:
        super().__init__(parent)
        self.store = store
        layout = QVBoxLayout(self)
        specs = (("apply", self.tr("申请异动"), self.apply),
                 ("approve", self.tr("审核通过"), lambda: self.decide(True)),
                 ("reject", self.tr("驳回"), lambda: self.decide(False)),
                 ("withdraw", self.tr("撤回"), self.withdraw),
                 ("graduate", self.tr("毕业…"), self.graduate),
                 ("revert", self.tr("退回在校生"), self.revert_graduation),
                 ("rollover", self.tr("学年升级…"), self.rollover),
                 ("caps", self.tr("班额…"), self.edit_caps),
                 ("report", self.tr("导出异动报表…"), self.export_report))
        bar, self.buttons = keyed_button_bar(self, specs)
        self.open_box = QComboBox()
        self.open_box.addItems([self.tr("全部记录"), self.tr("未办结")])
        self.open_box.currentIndexChanged.connect(self._filter)
        bar.addWidget(self.open_box)
        layout.addLayout(bar)
        self.model = ChangeTableModel(store, self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QTableView.SelectRows)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.doubleClicked.connect(lambda idx: self.open_student.emit(self.model.change_at(idx.row()).student_id))
        layout.addWidget(self.view)
        self.message = QLabel()
        layout.addWidget(self.message)
        self.buttons["approve"].setEnabled(store.user.has("leader"))
        self.buttons["reject"].setEnabled(store.user.has("leader"))

    def _filter(self) -> None:
        self.model.open_only = self.open_box.currentIndex() == 1
        self.model.refresh()

    def _selected(self) -> ch.ChangeRecord | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.change_at(rows[0].row()) if rows else None

    def _run(self, func, *args, **kwargs):
        try:
            result = func(*args, **kwargs)
        except XuejiError as exc:
            QMessageBox.warning(self, self.tr("学籍异动"), str(exc))
            self.message.setText(str(exc))
            return None
        self.model.refresh()
        return result

    def apply(self) -> None:
        dialog = ApplyChangeDialog(self.store, parent=self)
        if dialog.exec() == QDialog.Accepted:
            self.model.refresh()
            self.message.setText(self.tr("已提交申请 #%1，待主管领导审核。").replace("%1", str(dialog.change_id)))

    def decide(self, approve: bool) -> None:
        change = self._selected()
        if change is None:
            return
        reason = ""
        if not approve:
            reason, ok = QInputDialog.getText(self, self.tr("驳回"), self.tr("驳回原因："))
            if not ok:
                return
        result = self._run(ch.school_decide, self.store, change.id, approve, reason)
        if result:
            self.message.setText(f"#{result.id} {result.kind_name}：{result.status_name}")

    def withdraw(self) -> None:
        change = self._selected()
        if change is not None:
            self._run(ch.withdraw, self.store, change.id)

    def graduate(self) -> None:
        year = sy.current_school_year(self.store)
        top = [c for c in list_classes(self.store) if year - c.entry_year == (5 if c.stage == 1 else 2)]
        if not top:
            QMessageBox.information(self, self.tr("毕业"), self.tr("本学年没有毕业班。"))
            return
        name, ok = QInputDialog.getItem(self, self.tr("毕业"), self.tr("毕业班："), [c.name for c in top], 0, False)
        if not ok:
            return
        destination, ok = QInputDialog.getText(self, self.tr("毕业"), self.tr("毕业去向："), text=self.tr("升入初中"))
        if not ok:
            return
        cls = next(c for c in top if c.name == name)
        result = self._run(sy.graduate_class, self.store, cls.id, destination)
        if result:
            self.message.setText(self.tr("已办理毕业 %1 人。").replace("%1", str(result.graduated)))

    def revert_graduation(self) -> None:
        """退回在校生 for the student of the selected 毕业 record (graduated in error)."""
        change = self._selected()
        if change is None or change.kind != "graduate" or change.status != ch.EFFECTIVE:
            QMessageBox.information(self, self.tr("退回在校生"), self.tr("请先在列表中选中一条已生效的“毕业”记录。"))
            return
        reason, ok = QInputDialog.getText(self, self.tr("退回在校生"), self.tr("退回原因："))
        if ok and self._run(sy.revert_graduation, self.store, [change.student_id], reason):
            self.message.setText(self.tr("已退回在校生。"))

    def edit_caps(self) -> None:
        from ..school import STAGES

        stages = list(STAGES.items())
        name, ok = QInputDialog.getItem(self, self.tr("班额"), self.tr("学段："), [n for _, n in stages], 0, False)
        if not ok:
            return
        stage = next(k for k, n in stages if n == name)
        cap, who = sy.class_cap(self.store, stage)
        value, ok = QInputDialog.getInt(self, self.tr("班额"),
                                        self.tr("本校%1每班人数上限（现行：%2）：").replace("%1", name)
                                        .replace("%2", f"{cap}（{who}）" if cap else self.tr("未设置")),
                                        cap or 45, 1, 200)
        if ok:
            self.set_cap(stage, value)

    def set_cap(self, stage: int, value: int) -> bool:
        try:
            sy.set_class_cap(self.store, stage, value)
        except XuejiError as exc:
            QMessageBox.warning(self, self.tr("班额"), str(exc))
            self.message.setText(str(exc))
            return False
        self.message.setText(self.tr("班额已设置。"))
        return True

    def rollover(self) -> None:
        count, ok = QInputDialog.getInt(self, self.tr("学年升级"), self.tr("新学年一年级新建班级数："), 0, 0, 30)
        if not ok:
            return
        if QMessageBox.question(self, self.tr("学年升级"),
                                self.tr("所有班级将升一个年级，此操作不能撤销。继续？")) != QMessageBox.Yes:
            return
        result = self._run(sy.rollover, self.store, new_classes={1: count} if count else None)
        if result:
            self.message.setText(self.tr("已升级到 %1 学年。").replace("%1", f"{result.to_year}-{result.to_year + 1}"))

    def export_report(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, self.tr("导出异动报表"), "学籍异动.xlsx", "Excel (*.xlsx)")
        if name:
            self.export_report_to(Path(name))

    def export_report_to(self, path: Path, year: int | None = None) -> int:
        rows = sy.change_report(self.store, *sy.report_window(year or sy.current_school_year(self.store)))
        sy.write_change_report(rows, path)
        self.message.setText(self.tr("已导出 %1 条异动。").replace("%1", str(len(rows))))
        return len(rows)
