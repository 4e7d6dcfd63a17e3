"""学生信息: the filterable student list; double-click or Enter opens the form."""

from __future__ import annotations

import time

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..records.bulk_fill import fill_field
from ..school import list_classes
from ..storage import Store
from .bulk_fill_dialog import BulkFillDialog
from .delete_dialog import DeleteStudentDialog
from .jobs import on_worker, run_job
from .student_model import DEFAULT_KEYS, StudentFilter, StudentTableModel, available_columns, columns_for

COLUMNS_SETTING = "students/columns"


class StudentTable(QTableView):
    """Enter opens the current student (a plain QTableView would start editing or do nothing)."""

    activated_row = Signal(int)

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key_Return, Qt.Key_Enter) and self.currentIndex().isValid():
            self.activated_row.emit(self.currentIndex().row())
            return
        super().keyPressEvent(event)


class StudentListPage(QWidget):
    open_student = Signal(int)
    new_student = Signal(object)  # class id or None

    def __init__(self, store: Store, parent=None) -> None:
        super().__init__(parent)
        self.store = store
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.add_button = QPushButton(self.tr("新增学生(&N)"))
        self.fill_button = QPushButton(self.tr("批量填写(&B)…"))
        self.fill_button.setToolTip(self.tr("为列表中的学生填写同一项，如导入的表格缺少的国籍、家长户口地址"))
        self.delete_button = QPushButton(self.tr("删除…"))
        self.delete_button.setToolTip(self.tr("删除选中的学生：县级未审核的立即删除；已审核的提交删除学籍申请"))
        self.class_box = QComboBox()
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("姓名（任意部分）或身份证件号（开头几位）"))
        self.search.setClearButtonEnabled(True)
        self.status_box = QComboBox()
        for text, value in ((self.tr("全部状态"), None), (self.tr("正常"), "ok"), (self.tr("待修正"), "pending"),
                            (self.tr("有警告"), "warning")):
            self.status_box.addItem(text, value)
        self.columns_button = QToolButton()
        self.columns_button.setText(self.tr("显示列(&L)…"))
        self.columns_button.setPopupMode(QToolButton.InstantPopup)
        bar.addWidget(self.add_button)
        bar.addWidget(self.fill_button)
        bar.addWidget(self.delete_button)
        class_label = QLabel(self.tr("班级(&C)"))
        class_label.setBuddy(self.class_box)
        bar.addWidget(class_label)
        bar.addWidget(self.class_box)
        bar.addWidget(self.search, 1)
        status_label = QLabel(self.tr("状态(&T)"))
        status_label.setBuddy(self.status_box)
        bar.addWidget(status_label)
        bar.addWidget(self.status_box)
        bar.addWidget(self.columns_button)
        layout.addLayout(bar)
        keys = QSettings().value(COLUMNS_SETTING) or list(DEFAULT_KEYS)
        self.model = StudentTableModel(store.conn, self, columns_for(list(keys)))
        self.view = StudentTable()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QTableView.SelectRows)
        self.view.setSelectionMode(QTableView.SingleSelection)
        self.view.setEditTriggers(QTableView.NoEditTriggers)
        self.view.verticalHeader().setDefaultSectionSize(24)
        header = self.view.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSortIndicator(-1, Qt.AscendingOrder)  # list order (class, name) until a header is clicked
        self.view.setSortingEnabled(True)
        header.sortIndicatorChanged.connect(self._sort_changed)
        self._sorted_by, self._sort_order = -1, Qt.AscendingOrder
        self._size_columns()
        layout.addWidget(self.view, 1)
        self.count_label = QLabel()
        layout.addWidget(self.count_label)
        self._build_columns_menu()
        self.reload_classes()
        # Filtering runs on every key: it takes milliseconds even for 200,000 students (see the model).
        self.class_box.currentIndexChanged.connect(self.apply_filter)
        self.status_box.currentIndexChanged.connect(self.apply_filter)
        self.search.textChanged.connect(self.apply_filter)
        self.view.doubleClicked.connect(lambda index: self._open_row(index.row()))
        self.view.activated_row.connect(self._open_row)
        self.add_button.clicked.connect(lambda: self.new_student.emit(self.class_box.currentData()))
        self.fill_button.clicked.connect(self.bulk_fill)
        self.delete_button.clicked.connect(self.delete_current)
        self.current_job = None
        self._update_count()

    def reload_classes(self) -> None:
        current = self.class_box.currentData()
        self.class_box.blockSignals(True)
        self.class_box.clear()
        self.class_box.addItem(self.tr("全部班级"), None)
        for c in list_classes(self.store):
            self.class_box.addItem(c.name, c.id)
        self.class_box.setCurrentIndex(max(0, self.class_box.findData(current)))
        self.class_box.blockSignals(False)

    def _build_columns_menu(self) -> None:
        menu = QMenu(self)
        shown = {c.key for c in self.model.columns}
        self.column_actions: dict[str, QAction] = {}
        for col in available_columns():
            action = QAction(col.title, menu, checkable=True, checked=col.key in shown)
            action.toggled.connect(self._columns_changed)
            menu.addAction(action)
            self.column_actions[col.key] = action
        menu.addSeparator()
        menu.addAction(self.tr("恢复默认列"), self._default_columns)
        self.columns_button.setMenu(menu)

    def _columns_changed(self) -> None:
        keys = [k for k, a in self.column_actions.items() if a.isChecked()]
        if not keys:
            return
        self.model.set_columns(columns_for(keys))
        self.view.horizontalHeader().setSortIndicator(-1, Qt.AscendingOrder)  # column numbers changed
        self._size_columns()
        QSettings().setValue(COLUMNS_SETTING, keys)

    def _sort_changed(self, column: int, order) -> None:
        """Only columns whose keys are in memory sort (see student_model.SORTABLE); a click on another
        puts the indicator back where it was and says why in the tooltip."""
        header = self.view.horizontalHeader()
        if column >= 0 and not self.model.is_sortable(column):
            header.blockSignals(True)
            header.setSortIndicator(self._sorted_by, self._sort_order)
            header.blockSignals(False)
            header.setToolTip(self.tr("可按 班级、班号、姓名（拼音）、身份证件号、状态 排序"))
            return
        self._sorted_by, self._sort_order = column, order

    def _size_columns(self) -> None:
        widths = {"class": 140, "id_number": 170, "student_number": 190, "birth_date": 100, "current_address": 260,
                  "household_address": 260, "name_pinyin": 140, "status": 70}
        for n, col in enumerate(self.model.columns):
            self.view.setColumnWidth(n, widths.get(col.key, 90))

    def _default_columns(self) -> None:
        for key, action in self.column_actions.items():
            action.blockSignals(True)
            action.setChecked(key in DEFAULT_KEYS)
            action.blockSignals(False)
        self._columns_changed()

    def current_filter(self) -> StudentFilter:
        return StudentFilter(class_id=self.class_box.currentData(), text=self.search.text(),
                             status=self.status_box.currentData())

    def apply_filter(self) -> None:
        start = time.perf_counter()
        self.model.set_filter(self.current_filter())
        self._update_count((time.perf_counter() - start) * 1000)

    def refresh(self) -> None:
        self.model.refresh()
        self._update_count()

    def student_saved(self, student_id: int) -> None:
        self.model.student_saved(student_id)
        self._update_count()

    def next_student(self, current: int | None) -> int | None:
        """The student after ``current`` in the list as filtered now (Ctrl+Enter in the form)."""
        row = self.model.row_of(current) if current is not None else None
        if row is None or row + 1 >= self.model.rowCount():
            return None
        return self.model.student_id(row + 1)

    def bulk_fill(self) -> None:
        """批量填写 for every student the list shows now, as a job (progress, cancel, one transaction)."""
        ids = [self.model.student_id(row) for row in range(self.model.rowCount())]
        if not ids:
            QMessageBox.information(self, self.tr("批量填写"), self.tr("列表中没有学生。"))
            return
        dialog = BulkFillDialog(len(ids), self)
        if dialog.exec() != QDialog.Accepted:
            return
        label = dialog.field_box.currentText()

        def done(result) -> None:
            self.refresh()
            QMessageBox.information(self, self.tr("批量填写"), result.summary(label))

        self.current_job = run_job(self, self.tr("批量填写"), on_worker(self.store, fill_field), ids, dialog.path,
                                   dialog.value, overwrite=dialog.overwrite, on_done=done)

    def delete_current(self) -> None:
        """删除 the selected student (reason dialog, evidence picker; the core decides delete or request)."""
        index = self.view.currentIndex()
        if not index.isValid():
            QMessageBox.information(self, self.tr("删除学生"), self.tr("请先在列表中选中要删除的学生。"))
            return
        dialog = DeleteStudentDialog(self.store, self.model.student_id(index.row()), self)
        if dialog.exec() != QDialog.Accepted or dialog.result_ is None:
            return
        done = dialog.result_
        self.refresh()
        if done.deleted:
            message = self.tr("已删除 %1。").replace("%1", done.name)
        else:
            message = self.tr("已提交 %1 的删除学籍申请（#%2），待主管领导审核，再随上报数据包由县级审核。"
                              ).replace("%1", done.name).replace("%2", str(done.change_id))
        QMessageBox.information(self, self.tr("删除学生"), message)

    def _open_row(self, row: int) -> None:
        self.open_student.emit(self.model.student_id(row))

    def _update_count(self, ms: float | None = None) -> None:
        text = self.tr("共 %1 名学生").replace("%1", str(self.model.rowCount()))
        if ms is not None:
            text += self.tr("（筛选用时 %1 毫秒）").replace("%1", f"{ms:.0f}")
        self.count_label.setText(text)
