"""Where things live: bundled resources (also inside a PyInstaller bundle) and user data."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

APP_NAME = "xueji-desktop"


def resources_dir() -> Path:
    """``resources/`` next to the package, or inside the frozen bundle (sys._MEIPASS)."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)


def user_data_dir() -> Path:
    """Per-user data folder; the frozen app never writes next to its executable."""
    override = os.environ.get("XUEJI_DATA_DIR")
    path = Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_db_path() -> Path:
    env = os.environ.get("XUEJI_DB")
    return Path(env) if env else user_data_dir() / "school.xjdb"
