"""The error workbook: red, commented bad cells, a summary sheet, and it imports again once corrected."""

from __future__ import annotations

import openpyxl

from tests.conftest import PASSWORD
from xueji_desktop.cli import main
from xueji_desktop.excel.importer import import_workbook

from .conftest import demo_rows, headers


def test_error_workbook_marks_cells_and_reimports_after_correction(class_store, tmp_path, monkeypatch, capsys):
    rows = demo_rows(6)
    h = headers()
    good_birth = rows[0][h.index("出生日期")]
    rows[0][h.index("出生日期")] = "2015年13月45日"
    rows[2][h.index("成员1联系电话")] = "1390351"
    src = tmp_path / "学生.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["某某小学学籍采集表"])   # a title row above the header
    ws.append(h)
    for r in rows:
        ws.append(r)
    wb.save(src)
    report = tmp_path / "错误报告.xlsx"
    monkeypatch.setenv("XUEJI_PASSWORD", PASSWORD)
    assert main(["import-excel", str(src), "--db", str(class_store.path), "--report", str(report)]) == 0
    out = capsys.readouterr().out
    assert "待修正 2 人" in out or "待修正 1 人" in out

    wb = openpyxl.load_workbook(report)
    ws = wb.worksheets[0]
    assert ws["A1"].value == "某某小学学籍采集表"
    birth = ws.cell(row=3, column=h.index("出生日期") + 1)
    assert birth.fill.fgColor.rgb == "FFFF7C80" and "出生日期" in birth.comment.text
    assert birth.value == "2015年13月45日"
    fine = ws.cell(row=4, column=h.index("出生日期") + 1)
    assert fine.comment is None and fine.fill.fgColor.rgb != "FFFF7C80"
    summary = wb["错误汇总"]
    values = [[c.value for c in row] for row in summary.iter_rows()]
    field_rows = {r[0]: r[1] for r in values if r and r[0] in ("出生日期", "成员1联系电话")}
    assert field_rows.get("出生日期", 0) >= 1
    class_name = rows[0][h.index("班级")]
    assert any(r[0] == class_name and r[1] >= 1 for r in values if r and r[0])
    assert any(r[0] == 3 and r[3] == "出生日期" for r in values if r and isinstance(r[0], int))

    # the clerk fixes the red cells in the report and imports it again: same students, now clean
    pending_before = class_store.query("SELECT count(*) FROM students WHERE status = 'pending'")[0][0]
    birth.value = good_birth
    ws.cell(row=5, column=h.index("成员1联系电话") + 1).value = rows[1][h.index("成员1联系电话")]
    wb.save(report)
    result = import_workbook(class_store, report)
    assert result.inserted == 0 and result.rows == 6
    assert class_store.query("SELECT count(*) FROM students")[0][0] == 6
    assert class_store.query("SELECT count(*) FROM students WHERE status = 'pending'")[0][0] < pending_before
    assert result.pending == 0


def test_large_input_report_is_rebuilt_with_marks(class_store, tmp_path, monkeypatch):
    from xueji_desktop.excel import report as report_mod

    monkeypatch.setattr(report_mod, "LARGE_ROWS", 2)  # force the streaming path on a small file
    rows = demo_rows(4)
    h = headers()
    rows[1][h.index("出生日期")] = "明天"
    src = tmp_path / "in.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(h)
    for r in rows:
        wb.active.append(r)
    wb.save(src)
    out = tmp_path / "rep.xlsx"
    import_workbook(class_store, src, report=out)
    ws = openpyxl.load_workbook(out).worksheets[0]
    cell = ws.cell(row=3, column=h.index("出生日期") + 1)
    assert cell.value == "明天" and cell.fill.fgColor.rgb == "FFFF7C80" and "出生日期" in cell.comment.text
    assert ws.cell(row=2, column=2).value == rows[0][1]
    again = import_workbook(class_store, out)
    assert again.inserted == 0 and again.rows == 4
