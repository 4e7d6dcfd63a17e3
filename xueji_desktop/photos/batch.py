"""What a worker process does for one photo of a batch (import, recheck), and what the photo panel stores
for one photo the clerk picks. Kept apart from ``library`` (the database side) so that a worker process
imports only the imaging code: every worker start costs the import, and a school's batch starts two to
eight of them."""

from __future__ import annotations

from typing import Any

from ..errors import BadInput
from . import imaging
from .check import CheckResult, Problem, check_photo_bytes

MAX_STORED_PIXELS = 1_000_000


def checked_for_storing(data: bytes, name: str = "", *, keep_original: bool = False) -> tuple[bytes, CheckResult]:
    """The bytes to store for a photo the user gives as it is, and its check (of the file as given).

    A photo over 1 MP (a phone original) is stored as a ≤ 1 MP copy (upright, no EXIF/GPS), encoded from
    the same decode the check analysed: never a 12 MP original inside the database and every backup,
    unless ``keep_original``. The import and the photo panel's 选择照片 both store through this."""
    reduce_to = None if keep_original else imaging.reduced_size(data, MAX_STORED_PIXELS)
    check = check_photo_bytes(data, name, analyse_at=reduce_to, keep_pixels=reduce_to is not None)
    if check.pixels is not None:
        data = imaging.reduced(check.pixels, MAX_STORED_PIXELS)
        check.pixels = None
    return data, check


def import_worker(job: tuple[str, bool, bool]) -> tuple[bytes | None, dict[str, Any]]:
    """In a worker process: read one file, check it, with ``fix`` repair it. Returns (bytes to store, check):
    a photo that passes, as given; with ``fix`` the fixed 358 × 441 JPEG when it is better; otherwise what
    ``checked_for_storing`` keeps."""
    from ..infiles import read_regular
    from .fix import fix_photo_bytes
    from .rules import MAX_FILE_BYTES

    path, fix, keep_originals = job
    try:
        data = read_regular(path, MAX_FILE_BYTES, "照片")  # a FIFO or device named like a photo is refused
    except BadInput as exc:
        return None, check_dict(CheckResult(path, [Problem("file.unreadable", str(exc))]))
    tried = False
    if fix and not imaging.has_upload_size(data):
        # A phone photo: its check can only fail on size, so go straight to the fix (which checks its output).
        tried = True
        try:
            fixed = fix_photo_bytes(data, name=path)
            return fixed.jpeg, check_dict(fixed.check)
        except BadInput:
            pass
    stored, check = checked_for_storing(data, path, keep_original=keep_originals)
    if check.problems and check.problems[0].code == "format.unreadable":
        return None, check_dict(check)
    if fix and not tried and not check.ok:
        try:
            fixed = fix_photo_bytes(data, name=path)
        except BadInput:
            pass
        else:
            if fixed.check.ok or len(fixed.check.problems) < len(check.problems):
                return fixed.jpeg, check_dict(fixed.check)
    return stored, check_dict(check)


def check_dict(check: CheckResult) -> dict[str, Any]:
    return {"ok": check.ok, "problems": [p.to_dict() for p in check.problems]}


def check_blob_worker(item: tuple[int, bytes]) -> tuple[int, bool, list[dict[str, str]]]:
    """In a worker process: check one stored photo (重新检查全部照片)."""
    sid, data = item
    check = check_photo_bytes(data)
    return sid, check.ok, [p.to_dict() for p in check.problems]
