"""Render the main screens of the app offscreen to docs/screenshots/*.png, using the demo school.

Run: ``python scripts/screenshots.py [--out docs/screenshots]``. Needs CJK fonts (fonts-noto-cjk on Debian).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SIZE = (1280, 800)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        # Private settings so the screenshots do not depend on (or change) the user's own.
        os.environ["XUEJI_DATA_DIR"] = tmp
        from PySide6.QtCore import QSettings
        from PySide6.QtGui import QFont
        from PySide6.QtWidgets import QApplication

        QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, tmp)
        QSettings.setDefaultFormat(QSettings.IniFormat)
        from xueji_desktop.demo import create_demo_store
        from xueji_desktop.ui.app import make_app

        app = make_app(["screenshots"])
        app.setFont(QFont("Noto Sans CJK SC", 10))
        store, _ = create_demo_store(Path(tmp) / "demo.xjdb")
        try:
            shoot(app, store, args.out)
        finally:
            store.close()
        QApplication.processEvents()
    return 0


def _save(widget, path: Path) -> None:
    from PySide6.QtWidgets import QApplication

    for _ in range(5):
        QApplication.processEvents()
    widget.grab().save(str(path))
    print(f"wrote {path}")


def shoot(app, store, out: Path) -> None:
    from xueji_desktop.ui.login import FirstRunDialog, LoginDialog
    from xueji_desktop.ui.main_window import MainWindow

    login = LoginDialog(store.path, "admin")
    login.resize(460, 200)
    login.show()
    _save(login, out / "login.png")
    login.close()
    first = FirstRunDialog(store.path)
    first.resize(460, 220)
    first.show()
    _save(first, out / "first_run.png")
    first.close()

    window = MainWindow(store)
    window.resize(*SIZE)
    window.show()
    for name, file in (("学生信息", "students"), ("学校信息", "school"), ("年级班级", "classes"),
                       ("统计", "statistics"), ("用户与日志", "users_log"), ("问题学籍", "problems"),
                       ("照片", "photos"), ("导入导出", "import_export"), ("打印", "print"),
                       ("学籍变动", "status_changes")):
        if name in window.names:
            window.go(name)
            _save(window, out / f"{file}.png")
    page = window.go("学生信息")
    page.status_box.setCurrentIndex(page.status_box.findData("pending"))
    pending = page.model.student_id(0) if page.model.rowCount() else None
    form = window.open_student(pending if pending is not None else page.model.student_id(0))
    form.resize(1180, 860)
    _save(form, out / "student_form.png")
    form.dirty = False
    form.close()
    window.close()
    from PySide6.QtCore import QThreadPool
    from PySide6.QtWidgets import QApplication

    # Tear the widgets down while the store and the application still exist (page helpers may run jobs).
    QThreadPool.globalInstance().waitForDone()
    for widget in (window, login, first):
        widget.deleteLater()
    QApplication.processEvents()


if __name__ == "__main__":
    sys.exit(main())
