"""用户与日志: users (系统管理员 only), own password, and the audit log as a lazy model over SQL."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..audit_view import LogReader
from ..storage import Store
from ..storage.store import ROLE_NAMES
from .simple_table import run_action

AUDIT_PAGE = 200
DISPLAY = int(Qt.DisplayRole.value)
TOOLTIP = int(Qt.ToolTipRole.value)


class AuditLogModel(QAbstractTableModel):
    """Newest first, one row per thing a user did (a batch is one row: ``audit_view``); only the group keys
    are held, and rows are described when shown."""

    HEADERS = ("时间", "用户", "操作", "对象", "内容")

    def __init__(self, conn, parent=None) -> None:
        super().__init__(parent)
        self.reader = LogReader(conn)
        self._keys: list[tuple] = []
        self._shown: dict[int, tuple[str, ...]] = {}
        self.set_filter()

    def set_filter(self, user: str = "", action: str = "", text: str = "", since: str = "") -> None:
        self.beginResetModel()
        self._keys = self.reader.group_keys(user=user, action=action, text=text, since=since)
        self._shown.clear()
        self.endResetModel()

    def row_texts(self, row: int) -> tuple[str, ...]:
        if row not in self._shown:
            key = self._keys[row]
            entry = self.reader.entry(key)
            self._shown[row] = (entry.when, entry.username, entry.action,
                                " ".join(t for t in (entry.what, self.reader.subject(entry, key[5])) if t),
                                self.reader.details(entry, key[5]))
        return self._shown[row]

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self._keys)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section, orientation, role=DISPLAY):
        if role != DISPLAY:
            return None
        return self.HEADERS[section] if orientation == Qt.Horizontal else None

    def data(self, index, role=DISPLAY):
        if not index.isValid() or (role != DISPLAY and role != TOOLTIP):
            return None
        return self.row_texts(index.row())[index.column()]


class UsersLogPage(QWidget):
    def __init__(self, store: Store, parent=None) -> None:
        super().__init__(parent)
        self.store = store
        layout = QVBoxLayout(self)
        users_box = QGroupBox(self.tr("用户"))
        users_layout = QVBoxLayout(users_box)
        self.users_table = QTableWidget(0, 3)
        self.users_table.setHorizontalHeaderLabels([self.tr("用户名"), self.tr("姓名"), self.tr("角色")])
        self.users_table.horizontalHeader().setStretchLastSection(True)
        self.users_table.setEditTriggers(QTableWidget.NoEditTriggers)
        self.users_table.setSelectionBehavior(QTableWidget.SelectRows)
        self.users_table.setMaximumHeight(170)
        self.users_table.setColumnWidth(1, 180)
        users_layout.addWidget(self.users_table)
        buttons = QHBoxLayout()
        self.add_user_button = QPushButton(self.tr("添加用户…"))
        self.remove_user_button = QPushButton(self.tr("删除所选用户"))
        self.reset_button = QPushButton(self.tr("重置所选用户密码…"))
        self.own_password_button = QPushButton(self.tr("修改我的密码…"))
        for b in (self.add_user_button, self.remove_user_button, self.reset_button, self.own_password_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        users_layout.addLayout(buttons)
        is_admin = store.user.has("sysadmin")
        for b in (self.add_user_button, self.remove_user_button, self.reset_button):
            b.setEnabled(is_admin)
            if not is_admin:
                b.setToolTip(self.tr("只有系统管理员可以管理用户"))
        self.add_user_button.clicked.connect(self.add_user)
        self.remove_user_button.clicked.connect(self.remove_user)
        self.reset_button.clicked.connect(self.reset_password)
        self.own_password_button.clicked.connect(self.change_own_password)
        layout.addWidget(users_box)

        log_box = QGroupBox(self.tr("操作日志"))
        log_layout = QVBoxLayout(log_box)
        filters = QHBoxLayout()
        self.user_filter = QComboBox()
        self.action_filter = QComboBox()
        self.text_filter = QLineEdit()
        self.text_filter.setPlaceholderText(self.tr("学生姓名、记录编号或修改内容中的文字"))
        self.since_filter = QLineEdit()
        self.since_filter.setPlaceholderText(self.tr("起始日期 YYYY-MM-DD"))
        self.since_filter.setMaximumWidth(150)
        for label, w in ((self.tr("用户"), self.user_filter), (self.tr("操作"), self.action_filter),
                         (None, self.text_filter), (self.tr("自"), self.since_filter)):
            if label:
                filters.addWidget(QLabel(label))
            filters.addWidget(w, 1 if w is self.text_filter else 0)
        log_layout.addLayout(filters)
        self.log_model = AuditLogModel(store.conn, self)
        self.log_view = QTableView()
        self.log_view.setModel(self.log_model)
        self.log_view.verticalHeader().setDefaultSectionSize(22)
        self.log_view.horizontalHeader().setStretchLastSection(True)
        for col, width in enumerate((130, 80, 110, 220)):
            self.log_view.setColumnWidth(col, width)
        log_layout.addWidget(self.log_view)
        self.log_count = QLabel()
        log_layout.addWidget(self.log_count)
        layout.addWidget(log_box, 1)
        for signal in (self.user_filter.currentIndexChanged, self.action_filter.currentIndexChanged):
            signal.connect(self.apply_log_filter)
        self.text_filter.returnPressed.connect(self.apply_log_filter)
        self.since_filter.returnPressed.connect(self.apply_log_filter)
        self.text_filter.textChanged.connect(self.apply_log_filter)
        self.load()

    def load(self) -> None:
        users = self.store.list_users()
        self.users_table.setRowCount(len(users))
        for r, u in enumerate(users):
            roles = u.role_names + (f"（{'、'.join(u.classes)}）" if u.classes else "")
            for c, value in enumerate((u.username, u.display_name, roles)):
                self.users_table.setItem(r, c, QTableWidgetItem(value))
        for box, column in ((self.user_filter, "username"), (self.action_filter, "action")):
            current = box.currentData()
            box.blockSignals(True)
            box.clear()
            box.addItem(self.tr("全部"), "")
            for (value,) in self.store.query(f"SELECT DISTINCT {column} FROM audit_log ORDER BY 1"):
                box.addItem(value, value)
            box.setCurrentIndex(max(0, box.findData(current)))
            box.blockSignals(False)
        self.apply_log_filter()

    def apply_log_filter(self) -> None:
        self.log_model.set_filter(self.user_filter.currentData() or "", self.action_filter.currentData() or "",
                                  self.text_filter.text().strip(), self.since_filter.text().strip())
        self.log_count.setText(self.tr("共 %1 条").replace("%1", str(self.log_model.rowCount())))

    def _selected_user(self) -> str | None:
        row = self.users_table.currentRow()
        return self.users_table.item(row, 0).text() if row >= 0 else None

    def _run(self, title: str, action) -> bool:
        return run_action(self, title, action, self.load)

    def add_user(self) -> None:
        dialog = UserDialog(self)
        if dialog.exec() == QDialog.Accepted:
            self._run(self.tr("添加用户"), lambda: self.store.add_user(
                dialog.username.text().strip(), dialog.password.text(), dialog.roles(), dialog.display_name.text(),
                classes=dialog.classes.text() if "teacher" in dialog.roles() else ""))

    def remove_user(self) -> None:
        name = self._selected_user()
        if name and QMessageBox.question(self, self.tr("删除用户"), self.tr("删除用户 %1？").replace("%1", name)) \
                == QMessageBox.Yes:
            self._run(self.tr("删除用户"), lambda: self.store.remove_user(name))

    def reset_password(self) -> None:
        name = self._selected_user()
        if not name:
            return
        dialog = PasswordDialog(self, ask_old=False)
        if dialog.exec() == QDialog.Accepted:
            self._run(self.tr("重置密码"), lambda: self.store.change_password(name, dialog.new.text()))

    def change_own_password(self) -> None:
        change_own_password(self, self.store, self.load)


def change_own_password(parent: QWidget, store: Store, then) -> None:
    """The signed-in user's own password (old one asked), for every role's page."""
    dialog = PasswordDialog(parent, ask_old=True)
    if dialog.exec() == QDialog.Accepted and run_action(parent, parent.tr("修改密码"), lambda: store.change_password(
            store.user.username, dialog.new.text(), dialog.old.text()), then):
        QMessageBox.information(parent, parent.tr("修改密码"), parent.tr("密码已修改。"))


class UserDialog(QDialog):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("添加用户"))
        form = QFormLayout(self)
        self.username, self.display_name, self.password = QLineEdit(), QLineEdit(), QLineEdit()
        self.password.setEchoMode(QLineEdit.Password)
        form.addRow(self.tr("用户名"), self.username)
        form.addRow(self.tr("姓名"), self.display_name)
        form.addRow(self.tr("初始密码"), self.password)
        self.role_boxes = {role: QCheckBox(name) for role, name in ROLE_NAMES.items()}
        self.role_boxes["clerk"].setChecked(True)
        roles = QHBoxLayout()
        for box in self.role_boxes.values():
            roles.addWidget(box)
        form.addRow(self.tr("角色"), roles)
        self.classes = QLineEdit()
        self.classes.setPlaceholderText(self.tr("班主任负责的班号，如 2025101,2025102"))
        self.classes.setEnabled(False)
        self.role_boxes["teacher"].toggled.connect(self.classes.setEnabled)
        form.addRow(self.tr("负责班级"), self.classes)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def roles(self) -> set[str]:
        return {role for role, box in self.role_boxes.items() if box.isChecked()}


class PasswordDialog(QDialog):
    def __init__(self, parent=None, *, ask_old: bool) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("修改密码"))
        form = QFormLayout(self)
        self.old, self.new, self.again = QLineEdit(), QLineEdit(), QLineEdit()
        for edit in (self.old, self.new, self.again):
            edit.setEchoMode(QLineEdit.Password)
        if ask_old:
            form.addRow(self.tr("原密码"), self.old)
        form.addRow(self.tr("新密码"), self.new)
        form.addRow(self.tr("再次输入"), self.again)
        self.error = QLabel()
        self.error.setStyleSheet("color: #c0392b")
        form.addRow(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _check(self) -> None:
        if self.new.text() != self.again.text():
            self.error.setText(self.tr("两次输入的新密码不一致。"))
            return
        self.accept()
