"""Wrapped database keys, one per user account plus one for the recovery key.

The database is encrypted with a random 256-bit key. That key never touches the
disk in the clear: the keyring file (``<db>.keys``, JSON, beside the database)
holds it encrypted ("wrapped") once per account with a key derived from the
account's password by scrypt, and once with the printed recovery key. Adding or
removing a user, or changing a password, rewrites only the keyring, never the
data. The associated data binds each wrapped key to this database and to the
account name, so entries cannot be swapped between files or accounts.

Roles are *not* kept here: they live in the encrypted ``users`` table, where a
clerk with a text editor cannot promote themselves.
"""

from __future__ import annotations

import base64
import json
import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from ..errors import BadInput, WrongPassword
from ..outfiles import write_file

KEYRING_FORMAT = 1
# scrypt cost: ~0.1 s and 32 MiB on a slow office PC; enough against guessing from a stolen USB stick
# when combined with a real password, cheap enough to open the app without waiting.
SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
RECOVERY_GROUPS = 8
RECOVERY_GROUP_LEN = 5


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _derive(secret: str, salt: bytes, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(secret.encode("utf-8"))


def new_database_key() -> bytes:
    return secrets.token_bytes(32)


def new_recovery_key() -> str:
    """40 random decimal digits (~132 bits) in groups of five: easy to print and read aloud."""
    digits = "".join(str(secrets.randbelow(10)) for _ in range(RECOVERY_GROUPS * RECOVERY_GROUP_LEN))
    return format_recovery_key(digits)


def format_recovery_key(digits: str) -> str:
    return "-".join(digits[i : i + RECOVERY_GROUP_LEN] for i in range(0, len(digits), RECOVERY_GROUP_LEN))


def normalise_recovery_key(text: str) -> str:
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) != RECOVERY_GROUPS * RECOVERY_GROUP_LEN:
        raise WrongPassword(f"恢复密钥应为 {RECOVERY_GROUPS * RECOVERY_GROUP_LEN} 位数字，请核对打印的恢复密钥。")
    return digits


def keyring_path(db_path: Path) -> Path:
    return Path(str(db_path) + ".keys")


@dataclass
class Keyring:
    path: Path
    db_id: str
    entries: dict[str, dict]  # "user:<name>" or "recovery" -> wrapped entry

    # ---- loading and saving -------------------------------------------------
    @classmethod
    def new(cls, path: Path) -> Keyring:
        return cls(path=path, db_id=str(uuid.uuid4()), entries={})

    @classmethod
    def load(cls, path: Path) -> Keyring:
        try:
            raw = json.loads(path.read_text("utf-8"))
        except FileNotFoundError:
            raise BadInput(f"找不到密钥文件 {path.name}，它应与数据文件放在同一文件夹。") from None
        except (OSError, ValueError) as exc:
            raise BadInput(f"密钥文件 {path.name} 已损坏，无法读取：{exc}") from None
        if raw.get("format") != KEYRING_FORMAT:
            raise BadInput(f"密钥文件 {path.name} 的格式版本 {raw.get('format')} 不受支持。")
        return cls(path=path, db_id=raw["db_id"], entries=dict(raw["entries"]))

    def save(self, path: Path | None = None) -> None:
        target = path or self.path
        data = json.dumps(
            {"format": KEYRING_FORMAT, "db_id": self.db_id, "entries": self.entries},
            ensure_ascii=False,
            indent=1,
            sort_keys=True,
        )
        write_file(target, data.encode("utf-8"))  # whole or not at all; a full disk gets its own message

    # ---- wrapping -----------------------------------------------------------
    def _aad(self, slot: str) -> bytes:
        return f"xueji-keyring/{self.db_id}/{slot}".encode()

    def _wrap(self, slot: str, secret: str, db_key: bytes) -> None:
        salt = secrets.token_bytes(16)
        nonce = secrets.token_bytes(12)
        kek = _derive(secret, salt)
        self.entries[slot] = {
            "kdf": {"name": "scrypt", "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P, "salt": _b64(salt)},
            "nonce": _b64(nonce),
            "wrapped": _b64(AESGCM(kek).encrypt(nonce, db_key, self._aad(slot))),
        }

    def _unwrap(self, slot: str, secret: str) -> bytes:
        entry = self.entries.get(slot)
        if entry is None:
            raise WrongPassword("用户名或密码错误。")
        kdf = entry["kdf"]
        kek = _derive(secret, _unb64(kdf["salt"]), kdf["n"], kdf["r"], kdf["p"])
        try:
            return AESGCM(kek).decrypt(_unb64(entry["nonce"]), _unb64(entry["wrapped"]), self._aad(slot))
        except InvalidTag:
            raise WrongPassword("用户名或密码错误。") from None

    # ---- accounts -----------------------------------------------------------
    def has_user(self, username: str) -> bool:
        return f"user:{username}" in self.entries

    def usernames(self) -> list[str]:
        return sorted(k.split(":", 1)[1] for k in self.entries if k.startswith("user:"))

    def set_password(self, username: str, password: str, db_key: bytes) -> None:
        self._wrap(f"user:{username}", password, db_key)

    def remove_user(self, username: str) -> None:
        self.entries.pop(f"user:{username}", None)

    def unlock(self, username: str, password: str) -> bytes:
        return self._unwrap(f"user:{username}", password)

    def set_recovery(self, recovery_key: str, db_key: bytes) -> None:
        self._wrap("recovery", normalise_recovery_key(recovery_key), db_key)

    def unlock_with_recovery(self, recovery_key: str) -> bytes:
        try:
            return self._unwrap("recovery", normalise_recovery_key(recovery_key))
        except WrongPassword:
            raise WrongPassword("恢复密钥不正确，请核对打印的恢复密钥。") from None
