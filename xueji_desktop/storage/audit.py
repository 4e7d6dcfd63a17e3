"""Hash-chained audit log.

Every write appends one entry in the same transaction as the write itself. Each
entry's hash covers its own content and the previous entry's hash, so editing,
inserting or deleting an old entry breaks the chain, and the chain head kept in
``meta`` (updated in the same transaction) catches truncation of the tail.
This detects tampering by someone who has the key and edits the file with
another SQLCipher tool; it cannot stop them, which nothing local can.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64


# One encoder, built once: json.dumps() builds a new one per call, and a big import writes 200,000 entries.
_canonical = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode


# For a list of strings, _canonical's output is just this (no keys to sort, no other types): the
# C string encoder is ~5× faster, which a 200,000-entry import feels. Tested equal to _canonical.
_encode_str = json.encoder.encode_basestring  # ensure_ascii=False


def created_json(values: dict[str, Any]) -> str:
    """``_canonical({key: [None, value]})``, the changes of a created record, ~5× faster for text values.

    An import writes one such entry per student (200,000 in a big file). Tested equal to the canonical form."""
    if not all(v is None or type(v) is str for v in values.values()):
        return _canonical({k: [None, v] for k, v in values.items()})
    return "{" + ",".join(_encode_str(k) + (":[null,null]" if v is None else ":[null," + _encode_str(v) + "]")
                          for k, v in sorted(values.items())) + "}"


def with_created(entry: str, key: str, value: str) -> str:
    """``entry`` (a :func:`created_json` text) with ``key: [null, value]`` added, ``key`` sorting after every key
    already in it (the canonical form sorts them). An import's workers encode its entries; the main process adds
    what only it knows (the 学籍号 it gives) without encoding them again. Tested equal to the canonical form."""
    return entry[:-1] + ("," if entry != "{}" else "") + _encode_str(key) + ":[null," + _encode_str(value) + "]}"


def entry_hash(prev_hash: str, ts: str, username: str, action: str, table: str, record_id: str,
               changes_json: str) -> str:
    payload = "[" + ",".join(map(_encode_str, (prev_hash, ts, username, action, table, record_id, changes_json))) + "]"
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def append(conn, *, ts: str, username: str, action: str, table: str = "", record_id: Any = "",
           changes: dict[str, Any] | None = None) -> str:
    """Append one entry; the caller holds the write transaction."""
    row = conn.execute("SELECT value FROM meta WHERE key = 'audit_head'").fetchone()
    prev = row[0] if row else GENESIS
    changes_json = _canonical(changes or {})
    rid = str(record_id)
    digest = entry_hash(prev, ts, username, action, table, rid, changes_json)
    conn.execute(
        "INSERT INTO audit_log (ts, username, action, table_name, record_id, changes, prev_hash, hash)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (ts, username, action, table, rid, changes_json, prev, digest),
    )
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('audit_head', ?)", (digest,))
    return digest


def append_many(conn, entries: list[tuple[str, str, Any, dict[str, Any] | str | None]], *, ts: str,
                username: str) -> None:
    """Append (action, table, record_id, changes) entries in one statement: same chain as :func:`append`.

    ``changes`` may come already encoded (text from :func:`created_json`)."""
    if not entries:
        return
    row = conn.execute("SELECT value FROM meta WHERE key = 'audit_head'").fetchone()
    prev = row[0] if row else GENESIS
    rows = []
    middle: dict[tuple[str, str], str] = {}  # ts, username, action, table: encoded once per action
    for action, table, record_id, changes in entries:
        changes_json = changes if type(changes) is str else _canonical(changes or {})
        rid = str(record_id)
        fixed = middle.get((action, table))
        if fixed is None:
            fixed = middle[action, table] = ",".join(map(_encode_str, (ts, username, action, table)))
        # = entry_hash(prev, ts, username, action, table, rid, changes_json) (tested equal)
        payload = f"[{_encode_str(prev)},{fixed},{_encode_str(rid)},{_encode_str(changes_json)}]"
        digest = hashlib.sha256(payload.encode("utf-8")).hexdigest()
        rows.append((ts, username, action, table, rid, changes_json, prev, digest))
        prev = digest
    conn.executemany(
        "INSERT INTO audit_log (ts, username, action, table_name, record_id, changes, prev_hash, hash)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('audit_head', ?)", (prev,))


@dataclass
class VerifyResult:
    ok: bool
    entries: int
    problems: list[str]


def verify(conn) -> VerifyResult:
    problems: list[str] = []
    prev = GENESIS
    count = 0
    cursor = conn.execute(
        "SELECT id, ts, username, action, table_name, record_id, changes, prev_hash, hash"
        " FROM audit_log ORDER BY id"
    )
    for rid, ts, user, action, table, record_id, changes, prev_hash, digest in cursor:
        count += 1
        if prev_hash != prev:
            problems.append(f"第 {rid} 条日志的前序哈希不符：其前面的日志被删除、插入或修改过。")
        expected = entry_hash(prev_hash, ts, user, action, table, record_id, changes)
        if expected != digest:
            problems.append(f"第 {rid} 条日志内容与其哈希不符：该条日志被修改过。")
        prev = digest
    head = conn.execute("SELECT value FROM meta WHERE key = 'audit_head'").fetchone()
    head_value = head[0] if head else GENESIS
    if head_value != prev:
        problems.append("日志末尾与记录的链头不符：最新的日志被删除或替换过。")
    return VerifyResult(ok=not problems, entries=count, problems=problems)


def diff(old: dict[str, Any] | None, new: dict[str, Any] | None) -> dict[str, list[Any]]:
    """Field-level changes {field: [old, new]}, skipping fields that did not change."""
    old = old or {}
    new = new or {}
    out: dict[str, list[Any]] = {}
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if a in ("", None) and b in ("", None):
            continue
        if a != b:
            out[key] = [a, b]
    return out
