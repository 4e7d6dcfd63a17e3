"""打印 page: collection forms, the class confirmation roster and the blank form — preview, print, save as PDF.

All three outputs draw the same pages (built by ``xueji_desktop.printing``) through
``print_render``: the preview and the printer get a QPrinter, "另存为 PDF" a QPdfWriter.
Printing and PDF writing run through ``jobs.run_job`` (progress dialog, cancel) on a
worker with its own DB connection; the preview paints on the UI thread, as Qt requires.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QPageLayout
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from ..access import is_class_scoped
from ..errors import XuejiError
from ..printing.batch import KINDS, Selection, check_print_allowed, pages_for, record_print
from ..school import list_classes
from ..storage import Store
from .jobs import Job, run_job
from .print_render import a4_layout, load_fonts, render_pages, write_pdf


def _new_printer() -> QPrinter:
    printer = QPrinter(QPrinter.HighResolution)
    printer.setPageLayout(a4_layout())
    printer.setFullPage(True)  # our coordinates are paper coordinates; the layout keeps 15 mm margins
    printer.setPageOrientation(QPageLayout.Portrait)
    return printer


def _paint(store: Store, kind: str, selection: Selection, mask: bool, printer: QPrinter) -> None:
    total, pages = pages_for(store.conn, kind, selection, mask)
    render_pages(pages, printer, total)


def _open_preview(parent: QWidget | None, store: Store, kind: str, selection: Selection,
                  mask: bool) -> QPrintPreviewDialog:
    pages_for(store.conn, kind, selection, mask)  # raises a clear error before any dialog opens
    printer = _new_printer()
    dialog = QPrintPreviewDialog(printer, parent)
    dialog.setWindowTitle(f"打印预览 - {KINDS[kind]}")
    dialog.printer_ref = printer  # type: ignore[attr-defined]  # keep the printer alive with the dialog
    dialog.paintRequested.connect(lambda p: _paint(store, kind, selection, mask, p))
    dialog.resize(900, 1000)
    dialog.setAttribute(Qt.WA_DeleteOnClose)
    dialog.open()
    return dialog


def preview_student_form(parent: QWidget | None, store: Store, student_id: int) -> QPrintPreviewDialog:
    """Print preview of one student's collection form (for the student form's 打印 button)."""
    load_fonts()
    return _open_preview(parent, store, "form", Selection(student_ids=(student_id,)), False)


def _pdf_job(store: Store, kind: str, selection: Selection, mask: bool, path: Path, progress=None) -> tuple[Path, int]:
    conn = store.reconnect()  # the worker never shares the UI thread's connection
    try:
        total, pages = pages_for(conn, kind, selection, mask)
        return path, write_pdf(pages, path, total, progress, title=KINDS[kind])
    finally:
        conn.close()


def _print_job(store: Store, kind: str, selection: Selection, mask: bool, printer: QPrinter,
               progress=None) -> int:
    conn = store.reconnect()
    try:
        total, pages = pages_for(conn, kind, selection, mask)
        return render_pages(pages, printer, total, progress, "正在发送到打印机")
    finally:
        conn.close()


class PrintPage(QWidget):
    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        load_fonts()
        self.last_job: Job | None = None
        self._loaded_kind = "form"
        layout = QVBoxLayout(self)
        form = QFormLayout()

        kinds = QHBoxLayout()
        self.kind_group = QButtonGroup(self)
        self.kind_buttons: dict[str, QRadioButton] = {}
        choices = [("form", self.tr("学生基本信息采集表")), ("roster", self.tr("班级确认名单")),
                   ("blank", self.tr("空白采集表")), ("proof", self.tr("无身份证号学生在校就读证明表"))]
        if is_class_scoped(store.user.roles):
            choices.pop()  # the clerk prints and sends the proof form (printing/batch.check_print_allowed)
        for key, label in choices:
            button = QRadioButton(label)
            self.kind_group.addButton(button)
            self.kind_buttons[key] = button
            kinds.addWidget(button)
        kinds.addStretch(1)
        self.kind_buttons["form"].setChecked(True)
        form.addRow(self.tr("打印内容："), kinds)

        self.class_box = QComboBox()
        self._fill_classes()
        form.addRow(self.tr("班级："), self.class_box)

        self.mask_box = QCheckBox(self.tr("隐去身份证件号、联系电话的中间位数（发给家长、带出学校的名单须隐去）"))
        self.mask_box.setChecked(True)  # issue 25: rosters for parents are masked unless the clerk says otherwise
        form.addRow("", self.mask_box)
        layout.addLayout(form)

        picks = QHBoxLayout()
        picks.addWidget(QLabel(self.tr("学生（勾选要打印的）：")))
        picks.addStretch(1)
        self.all_button = QPushButton(self.tr("全选"))
        self.none_button = QPushButton(self.tr("全不选"))
        picks.addWidget(self.all_button)
        picks.addWidget(self.none_button)
        layout.addLayout(picks)
        self.student_list = QListWidget()
        layout.addWidget(self.student_list, 1)

        buttons = QHBoxLayout()
        self.count_label = QLabel()
        buttons.addWidget(self.count_label, 1)
        self.preview_button = QPushButton(self.tr("打印预览…"))
        self.print_button = QPushButton(self.tr("打印…"))
        self.pdf_button = QPushButton(self.tr("另存为 PDF…"))
        for b in (self.preview_button, self.print_button, self.pdf_button):
            buttons.addWidget(b)
        layout.addLayout(buttons)

        self.class_box.currentIndexChanged.connect(self.load_students)
        self.kind_group.buttonToggled.connect(self._kind_toggled)
        self.student_list.itemChanged.connect(self._update_state)
        self.all_button.clicked.connect(lambda: self._check_all(True))
        self.none_button.clicked.connect(lambda: self._check_all(False))
        self.preview_button.clicked.connect(self._safe(self.preview))
        self.print_button.clicked.connect(self._safe(self.print_direct))
        self.pdf_button.clicked.connect(self._safe(self.save_pdf))
        self.load_students()

    # ---- state -----------------------------------------------------------------
    def _fill_classes(self) -> None:
        current = self.class_box.currentData()
        self.class_box.blockSignals(True)
        self.class_box.clear()
        for c in list_classes(self.store):
            self.class_box.addItem(f"{c.name}（{c.class_code}）", c.id)
        index = self.class_box.findData(current)
        self.class_box.setCurrentIndex(max(index, 0))
        self.class_box.blockSignals(False)

    def refresh(self) -> None:
        """Re-read classes and students (other pages may have changed them); keeps the chosen class."""
        self._fill_classes()
        self.load_students()

    def showEvent(self, event) -> None:
        if event.spontaneous() is False and self.isVisible():
            self.refresh()
        super().showEvent(event)

    def kind(self) -> str:
        return next(k for k, b in self.kind_buttons.items() if b.isChecked())

    def set_kind(self, kind: str) -> None:
        self.kind_buttons[kind].setChecked(True)

    def load_students(self) -> None:
        class_id = self.class_box.currentData()
        unchecked: set[int] = set()
        if class_id == getattr(self, "_loaded_class", None):  # a refresh keeps the user's ticks
            items = (self.student_list.item(i) for i in range(self.student_list.count()))
            unchecked = {it.data(Qt.UserRole) for it in items if it.checkState() != Qt.Checked}
        self._loaded_class = class_id
        self.student_list.blockSignals(True)
        self.student_list.clear()
        if self.kind() == "proof":  # every student of the school who needs the form, with its state
            from ..records.no_id_proof import needing_proof

            rows = [(p.student_id, p.name, f"{p.class_code}　{p.state}") for p in needing_proof(self.store.conn)]
        elif class_id is not None:
            rows = self.store.query("SELECT id, name, id_number FROM students WHERE class_id = ? ORDER BY id",
                                    (class_id,))
        else:
            rows = []
        if rows:
            for sid, name, id_number in rows:
                item = QListWidgetItem(f"{name}　{id_number}")
                item.setData(Qt.UserRole, sid)
                item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
                item.setCheckState(Qt.Unchecked if sid in unchecked else Qt.Checked)
                self.student_list.addItem(item)
        self.student_list.blockSignals(False)
        self._update_state()

    def _kind_toggled(self, button, checked: bool) -> None:
        if checked and (button is self.kind_buttons.get("proof") or self._loaded_kind == "proof"):
            self._loaded_class = object()  # a different list: nothing of the old ticks to keep
            self.load_students()
        self._loaded_kind = self.kind() if checked else self._loaded_kind
        self._update_state()

    def _check_all(self, checked: bool) -> None:
        self.student_list.blockSignals(True)
        for i in range(self.student_list.count()):
            self.student_list.item(i).setCheckState(Qt.Checked if checked else Qt.Unchecked)
        self.student_list.blockSignals(False)
        self._update_state()

    def checked_ids(self) -> tuple[int, ...]:
        items = (self.student_list.item(i) for i in range(self.student_list.count()))
        return tuple(it.data(Qt.UserRole) for it in items if it.checkState() == Qt.Checked)

    def selection(self) -> Selection:
        return Selection(student_ids=self.checked_ids())

    def _update_state(self, *_args) -> None:
        kind = self.kind()
        self.mask_box.setEnabled(kind == "roster")
        self.student_list.setEnabled(kind != "blank")
        self.class_box.setEnabled(kind not in ("blank", "proof"))
        n = len(self.checked_ids())
        if kind == "blank":
            self.count_label.setText(self.tr("空白采集表 1 页"))
        else:
            self.count_label.setText(self.tr("已选 %n 名学生", "", n))
        for b in (self.preview_button, self.print_button, self.pdf_button):
            b.setEnabled(kind == "blank" or n > 0)

    def _mask(self) -> bool:
        return self.kind() == "roster" and self.mask_box.isChecked()

    def _safe(self, action):
        def run(*_args):
            try:
                check_print_allowed(self.store, self.kind(), self._mask())
                action()
            except XuejiError as exc:
                QMessageBox.warning(self, self.tr("打印"), str(exc))
        return run

    # ---- actions -----------------------------------------------------------------
    def preview(self) -> QPrintPreviewDialog:
        return _open_preview(self, self.store, self.kind(), self.selection(), self._mask())

    def print_direct(self) -> Job | None:
        printer = _new_printer()
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle(self.tr("打印 - %s") % KINDS[self.kind()])
        if dialog.exec() != QPrintDialog.Accepted:
            return None
        printer.setFullPage(True)
        kind, selection, mask = self.kind(), self.selection(), self._mask()
        target = f"打印机 {printer.printerName()}".strip()
        self.last_job = run_job(self, self.tr("打印"), _print_job, self.store, kind, selection, mask, printer,
                                on_done=lambda count: self._log(kind, selection, count, target, mask))
        self.last_job.printer = printer  # type: ignore[attr-defined]  # alive until the job ends
        return self.last_job

    def default_pdf_name(self) -> str:
        kind = self.kind()
        if kind in ("blank", "proof"):
            return f"{KINDS[kind]}.pdf"
        return f"{self.class_box.currentText().split('（')[0]}_{KINDS[kind]}.pdf"

    def save_pdf(self, path: str | Path | None = None) -> Job | None:
        if path is None:
            chosen, _ = QFileDialog.getSaveFileName(self, self.tr("另存为 PDF"),
                                                    str(Path.home() / self.default_pdf_name()), "PDF (*.pdf)")
            if not chosen:
                return None
            path = chosen if chosen.lower().endswith(".pdf") else chosen + ".pdf"
        kind, selection, mask = self.kind(), self.selection(), self._mask()

        def done(result: tuple[Path, int]) -> None:
            saved, count = result
            self._log(kind, selection, count, f"PDF {saved.name}", mask)
            self.count_label.setText(self.tr("已保存 %s（%d 页）") % (saved, count))

        self.last_job = run_job(self, self.tr("另存为 PDF"), _pdf_job, self.store, kind, selection, mask, Path(path),
                                on_done=done)
        return self.last_job

    def _log(self, kind: str, selection: Selection, pages: int, target: str, mask: bool) -> None:
        """Audit on the UI thread (the store's connection belongs to it), once the output exists."""
        try:
            record_print(self.store, kind, selection, pages, target, mask)
        except XuejiError as exc:
            QMessageBox.warning(self, self.tr("打印"), str(exc))
