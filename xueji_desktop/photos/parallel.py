"""Check or fix many photo files on all cores, with progress and cancel.

Worker processes are started with "spawn" everywhere: the same behaviour as on Windows, and safe when the
caller is a GUI worker thread (forking a process that runs Qt threads is not).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from multiprocessing import get_context
from typing import Any, TypeVar

from ..progress import Progress, tick

T = TypeVar("T")
PARALLEL_FROM = 6  # below this, starting worker processes costs more than it saves


def _one_thread_per_worker() -> None:
    """The pool already uses every core; OpenCV's own thread pool in each worker would only oversubscribe."""
    import cv2

    cv2.setNumThreads(1)


def worker_count() -> int:
    return max(1, os.cpu_count() or 1)


def parallel_map(func: Callable[[T], Any], items: Sequence[T], *, progress: Progress | None = None,
                 message: str = "", workers: int | None = None) -> list[Any]:
    """``[func(x) for x in items]`` across processes, in order. ``func`` must be a module-level function.
    Cancelling (progress raises Cancelled) stops handing out work and drops what has not started."""
    results: list[Any] = [None] * len(items)
    for index, result in parallel_iter(func, items, progress=progress, message=message, workers=workers):
        results[index] = result
    return results


def parallel_iter(func: Callable[[T], Any], items: Sequence[T], *, progress: Progress | None = None,
                  message: str = "", workers: int | None = None) -> Iterator[tuple[int, Any]]:
    """``(index, func(items[index]))`` as each finishes, across processes. Only a few items per worker are in
    flight at a time, so memory stays bounded however many items there are when the caller consumes the
    results as they come (import writes each photo into its transaction)."""
    total = len(items)
    workers = workers or worker_count()
    if workers == 1 or total < PARALLEL_FROM:
        for i, item in enumerate(items):
            tick(progress, i, total, message)
            yield i, func(item)
        tick(progress, total, total, message)
        return
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"),
                             initializer=_one_thread_per_worker) as pool:
        pending = {}
        next_index = 0
        done = 0
        try:
            # Keep only a few tasks queued per worker so a cancel takes effect quickly.
            while next_index < total or pending:
                while next_index < total and len(pending) < workers * 3:
                    pending[pool.submit(func, items[next_index])] = next_index
                    next_index += 1
                finished, _ = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                for fut in finished:
                    index = pending.pop(fut)
                    done += 1
                    yield index, fut.result()
                tick(progress, done, total, message)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
