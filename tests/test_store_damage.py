"""A damaged store gives one clear message and changes nothing (issue 21, hole 5): `info` and `audit verify`
check the whole file, a truncated file says damaged (not "wrong key"), and no command ends in a traceback —
also not when its output goes to a pager that closes early."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PASSWORD
from xueji_desktop.cli import main
from xueji_desktop.storage import Store

PAGE = 4096


@pytest.fixture
def cli_env(monkeypatch):
    monkeypatch.setenv("XUEJI_PASSWORD", PASSWORD)
    monkeypatch.setenv("XUEJI_USER", "admin")


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _overwrite(path: Path, page: int, length: int = 64) -> None:
    """64 bytes in the middle of one page (1-based), as a bad sector or a stray write would."""
    with open(path, "r+b") as fh:
        fh.seek((page - 1) * PAGE + 1000)
        fh.write(b"\xa5" * length)


def _root_page(path: Path, table: str) -> int:
    with Store.open(path, "admin", PASSWORD) as store:
        return store.query("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,))[0][0]


def _run(capsys, *args: str) -> tuple[int, str]:
    code = main(list(args))
    return code, capsys.readouterr().err


def test_damage_no_query_touches_is_found_by_info_and_audit_verify(demo_path, cli_env, capsys):
    pages = demo_path.stat().st_size // PAGE
    _overwrite(demo_path, pages - 1)  # inside a photo: nothing `info` counts reads it
    before = _digest(demo_path)
    code, err = _run(capsys, "info", "--db", str(demo_path))
    assert code != 0 and "已损坏" in err
    code, out = main(["audit", "verify", "--db", str(demo_path)]), capsys.readouterr()
    assert code != 0 and "已损坏" in out.out + out.err
    assert _digest(demo_path) == before


def test_a_healthy_store_passes_the_check(demo_path, cli_env, capsys):
    assert main(["info", "--db", str(demo_path)]) == 0
    assert "完整性检查通过" in capsys.readouterr().out
    assert main(["audit", "verify", "--db", str(demo_path)]) == 0


@pytest.mark.parametrize("command", [["problems"], ["backup", "--out", "{tmp}/backups/"], ["photo-status"],
                                     ["export-excel", "--out", "{tmp}/out.xlsx"], ["stats"]])
def test_commands_over_a_damaged_store_give_one_message(demo_path, cli_env, capsys, tmp_path, command):
    _overwrite(demo_path, _root_page(demo_path, "students"))
    # photos' root page, not "a page near the end": which page ends a photo row's overflow chain moves with the
    # layout, and a damaged overflow page can read back as zeros rather than fail (seen with schema v8)
    _overwrite(demo_path, _root_page(demo_path, "photos"))
    before = _digest(demo_path)
    listing = sorted(p.name for p in tmp_path.iterdir())
    args = [a.replace("{tmp}", str(tmp_path)) for a in command]
    code, err = _run(capsys, *args, "--db", str(demo_path))
    assert code in (1, 2)
    assert "已损坏" in err and "restore" in err
    assert _digest(demo_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == listing


def test_a_truncated_store_says_damaged_not_wrong_key(demo_path, cli_env, capsys):
    size = demo_path.stat().st_size
    for cut in (size // 2 + 100, 100, 0):
        os.truncate(demo_path, cut)
        code, err = _run(capsys, "info", "--db", str(demo_path))
        assert code == 2
        assert "已损坏" in err and "密钥不正确" not in err, err


def test_a_truncated_store_on_a_page_boundary_is_found_by_info(demo_path, cli_env, capsys):
    os.truncate(demo_path, (demo_path.stat().st_size // PAGE // 2) * PAGE)
    code, err = _run(capsys, "info", "--db", str(demo_path))
    assert code == 2 and "已损坏" in err


def test_output_into_a_closed_pipe_is_not_a_traceback(demo_path):
    """`xueji photo-status | head -1`: the reader is gone before we write; one line on stderr, exit 1."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    env = {**os.environ, "XUEJI_PASSWORD": PASSWORD, "XUEJI_USER": "admin"}
    try:
        r = subprocess.run([sys.executable, "-m", "xueji_desktop", "photo-status", "--db", str(demo_path)],
                           stdout=write_end, stderr=subprocess.PIPE, text=True, env=env, timeout=120)
    finally:
        os.close(write_end)
    assert "Traceback" not in r.stderr, r.stderr[-3000:]
    assert r.returncode == 1
    assert r.stderr.strip().count("\n") == 0 and "管道" in r.stderr
