"""The signed, encrypted envelope every ``.xjpkg`` file is: see docs/package-format.md.

A package is a zip with exactly three stored members, in this order:

- ``xueji-package.json``: the header (canonical JSON): format and version, kind, sender identity and
  Ed25519 public key, recipient, sequence number, creation time, how the payload is encrypted, and the
  payload's size, CRC-32 and SHA-256;
- ``payload.bin``: the payload, encrypted to the recipient's X25519 key (init packages: not encrypted);
- ``signature.ed25519``: Ed25519 over ``b"xueji-package-v1\\n" + header``.

So a county verifies *who* sent a package and that nothing changed (signature, then one SHA-256 over
the ciphertext) before decrypting anything. The zip framing is written by :func:`_frame` (not zipfile)
and re-derived on reading: every byte of the file is either signed content or framing that must match
exactly, so a changed byte anywhere — even a timestamp in a zip header — is refused.
"""

from __future__ import annotations

import hashlib
import json
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import BadInput
from ..infiles import read_regular
from . import keys
from .safezip import Limits, SafeZip
from .shapes import MAX_SEQUENCE

FORMAT = "xueji-package"
FORMAT_VERSION = 1
SUPPORTED_VERSIONS = (1,)
KINDS = {"submission": "学校上报数据包", "init": "学校初始化包", "feedback": "县级反馈包",
         "aggregate": "县级汇总上报包", "transfer": "县际转学包", "county_init": "县级初始化包"}
HEADER_NAME, PAYLOAD_NAME, SIGNATURE_NAME = "xueji-package.json", "payload.bin", "signature.ed25519"
MEMBER_ORDER = (HEADER_NAME, PAYLOAD_NAME, SIGNATURE_NAME)
SIGNATURE_CONTEXT = b"xueji-package-v1\n"
MAX_FILE_SIZE = 1 << 30          # 1 GiB: a school of 10,000 students with photos is ~ 0.3 GiB
MAX_HEADER_SIZE = 1 << 16
OUTER_LIMITS = Limits(max_members=16, max_member_size=MAX_FILE_SIZE, max_total_size=MAX_FILE_SIZE,
                      stored_only=True)


def canonical(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _aad(header: dict[str, Any]) -> bytes:
    """What the AEAD binds the ciphertext to: the header without the fields that describe the ciphertext."""
    return canonical({k: v for k, v in header.items() if k not in ("encryption", "payload")})


# ---- zip framing -----------------------------------------------------------------------------
# Written by hand (30 lines) because zipfile cannot write a CRC we computed earlier and cannot tell
# us whether a file is byte-for-byte what it would have written; both are needed to authenticate every byte.
_LOCAL = struct.Struct("<4sHHHHHLLLHH")
_CENTRAL = struct.Struct("<4sHHHHHHLLLHHHHHLL")
_END = struct.Struct("<4sHHHHLLH")
_DOS_DATE = (0 << 9) | (1 << 5) | 1  # 1980-01-01


def _frame(members: list[tuple[str, int, int]]) -> tuple[list[bytes], bytes]:
    """Local headers (one per member) and the trailer (central directory + end record) for
    members given as (name, size, crc32)."""
    locals_, central, offset = [], [], 0
    for name, size, crc in members:
        raw = name.encode("ascii")
        lh = _LOCAL.pack(b"PK\x03\x04", 10, 0, 0, 0, _DOS_DATE, crc, size, size, len(raw), 0) + raw
        central.append(_CENTRAL.pack(b"PK\x01\x02", 20, 10, 0, 0, 0, _DOS_DATE, crc, size, size, len(raw),
                                     0, 0, 0, 0, 0, offset) + raw)
        locals_.append(lh)
        offset += len(lh) + size
    cd = b"".join(central)
    end = _END.pack(b"PK\x05\x06", 0, 0, len(members), len(members), len(cd), offset, 0)
    return locals_, cd + end


def _assemble(header_bytes: bytes, payload: bytes, payload_crc: int, signature: bytes) -> bytes:
    parts = [(HEADER_NAME, header_bytes, zlib.crc32(header_bytes)), (PAYLOAD_NAME, payload, payload_crc),
             (SIGNATURE_NAME, signature, zlib.crc32(signature))]
    locals_, trailer = _frame([(n, len(d), c) for n, d, c in parts])
    return b"".join(lh + d for lh, (_n, d, _c) in zip(locals_, parts, strict=True)) + trailer


# ---- writing -----------------------------------------------------------------------------------

def seal(*, kind: str, sender: dict[str, Any], signing_private: bytes, recipient: dict[str, Any],
         recipient_x25519: bytes | None, sequence: int, created_at: str, body: bytes) -> bytes:
    """Build a package: encrypt ``body`` to ``recipient_x25519`` (None: leave it clear), then sign."""
    header: dict[str, Any] = {
        "format": FORMAT, "format_version": FORMAT_VERSION, "kind": kind, "tool_version": __version__,
        "created_at": created_at, "sequence": int(sequence),
        "sender": {**sender, "signing_public": keys.b64(keys.ed25519_public_of(signing_private))},
        "recipient": recipient,
    }
    if recipient_x25519 is not None:
        eph, nonce, payload = keys.encrypt_to(recipient_x25519, body, _aad(header))
        header["encryption"] = {"alg": keys.ENCRYPTION_ALG, "ephemeral_public": keys.b64(eph),
                                "nonce": keys.b64(nonce), "recipient_fingerprint": keys.fingerprint(recipient_x25519)}
    else:
        payload = body
        header["encryption"] = {"alg": "none"}
    if len(payload) > MAX_FILE_SIZE - MAX_HEADER_SIZE:
        raise BadInput("数据过大，无法写成一个数据包（上限 1 GiB）。")
    crc = zlib.crc32(payload)
    header["payload"] = {"name": PAYLOAD_NAME, "size": len(payload), "crc32": crc, "sha256": _sha256(payload)}
    header_bytes = canonical(header)
    signature = keys.sign(signing_private, SIGNATURE_CONTEXT + header_bytes)
    return _assemble(header_bytes, payload, crc, signature)


# ---- reading -----------------------------------------------------------------------------------

@dataclass
class Envelope:
    header: dict[str, Any]
    payload: bytes | memoryview   # a view into the file's bytes: copying a 100 MB payload costs as much as hashing it
    name: str

    @property
    def kind(self) -> str:
        return self.header["kind"]

    @property
    def sender(self) -> dict[str, Any]:
        return self.header["sender"]

    @property
    def signing_public(self) -> bytes:
        return keys.unb64(self.sender.get("signing_public", ""), "发送方公钥", 32)

    @property
    def fingerprint(self) -> str:
        return keys.fingerprint(self.signing_public)

    @property
    def sequence(self) -> int:
        return self.header["sequence"]  # an int in range: checked by open_envelope

    def decrypt(self, x25519_private: bytes) -> bytes:
        enc = self.header["encryption"]
        if enc.get("alg") == "none":
            return bytes(self.payload)
        mine = keys.fingerprint(keys.x25519_public_of(x25519_private))
        if enc.get("recipient_fingerprint") != mine:
            raise BadInput(f"{self.name}：不是发给本单位的数据包（加密公钥指纹 {enc.get('recipient_fingerprint')}，"
                           f"本单位 {mine}），无法解密。请确认发送方用的是本单位下发的初始化包（其中有本单位的公钥）。")
        plain = keys.decrypt_with(x25519_private, keys.unb64(enc.get("ephemeral_public", ""), "临时公钥", 32),
                                  keys.unb64(enc.get("nonce", ""), "随机数", 12), self.payload, _aad(self.header))
        if plain is None:
            raise BadInput(f"{self.name}：解密失败（密钥不符或内容被改动），未导入任何数据。")
        return plain


def read_file(path: Path | str) -> bytes:
    """A package file's bytes: regular files only, never more than MAX_FILE_SIZE (checked while reading)."""
    return read_regular(path, MAX_FILE_SIZE, "数据包文件")


def open_envelope(data: bytes, name: str = "数据包") -> Envelope:
    """Check structure, format version, signature (against the key named in the header), every byte of
    the framing and the payload's SHA-256. Whether that key is *trusted* is for the caller to decide."""
    what = f"{name}："
    if len(data) > MAX_FILE_SIZE:
        raise BadInput(f"{what}文件过大，不是有效的数据包。")
    members = _canonical_members(data)
    canonical_layout = members is not None
    if members is None:
        # Not laid out the way we write packages: let the zip checks say precisely what is wrong, then
        # (if signature and hashes hold) refuse it for its framing below.
        z = SafeZip(data, OUTER_LIMITS, what)
        names = sorted(z.infos, key=lambda n: z.infos[n].header_offset)
        if set(names) != set(MEMBER_ORDER) or len(names) != 3:
            raise BadInput(f"{what}不是本程序的数据包（成员应为 {', '.join(MEMBER_ORDER)}，"
                           f"实际为 {', '.join(n[:40] for n in names[:6])}）。")
        members = {n: (memoryview(z.read(n)), z.infos[n].CRC) for n in MEMBER_ORDER}
    header_bytes = bytes(members[HEADER_NAME][0])
    if len(header_bytes) > MAX_HEADER_SIZE:
        raise BadInput(f"{what}包头过大，不是有效的数据包。")
    try:
        header = json.loads(header_bytes.decode("utf-8"))
        if not isinstance(header, dict):
            raise ValueError
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise BadInput(f"{what}包头已损坏（不是有效的 JSON），文件被改动或不完整。") from None
    if header.get("format") != FORMAT:
        raise BadInput(f"{what}不是本程序的数据包（格式标识不符）。")
    version = header.get("format_version")
    if version not in SUPPORTED_VERSIONS:
        raise BadInput(f"{what}数据包格式版本 {version!r} 不受支持（本程序支持 "
                       f"{', '.join(map(str, SUPPORTED_VERSIONS))}），请升级本程序后再导入。")
    if header.get("kind") not in KINDS:
        raise BadInput(f"{what}未知的数据包类型 {header.get('kind')!r}。")
    try:
        if not all(isinstance(header.get(k), dict) for k in ("sender", "recipient", "encryption", "payload")) \
                or not isinstance(header.get("created_at"), str) or isinstance(header.get("sequence"), bool):
            raise TypeError
        signing_public = keys.unb64(header["sender"]["signing_public"], "发送方公钥", 32)
        meta = header["payload"]
        size, crc, digest = int(meta["size"]), int(meta["crc32"]), str(meta["sha256"])
        header["encryption"]["alg"]
    except (KeyError, TypeError, ValueError):
        raise BadInput(f"{what}包头缺少必需的项，文件被改动或不是本程序写出的。") from None
    sequence = header.get("sequence")
    if isinstance(sequence, bool) or not isinstance(sequence, int) or not 1 <= sequence <= MAX_SEQUENCE:
        raise BadInput(f"{what}包头中的序号 {str(sequence)[:30]} 不是 1 到 {MAX_SEQUENCE} 之间的整数，"
                       "文件被改动或不是本程序写出的。")
    if len(header["created_at"]) > 40:
        raise BadInput(f"{what}包头中的生成时间过长，文件被改动或不是本程序写出的。")
    signature = bytes(members[SIGNATURE_NAME][0])
    if not keys.verify(signing_public, signature, SIGNATURE_CONTEXT + header_bytes):
        raise BadInput(f"{what}签名无效：包头或签名被改动过，或不是由声明的发送方签发。未导入任何数据。")
    payload, zip_crc = members[PAYLOAD_NAME]
    if len(payload) != size:
        raise BadInput(f"{what}数据部分长度不符（被截断或改动），请重新拷贝。")
    if _sha256(payload) != digest:
        raise BadInput(f"{what}数据部分的 SHA-256 校验值不符：内容在传递中被改动过。未导入任何数据。")
    # The zip CRCs are framing too: they must be the ones we would have written (the payload's is signed
    # in the header; it is not recomputed, the SHA-256 above already covers the payload).
    if not canonical_layout or zip_crc != crc or members[HEADER_NAME][1] != zlib.crc32(header_bytes) \
            or members[SIGNATURE_NAME][1] != zlib.crc32(signature):
        raise BadInput(f"{what}文件结构被改动过（与签名内容不一致），拒绝导入。")
    return Envelope(header, payload, name)


def _canonical_members(data: bytes) -> dict[str, tuple[memoryview, int]] | None:
    """The three members (as views, no copy) and their zip CRC-32s, if ``data`` is laid out byte for byte
    as :func:`_assemble` writes it for the sizes and CRCs its local headers declare; None otherwise.
    The caller then checks those CRCs against the signed content, so every framing byte is authenticated."""
    view = memoryview(data)
    spans: list[tuple[str, int, int, int, int]] = []  # name, local header offset, data start, size, crc
    pos = 0
    for expected in MEMBER_ORDER:
        if len(data) < pos + _LOCAL.size:
            return None
        fields = _LOCAL.unpack_from(data, pos)
        size, name_len, extra_len = fields[7], fields[9], fields[10]
        start = pos + _LOCAL.size + name_len + extra_len
        if start + size > len(data):
            return None
        spans.append((expected, pos, start, size, fields[6]))
        pos = start + size
    locals_, trailer = _frame([(n, size, crc) for n, _p, _s, size, crc in spans])
    if view[pos:] != trailer:
        return None
    members: dict[str, tuple[memoryview, int]] = {}
    for lh, (n, at, start, size, crc) in zip(locals_, spans, strict=True):
        if view[at:start] != lh:
            return None
        members[n] = (view[start:start + size], crc)
    return members
