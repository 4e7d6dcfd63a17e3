"""Where the app reads resources and writes data, frozen or not: never next to the executable."""

from __future__ import annotations

import sys
from pathlib import Path

from xueji_desktop import paths


def test_data_goes_to_the_platform_user_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("XUEJI_DATA_DIR", raising=False)
    monkeypatch.delenv("XUEJI_DB", raising=False)
    calls = []

    def fake_user_data_dir(appname, appauthor=None):
        calls.append((appname, appauthor))
        return str(tmp_path / "platform-user-data" / appname)

    monkeypatch.setattr(paths.platformdirs, "user_data_dir", fake_user_data_dir)
    assert paths.user_data_dir() == tmp_path / "platform-user-data" / "xueji-desktop"
    assert paths.user_data_dir().is_dir()
    assert paths.default_db_path() == tmp_path / "platform-user-data" / "xueji-desktop" / "school.xjdb"
    assert calls and calls[0] == ("xueji-desktop", False)


def test_overrides(monkeypatch, tmp_path):
    monkeypatch.setenv("XUEJI_DATA_DIR", str(tmp_path / "d"))
    monkeypatch.delenv("XUEJI_DB", raising=False)
    assert paths.default_db_path() == tmp_path / "d" / "school.xjdb"
    monkeypatch.setenv("XUEJI_DB", str(tmp_path / "elsewhere.xjdb"))
    assert paths.default_db_path() == tmp_path / "elsewhere.xjdb"


def test_frozen_bundle_reads_resources_inside_and_writes_outside(monkeypatch, tmp_path):
    bundle = tmp_path / "Programs" / "xueji-desktop"
    (bundle / "_internal" / "resources" / "spec").mkdir(parents=True)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(bundle / "_internal"), raising=False)
    monkeypatch.setattr(sys, "executable", str(bundle / "xueji-desktop.exe"))
    monkeypatch.delenv("XUEJI_DATA_DIR", raising=False)
    monkeypatch.delenv("XUEJI_DB", raising=False)
    monkeypatch.setattr(paths.platformdirs, "user_data_dir",
                        lambda appname, appauthor=None: str(tmp_path / "AppData" / "Roaming" / appname))

    assert paths.resources_dir() == bundle / "_internal" / "resources"
    db = paths.default_db_path()
    assert bundle not in db.parents and Path(sys.executable).parent not in db.parents
    assert db.parent == tmp_path / "AppData" / "Roaming" / "xueji-desktop"
    assert not any(p for p in bundle.rglob("*") if p.is_file())


def test_source_tree_resources_hold_the_field_spec(monkeypatch):
    monkeypatch.delattr(sys, "_MEIPASS", raising=False)
    assert (paths.resources_dir() / "spec" / "fields.toml").is_file()
