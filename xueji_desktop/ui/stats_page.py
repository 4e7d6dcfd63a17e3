"""统计: counts by grade, class and gender, special groups and completeness, with charts (QtCharts)
and export to Excel. The numbers come from stats.compute_stats (core, also `xueji stats`)."""

from __future__ import annotations

import math

from PySide6.QtCharts import (
    QAbstractBarSeries,
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QPieSeries,
    QValueAxis,
)
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..stats import SchoolStats, compute_stats, export_stats_xlsx
from ..storage import Store

LABEL_COLOR = QColor("#222222")


class StatsPage(QWidget):
    def __init__(self, store: Store, parent=None) -> None:
        super().__init__(parent)
        self.store = store
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.summary = QLabel()
        self.summary.setStyleSheet("font-size: 14px")
        refresh = QPushButton(self.tr("刷新"))
        refresh.clicked.connect(self.refresh)
        self.export_button = QPushButton(self.tr("导出到 Excel…"))
        self.export_button.clicked.connect(self.export)
        bar.addWidget(self.summary, 1)
        bar.addWidget(refresh)
        bar.addWidget(self.export_button)
        layout.addLayout(bar)
        self.grid = QGridLayout()
        layout.addLayout(self.grid, 1)
        self.class_table = QTableWidget(0, 4)
        self.class_table.setHorizontalHeaderLabels([self.tr("班级"), self.tr("人数"), self.tr("男"), self.tr("女")])
        self.class_table.setColumnWidth(0, 130)
        for column in (1, 2, 3):
            self.class_table.setColumnWidth(column, 48)
        self.class_table.setMaximumWidth(320)
        self.charts: list[QChartView] = []
        self.refresh()

    def refresh(self) -> None:
        self.stats = compute_stats(self.store)
        s = self.stats
        self.summary.setText(self.tr("在校学生 %1 名").replace("%1", str(s.total)))
        for view in self.charts:
            self.grid.removeWidget(view)
            view.deleteLater()
        grade_labels = [g.label for g in s.by_grade]
        self.charts = [
            bar_chart(self.tr("各年级人数"), grade_labels, {self.tr("男"): [g.male for g in s.by_grade],
                                                        self.tr("女"): [g.female for g in s.by_grade]}),
            pie_chart(self.tr("性别"), s.by_gender),
            bar_chart(self.tr("特殊群体"), list(s.special), {self.tr("人数"): list(s.special.values())}),
            bar_chart(self.tr("完整性（共 %1 人）").replace("%1", str(s.total)), list(s.completeness),
                  {self.tr("人数"): list(s.completeness.values())}),
        ]
        for n, view in enumerate(self.charts):
            self.grid.addWidget(view, n // 2, n % 2)
        self.class_table.setRowCount(len(s.by_class))
        for r, g in enumerate(s.by_class):
            for c, value in enumerate((g.label, g.total, g.male, g.female)):
                item = QTableWidgetItem(str(value))
                if c:
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                self.class_table.setItem(r, c, item)
        self.grid.addWidget(self.class_table, 0, 2, 2, 1)

    def export(self, path: str | None = None) -> str | None:
        return export_stats_file(self, lambda target: export_stats_xlsx(self.stats, target), "学生统计.xlsx", path)


def export_stats_file(page, write, default_name: str, path: str | None = None) -> str | None:
    """Ask where (unless ``path``), write the statistics workbook, say so on the page's summary line; a refusal
    (full disk, file open in Excel — write_file's BadInput — or any OSError) is shown, nothing half-written."""
    from ..errors import XuejiError

    if not path:
        path, _ = QFileDialog.getSaveFileName(page, page.tr("导出统计"), default_name,
                                              page.tr("Excel 工作簿 (*.xlsx)"))
    if not path:
        return None
    try:
        write(path)
    except XuejiError as exc:
        QMessageBox.warning(page, page.tr("无法导出"), str(exc))
        return None
    except OSError as exc:
        QMessageBox.warning(page, page.tr("无法导出"), page.tr("无法写入 %1：%2").replace("%1", path)
                            .replace("%2", exc.strerror or str(exc)))
        return None
    page.summary.setText(page.summary.text() + page.tr("　已导出：%1").replace("%1", path))
    return path


def chart_view(chart: QChart) -> QChartView:
    chart.setAnimationOptions(QChart.NoAnimation)
    chart.legend().setAlignment(Qt.AlignBottom)
    view = QChartView(chart)
    view.setRenderHint(QPainter.Antialiasing)
    view.setMinimumSize(320, 240)
    return view


def bar_chart(title: str, categories: list[str], series: dict[str, list[int]]) -> QChartView:
    chart = QChart()
    chart.setTitle(title)
    bars = QBarSeries()
    for name, values in series.items():
        bar_set = QBarSet(name)
        bar_set.append([float(v) for v in values])
        bars.append(bar_set)
    # Each value written above its bar in dark text: readable on the white background, and a bar too small
    # to see (6 of 360) still shows its number.
    bars.setLabelsVisible(True)
    bars.setLabelsPosition(QAbstractBarSeries.LabelsOutsideEnd)
    for bar_set in bars.barSets():
        bar_set.setLabelColor(LABEL_COLOR)
    chart.addSeries(bars)
    axis_x = QBarCategoryAxis()
    axis_x.append(categories)
    axis_x.setTruncateLabels(False)
    chart.addAxis(axis_x, Qt.AlignBottom)
    bars.attachAxis(axis_x)
    axis_y = QValueAxis()
    axis_y.setLabelFormat("%d")
    step, top = nice_scale(max([0, *(v for values in series.values() for v in values)]))
    axis_y.setRange(0, top)
    axis_y.setTickType(QValueAxis.TicksDynamic)  # ticks at 0, step, 2·step …: round numbers, never 103/206
    axis_y.setTickAnchor(0)
    axis_y.setTickInterval(step)
    chart.addAxis(axis_y, Qt.AlignLeft)
    bars.attachAxis(axis_y)
    chart.legend().setVisible(len(series) > 1)
    return chart_view(chart)


def nice_scale(largest: int, ticks: int = 5) -> tuple[int, int]:
    """(tick step, axis top) for counts up to ``largest``: a step of 1, 2 or 5 × 10^k giving at most
    ``ticks`` intervals, and a top one step above the largest bar so its label fits above it."""
    raw = max(1.0, (largest * 1.1) / ticks)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    step = max(1, int(step))
    return step, math.ceil((largest * 1.12 + 0.5) / step) * step  # room above the tallest bar for its label


def pie_chart(title: str, values: dict[str, int]) -> QChartView:
    chart = QChart()
    chart.setTitle(title)
    pie = QPieSeries()
    for name, count in values.items():
        pie.append(f"{name} {count}", count).setLabelVisible(True)
    chart.addSeries(pie)
    return chart_view(chart)


__all__ = ["SchoolStats", "StatsPage"]
