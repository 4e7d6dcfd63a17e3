"""Opening a SQLCipher connection with a raw key, and telling a wrong key from a broken file."""

from __future__ import annotations

from pathlib import Path

import sqlcipher3

from ..errors import BadInput, WrongPassword

DatabaseError = sqlcipher3.DatabaseError


def connect(path: Path | str, key: bytes, *, check_same_thread: bool = True):
    """Open ``path`` keyed with the 32-byte ``key``; raise WrongPassword if the key does not fit.

    A raw ``x'…'`` key skips SQLCipher's own PBKDF2 (the key is already random), so opening is fast.
    """
    conn = sqlcipher3.connect(str(path), isolation_level=None, check_same_thread=check_same_thread, timeout=30)
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
    except sqlcipher3.DatabaseError:
        pass
    conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    try:
        # A wrong key only shows on the first read.
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher3.DatabaseError:
        conn.close()
        raise WrongPassword("无法解密数据文件：密钥不正确，或文件不是本程序的数据文件。") from None
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA secure_delete = ON")
    conn.execute("PRAGMA temp_store = MEMORY")  # no clear-text temp files for sorts and big queries
    return conn


def integrity_ok(conn) -> tuple[bool, str]:
    rows = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
    ok = rows == ["ok"]
    try:
        cipher = [r[0] for r in conn.execute("PRAGMA cipher_integrity_check").fetchall()]
    except sqlcipher3.DatabaseError as exc:
        cipher = [str(exc)]
    if cipher:
        ok = False
        rows += cipher
    return ok, "; ".join(rows)


def ensure_file(path: Path) -> None:
    if not path.exists():
        raise BadInput(f"找不到数据文件：{path}")
