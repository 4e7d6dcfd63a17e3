"""Key pairs, fingerprints, signing and public-key encryption for packages.

Everything here is the ``cryptography`` library; we only choose and combine:
- Ed25519 signs every package (school → county submissions, county → school init and feedback).
- Encryption to a recipient's X25519 public key: a fresh ephemeral X25519 key per package,
  HKDF-SHA256 over the shared secret (salt = ephemeral ‖ recipient public key) gives a 256-bit key
  for ChaCha20-Poly1305 (the same construction as HPKE's base mode / age, without a new dependency).
Private keys live only in the encrypted store (table ``exchange_keys``), never in files.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from ..errors import BadInput

HKDF_INFO = b"xueji-package-v1 x25519-chacha20poly1305"
ENCRYPTION_ALG = "X25519-HKDF-SHA256-ChaCha20Poly1305"
SIGNATURE_ALG = "Ed25519"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str, what: str, size: int | None = None) -> bytes:
    try:
        data = base64.b64decode(str(text).encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError):
        raise BadInput(f"数据包损坏：{what} 不是有效的编码。") from None
    if size is not None and len(data) != size:
        raise BadInput(f"数据包损坏：{what} 长度不对。")
    return data


def _raw_private(key) -> bytes:
    return key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())


def _raw_public(key) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


@dataclass(frozen=True)
class KeyPair:
    """Raw 32-byte keys: ``kind`` is 'ed25519' (signing) or 'x25519' (encryption)."""

    kind: str
    private: bytes
    public: bytes

    @classmethod
    def generate(cls, kind: str) -> KeyPair:
        key = Ed25519PrivateKey.generate() if kind == "ed25519" else X25519PrivateKey.generate()
        return cls(kind, _raw_private(key), _raw_public(key.public_key()))


def fingerprint(public_key: bytes) -> str:
    """80 bits of SHA-256 of the raw public key, as five groups of four hex digits (read aloud by phone)."""
    h = hashlib.sha256(b"xueji-key-fingerprint\n" + public_key).hexdigest()[:20].upper()
    return " ".join(h[i:i + 4] for i in range(0, 20, 4))


def normalise_fingerprint(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch in "0123456789ABCDEF")


def sign(private_key: bytes, message: bytes) -> bytes:
    return Ed25519PrivateKey.from_private_bytes(private_key).sign(message)


def verify(public_key: bytes, signature: bytes, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


def _derive(shared: bytes, ephemeral_public: bytes, recipient_public: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=ephemeral_public + recipient_public,
                info=HKDF_INFO).derive(shared)


def encrypt_to(recipient_public: bytes, plaintext: bytes, aad: bytes) -> tuple[bytes, bytes, bytes]:
    """Returns (ephemeral public key, nonce, ciphertext)."""
    ephemeral = X25519PrivateKey.generate()
    eph_pub = _raw_public(ephemeral.public_key())
    key = _derive(ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient_public)), eph_pub, recipient_public)
    nonce = os.urandom(12)
    return eph_pub, nonce, ChaCha20Poly1305(key).encrypt(nonce, plaintext, aad)


def decrypt_with(recipient_private: bytes, ephemeral_public: bytes, nonce: bytes, ciphertext: bytes,
                 aad: bytes) -> bytes | None:
    """The plaintext, or None when the key does not fit or anything was changed."""
    private = X25519PrivateKey.from_private_bytes(recipient_private)
    recipient_public = _raw_public(private.public_key())
    try:
        shared = private.exchange(X25519PublicKey.from_public_bytes(ephemeral_public))
        key = _derive(shared, ephemeral_public, recipient_public)
        return ChaCha20Poly1305(key).decrypt(nonce, ciphertext, aad)
    except (InvalidTag, ValueError):
        return None


def x25519_public_of(private_key: bytes) -> bytes:
    return _raw_public(X25519PrivateKey.from_private_bytes(private_key).public_key())


def ed25519_public_of(private_key: bytes) -> bytes:
    return _raw_public(Ed25519PrivateKey.from_private_bytes(private_key).public_key())
