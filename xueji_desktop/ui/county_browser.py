"""学生数据 (county): a read-only, paged browser over every imported student, 200,000 rows and more.

The filter is the core's (county/students.py: CountyKeys, the same one `xueji county students` uses); the
model holds only the ids the filter selected and reads the shown values a page at a time, as the school's
list does (ui/student_model.py). Nothing here writes: the county corrects data through its schools.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..county.counties import county_names
from ..county.export import export_county_excel
from ..county.schools import list_schools
from ..county.students import ROW_COLUMNS, UNKNOWN_ENROLMENT, CountyFilter, CountyKeys, fetch_rows
from ..county.workspace import store_level, unit_words
from ..records.enrolment import ENROLMENT_NAMES
from ..records.school_year import current_school_year
from ..storage import Store
from .jobs import on_worker, run_job

PAGE_SIZE = 64
DISPLAY = int(Qt.DisplayRole.value)
TOOLTIP = int(Qt.ToolTipRole.value)


class CountyStudentModel(QAbstractTableModel):
    def __init__(self, conn, parent=None) -> None:
        super().__init__(parent)
        self.conn = conn
        self.keys = CountyKeys(conn)
        self.school_year = current_school_year(conn)
        self.filter = CountyFilter()
        self._ids: list[int] = self.keys.select(self.filter)
        self._pages: dict[int, list[dict]] = {}
        self._columns = [k for k, _title in ROW_COLUMNS]

    def refresh(self) -> None:
        """Re-read the keys (after an import) and re-apply the filter."""
        self.keys = CountyKeys(self.conn)
        self.set_filter(self.filter)

    def set_filter(self, flt: CountyFilter) -> None:
        self.beginResetModel()
        self.filter = flt
        self._ids = self.keys.select(flt)
        self._pages.clear()
        self.endResetModel()

    def student_id(self, row: int) -> int:
        return self._ids[row]

    def row_values(self, row: int) -> dict:
        page = row // PAGE_SIZE
        if page not in self._pages:
            self._pages[page] = fetch_rows(self.conn, self._ids[page * PAGE_SIZE:(page + 1) * PAGE_SIZE],
                                           self.school_year)
        rows = self._pages[page]
        return rows[row % PAGE_SIZE] if row % PAGE_SIZE < len(rows) else {}

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(ROW_COLUMNS)

    def headerData(self, section, orientation, role=DISPLAY):
        if role != DISPLAY:
            return None
        return ROW_COLUMNS[section][1] if orientation == Qt.Horizontal else section + 1

    def data(self, index, role=DISPLAY):
        key = self._columns[index.column()]
        if role == TOOLTIP and key == "age_exception":  # who made the exception and when
            row = self.row_values(index.row())
            return (self.tr("%1，%2 登记于 %3").replace("%1", row["age_exception"])
                    .replace("%2", row["age_exception_by"]).replace("%3", row["age_exception_at"])
                    if row.get("age_exception") else None)
        if role != DISPLAY:
            return None
        return self.row_values(index.row()).get(key)


class CountyStudentsPage(QWidget):
    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.county_box = QComboBox()  # a city's list: its counties; hidden at a county
        self.county_box.addItem(self.tr("全部县（区）"), None)
        for code, name in sorted(county_names(store).items()):
            self.county_box.addItem(f"{code}{name}", code)
        self.county_box.setVisible(store_level(store) == "city")
        self.school_box = QComboBox()
        self.school_box.addItem(self.tr("全部学校"), None)
        for s in list_schools(store):
            self.school_box.addItem(f"{s['code']} {s['name']}（{s['students']}）", s["code"])
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("姓名（任意部分）或身份证件号（开头几位）"))
        self.search.setClearButtonEnabled(True)
        self.status_box = QComboBox()
        self.status_box.addItem(self.tr("全部学籍状态"), None)
        for code, name in ENROLMENT_NAMES.items():
            self.status_box.addItem(name, code)
        self.status_box.addItem(UNKNOWN_ENROLMENT, "")
        self.count = QLabel()
        self.export_button = QPushButton(self.tr("导出 Excel…"))
        self.export_button.setToolTip(self.tr("按国家模板导出（另加学校标识码、学校名称）；选了学校则只导出该校"))
        for w in (self.county_box, QLabel(self.tr("学校")), self.school_box, self.search, QLabel(self.tr("学籍状态")),
                  self.status_box, self.count, self.export_button):
            bar.addWidget(w, 1 if w is self.search else 0)
        layout.addLayout(bar)
        self.exported = QLabel()
        layout.addWidget(self.exported)
        self.model = CountyStudentModel(store.conn, self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.view.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.view.verticalHeader().setDefaultSectionSize(24)
        layout.addWidget(self.view, 1)
        self.school_box.currentIndexChanged.connect(self.apply_filter)
        self.county_box.currentIndexChanged.connect(self.apply_filter)
        self.status_box.currentIndexChanged.connect(self.apply_filter)
        self.search.textChanged.connect(self.apply_filter)
        self.export_button.clicked.connect(lambda: self.export())
        self._show_count()

    def apply_filter(self) -> None:
        self.model.set_filter(CountyFilter(self.school_box.currentData(), self.search.text(),
                                           self.status_box.currentData(), self.county_box.currentData()))
        self._show_count()

    def _show_count(self) -> None:
        self.count.setText(self.tr("共 %1 名").replace("%1", str(self.model.rowCount())))

    def export(self, path: str | None = None):
        if not path:
            own = unit_words(self.store).own
            path, _ = QFileDialog.getSaveFileName(self, self.tr("导出%1学生").replace("%1", own), f"{own}学生.xlsx",
                                                  self.tr("Excel 工作簿 (*.xlsx)"))
        if not path:
            return None

        def done(count: int) -> None:
            self.exported.setText(self.tr("已导出 %1 名学生：%2").replace("%1", str(count)).replace("%2", path))

        title = self.tr("导出%1学生").replace("%1", unit_words(self.store).own)
        return run_job(self, title, on_worker(self.store, export_county_excel), path,
                       school=self.school_box.currentData(), on_done=done)
