"""Key pairs and peer public keys kept inside the encrypted store (table ``exchange_keys``).

Private keys never leave the database and are never written to the audit log (only fingerprints are).
"""

from __future__ import annotations

from ..errors import BadInput
from ..storage.store import Tx
from . import keys

OWN_SIGNING, OWN_ENCRYPTION = "own_signing", "own_encryption"
COUNTY_SIGNING, COUNTY_ENCRYPTION = "county_signing", "county_encryption"
UPPER_SIGNING, UPPER_ENCRYPTION = "upper_signing", "upper_encryption"  # a county's city (from its init package)


def get_private(conn, name: str) -> bytes | None:
    row = conn.execute("SELECT private FROM exchange_keys WHERE name = ?", (name,)).fetchone()
    return bytes(row[0]) if row and row[0] is not None else None


def get_public(conn, name: str) -> bytes | None:
    row = conn.execute("SELECT public FROM exchange_keys WHERE name = ?", (name,)).fetchone()
    return bytes(row[0]) if row else None


def put(tx: Tx, name: str, kind: str, public: bytes, private: bytes | None = None) -> None:
    old = get_public(tx.conn, name)
    tx.execute("INSERT OR REPLACE INTO exchange_keys (name, kind, private, public, created_at) VALUES (?,?,?,?,?)",
               (name, kind, private, public, tx.ts))
    tx.audit("保存密钥" if private else "保存对方公钥", "exchange_keys", name,
             {"fingerprint": [keys.fingerprint(old) if old else None, keys.fingerprint(public)]})


def ensure_own_keys(tx: Tx) -> None:
    """Create this unit's Ed25519 signing key and X25519 encryption key once."""
    for name, kind in ((OWN_SIGNING, "ed25519"), (OWN_ENCRYPTION, "x25519")):
        if get_private(tx.conn, name) is None:
            pair = keys.KeyPair.generate(kind)
            put(tx, name, kind, pair.public, pair.private)


def require_private(conn, name: str) -> bytes:
    key = get_private(conn, name)
    if key is None:
        raise BadInput("本数据文件还没有数据包密钥：学校端请先载入县级下发的初始化包（“导入导出”页"
                       "“上报数据包”中的“载入初始化包…”；命令行 xueji school load-init PKG），"
                       "县级端数据文件由 xueji county init 创建。")
    return key


def own_fingerprint(conn) -> str | None:
    public = get_public(conn, OWN_SIGNING)
    return keys.fingerprint(public) if public else None
