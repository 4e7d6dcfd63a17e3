"""Audit log: written in the same transaction as the data, hash-chained, tampering detected."""

from __future__ import annotations

import hashlib
import json
import sqlite3

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xueji_desktop.demo import demo_classes, generate_records
from xueji_desktop.records.students import add_student, get_student, update_student
from xueji_desktop.school import add_class
from xueji_desktop.storage import audit


def _one_student(store):
    cls = demo_classes()[0]
    with store.transaction() as tx:
        info = add_class(tx, cls.entry_year, cls.stage, cls.number)
        _, record = next(generate_records(1, seed=5, classes=[cls]))
        sid = add_student(tx, record, info.id)
    return sid, record


def test_every_write_is_audited_with_old_and_new(empty_store):
    sid, record = _one_student(empty_store)
    with empty_store.transaction() as tx:
        update_student(tx, sid, {**record, "name": "王改名"})
    rows = empty_store.query("SELECT username, action, record_id, changes FROM audit_log"
                             " WHERE table_name = 'students' ORDER BY id")
    assert [r[1] for r in rows] == ["新增学生", "修改学生"]
    assert rows[1][0] == "admin" and rows[1][2] == str(sid)
    assert json.loads(rows[1][3]) == {"name": [record["name"], "王改名"]}
    assert audit.verify(empty_store.conn).ok


def test_rolled_back_write_leaves_no_audit_entry(empty_store):
    before = empty_store.query("SELECT count(*) FROM audit_log")[0][0]
    with pytest.raises(RuntimeError), empty_store.transaction() as tx:
        add_class(tx, 2024, 1, 9)
        raise RuntimeError("crash in the middle")
    assert empty_store.query("SELECT count(*) FROM audit_log")[0][0] == before
    assert empty_store.query("SELECT count(*) FROM classes")[0][0] == 0


@pytest.mark.parametrize("tamper", ["edit", "delete_middle", "delete_last", "insert"])
def test_verify_detects_tampering(empty_store, tamper):
    sid, record = _one_student(empty_store)
    for name in ("甲", "乙", "丙"):
        with empty_store.transaction() as tx:
            update_student(tx, sid, {**record, "name": record["name"] + name})
    assert audit.verify(empty_store.conn).ok
    conn = empty_store.conn
    ids = [r[0] for r in conn.execute("SELECT id FROM audit_log ORDER BY id")]
    if tamper == "edit":
        conn.execute("UPDATE audit_log SET username = 'someone' WHERE id = ?", (ids[2],))
    elif tamper == "delete_middle":
        conn.execute("DELETE FROM audit_log WHERE id = ?", (ids[2],))
    elif tamper == "delete_last":
        conn.execute("DELETE FROM audit_log WHERE id = ?", (ids[-1],))
    else:
        conn.execute("INSERT INTO audit_log (ts, username, action, prev_hash, hash) VALUES ('x','y','z','0','0')")
    result = audit.verify(conn)
    assert not result.ok and result.problems
    assert get_student(empty_store, sid) is not None


@given(st.lists(st.text(), min_size=7, max_size=7))
def test_entry_hash_hashes_the_canonical_json_of_its_fields(fields):
    # entry_hash builds the JSON array by hand for speed; it must stay byte-for-byte _canonical's, or every
    # existing log would stop verifying.
    expected = hashlib.sha256(audit._canonical(fields).encode("utf-8")).hexdigest()
    assert audit.entry_hash(*fields) == expected


@given(st.dictionaries(st.text(max_size=12), st.one_of(st.none(), st.text(max_size=30), st.integers()), max_size=6))
def test_created_json_is_the_canonical_json_of_a_creation(values):
    # The import writes this per student without going through _canonical; the hash chain needs the same bytes.
    assert audit.created_json(values) == audit._canonical({k: [None, v] for k, v in values.items()})


@given(st.dictionaries(st.text(max_size=12), st.one_of(st.none(), st.text(max_size=30)), max_size=6),
       st.text(max_size=20))
def test_with_created_adds_a_last_key_canonically(values, number):
    # The import adds the 学籍号 to entries its workers encoded: the same bytes as encoding the whole entry.
    key = max(values, default="") + "student_number"  # sorts after every key drawn
    assert audit.with_created(audit.created_json(values), key, number) == \
        audit._canonical({**{k: [None, v] for k, v in values.items()}, key: [None, number]})
    assert audit.with_created(audit.created_json({"status": "ok"}), "student_number", "L1") == \
        audit._canonical({"status": [None, "ok"], "student_number": [None, "L1"]})


@given(st.lists(st.tuples(st.sampled_from(["导入学生", "导入更新学生"]), st.text(max_size=8),
                          st.one_of(st.text(max_size=30), st.dictionaries(st.text(max_size=5), st.text(max_size=5)))),
                max_size=4), st.text(max_size=10))
def test_append_many_writes_the_chain_entry_hash_defines(entries, username):
    # append_many encodes the fields an action shares once; each row's hash must still be entry_hash's
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
    conn.execute("CREATE TABLE audit_log (id INTEGER PRIMARY KEY, ts, username, action, table_name, record_id,"
                 " changes, prev_hash, hash)")
    audit.append_many(conn, [(a, "students", rid, c) for a, rid, c in entries], ts="2026-01-01T00:00:00",
                      username=username)
    prev = audit.GENESIS
    for ts, user, action, table, rid, changes, prev_hash, digest in conn.execute(
            "SELECT ts, username, action, table_name, record_id, changes, prev_hash, hash FROM audit_log ORDER BY id"):
        assert prev_hash == prev and digest == audit.entry_hash(prev, ts, user, action, table, rid, changes)
        prev = digest
    assert audit.verify(conn).ok
