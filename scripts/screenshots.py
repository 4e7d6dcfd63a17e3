"""Render every screen of the app offscreen to PNG files, using the demo school and a county.

Run at 100% and at 150% display scaling (the sizes are logical pixels, as on a real screen):

    python scripts/screenshots.py                                   # docs/screenshots/*.png
    QT_SCALE_FACTOR=1.5 python scripts/screenshots.py --out docs/screenshots/150   # 1920x1080 at 150%

Needs CJK fonts (fonts-noto-cjk on Debian).
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
SIZE_AT_150 = (1280, 720)  # a 1920x1080 screen at 150% is 1280x720 logical pixels


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
        size = SIZE_AT_150 if float(os.environ.get("QT_SCALE_FACTOR", "1") or 1) >= 1.5 else SIZE
        try:
            shoot(app, store, args.out, size)
            shoot_county(app, Path(tmp), args.out, size)
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


def shoot(app, store, out: Path, size=SIZE) -> None:
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
    window.resize(*size)
    window.show()
    files = {"学生信息": "students", "学校信息": "school", "年级班级": "classes", "统计": "statistics",
             "用户与日志": "users_log", "问题学籍": "problems", "照片": "photos", "导入导出": "import_export",
             "打印": "print", "学籍变动": "status_changes", "班主任核对": "class_check",
             "数据导出申请": "export_requests", "转学": "transfers"}
    for n, name in enumerate(window.names):  # every page, a new one too (page_N.png until it has a name here)
        window.go(name)
        _save(window, out / f"{files.get(name, f'page_{n + 1}')}.png")
    tabs = window.go("导入导出")
    tabs.setCurrentIndex(1)
    _save(window, out / "upload_package.png")
    tabs.setCurrentIndex(0)
    window.go("学生信息")
    for file, open_dialog in (("find_student", window.find_student), ("find_function", window.find_function),
                              ("help_guide", window.show_guide), ("help_shortcuts", window.show_shortcuts),
                              ("help_about", window.show_about)):
        dialog = open_dialog()
        if file == "find_student":
            dialog.query.setText("wy")
        elif file == "find_function":
            dialog.query.setText("导出")
        _save(dialog, out / f"{file}.png")
        dialog.close()
    for n, menu_action in enumerate(window.menuBar().actions()):
        menu = menu_action.menu()
        menu.popup(window.mapToGlobal(window.menuBar().geometry().bottomLeft()))
        _save(menu, out / f"menu_{n + 1}.png")
        menu.close()
    blank = window.new_student(None)
    blank.resize(*(min(a, b) for a, b in zip((1180, 860), size, strict=True)))
    _save(blank, out / "student_form_new.png")
    blank.close()
    page = window.go("学生信息")
    page.status_box.setCurrentIndex(page.status_box.findData("pending"))
    pending = page.model.student_id(0) if page.model.rowCount() else None
    form = window.open_student(pending if pending is not None else page.model.student_id(0))
    form.resize(*(min(a, b) for a, b in zip((1180, 860), size, strict=True)))
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


def shoot_county(app, folder: Path, out: Path, size=SIZE) -> None:
    """The county side's pages, on a new county store with one school registered."""
    from PySide6.QtCore import QThreadPool
    from PySide6.QtWidgets import QApplication

    from xueji_desktop.county.schools import add_school
    from xueji_desktop.county.workspace import create_county_store
    from xueji_desktop.demo import DEMO_COUNTY
    from xueji_desktop.ui.main_window import MainWindow

    county, _recovery, _fp = create_county_store(folder / "county.xjdb", username="admin", password="demo123",
                                                 county=DEMO_COUNTY)
    try:
        add_school(county, "2114010068", "双塔西街小学", "140106001000")
        window = MainWindow(county)
        window.resize(*size)
        window.show()
        for n, name in enumerate(window.names):
            window.go(name)
            _save(window, out / f"county_{n + 1}.png")
        window.close()
        QThreadPool.globalInstance().waitForDone()
        window.deleteLater()
        QApplication.processEvents()
    finally:
        county.close()


if __name__ == "__main__":
    sys.exit(main())
