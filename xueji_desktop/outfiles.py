"""Files the user asks for (Excel exports, error reports, packages, PDFs): written whole or not at all.

The content is built first (in memory, never in the system's temp folder), then written to ``NAME.part``
beside the target, flushed to the disk and renamed over the target. A full disk, a write-protected USB stick or
a file held open by Excel then gives one clear message, leaves no half-written file behind and leaves an earlier
file of that name as it was.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from .errors import BadInput


def write_file(path: Path | str, data: bytes) -> Path:
    """Put ``data`` at ``path`` atomically; raise BadInput (nothing changed) when the disk refuses."""
    path = Path(path)
    if not path.parent.is_dir():
        raise BadInput(f"保存位置不存在：{path.parent}。请选择已有的文件夹。")
    part = path.with_name(path.name + ".part")
    try:
        with open(part, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())  # a USB stick pulled right after "done" must still hold the whole file
        os.replace(part, path)
    except OSError as exc:
        try:
            part.unlink(missing_ok=True)
        except OSError:
            pass
        raise BadInput(write_error(path, exc)) from None
    return path


def write_error(path: Path | str, exc: OSError) -> str:
    """The user's message for a failed write of ``path``: what happened and what to do, by cause."""
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return (f"磁盘空间不足，无法写入 {path}：请清理该磁盘或换一个位置（如另一个 U 盘）后重试。"
                "未写完的文件已删除。")
    if exc.errno == errno.EROFS:
        return f"{path} 所在的磁盘是只读的（U 盘写保护开关？）：请换一个位置后重试。"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return (f"无法写入 {path}：没有写入权限，或该文件正被其他程序（如 Excel、WPS）打开。"
                "请关闭该文件或换一个位置后重试。")
    return f"无法写入 {path}：{exc.strerror or exc}。"
