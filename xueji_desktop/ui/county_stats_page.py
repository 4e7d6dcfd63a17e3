"""统计 (county): students per school, grade and 学籍状态 with charts, each school's completeness, and the
workbook export. The numbers come from county.stats (core, also `xueji county stats`)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..county.stats import CountyStats, compute_county_stats, export_county_stats_xlsx
from ..county.workspace import unit_words
from ..storage import Store
from .stats_page import bar_chart, pie_chart

COMPLETENESS_HEADERS = ("学校标识码", "学校名称", "已上报", "学生数", "有错误", "无照片", "审核")


class CountyStatsPage(QWidget):
    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.summary = QLabel()
        self.summary.setStyleSheet("font-size: 14px")
        refresh = QPushButton(self.tr("刷新"))
        refresh.clicked.connect(self.refresh)
        self.export_button = QPushButton(self.tr("导出到 Excel…"))
        self.export_button.clicked.connect(lambda: self.export())
        bar.addWidget(self.summary, 1)
        bar.addWidget(refresh)
        bar.addWidget(self.export_button)
        layout.addLayout(bar)
        self.grid = QGridLayout()
        layout.addLayout(self.grid, 1)
        self.table = QTableWidget(0, len(COMPLETENESS_HEADERS))
        self.table.setHorizontalHeaderLabels([self.tr(h) for h in COMPLETENESS_HEADERS])
        self.table.verticalHeader().setVisible(False)
        layout.addWidget(self.table, 1)
        self.charts: list = []
        self.stats = CountyStats()
        self.refresh()

    def refresh(self) -> None:
        self.stats = s = compute_county_stats(self.store)
        self.summary.setText(self.tr("学校 %1 所，已上报 %2 所；学生 %3 名").replace("%1", str(s.schools))
                             .replace("%2", str(s.reported)).replace("%3", str(s.students)))
        for view in self.charts:
            self.grid.removeWidget(view)
            view.deleteLater()
        if s.by_county:  # a city: its counties (a city has too many schools for one chart)
            self.summary.setText(self.tr("县（区） %1 个；").replace("%1", str(len(s.by_county)))
                                 + self.summary.text())
            title, units = self.tr("各县（区）人数"), [(c["county_name"] or c["county_code"], c) for c in s.by_county]
        else:
            title, units = self.tr("各校人数"), [(c.school_name, vars(c)) for c in s.completeness if c.reported]
        self.charts = [
            bar_chart(self.tr("各年级人数"), list(s.by_grade), {self.tr("人数"): list(s.by_grade.values())}),
            pie_chart(self.tr("学籍状态"), s.by_enrolment),
            bar_chart(title, [name for name, _c in units],
                      {self.tr("学生"): [c["students"] for _n, c in units],
                       self.tr("有错误"): [c["with_errors"] for _n, c in units],
                       self.tr("无照片"): [c["without_photo"] for _n, c in units]}),
        ]
        for n, view in enumerate(self.charts):
            self.grid.addWidget(view, 0, n)
        self.table.setRowCount(len(s.completeness))
        for r, c in enumerate(s.completeness):
            values = (c.school_code, c.school_name, "是" if c.reported else "否", c.students, c.with_errors,
                      c.without_photo, c.review)
            for col, value in enumerate(values):
                item = QTableWidgetItem(str(value))
                if isinstance(value, int):
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                self.table.setItem(r, col, item)
        self.table.resizeColumnsToContents()

    def export(self, path: str | None = None) -> str | None:
        from .stats_page import export_stats_file

        return export_stats_file(self, lambda target: export_county_stats_xlsx(self.stats, target),
                                 f"{unit_words(self.store).level}统计.xlsx", path)
