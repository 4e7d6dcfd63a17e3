"""Big sheets are read in slices (excel/stream.py): the result must equal the plain reader's, row for row."""

from __future__ import annotations

from xueji_desktop.excel import stream
from xueji_desktop.excel.importer import import_workbook

from .conftest import demo_rows, headers, messy_workbook


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
