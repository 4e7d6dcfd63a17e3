"""Pages for packages at the school (export) and the problem-record page (school or county).

The county's own pages are in ``county_pages``. These widgets only collect input and show results.
Long work (export, import, aggregate) runs through ``ui.jobs.run_job`` on a worker thread with its
own database connection.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..county.city_feedback import upper_findings
from ..county.problems import county_problems, school_of
from ..county.workspace import store_level, unit_words
from ..errors import XuejiError
from ..exchange import keystore, school_side
from ..records.problems import KIND_NAMES, school_problems
from ..storage import Store
from .jobs import on_worker, run_job
from .simple_table import MAX_ROWS, fill_table, show_error, simple_table

# ---- school side ---------------------------------------------------------------------------------

class PackageExportPage(QWidget):
    """School: export the submission (blocking errors first, each a jump to the student), init and feedback.

    The list of records to fix is read again whenever the page is shown and when a student is saved
    (``students_changed``), so it never shows a record already fixed."""

    open_student = Signal(int)
    exported = Signal(str)

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        layout = QVBoxLayout(self)
        self.key_label = QLabel()
        self.key_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        layout.addWidget(self.key_label)
        self.blocking_label = QLabel()
        layout.addWidget(self.blocking_label)
        self.blocking = simple_table([self.tr("班级"), self.tr("姓名"), self.tr("错误")])
        self.blocking.itemActivated.connect(self._activated)
        layout.addWidget(self.blocking, 1)
        bar = QHBoxLayout()
        self.include_pending = QCheckBox(self.tr("包含待修正记录(&Q)（在包中标为待修正）"))
        self.export_button = QPushButton(self.tr("导出上报数据包(&U)…"))
        self.export_button.clicked.connect(self.choose_and_export)
        self.init_button = QPushButton(self.tr("载入初始化包(&I)…"))
        self.init_button.clicked.connect(self.choose_init)
        self.feedback_button = QPushButton(self.tr("导入县级反馈(&D)…"))
        self.feedback_button.clicked.connect(self.choose_feedback)
        self.slip_button = QPushButton(self.tr("打印指纹回执…"))
        self.slip_button.setToolTip(self.tr("写出密钥指纹回执（PDF），打印、签字盖章后交县级核对本校第一个数据包"))
        self.slip_button.clicked.connect(self.choose_slip)
        for w in (self.include_pending, self.export_button, self.init_button, self.feedback_button,
                  self.slip_button):
            bar.addWidget(w)
        bar.addStretch(1)
        layout.addLayout(bar)
        self.result_label = QLabel()
        layout.addWidget(self.result_label)
        self.refresh()

    def showEvent(self, event) -> None:
        self.refresh()
        super().showEvent(event)

    def students_changed(self) -> None:
        if self.isVisible():
            self.refresh()

    def refresh(self) -> None:
        fp = keystore.own_fingerprint(self.store.conn)
        county = self.store.meta("county_name", "")
        county_fp = school_side.county_fingerprint(self.store.conn)
        self.key_label.setText(self.tr("本校签名密钥指纹：%1\n本校接受的县级（%2）密钥指纹：%3")
                               .replace("%1", fp or self.tr("未初始化"))
                               .replace("%2", county or self.tr("未载入初始化包")).replace("%3", county_fp or "—"))
        self.slip_button.setEnabled(bool(fp))
        errors = school_side.blocking_errors(self.store)
        self.blocking_label.setText(
            self.tr("有 %1 名学生有错误（待修正），导出前请先修正，双击可打开该学生。").replace("%1", str(len(errors)))
            if errors else self.tr("没有阻止导出的错误。"))
        fill_table(self.blocking, [[e["class"], e["name"], "；".join(e["errors"])] for e in errors],
              [e["student_id"] for e in errors])

    def _activated(self, item: QTableWidgetItem) -> None:
        sid = self.blocking.item(item.row(), 0).data(Qt.UserRole)
        if sid is not None:
            self.open_student.emit(int(sid))

    def choose_and_export(self) -> None:
        # Say what stops the export (no init package yet, records to fix …) before the clerk picks a folder.
        self.refresh()
        try:
            school_side.check_can_export(self.store, include_pending=self.include_pending.isChecked())
        except XuejiError as exc:
            QMessageBox.warning(self, self.tr("导出上报数据包"), str(exc))
            return
        folder = QFileDialog.getExistingDirectory(self, self.tr("选择导出文件夹（如 U 盘）"))
        if folder:
            self.export_to(Path(folder))

    def export_to(self, folder: Path):
        def done(path: Path) -> None:
            self.result_label.setText(self.tr("已写出：%1").replace("%1", str(path)))
            self.exported.emit(str(path))

        return run_job(self, self.tr("导出上报数据包"), on_worker(self.store, school_side.export_package), folder,
                       include_pending=self.include_pending.isChecked(), on_done=done)

    def choose_init(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("选择初始化包"), "", self.tr("数据包 (*.xjpkg)"))
        if path:
            try:
                fp = school_side.apply_init(self.store, school_side.read_init_package(path))
            except XuejiError as exc:
                show_error(self, self.tr("载入初始化包"), exc)
                return
            QMessageBox.information(self, self.tr("载入初始化包"),
                                    self.tr("已载入。请打印指纹回执（“打印指纹回执…”）盖章交县级，或把本校签名密钥指纹"
                                            "电话读给县级核对：\n\n%1\n\n本校接受的县级密钥指纹：%2\n请与县级公布的核对。")
                                    .replace("%1", fp).replace("%2", school_side.county_fingerprint(self.store.conn)))
            self.refresh()

    def choose_slip(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("保存指纹回执"), self.tr("密钥指纹回执.pdf"),
                                              self.tr("PDF (*.pdf)"))
        if path:
            self.write_slip(Path(path))

    def write_slip(self, path: Path) -> bool:
        from ..printing.key_slip import TITLE, key_slip
        from .print_render import write_pdf

        try:
            write_pdf([key_slip(school_side.key_slip_info(self.store))], path, 1, title=TITLE)
            with self.store.transaction() as tx:
                tx.audit("打印指纹回执", "exchange_keys", "own_signing", {"file": [None, path.name]})
        except XuejiError as exc:
            show_error(self, self.tr("打印指纹回执"), exc)
            return False
        self.result_label.setText(self.tr("已写出指纹回执：%1（打印、签字盖章后交县级）").replace("%1", str(path)))
        return True

    def choose_feedback(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("选择县级反馈包"), "", self.tr("数据包 (*.xjpkg)"))
        if path:
            try:
                result = school_side.import_feedback(self.store, path)
            except XuejiError as exc:
                show_error(self, self.tr("导入县级反馈"), exc)
                return
            self.result_label.setText(self.tr("已导入县级反馈：%1 条问题，审核结论：%2")
                                      .replace("%1", str(result["findings"]))
                                      .replace("%2", result["review"].get("name", "") or self.tr("未审核")))


class ProblemsPage(QWidget):
    """问题学籍: school side (own checks + county feedback) or county side (all schools)."""

    open_student = Signal(int)

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        layout = QVBoxLayout(self)
        self.summary = QLabel()
        layout.addWidget(self.summary)
        county = store.mode == "county"
        headers = (["状态", "类别", "学校", "班级", "姓名", "说明"] if county
                   else ["来源", "类别", "班级", "姓名", "说明"])
        self.table = simple_table([self.tr(h) for h in headers])
        self.table.itemActivated.connect(self._activated)
        layout.addWidget(self.table, 1)
        bar = QHBoxLayout()
        refresh = QPushButton(self.tr("重新检查"))
        refresh.clicked.connect(self.refresh)
        bar.addWidget(refresh)
        if county:
            self.resolve_button = QPushButton(self.tr("裁定保留学校…"))
            city = store_level(store) == "city"
            self.resolve_button.setToolTip(self.tr("证件号被多所学校使用时，裁定由哪所学校保留；%1带去处理要求")
                                           .replace("%1", self.tr("给相关县（区）的反馈包") if city
                                                    else self.tr("其他学校的反馈包")))
            self.resolve_button.clicked.connect(self.resolve_selected)
            bar.addWidget(self.resolve_button)
        bar.addStretch(1)
        layout.addLayout(bar)
        self.refresh()

    def students_changed(self) -> None:
        """A student was saved (school side): a fixed record leaves the list without 重新检查."""
        if self.store.mode != "county" and self.isVisible():
            self.refresh()

    def refresh(self) -> None:
        if self.store.mode == "county":
            rows, ids = [], []
            found = county_problems(self.store, include_resolved=True)
            unit = unit_words(self.store).level  # who decided: this file's own unit (县级 or 市级)
            for p in found:
                decided = (f"（{unit}裁定由 {p['decision']['keep_school']} 保留：{p['decision']['reason']}）"
                           if p.get("decision") else "")
                for r in p["records"] or [None]:
                    if r is None:  # a decided problem no longer found
                        rows.append([p["state"], p["kind_name"], "", "", "", f"{p['key']}{decided}"])
                        ids.append(p["id"])
                        continue
                    others = "；".join(f"{o.get('county_name', '')}{o['school_name']} {o['class_name']} {o['name']}"
                                      for o in p["records"] if o is not r)
                    rows.append([p["state"], p["kind_name"], school_of(r),
                                 r["class_name"], r["name"], (p.get("message") or f"{p['key']} 与 {others}") + decided])
                    ids.append(p["id"])  # county records are not editable here: decide, review and feed back
            for f in upper_findings(self.store):  # the city's findings across counties, passed on to the schools
                rows.append([self.tr("地市反馈"), KIND_NAMES.get(f["kind"], f["kind"]),
                             f"{f['school_code']}{f['school_name']}", f["class"], f["name"], f["message"]])
                ids.append(f"upper:{f['problem_id']}")
            self.problems = {p["id"]: p for p in found}
            open_count = sum(p["state"] != "已解决" for p in found)
            self.summary.setText(self.tr("未解决 %1 个问题学籍（待处理 %2，学校已处理 %3），已解决 %4 个")
                                 .replace("%1", str(open_count))
                                 .replace("%2", str(sum(p["state"] == "待处理" for p in found)))
                                 .replace("%3", str(sum(p["state"] == "学校已处理" for p in found)))
                                 .replace("%4", str(len(found) - open_count)))
            fill_table(self.table, rows, ids)
            return
        else:
            found = school_problems(self.store)
            rows = [[f["source"], f["kind_name"], f["class_name"], f["name"], f["message"]] for f in found]
            ids = [f["student_id"] for f in found]
        more = self.tr("（只显示前 %1 条）").replace("%1", str(MAX_ROWS)) if len(rows) > MAX_ROWS else ""
        self.summary.setText(self.tr("共 %1 条问题记录").replace("%1", str(len(rows))) + more)
        fill_table(self.table, rows, ids)

    def _activated(self, item: QTableWidgetItem) -> None:
        sid = self.table.item(item.row(), 0).data(Qt.UserRole)
        if sid is not None and self.store.mode != "county":
            self.open_student.emit(int(sid))

    def resolve_selected(self) -> None:
        """County: decide who keeps the selected duplicate (the core refuses what cannot be decided)."""
        from .resolve_dialog import ResolveDialog

        row = self.table.currentRow()
        problem = self.problems.get(self.table.item(row, 0).data(Qt.UserRole)) if row >= 0 else None
        if problem is None or problem["state"] == "已解决":
            QMessageBox.information(self, self.tr("裁定"), self.tr("请先选中一个未解决的重复学籍问题。"))
            return
        if ResolveDialog(self.store, problem, self).exec():
            self.refresh()


