"""Frozen entry point of ``xueji-desktop`` (windowed executable on Windows).

Start-up smoke test for packaging (build.sh, Windows CI): with ``XUEJI_GUI_SMOKE=<file.png>`` the app starts
normally, and as soon as its first window is on screen that window is grabbed to the PNG, its title and size
are printed, and it is closed, so the process ends by itself with exit code 0. Not a user feature.
"""

import multiprocessing
import os
import sys


def _install_smoke_hook(png_path: str) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QDialog

    app = QApplication.instance() or QApplication(sys.argv[:1])  # the app's make_app() reuses this instance
    state = {"seen": 0}

    def poll() -> None:
        windows = [w for w in QApplication.topLevelWidgets() if w.isVisible() and w.width() > 50]
        if not windows:
            return
        state["seen"] += 1
        if state["seen"] < 3:      # let it lay out and paint for a moment
            return
        window = windows[0]
        image = window.grab().toImage()
        colours = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
        image.save(png_path)
        print(f"GUI 冒烟：窗口“{window.windowTitle()}”（{type(window).__name__}，{image.width()}×{image.height()}，"
              f"{len(colours)} 种颜色），平台插件 {app.platformName()}，截图 {png_path}", file=sys.stderr, flush=True)
        timer.stop()
        for w in windows:
            if isinstance(w, QDialog):
                w.reject()
            else:
                w.close()
        QTimer.singleShot(200, app.quit)

    timer = QTimer(app)
    timer.timeout.connect(poll)
    timer.start(500)
    QTimer.singleShot(60_000, lambda: os._exit(3))  # never hang CI if no window ever appears


if __name__ == "__main__":
    multiprocessing.freeze_support()  # worker processes of a frozen app re-enter here

    if os.environ.get("XUEJI_GUI_SMOKE") and "--self-test" not in sys.argv:
        _install_smoke_hook(os.environ["XUEJI_GUI_SMOKE"])

    from xueji_desktop.ui.app import main

    sys.exit(main())
