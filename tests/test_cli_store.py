"""The store commands of the ``xueji`` CLI, run in-process as a script would."""

from __future__ import annotations

import json
import sqlite3  # noqa: F401 - documents that raw edits below go through sqlcipher, not sqlite3

import pytest

from tests.conftest import PASSWORD
from xueji_desktop.cli import main
from xueji_desktop.storage.schema import LATEST_VERSION


@pytest.fixture
def env(monkeypatch, tmp_path):
    monkeypatch.setenv("XUEJI_PASSWORD", PASSWORD)
    monkeypatch.setenv("XUEJI_DATA_DIR", str(tmp_path / "data"))
    return tmp_path


def test_init_info_and_wrong_password(env, capsys, monkeypatch):
    db = env / "s.xjdb"
    assert main(["init", "--db", str(db), "--school-code", "2114010068", "--school-name", "测试小学",
                 "--region-code", "140106001000"]) == 0
    out = capsys.readouterr().out
    assert "恢复密钥" in out
    assert main(["info", "--db", str(db), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["school"]["name"] == "测试小学" and info["students"] == 0 and info["schema_version"] == LATEST_VERSION
    monkeypatch.setenv("XUEJI_PASSWORD", "wrong-one")
    assert main(["info", "--db", str(db)]) == 2
    assert "用户名或密码错误" in capsys.readouterr().err


def test_demo_users_backup_restore_audit(env, capsys, monkeypatch):
    db = env / "d.xjdb"
    assert main(["demo", "--db", str(db), "--students-per-class", "3", "--no-photos"]) == 0
    capsys.readouterr()
    monkeypatch.setenv("XUEJI_NEW_PASSWORD", "clerk-pass-2")
    assert main(["user", "add", "wang", "--role", "clerk", "--db", str(db)]) == 0
    assert main(["user", "list", "--db", str(db)]) == 0
    assert "wang" in capsys.readouterr().out
    assert main(["backup", "--db", str(db), "--out", str(env / "b.xjdb")]) == 0
    assert main(["user", "remove", "wang", "--db", str(db)]) == 0
    assert main(["restore", str(env / "b.xjdb"), "--db", str(db)]) == 0
    capsys.readouterr()
    assert main(["user", "list", "--db", str(db)]) == 0
    assert "wang" in capsys.readouterr().out  # restored state has the user again
    assert main(["audit", "verify", "--db", str(db)]) == 0
    assert "哈希链无误" in capsys.readouterr().out


def test_audit_verify_fails_after_hand_edit(env, capsys):
    db = env / "d.xjdb"
    assert main(["demo", "--db", str(db), "--students-per-class", "2", "--no-photos"]) == 0
    from xueji_desktop.storage import Store

    store = Store.open(db, "admin", PASSWORD)
    store.conn.execute("UPDATE audit_log SET changes = '{}' WHERE id = 5")
    store.close()
    capsys.readouterr()
    assert main(["audit", "verify", "--db", str(db)]) == 1
    assert "被修改过" in capsys.readouterr().out


def test_passwd_with_recovery_key(env, capsys, monkeypatch):
    db = env / "r.xjdb"
    assert main(["init", "--db", str(db)]) == 0
    recovery = next(line.strip() for line in capsys.readouterr().out.splitlines() if line.count("-") == 7)
    monkeypatch.setenv("XUEJI_NEW_PASSWORD", "after-reset-1")
    assert main(["user", "passwd", "admin", "--recovery-key", recovery, "--db", str(db)]) == 0
    monkeypatch.setenv("XUEJI_PASSWORD", "after-reset-1")
    assert main(["info", "--db", str(db)]) == 0
