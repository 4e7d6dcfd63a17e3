"""``xueji-desktop``: application start-up (translations, settings, first run, login)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QSettings, QTranslator
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from .. import __version__
from ..paths import default_db_path, resource

# Probes of the supplementary translation: a string qtbase_zh_CN leaves in English, and its Chinese.
SUPPLEMENT_PROBE = ("QFileDialog", "&Look in:", "查找范围(&L)：")


def load_translators(parent=None) -> list[tuple[str, QTranslator]]:
    """The translators the app installs, in order: Qt's own Chinese (``qtbase_zh_CN``), then our supplement
    for the strings of Qt's non-native dialogs it misses (``resources/i18n/qt_extra_zh_CN``; installed later,
    so asked first), then a translation of the app's own text if one is ever added (UI strings are written
    in Simplified Chinese and pass through tr())."""
    loaded = []
    for name, folder in (("qtbase_zh_CN", QLibraryInfo.path(QLibraryInfo.TranslationsPath)),
                         ("qt_extra_zh_CN", str(resource("i18n"))),
                         (f"xueji_{QLocale.system().name()}", str(resource("i18n")))):
        translator = QTranslator(parent)
        if translator.load(name, folder):
            loaded.append((name, translator))
    return loaded


def make_app(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    QCoreApplication.setOrganizationName("xueji")
    QCoreApplication.setApplicationName("xueji-desktop")
    QCoreApplication.setApplicationVersion(__version__)
    for _name, translator in load_translators(app):
        app.installTranslator(translator)
    return app


def main(argv: list[str] | None = None) -> int:
    # --- packaging (issue 9): headless self-test, no window, no QApplication ---
    if "--self-test" in (argv if argv is not None else sys.argv[1:]):
        from ..cli.selftest_cmds import run_self_test_cli

        return run_self_test_cli(argv)
    # --- end packaging ---
    parser = argparse.ArgumentParser(prog="xueji-desktop")
    parser.add_argument("--db", type=Path, help="数据文件")
    parser.add_argument("--demo", action="store_true", help="没有数据时直接创建并打开演示学校")
    parser.add_argument("--user", default=os.environ.get("XUEJI_USER", "admin"))
    args, _qt_args = parser.parse_known_args(argv if argv is not None else sys.argv[1:])
    app = make_app()
    settings = QSettings()
    path = args.db or Path(settings.value("last_file", str(default_db_path())))
    if not path.exists():
        from .login import FirstRunDialog

        if args.demo:
            choice, path = FirstRunDialog.DEMO, default_db_path() if args.db is None else args.db
        else:
            first = FirstRunDialog(path)
            if first.exec() != QDialog.Accepted:
                return 0
            choice, path = first.choice, first.chosen_path
        if choice == FirstRunDialog.DEMO and not path.exists():
            from ..demo import create_demo_store

            store, _recovery = create_demo_store(path, username=args.user, password="demo123")
            store.close()
            QMessageBox.information(None, QCoreApplication.translate("app", "演示学校"),
                                    QCoreApplication.translate("app", "已创建演示学校。用户名 %1，密码 demo123。")
                                    .replace("%1", args.user))
    from .login import LoginDialog
    from .main_window import MainWindow

    login = LoginDialog(path, args.user)
    if login.exec() != QDialog.Accepted or login.store is None:
        return 0
    settings.setValue("last_file", str(path))
    window = MainWindow(login.store)
    window.show()
    code = app.exec()
    login.store.close()
    return code


if __name__ == "__main__":
    sys.exit(main())
