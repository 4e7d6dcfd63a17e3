"""Progress reporting and cancellation for long jobs, shared by the CLI and the GUI.

Core functions that take long accept ``progress: Progress | None``. They call
``progress.update(done, total, message)`` now and then, which raises
:class:`~xueji_desktop.errors.Cancelled` once the user asked to cancel, so the
job unwinds through its ``with store.transaction()`` and changes nothing.
The GUI subclasses this to emit Qt signals; the CLI draws a bar on stderr.
"""

from __future__ import annotations

import sys
import threading
import time

from .errors import Cancelled


class Progress:
    def __init__(self) -> None:
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check(self) -> None:
        if self._cancel.is_set():
            raise Cancelled()

    def update(self, done: int, total: int | None = None, message: str = "") -> None:
        self.report(done, total, message)
        self.check()

    def report(self, done: int, total: int | None, message: str) -> None:  # for subclasses
        pass


def tick(progress: Progress | None, done: int, total: int | None = None, message: str = "") -> None:
    """Convenience for code where progress is optional."""
    if progress is not None:
        progress.update(done, total, message)


class TextProgress(Progress):
    """A one-line bar on stderr, redrawn at most 10 times a second. Ctrl+C cancels."""

    def __init__(self, stream=None) -> None:
        super().__init__()
        self.stream = stream or sys.stderr
        self._last = 0.0
        self._shown = False

    def report(self, done: int, total: int | None, message: str) -> None:
        now = time.monotonic()
        final = total is not None and done >= total
        if not final and now - self._last < 0.1:
            return
        self._last = now
        if not self.stream.isatty() and not final:
            return
        if total:
            width = 30
            filled = int(width * done / total)
            line = f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {message}"
        else:
            line = f"\r{done} {message}"
        self.stream.write(line[:120].ljust(60))
        if final:
            self.stream.write("\n")
        self.stream.flush()
        self._shown = True
