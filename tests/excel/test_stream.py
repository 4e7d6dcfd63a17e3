"""Big sheets are read in slices (excel/stream.py): the result must equal the plain reader's, row for row."""

from __future__ import annotations

import pytest

from xueji_desktop.errors import BadInput
from xueji_desktop.excel import stream
from xueji_desktop.excel.importer import import_workbook
from xueji_desktop.progress import Progress

from .conftest import demo_rows, headers, messy_workbook, save_rows


def test_sliced_import_equals_plain_import(class_store, tmp_path, sliced, monkeypatch):
    rows = demo_rows(300)
    h = headers()
    rows[7][h.index("民族")] = "火星族"
    rows[250][h.index("身份证件号")] = 3.40102201501011e17  # Excel-damaged ID, stored as a number
    path = messy_workbook(tmp_path / "big.xlsx", rows)
    opened = stream.open_stream(path)
    assert opened is not None and len(list(opened[1])) > 3  # really sliced, several slices
    first = import_workbook(class_store, path, parallel=True)
    assert (first.header_row, first.rows, first.inserted, first.pending) == (3, 300, 300, 2)
    assert sorted(p.row + 1 for p in first.bad_rows if any(i.severity == "error" for i in p.issues)) == [11, 254]
    damaged = next(p for p in first.bad_rows if p.row + 1 == 254)
    assert any(i.code == "id.excel_damaged" for i in damaged.issues)
    # The plain reader on the same file finds every record and every issue unchanged.
    monkeypatch.setattr(stream, "STREAM_MIN_BYTES", 10**12)
    assert stream.open_stream(path) is None
    again = import_workbook(class_store, path, parallel=False)
    assert (again.header_row, again.inserted, again.updated, again.unchanged) == (3, 0, 0, 300)
    assert [(p.row, p.issues) for p in again.bad_rows] == [(p.row, p.issues) for p in first.bad_rows]


def test_rows_without_numbers_are_not_sliced(tmp_path, sliced):
    path = messy_workbook(tmp_path / "in.xlsx", demo_rows(3))
    import zipfile

    src = zipfile.ZipFile(path)
    out_path = tmp_path / "no-r.xlsx"
    with zipfile.ZipFile(out_path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                import re

                data = re.sub(rb'(<row) r="\d+"', rb"\1", data)
            out.writestr(info, data)
    assert stream.open_stream(out_path) is None  # the plain reader takes it


def _rewrite_sheet(src, dst, edit):
    import zipfile

    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            zout.writestr(info, edit(data) if info.filename == "xl/worksheets/sheet1.xml" else data)
    return dst


def _corrupt_deflated_member(path, name):
    """Flip one byte inside ``name``'s compressed data: the zip still opens, the member fails its CRC or inflate."""
    import zipfile

    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(name)
    raw = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    raw[start + info.compress_size * 2 // 3] ^= 0x55
    path.write_bytes(bytes(raw))


@pytest.mark.parametrize("damage", ["cut", "crc"])
def test_damaged_big_sheet_fails_at_the_end_and_changes_nothing(class_store, tmp_path, sliced, damage):
    """The header is on row 1, so the sheet is read once, rows imported as they come: damage found only at the
    end of the sheet must still leave the store as it was (the import is one transaction)."""
    good = save_rows(tmp_path / "good.xlsx", headers(), demo_rows(120))
    path = tmp_path / f"{damage}.xlsx"
    if damage == "cut":
        _rewrite_sheet(good, path, lambda xml: xml[: len(xml) * 4 // 5])
    else:
        path.write_bytes(good.read_bytes())
        _corrupt_deflated_member(path, "xl/worksheets/sheet1.xml")
    before = class_store.query("SELECT (SELECT count(*) FROM students), (SELECT count(*) FROM audit_log)")
    class Seen(Progress):
        imported = 0

        def report(self, done, total, message):
            if message == "导入学生":
                self.imported = done

    seen = Seen()
    with pytest.raises(BadInput, match="已损坏或不完整"):
        import_workbook(class_store, path, parallel=False, progress=seen)
    assert seen.imported > 0  # rows were written before the damage showed
    assert class_store.query("SELECT (SELECT count(*) FROM students), (SELECT count(*) FROM audit_log)") == before


def test_calamine_numbers_a_row_without_r_after_the_one_before(tmp_path):
    """What slicing relies on (SheetStream.check_numbered): only a slice's first row needs its ``r``; calamine
    numbers the rows after it from there, as a whole-sheet read does."""
    import io
    import re
    import zipfile

    import python_calamine

    src = save_rows(tmp_path / "five.xlsx", ["a", "b"], [[f"x{i}", i] for i in range(4)])
    with zipfile.ZipFile(src) as zf:
        parts = {i.filename: zf.read(i) for i in zf.infolist()}
    xml = parts["xl/worksheets/sheet1.xml"].decode()
    first = iter(range(1))
    xml = re.sub(r'<row r="\d+"', lambda m: '<row r="100"' if next(first, None) is not None else "<row", xml)
    parts["xl/worksheets/sheet1.xml"] = re.sub(r'<c r="[A-Z]+\d+"', "<c", xml).encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as out:
        for name, data in parts.items():
            out.writestr(name, data)
    sheet = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(buf.getvalue())).get_sheet_by_index(0)
    assert sheet.start == (99, 0)
    assert [r[0] for r in sheet.to_python(skip_empty_area=True)] == ["a", "x0", "x1", "x2", "x3"]
    s = stream.SheetStream.__new__(stream.SheetStream)
    s.row_tag = b"<row"
    assert s.check_numbered(b'<row r="7" spans="1:2"><c/></row><row><c/></row>')
    assert s.check_numbered(b'<row spans="1:2" r="7"><c/></row>')
    assert not s.check_numbered(b'<row spans="1:2"><c r="A7"/></row><row r="8"></row>')


def test_prefetched_keeps_order_passes_errors_and_stops_with_its_consumer():
    import threading

    assert list(stream.prefetched(iter(range(50)))) == list(range(50))

    def failing():
        yield 1
        yield 2
        raise BadInput("坏了")

    got = []
    with pytest.raises(BadInput, match="坏了"):
        for x in stream.prefetched(failing()):
            got.append(x)
    assert got == [1, 2]  # what came before the damage, in order, then the error

    closed = threading.Event()

    def endless():
        try:
            n = 0
            while True:
                yield n
                n += 1
        finally:
            closed.set()

    it = stream.prefetched(endless())
    assert [next(it) for _ in range(3)] == [0, 1, 2]
    it.close()  # the consumer stops early (cancel): the producer stops and its generator is closed
    assert closed.wait(5)
    assert not any(t.name == "xueji-slices" for t in threading.enumerate())


def test_cancel_mid_import_stops_the_reading_thread_at_once(class_store, tmp_path, sliced):
    """A cancelled import rolls back and stops its slice reader then, not when the held traceback is freed."""
    import threading

    from xueji_desktop.errors import Cancelled

    path = save_rows(tmp_path / "big.xlsx", headers(), demo_rows(150))

    class CancelAfterFirstBatch(Progress):
        def report(self, done, total, message):
            if message == "导入学生" and done:
                self.cancel()

    with pytest.raises(Cancelled) as info:
        import_workbook(class_store, path, parallel=False, progress=CancelAfterFirstBatch())
    assert info.traceback  # the traceback (and the import's frames) are still held here
    assert not any(t.name == "xueji-slices" for t in threading.enumerate())
    assert class_store.query("SELECT count(*) FROM students") == [(0,)]
