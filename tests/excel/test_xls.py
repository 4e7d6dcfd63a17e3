""".xls (Excel 97-2003), as the national system and provincial tools export it: read with the same tolerance as
.xlsx (title rows, merged group titles, other headers, dates and numbers as cells), never written."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
import xlwt

from xueji_desktop.cli import main
from xueji_desktop.errors import BadInput
from xueji_desktop.excel.check import check_workbook
from xueji_desktop.excel.importer import import_workbook
from xueji_desktop.excel.template import export_students, write_template
from xueji_desktop.records.students import get_student

from .conftest import demo_rows, headers, save_rows

DATE = xlwt.easyxf(num_format_str="YYYY-MM-DD")


def _xls(path, header: list[str], rows: list[list], *, title: str | None = None, group: tuple | None = None,
         sheet: str = "学生基本信息"):
    """``rows`` under ``header``; birth dates written as date cells, long digit strings as text (as exports do);
    ``group``: (first column, last column, title) merged over the row above the header."""
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet(sheet)
    r = 0
    if title:
        ws.write(r, 0, title)
        r += 1
    if group:
        ws.write_merge(r, r, group[0], group[1], group[2])
        r += 1
    for j, h in enumerate(header):
        ws.write(r, j, h)
    for i, row in enumerate(rows, start=r + 1):
        for j, value in enumerate(row):
            if header[j] in ("出生日期", "出生年月") and value:
                ws.write(i, j, dt.date.fromisoformat(value), DATE)
            elif value not in ("", None):
                ws.write(i, j, value)
    wb.save(str(path))
    return path


def _stored(store):
    return sorted((s["name"], s["id_number"], s["birth_date"], s["gender"], s.get("ethnicity"),
                   tuple((m.get("name"), m.get("relation"), m.get("phone")) for m in s["members"]))
                  for s in (get_student(store, sid) for (sid,) in store.query("SELECT id FROM students")))


def test_an_xls_export_imports_like_the_same_xlsx(class_store, tmp_path):
    rows = demo_rows(8)
    h = headers()
    rows[3][h.index("成员1联系电话")] = "1381234"   # a deliberate error
    renamed = [{"姓名": "学生姓名", "出生日期": "出生年月", "身份证件类型": "身份证类型"}.get(x, x) for x in h]
    xls = _xls(tmp_path / "导出.xls", renamed, rows, title="某小学学生基本信息")
    result = import_workbook(class_store, xls)
    assert (result.rows, result.inserted, result.pending) == (8, 8, 1)
    assert {(p.row, i.field) for p in result.bad_rows for i in p.issues if i.severity == "error"} == {
        (5, "members.0.phone")}
    # the same rows as an .xlsx: every student found and unchanged (same values, same issues)
    stored = _stored(class_store)
    again = import_workbook(class_store, save_rows(tmp_path / "same.xlsx", h, rows))
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 8)
    assert _stored(class_store) == stored
    # check-excel reads it too
    report = check_workbook(xls)
    assert report["rows"] == 8
    assert {(i["row"], i["column"]) for i in report["issues"] if i["severity"] == "error"} == {(6, "成员1联系电话")}


def test_xls_with_a_merged_group_title_over_unprefixed_member_columns(class_store, tmp_path):
    header = ["学生姓名", "性别", "出生日期", "身份证件号", "班级", "姓名", "关系", "联系方式", "是否监护人"]
    row = demo_rows(1)[0]
    h = headers()
    values = [row[h.index(x)] for x in ("姓名", "性别", "出生日期", "身份证件号", "班级")] + [
        row[h.index("成员1姓名")], "父亲", "13812345678", "是"]
    path = _xls(tmp_path / "family.xls", header, [values], group=(5, 8, "家庭成员1"))
    import_workbook(class_store, path)
    ((sid,),) = class_store.query("SELECT id FROM students")
    member = get_student(class_store, sid)["members"][0]
    assert (member["name"], member["relation"], member["phone"]) == (values[5], "1", "13812345678")


def test_the_error_report_of_an_xls_is_an_xlsx_with_the_marks(class_store, tmp_path):
    rows = demo_rows(3)
    h = headers()
    rows[1][h.index("成员1联系电话")] = "1381234"
    xls = _xls(tmp_path / "in.xls", h, rows)
    out = tmp_path / "in_错误报告.xlsx"
    import_workbook(class_store, xls, report=out)
    ws = openpyxl.load_workbook(out).worksheets[0]
    cell = ws.cell(row=3, column=h.index("成员1联系电话") + 1)
    assert cell.value == "1381234" and cell.comment is not None and "联系电话" in cell.comment.text
    assert ws.cell(row=2, column=h.index("姓名") + 1).value == rows[0][h.index("姓名")]


def _snapshot(store):
    return store.query("SELECT count(*) FROM students")[0][0], store.query("SELECT count(*) FROM audit_log")[0][0]


def test_xls_is_refused_for_writing_only(class_store, tmp_path, monkeypatch, capsys):
    from tests.conftest import PASSWORD

    with pytest.raises(BadInput, match=r"不能写入 \.xls.*模板\.xlsx"):
        write_template(tmp_path / "模板.xls")
    with pytest.raises(BadInput, match=r"不能写入 \.xls"):
        export_students(class_store, tmp_path / "学生.xls")
    xls = _xls(tmp_path / "in.xls", headers(), demo_rows(2))
    before = _snapshot(class_store)
    with pytest.raises(BadInput, match=r"不能写入 \.xls"):
        import_workbook(class_store, xls, report=tmp_path / "报告.xls")
    assert _snapshot(class_store) == before  # refused before importing anything
    monkeypatch.setenv("XUEJI_PASSWORD", PASSWORD)
    assert main(["template", "--out", str(tmp_path / "t.xls")]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        "错误：不能写入 .xls 文件（t.xls）：本程序读取 .xls，但只写 Excel 工作簿 .xlsx，请改用 t.xlsx。"]
    assert not (tmp_path / "t.xls").exists()
