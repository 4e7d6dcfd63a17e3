"""批量填写 from the student list: the dialog refuses a bad value, then fills the students the list shows."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox

from xueji_desktop.ui.bulk_fill_dialog import BulkFillDialog
from xueji_desktop.ui.student_list import StudentListPage

pytestmark = pytest.mark.gui


def test_fill_from_the_list_with_a_class_filter(qtbot, demo_store, monkeypatch, message_boxes):
    rows = demo_store.conn.execute("SELECT id, class_id FROM students ORDER BY id").fetchall()
    ids = [sid for sid, _ in rows]
    first_class = rows[0][1]
    other = next(sid for sid, class_id in rows if class_id != first_class)
    with demo_store.transaction() as tx:  # two students without 国籍/地区, in different classes
        for sid in (ids[0], other):
            tx.execute("UPDATE students SET data = json_remove(data, '$.nationality') WHERE id = ?", (sid,))
    page = StudentListPage(demo_store)
    qtbot.addWidget(page)
    page.class_box.setCurrentIndex(page.class_box.findData(first_class))
    shown = page.model.rowCount()
    assert 0 < shown < len(ids)

    def drive(dialog: BulkFillDialog) -> int:
        """What the clerk does: pick 国籍/地区, type a wrong value, read the message, then choose 中国."""
        assert f"为当前列表中的 {shown} 名学生" in dialog.intro.text()
        dialog.field_box.setCurrentIndex(dialog.field_box.findData("nationality"))
        assert dialog.value_box.findText("中国") >= 0  # option fields offer their names
        dialog.value_box.setCurrentText("火星")
        ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.Ok)
        qtbot.mouseClick(ok, Qt.LeftButton)
        assert "不在代码表中" in dialog.error.text() and dialog.result() != QDialog.Accepted
        dialog.value_box.setCurrentText("中国")
        qtbot.mouseClick(ok, Qt.LeftButton)
        return dialog.result()

    monkeypatch.setattr(BulkFillDialog, "exec", drive)
    qtbot.mouseClick(page.fill_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: any(kind == "information" for kind, _ in message_boxes), timeout=20000)
    assert any("已为 1 名学生填写国籍/地区" in text for _, text in message_boxes)

    def nationality(sid):
        return json.loads(demo_store.conn.execute("SELECT data FROM students WHERE id = ?", (sid,)).fetchone()[0]
                          ).get("nationality")
    assert nationality(ids[0]) == "CHN" and nationality(other) is None  # only the class the list showed
