"""Reading zip archives we did not write ourselves, without trusting them.

Python 3.11's ``zipfile`` lacks the overlapped-entry bomb fix (CVE-2024-0450), accepts duplicate member
names (``read()`` returns the last one) and happily returns names such as ``../../x`` or ``/etc/x``. So
before reading anything we check the central directory ourselves: member count, declared sizes, the
compression ratio, name safety, duplicates and that entries do not overlap. Nothing is ever extracted to
disk; members are read into memory by the names *we* expect.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass

from ..errors import BadInput


@dataclass(frozen=True)
class Limits:
    max_members: int
    max_member_size: int
    max_total_size: int
    max_ratio: int = 100           # uncompressed / compressed, for members bigger than ratio_floor
    ratio_floor: int = 1 << 20
    stored_only: bool = False


_SAFE_NAME = re.compile(r"^[A-Za-z0-9_.\-]+(/[A-Za-z0-9_.\-]+)*$")
_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")  # zipfile.structFileHeader
_LOCAL_MAGIC = b"PK\x03\x04"


def check_name(name: str, what: str) -> None:
    if "\x00" in name or "\\" in name or name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        raise BadInput(f"{what}含有绝对路径或非法字符的成员“{name[:80]}”，拒绝读取（可能是恶意构造的文件）。")
    if any(part in ("..", ".", "") for part in name.split("/")):
        raise BadInput(f"{what}含有路径穿越成员“{name[:80]}”，拒绝读取（可能是恶意构造的文件）。")
    if not _SAFE_NAME.match(name):
        raise BadInput(f"{what}含有不允许的成员名“{name[:80]}”，拒绝读取。")


_END = struct.Struct("<4s4H2LH")            # end of central directory record
_END64_LOCATOR = struct.Struct("<4sLQL")
_END64 = struct.Struct("<4sQ2H2L4Q")
CENTRAL_ENTRY_MAX = 46 + 256              # a central-directory entry with a long name, no extra or comment


def declared_directory(data: bytes) -> tuple[int, int]:
    """(member count, central-directory size) as the zip's end records declare them, read before ``zipfile``
    builds an entry per member (a 1 GiB directory would be ~20 million entries in memory); ``zipfile`` walks
    the directory by its size, so both are capped. (0, 0) when there is no end record (zipfile then refuses)."""
    at = data.rfind(b"PK\x05\x06", max(0, len(data) - (1 << 16) - _END.size))
    if at < 0 or at + _END.size > len(data):
        return 0, 0
    _sig, _disk, _cd_disk, _here, count, cd_size, _cd_offset, _comment = _END.unpack_from(data, at)
    loc = at - _END64_LOCATOR.size
    if (count == 0xFFFF or cd_size == 0xFFFFFFFF) and loc >= 0 and data[loc:loc + 4] == b"PK\x06\x07":
        offset = _END64_LOCATOR.unpack_from(data, loc)[2]
        if 0 <= offset <= len(data) - _END64.size and data[offset:offset + 4] == b"PK\x06\x06":
            fields = _END64.unpack_from(data, offset)
            count, cd_size = fields[6], fields[7]
    return count, cd_size


class SafeZip:
    """A checked view of a zip held in memory (``data``)."""

    def __init__(self, data: bytes, limits: Limits, what: str) -> None:
        self.data = data
        self.what = what
        count, directory_size = declared_directory(data)
        if count > limits.max_members or directory_size > limits.max_members * CENTRAL_ENTRY_MAX:
            raise BadInput(f"{what}成员过多（{max(count, directory_size // CENTRAL_ENTRY_MAX)} 个以上，"
                           f"上限 {limits.max_members}），拒绝读取（疑似压缩炸弹）。")
        try:
            self.zf = zipfile.ZipFile(io.BytesIO(data))
            infos = self.zf.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError, struct.error,
                NotImplementedError):  # NotImplementedError: an entry claiming a zip version newer than 6.3
            raise BadInput(f"{what}已损坏或不完整（不是有效的压缩包，可能被截断），请重新拷贝。") from None
        if len(infos) > limits.max_members:
            raise BadInput(f"{what}成员过多（{len(infos)} 个，上限 {limits.max_members}），拒绝读取（疑似压缩炸弹）。")
        seen: set[str] = set()
        total = 0
        for info in infos:
            check_name(info.filename, what)
            if info.filename in seen:
                raise BadInput(f"{what}含有重名成员“{info.filename}”，拒绝读取（可能是恶意构造的文件）。")
            seen.add(info.filename)
            if info.flag_bits & 0x1:
                raise BadInput(f"{what}含有加密的压缩成员，不是本程序写出的文件。")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) or (
                    limits.stored_only and info.compress_type != zipfile.ZIP_STORED):
                raise BadInput(f"{what}的成员“{info.filename}”使用了不支持的压缩方式，不是本程序写出的文件。")
            if info.file_size > limits.max_member_size:
                raise BadInput(f"{what}的成员“{info.filename}”过大（{info.file_size} 字节），"
                               "拒绝读取（疑似压缩炸弹）。")
            if (info.file_size > limits.ratio_floor
                    and info.file_size > limits.max_ratio * max(info.compress_size, 1)):
                raise BadInput(f"{what}的成员“{info.filename}”压缩比异常，拒绝读取（疑似压缩炸弹）。")
            if info.compress_type == zipfile.ZIP_STORED and info.compress_size != info.file_size:
                raise BadInput(f"{what}的成员“{info.filename}”大小不一致，文件已损坏。")
            total += info.file_size
        if total > limits.max_total_size:
            raise BadInput(f"{what}解压后总大小超出上限（{total} 字节），拒绝读取（疑似压缩炸弹）。")
        self._spans = self._check_layout(infos)
        self.infos = {i.filename: i for i in infos}

    def _check_layout(self, infos: list[zipfile.ZipInfo]) -> dict[str, tuple[int, int]]:
        """Each member's data span; refuse overlapping entries (the CVE-2024-0450 bomb) and bad local headers."""
        spans: dict[str, tuple[int, int]] = {}
        end_prev = 0
        for info in sorted(infos, key=lambda i: i.header_offset):
            off = info.header_offset
            if off < end_prev:
                raise BadInput(f"{self.what}的成员互相重叠，拒绝读取（疑似压缩炸弹）。")
            head = self.data[off:off + _LOCAL_HEADER.size]
            if len(head) < _LOCAL_HEADER.size or head[:4] != _LOCAL_MAGIC:
                raise BadInput(f"{self.what}已损坏或不完整（成员“{info.filename}”的位置不对），请重新拷贝。")
            fields = _LOCAL_HEADER.unpack(head)
            name_len, extra_len = fields[10], fields[11]
            start = off + _LOCAL_HEADER.size + name_len + extra_len
            raw_name = self.data[off + _LOCAL_HEADER.size:off + _LOCAL_HEADER.size + name_len]
            if raw_name.decode("utf-8", "replace") != info.filename and raw_name.decode("cp437", "replace") != \
                    info.filename:
                raise BadInput(f"{self.what}的成员名前后不一致（“{info.filename}”），拒绝读取。")
            end = start + info.compress_size
            if end > len(self.data):
                raise BadInput(f"{self.what}不完整（被截断），请重新拷贝。")
            spans[info.filename] = (start, end)
            end_prev = end
        return spans

    def names(self) -> list[str]:
        return list(self.infos)

    def read(self, name: str) -> bytes:
        info = self.infos.get(name)
        if info is None:
            raise BadInput(f"{self.what}缺少成员“{name}”，文件不完整或不是本程序写出的。")
        if info.compress_type == zipfile.ZIP_STORED:
            # Stored members are sliced directly: the package's SHA-256 and signature protect them, so the
            # CRC-32 zipfile would compute on top is redundant work.
            start, end = self._spans[name]
            return self.data[start:end]
        try:
            with self.zf.open(info) as f:
                out = f.read(info.file_size + 1)
        except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError, zlib.error) as exc:
            raise BadInput(f"{self.what}的成员“{name}”已损坏（{exc.__class__.__name__}）。") from None
        if len(out) != info.file_size:
            raise BadInput(f"{self.what}的成员“{name}”大小与目录不符，拒绝读取。")
        return out


def write_zip(members: list[tuple[str, bytes, bool]]) -> bytes:
    """Zip (name, data, compress) members in memory, in the given order, with a fixed timestamp."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data, compress in members:
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
            zf.writestr(info, data, compresslevel=6 if compress else None)
    return buf.getvalue()
