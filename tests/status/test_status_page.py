"""The 学籍异动 page driven like a user: apply with an error, fix it, approve as the leader, export."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD, county_sends

pytestmark = pytest.mark.gui


def test_apply_fix_and_approve(qtbot, demo_store, demo_path, tmp_path):
    from PySide6.QtCore import Qt

    from xueji_desktop.records import changes as ch
    from xueji_desktop.storage import Store
    from xueji_desktop.ui.status_page import ApplyChangeDialog, StatusPage

    id_number = demo_store.query("SELECT id_number FROM students WHERE status = 'ok' LIMIT 1")[0][0]
    dialog = ApplyChangeDialog(demo_store)
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.student, id_number)
    dialog.kind.setCurrentIndex(dialog.kind.findText("休学"))
    dialog.reason.insert("因病住院治疗")  # Chinese arrives through the IME as committed text; keyClicks is ASCII-only
    dialog.submit()
    assert "证明材料" in dialog.error.text() and dialog.change_id is None
    assert dialog.reason.text() == "因病住院治疗"  # nothing typed is lost
    scan = tmp_path / "诊断证明.jpg"
    scan.write_bytes(b"\xff\xd8scan")
    dialog.evidence.add_file(scan)
    dialog.submit()
    assert dialog.change_id is not None and dialog.result() == dialog.DialogCode.Accepted

    leader = Store.open(demo_path, "leader", PASSWORD)
    try:
        page = StatusPage(leader)
        qtbot.addWidget(page)
        assert page.model.rowCount() == 1 and page.model.index(0, 2).data() == "休学"
        assert page.buttons["approve"].isEnabled()
        page.view.selectRow(0)
        qtbot.mouseClick(page.buttons["approve"], Qt.LeftButton)
        assert page.model.index(0, 4).data() == "已生效"
        student_id = leader.query("SELECT id FROM students WHERE id_number = ?", (id_number,))[0][0]
        assert ch.enrolment_of(leader, student_id) == ch.SUSPENDED
        assert page.export_report_to(tmp_path / "r.xlsx") == 1
    finally:
        leader.close()


def test_clerk_cannot_approve(qtbot, demo_store):
    from xueji_desktop.ui.status_page import StatusPage

    page = StatusPage(demo_store)
    qtbot.addWidget(page)
    assert not page.buttons["approve"].isEnabled() and not page.buttons["reject"].isEnabled()


def test_revert_graduation_and_caps_from_the_page(qtbot, demo_store, monkeypatch):
    from PySide6.QtWidgets import QInputDialog, QMessageBox

    from xueji_desktop.records import changes as ch
    from xueji_desktop.records import school_year as sy
    from xueji_desktop.ui.status_page import StatusPage

    year = sy.current_school_year(demo_store)
    top = demo_store.query("SELECT id FROM classes WHERE entry_year = ? LIMIT 1", (year - 5,))[0][0]
    sy.graduate_class(demo_store, top, "升入初中")
    page = StatusPage(demo_store)
    qtbot.addWidget(page)
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("毕业操作有误", True))
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: None)
    page.view.selectRow(0)
    change = page.model.change_at(0)
    assert change.kind == "graduate"
    page.revert_graduation()
    assert ch.enrolment_of(demo_store, change.student_id) == ch.ENROLLED
    county_sends(demo_store, {"class_cap.county.1": "40"})
    assert not page.set_cap(1, 50) and "不能高于县级" in page.message.text()
    assert page.set_cap(1, 35) and sy.class_cap(demo_store, 1) == (35, "学校")
