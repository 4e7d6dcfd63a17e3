"""Keys and accounts: wrapped database key per user, roles, recovery key, wrong passwords."""

from __future__ import annotations

import json

import pytest

from tests.conftest import PASSWORD
from xueji_desktop.errors import BadInput, PermissionDenied, WrongPassword
from xueji_desktop.storage import Store
from xueji_desktop.storage.keyring import Keyring, keyring_path


def test_wrong_password_opens_nothing(empty_store):
    path = empty_store.path
    empty_store.close()
    with pytest.raises(WrongPassword, match="密码错误"):
        Store.open(path, "admin", "not-the-password")
    with pytest.raises(WrongPassword):
        Store.open(path, "nobody", PASSWORD)
    Store.open(path, "admin", PASSWORD).close()


def test_database_file_is_not_plain_sqlite(empty_store):
    assert not empty_store.path.read_bytes()[:16].startswith(b"SQLite format 3")


def test_add_user_and_change_password_never_reencrypt(empty_store):
    path = empty_store.path
    salt_before = path.read_bytes()[:16]
    key_before = Keyring.load(keyring_path(path)).unlock("admin", PASSWORD)
    empty_store.add_user("leader1", "leader-pass", "leader", "张主任")
    empty_store.change_password("admin", "new-admin-pass", old_password=PASSWORD)
    empty_store.close()
    ring = Keyring.load(keyring_path(path))
    assert ring.unlock("leader1", "leader-pass") == key_before
    assert ring.unlock("admin", "new-admin-pass") == key_before
    assert path.read_bytes()[:16] == salt_before
    with pytest.raises(WrongPassword):
        Store.open(path, "admin", PASSWORD)
    leader = Store.open(path, "leader1", "leader-pass")
    assert leader.user.roles == {"leader"}
    leader.close()


def test_roles_are_enforced(empty_store):
    empty_store.add_user("leader1", "leader-pass", "leader")
    path = empty_store.path
    empty_store.close()
    leader = Store.open(path, "leader1", "leader-pass")
    with pytest.raises(PermissionDenied, match="系统管理员"):
        leader.add_user("x1", "password", "clerk")
    leader.close()


def test_remove_user_revokes_login_and_keeps_one_admin(empty_store):
    empty_store.add_user("clerk2", "clerk-pass", "clerk")
    empty_store.remove_user("clerk2")
    with pytest.raises(BadInput, match="当前登录"):
        empty_store.remove_user("admin")
    path = empty_store.path
    empty_store.close()
    with pytest.raises(WrongPassword):
        Store.open(path, "clerk2", "clerk-pass")


def test_recovery_key_resets_password(tmp_path):
    store, recovery = Store.create(tmp_path / "r.xjdb", username="admin", password=PASSWORD)
    store.close()
    groups = recovery.split("-")
    assert len(groups) == 8 and all(len(g) == 5 and g.isdigit() for g in groups)
    with pytest.raises(WrongPassword, match="恢复密钥"):
        Store.open_with_recovery(tmp_path / "r.xjdb", "1" * 40)
    rec, users = Store.open_with_recovery(tmp_path / "r.xjdb", recovery.replace("-", " "))
    assert users == ["admin"]
    rec.change_password("admin", "brand-new-pass")
    rec.close()
    Store.open(tmp_path / "r.xjdb", "admin", "brand-new-pass").close()


def test_keyring_entries_cannot_be_swapped_between_accounts(empty_store):
    empty_store.add_user("clerk2", "clerk-pass", "clerk")
    path = empty_store.path
    empty_store.close()
    ring_file = keyring_path(path)
    data = json.loads(ring_file.read_text("utf-8"))
    # An attacker copies their own wrapped key into the admin slot, hoping to log in as admin.
    data["entries"]["user:admin"] = data["entries"]["user:clerk2"]
    ring_file.write_text(json.dumps(data), "utf-8")
    with pytest.raises(WrongPassword):
        Store.open(path, "admin", "clerk-pass")


def test_create_refuses_existing_file(empty_store):
    with pytest.raises(Exception, match="已存在"):
        Store.create(empty_store.path, username="a", password="password")
