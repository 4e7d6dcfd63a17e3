"""照片: the photo page (batch import/export, check overview) and the photo panel of the student form.

All rules live in ``xueji_desktop.photos``; these widgets only show results and ask the user.
File work (checking, fixing, writing exports) runs through ``ui.jobs.run_job``. The batch import runs whole on
the job's own connection (``on_worker``: each photo is written as it arrives, as in the CLI); other database
work stays on the UI thread (SQLite connections are per thread).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..errors import XuejiError
from ..photos.batch import checked_for_storing
from ..photos.check import CheckResult, check_photo_bytes
from ..photos.fix import FixResult, changes, fix_photo_bytes
from ..photos.library import (
    check_stored,
    get_photo,
    import_planned,
    photo_overview,
    plan_import,
    prepare_export,
    record_export,
    save_checks,
    save_photo,
    write_export,
)
from ..storage import Store
from .jobs import on_worker, run_job

PREVIEW_W, PREVIEW_H = 179, 220  # half size of 358×441


def _pixmap(data: bytes, w: int = PREVIEW_W, h: int = PREVIEW_H) -> QPixmap:
    pix = QPixmap()
    pix.loadFromData(data)
    return pix.scaled(w, h, Qt.KeepAspectRatio, Qt.SmoothTransformation) if not pix.isNull() else pix


def _problems_text(problems: list[dict[str, str]] | None, ok: bool | None) -> str:
    if ok is None:
        return "未检查"
    lines = ["合格" if ok else "不合格"]
    lines += [("• " if p.get("severity") == "error" else "提示：") + p["message"] for p in problems or []]
    return "\n".join(lines)


def _fix_both(data: bytes, *, progress=None) -> tuple[CheckResult, FixResult, FixResult | None]:
    """The check of the photo as it is, the plain fix and, when the backdrop is the wrong colour, the fix with
    the standard blue (all for the preview)."""
    before = check_photo_bytes(data)
    plain = fix_photo_bytes(data)
    if progress is not None:
        progress.update(1, 2, "替换背景预览")
    replaced = fix_photo_bytes(data, replace_background=True) if plain.can_replace_background else None
    return before, plain, replaced


class FixPreviewDialog(QDialog):
    """Before / after, with background replacement offered (off by default) and shown before saving."""

    def __init__(self, before: bytes, before_check: CheckResult, plain: FixResult, replaced: FixResult | None,
                 parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("修正照片"))
        self.before_check, self.plain, self.replaced = before_check, plain, replaced
        self.changes_text = QLabel()          # what the fix changed: size, head share, backdrop, problems
        self.changes_text.setWordWrap(True)
        self.before_label = QLabel()
        self.before_label.setPixmap(_pixmap(before))
        self.after_label = QLabel()
        self.after_text = QLabel()
        self.after_text.setWordWrap(True)
        self.replace_box = QCheckBox(self.tr("把背景换成标准浅蓝 RGB(67,142,219)"))
        self.replace_box.setEnabled(replaced is not None)
        if replaced is None:
            self.replace_box.setToolTip(self.tr("背景颜色已符合要求"))
        self.replace_box.toggled.connect(self._show_after)
        pics = QHBoxLayout()
        for title, label in ((self.tr("修正前"), self.before_label), (self.tr("修正后"), self.after_label)):
            col = QVBoxLayout()
            col.addWidget(QLabel(title))
            col.addWidget(label)
            pics.addLayout(col)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(pics)
        layout.addWidget(self.replace_box)
        layout.addWidget(self.changes_text)
        layout.addWidget(self.after_text)
        layout.addWidget(self.buttons)
        self._show_after()

    @property
    def chosen(self) -> FixResult:
        return self.replaced if self.replace_box.isChecked() and self.replaced else self.plain

    def _show_after(self) -> None:
        result = self.chosen
        self.after_label.setPixmap(_pixmap(result.jpeg))
        self.changes_text.setText(self.tr("修正内容：") + "\n" + "\n".join(changes(self.before_check, result)))
        text = _problems_text([p.to_dict() for p in result.check.problems], result.check.ok)
        if result.notes:
            text += "\n" + "\n".join(result.notes)
        self.after_text.setText(text)


class PhotoPanel(QWidget):
    """The photo of one student: picture, check result, 修正 (fix with preview), drop a file to replace."""

    photo_changed = Signal(int)

    def __init__(self, store: Store, parent=None) -> None:
        super().__init__(parent)
        self.store = store
        self.student_id: int | None = None
        self.preview_dialog: FixPreviewDialog | None = None
        self.setAcceptDrops(True)
        self.picture = QLabel(self.tr("无照片"))
        self.picture.setAlignment(Qt.AlignCenter)
        self.picture.setFixedSize(PREVIEW_W + 4, PREVIEW_H + 4)
        self.picture.setStyleSheet("border: 1px solid #999;")
        self.result_label = QLabel()
        self.result_label.setWordWrap(True)
        self.choose_button = QPushButton(self.tr("选择照片…"))
        self.fix_button = QPushButton(self.tr("修正"))
        self.choose_button.clicked.connect(self.choose_file)
        self.fix_button.clicked.connect(self.fix_photo)
        buttons = QHBoxLayout()
        buttons.addWidget(self.choose_button)
        buttons.addWidget(self.fix_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.picture)
        layout.addLayout(buttons)
        layout.addWidget(QLabel(self.tr("可把照片文件拖到这里")))
        layout.addWidget(self.result_label)
        layout.addStretch(1)
        self.set_student(None)

    def set_student(self, student_id: int | None) -> None:
        self.student_id = student_id
        photo = get_photo(self.store, student_id) if student_id is not None else None
        self._photo = photo
        if photo is None:
            self.picture.setPixmap(QPixmap())
            self.picture.setText(self.tr("无照片"))
            self.result_label.setText("")
        else:
            self.picture.setPixmap(_pixmap(photo.jpeg))
            self.result_label.setText(_problems_text(photo.problems, photo.checked_ok))
        self.choose_button.setEnabled(student_id is not None)
        self.fix_button.setEnabled(photo is not None)

    # ---- replacing the photo from a file --------------------------------------------------------
    def choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("选择照片"), "", self.tr("图片 (*.jpg *.jpeg *.png)"))
        if path:
            self.load_file(Path(path))

    def load_file(self, path: Path) -> None:
        """Store the user's file as this student's photo, with its check result (shown at once)."""
        if self.student_id is None:
            return
        try:
            data = path.read_bytes()
        except OSError as exc:
            QMessageBox.warning(self, self.tr("照片"), self.tr("无法读取 %1：%2").replace("%1", str(path))
                                .replace("%2", exc.strerror or str(exc)))
            return
        data, check = checked_for_storing(data, str(path))     # a phone original is kept at ≤ 1 MP
        if check.codes == ["format.unreadable"]:
            QMessageBox.warning(self, self.tr("照片"), f"{path.name}：{check.problems[0].message}")
            return
        self._save(data, check)

    def dragEnterEvent(self, event) -> None:
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        if self.student_id is not None and len(urls) == 1 and urls[0].isLocalFile():
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event) -> None:
        urls = event.mimeData().urls()
        if urls and urls[0].isLocalFile():
            event.acceptProposedAction()
            self.load_file(Path(urls[0].toLocalFile()))

    # ---- fixing with preview ---------------------------------------------------------------------
    def fix_photo(self) -> None:
        if self._photo is None:
            return
        before = self._photo.jpeg
        run_job(self, self.tr("修正照片"), _fix_both, before,
                on_done=lambda result: self._show_preview(before, *result))

    def _show_preview(self, before: bytes, before_check: CheckResult, plain: FixResult,
                      replaced: FixResult | None) -> None:
        self.preview_dialog = FixPreviewDialog(before, before_check, plain, replaced, self)
        self.preview_dialog.accepted.connect(lambda: self._save(self.preview_dialog.chosen.jpeg,
                                                                self.preview_dialog.chosen.check))
        self.preview_dialog.open()

    def _save(self, data: bytes, check: CheckResult) -> None:
        try:
            with self.store.transaction() as tx:
                save_photo(tx, self.student_id, data, check)
        except XuejiError as exc:
            QMessageBox.warning(self, self.tr("照片"), str(exc))
            return
        self.set_student(self.student_id)
        self.photo_changed.emit(self.student_id)


STATE_ORDER = {"无照片": 0, "不合格": 1, "未检查": 2, "合格": 3}   # sorting by 照片: the work first


class _StateItem(QTableWidgetItem):
    """The 照片 column sorts by how much work is left (无照片, 不合格, 未检查, 合格), not by character code."""

    def __lt__(self, other: QTableWidgetItem) -> bool:
        return STATE_ORDER.get(self.text(), 9) < STATE_ORDER.get(other.text(), 9)


class PhotoPage(QWidget):
    """照片: batch import with a report, export for upload, and the per-student check overview (sortable by
    any column, filterable by state)."""

    COLUMNS = ("班级", "姓名", "照片", "问题")
    FILTERS = ("全部", "无照片", "不合格", "合格", "未检查")

    def __init__(self, store: Store, parent=None) -> None:
        super().__init__(parent)
        self.store = store
        self.last_report = None
        self.import_button = QPushButton(self.tr("批量导入照片…"))
        self.fix_box = QCheckBox(self.tr("导入时自动修正尺寸/格式（不换背景）"))
        self.keep_box = QCheckBox(self.tr("保留原图"))
        self.keep_box.setToolTip(self.tr("未修正的照片按原文件保存。默认大于 100 万像素的缩小后保存，"
                                         "不把手机原图存进数据文件（原图会让数据文件和每次备份大很多）。"))
        self.fix_box.toggled.connect(lambda fix: self.keep_box.setEnabled(not fix))  # a fixed photo is 358×441
        self.export_button = QPushButton(self.tr("导出照片用于上报…"))
        self.refresh_button = QPushButton(self.tr("刷新"))
        self.recheck_button = QPushButton(self.tr("重新检查全部照片"))
        self.state_filter = QComboBox()
        self.state_filter.addItems([self.tr(f) for f in self.FILTERS])
        self.state_filter.currentIndexChanged.connect(self._apply_filter)
        self.recheck_button.clicked.connect(self.start_recheck)
        self.import_button.clicked.connect(self.choose_import_folder)
        self.export_button.clicked.connect(self.choose_export_folder)
        self.refresh_button.clicked.connect(self.refresh)
        bar = QHBoxLayout()
        for w in (self.import_button, self.fix_box, self.keep_box, self.export_button, self.recheck_button,
                  self.refresh_button):
            bar.addWidget(w)
        bar.addStretch(1)
        bar.addWidget(QLabel(self.tr("显示：")))
        bar.addWidget(self.state_filter)
        self.summary = QLabel()
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels([self.tr(c) for c in self.COLUMNS])
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.Stretch)
        self.table.setColumnWidth(0, self.fontMetrics().horizontalAdvance("小学2026级(10)班") + 16)  # whole class name
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectRows)
        self.table.setSortingEnabled(True)
        self.report_view = QPlainTextEdit()
        self.report_view.setReadOnly(True)
        self.report_view.setPlaceholderText(self.tr("导入报告：未匹配的文件、匹配到多个学生的文件、没有照片的学生"))
        self.report_view.setMaximumHeight(180)
        self.panel = PhotoPanel(store)
        self.panel.photo_changed.connect(lambda _sid: self.refresh())
        self.table.itemSelectionChanged.connect(self._selected)
        body = QHBoxLayout()
        body.addWidget(self.table, 1)
        body.addWidget(self.panel)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.summary)
        layout.addLayout(body, 1)
        layout.addWidget(self.report_view)
        self.refresh()

    def refresh(self) -> None:
        """Reload the overview (keeping the sort order and filter) and the selected student's panel."""
        rows = photo_overview(self.store)
        self.table.setSortingEnabled(False)       # filling a sorted table would reorder rows mid-way
        self.table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            for j, key in enumerate(("class_name", "name", "state", "problems")):
                item = _StateItem(r[key]) if key == "state" else QTableWidgetItem(r[key])
                item.setData(Qt.UserRole, r["student_id"])
                self.table.setItem(i, j, item)
        self.table.setSortingEnabled(True)
        self._apply_filter()
        counts = {s: sum(r["state"] == s for r in rows) for s in ("合格", "不合格", "无照片", "未检查")}
        text = (self.tr("共 %1 名学生：合格 %2，不合格 %3，无照片 %4")
                .replace("%1", str(len(rows))).replace("%2", str(counts["合格"]))
                .replace("%3", str(counts["不合格"])).replace("%4", str(counts["无照片"])))
        if counts["未检查"]:  # photos stored before checks were kept (older files): "重新检查全部照片" checks them
            text += self.tr("，未检查 %1（可点“重新检查全部照片”）").replace("%1", str(counts["未检查"]))
        self.summary.setText(text)
        self.panel.set_student(self.panel.student_id)

    def _apply_filter(self) -> None:
        wanted = self.FILTERS[self.state_filter.currentIndex()]
        for i in range(self.table.rowCount()):
            self.table.setRowHidden(i, wanted != "全部" and self.table.item(i, 2).text() != wanted)

    def student_at(self, row: int) -> int:
        return self.table.item(row, 0).data(Qt.UserRole)

    def visible_states(self) -> list[str]:
        return [self.table.item(i, 2).text() for i in range(self.table.rowCount()) if not self.table.isRowHidden(i)]

    def _selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self.panel.set_student(self.student_at(rows[0].row()))

    def start_recheck(self):
        def done(results) -> None:
            changed = save_checks(self.store, results)
            self.report_view.setPlainText(self.tr("已重新检查 %1 张照片，%2 张的结果有变化。")
                                          .replace("%1", str(len(results))).replace("%2", str(changed)))
            self.refresh()

        return run_job(self, self.tr("检查照片"), on_worker(self.store, check_stored), on_done=done)

    # ---- import -----------------------------------------------------------------------------------
    def choose_import_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("选择照片文件夹"))
        if folder:
            self.start_import(Path(folder))

    def start_import(self, folder: Path):
        try:
            plan = plan_import(self.store.conn, folder)
        except XuejiError as exc:
            QMessageBox.warning(self, self.tr("批量导入照片"), str(exc))
            return None
        # The CLI's path: each photo is written as it arrives (memory stays flat), on the job's own connection.
        return run_job(self, self.tr("批量导入照片"), on_worker(self.store, import_planned), plan,
                       fix=self.fix_box.isChecked(),
                       keep_originals=self.keep_box.isEnabled() and self.keep_box.isChecked(),
                       on_done=self._show_import_report)

    def _show_import_report(self, report) -> None:
        self.last_report = report
        data = report.to_dict()
        lines = [self.tr("已导入 %1 张照片，未变化 %2 张。").replace("%1", str(data["imported"]))
                 .replace("%2", str(data["unchanged"]))]
        for title, key in ((self.tr("不合格（已保存，请修正）"), "failing_checks"), (self.tr("无法读取"), "unreadable"),
                           (self.tr("未匹配到学生"), "unmatched"), (self.tr("匹配到多个学生（未导入）"), "ambiguous"),
                           (self.tr("同一学生有多个文件（未导入）"), "duplicates"),
                           (self.tr("没有照片的学生"), "students_without_photo")):
            if data[key]:
                lines.append(f"{title}：{len(data[key])}")
                for item in data[key]:
                    text = item if isinstance(item, str) else " ".join(
                        "、".join(v) if isinstance(v, list) else str(v) for v in item.values())
                    lines.append(f"  {text}")
        self.report_view.setPlainText("\n".join(lines))
        self.refresh()

    # ---- export -----------------------------------------------------------------------------------
    def choose_export_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("选择导出文件夹（用于上报）"))
        if folder:
            self.start_export(Path(folder))

    def start_export(self, out: Path):
        try:
            items, report = prepare_export(self.store, out)
        except XuejiError as exc:
            QMessageBox.warning(self, self.tr("导出照片"), str(exc))
            return None

        def done(result) -> None:
            record_export(self.store, out, result)
            self.report_view.setPlainText(
                self.tr("已导出 %1 张照片到 %2。不合格 %3 张，无照片的学生 %4 名。")
                .replace("%1", str(len(result.written))).replace("%2", str(out))
                .replace("%3", str(len(result.failing))).replace("%4", str(len(result.without_photo))))

        return run_job(self, self.tr("导出照片"), write_export, items, report, on_done=done)
