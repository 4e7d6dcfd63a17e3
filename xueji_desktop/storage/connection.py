"""Opening a SQLCipher connection with a raw key, and telling a wrong key from a broken file."""

from __future__ import annotations

from pathlib import Path

import sqlcipher3

from ..errors import BadInput, StoreDamaged

DatabaseError = sqlcipher3.DatabaseError


def connect(path: Path | str, key: bytes, *, check_same_thread: bool = True):
    """Open ``path`` keyed with the 32-byte ``key``; raise StoreDamaged if it cannot be read with that key.

    A raw ``x'…'`` key skips SQLCipher's own PBKDF2 (the key is already random), so opening is fast.
    """
    conn = sqlcipher3.connect(str(path), isolation_level=None, check_same_thread=check_same_thread, timeout=30)
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
    except sqlcipher3.DatabaseError:
        pass
    conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    try:
        # A key that does not fit only shows on the first read. The key itself was authenticated by the keyring
        # (AES-GCM), so a file that cannot be read with it is damaged — or the keyring belongs to another file.
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher3.DatabaseError:
        conn.close()
        raise StoreDamaged(damaged_message(path, unreadable=True)) from None
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


# sqlite3.h primary result codes that mean "the file is damaged", not "the program asked something wrong".
SQLITE_IOERR, SQLITE_CORRUPT, SQLITE_NOTADB = 10, 11, 26
PAGE_SIZE = 4096  # SQLCipher 4's default, which we never change: a whole file is a multiple of it


def is_damage(exc: BaseException) -> bool:
    """Whether a database exception says the file is damaged (HMAC failure, malformed page, short read)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in (SQLITE_IOERR, SQLITE_CORRUPT, SQLITE_NOTADB)
    text = str(exc)
    return isinstance(exc, sqlcipher3.DatabaseError) and ("malformed" in text or "not a database" in text)


def damaged_message(path: Path | str | None, detail: str = "", *, unreadable: bool = False) -> str:
    """The user's message for a damaged store: what is wrong and what to do (restore a backup)."""
    try:
        size = Path(path).stat().st_size if path else None
    except OSError:
        size = None
    path = Path(path) if path else Path("")
    if size is not None and (size == 0 or size % PAGE_SIZE):
        why = f"文件长度（{size} 字节）不完整，可能在拷贝或写入时被截断"
    elif unreadable:
        why = f"无法解密文件开头：文件已损坏，或密钥文件 {path.name}.keys 属于另一个数据文件"
    else:
        why = "部分内容无法读取或校验不通过（磁盘坏道、被其他程序改写或拷贝不完整）"
    where = f" {path} " if str(path) != "." else ""
    detail = f"（{detail[:120]}）" if detail else ""
    return (f"数据文件{where}已损坏：{why}{detail}。本次操作没有改变任何数据。"
            f"请用最近的备份恢复（xueji restore 备份文件），并保留这个损坏的文件以便排查。")


def quick_check(conn) -> tuple[bool, str]:
    """``PRAGMA quick_check`` (every page read, so every page's HMAC checked; the b-trees' structure checked):
    (ok, detail). Much faster than integrity_check; run by ``info`` and ``audit verify``."""
    try:
        rows = [r[0] for r in conn.execute("PRAGMA quick_check").fetchall()]
    except sqlcipher3.DatabaseError as exc:
        return False, str(exc)
    return rows == ["ok"], "; ".join(rows[:3])


def ensure_file(path: Path) -> None:
    if not path.exists():
        raise BadInput(f"找不到数据文件：{path}")
