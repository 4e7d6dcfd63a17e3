"""帮助: the user guide (resources/help/guide.md), the keyboard shortcuts (read from the menus themselves, so
the list is the app's), and 关于 (version, data file, data folder)."""

from __future__ import annotations

import platform

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLayout, QTextBrowser, QVBoxLayout, QWidget

from .. import __version__
from ..paths import resource, user_data_dir

# Keys that are not menu commands: they work inside the student form and lists.
FORM_SHORTCUTS = (
    ("Ctrl+S", "保存（学生采集表）"),
    ("Ctrl+Enter", "保存并打开下一名学生"),
    ("Ctrl+Z", "撤销上一步修改（学生采集表）"),
    ("Tab / Shift+Tab", "下一项 / 上一项（按采集表顺序）"),
    ("Enter", "在学生名单中打开选中的学生"),
    ("Alt+带下划线的字母", "按钮和菜单的快捷字母"),
)


def guide_markdown() -> str:
    return resource("help", "guide.md").read_text(encoding="utf-8")


def shortcut_rows(window) -> list[tuple[str, str]]:
    """(keys, what) for every menu command with a shortcut, then the form's own keys."""
    rows = []
    for menu_action in window.menuBar().actions():
        menu = menu_action.menu()
        for action in menu.actions() if menu else ():
            keys = action.shortcut().toString(QKeySequence.NativeText)
            if keys:
                rows.append((keys, action.text().replace("&", "").split("(")[0].rstrip("…")))
    return rows + list(FORM_SHORTCUTS)


class TextDialog(QDialog):
    def __init__(self, title: str, parent: QWidget | None = None, *, markdown: str = "", html: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(760, 640)
        layout = QVBoxLayout(self)
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(False)
        if markdown:
            self.browser.setMarkdown(markdown)
        else:
            self.browser.setHtml(html)
        layout.addWidget(self.browser)
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


def guide_dialog(parent) -> TextDialog:
    return TextDialog(parent.tr("使用说明"), parent, markdown=guide_markdown())


def shortcuts_dialog(window) -> TextDialog:
    rows = "".join(f"<tr><td style='padding:3px 16px 3px 0'><b>{k}</b></td><td>{t}</td></tr>"
                   for k, t in shortcut_rows(window))
    dialog = TextDialog(window.tr("快捷键"), window, html=f"<table>{rows}</table>")
    dialog.resize(520, 520)
    return dialog


def about_text(store) -> str:
    return (f"<h3>学籍信息采集 {__version__}</h3>"
            "<p>中小学学生学籍信息采集离线客户端（2022 版学生基本信息采集表）。</p>"
            f"<p>当前数据文件：<br><b>{store.path}</b></p>"
            f"<p>数据目录（自动备份在其中的 backups 文件夹）：<br>{user_data_dir()}</p>"
            f"<p>当前用户：{store.user.display_name or store.user.username}（{store.user.role_names}）</p>"
            f"<p style='color:#666'>Python {platform.python_version()}，Qt（PySide6）{pyside_version}</p>")


def about_dialog(window, store) -> QDialog:
    dialog = QDialog(window)
    dialog.setWindowTitle(window.tr("关于"))
    layout = QVBoxLayout(dialog)
    label = QLabel(about_text(store))
    label.setTextInteractionFlags(Qt.TextSelectableByMouse)  # the path can be copied
    label.setWordWrap(True)
    label.setMinimumWidth(520)  # a wrapped label in a top-level dialog needs a width to size its height
    layout.addWidget(label)
    layout.setSizeConstraint(QLayout.SetMinimumSize)
    buttons = QDialogButtonBox(QDialogButtonBox.Close)
    buttons.rejected.connect(dialog.reject)
    layout.addWidget(buttons)
    return dialog
