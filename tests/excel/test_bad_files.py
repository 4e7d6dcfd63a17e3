"""Bad files: one plain Chinese sentence, database unchanged, memory bounded."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from xueji_desktop.cli import main
from xueji_desktop.errors import BadInput
from xueji_desktop.excel.importer import import_workbook
from xueji_desktop.excel.template import write_template

from .conftest import demo_rows, headers, save_rows

ROOT = Path(__file__).resolve().parents[2]


def _snapshot(store):
    return (store.query("SELECT count(*) FROM students")[0][0], store.query("SELECT count(*) FROM audit_log")[0][0])


def _rewrite_sheet(src: Path, dst: Path, edit) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                edit(zout, info.filename, data.decode("utf-8"))
            else:
                zout.writestr(info, data)
    return dst


def _entity_bomb(zout, name, xml):
    bomb = ('<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">'
            + "".join(f'<!ENTITY {c} "{("&" + p + ";") * 10}">' for p, c in zip("abcdefgh", "bcdefghi", strict=True))
            + "]>")
    xml = xml.split("?>", 1)[-1].replace("<sheetData>", "<sheetData><row r=\"900\"><c r=\"A900\" t=\"inlineStr\">"
                                        "<is><t>&i;</t></is></c></row>", 1)
    zout.writestr(name, bomb + xml)


def _password_protected(path: Path) -> None:
    # An encrypted .xlsx is an OLE compound file whose directory names the EncryptionInfo stream (MS-OFFCRYPTO).
    entry = "EncryptionInfo".encode("utf-16-le").ljust(64, b"\0")
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1016 + entry + b"\0" * 2000)


@pytest.fixture
def good_file(tmp_path):
    return save_rows(tmp_path / "good.xlsx", headers(), demo_rows(3))


@pytest.mark.parametrize("kind, expected", [
    ("empty", "是空的"),
    ("text", "不是 Excel 工作簿"),
    ("xls", "已损坏或不是有效的 Excel 工作簿"),   # an OLE container that is no .xls workbook
    ("password", "设置了打开密码"),
    ("truncated", "已损坏或不完整"),
    ("entity_bomb", "不安全的 XML"),
    ("wrong_template", "没有找到学生信息表头"),
    ("header_only", "没有数据行"),
    ("zip_not_xlsx", "不是 Excel 工作簿"),
])
def test_bad_file_gives_one_line_error_and_changes_nothing(class_store, tmp_path, good_file, kind, expected):
    path = tmp_path / f"{kind}.xlsx"
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "text":
        path.write_text("姓名,性别\n张三,男\n", encoding="utf-8")
    elif kind == "xls":
        path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4000)
    elif kind == "password":
        _password_protected(path)
    elif kind == "truncated":
        data = good_file.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    elif kind == "entity_bomb":
        _rewrite_sheet(good_file, path, _entity_bomb)
    elif kind == "wrong_template":
        save_rows(path, ["商品", "单价", "数量"], [["笔", 2, 3]])
    elif kind == "header_only":
        write_template(path)
    elif kind == "zip_not_xlsx":
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("readme.txt", "hello")
    before = _snapshot(class_store)
    with pytest.raises(BadInput) as info:
        import_workbook(class_store, path)
    message = str(info.value)
    assert expected in message and "\n" not in message and path.name in message
    assert _snapshot(class_store) == before


def test_cli_reports_bad_file_on_one_line(class_store, tmp_path, monkeypatch, capsys):
    from tests.conftest import PASSWORD

    path = tmp_path / "x.xlsx"
    path.write_bytes(b"")
    monkeypatch.setenv("XUEJI_PASSWORD", PASSWORD)
    assert main(["import-excel", str(path), "--db", str(class_store.path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"错误：文件 {path.name} 是空的（0 字节）：请选择填好数据的 Excel 文件。"]


MEMORY_PROBE = r"""
import resource, sys, zipfile
from pathlib import Path
sys.path.insert(0, sys.argv[3])
from xueji_desktop.excel.reader import check_container, find_layout, iter_data_rows
src, dst = Path(sys.argv[1]), Path(sys.argv[2])
with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
    for info in zin.infolist():
        data = zin.read(info)
        if info.filename != "xl/worksheets/sheet1.xml":
            zout.writestr(info, data)
            continue
        head, tail = data.decode().split("</sheetData>")
        with zout.open(info.filename, "w") as fh:
            fh.write(head.encode())
            for start in range(10, 1_000_010, 10_000):
                fh.write("".join(f'<row r="{r}" s="1" customFormat="1"><c r="A{r}" s="1"/><c r="BW{r}" s="1"/></row>'
                                 for r in range(start, start + 10_000)).encode())
            fh.write(("</sheetData>" + tail).encode())
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
check_container(dst)
wb, sheet, layout = find_layout(dst)
rows = sum(1 for _ in iter_data_rows(sheet, layout))
print(rows, (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) // 1024)
"""


@pytest.mark.slow
def test_million_empty_formatted_rows_stay_small(tmp_path, good_file):
    out = subprocess.run([sys.executable, "-c", MEMORY_PROBE, str(good_file), str(tmp_path / "big.xlsx"), str(ROOT)],
                         capture_output=True, text=True, timeout=240, check=True)
    rows, grown_mb = map(int, out.stdout.split())
    assert rows == 3          # the formatted empty rows are not data
    assert grown_mb < 200     # memory bounded: not a million rows × 75 cells


def test_million_empty_formatted_rows_import(class_store, tmp_path, good_file):
    def pad(zout, name, xml):
        head, tail = xml.split("</sheetData>")
        with zout.open(name, "w") as fh:
            fh.write(head.encode())
            for start in range(10, 1_000_010, 20_000):
                fh.write("".join(f'<row r="{r}" s="1" customFormat="1"><c r="B{r}" s="1"/></row>'
                                 for r in range(start, start + 20_000)).encode())
            fh.write(("</sheetData>" + tail).encode())

    path = _rewrite_sheet(good_file, tmp_path / "padded.xlsx", pad)
    result = import_workbook(class_store, path)
    assert result.rows == 3 and result.inserted == 3


def test_damaged_deflate_data_in_a_part_is_a_clear_message(tmp_path):
    """Found by the fuzz harness (issue 21): one flipped byte inside a part's compressed data made zlib raise
    ("invalid distance too far back") out of the container check: a traceback instead of a message."""
    import io
    import zipfile

    from xueji_desktop.errors import BadInput
    from xueji_desktop.excel.reader import check_container

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook>" + "<sheet/>" * 500 + "</workbook>")
    data = bytearray(buf.getvalue())
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/workbook.xml")
    start = info.header_offset + 30 + len(info.filename)
    data[start:start + info.compress_size] = b"\xff" * info.compress_size  # not a valid deflate stream
    path = tmp_path / "damaged.xlsx"
    path.write_bytes(bytes(data))
    with pytest.raises(BadInput, match="已损坏"):
        check_container(path)
