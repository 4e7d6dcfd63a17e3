"""Login and first-run dialogs."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
)

from ..errors import XuejiError
from ..storage import Store


class LoginDialog(QDialog):
    """Asks for user name and password; ``self.store`` is the opened store on accept."""

    def __init__(self, path: Path, username: str = "admin", parent=None) -> None:
        super().__init__(parent)
        self.path = Path(path)
        self.store: Store | None = None
        self.setWindowTitle(self.tr("登录 - 学籍信息采集"))
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("数据文件：%1").replace("%1", str(self.path))))
        form = QFormLayout()
        self.user_edit = QLineEdit(username)
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.Password)
        form.addRow(self.tr("用户名"), self.user_edit)
        form.addRow(self.tr("密码"), self.password_edit)
        layout.addLayout(form)
        self.error_label = QLabel()
        self.error_label.setStyleSheet("color: #c0392b")
        layout.addWidget(self.error_label)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Ok).setText(self.tr("登录"))
        buttons.button(QDialogButtonBox.Cancel).setText(self.tr("取消"))
        buttons.accepted.connect(self.try_login)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.password_edit.setFocus()

    def try_login(self) -> None:
        try:
            self.store = Store.open(self.path, self.user_edit.text().strip(), self.password_edit.text())
        except XuejiError as exc:
            self.error_label.setText(str(exc))
            self.password_edit.selectAll()
            self.password_edit.setFocus()
            return
        self.accept()


class FirstRunDialog(QDialog):
    """No data yet: open the demo school, open an existing file, or create a new school."""

    DEMO, OPEN, CREATE, INIT_PACKAGE = range(4)

    def __init__(self, default_path: Path, parent=None) -> None:
        super().__init__(parent)
        self.default_path = Path(default_path)
        self.choice: int | None = None
        self.chosen_path: Path | None = None
        self.setWindowTitle(self.tr("欢迎使用学籍信息采集"))
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("还没有数据文件。请选择：")))
        for text, choice in ((self.tr("用县级下发的初始化包新建学校…"), self.INIT_PACKAGE),
                             (self.tr("打开演示学校（合成数据，可随意练习）"), self.DEMO),
                             (self.tr("打开已有的数据文件…"), self.OPEN),
                             (self.tr("手工新建学校…"), self.CREATE)):
            button = QPushButton(text)
            button.clicked.connect(lambda _=False, c=choice: self._choose(c))
            layout.addWidget(button)

    def _choose(self, choice: int) -> None:
        self.choice = choice
        if choice == self.OPEN:
            name, _ = QFileDialog.getOpenFileName(self, self.tr("打开数据文件"), str(self.default_path.parent),
                                                  self.tr("学籍数据文件 (*.xjdb)"))
            if not name:
                return
            self.chosen_path = Path(name)
        elif choice in (self.CREATE, self.INIT_PACKAGE):
            package = None
            if choice == self.INIT_PACKAGE:
                name, _ = QFileDialog.getOpenFileName(self, self.tr("选择初始化包"), str(Path.home()),
                                                      self.tr("学籍数据包 (*.*)"))
                if not name:
                    return
                package = Path(name)
            dialog = CreateSchoolDialog(self.default_path, self, package=package)
            if dialog.exec() != QDialog.Accepted:
                return
            self.chosen_path = dialog.path
        else:
            self.chosen_path = self.default_path
        self.accept()


class CreateSchoolDialog(QDialog):
    def __init__(self, path: Path, parent=None, package: Path | None = None) -> None:
        super().__init__(parent)
        self.path = Path(path)
        self.package = package
        self.recovery_key = ""
        self.setWindowTitle(self.tr("新建学校"))
        form = QFormLayout(self)
        if package is not None:
            form.addRow(QLabel(self.tr("初始化包：%1（学校信息取自包内）").replace("%1", package.name)))
        self.code = QLineEdit()
        self.code.setPlaceholderText("10 位学校标识码")
        self.name = QLineEdit()
        self.region = QLineEdit()
        self.region.setPlaceholderText("12 位统计用区划代码")
        self.address = QLineEdit()
        self.user = QLineEdit("admin")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.Password)
        rows = [(self.tr("学校标识码"), self.code), (self.tr("学校名称"), self.name),
                (self.tr("区划代码"), self.region), (self.tr("地址"), self.address)] if package is None else []
        for label, widget in [*rows, (self.tr("管理员用户名"), self.user), (self.tr("密码"), self.password)]:
            form.addRow(label, widget)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self._create)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _create(self) -> None:
        if self.package is not None:
            self._create_from_package()
            return
        try:
            store, self.recovery_key = Store.create(
                self.path, username=self.user.text().strip(), password=self.password.text(),
                school={"code": self.code.text().strip(), "name": self.name.text().strip(),
                        "region_code": self.region.text().strip(), "address": self.address.text().strip()})
            store.close()
        except XuejiError as exc:
            QMessageBox.warning(self, self.tr("无法创建"), str(exc))
            return
        self._show_recovery_key()

    def _create_from_package(self) -> None:
        """The packages helper's core does the work (exchange.school_side.init_from_package)."""
        try:
            from ..exchange.school_side import init_from_package
        except ImportError:
            QMessageBox.warning(self, self.tr("无法创建"), self.tr("此版本不支持初始化包，请手工新建学校。"))
            return
        try:
            store, self.recovery_key, fingerprint = init_from_package(
                self.package, self.path, username=self.user.text().strip(), password=self.password.text())
            store.close()
        except XuejiError as exc:
            QMessageBox.warning(self, self.tr("无法创建"), str(exc))
            return
        self._show_recovery_key(self.tr("\n\n本校签名密钥指纹（请电话告知县级核对）：\n") + fingerprint)

    def _show_recovery_key(self, extra: str = "") -> None:
        text = self.tr("请打印或抄写恢复密钥并妥善保管，它只显示这一次：\n\n") + self.recovery_key + extra
        QMessageBox.information(self, self.tr("恢复密钥"), text)
        self.accept()
