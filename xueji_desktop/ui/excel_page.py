"""The 导入导出 page for Excel: blank template, import wizard (check → import → result), data export.

All work is done by ``xueji_desktop.excel`` (the same functions the CLI calls); long work runs
through ``ui.jobs.run_job`` with a progress dialog and cancel. The worker thread gets its own
database connection: SQLite connections are not shared between threads.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..errors import Cancelled, XuejiError
from ..excel.columns import describe_unknown
from ..excel.importer import ImportResult, import_workbook
from ..excel.missing_classes import MissingClass, describe, missing_classes
from ..excel.reader import check_container, data_row_estimate, find_layouts
from ..excel.template import export_students, write_template
from ..records.school_year import current_school_year
from ..school import list_classes
from ..storage import Store
from .jobs import run_job, worker_store

XLSX_FILTER = "Excel 工作簿 (*.xlsx)"
OPEN_FILTER = "Excel 工作簿 (*.xlsx *.xls)"  # .xls (national system, provincial tools) is read, never written
PREVIEW_ROWS = 200  # refused rows, kept cells and 待修正 rows listed one by one in the result box


def _import_job(store: Store, path: str, report: str | None, create_classes: bool = False,
                progress=None) -> ImportResult:
    worker = worker_store(store)
    try:
        return import_workbook(worker, path, report=report, progress=progress, create_classes=create_classes)
    finally:
        worker.conn.close()


def _export_job(store: Store, path: str, progress=None) -> int:
    worker = worker_store(store)
    try:
        return export_students(worker, path, progress=progress)
    finally:
        worker.conn.close()


def _check_classes_job(path: str, classes: list[tuple[int, int, int]], school_year: int,
                       progress=None) -> tuple[str, list[MissingClass]]:
    """The check step: what _check_job says, plus the classes the file names that the school lacks."""
    text = _check_job(path)
    missing = missing_classes(path, classes, school_year)
    if missing:
        text += ("\n" + f"本校还没有文件中的 {len(missing)} 个班级：{describe(missing)}。勾选“导入时建立这些班级”"
                 "可一步建立并把学生放入；不建立时这些学生为待修正。")
    return text, missing


def _check_and_preview_job(store: Store, path: str, classes: list[tuple[int, int, int]], school_year: int,
                           create: bool | None = None, progress=None
                           ) -> tuple[str, list[MissingClass], ImportResult | None]:
    """The check step with a store open: the file check, then the import itself as a dry run (the write gate's
    refusals, matched and new rows…), rolled back. The dry run creates the missing classes as the import will:
    ``create`` is the clerk's choice (“导入时建立这些班级”) when checking the same file again, None for a new file
    (then they are created, as the box is ticked when there are some). A dry run the store refuses
    (permission…) is named under the file check instead of failing it: the import would say the same."""
    text, missing = _check_classes_job(path, classes, school_year)
    worker = worker_store(store)
    create = bool(missing) if create is None else create and bool(missing)
    try:
        result = import_workbook(worker, path, progress=progress, create_classes=create, dry_run=True)
    except Cancelled:
        raise
    except XuejiError as exc:
        return text + "\n\n" + f"预检未能完成：{exc}", missing, None
    finally:
        worker.conn.close()
    return text + "\n\n" + _result_text(result), missing, result


def _result_text(result: ImportResult) -> str:
    """An import's summary (a dry run's headed 预检（未写入）) and its rows with issues (待修正, warnings)."""
    lines = [result.summary(limit=PREVIEW_ROWS)]
    lines += [f"第{p.row + 1}行 {p.record.get('name', '')}：{issue.message}"
              for p in result.bad_rows[:PREVIEW_ROWS] for issue in p.issues]
    return "\n".join(lines)


def _check_job(path: str, progress=None) -> str:
    check_container(Path(path))
    wb, found = find_layouts(Path(path))
    try:
        lines = []
        for sheet, layout in found:
            rows = data_row_estimate(sheet, layout)
            lines += [f"工作表“{layout.sheet_name}”，表头在第 {layout.header_row + 1} 行，其下约 {rows} 行数据。",
                      f"识别出 {len(layout.columns)} 列：" + "、".join(c.header for c in layout.columns.values())]
            if "class_code" in layout.implied.get(None, {}):
                lines.append(f"没有班级列：按工作表名“{layout.sheet_name}”确定班级。")
            if layout.unknown_headers:
                lines.append("未识别的列（导入时忽略）：" + "、".join(describe_unknown(layout.unknown_headers)))
            if layout.partial:
                lines.append("只含部分字段：导入时按身份证件号（或学籍号）更新本校已有学生的这些字段（空单元格不改动），"
                             "对不上的行列出，不新增学生" + ("；有班级的行若本校没有该学生，作为新生导入。"
                                                   if layout.column_of("class_code") is not None else "。"))
            elif missing := layout.missing_required():
                lines.append("缺少必填列（导入后这些学生为待修正；同一个值可在“学生信息”页用“批量填写”一次补填）："
                             + "、".join(missing))
        if len(found) > 1:
            lines.append(f"以上 {len(found)} 个工作表将一起导入。")
        return "\n".join(lines)
    finally:
        wb.close()


class ExcelPage(QWidget):
    """Template export, import wizard with result summary, data export."""

    imported = Signal(object)  # ImportResult, so other pages can refresh

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.current_job = None
        self.last_result: ImportResult | None = None
        self.preview: ImportResult | None = None  # the check step's dry run of the import
        layout = QVBoxLayout(self)

        box = QGroupBox(self.tr("采集模板"))
        row = QHBoxLayout(box)
        row.addWidget(QLabel(self.tr("空白模板：红色列为必填，选项列有下拉列表，身份证件号等列为文本格式。")), 1)
        self.template_button = QPushButton(self.tr("导出空白模板(&M)…"))
        row.addWidget(self.template_button)
        layout.addWidget(box)

        box = QGroupBox(self.tr("从 Excel 导入学生"))
        col = QVBoxLayout(box)
        pick = QHBoxLayout()
        self.file_edit = QLineEdit()
        self.file_edit.setPlaceholderText(self.tr("第 1 步：选择要导入的 Excel 文件（.xlsx 或 .xls）"))
        self.browse_button = QPushButton(self.tr("选择文件(&O)…"))
        self.check_button = QPushButton(self.tr("第 2 步：检查文件(&2)"))
        pick.addWidget(self.file_edit, 1)
        pick.addWidget(self.browse_button)
        pick.addWidget(self.check_button)
        col.addLayout(pick)
        self.report_check = QCheckBox(self.tr("生成错误报告（错误单元格标红并加批注，另有汇总表）"))
        self.report_check.setChecked(True)
        col.addWidget(self.report_check)
        self.create_classes_check = QCheckBox(self.tr("导入时建立这些班级"))
        self.create_classes_check.setVisible(False)
        col.addWidget(self.create_classes_check)
        self.import_button = QPushButton(self.tr("第 3 步：开始导入(&3)"))
        self.import_button.setEnabled(False)
        col.addWidget(self.import_button)
        self.result_text = QPlainTextEdit()
        self.result_text.setReadOnly(True)
        self.result_text.setPlaceholderText(self.tr("检查结果与导入结果显示在这里。整个导入是一个事务：取消或出错时数据不变。"))
        col.addWidget(self.result_text, 1)
        self.open_report_button = QPushButton(self.tr("打开错误报告(&R)"))
        self.open_report_button.setEnabled(False)
        col.addWidget(self.open_report_button)
        layout.addWidget(box, 1)

        box = QGroupBox(self.tr("导出学生数据"))
        row = QHBoxLayout(box)
        row.addWidget(QLabel(self.tr("全校学生按模板格式导出，可修改后原样再导入。文件含个人信息，请妥善保管。")), 1)
        self.export_button = QPushButton(self.tr("导出为 Excel(&E)…"))
        row.addWidget(self.export_button)
        layout.addWidget(box)

        self.template_button.clicked.connect(lambda: self.export_template())
        self.browse_button.clicked.connect(self.browse)
        self.check_button.clicked.connect(self.check_file)
        self.create_classes_check.clicked.connect(self._classes_choice_changed)
        self.file_edit.textChanged.connect(self._file_changed)
        self.import_button.clicked.connect(self.start_import)
        self.open_report_button.clicked.connect(self.open_report)
        self.export_button.clicked.connect(lambda: self.export_data())

    # ---- template and export --------------------------------------------------------------
    def _save_path(self, title: str, name: str) -> str:
        path, _ = QFileDialog.getSaveFileName(self, title, name, XLSX_FILTER)
        if path and not path.lower().endswith(".xlsx"):
            path += ".xlsx"
        return path

    def export_template(self, path: str | None = None) -> None:
        path = path or self._save_path(self.tr("导出空白模板"), "学生信息采集模板.xlsx")
        if not path:
            return
        try:
            write_template(path)
        except XuejiError as exc:
            self.result_text.setPlainText(str(exc))
            return
        self.result_text.setPlainText(self.tr("已导出空白模板：") + path)

    def export_data(self, path: str | None = None):
        path = path or self._save_path(self.tr("导出学生数据"), "学生信息.xlsx")
        if not path:
            return None
        self.current_job = run_job(self, self.tr("导出 Excel"), _export_job, self.store, path,
                                   on_done=lambda n: self.result_text.setPlainText(
                                       self.tr("已导出 {0} 名学生：{1}").format(n, path)),
                                   on_error=self._job_failed)
        return self.current_job

    # ---- import wizard --------------------------------------------------------------------
    def browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("选择 Excel 文件"), "", OPEN_FILTER)
        if path:
            self.file_edit.setText(path)
            self.check_file()

    def report_path(self) -> str | None:
        if not self.report_check.isChecked():
            return None
        # A new name for every import: the button opens this import's report, never an older one that
        # Excel may still hold open under the same name.
        src = Path(self.file_edit.text().strip())
        return str(src.with_name(f"{src.stem}_错误报告_{datetime.now():%Y%m%d-%H%M%S}.xlsx"))

    def _file_changed(self) -> None:
        """Another file: its check and report are still to come."""
        self.create_classes_check.setVisible(False)
        self.import_button.setEnabled(False)
        self.open_report_button.setEnabled(False)
        self.last_result = self.preview = None

    def check_file(self):
        path = self.file_edit.text().strip()
        if not path:
            self.result_text.setPlainText(self.tr("请先选择要导入的 Excel 文件。"))
            return None

        # checking the same file again: the preview follows the clerk's choice of creating the classes
        create = None if self.create_classes_check.isHidden() else self.create_classes_check.isChecked()

        def done(found: tuple[str, list[MissingClass], ImportResult | None]) -> None:
            text, missing, self.preview = found
            self.create_classes_check.setVisible(bool(missing))
            self.create_classes_check.setChecked(bool(missing) if create is None else create)
            self.create_classes_check.setText(self.tr("导入时建立这 %1 个班级：%2").replace("%1", str(len(missing)))
                                              .replace("%2", "、".join(m.name for m in missing[:6])
                                                       + ("……" if len(missing) > 6 else "")))
            self.result_text.setPlainText(text + "\n\n" + self.tr("确认无误后点击“开始导入”。"))
            self.import_button.setEnabled(True)

        self.import_button.setEnabled(False)
        self.open_report_button.setEnabled(False)
        classes = [(c.entry_year, c.stage, c.number) for c in list_classes(self.store)]
        self.preview = None
        self.current_job = run_job(self, self.tr("检查文件"), _check_and_preview_job, self.store, path, classes,
                                   current_school_year(self.store), create, on_done=done, on_error=self._job_failed)
        return self.current_job

    def _classes_choice_changed(self) -> None:
        """The clerk ticked or unticked “导入时建立这些班级” after the preview: it no longer says what will happen."""
        if self.preview is not None:
            note = self.tr("注意：“导入时建立这些班级”已更改，上面的预检是按更改前算的。要看更改后的结果，"
                           "请再点“第 2 步：检查文件”。")
            self.result_text.appendPlainText("\n" + note)

    def start_import(self):
        path = self.file_edit.text().strip()
        self.import_button.setEnabled(False)
        self.open_report_button.setEnabled(False)
        self.last_result = None
        self.result_text.setPlainText(self.tr("正在导入……"))
        create = not self.create_classes_check.isHidden() and self.create_classes_check.isChecked()
        self.current_job = run_job(self, self.tr("导入 Excel"), _import_job, self.store, path, self.report_path(),
                                   create, on_done=self._import_done, on_error=self._job_failed)
        return self.current_job

    def _import_done(self, result: ImportResult) -> None:
        self.last_result = result
        self.result_text.setPlainText(_result_text(result))
        self.open_report_button.setEnabled(bool(result.report and result.bad_rows))
        self.imported.emit(result)

    def _job_failed(self, exc: BaseException) -> None:
        self.import_button.setEnabled(isinstance(exc, Cancelled))  # after a cancel the checked file can go again
        if isinstance(exc, XuejiError):
            self.result_text.setPlainText(str(exc))
        else:
            self.result_text.setPlainText(self.tr("程序内部错误：") + repr(exc))

    def open_report(self) -> None:
        if self.last_result and self.last_result.report:
            QDesktopServices.openUrl(QUrl.fromLocalFile(self.last_result.report))
