from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from xueji_desktop.errors import WrongPassword, XuejiError
from xueji_desktop.storage import Store
from xueji_desktop.storage.backup import auto_backup, restore


def test_backup_restore_roundtrip(demo_store, tmp_path):
    n = demo_store.query("SELECT count(*) FROM students")[0][0]
    backup = demo_store.backup(tmp_path / "bk" / "one.xjdb")
    with demo_store.transaction() as tx:
        tx.execute("DELETE FROM students")
    path = demo_store.path
    demo_store.close()
    with pytest.raises(WrongPassword):
        restore(backup, path, "admin", "wrong-password")
    kept = restore(backup, path, "admin", PASSWORD)
    assert kept is not None and kept.exists()
    store = Store.open(path, "admin", PASSWORD)
    assert store.query("SELECT count(*) FROM students")[0][0] == n
    store.close()


def test_corrupt_backup_is_not_restored(demo_store, tmp_path):
    backup = demo_store.backup(tmp_path / "bk" / "one.xjdb")
    path = demo_store.path
    demo_store.close()
    raw = bytearray(backup.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    backup.write_bytes(bytes(raw))
    before = path.read_bytes()
    with pytest.raises(XuejiError):
        restore(backup, path, "admin", PASSWORD)
    assert path.read_bytes() == before


def test_auto_backup_keeps_newest(demo_store, tmp_path):
    folder = tmp_path / "auto"
    for _ in range(4):
        auto_backup(demo_store, folder, keep=2)
    assert len(list(folder.glob("auto_*.xjdb"))) == 2
    assert len(list(folder.glob("auto_*.xjdb.keys"))) == 2


@pytest.mark.parametrize("out", ["{tmp}/new/", "{tmp}/new", "{tmp}/a/b/new/"])
def test_backup_out_names_a_folder_that_does_not_exist_yet(demo_path, tmp_path, monkeypatch, capsys, out):
    """`backup --out DIR/` (or a name without an extension) makes the folder and writes a dated backup inside
    it, never a plain file named DIR."""
    from xueji_desktop.cli import main

    monkeypatch.setenv("XUEJI_PASSWORD", PASSWORD)
    out = out.replace("{tmp}", str(tmp_path))
    assert main(["backup", "--db", str(demo_path), "--out", out]) == 0
    folder = tmp_path / out[len(str(tmp_path)) + 1:].rstrip("/")
    assert folder.is_dir()
    files = sorted(p.name for p in folder.iterdir())
    assert len(files) == 2 and files[0].endswith(".xjdb") and files[1] == files[0] + ".keys"
    assert str(folder / files[0]) in capsys.readouterr().out
    Store.open(folder / files[0], "admin", PASSWORD).close()


def test_backup_out_with_an_extension_is_the_file(demo_path, tmp_path, monkeypatch):
    from xueji_desktop.cli import main

    monkeypatch.setenv("XUEJI_PASSWORD", PASSWORD)
    assert main(["backup", "--db", str(demo_path), "--out", str(tmp_path / "new" / "周五.xjdb")]) == 0
    assert (tmp_path / "new" / "周五.xjdb").is_file()
