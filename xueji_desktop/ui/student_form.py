"""The student form: one record, laid out like the 2022 paper form, keyboard first.

Built from the field spec (``validation.load_spec()``): items 1-17, family member 1 (18-26), family
member 2 (27-35), special education (36-37), then 其他信息 for the long-list fields. Code-table fields
are searchable combo boxes; the 18-digit ID number fills birth date and gender; 姓名拼音 follows the
name until the clerk edits it. Errors come from ``validate_student`` on the current values and are shown
under a field once the clerk has left it (a new blank form shows none), under every field for a stored
record and after 保存; a field already shown follows each correction at once. A warning has a 确认无误
button beside it (``validation.confirm``: who and when are recorded and audited). Saving goes through
``students.add_student/update_student`` (validated and audited there); a record with errors is still
saved, as 待修正, so nothing typed is lost; a blank new record is never saved (nor asked about on close).
Ctrl+Z (or 撤销) puts back the values from before the last edit, one edit at a time; a field still being
typed in undoes its own typing first.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ..audit_view import local_time
from ..derive import facts_from_id, name_pinyin
from ..errors import XuejiError
from ..forms import MEMBER_SLOTS, Section, screen_sections
from ..records import student_number
from ..records.changes import enrolment_summary, locked_changes
from ..records.students import add_student, context_for, get_student, update_student, with_class
from ..school import grade_code, list_classes
from ..storage import Store
from ..validation import Issue, load_spec, validate_student
from ..validation.confirm import confirm_warning
from ..validation.spec import Field
from .code_combo import CodeComboBox
from .screen_fit import fit_screen

ERROR_STYLE = "color: #c0392b; font-size: 11px"
WARNING_STYLE = "color: #b9770e; font-size: 11px"
CONFIRMED_STYLE = "color: #777; font-size: 11px"


class _FocusWatcher(QObject):
    """Calls ``left(key)`` when a field widget loses focus, and ``undo()`` for Ctrl+Z when the field has no
    typing of its own to undo (a line edit undoes what was typed in it first, then the form takes over)."""

    def __init__(self, left: Callable[[str], None], undo: Callable[[], bool], pending: Callable[[], bool],
                 parent=None) -> None:
        super().__init__(parent)
        self.left, self.undo, self.pending = left, undo, pending

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.FocusOut:
            key = obj.property("field_key")
            if key:
                self.left(str(key))
        elif (event.type() == QEvent.KeyPress and event.matches(QKeySequence.Undo)
              and not self.pending()):
            self.undo()
            return True
        return False


class StudentForm(QWidget):
    """Edit one student. ``student_id=None`` creates a new one in ``class_id``.

    ``next_id(current_id)`` gives the record Ctrl+Enter moves to (None: a new blank record).
    """

    saved = Signal(int)

    def __init__(self, store: Store, student_id: int | None = None, class_id: int | None = None,
                 parent=None, next_id: Callable[[int | None], int | None] | None = None) -> None:
        super().__init__(parent)
        self.setWindowFlag(Qt.Window, True)
        self.store = store
        self.spec = load_spec()
        self.next_id = next_id
        self.student_id: int | None = None
        self.loaded: dict[str, Any] = {}
        self.widgets: dict[str, QWidget] = {}       # field key ("members.0.phone" for members) -> editor
        self.messages: dict[str, QLabel] = {}
        self.confirm_buttons: dict[str, QPushButton] = {}
        self.touched: set[str] = set()
        self.show_all = False  # every problem shown (a stored record, or after 保存), not only left fields
        self.confirmed: dict[tuple[str, str], tuple[str, str]] = {}  # (field, code) -> (who, when)
        self.issues: list[Issue] = []
        self.dirty = False
        self._pinyin_auto = True
        self._filling = False
        self._undo: list[dict[str, str]] = []  # values before each edit, newest last
        self._snapshot: dict[str, str] = {}
        self._watcher = _FocusWatcher(self._field_left, self.undo, self._typing_pending, self)
        self.classes = {c.id: c for c in list_classes(store)}
        self._build()
        self.resize(fit_screen(self, 1000, 760))  # never taller than the screen (125%/150% scaling)
        if student_id is not None:
            self.load(student_id)
        else:
            self.new_record(class_id)

    # ---- building -------------------------------------------------------------------
    def _build(self) -> None:
        outer = QVBoxLayout(self)
        self.header = QLabel()
        self.header.setStyleSheet("font-size: 15px; font-weight: bold")
        outer.addWidget(self.header)
        self.enrolment_label = QLabel()  # 学籍状态, open changes and their step, key-field lock
        self.enrolment_label.setStyleSheet("color: #555")
        outer.addWidget(self.enrolment_label)
        self.scroll = scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        body = QWidget()
        self.body_layout = QVBoxLayout(body)
        scroll.setWidget(body)
        top = QHBoxLayout()
        top.addWidget(scroll, 1)
        self.photo_panel = self._make_photo_panel()
        if self.photo_panel is not None:
            top.addWidget(self.photo_panel)
        outer.addLayout(top, 1)

        # Sections, order, labels, hints and when a section shows: forms/ (the one description of the form).
        self.section_boxes: dict[str, QGroupBox] = {}
        for section in screen_sections():
            self.section_boxes[section.key] = self._add_group(section)
        self._visibility_keys = {path for s in screen_sections() for path in s.depends_on}
        self.body_layout.addStretch(1)

        bar = QHBoxLayout()
        self.status_label = QLabel()
        bar.addWidget(self.status_label, 1)
        self.save_button = QPushButton(self.tr("保存 (Ctrl+S)"))
        self.save_next_button = QPushButton(self.tr("保存并下一条 (Ctrl+Enter)"))
        self.undo_button = QPushButton(self.tr("撤销 (Ctrl+Z)"))
        self.undo_button.setToolTip(self.tr("撤销上一步修改；可连续撤销"))
        self.print_button = QPushButton(self.tr("打印采集表…"))
        self.close_button = QPushButton(self.tr("关闭"))
        for b in (self.undo_button, self.print_button, self.save_button, self.save_next_button, self.close_button):
            bar.addWidget(b)
        outer.addLayout(bar)
        self.print_button.clicked.connect(self.print_form)
        self.undo_button.clicked.connect(self.undo)
        self.save_button.clicked.connect(self.save)
        self.save_next_button.clicked.connect(self.save_and_next)
        self.close_button.clicked.connect(self.close)
        QShortcut(QKeySequence.Save, self, activated=self.save)
        QShortcut(QKeySequence.Undo, self, activated=self.undo)  # focus outside a field (buttons, photo)
        for seq in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(seq), self, activated=self.save_and_next)

        # Tab order = paper-form order (the order the widgets were created in).
        # A field's 确认无误 button (shown only beside a warning) comes right after the field.
        chain = [w for key, editor in self.widgets.items() for w in (editor, self.confirm_buttons[key])
                 if w.focusPolicy() != Qt.NoFocus]
        for a, b in pairwise(chain):
            QWidget.setTabOrder(a, b)

        self.widgets["name"].textEdited.connect(self._name_edited)
        self.widgets["name_pinyin"].textEdited.connect(self._pinyin_edited)
        self.widgets["id_number"].textEdited.connect(self._id_edited)
        self.widgets["class_code"].currentIndexChanged.connect(self._class_changed)

    def _add_group(self, section: Section) -> QGroupBox:
        box = QGroupBox(section.title)
        if section.when_text:
            box.setToolTip(section.when_text)
        grid = QGridLayout(box)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        for n, box_field in enumerate(section.fields):
            key, f = box_field.path, box_field.field
            row, col = divmod(n, 2)
            label = QLabel(box_field.screen_label)
            label.setToolTip(box_field.hint)
            editor = self._make_editor(key, f)
            label.setBuddy(editor)
            message = QLabel()
            message.setWordWrap(True)
            message.hide()
            confirm = QPushButton(self.tr("确认无误"))
            confirm.setToolTip(self.tr("核实过这一项确实如此：记录确认人和时间，此警告不再计入“有警告”"))
            confirm.hide()
            confirm.clicked.connect(lambda _=False, k=key: self.confirm_warnings(k))
            line = QHBoxLayout()
            line.addWidget(message, 1)
            line.addWidget(confirm, 0, Qt.AlignTop)
            cell = QVBoxLayout()
            cell.setSpacing(1)
            cell.addWidget(editor)
            cell.addLayout(line)
            self.confirm_buttons[key] = confirm
            grid.addWidget(label, row, col * 2, Qt.AlignTop)
            grid.addLayout(cell, row, col * 2 + 1)
            self.widgets[key] = editor
            self.messages[key] = message
        self.body_layout.addWidget(box)
        return box

    def update_sections(self) -> None:
        """Show the sections this record needs (特殊教育 only when 第 16 项 is 是; member 2 once member 1
        has a name); a hidden section keeps its values."""
        record = self.record()
        for section in screen_sections():
            self.section_boxes[section.key].setVisible(section.shown(record))

    def _make_editor(self, key: str, f: Field) -> QWidget:
        if key == "class_code":
            editor: QWidget = QComboBox()
            editor.addItem("", None)
            for c in self.classes.values():
                editor.addItem(f"{c.name}（{c.class_code}）", c.id)
        elif key == "grade":
            editor = QLineEdit()
            editor.setReadOnly(True)
            editor.setFocusPolicy(Qt.NoFocus)
            editor.setPlaceholderText(self.tr("由班级确定"))
        elif f.codes:
            editor = CodeComboBox(self.spec.codes[f.codes])
            editor.currentTextChanged.connect(lambda _t, k=key: self._changed(k))
        else:
            editor = QLineEdit()
            if f.max_len:
                editor.setMaxLength(f.max_len * 2)  # generous: the validator reports over-long text
            placeholder = {"date": "YYYY-MM-DD", "yearmonth": "YYYYMM", "region": self.tr("12 位区划代码")}
            editor.setPlaceholderText(placeholder.get(f.type, ""))
            editor.textChanged.connect(lambda _t, k=key: self._changed(k))
        editor.setToolTip(f.help)
        editor.setProperty("field_key", key)
        editor.installEventFilter(self._watcher)
        if isinstance(editor, QComboBox) and editor.lineEdit() is not None:
            editor.lineEdit().setProperty("field_key", key)
            editor.lineEdit().installEventFilter(self._watcher)
        return editor

    def _make_photo_panel(self) -> QWidget | None:
        """The photos helper's PhotoPanel when it is there; otherwise no panel."""
        try:
            from .photo_page import PhotoPanel  # type: ignore[attr-defined]
        except ImportError:
            return None
        try:
            panel = PhotoPanel(self.store, self)
        except Exception:  # a panel that cannot start must not cost the clerk the form
            return None
        panel.setMaximumWidth(320)
        return panel

    # ---- values ---------------------------------------------------------------------
    def _get(self, key: str) -> str:
        w = self.widgets[key]
        if isinstance(w, CodeComboBox):
            return w.code()
        if isinstance(w, QComboBox):
            return ""
        return w.text().strip()

    def _set(self, key: str, value: Any) -> None:
        w = self.widgets[key]
        value = "" if value is None else str(value)
        if isinstance(w, CodeComboBox):
            w.set_code(value)
        elif isinstance(w, QLineEdit):
            w.setText(value)

    def class_id(self) -> int | None:
        return self.widgets["class_code"].currentData()

    def record(self) -> dict[str, Any]:
        """The record as typed: loaded values (incl. keys the form does not show) overwritten by the form."""
        record = {k: v for k, v in self.loaded.items() if not k.startswith("_") and k != "members"}
        for key in self.widgets:
            if key.startswith("members.") or key in ("class_code", "grade"):
                continue
            record[key] = self._get(key)
        members = [dict(m) for m in self.loaded.get("members", [])]
        while len(members) < MEMBER_SLOTS:
            members.append({})
        for slot in range(MEMBER_SLOTS):
            for f in self.spec.member_fields:
                members[slot][f.key] = self._get(f"members.{slot}.{f.key}")
        record["members"] = [m for m in members if any(v not in (None, "") for v in m.values())]
        return record

    # ---- loading ----------------------------------------------------------------------
    def new_record(self, class_id: int | None = None) -> None:
        self._filling = True
        self.student_id, self.loaded = None, {}
        for key in self.widgets:
            if key != "class_code":
                self._set(key, "")
        # The usual values of a mainland pupil; the clerk changes them where they differ.
        for key, value in (("nationality", "CHN"), ("hmt", "00"), ("id_type", "1"),
                           ("members.0.id_type", "1")):  # member 2 stays empty unless filled in
            self._set(key, value)
        combo = self.widgets["class_code"]
        combo.setCurrentIndex(max(0, combo.findData(class_id)) if class_id is not None else combo.currentIndex())
        self._pinyin_auto = True
        self._filling = False
        self.confirmed = {}
        self._reset_state()
        self.header.setText(self.tr("新增学生"))
        self.enrolment_label.setText("")
        self.setWindowTitle(self.tr("新增学生"))
        if self.photo_panel is not None and hasattr(self.photo_panel, "set_student"):
            self.photo_panel.set_student(None)
        self._to_top()

    def _show_enrolment(self) -> None:
        """学籍号 (temporary or formal) and 学籍状态 of the loaded record."""
        number = self.loaded.get("_student_number", "")
        shown = self.tr("学籍号：%1（%2）").replace("%1", number or "—").replace("%2", student_number.kind_name(number))
        self.enrolment_label.setText(shown + "　" + enrolment_summary(self.store, self.student_id))

    def load(self, student_id: int) -> None:
        record = get_student(self.store, student_id)
        if record is None:
            raise XuejiError(f"学生不存在（编号 {student_id}）。")
        self._filling = True
        self.student_id, self.loaded = student_id, record
        for key in self.widgets:
            if key.startswith("members."):
                _, slot, field_key = key.split(".", 2)
                members = record.get("members", [])
                self._set(key, members[int(slot)].get(field_key, "") if int(slot) < len(members) else "")
            elif key not in ("class_code", "grade"):
                self._set(key, record.get(key, ""))
        combo = self.widgets["class_code"]
        combo.setCurrentIndex(max(0, combo.findData(record.get("_class_id"))))
        self._update_grade()
        self._pinyin_auto = not record.get("name_pinyin") or record.get("name_pinyin") == name_pinyin(
            record.get("name", ""))
        self._filling = False
        self._load_confirmations()
        self._reset_state()
        name = record.get("name") or self.tr("（无姓名）")
        self.header.setText(name)
        self._show_enrolment()
        self.setWindowTitle(self.tr("学生信息 - %1").replace("%1", name))
        if self.photo_panel is not None and hasattr(self.photo_panel, "set_student"):
            self.photo_panel.set_student(student_id)
        # Show the stored problems straight away: an existing record's errors are what the clerk came for.
        self.show_all = True
        self.revalidate()
        self._to_top()

    def _to_top(self) -> None:
        """A record opens at its first field (the last one may have been scrolled to the bottom)."""
        self.scroll.verticalScrollBar().setValue(0)
        self.widgets["name"].setFocus()

    def _load_confirmations(self) -> None:
        self.confirmed = {}
        if self.student_id is None:
            return
        for field, code, who, when in self.store.query(
                "SELECT field, code, confirmed_by, confirmed_at FROM warning_confirmations WHERE student_id = ?",
                (self.student_id,)):
            self.confirmed[(field, code)] = (who, local_time(when))

    def _reset_state(self) -> None:
        self.update_sections()
        self.dirty = False
        self.touched = set()
        self.show_all = False
        self._undo.clear()  # another record: the last one's edits are not undone here
        self._snapshot = self._values()
        self.undo_button.setEnabled(False)
        self.revalidate()

    # ---- live behaviour --------------------------------------------------------------
    def _changed(self, key: str | None = None) -> None:
        if self._filling:
            return
        self.dirty = True
        if key in self._visibility_keys:
            self.update_sections()
        if key in self.touched:  # a field already checked: its message follows the correction at once
            self.revalidate()

    def _name_edited(self, text: str) -> None:
        if self._pinyin_auto:
            self.widgets["name_pinyin"].setText(name_pinyin(text.strip()))

    def _pinyin_edited(self, _text: str) -> None:
        self._pinyin_auto = False

    def _id_edited(self, text: str) -> None:
        facts = facts_from_id(text) if self._get("id_type") in ("", "1") else None
        if facts:
            birth, gender = facts
            self._set("birth_date", birth)
            self._set("gender", gender)
            self.touched |= {"id_number", "birth_date", "gender"}
            self.revalidate()
        elif len(text.strip()) >= 18:
            self.touched.add("id_number")
            self.revalidate()

    def _class_changed(self, _index: int) -> None:
        self._update_grade()
        self._changed("class_code")

    def _update_grade(self) -> None:
        cls = self.classes.get(self.class_id())
        code = grade_code(cls.stage, cls.entry_year) if cls else None
        self.widgets["grade"].setText(self.spec.codes["grade"].by_code.get(code, "") if code else "")

    def _field_left(self, key: str) -> None:
        self.touched.add(key)
        self._remember_edit()
        self.revalidate()

    # ---- undo ---------------------------------------------------------------------------
    def _values(self) -> dict[str, str]:
        values = {key: self._get(key) for key in self.widgets if key not in ("class_code", "grade")}
        values["class_code"] = str(self.class_id() or "")
        return values

    def _typing_pending(self) -> bool:
        """The focused field was typed in since the last edit was recorded (its own undo comes first)."""
        focus = QApplication.focusWidget()
        editor = focus if isinstance(focus, QLineEdit) else None
        return bool(editor is not None and editor.isUndoAvailable() and self._values() != self._snapshot)

    def _remember_edit(self) -> None:
        """One edit = what changed since the last one (an ID number with the birth date and gender it filled
        counts as one edit)."""
        values = self._values()
        if values != self._snapshot:
            self._undo.append(self._snapshot)
            self._snapshot = values
            self.undo_button.setEnabled(True)

    def undo(self) -> bool:
        """Put back the values from before the last edit (Ctrl+Z, or the 撤销 button); repeatable."""
        self._remember_edit()  # a field still being typed in counts as the last edit
        if not self._undo:
            self.status_label.setText(self.tr("没有可撤销的修改"))
            return False
        before = self._undo.pop()
        changed = [k for k, v in before.items() if self._snapshot.get(k) != v]
        self._filling = True
        for key in changed:
            if key == "class_code":
                combo = self.widgets["class_code"]
                combo.setCurrentIndex(max(0, combo.findData(int(before[key])) if before[key] else 0))
                self._update_grade()
            else:
                self._set(key, before[key])
        self._filling = False
        self._snapshot = before
        self.dirty = True
        self.touched |= set(changed)
        self.undo_button.setEnabled(bool(self._undo))
        self.update_sections()
        self.revalidate()
        if changed:
            self.widgets[changed[0]].setFocus()
            labels = [self.label_of(k) for k in changed[:3]]
            self.status_label.setText(self.tr("已撤销：%1").replace("%1", "、".join(labels)))
        return True

    def label_of(self, key: str) -> str:
        if key.startswith("members."):
            _, slot, field_key = key.split(".", 2)
            return self.tr("家庭成员%1 ").replace("%1", str(int(slot) + 1)) + self.spec.field(field_key, "member").label
        return self.spec.field(key).label

    def revalidate(self) -> list[Issue]:
        """Check the record as typed; show each problem under its field once the field was left (or all of
        them for a stored record and after 保存). A new blank form shows nothing until then."""
        cls = self.classes.get(self.class_id())
        self.issues = validate_student(with_class(self.record(), cls), context_for(cls))
        by_field: dict[str, list[Issue]] = {}
        for issue in self.issues:
            by_field.setdefault(issue.field, []).append(issue)
        for key, label in self.messages.items():
            found = by_field.get(key, []) if self.show_all or key in self.touched else []
            self._show_messages(key, label, found)
        shown = [i for i in self.issues if self.show_all or i.field in self.touched]
        errors = sum(i.severity == "error" for i in shown)
        warnings = sum(i.severity != "error" and (i.field, i.code) not in self.confirmed for i in shown)
        if errors or warnings:
            text = self.tr("%1 处错误，%2 处警告").replace("%1", str(errors)).replace("%2", str(warnings))
        elif self.show_all or self.touched:
            text = self.tr("没有发现问题")
        else:
            text = self.tr("填写后按 Tab 离开一项时检查该项；保存时检查全部")
        self.status_label.setText(text)
        return self.issues

    def _show_messages(self, key: str, label: QLabel, found: list[Issue]) -> None:
        confirm = self.confirm_buttons[key]
        if not found:
            if label.isVisible() or label.text():
                label.clear()
                label.hide()
                self.widgets[key].setStyleSheet("")
            confirm.hide()
            return
        lines, open_warnings = [], False
        for issue in sorted(found, key=lambda i: i.severity != "error"):
            done = self.confirmed.get((issue.field, issue.code)) if issue.severity != "error" else None
            if done:
                lines.append(self.tr("%1（已确认：%2，%3）").replace("%1", issue.message)
                             .replace("%2", done[0]).replace("%3", done[1]))
            else:
                lines.append(issue.message)
                open_warnings |= issue.severity != "error"
        has_error = any(i.severity == "error" for i in found)
        label.setText("；".join(lines))
        label.setStyleSheet(ERROR_STYLE if has_error else WARNING_STYLE if open_warnings else CONFIRMED_STYLE)
        label.show()
        self.widgets[key].setStyleSheet("border: 1px solid #c0392b" if has_error else "")
        confirm.setVisible(open_warnings and not has_error)

    def confirm_warnings(self, key: str) -> bool:
        """确认无误: record that this user checked the field's warnings (who and when go to the audit log).
        Unsaved edits are saved first: a confirmation is about the stored value."""
        if (self.dirty or self.student_id is None) and not self.save():
            return False
        codes = [i.code for i in self.issues
                 if i.field == key and i.severity == "warning" and (key, i.code) not in self.confirmed]
        if not codes:
            return False
        try:
            with self.store.transaction() as tx:
                for code in codes:
                    confirm_warning(tx, self.student_id, key, code)
        except XuejiError as exc:
            QMessageBox.warning(self, self.tr("无法确认"), str(exc))
            return False
        self._load_confirmations()
        self.revalidate()
        self.saved.emit(self.student_id)  # the list shows the new status
        return True

    # ---- saving -----------------------------------------------------------------------
    def print_form(self):
        """Preview (then print or save) this student's collection form for the parent's signature.
        Unsaved edits are saved first so the paper shows what is in the record."""
        if self.dirty and not self.save():
            return None
        if self.student_id is None:
            QMessageBox.information(self, self.tr("打印采集表"), self.tr("请先保存学生信息。"))
            return None
        from .print_page import preview_student_form

        self.preview = preview_student_form(self, self.store, self.student_id)
        return self.preview

    def is_blank(self) -> bool:
        """A new record with nothing typed (the preset usual values do not count)."""
        if self.student_id is not None:
            return False
        presets = {"nationality": "CHN", "hmt": "00", "id_type": "1", "members.0.id_type": "1"}
        return all(self._get(key) in ("", presets.get(key, "")) for key in self.widgets
                   if key not in ("class_code", "grade"))

    def save(self) -> bool:
        if self.is_blank():
            self.status_label.setText(self.tr("空白记录，没有保存：请先填写学生信息"))
            return False
        self._remember_edit()  # the field being typed in when 保存 was pressed: one more edit to undo
        record = self.record()
        locked = locked_changes(self.store, self.student_id, self.loaded, record) if self.student_id else {}
        if locked:
            # Key fields of a county-accepted record change only by request: save the other edits now,
            # and file the new key values as a request (with evidence) so nothing typed is lost.
            if not self.request_key_change(locked):
                return False
            record = {**record, **{f: self.loaded.get(f, "") for f in locked}}
        filed_request = bool(locked)
        try:
            with self.store.transaction() as tx:
                if self.student_id is None:
                    self.student_id = add_student(tx, record, self.class_id())
                else:
                    update_student(tx, self.student_id, record, class_id=self.class_id())
        except XuejiError as exc:
            QMessageBox.warning(self, self.tr("无法保存"), str(exc))
            return False
        self.loaded = get_student(self.store, self.student_id) or {}
        self.dirty = False
        self.show_all = True
        self._load_confirmations()  # an edited field drops its confirmation (validation.confirm)
        issues = self.revalidate()
        errors = sum(i.severity == "error" for i in issues)
        state = self.tr("已保存，状态：待修正（%1 处错误）").replace("%1", str(errors)) if errors else \
            self.tr("已保存")
        self.status_label.setText(state)
        self.header.setText(self.loaded.get("name") or self.tr("（无姓名）"))
        self._show_enrolment()
        if self.photo_panel is not None and hasattr(self.photo_panel, "set_student"):
            self.photo_panel.set_student(self.student_id)  # a new record can take its photo now
        if filed_request:  # show what is stored; the new key values wait in the request
            self.load(self.student_id)
            self.status_label.setText(self.tr("已保存；关键字段变更已提交申请，待审核"))
        self.saved.emit(self.student_id)
        return True

    def request_key_change(self, fields: dict[str, Any]) -> bool:
        """Ask for reason and evidence and file a 关键字段变更 request; False if the user cancels."""
        from .key_change_dialog import KeyChangeDialog

        dialog = KeyChangeDialog(self.store, self.student_id, fields, self)
        self.key_change_dialog = dialog
        return dialog.exec() == dialog.DialogCode.Accepted

    def save_and_next(self) -> None:
        class_id = self.class_id()
        current = self.student_id
        if not self.save():
            return
        following = self.next_id(current) if self.next_id and current is not None else None
        if following is not None:
            self.load(following)
        else:
            self.new_record(class_id)
        self.status_label.setText(self.tr("上一条已保存"))

    def closeEvent(self, event) -> None:
        # A new form with nothing typed closes without a question: a blank record is never saved.
        if self.dirty and not self.is_blank():
            answer = QMessageBox.question(
                self, self.tr("未保存的修改"), self.tr("这条学籍有未保存的修改。保存吗？"),
                QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel, QMessageBox.Save)
            if answer == QMessageBox.Cancel or (answer == QMessageBox.Save and not self.save()):
                event.ignore()
                return
        super().closeEvent(event)
