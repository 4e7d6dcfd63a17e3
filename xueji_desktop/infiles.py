"""Files the user hands us (packages, photos, evidence scans, workbooks): read only if they are regular files,
never more than a cap.

``stat`` then ``read_bytes`` is not enough: ``/dev/zero`` reports size 0 and never ends, a FIFO blocks the
open until a writer comes, and a file can grow between the two calls. So the path is opened without blocking,
checked to be a regular file on the *open* descriptor, and read with the cap enforced while reading.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import BadInput

_CHUNK = 1 << 20


def require_regular(path: Path | str, what: str = "文件") -> Path:
    """``path`` if it names an existing regular file (symlinks followed); BadInput otherwise."""
    path = Path(path)
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise BadInput(f"找不到{what}：{path}") from None
    except OSError as exc:
        raise BadInput(f"无法读取{what} {path}：{exc.strerror or exc}") from None
    _check_mode(mode, path, what)
    return path


def _check_mode(mode: int, path: Path, what: str) -> None:
    if stat.S_ISDIR(mode):
        raise BadInput(f"{path} 是文件夹，请选择{what}本身。")
    if not stat.S_ISREG(mode):
        raise BadInput(f"{path} 不是普通文件（是设备、管道或套接字），不能作为{what}读取。")


def read_regular(path: Path | str, limit: int, what: str = "文件") -> bytes:
    """The whole content of the regular file ``path``, refusing (BadInput) anything else or more than
    ``limit`` bytes. Never blocks on a FIFO and never reads past ``limit + 1`` bytes."""
    path = require_regular(path, what)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise BadInput(f"无法读取{what} {path}：{exc.strerror or exc}") from None
    try:
        _check_mode(os.fstat(fd).st_mode, path, what)  # the path may have been swapped since the stat
        chunks, total = [], 0
        while total <= limit:
            chunk = os.read(fd, min(_CHUNK, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except OSError as exc:
        raise BadInput(f"无法读取{what} {path}：{exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if total > limit:
        raise BadInput(f"{what} {path.name} 过大（超过 {_size(limit)}），拒绝读取。")
    return b"".join(chunks)


def _size(n: int) -> str:
    return f"{n / (1 << 30):g} GiB" if n >= 1 << 30 else f"{n / (1 << 20):g} MB"
