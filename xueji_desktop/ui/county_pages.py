"""The county's pages: importing school packages, review and feedback, passing up (the school list is
county_schools_page.py).

All work is done by ``xueji_desktop.county``; these widgets only collect input and show results.
Long work (export, import, aggregate) runs through ``ui.jobs.run_job`` on a worker thread with its
own database connection.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
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
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..county import city_feedback, city_intake, counties, intake, review, upward, workspace
from ..county import schools as school_list
from ..errors import XuejiError
from ..exchange import keys
from ..storage import Store
from .jobs import on_worker, run_job
from .simple_table import show_error


def _sender(check: intake.PackageCheck | city_intake.CountyPackageCheck) -> tuple[str, str, str]:
    """(what the sender is, its code, its name): a school at a county, a county at a city."""
    if isinstance(check, city_intake.CountyPackageCheck):
        return "县（区）", check.county_code, check.county_name
    return "学校", check.school_code, check.school_name


class FingerprintDialog(QDialog):
    """First import of a school (or the first after its key was reset; at a city: of a county): the clerk types the
    fingerprint from the sender's stamped slip (回执, ``xueji school fingerprint --print``) or as read out over the
    phone. The package's own fingerprint is never shown — it could simply be copied back — and the core compares
    the two."""

    def __init__(self, check: intake.PackageCheck | city_intake.CountyPackageCheck,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.check = check
        what, code, name = _sender(check)
        self.setWindowTitle(self.tr("核对%1密钥指纹").replace("%1", what))
        layout = QVBoxLayout(self)
        text = QLabel(self.tr("%2 %1 第一次上报数据（或其密钥已重置）。请把对方盖章的“密钥指纹回执”上的指纹"
                              "逐组输入下面（或打电话请对方逐组读出）；与数据包的签名密钥一致才会登记并导入。")
                      .replace("%1", code + name).replace("%2", what))
        text.setWordWrap(True)
        layout.addWidget(text)
        form = QFormLayout()
        form.addRow(what + self.tr("："), QLabel(code + " " + name))
        self.typed = QLineEdit()
        self.typed.setPlaceholderText("XXXX XXXX XXXX XXXX XXXX")
        form.addRow(self.tr("回执上的指纹："), self.typed)
        layout.addLayout(form)
        self.status = QLabel()
        layout.addWidget(self.status)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.buttons.button(QDialogButtonBox.Ok).setText(self.tr("核对并导入"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.typed.textChanged.connect(self._update)
        self._update()

    @property
    def ok_button(self) -> QPushButton:
        return self.buttons.button(QDialogButtonBox.Ok)

    def _update(self) -> None:
        digits = len(keys.normalise_fingerprint(self.typed.text()))
        self.ok_button.setEnabled(digits == 20)
        self.status.setText("" if digits in (0, 20) else self.tr("指纹共 20 位（5 组 × 4 位），已输入 %1 位。")
                            .replace("%1", str(digits)))


class CountyImportPage(QWidget):
    """Importing school packages; on a city file, the counties' upward packages (county/city_intake.py)."""

    imported = Signal(object)   # ImportResult (city: CountyImportResult)
    refused = Signal(str, str)  # file, reason

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.city = workspace.store_level(store) == "city"
        layout = QVBoxLayout(self)
        button = QPushButton(self.tr("导入县级汇总包…") if self.city else self.tr("导入学校数据包…"))
        button.clicked.connect(self.choose_files)
        bar = QHBoxLayout()
        bar.addWidget(button)
        if not self.city:  # a county also takes its city's feedback (county/city_feedback.py)
            upper = QPushButton(self.tr("导入地市反馈包…"))
            upper.clicked.connect(self.choose_city_feedback)
            bar.addWidget(upper)
        bar.addStretch(1)
        layout.addLayout(bar)
        self.log = QListWidget()
        layout.addWidget(self.log, 1)
        self._queue: list[Path] = []

    def choose_city_feedback(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("选择地市反馈包"), "", self.tr("数据包 (*.xjpkg)"))
        if path:
            self.import_city_feedback(Path(path))

    def import_city_feedback(self, path: Path) -> None:
        try:
            n = city_feedback.import_city_feedback(self.store, path)
        except XuejiError as exc:
            self.log.addItem(self.tr("拒绝：%1").replace("%1", str(exc)))
            return
        self.log.addItem(self.tr("已导入地市反馈 %1：%2 条，随下次给学校的反馈包下发").replace("%1", path.name)
                         .replace("%2", str(n)))

    def choose_files(self) -> None:
        title = self.tr("选择县级汇总包") if self.city else self.tr("选择学校数据包")
        paths, _ = QFileDialog.getOpenFileNames(self, title, "", self.tr("数据包 (*.xjpkg)"))
        self.import_files([Path(p) for p in paths])

    def import_files(self, paths: list[Path]) -> None:
        self._queue.extend(paths)
        if len(self._queue) == len(paths):
            self._next()

    def _next(self) -> None:
        if not self._queue:
            return
        path = self._queue[0]
        check_package, import_package = ((city_intake.check_county_package, city_intake.import_county_package)
                                         if self.city else (intake.check_package, intake.import_package))
        try:
            check, _env = check_package(self.store, path)
        except XuejiError as exc:
            self._refuse(path, str(exc))
            return
        confirm = None
        if check.needs_confirmation:
            dialog = FingerprintDialog(check, self)
            if dialog.exec() != QDialog.Accepted:
                self._refuse(path, self.tr("未确认%1密钥指纹，未导入。").replace("%1", _sender(check)[0]))
                return
            confirm = dialog.typed.text()
        run_job(self, self.tr("导入县级汇总包") if self.city else self.tr("导入学校数据包"),
                on_worker(self.store, import_package), path, confirm_fingerprint=confirm, on_done=self._done,
                on_error=lambda exc: self._refuse(path, str(exc)))

    def _done(self, result: intake.ImportResult | city_intake.CountyImportResult) -> None:
        self._queue.pop(0)
        if isinstance(result, city_intake.CountyImportResult):
            unit = result.county_code + result.county_name
            extra = self.tr("（学校 %1 所）").replace("%1", str(result.schools))
        else:
            unit, extra = result.school_code + result.school_name, ""
        self.log.addItem(self.tr("已导入 %1：%2 学生 %3 名").replace("%1", result.file)
                         .replace("%2", unit).replace("%3", str(result.students)) + extra)
        for line in result.summary():  # transfer warnings, 入学年龄例外
            self.log.addItem("    " + line)
        self.imported.emit(result)
        self._next()

    def _refuse(self, path: Path, reason: str) -> None:
        self._queue.pop(0)
        self.log.addItem(self.tr("拒绝：%1").replace("%1", reason))
        self.refused.emit(path.name, reason)
        self._next()


class CountyReviewPage(QWidget):
    """Passing or returning a school's data and its feedback package. On a city file: the city's feedback to a
    county (problems across counties and the city's decisions, county/city_feedback.py)."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.city = workspace.store_level(store) == "city"
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.school = QComboBox()
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(self.tr("退回时必填：学校会在反馈中看到"))
        form.addRow(self.tr("县（区）：") if self.city else self.tr("学校："), self.school)
        form.addRow(self.tr("原因："), self.reason)
        self.force = QCheckBox(self.tr("学校仍有未解决的问题学籍时也通过（须填原因，记入审计日志）"))
        form.addRow("", self.force)
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
        if workspace.refused_at_city(store, "school_review"):  # a county's schools were reviewed by the county
            for w in (self.pass_button, self.return_button, self.force, self.reason):
                w.hide()
            form.labelForField(self.reason).hide()
        self.status = QLabel()
        layout.addWidget(self.status)
        layout.addStretch(1)
        self.refresh()

    def refresh(self) -> None:
        current = self.school.currentData()
        self.school.clear()
        if self.city:  # the city feeds back to the counties it imported
            for c in counties.list_counties(self.store):
                if c["imported_at"]:
                    self.school.addItem(f"{c['code']}{c['name']}", c["code"])
        for s in [] if self.city else school_list.list_schools(self.store):
            if s["imported_at"]:
                self.school.addItem(f"{s['code']}{s['name']}（{s['review_name']}）", s["code"])
        if current:
            self.school.setCurrentIndex(max(0, self.school.findData(current)))

    def decide(self, passed: bool) -> None:
        code = self.school.currentData()
        if not code:
            return
        try:
            review.review(self.store, code, passed, self.reason.text(), force=self.force.isChecked())
        except XuejiError as exc:
            show_error(self, self.tr("审核"), exc)
            return
        self.status.setText(self.tr("已通过") if passed else self.tr("已退回"))
        self.refresh()

    def choose_feedback(self) -> None:
        code = self.school.currentData()
        folder = QFileDialog.getExistingDirectory(self, self.tr("选择反馈包的输出文件夹")) if code else ""
        if folder:
            try:
                path = (city_feedback.make_city_feedback(self.store, code, folder)[0] if self.city
                        else review.make_feedback(self.store, code, folder))
            except XuejiError as exc:
                show_error(self, self.tr("生成反馈包"), exc)
                return
            self.status.setText(self.tr("已写出：%1").replace("%1", str(path)))


class CountyUpPage(QWidget):
    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        layout = QVBoxLayout(self)
        self.folders = QCheckBox(self.tr("同时按 地市/县区/学校 文件夹写出"))
        layout.addWidget(self.folders)
        city = workspace.store_level(store) == "city"
        button = QPushButton(self.tr("写出地市汇总上报包…") if city else self.tr("写出县级汇总上报包…"))
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
            left_out = upward.describe_left_out(self.store)
            self.status.setText(self.tr("已写出 %1 个文件，汇总包：%2").replace("%1", str(len(paths)))
                                .replace("%2", str(paths[-1])) + ("\n" + left_out if left_out else ""))

        return run_job(self, self.tr("汇总上报"), on_worker(self.store, upward.export_up), folder,
                       folders=self.folders.isChecked(), on_done=done)
