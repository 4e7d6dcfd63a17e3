"""The 打印 page: choose class / students / kind, save as PDF through the job runner, open the print preview."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrintPreviewDialog, QPrintPreviewWidget

from .conftest import pdf_page_count, pdf_pages_text

pytestmark = pytest.mark.gui


def test_print_page_saves_selected_forms_as_pdf(qtbot, demo_store, tmp_path):
    from xueji_desktop.ui.print_page import PrintPage

    page = PrintPage(demo_store)
    qtbot.addWidget(page)
    assert page.student_list.count() > 3
    qtbot.mouseClick(page.none_button, Qt.LeftButton)
    assert not page.pdf_button.isEnabled()
    for row in (0, 2):
        page.student_list.item(row).setCheckState(Qt.Checked)
    assert page.count_label.text() == "已选 2 名学生" and page.pdf_button.isEnabled()
    page.refresh()  # coming back to the page re-reads the class but keeps the ticks
    assert page.count_label.text() == "已选 2 名学生"
    names = [page.student_list.item(r).text().split("　")[0] for r in (0, 2)]

    out = tmp_path / "two.pdf"
    job = page.save_pdf(out)
    done = []
    job.signals.finished.connect(done.append)
    qtbot.waitUntil(lambda: bool(done), timeout=20000)
    assert pdf_page_count(out) == 2
    texts = pdf_pages_text(out)
    assert names[0] in "".join(texts[0].split()) and names[1] in "".join(texts[1].split())
    assert "已保存" in page.count_label.text()
    action, changes = demo_store.query("SELECT action, changes FROM audit_log ORDER BY id DESC LIMIT 1")[0]
    assert action == "打印学生基本信息采集表" and "two.pdf" in changes


def test_print_page_roster_mask_option_and_blank(qtbot, demo_store, tmp_path):
    from xueji_desktop.ui.print_page import PrintPage

    page = PrintPage(demo_store)
    qtbot.addWidget(page)
    assert not page.mask_box.isEnabled()
    page.set_kind("roster")
    assert page.mask_box.isEnabled()
    page.mask_box.setChecked(True)
    first_id = page.student_list.item(0).text().split("　")[1]
    out = tmp_path / "roster.pdf"
    job = page.save_pdf(out)
    done = []
    job.signals.finished.connect(done.append)
    qtbot.waitUntil(lambda: bool(done), timeout=20000)
    assert first_id not in "".join("".join(pdf_pages_text(out)).split())

    page.set_kind("blank")
    assert not page.student_list.isEnabled() and page.pdf_button.isEnabled()
    assert page.default_pdf_name() == "空白采集表.pdf"


def test_preview_dialog_opens_renders_and_closes(qtbot, demo_store):
    from xueji_desktop.ui.print_page import PrintPage, preview_student_form

    page = PrintPage(demo_store)
    qtbot.addWidget(page)
    dialog = page.preview()
    assert isinstance(dialog, QPrintPreviewDialog)
    qtbot.waitUntil(dialog.isVisible, timeout=5000)
    widget = dialog.findChild(QPrintPreviewWidget)
    qtbot.waitUntil(lambda: widget.pageCount() == page.student_list.count(), timeout=20000)
    dialog.close()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)

    student_id = page.checked_ids()[0]
    single = preview_student_form(page, demo_store, student_id)
    widget = single.findChild(QPrintPreviewWidget)
    qtbot.waitUntil(lambda: widget.pageCount() == 1, timeout=10000)
    single.reject()
