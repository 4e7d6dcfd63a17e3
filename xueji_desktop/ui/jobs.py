"""One helper for all long work in the GUI: run a core function on a worker thread with a
progress dialog and a cancel button, deliver the result or the error on the UI thread.

Usage::

    run_job(parent, "导入 Excel", core_function, arg1, kw=..., on_done=show_summary)

``core_function`` must accept ``progress=`` (a :class:`xueji_desktop.progress.Progress`).
Widgets are never touched from the worker: the worker only emits signals. Store access on the
worker uses its own connection (``store.reconnect()``) when the function needs one; SQLite
connections must not be shared between threads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from ..errors import Cancelled, XuejiError
from ..progress import Progress
from ..storage import Store
from ..storage.connection import DatabaseError, damaged_message, is_damage

SHOW_AFTER_MS = 400  # quick jobs finish without a flashing dialog


def worker_store(store: Store) -> Store:
    """The same signed-in store on a fresh connection, for use on a worker thread (its key stays in memory)."""
    return Store(store.reconnect(), store.path, store.keyring, store.user, store._key)


def on_worker(store: Store, func: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap ``func(store, …)`` to run on a worker thread with its own connection to the same file."""

    def call(*args: Any, progress=None, **kwargs: Any) -> Any:
        worker = worker_store(store)
        try:
            return func(worker, *args, progress=progress, **kwargs)
        finally:
            worker.conn.close()

    return call


class _Signals(QObject):
    progressed = Signal(int, int, str)
    finished = Signal(object)
    failed = Signal(object)


class SignalProgress(Progress):
    def __init__(self, signals: _Signals) -> None:
        super().__init__()
        self.signals = signals

    def report(self, done: int, total: int | None, message: str) -> None:
        self.signals.progressed.emit(int(done), int(total or 0), message)


class Job(QRunnable):
    def __init__(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        super().__init__()
        self.signals = _Signals()
        self.progress = SignalProgress(self.signals)
        self.func, self.args, self.kwargs = func, args, kwargs
        self.setAutoDelete(False)

    def run(self) -> None:
        try:
            result = self.func(*self.args, progress=self.progress, **self.kwargs)
        except BaseException as exc:  # every failure goes back to the UI thread
            self.signals.failed.emit(exc)
        else:
            self.signals.finished.emit(result)


_running: set[Job] = set()  # keep jobs alive until they report back


def run_job(parent: QWidget | None, title: str, func: Callable[..., Any], *args: Any,
            on_done: Callable[[Any], None] | None = None,
            on_error: Callable[[BaseException], None] | None = None,
            pool: QThreadPool | None = None, **kwargs: Any) -> Job:
    job = Job(func, *args, **kwargs)
    dialog = QProgressDialog(title, parent.tr("取消") if parent else "取消", 0, 0, parent)
    dialog.setWindowTitle(title)
    dialog.setWindowModality(Qt.WindowModal)
    dialog.setMinimumDuration(SHOW_AFTER_MS)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    dialog.canceled.connect(job.progress.cancel)
    job.dialog = dialog  # type: ignore[attr-defined]

    def progressed(done: int, total: int, message: str) -> None:
        if total:
            dialog.setMaximum(total)
            dialog.setValue(min(done, total))
        if message:
            dialog.setLabelText(f"{title}\n{message}")

    def finished(result: Any) -> None:
        _running.discard(job)
        dialog.reset()
        dialog.close()
        if on_done:
            on_done(result)

    def failed(exc: BaseException) -> None:
        _running.discard(job)
        dialog.reset()
        dialog.close()
        if on_error:
            on_error(exc)
        elif isinstance(exc, Cancelled):
            QMessageBox.information(parent, title, str(exc))
        elif isinstance(exc, XuejiError):
            QMessageBox.warning(parent, title, str(exc))
        elif isinstance(exc, DatabaseError) and is_damage(exc):
            QMessageBox.critical(parent, title, damaged_message(None, str(exc)))
        else:
            QMessageBox.critical(parent, title, f"程序内部错误：{exc!r}")

    job.signals.progressed.connect(progressed, Qt.QueuedConnection)
    job.signals.finished.connect(finished, Qt.QueuedConnection)
    job.signals.failed.connect(failed, Qt.QueuedConnection)
    _running.add(job)
    # Start on the next event-loop turn so callers can connect to job.signals first.
    QTimer.singleShot(0, lambda: (pool or QThreadPool.globalInstance()).start(job))
    return job
