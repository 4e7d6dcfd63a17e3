"""学生信息 → 删除: the reason dialog deletes a never-accepted record at once; for an accepted one it asks for
佐证 evidence (picker) and files a 删除学籍 request instead."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox

from xueji_desktop.records import changes as ch
from xueji_desktop.ui.delete_dialog import DeleteStudentDialog
from xueji_desktop.ui.student_list import StudentListPage

pytestmark = pytest.mark.gui


def _select(page, qtbot, student_id: int) -> None:
    row = next(r for r in range(page.model.rowCount()) if page.model.student_id(r) == student_id)
    page.view.setCurrentIndex(page.model.index(row, 0))


def test_delete_a_new_record_from_the_list(qtbot, demo_store, monkeypatch, message_boxes):
    page = StudentListPage(demo_store)
    qtbot.addWidget(page)
    total = page.model.rowCount()
    sid, name = demo_store.query("SELECT id, name FROM students ORDER BY id LIMIT 1")[0]
    _select(page, qtbot, sid)

    def drive(dialog: DeleteStudentDialog) -> int:
        assert not dialog.request and "立即删除" in dialog.findChildren(type(dialog.error))[0].text()
        ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.Ok)
        qtbot.mouseClick(ok, Qt.LeftButton)  # no reason yet: refused, dialog stays
        assert "原因" in dialog.error.text() and dialog.result() != QDialog.Accepted
        dialog.reason.setText("重复录入")
        qtbot.mouseClick(ok, Qt.LeftButton)
        return dialog.result()

    monkeypatch.setattr(DeleteStudentDialog, "exec", drive)
    qtbot.mouseClick(page.delete_button, Qt.LeftButton)
    assert demo_store.query("SELECT count(*) FROM students WHERE id = ?", (sid,))[0][0] == 0
    assert page.model.rowCount() == total - 1
    assert any(f"已删除 {name}" in text for _, text in message_boxes)


def test_delete_an_accepted_record_needs_evidence_and_files_a_request(qtbot, demo_store, monkeypatch,
                                                                      message_boxes, tmp_path):
    sid = demo_store.query("SELECT id FROM students ORDER BY id LIMIT 1")[0][0]
    demo_store.conn.execute("UPDATE students SET county_accepted = 1 WHERE id = ?", (sid,))
    page = StudentListPage(demo_store)
    qtbot.addWidget(page)
    _select(page, qtbot, sid)
    scan = tmp_path / "说明.jpg"
    scan.write_bytes(b"\xff\xd8scan")

    def drive(dialog: DeleteStudentDialog) -> int:
        assert dialog.request
        dialog.reason.setText("误操作新增")
        ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.Ok)
        qtbot.mouseClick(ok, Qt.LeftButton)
        assert "佐证" in dialog.error.text() and dialog.result() != QDialog.Accepted
        dialog.evidence.add_file(scan)
        qtbot.mouseClick(ok, Qt.LeftButton)
        return dialog.result()

    monkeypatch.setattr(DeleteStudentDialog, "exec", drive)
    qtbot.mouseClick(page.delete_button, Qt.LeftButton)
    [change] = ch.list_changes(demo_store, student_id=sid)
    assert change.kind == ch.DELETE_RECORD and change.data["reason_kind"] == "误操作删除"
    assert ch.evidence_of(demo_store.conn, change.id) == [("说明.jpg", b"\xff\xd8scan")]
    assert demo_store.query("SELECT count(*) FROM students WHERE id = ?", (sid,))[0][0] == 1
    assert any("删除学籍申请" in text for _, text in message_boxes)
