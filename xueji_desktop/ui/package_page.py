"""Pages for packages: the school's export and problem records, and the county's pages.

All work is done by ``xueji_desktop.exchange``; these widgets only collect input and show results.
Long work (export, import, aggregate) runs through ``ui.jobs.run_job`` on a worker thread with its
own database connection.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..errors import XuejiError
from ..exchange import county as county_mod
from ..exchange import keys, keystore, school_side
from ..exchange.problems import county_problems, school_problems
from ..storage import Store
from .jobs import on_worker, run_job

MAX_ROWS = 2000  # problem/blocking lists are short in practice; the rest is counted, not shown


def _table(headers: list[str]) -> QTableWidget:
    t = QTableWidget(0, len(headers))
    t.setHorizontalHeaderLabels(headers)
    t.setEditTriggers(QAbstractItemView.NoEditTriggers)
    t.setSelectionBehavior(QAbstractItemView.SelectRows)
    t.horizontalHeader().setStretchLastSection(True)
    t.verticalHeader().setVisible(False)
    return t


def _fill(table: QTableWidget, rows: list[list[Any]], data: list[Any] | None = None) -> None:
    table.setRowCount(0)
    table.setRowCount(min(len(rows), MAX_ROWS))
    for r, row in enumerate(rows[:MAX_ROWS]):
        for c, value in enumerate(row):
            item = QTableWidgetItem("" if value is None else str(value))
            if c == 0 and data is not None:
                item.setData(Qt.UserRole, data[r])
            table.setItem(r, c, item)
    table.resizeColumnsToContents()


def _error(parent: QWidget, title: str, exc: Exception) -> None:
    QMessageBox.warning(parent, title, str(exc))


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
        self.blocking = _table([self.tr("班级"), self.tr("姓名"), self.tr("错误")])
        self.blocking.itemActivated.connect(self._activated)
        layout.addWidget(self.blocking, 1)
        bar = QHBoxLayout()
        self.include_pending = QCheckBox(self.tr("包含待修正记录（在包中标为待修正）"))
        self.export_button = QPushButton(self.tr("导出上报数据包…"))
        self.export_button.clicked.connect(self.choose_and_export)
        self.init_button = QPushButton(self.tr("载入初始化包…"))
        self.init_button.clicked.connect(self.choose_init)
        self.feedback_button = QPushButton(self.tr("导入县级反馈…"))
        self.feedback_button.clicked.connect(self.choose_feedback)
        for w in (self.include_pending, self.export_button, self.init_button, self.feedback_button):
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
        self.key_label.setText(self.tr("本校签名密钥指纹：%1（县级：%2）").replace("%1", fp or self.tr("未初始化"))
                               .replace("%2", county or self.tr("未载入初始化包")))
        errors = school_side.blocking_errors(self.store)
        self.pending_count = len(errors)
        self.blocking_label.setText(
            self.tr("有 %1 名学生有错误（待修正），导出前请先修正，双击可打开该学生。").replace("%1", str(len(errors)))
            if errors else self.tr("没有阻止导出的错误。"))
        _fill(self.blocking, [[e["class"], e["name"], "；".join(e["errors"])] for e in errors],
              [e["student_id"] for e in errors])

    def _activated(self, item: QTableWidgetItem) -> None:
        sid = self.blocking.item(item.row(), 0).data(Qt.UserRole)
        if sid is not None:
            self.open_student.emit(int(sid))

    def choose_and_export(self) -> None:
        # Say what stops the export before the clerk picks a folder, not after.
        self.refresh()
        pending = self.pending_count
        if pending and not self.include_pending.isChecked():
            QMessageBox.warning(self, self.tr("导出上报数据包"), self.tr(
                "还有 %1 名学生有错误（待修正），不能导出。请先修正（双击列表中的学生打开），"
                "或勾选“包含待修正记录”（这些记录在包中标为待修正）。").replace("%1", str(pending)))
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
                _error(self, self.tr("载入初始化包"), exc)
                return
            QMessageBox.information(self, self.tr("载入初始化包"),
                                    self.tr("已载入。请把本校签名密钥指纹电话读给县级核对：\n\n%1").replace("%1", fp))
            self.refresh()

    def choose_feedback(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("选择县级反馈包"), "", self.tr("数据包 (*.xjpkg)"))
        if path:
            try:
                result = school_side.import_feedback(self.store, path)
            except XuejiError as exc:
                _error(self, self.tr("导入县级反馈"), exc)
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
        headers = ["类别", "学校", "班级", "姓名", "说明"] if county else ["来源", "类别", "班级", "姓名", "说明"]
        self.table = _table([self.tr(h) for h in headers])
        self.table.itemActivated.connect(self._activated)
        layout.addWidget(self.table, 1)
        refresh = QPushButton(self.tr("重新检查"))
        refresh.clicked.connect(self.refresh)
        layout.addWidget(refresh, 0, Qt.AlignLeft)
        self.refresh()

    def refresh(self) -> None:
        if self.store.mode == "county":
            rows, ids = [], []
            for p in county_problems(self.store):
                for r in p["records"]:
                    others = "；".join(f"{o['school_name']} {o['class_name']} {o['name']}"
                                      for o in p["records"] if o is not r)
                    rows.append([p["kind_name"], f"{r['school_code']}{r['school_name']}", r["class_name"], r["name"],
                                 p.get("message") or f"{p['key']} 与 {others}"])
                    ids.append(None)  # county records are not editable here; review and feed back instead
        else:
            found = school_problems(self.store)
            rows = [[f["source"], f["kind_name"], f["class_name"], f["name"], f["message"]] for f in found]
            ids = [f["student_id"] for f in found]
        more = self.tr("（只显示前 %1 条）").replace("%1", str(MAX_ROWS)) if len(rows) > MAX_ROWS else ""
        self.summary.setText(self.tr("共 %1 条问题记录").replace("%1", str(len(rows))) + more)
        _fill(self.table, rows, ids)

    def _activated(self, item: QTableWidgetItem) -> None:
        sid = self.table.item(item.row(), 0).data(Qt.UserRole)
        if sid is not None:
            self.open_student.emit(int(sid))


# ---- county side --------------------------------------------------------------------------------

class CountySchoolsPage(QWidget):
    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        layout = QVBoxLayout(self)
        self.key_label = QLabel()
        self.key_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        layout.addWidget(self.key_label)
        self.table = _table([self.tr(h) for h in ("学校标识码", "学校名称", "学生", "序号", "审核", "密钥指纹")])
        layout.addWidget(self.table, 1)
        form = QHBoxLayout()
        self.code = QLineEdit()
        self.code.setPlaceholderText(self.tr("10 位学校标识码"))
        self.name = QLineEdit()
        self.name.setPlaceholderText(self.tr("学校名称"))
        self.region = QLineEdit()
        self.region.setPlaceholderText(self.tr("12 位区划代码"))
        add = QPushButton(self.tr("添加学校"))
        add.clicked.connect(self.add_school)
        make_init = QPushButton(self.tr("生成初始化包…"))
        make_init.clicked.connect(self.choose_make_init)
        for w in (self.code, self.name, self.region, add, make_init):
            form.addWidget(w)
        layout.addLayout(form)
        self.refresh()

    def refresh(self) -> None:
        c = county_mod.county_profile(self.store)
        self.key_label.setText(self.tr("%1 县级签名密钥指纹：%2").replace("%1", c["code"] + c["name"])
                               .replace("%2", keystore.own_fingerprint(self.store.conn) or ""))
        schools = county_mod.list_schools(self.store)
        _fill(self.table, [[s["code"], s["name"], s["students"], s["last_sequence"], s["review_name"],
                            s["fingerprint"] or self.tr("未登记")] for s in schools], [s["code"] for s in schools])

    def add_school(self) -> None:
        try:
            county_mod.add_school(self.store, self.code.text().strip(), self.name.text().strip(),
                                  self.region.text().strip())
        except XuejiError as exc:
            _error(self, self.tr("添加学校"), exc)  # the typed values stay in the fields
            return
        for w in (self.code, self.name, self.region):
            w.clear()
        self.refresh()

    def choose_make_init(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("选择初始化包的输出文件夹"))
        if not folder:
            return
        codes = sorted({self.table.item(i.row(), 0).text() for i in self.table.selectedItems()})
        try:
            paths = county_mod.make_init_packages(self.store, codes, folder)
        except XuejiError as exc:
            _error(self, self.tr("生成初始化包"), exc)
            return
        QMessageBox.information(self, self.tr("生成初始化包"),
                                self.tr("已写出 %1 个初始化包。").replace("%1", str(len(paths))))


class FingerprintDialog(QDialog):
    """First import of a school: the clerk types the fingerprint the school read out over the phone."""

    def __init__(self, check: county_mod.PackageCheck, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.check = check
        self.setWindowTitle(self.tr("核对学校密钥指纹"))
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("学校 %1 第一次上报数据。请打电话给学校，请对方读出本校签名密钥指纹，"
                                        "输入到下面；与数据包的指纹一致才能登记并导入。")
                                .replace("%1", check.school_code + check.school_name)))
        form = QFormLayout()
        form.addRow(self.tr("数据包的指纹："), QLabel(check.fingerprint))
        self.typed = QLineEdit()
        self.typed.setPlaceholderText("XXXX XXXX XXXX XXXX XXXX")
        form.addRow(self.tr("学校读出的指纹："), self.typed)
        layout.addLayout(form)
        self.status = QLabel()
        layout.addWidget(self.status)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.buttons.button(QDialogButtonBox.Ok).setText(self.tr("一致，登记并导入"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.typed.textChanged.connect(self._update)
        self._update()

    @property
    def ok_button(self) -> QPushButton:
        return self.buttons.button(QDialogButtonBox.Ok)

    def matches(self) -> bool:
        return keys.normalise_fingerprint(self.typed.text()) == keys.normalise_fingerprint(self.check.fingerprint)

    def _update(self) -> None:
        ok = self.matches()
        self.ok_button.setEnabled(ok)
        typed = keys.normalise_fingerprint(self.typed.text())
        self.status.setText("" if ok or len(typed) < 20 else self.tr("指纹不一致：不要导入，请与学校核实。"))


class CountyImportPage(QWidget):
    imported = Signal(object)   # ImportResult
    refused = Signal(str, str)  # file, reason

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        layout = QVBoxLayout(self)
        button = QPushButton(self.tr("导入学校数据包…"))
        button.clicked.connect(self.choose_files)
        layout.addWidget(button, 0, Qt.AlignLeft)
        self.log = QListWidget()
        layout.addWidget(self.log, 1)
        self._queue: list[Path] = []

    def choose_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, self.tr("选择学校数据包"), "", self.tr("数据包 (*.xjpkg)"))
        self.import_files([Path(p) for p in paths])

    def import_files(self, paths: list[Path]) -> None:
        self._queue.extend(paths)
        if len(self._queue) == len(paths):
            self._next()

    def _next(self) -> None:
        if not self._queue:
            return
        path = self._queue[0]
        try:
            check, _env = county_mod.check_package(self.store, path)
        except XuejiError as exc:
            self._refuse(path, str(exc))
            return
        confirm = None
        if check.needs_confirmation:
            dialog = FingerprintDialog(check, self)
            if dialog.exec() != QDialog.Accepted:
                self._refuse(path, self.tr("未确认学校密钥指纹，未导入。"))
                return
            confirm = dialog.typed.text()
        run_job(self, self.tr("导入学校数据包"), on_worker(self.store, county_mod.import_package), path,
                confirm_fingerprint=confirm, on_done=self._done, on_error=lambda exc: self._refuse(path, str(exc)))

    def _done(self, result: county_mod.ImportResult) -> None:
        self._queue.pop(0)
        self.log.addItem(self.tr("已导入 %1：%2 学生 %3 名").replace("%1", result.file)
                         .replace("%2", result.school_code + result.school_name).replace("%3", str(result.students)))
        self.imported.emit(result)
        self._next()

    def _refuse(self, path: Path, reason: str) -> None:
        self._queue.pop(0)
        self.log.addItem(self.tr("拒绝：%1").replace("%1", reason))
        self.refused.emit(path.name, reason)
        self._next()


class CountyReviewPage(QWidget):
    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.school = QComboBox()
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(self.tr("退回时必填：学校会在反馈中看到"))
        form.addRow(self.tr("学校："), self.school)
        form.addRow(self.tr("原因："), self.reason)
        layout.addLayout(form)
        bar = QHBoxLayout()
        self.pass_button = QPushButton(self.tr("通过"))
        self.return_button = QPushButton(self.tr("退回"))
        self.feedback_button = QPushButton(self.tr("生成反馈包…"))
        self.pass_button.clicked.connect(lambda: self.decide(True))
        self.return_button.clicked.connect(lambda: self.decide(False))
        self.feedback_button.clicked.connect(self.choose_feedback)
        for b in (self.pass_button, self.return_button, self.feedback_button):
            bar.addWidget(b)
        bar.addStretch(1)
        layout.addLayout(bar)
        self.status = QLabel()
        layout.addWidget(self.status)
        layout.addStretch(1)
        self.refresh()

    def refresh(self) -> None:
        current = self.school.currentData()
        self.school.clear()
        for s in county_mod.list_schools(self.store):
            if s["imported_at"]:
                self.school.addItem(f"{s['code']}{s['name']}（{s['review_name']}）", s["code"])
        if current:
            self.school.setCurrentIndex(max(0, self.school.findData(current)))

    def decide(self, passed: bool) -> None:
        code = self.school.currentData()
        if not code:
            return
        try:
            county_mod.review(self.store, code, passed, self.reason.text())
        except XuejiError as exc:
            _error(self, self.tr("审核"), exc)
            return
        self.status.setText(self.tr("已通过") if passed else self.tr("已退回"))
        self.refresh()

    def choose_feedback(self) -> None:
        code = self.school.currentData()
        folder = QFileDialog.getExistingDirectory(self, self.tr("选择反馈包的输出文件夹")) if code else ""
        if folder:
            try:
                path = county_mod.make_feedback(self.store, code, folder)
            except XuejiError as exc:
                _error(self, self.tr("生成反馈包"), exc)
                return
            self.status.setText(self.tr("已写出：%1").replace("%1", str(path)))


class CountyUpPage(QWidget):
    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        layout = QVBoxLayout(self)
        self.folders = QCheckBox(self.tr("同时按 地市/县区/学校 文件夹写出"))
        layout.addWidget(self.folders)
        button = QPushButton(self.tr("写出县级汇总上报包…"))
        button.clicked.connect(self.choose_and_export)
        layout.addWidget(button, 0, Qt.AlignLeft)
        self.status = QLabel()
        layout.addWidget(self.status)
        layout.addStretch(1)

    def choose_and_export(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("选择输出文件夹"))
        if folder:
            self.export_to(Path(folder))

    def export_to(self, folder: Path):
        def done(paths: list[Path]) -> None:
            self.status.setText(self.tr("已写出 %1 个文件，汇总包：%2").replace("%1", str(len(paths)))
                                .replace("%2", str(paths[-1])))

        return run_job(self, self.tr("县级汇总上报"), on_worker(self.store, county_mod.export_up), folder,
                       folders=self.folders.isChecked(), on_done=done)
