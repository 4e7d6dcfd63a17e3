"""Issue 25 in the GUI: a class teacher's window, 核对 and proposals, export requests, masked rosters."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from tests.conftest import PASSWORD
from tests.roles.helpers import student_of

pytestmark = pytest.mark.gui


def _select_rows(table, rows):
    table.clearSelection()
    for r in rows:
        table.selectRow(r)


def test_teacher_window_has_only_the_teachers_pages(qtbot, teacher):
    from xueji_desktop.ui.main_window import TEACHER_PAGES, MainWindow

    window = MainWindow(teacher)
    qtbot.addWidget(window)
    assert window.names == list(TEACHER_PAGES)
    assert "导入导出" not in window.names and "用户与日志" not in window.names
    page = window.go("打印")
    assert "proof" not in page.kind_buttons  # the proof form is the clerk's
    assert page.class_box.count() == 1


def test_teacher_marks_checked_and_proposes_clerk_accepts(qtbot, teacher, clerk, teacher_school, monkeypatch,
                                                          message_boxes):
    from xueji_desktop.records.students import get_student
    from xueji_desktop.ui import roles_pages

    page = roles_pages.CheckPage(teacher)
    qtbot.addWidget(page)
    assert page.progress_table.rowCount() == 1 and page.current_class() == teacher_school.own
    own_id, own_number = student_of(clerk, teacher_school.own)
    ids = [page.students.item(r, 0).data(Qt.UserRole) for r in range(page.students.rowCount())]
    assert own_id in ids
    assert all(own_number != page.students.item(r, 3).text() for r in range(page.students.rowCount()))  # masked
    _select_rows(page.students, [ids.index(own_id)])
    qtbot.mouseClick(page.mark_button, Qt.LeftButton)
    assert page.students.item(ids.index(own_id), 5).text().startswith("已核对")
    assert page.progress_table.item(0, 4).text() == "1"

    def fill(dialog):
        dialog.field.setCurrentIndex(dialog.field.findData("specialty"))
        dialog.value.setText("书法")
        dialog.note.setText("以纸质表为准")
        return QDialog.Accepted

    monkeypatch.setattr(roles_pages.ProposalDialog, "exec", fill)
    _select_rows(page.students, [ids.index(own_id)])
    qtbot.mouseClick(page.propose_button, Qt.LeftButton)
    assert page.proposals.rowCount() == 1 and "书法" in page.proposals.item(0, 4).text()
    assert not page.accept_button.isVisible() or not teacher.user.has("clerk")

    clerk_page = roles_pages.CheckPage(clerk)
    qtbot.addWidget(clerk_page)
    assert clerk_page.progress_table.rowCount() > 1  # every class, with its progress
    clerk_page.proposals.selectRow(0)
    qtbot.mouseClick(clerk_page.accept_button, Qt.LeftButton)
    assert get_student(clerk, own_id)["specialty"] == "书法"
    assert clerk_page.proposals.item(0, 1).text() == "已采纳"
    assert not [m for m in message_boxes if m[0] == "warning"]


def test_export_request_page_add_approve_export(qtbot, demo_store, monkeypatch, tmp_path):
    from openpyxl import load_workbook

    from xueji_desktop.storage import Store
    from xueji_desktop.ui import roles_pages

    page = roles_pages.ExportRequestsPage(demo_store)
    qtbot.addWidget(page)

    def fill(dialog):
        dialog.unit.setText("区卫生健康局")
        dialog.purpose.setText("学生体检")
        dialog.responsible.setText("李医生")
        for i in range(dialog.fields.count()):
            if dialog.fields.item(i).text() in ("姓名", "性别"):
                dialog.fields.item(i).setCheckState(Qt.Checked)
        return QDialog.Accepted

    monkeypatch.setattr(roles_pages.ExportRequestDialog, "exec", fill)
    qtbot.mouseClick(page.add_button, Qt.LeftButton)
    assert page.table.rowCount() == 1 and page.table.item(0, 1).text() == "待审批"
    assert not page.approve_button.isEnabled()  # the clerk is not a leader

    leader = Store.open(demo_store.path, "leader", PASSWORD)
    try:
        leader_page = roles_pages.ExportRequestsPage(leader)
        qtbot.addWidget(leader_page)
        leader_page.table.selectRow(0)
        qtbot.mouseClick(leader_page.approve_button, Qt.LeftButton)
    finally:
        leader.close()
    page.refresh()
    assert page.table.item(0, 1).text() == "已批准"
    page.table.selectRow(0)
    out = tmp_path / "体检.xlsx"
    job = page.export(out)
    with qtbot.waitSignal(job.signals.finished, timeout=20000):
        pass
    qtbot.waitUntil(lambda: out.exists(), timeout=5000)
    book = load_workbook(out)
    assert next(book["学生数据"].values) == ("姓名", "性别")


def test_print_page_masks_rosters_by_default_and_lists_proof_students(qtbot, demo_store):
    from xueji_desktop.records.students import get_student, public_record, update_student
    from xueji_desktop.ui.print_page import PrintPage

    sid = demo_store.query("SELECT id FROM students WHERE id_number != '' ORDER BY id LIMIT 1")[0][0]
    record = public_record(get_student(demo_store, sid))
    record.update(id_type="Z", id_number="", nationality="CHN")
    with demo_store.transaction() as tx:
        update_student(tx, sid, record)
    page = PrintPage(demo_store)
    qtbot.addWidget(page)
    page.set_kind("roster")
    assert page.mask_box.isChecked() and page._mask()
    page.kind_buttons["proof"].click()
    assert page.student_list.count() == 1
    assert page.student_list.item(0).data(Qt.UserRole) == sid and "未打印" in page.student_list.item(0).text()
    assert not page.class_box.isEnabled()
    page.kind_buttons["form"].click()
    assert page.student_list.count() > 1


def test_user_dialog_asks_a_teacher_for_classes(qtbot):
    from xueji_desktop.ui.users_page import UserDialog

    dialog = UserDialog()
    qtbot.addWidget(dialog)
    assert not dialog.classes.isEnabled()
    dialog.role_boxes["teacher"].setChecked(True)
    assert dialog.classes.isEnabled()
