"""File and folder names by code + name (seed 001: upward submission folders named by code and name)."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')  # not allowed in Windows file names


def clean(name: str) -> str:
    return _UNSAFE.sub("_", name).strip(" .") or "_"


def stamp(when: datetime) -> str:
    return when.strftime("%Y%m%d-%H%M")


def school_package_name(code: str, name: str, when: datetime) -> str:
    """``2114010068双塔西街小学_20261122-0930.xjpkg``"""
    return f"{code}{clean(name)}_{stamp(when)}.xjpkg"


def county_package_name(code: str, name: str, when: datetime) -> str:
    return f"{code}{clean(name)}_{stamp(when)}.xjpkg"


def init_package_name(code: str, name: str) -> str:
    return f"{code}{clean(name)}_初始化包.xjpkg"


def feedback_package_name(code: str, name: str, when: datetime) -> str:
    return f"{code}{clean(name)}_反馈_{stamp(when)}.xjpkg"


def unit_folder(code: str, name: str) -> str:
    """``1401太原市``, ``140106迎泽区``, ``2114010068双塔西街小学``"""
    return f"{code}{clean(name)}"


def unique(path: Path) -> Path:
    """Never overwrite: add -2, -3… before the suffix when the name is taken (two exports in one minute)."""
    if not path.exists():
        return path
    for i in range(2, 1000):
        candidate = path.with_name(f"{path.stem}-{i}{path.suffix}")
        if not candidate.exists():
            return candidate
    raise FileExistsError(path)
