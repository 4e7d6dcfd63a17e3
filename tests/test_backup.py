from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from xueji_desktop.errors import BadInput, WrongPassword, XuejiError
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


def test_restore_refuses_another_units_backup_and_says_whose(demo_store, county, tmp_path, monkeypatch, capsys):
    """A school's backup restored onto the county's file used to turn the county into that school silently."""
    from xueji_desktop.cli import main

    school_backup = demo_store.backup(tmp_path / "bk" / "school.xjdb")
    county_path = county.path
    county.close()
    before = county_path.read_bytes()
    with pytest.raises(BadInput, match="这是学校 2114010068双塔西街小学的备份，而当前数据文件属于县级单位 140106"):
        restore(school_backup, county_path, "admin", PASSWORD)
    assert county_path.read_bytes() == before
    monkeypatch.setenv("XUEJI_PASSWORD", PASSWORD)
    assert main(["restore", "--db", str(county_path), "--user", "admin", str(school_backup)]) == 2
    assert "--allow-other-unit" in capsys.readouterr().err
    assert county_path.read_bytes() == before
    assert main(["restore", "--db", str(county_path), "--user", "admin", str(school_backup),
                 "--allow-other-unit"]) == 0
    assert "学校 2114010068双塔西街小学的备份" in capsys.readouterr().out
    with Store.open(county_path, "admin", PASSWORD) as store:
        assert store.mode == "school"


def test_restore_refuses_when_the_current_file_cannot_be_checked(demo_store, tmp_path):
    backup = demo_store.backup(tmp_path / "bk" / "school.xjdb")
    path = demo_store.path
    demo_store.change_password("admin", "a-new-password-1", old_password=PASSWORD)
    demo_store.close()
    with pytest.raises(BadInput, match="无法核对"):
        restore(backup, path, "admin", PASSWORD)
    assert restore(backup, path, "admin", PASSWORD, allow_other_unit=True) is not None


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
