"""Main window: navigation on the left, one page per area on the right."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMainWindow,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..school import get_school_profile, list_classes
from ..storage import Store
from .student_model import StudentFilter, StudentTableModel

SCHOOL_PAGES = ["学校信息", "年级班级", "学生信息", "照片", "导入导出", "问题学籍", "统计", "打印", "用户与日志"]
COUNTY_PAGES = ["学校管理", "导入学校数据", "问题学籍", "审核", "上报"]


class StudentListPage(QWidget):
    def __init__(self, store: Store, parent=None) -> None:
        super().__init__(parent)
        self.store = store
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.class_box = QComboBox()
        self.class_box.addItem(self.tr("全部班级"), None)
        for c in list_classes(store):
            self.class_box.addItem(c.name, c.id)
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("姓名或身份证件号"))
        self.status_box = QComboBox()
        for text, value in ((self.tr("全部状态"), None), (self.tr("正常"), "ok"), (self.tr("待修正"), "pending"),
                            (self.tr("有警告"), "warning")):
            self.status_box.addItem(text, value)
        bar.addWidget(self.class_box)
        bar.addWidget(self.search, 1)
        bar.addWidget(self.status_box)
        layout.addLayout(bar)
        self.model = StudentTableModel(store.conn, self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QTableView.SelectRows)
        self.view.verticalHeader().setDefaultSectionSize(24)
        layout.addWidget(self.view)
        self.count_label = QLabel()
        layout.addWidget(self.count_label)
        self.class_box.currentIndexChanged.connect(self.apply_filter)
        self.status_box.currentIndexChanged.connect(self.apply_filter)
        self.search.textChanged.connect(self.apply_filter)
        self._update_count()

    def apply_filter(self) -> None:
        self.model.set_filter(StudentFilter(class_id=self.class_box.currentData(), text=self.search.text(),
                                            status=self.status_box.currentData()))
        self._update_count()

    def _update_count(self) -> None:
        self.count_label.setText(self.tr("共 %n 名学生", "", self.model.rowCount()))


class MainWindow(QMainWindow):
    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store
        school = get_school_profile(store) or {}
        self.setWindowTitle(self.tr("学籍信息采集") + f" - {school.get('name', '')} [{store.user.username}]")
        splitter = QSplitter(Qt.Horizontal)
        self.nav = QListWidget()
        self.pages = QStackedWidget()
        names = COUNTY_PAGES if store.mode == "county" else SCHOOL_PAGES
        self.page_by_name: dict[str, QWidget] = {}
        for name in names:
            self.nav.addItem(self.tr(name))
            page = StudentListPage(store) if name == "学生信息" else _placeholder(name)
            self.page_by_name[name] = page
            self.pages.addWidget(page)
        self.nav.currentRowChanged.connect(self.pages.setCurrentIndex)
        self.nav.setMaximumWidth(160)
        splitter.addWidget(self.nav)
        splitter.addWidget(self.pages)
        splitter.setStretchFactor(1, 1)
        self.setCentralWidget(splitter)
        if "学生信息" in names:
            self.nav.setCurrentRow(names.index("学生信息"))
        settings = QSettings()
        geometry = settings.value("main/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1200, 760)

    def closeEvent(self, event) -> None:
        QSettings().setValue("main/geometry", self.saveGeometry())
        super().closeEvent(event)


def _placeholder(name: str) -> QWidget:
    page = QWidget()
    layout = QVBoxLayout(page)
    label = QLabel(name)
    label.setAlignment(Qt.AlignCenter)
    layout.addWidget(label)
    return page
