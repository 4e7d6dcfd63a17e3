"""What a first real session found in the student form, driven through the real widgets: a blank form
shows no errors, a code box's completion clears its error on the first Tab, Ctrl+Enter opens the next
record at the top, 选择照片 works right after the first save, warnings can be confirmed, and the close
prompt never saves a blank record."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.ui.test_student_workflow import _press, _type

pytestmark = pytest.mark.gui


@pytest.fixture
def window(qtbot, demo_store):
    from xueji_desktop.ui.main_window import MainWindow

    w = MainWindow(demo_store)
    qtbot.addWidget(w)
    w.show()
    return w


def _activate(qtbot, form) -> None:
    form.raise_()
    form.activateWindow()
    if not form.isActiveWindow():
        QApplication.setActiveWindow(form)
    qtbot.waitUntil(form.isActiveWindow, timeout=3000)


def _visible_messages(form) -> dict[str, str]:
    return {k: m.text() for k, m in form.messages.items() if m.isVisibleTo(form)}


def test_new_blank_form_shows_no_errors_until_a_field_is_left(qtbot, window):
    form = window.new_student(None)
    assert form.issues  # the blank record does have problems ...
    assert _visible_messages(form) == {}  # ... but none is shown before the clerk did anything
    assert "错误" not in form.status_label.text()
    _type(qtbot, form.widgets["name"], "张")
    assert _visible_messages(form) == {}  # typing alone does not check
    form._field_left("id_number")
    assert set(_visible_messages(form)) == {"id_number"}
    assert form.status_label.text().startswith("1 处错误")
    qtbot.keyClick(form.widgets["name"], Qt.Key_Backspace)  # the pinyin follows the name back to empty
    assert not form.save()  # 保存 on a blank form saves nothing
    assert form.student_id is None


def test_save_shows_every_problem(qtbot, window):
    form = window.new_student(None)
    _type(qtbot, form.widgets["name"], "只填姓名")
    assert form.save()
    shown = _visible_messages(form)
    assert "gender" in shown and "id_number" in shown
    assert "处错误" in form.status_label.text()


def test_code_box_letter_then_tab_takes_the_completion_and_clears_the_error(qtbot, window):
    form = window.new_student(None)
    _activate(qtbot, form)
    box = form.widgets["is_boarder"]
    box.setFocus()
    qtbot.waitUntil(lambda: box.hasFocus() or box.lineEdit().hasFocus(), timeout=3000)
    qtbot.keyClicks(box.lineEdit(), "f")
    popup = QApplication.activePopupWidget()
    qtbot.keyClick(popup if popup is not None else box.lineEdit(), Qt.Key_Tab)
    qtbot.waitUntil(lambda: not (box.hasFocus() or box.lineEdit().hasFocus()), timeout=3000)
    assert box.currentText() == "否" and box.code() == "0"
    assert "is_boarder" in form.touched
    assert "is_boarder" not in _visible_messages(form)  # no stale "not in the code table" error


def test_corrected_field_clears_its_message_while_typing(qtbot, window):
    form = window.new_student(None)
    form.widgets["members.0.phone"].setText("123")
    form._field_left("members.0.phone")
    assert "members.0.phone" in _visible_messages(form)
    form.widgets["members.0.phone"].setText("13812345678")
    assert "members.0.phone" not in _visible_messages(form)


def test_ctrl_enter_opens_the_next_record_at_its_top(qtbot, window):
    page = window.page("学生信息")
    form = window.open_student(page.model.student_id(0))
    bar = form.scroll.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0, timeout=3000)
    form.widgets["members.1.phone"].setFocus()
    bar.setValue(bar.maximum())
    form.widgets["former_name"].setText("曾用名")
    _press(qtbot, form, Qt.Key_Return, Qt.ControlModifier)
    assert form.student_id == page.model.student_id(1)
    assert bar.value() == 0
    assert QApplication.focusWidget() is form.widgets["name"]


def test_choose_photo_is_enabled_right_after_the_first_save(qtbot, window):
    form = window.new_student(None)
    if form.photo_panel is None:
        pytest.skip("no photo panel in this build")
    assert not form.photo_panel.choose_button.isEnabled()  # nothing to attach a photo to yet
    _type(qtbot, form.widgets["name"], "新同学")
    assert form.save()
    assert form.photo_panel.choose_button.isEnabled()
    assert form.photo_panel.student_id == form.student_id
    form.new_record(None)
    assert not form.photo_panel.choose_button.isEnabled()


def test_confirm_warning_records_who_and_when(qtbot, window, demo_store):
    page = window.page("学生信息")
    sid = page.model.student_id(0)
    form = window.open_student(sid)
    cls = form.classes[form.class_id()]
    form.widgets["enrol_date"].setText(f"{cls.entry_year - 1}09")  # a year off: a warning, not an error
    assert form.save()
    button = form.confirm_buttons["enrol_date"]
    assert button.isVisibleTo(form) and "不一致" in form.messages["enrol_date"].text()
    assert demo_store.query("SELECT status FROM students WHERE id = ?", (sid,))[0][0] == "warning"
    qtbot.mouseClick(button, Qt.LeftButton)
    assert not button.isVisibleTo(form)
    assert "已确认：admin" in form.messages["enrol_date"].text()
    assert demo_store.query("SELECT status FROM students WHERE id = ?", (sid,))[0][0] == "ok"
    who = demo_store.query("SELECT confirmed_by FROM warning_confirmations WHERE student_id = ?", (sid,))
    assert who == [("admin",)]
    audit = demo_store.query("SELECT username FROM audit_log WHERE action = '确认警告' AND record_id = ?",
                             (str(sid),))
    assert audit == [("admin",)]
    # Reopened later, the confirmation is still shown; "0 处警告" in the status line.
    form.close()
    again = window.open_student(sid)
    assert "已确认" in again.messages["enrol_date"].text()
    assert "0 处警告" in again.status_label.text() or again.status_label.text() == "没有发现问题"


def test_confirm_on_unsaved_edit_saves_first(qtbot, window, demo_store):
    page = window.page("学生信息")
    sid = page.model.student_id(0)
    form = window.open_student(sid)
    cls = form.classes[form.class_id()]
    form.widgets["enrol_date"].setText(f"{cls.entry_year - 1}09")
    form._field_left("enrol_date")
    assert form.confirm_buttons["enrol_date"].isVisibleTo(form)
    qtbot.mouseClick(form.confirm_buttons["enrol_date"], Qt.LeftButton)
    assert not form.dirty
    assert demo_store.query("SELECT count(*) FROM warning_confirmations WHERE student_id = ?", (sid,))[0][0] == 1


def test_closing_a_blank_new_form_never_saves_it(qtbot, window, demo_store, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    before = demo_store.query("SELECT count(*) FROM students")[0][0]
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a) or QMessageBox.Save)
    form = window.new_student(None)
    form.widgets["nationality"].set_code("CHN")  # presets and a touched-but-empty field are still blank
    form.widgets["name"].setText("x")
    form.widgets["name"].clear()
    assert form.close()
    assert not asked  # nothing to save: no question (Enter on it used to save a blank record)
    assert demo_store.query("SELECT count(*) FROM students")[0][0] == before
    form = window.new_student(None)
    assert not form.save()
    assert "空白" in form.status_label.text()
    assert demo_store.query("SELECT count(*) FROM students")[0][0] == before


def test_ctrl_z_undoes_the_last_edit_then_the_one_before(qtbot, window, demo_store):
    page = window.page("学生信息")
    form = window.open_student(page.model.student_id(0))
    _activate(qtbot, form)
    original_name, original_former = form.widgets["name"].text(), form.widgets["former_name"].text()
    assert not form.undo_button.isEnabled()
    form.widgets["former_name"].setFocus()
    _type(qtbot, form.widgets["former_name"], "甲")
    form._field_left("former_name")
    phone = form.widgets["members.0.phone"]
    phone.setFocus()
    phone.selectAll()
    _type(qtbot, phone, "139")
    form._field_left("members.0.phone")
    assert form.undo_button.isEnabled()
    # Ctrl+Z in a field with nothing typed since: the form undoes the last edit (the phone)
    form.widgets["name"].setFocus()
    qtbot.keyClick(form.widgets["name"], Qt.Key_Z, Qt.ControlModifier)
    assert phone.text() != "139" and form.widgets["former_name"].text() == original_former + "甲"
    assert "联系电话" in form.status_label.text()
    form.undo_button.click()
    assert form.widgets["former_name"].text() == original_former
    assert form.widgets["name"].text() == original_name
    assert not form.undo_button.isEnabled()
    assert form.dirty


def test_ctrl_z_in_a_field_being_typed_undoes_the_typing_first(qtbot, window):
    form = window.new_student(None)
    _activate(qtbot, form)
    name = form.widgets["name"]
    name.setFocus()
    qtbot.keyClicks(name, "ab")
    form._field_left("name")  # edit 1: the name "ab"
    other = form.widgets["former_name"]
    other.setFocus()
    qtbot.keyClicks(other, "cd")  # still typing: the line edit's own undo takes this back
    qtbot.keyClick(other, Qt.Key_Z, Qt.ControlModifier)
    assert other.text() == "" and name.text() == "ab"
    qtbot.keyClick(other, Qt.Key_Z, Qt.ControlModifier)  # nothing typed left: the form undoes the name
    assert name.text() == ""


def test_id_number_with_the_fields_it_filled_is_one_undo(qtbot, window):
    import random
    from datetime import date

    from xueji_desktop.demo import make_id_number

    form = window.new_student(None)
    number = make_id_number(random.Random(3), date(2016, 5, 6), male=True, area="140106")
    _type(qtbot, form.widgets["id_number"], number)
    form._field_left("id_number")
    assert form.widgets["birth_date"].text() == "2016-05-06"
    assert form.undo()
    assert form.widgets["id_number"].text() == "" and form.widgets["birth_date"].text() == ""
    assert form.widgets["gender"].code() == ""
