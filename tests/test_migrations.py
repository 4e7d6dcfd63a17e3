"""An old-version file is migrated forward on open, keeping its data."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from xueji_desktop.demo import DEMO_SCHOOL
from xueji_desktop.errors import XuejiError
from xueji_desktop.storage import Store, schema
from xueji_desktop.storage.connection import connect
from xueji_desktop.storage.keyring import Keyring, keyring_path, new_database_key


def _make_v1_file(path):
    key = new_database_key()
    ring = Keyring.new(keyring_path(path))
    ring.set_password("admin", PASSWORD, key)
    ring.save()
    conn = connect(path, key)
    assert schema.migrate(conn, target=1) == [1]
    conn.execute("INSERT INTO meta VALUES ('db_id', ?)", (ring.db_id,))
    conn.execute("INSERT INTO users VALUES ('admin', '', 'clerk,sysadmin', 1, '2022-09-01')")
    conn.execute("INSERT INTO school (id, code, name, region_code) VALUES (1, ?, ?, ?)",
                 (DEMO_SCHOOL["code"], DEMO_SCHOOL["name"], DEMO_SCHOOL["region_code"]))
    conn.execute("INSERT INTO classes (class_code, name, stage, entry_year, number) VALUES"
                 " ('2022101', '小学2022级(1)班', 1, 2022, 1)")
    conn.execute("INSERT INTO students (uid, class_id, name, created_at, updated_at) VALUES"
                 " ('u1', 1, '李旧版', '2022-09-01', '2022-09-01')")
    conn.close()


def test_v1_file_is_migrated_on_open(tmp_path):
    path = tmp_path / "old.xjdb"
    _make_v1_file(path)
    store = Store.open(path, "admin", PASSWORD)
    try:
        assert schema.current_version(store.conn) == schema.LATEST_VERSION >= 3
        assert store.query("SELECT name, enrolment FROM students") == [("李旧版", "enrolled")]
        assert store.meta("school_year", "").isdigit()
        tables = {r[0] for r in store.query("SELECT name FROM sqlite_master WHERE type='table'")}
        assert {"warning_confirmations", "evidence_files"} <= tables
    finally:
        store.close()


def test_newer_file_is_refused(tmp_path):
    store, _ = Store.create(tmp_path / "n.xjdb", username="admin", password=PASSWORD)
    store.conn.execute("PRAGMA user_version = 99")
    store.close()
    with pytest.raises(XuejiError, match="更新版本"):
        Store.open(tmp_path / "n.xjdb", "admin", PASSWORD)
