"""Files written for the user: no clear-text temp files on the way, whole or nothing on disk, clear errors;
and a full disk under the database rolls the write back."""

from __future__ import annotations

import errno
import os
import tempfile
import zipfile
from pathlib import Path

import openpyxl
import pytest
import python_calamine

from xueji_desktop import outfiles
from xueji_desktop.cli import main
from xueji_desktop.errors import BadInput, DiskFull, XuejiError
from xueji_desktop.excel import report
from xueji_desktop.excel.importer import import_workbook
from xueji_desktop.excel.template import export_students, write_template
from xueji_desktop.records.school_year import write_change_report
from xueji_desktop.stats import compute_stats, export_stats_xlsx

from .excel.conftest import demo_rows, headers, save_rows


def _forbid_temp_files(monkeypatch, tmp_path: Path) -> Path:
    """Point the system temp folder nowhere: from now on anything that writes a temp file through tempfile fails."""
    nowhere = tmp_path / "no-such-temp-folder"
    monkeypatch.setattr(tempfile, "tempdir", str(nowhere))
    return nowhere


def test_forbidding_temp_files_catches_the_libraries_defaults(tmp_path, monkeypatch):
    import xlsxwriter

    _forbid_temp_files(monkeypatch, tmp_path)
    for options in ({"constant_memory": True}, {}):  # rows in a temp file; parts in temp files
        wb = xlsxwriter.Workbook(str(tmp_path / "plain.xlsx"), options)
        with pytest.raises((OSError, xlsxwriter.exceptions.FileCreateError), match="no-such-temp-folder"):
            wb.add_worksheet().write_string(0, 0, "张三")
            wb.close()
    book = openpyxl.Workbook()
    book.active["A1"] = "张三"
    with pytest.raises(OSError, match="no-such-temp-folder"):
        book.save(tmp_path / "plain2.xlsx")


def _bad_rows_file(path: Path) -> Path:
    rows = demo_rows(6)
    id_col = headers().index("身份证件号")
    rows[1][id_col] = "11010120100101123X"  # bad checksum
    rows[3][headers().index("性别")] = "未知"
    return save_rows(path, headers(), rows)


@pytest.mark.parametrize("rebuilt", [False, True], ids=["openpyxl copy", "large input, rebuilt"])
def test_excel_outputs_are_built_without_temp_files(tmp_path, class_store, monkeypatch, rebuilt):
    if rebuilt:
        monkeypatch.setattr(report, "LARGE_ROWS", 0)
    source = _bad_rows_file(tmp_path / "in.xlsx")  # (the test's own input is written with openpyxl's defaults)
    nowhere = _forbid_temp_files(monkeypatch, tmp_path)
    write_template(tmp_path / "模板.xlsx")
    result = import_workbook(class_store, source, report=tmp_path / "报告.xlsx")
    assert result.pending == 2
    assert export_students(class_store, tmp_path / "学生.xlsx") == 6
    export_stats_xlsx(compute_stats(class_store), tmp_path / "统计.xlsx")
    write_change_report([{"编号": 1, "姓名": "张三", "身份证件号": "110101201001011234", "班级": "一(1)班",
                          "异动类型": "休学", "生效日期": "2026-09-01", "原因": "病", "状态": "已批准",
                          "申请人": "admin", "审核人": "leader"}], tmp_path / "异动.xlsx")

    # Every file is a whole workbook with its content, and no .part is left beside it.
    names = sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".xlsx")
    assert names == sorted(["模板.xlsx", "in.xlsx", "报告.xlsx", "学生.xlsx", "统计.xlsx", "异动.xlsx"])
    assert not list(tmp_path.glob("*.part"))
    exported = python_calamine.CalamineWorkbook.from_path(str(tmp_path / "学生.xlsx"))
    assert len(exported.get_sheet_by_index(0).to_python()) == 7  # header + 6 students
    marked = openpyxl.load_workbook(tmp_path / "报告.xlsx")
    assert report.SUMMARY_SHEET in marked.sheetnames
    sheet = marked.worksheets[0]
    bad = [c for row in sheet.iter_rows() for c in row if c.comment is not None]
    assert len(bad) >= 2 and any("身份证件号" in c.comment.text or "校验" in c.comment.text for c in bad)
    change = openpyxl.load_workbook(tmp_path / "异动.xlsx").active
    assert change["C2"].value == "110101201001011234"
    assert not nowhere.exists()


def test_template_round_trips_through_the_memory_writer(tmp_path, class_store):
    """The streaming in-memory sheet gives the same kind of file as before: inline strings, rows in order."""
    source = save_rows(tmp_path / "in.xlsx", headers(), demo_rows(30))
    import_workbook(class_store, source)
    export_students(class_store, tmp_path / "out.xlsx")
    again = import_workbook(class_store, tmp_path / "out.xlsx")
    assert (again.rows, again.inserted, again.updated, again.unchanged) == (30, 0, 0, 30)
    with zipfile.ZipFile(tmp_path / "out.xlsx") as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml")
        names = zf.namelist()
    assert b't="inlineStr"' in sheet and "xl/sharedStrings.xml" not in names


def _no_space(*_args, **_kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def test_full_disk_leaves_the_old_file_and_no_part(tmp_path, monkeypatch):
    target = tmp_path / "模板.xlsx"
    target.write_bytes(b"earlier file")
    monkeypatch.setattr(outfiles.os, "fsync", _no_space)
    with pytest.raises(BadInput, match="磁盘空间不足"):
        write_template(target)
    assert target.read_bytes() == b"earlier file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["模板.xlsx"]


def test_cli_says_disk_full_on_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(outfiles.os, "fsync", _no_space)
    assert main(["template", "--out", str(tmp_path / "t.xlsx")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("错误：磁盘空间不足") and "\n" not in err
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(("code", "words"), [
    (errno.ENOSPC, "磁盘空间不足"), (errno.EROFS, "只读"), (errno.EACCES, "正被其他程序"), (errno.EIO, "无法写入"),
])
def test_write_error_names_the_cause(code, words):
    assert words in outfiles.write_error("E:/学生.xlsx", OSError(code, os.strerror(code)))


def test_missing_folder_is_refused_before_any_work(tmp_path):
    with pytest.raises(BadInput, match="保存位置不存在"):
        write_template(tmp_path / "nope" / "t.xlsx")


def test_full_database_disk_rolls_the_import_back(tmp_path, class_store, capsys):
    source = save_rows(tmp_path / "in.xlsx", headers(), demo_rows(300))
    conn = class_store.conn
    before = conn.execute("SELECT count(*) FROM students").fetchone()[0], class_store.meta("audit_head")
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages + 20}")  # what SQLite sees when the disk fills up
    with pytest.raises(DiskFull, match=r"磁盘空间不足.*未改变"):
        import_workbook(class_store, source)
    conn.execute("PRAGMA max_page_count = 1073741823")
    assert (conn.execute("SELECT count(*) FROM students").fetchone()[0], class_store.meta("audit_head")) == before
    assert import_workbook(class_store, source).inserted == 300  # and the store still works


def test_a_cut_pdf_is_refused_and_removed(tmp_path, monkeypatch):
    from xueji_desktop.printing.layout import Page, Text
    from xueji_desktop.ui import print_render

    page = Page()
    page.add(Text(20, 20, 100, 10, "学生名册"))
    print_render.write_pdf([page], tmp_path / "whole.pdf")
    whole = (tmp_path / "whole.pdf").read_bytes()
    assert print_render._pdf_complete(tmp_path / "whole.pdf")
    (tmp_path / "cut.pdf").write_bytes(whole[: len(whole) // 2])
    assert not print_render._pdf_complete(tmp_path / "cut.pdf")

    # QPdfWriter reports no write error: a file cut short by a full disk is caught by its missing end.
    monkeypatch.setattr(print_render, "_pdf_complete", lambda _path: False)
    with pytest.raises(XuejiError, match="无法完整写入"):
        print_render.write_pdf([page], tmp_path / "名册.pdf")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cut.pdf", "whole.pdf"]
