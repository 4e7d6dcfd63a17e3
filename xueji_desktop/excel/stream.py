"""Reading a very large sheet in bounded memory: the sheet XML in slices, each slice parsed by calamine.

python-calamine has no streaming API: it builds the whole dense sheet in Rust before the first row comes
out (~1.1 GB for 200,000 rows × 75 columns). For a big sheet we therefore inflate the sheet part from the
zip ourselves, cut it between rows, and hand each slice to calamine as a small in-memory workbook
(ZIP_STORED) made of the original workbook, styles and shared strings plus that slice. Cell parsing, number
formats, dates and shared strings stay calamine's; we only split the XML between ``<row`` tags (``<`` is
always escaped inside XML text, so a literal ``<row`` is a tag). Slices are independent, so worker
processes parse them in parallel with the rest of the import.

Ordinary files (sheet XML under ``STREAM_MIN_BYTES``, a few thousand rows) never come here: the plain
reader handles them. A sheet whose rows have no ``r`` attribute (optional in OOXML) is not sliced, since
calamine would number each slice's rows from 0.
"""

from __future__ import annotations

import io
import re
import threading
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from queue import Empty, Full, Queue
from typing import Any, TypeVar

import defusedxml.ElementTree as ET
import python_calamine as calamine

from ..errors import BadInput
from .reader import HEADER_SCAN_ROWS, Layout, sheet_layout

T = TypeVar("T")

STREAM_MIN_BYTES = 48 * 1024**2   # sheet XML above this (~15,000 template rows) is read in slices
SLICE_BYTES = 6 * 1024**2         # ~2,000 template rows per slice
READ_BYTES = 4 * 1024**2
_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_SHEET_DATA = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?)sheetData\b[^>]*?(/?)>")
_ROOT = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?worksheet)\b")
_DIMENSION = re.compile(rb"<(?:[\w.-]+:)?dimension\s+ref=\"[A-Z]*\d*:?[A-Z]*(\d+)\"")
_ROW_NUMBER = re.compile(rb"\sr\s*=")
_MERGES = re.compile(rb"<(?:[\w.-]+:)?mergeCells\b.*?</(?:[\w.-]+:)?mergeCells>", re.S)
# Parts a slice workbook leaves out: other sheets and what hangs off them (drawings, comments, media…).
_SKIP_PREFIXES = ("xl/worksheets/", "xl/drawings/", "xl/comments", "xl/media/", "xl/charts/", "xl/pivot",
                  "xl/printerSettings/", "xl/externalLinks/", "xl/threadedComments/", "xl/persons/")


def _first_sheet_part(zf: zipfile.ZipFile) -> tuple[str, str] | None:
    """(name, part path) of the workbook's first sheet, from workbook.xml and its relationships."""
    try:
        book = ET.fromstring(zf.read("xl/workbook.xml"))
        rels = ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ET.ParseError):
        return None
    sheet = book.find(f"{_NS_MAIN}sheets/{_NS_MAIN}sheet")
    if sheet is None:
        return None
    rid = sheet.get(f"{_NS_REL}id")
    for rel in rels.iter(f"{_NS_PKG}Relationship"):
        if rel.get("Id") == rid and rel.get("Type", "").endswith("/worksheet"):
            target = rel.get("Target", "")
            part = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
            return sheet.get("name", ""), part
    return None


@dataclass(frozen=True)
class SliceBook:
    """What turns a slice of sheet XML into a small workbook calamine can open. Picklable and small (the
    workbook's little parts), so the worker that parses a slice builds it: zip writing and its CRC cost the
    main process, which writes the database, ~1.5 s of a 200,000-row import."""

    part: str                    # the sheet's part name
    prefix: bytes                # the sheet XML up to and including <sheetData>
    closing: bytes               # </sheetData></worksheet>
    parts: dict[str, bytes]      # the other parts a slice workbook needs
    merges: bytes = b""          # the sheet's <mergeCells>

    def workbook(self, rows: bytes, *, merges: bool = False) -> bytes:
        """A complete .xlsx (ZIP_STORED, nothing compressed) holding only ``rows`` of the sheet."""
        xml = self.prefix + rows + self.closing
        if merges and self.merges:
            end = self.closing.index(b">") + 1  # </sheetData>: the merges follow it
            xml = self.prefix + rows + self.closing[:end] + self.merges + self.closing[end:]
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as out:
            for name, data in self.parts.items():
                out.writestr(name, data)
            out.writestr(self.part, xml)
        return buf.getvalue()


class SheetStream:
    """The first sheet of a big workbook as a series of slice workbooks (bytes), header found in the first."""

    def __init__(self, path: Path, name: str, part: str) -> None:
        self.path, self.name, self.part = path, name, part
        with zipfile.ZipFile(path) as zf:
            self.size = zf.getinfo(part).file_size
            # Everything a slice workbook needs besides the slice itself: small parts, copied once.
            self.parts = {i.filename: zf.read(i) for i in zf.infolist()
                          if i.filename != part and not i.filename.startswith(_SKIP_PREFIXES)}
        self.prefix = b""            # the sheet XML up to and including <sheetData>
        self.closing = b""           # </sheetData></worksheet>, with the file's namespace prefix
        self.row_tag = b"<row"
        self.merges = b""            # the sheet's <mergeCells> (group titles above the header)
        self.total_rows: int | None = None
        self.layout: Layout | None = None

    # -- the sheet XML ------------------------------------------------------------------------------------

    def _inflate(self) -> Iterator[bytes]:
        try:
            with zipfile.ZipFile(self.path) as zf, zf.open(self.part) as fh:
                while block := fh.read(READ_BYTES):
                    yield block
        except (zipfile.BadZipFile, EOFError, OSError, zlib.error):
            raise BadInput(f"文件 {self.path.name} 已损坏或不完整，无法读取：请重新保存或重新拷贝该文件后再导入。"
                           ) from None

    def _scan_tail(self) -> None:
        """One pass over the whole part for the merged ranges that follow the rows (only when there are titles
        above the header: inflating 400 MB of XML twice costs seconds). A truncated part fails here, or else
        at the end of :meth:`slices`, inside the import's transaction, which then rolls back."""
        last = tail = b""
        for block in self._inflate():
            last, tail = tail, block  # the last two blocks: <mergeCells> may straddle them
        tail = last + tail
        end = tail.rfind(b"</" + self.closing[2:self.closing.index(b">") + 1])
        m = _MERGES.search(tail, max(end, 0))
        self.merges = m.group(0) if m else b""

    def slices(self) -> Iterator[bytes]:
        """The rows of the sheet as XML slices, each cut before a ``<row`` tag (header rows included)."""
        buf = b""
        blocks = self._inflate()
        for block in blocks:
            buf += block
            m = _SHEET_DATA.search(buf)
            if m:
                break
            if len(buf) > 16 * 1024**2:  # no <sheetData> in 16 MB of prolog: not a sheet we can slice
                raise BadInput(f"文件 {self.path.name} 的工作表结构异常，无法读取：请在 Excel 或 WPS 中另存为后再导入。"
                               )
        else:
            return
        ns, empty = m.group(1), m.group(2)
        if not self.prefix:
            root = _ROOT.search(buf)
            if root is None:
                raise BadInput(f"文件 {self.path.name} 的工作表结构异常，无法读取：请在 Excel 或 WPS 中另存为后再导入。"
                               )
            self.prefix = buf[:m.start()] + b"<" + ns + b"sheetData>"
            self.closing = b"</" + ns + b"sheetData></" + root.group(1) + b">"
            self.row_tag = b"<" + ns + b"row"
            dim = _DIMENSION.search(self.prefix)
            self.total_rows = int(dim.group(1)) if dim else None
            if dim:  # a slice must not claim the whole sheet's extent
                self.prefix = self.prefix[:dim.start()] + self.prefix[self.prefix.index(b">", dim.end()) + 1:]
        if empty:
            return
        end_tag = b"</" + ns + b"sheetData>"
        buf = buf[m.end():]
        searched = 0  # buf[:searched] holds no end tag: each block is searched once, not the whole buffer again
        done = False
        while not done:
            end = buf.find(end_tag, max(searched - len(end_tag), 0))
            searched = len(buf)
            if end >= 0:
                done = True
                rows, buf = buf[:end], b""
            elif len(buf) >= SLICE_BYTES:
                cut = self._last_row_start(buf)
                if cut <= 0:
                    block = next(blocks, None)  # one row bigger than a slice: read on
                    if block is None:
                        raise self._truncated()
                    buf += block
                    continue
                rows, buf = buf[:cut], buf[cut:]
                searched = len(buf)
            else:
                block = next(blocks, None)
                if block is None:
                    raise self._truncated()
                buf += block
                continue
            if rows.strip():
                yield rows

    def _truncated(self) -> BadInput:
        return BadInput(f"文件 {self.path.name} 已损坏或不完整（工作表没有结尾），无法读取：请重新保存后再导入。")

    def _last_row_start(self, buf: bytes) -> int:
        tag = self.row_tag
        pos = len(buf)
        while True:
            pos = buf.rfind(tag, 0, pos)
            if pos < 0:
                return -1
            if self._is_row_tag(buf, pos):
                return pos
            # "<rowBreaks" or similar: keep looking

    def _is_row_tag(self, buf: bytes, pos: int) -> bool:
        """Whether the row tag name found at ``pos`` ends there (``<row …``, not ``<rowBreaks``)."""
        end = pos + len(self.row_tag)
        return buf[end:end + 1] in (b" ", b">", b"/", b"\t", b"\n", b"\r")

    def data_row_estimate(self) -> int | None:
        """Rows under the header from the sheet's <dimension>, for progress; None when the file has none."""
        if self.layout is None or not self.total_rows:
            return None
        return max(self.total_rows - self.layout.header_row - 1, 0) or None

    def book(self) -> SliceBook:
        """What makes a slice a workbook, once the prolog has been read (after the first slice)."""
        return SliceBook(self.part, self.prefix, self.closing, self.parts, self.merges)

    def workbook(self, rows: bytes, *, merges: bool = False) -> bytes:
        return self.book().workbook(rows, merges=merges)

    def check_numbered(self, rows: bytes) -> bool:
        """The slice's first row carries its number (``r``).

        calamine numbers a row without ``r`` as the one before it plus one (tested): within a slice that is what
        a whole-sheet read gives, but a slice starting without one would be counted from row 1."""
        tag = self.row_tag
        pos = rows.find(tag)
        while pos >= 0 and not self._is_row_tag(rows, pos):
            pos = rows.find(tag, pos + 1)  # <rowBreaks…: not a row
        if pos < 0:
            return True  # no row at all: nothing to misnumber
        end = rows.find(b">", pos)
        return _ROW_NUMBER.search(rows, pos + len(tag), end if end >= 0 else len(rows)) is not None


def open_stream(path: Path) -> tuple[SheetStream, Iterator[bytes], Any, Layout] | None:
    """For a workbook whose first sheet is big: (stream, the remaining slices, first slice sheet, layout).

    None when the file is ordinary (the plain reader handles it) or its first sheet can't be sliced safely.
    """
    try:
        with zipfile.ZipFile(path) as zf:
            first = _first_sheet_part(zf)
            if first is None or first[1] not in zf.namelist() or zf.getinfo(first[1]).file_size < STREAM_MIN_BYTES:
                return None
    except (zipfile.BadZipFile, OSError):
        return None
    stream = SheetStream(path, *first)
    slices = stream.slices()
    head = next(slices, None)
    if head is None or not stream.check_numbered(head):
        return None
    sheet = _slice_sheet(stream.workbook(head))
    layout = sheet_layout(sheet, stream.name)
    if _text_above_header(sheet, layout):
        # Group titles above the header may be merged over several columns, and the merges follow the rows:
        # read the sheet to its end once to find them, then look for the header again.
        stream._scan_tail()
        sheet = _slice_sheet(stream.workbook(head, merges=True))
        layout = sheet_layout(sheet, stream.name)
    if layout is None:
        return None  # the plain reader looks at the other sheets and gives the usual message
    stream.layout = layout

    def all_slices() -> Iterator[bytes]:
        yield head
        for rows in slices:
            if not stream.check_numbered(rows):
                raise BadInput(f"文件 {path.name} 的部分行缺少行号，无法可靠读取：请在 Excel 或 WPS 中另存为后再导入。")
            yield rows
    return stream, all_slices(), sheet, layout


def _slice_sheet(data: bytes) -> Any:
    return calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)


def _text_above_header(sheet: Any, layout: Layout | None) -> bool:
    """Whether any row above the header (no header found: any of the first HEADER_SCAN_ROWS rows) has text:
    titles that a merged range could spread over the header's columns."""
    limit = layout.header_row if layout is not None else None
    for i, row in enumerate(sheet.iter_rows()):
        if limit is not None and i >= limit:
            return False
        if any(isinstance(v, str) and v.strip() for v in row):
            return limit is not None or i < HEADER_SCAN_ROWS
    return False


def close_source(items: Any) -> None:
    """Close a generator that a consumer stops reading early (its files, its thread); other iterables: nothing."""
    close = getattr(items, "close", None)
    if close is not None:
        close()


def prefetched(items: Iterator[T], depth: int = 2) -> Iterator[T]:
    """``items`` produced by a thread, up to ``depth`` ahead of the consumer.

    Inflating the sheet (zlib and CRC release the GIL) then overlaps the database writes of the main thread,
    the import's critical path. The producer's exceptions (a damaged file) reach the consumer in order; a
    consumer that stops early (cancel, error) stops the producer."""
    queue: Queue = Queue(depth)
    stop = threading.Event()
    done = object()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        queue.put((item, None), timeout=0.1)
                        break
                    except Full:
                        continue
                if stop.is_set():
                    return
            queue.put((done, None))
        except BaseException as exc:  # handed to the consumer, which raises it
            queue.put((done, exc))
        finally:
            close_source(items)  # a generator's files (the zip) close now, in its own thread

    thread = threading.Thread(target=produce, name="xueji-slices", daemon=True)
    thread.start()
    try:
        while True:
            item, exc = queue.get()
            if item is done:
                if exc is not None:
                    raise exc
                return
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # unblock a producer waiting to put
            try:
                queue.get_nowait()
            except Empty:
                pass
            thread.join(0.05)


def slice_rows(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    """(0-based sheet row, cells by absolute column) of one slice workbook."""
    try:
        wb = calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = wb.get_sheet_by_index(0)
    except calamine.CalamineError:
        # a flipped byte in the deflated sheet can inflate to garbage (the CRC is only checked at its end)
        raise BadInput("Excel 文件已损坏或不完整（工作表内容无法解析），无法读取：请重新保存或重新拷贝该文件后再导入。"
                       ) from None
    start_row, start_col = sheet.start or (0, 0)
    pad = [""] * start_col
    # to_python(skip_empty_area=True) starts at the slice's first row; iter_rows would pad from row 0.
    for i, row in enumerate(sheet.to_python(skip_empty_area=True)):
        yield start_row + i, (pad + row) if start_col else row
