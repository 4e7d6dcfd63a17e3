"""Background jobs report progress, deliver results, and cancel cleanly."""

from __future__ import annotations

import time

import pytest

pytestmark = pytest.mark.gui


def _slow(n, progress):
    for i in range(n):
        progress.update(i + 1, n, f"第 {i + 1} 步")
        time.sleep(0.01)
    return n * 2


def test_job_delivers_result_and_progress(qtbot):
    from xueji_desktop.ui.jobs import run_job

    results, steps = [], []
    job = run_job(None, "测试", _slow, 20, on_done=results.append)
    job.signals.progressed.connect(lambda d, t, m: steps.append(d))
    qtbot.waitUntil(lambda: results == [40], timeout=5000)
    assert steps and steps[-1] == 20


def test_job_cancel_raises_cancelled_in_core(qtbot):
    from xueji_desktop.errors import Cancelled
    from xueji_desktop.ui.jobs import run_job

    errors = []
    job = run_job(None, "测试", _slow, 10_000, on_error=errors.append, on_done=lambda r: errors.append("done"))
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QPushButton

    qtbot.waitUntil(job.dialog.isVisible, timeout=3000)  # shown once the job runs longer than SHOW_AFTER_MS
    qtbot.mouseClick(job.dialog.findChild(QPushButton), Qt.LeftButton)
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert isinstance(errors[0], Cancelled)
