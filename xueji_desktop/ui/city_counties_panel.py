"""学校管理 on a city file: the city's county list (county/counties.py) under its school list — add a county, write
a county's init package (county/init_package.py), see which counties reported and their key fingerprints."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..county import counties
from ..county.init_package import make_county_init
from ..errors import XuejiError
from ..storage import Store
from .simple_table import fill_table, show_error, simple_table


class CityCountiesPanel(QWidget):
    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel(self.tr("本市县（区）名单（只导入名单中县（区）的汇总包）")))
        self.table = simple_table([self.tr(h) for h in ("县级区划代码", "县（区）", "已上报学校", "学生", "序号",
                                                        "密钥指纹")])
        layout.addWidget(self.table, 1)
        bar = QHBoxLayout()
        self.code = QLineEdit()
        self.code.setPlaceholderText(self.tr("6 位县级区划代码"))
        self.name = QLineEdit()
        self.name.setPlaceholderText(self.tr("县（区）名称"))
        add = QPushButton(self.tr("添加县（区）"))
        add.clicked.connect(self.add_county)
        make_init = QPushButton(self.tr("生成县级初始化包…"))
        make_init.setToolTip(self.tr("为选中的县（区）写出初始化包：该县的学校、本市的公钥"))
        make_init.clicked.connect(lambda: self.make_init())
        for w in (self.code, self.name, add, make_init):
            bar.addWidget(w)
        layout.addLayout(bar)
        self.status = QLabel()
        layout.addWidget(self.status)
        self.refresh()

    def refresh(self) -> None:
        rows = counties.list_counties(self.store)
        fill_table(self.table, [[c["code"], c["name"], c["schools"], c["students"], c["last_sequence"],
                                 c["fingerprint"] or self.tr("未登记")] for c in rows],
                   [(c["code"], c["name"]) for c in rows])

    def add_county(self) -> None:
        try:
            counties.add_county(self.store, self.code.text(), self.name.text())
        except XuejiError as exc:
            show_error(self, self.tr("添加县（区）"), exc)  # the typed values stay in the fields
            return
        self.code.clear()
        self.name.clear()
        self.refresh()

    def make_init(self, folder: str | None = None) -> str | None:
        rows = {i.row() for i in self.table.selectedItems()}
        if len(rows) != 1:
            self.status.setText(self.tr("请先在县（区）名单中选中一个县（区）。"))
            return None
        code, name = self.table.item(rows.pop(), 0).data(Qt.UserRole)
        folder = folder or QFileDialog.getExistingDirectory(self, self.tr("选择县级初始化包的输出文件夹"))
        if not folder:
            return None
        try:
            path = make_county_init(self.store, code, name, folder)
        except XuejiError as exc:
            show_error(self, self.tr("生成县级初始化包"), exc)
            return None
        self.status.setText(self.tr("已写出：%1").replace("%1", str(path)))
        self.refresh()  # a new county joined the list
        return str(path)
