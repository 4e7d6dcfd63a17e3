"""班主任核对 and 数据导出申请 pages. Every rule is in the core (access.py, records/verification.py,
records/proposals.py, export_requests.py); these pages collect input and show results.

- :class:`CheckPage`: per class, how many records are 已核对; the chosen class's students with their mark;
  a teacher marks records checked and proposes edits, the clerk accepts or rejects proposals.
- :class:`ExportRequestsPage`: requests from using units, approval by a leader, export by request.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..access import is_class_scoped
from ..export_requests import STATE_NAMES as REQUEST_STATES
from ..export_requests import add_request, approve, export_by_request, exportable_fields, list_requests, revoke
from ..masking import mask_id
from ..records import proposals, verification
from ..records.students import STATUS_NAMES
from ..storage import Store
from .jobs import Job, on_worker, run_job
from .simple_table import fill_table, run_action, simple_table


class CheckPage(QWidget):
    """核对: the class teacher's page (own classes only), and the clerk's overview of every class."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.teacher = is_class_scoped(store.user.roles)
        layout = QVBoxLayout(self)
        intro = QLabel(self.tr("班主任把每名学生的记录与家长签字的纸质采集表逐项核对：一致的标记“已核对”；"
                               "不一致的提出修改建议，由学籍管理员采纳后生效。记录修改后需重新核对。"))
        intro.setWordWrap(True)
        layout.addWidget(intro)

        self.progress_table = simple_table([self.tr("班号"), self.tr("班级"), self.tr("班主任"), self.tr("人数"),
                                            self.tr("已核对"), self.tr("进度")])
        self.progress_table.setMaximumHeight(180)
        layout.addWidget(self.progress_table)

        self.students = simple_table([self.tr("姓名"), self.tr("性别"), self.tr("出生日期"), self.tr("身份证件号"),
                                      self.tr("信息状态"), self.tr("核对")])
        self.students.setSelectionMode(self.students.SelectionMode.ExtendedSelection)
        layout.addWidget(self.students, 2)
        buttons = QHBoxLayout()
        self.mark_button = QPushButton(self.tr("标记已核对(&K)"))
        self.unmark_button = QPushButton(self.tr("取消核对标记"))
        self.propose_button = QPushButton(self.tr("提出修改建议(&P)…"))
        for b in (self.mark_button, self.unmark_button, self.propose_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        if self.teacher:
            self.password_button = QPushButton(self.tr("修改我的密码…"))
            buttons.addWidget(self.password_button)
            self.password_button.clicked.connect(self._change_password)
        layout.addLayout(buttons)

        box = QGroupBox(self.tr("修改建议"))
        box_layout = QVBoxLayout(box)
        self.proposals = simple_table([self.tr("编号"), self.tr("状态"), self.tr("班号"), self.tr("学生"),
                                       self.tr("修改内容"), self.tr("提出人"), self.tr("处理意见")])
        box_layout.addWidget(self.proposals)
        decide = QHBoxLayout()
        self.accept_button = QPushButton(self.tr("采纳(&A)"))
        self.reject_button = QPushButton(self.tr("不采纳(&R)…"))
        decide.addWidget(self.accept_button)
        decide.addWidget(self.reject_button)
        decide.addStretch(1)
        box_layout.addLayout(decide)
        for b in (self.accept_button, self.reject_button):
            b.setVisible(store.user.has("clerk"))
        layout.addWidget(box, 1)

        self.progress_table.itemSelectionChanged.connect(self._load_students)
        self.mark_button.clicked.connect(lambda: self._mark(True))
        self.unmark_button.clicked.connect(lambda: self._mark(False))
        self.propose_button.clicked.connect(self._propose)
        self.accept_button.clicked.connect(self._accept)
        self.reject_button.clicked.connect(self._reject)
        self.refresh()

    # ---- reading ---------------------------------------------------------------------
    def refresh(self) -> None:
        current = self.current_class()
        rows = verification.class_progress(self.store)
        fill_table(self.progress_table, [[r.class_code, r.class_name, r.head_teacher, r.students, r.checked,
                                          f"{r.percent}%"] for r in rows], [r.class_code for r in rows])
        codes = [r.class_code for r in rows]
        self.progress_table.selectRow(codes.index(current) if current in codes else 0)
        self._load_students()
        self._load_proposals()

    def students_changed(self) -> None:  # the main window calls this after a save or an import
        self.refresh()

    def current_class(self) -> str | None:
        row = self.progress_table.currentRow()
        item = self.progress_table.item(row, 0) if row >= 0 else None
        return item.data(Qt.UserRole) if item else None

    def _load_students(self) -> None:
        code = self.current_class()
        rows = self.store.query(
            "SELECT s.id, s.name, s.gender, s.birth_date, s.id_number, s.status FROM students s"
            " JOIN classes c ON c.id = s.class_id WHERE c.class_code = ? ORDER BY s.id", (code,)) if code else []
        checked = verification.checked_ids(self.store.conn)
        marks = {r[0]: r[1:] for r in self.store.query(
            "SELECT student_id, checked_by, checked_at FROM student_checks")}
        table = []
        for sid, name, gender, birth, number, status in rows:
            mark = (f"已核对（{marks[sid][0]} {marks[sid][1][:10]}）" if sid in checked else
                    ("记录已修改，需重新核对" if sid in marks else "未核对"))
            table.append([name, {"1": "男", "2": "女"}.get(gender, ""), birth, mask_id(number) if self.teacher
                          else number, STATUS_NAMES.get(status, status), mark])
        fill_table(self.students, table, [r[0] for r in rows])

    def _load_proposals(self) -> None:
        labels = {path: label for path, (_f, label) in proposals.field_paths().items()}
        rows = proposals.list_proposals(self.store)
        fill_table(self.proposals, [[p.id, proposals.STATE_NAMES[p.state], p.class_code, p.student_name,
                                     "；".join(f"{labels.get(k, k)}：{o or '（空）'} → {n or '（空）'}"
                                              for k, (o, n) in p.changes.items()),
                                     p.proposed_by, p.decision_note] for p in rows], [p.id for p in rows])

    def selected_students(self) -> list[int]:
        rows = sorted({i.row() for i in self.students.selectedIndexes()})
        return [self.students.item(r, 0).data(Qt.UserRole) for r in rows]

    def _selected_proposal(self) -> int | None:
        row = self.proposals.currentRow()
        item = self.proposals.item(row, 0) if row >= 0 else None
        return item.data(Qt.UserRole) if item else None

    # ---- actions -------------------------------------------------------------------
    def _run(self, title: str, action) -> bool:
        return run_action(self, title, action, self.refresh)

    def _mark(self, checked: bool) -> None:
        ids = self.selected_students()
        if not ids:
            QMessageBox.information(self, self.tr("核对"),
                                    self.tr("请先在列表中选择学生（可按住 Ctrl 或 Shift 多选）。"))
            return
        self._run(self.tr("核对"), lambda: verification.mark_checked(self.store, ids, checked))

    def _propose(self) -> None:
        ids = self.selected_students()
        if len(ids) != 1:
            QMessageBox.information(self, self.tr("修改建议"), self.tr("请选择一名学生。"))
            return
        dialog = ProposalDialog(self)
        if dialog.exec() == QDialog.Accepted:
            self._run(self.tr("修改建议"), lambda: proposals.propose(
                self.store, ids[0], proposals.parse_assignments([dialog.assignment()]), dialog.note.text()))

    def _accept(self) -> None:
        number = self._selected_proposal()
        if number is not None:
            self._run(self.tr("采纳修改建议"), lambda: proposals.accept(self.store, number))

    def _reject(self) -> None:
        number = self._selected_proposal()
        if number is None:
            return
        reason, ok = QInputDialog.getText(self, self.tr("不采纳"), self.tr("不采纳的理由（班主任会看到）："))
        if ok:
            self._run(self.tr("不采纳修改建议"), lambda: proposals.reject(self.store, number, reason))

    def _change_password(self) -> None:
        from .users_page import change_own_password

        change_own_password(self, self.store, self.refresh)


class ProposalDialog(QDialog):
    """One field and its correct value, as on the paper form."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("提出修改建议"))
        form = QFormLayout(self)
        self.field = QComboBox()
        for path, (_f, label) in proposals.field_paths().items():
            self.field.addItem(label, path)
        self.value = QLineEdit()
        self.value.setPlaceholderText(self.tr("纸质表上的正确值，如 汉族、2015-03-07"))
        self.note = QLineEdit()
        self.note.setPlaceholderText(self.tr("说明（可不填），如 以家长签字的纸质表为准"))
        form.addRow(self.tr("项目"), self.field)
        form.addRow(self.tr("正确的值"), self.value)
        form.addRow(self.tr("说明"), self.note)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def assignment(self) -> str:
        return f"{self.field.currentData()}={self.value.text().strip()}"


class ExportRequestsPage(QWidget):
    """数据导出申请: 依申请导出、按需最少字段 (seed 001, 数据导出使用管理规则 第九、十条)."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.last_job: Job | None = None
        layout = QVBoxLayout(self)
        intro = QLabel(self.tr("学生数据交给校外单位（卫生、资助、保险等）时，须由学籍管理员登记导出申请"
                               "（单位、用途、字段、范围、有效期、数据安全负责人），经主管领导批准后，"
                               "只导出申请的字段和学生。本校学籍工作用的导出在“导入导出”页，隐去证件号的导出无需申请。"))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.table = simple_table([self.tr("编号"), self.tr("状态"), self.tr("使用单位"), self.tr("用途"),
                                   self.tr("字段"), self.tr("范围"), self.tr("有效期至"), self.tr("负责人"),
                                   self.tr("登记 / 批准")])
        layout.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.add_button = QPushButton(self.tr("登记申请(&N)…"))
        self.approve_button = QPushButton(self.tr("批准(&A)"))
        self.revoke_button = QPushButton(self.tr("撤销"))
        self.export_button = QPushButton(self.tr("按申请导出(&E)…"))
        for b in (self.add_button, self.approve_button, self.revoke_button, self.export_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.add_button.setEnabled(store.user.has("clerk"))
        self.export_button.setEnabled(store.user.has("clerk"))
        self.approve_button.setEnabled(store.user.has("leader"))
        self.add_button.clicked.connect(self.add)
        self.approve_button.clicked.connect(lambda: self._decide(approve, self.tr("批准导出申请")))
        self.revoke_button.clicked.connect(lambda: self._decide(revoke, self.tr("撤销导出申请")))
        self.export_button.clicked.connect(lambda: self.export())
        self.refresh()

    def refresh(self) -> None:
        labels = exportable_fields()
        rows = list_requests(self.store)
        fill_table(self.table, [[r.id, REQUEST_STATES[r.state] + ("（已过期）" if r.expired() and r.state != "revoked"
                                                               else ""),
                                 r.unit, r.purpose, "、".join(labels.get(f, f) for f in r.fields),
                                 "、".join(r.classes) or self.tr("全校"), r.valid_until, r.responsible,
                                 f"{r.created_by} / {r.approved_by or '—'}"] for r in rows], [r.id for r in rows])

    def selected(self) -> int | None:
        row = self.table.currentRow()
        item = self.table.item(row, 0) if row >= 0 else None
        return item.data(Qt.UserRole) if item else None

    def _run(self, title: str, action) -> bool:
        return run_action(self, title, action, self.refresh)

    def add(self) -> None:
        dialog = ExportRequestDialog(self)
        if dialog.exec() == QDialog.Accepted:
            self._run(self.tr("登记导出申请"), lambda: add_request(self.store, **dialog.values()))

    def _decide(self, action, title: str) -> None:
        number = self.selected()
        if number is not None:
            self._run(title, lambda: action(self.store, number))

    def export(self, path: str | Path | None = None) -> Job | None:
        number = self.selected()
        if number is None:
            QMessageBox.information(self, self.tr("按申请导出"), self.tr("请先选择一条已批准的导出申请。"))
            return None
        if path is None:
            chosen, _ = QFileDialog.getSaveFileName(self, self.tr("按申请导出"),
                                                    str(Path.home() / f"导出申请{number}.xlsx"), "Excel (*.xlsx)")
            if not chosen:
                return None
            path = chosen if chosen.lower().endswith(".xlsx") else chosen + ".xlsx"
        self.last_job = run_job(self, self.tr("按申请导出"), on_worker(self.store, export_by_request), number,
                                Path(path), on_done=lambda count: self._exported(count, path))
        return self.last_job

    def _exported(self, count: int, path) -> None:
        self.refresh()
        QMessageBox.information(self, self.tr("按申请导出"),
                                self.tr("已导出 %1 名学生：%2").replace("%1", str(count)).replace("%2", str(path)))


class ExportRequestDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("登记导出申请"))
        form = QFormLayout(self)
        self.unit, self.purpose, self.responsible, self.classes = QLineEdit(), QLineEdit(), QLineEdit(), QLineEdit()
        self.unit.setPlaceholderText(self.tr("如 区卫生健康局"))
        self.purpose.setPlaceholderText(self.tr("如 学生健康体检"))
        self.classes.setPlaceholderText(self.tr("班号，逗号分隔；不填为全校"))
        self.until = QDateEdit(QDate.fromString((date.today() + timedelta(days=30)).isoformat(), Qt.ISODate))
        self.until.setCalendarPopup(True)
        self.until.setDisplayFormat("yyyy-MM-dd")
        self.fields = QListWidget()
        for path, label in exportable_fields().items():
            item = QListWidgetItem(label)
            item.setData(Qt.UserRole, path)
            item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
            item.setCheckState(Qt.Unchecked)
            self.fields.addItem(item)
        form.addRow(self.tr("数据使用单位"), self.unit)
        form.addRow(self.tr("用途"), self.purpose)
        form.addRow(self.tr("字段（只勾选用途需要的）"), self.fields)
        form.addRow(self.tr("班级"), self.classes)
        form.addRow(self.tr("有效期至"), self.until)
        form.addRow(self.tr("数据安全负责人"), self.responsible)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def checked_fields(self) -> list[str]:
        items = (self.fields.item(i) for i in range(self.fields.count()))
        return [it.data(Qt.UserRole) for it in items if it.checkState() == Qt.Checked]

    def values(self) -> dict:
        return {"unit": self.unit.text(), "purpose": self.purpose.text(), "fields": self.checked_fields(),
                "until": self.until.date().toString(Qt.ISODate), "responsible": self.responsible.text(),
                "classes": self.classes.text()}
