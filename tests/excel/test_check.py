"""check-excel reads a workbook exactly as import-excel does: same rows, same columns, same issues."""

from __future__ import annotations

import pytest

from xueji_desktop.excel.check import check_workbook
from xueji_desktop.excel.importer import import_workbook
from xueji_desktop.records.students import get_student

from .conftest import demo_rows, headers, messy_workbook

# messy_workbook: title row 1, group titles row 2, header row 3, hint row 4, data from Excel row 5
FIRST = 5


def _messy_with_problems(path, count=40):
    rows = demo_rows(count)
    h = headers()
    rows[3][h.index("民族")] = "火星族"                       # a student column
    rows[5][h.index("成员2联系电话")] = "1381234"              # 联系电话 under the merged title 家庭成员2
    rows[7][h.index("成员1身份证件号")] = 3.40102e17           # member 1's ID, a number cell Excel damaged
    rows[9][h.index("成员2户口所在地")] = "同上"               # member 2's 户口所在地, not the student's
    return rows, messy_workbook(path, rows, hint_row=True)


def test_check_excel_and_import_map_the_same_columns_on_a_messy_file(class_store, tmp_path):
    rows, path = _messy_with_problems(tmp_path / "messy.xlsx")
    check = check_workbook(path)
    result = import_workbook(class_store, path)
    assert result.header_row == 3
    assert check["rows"] == result.rows == len(rows)  # the hint row is neither a student nor a problem
    checked = {(i["row"], i["field"], i["severity"], i["code"]) for i in check["issues"]}
    imported = {(p.row + 1, i.field, i.severity, i.code) for p in result.bad_rows for i in p.issues}
    assert checked == imported
    errors = {(r, f, c) for r, f, s, c in checked if s == "error"}
    assert {(r, f) for r, f, _ in errors} == {(FIRST + 3, "ethnicity"), (FIRST + 5, "members.1.phone"),
                                              (FIRST + 7, "members.0.id_number")}
    assert (FIRST + 7, "members.0.id_number", "id.excel_damaged") in errors
    # check-excel names the column as written in the file: the unprefixed 联系电话 under 家庭成员2
    phone = next(i for i in check["issues"] if i["field"] == "members.1.phone")
    assert (phone["row"], phone["column"]) == (FIRST + 5, "联系电话")
    # and the import put the same cells into the same places
    h = headers()
    (sid,) = class_store.query("SELECT id FROM students WHERE name = ?", (rows[5][h.index("姓名")],))[0]
    assert get_student(class_store, sid)["members"][1]["phone"] == "1381234"
    (sid,) = class_store.query("SELECT id FROM students WHERE name = ?", (rows[9][h.index("姓名")],))[0]
    rec = get_student(class_store, sid)
    assert rec["members"][1]["household_address"] == rec["household_address"]  # 同上 = the student's address


def test_check_excel_refuses_what_the_import_refuses(tmp_path):
    from xueji_desktop.errors import BadInput

    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    with pytest.raises(BadInput, match=r"已损坏或不是有效的 Excel 工作簿"):
        check_workbook(old)


def test_check_excel_reads_school_class_spellings(tmp_path):
    """三年级(2)班, or 2班 beside 年级 三年级: a class with a stage and entry year; 2班 alone is flagged."""
    from .conftest import save_rows

    h = headers()
    rows = demo_rows(3)
    rows[0][h.index("班级")], rows[0][h.index("年级")] = "三年级（2）班", ""
    rows[1][h.index("班级")], rows[1][h.index("年级")] = "2班", "三年级"
    rows[2][h.index("班级")], rows[2][h.index("年级")] = "2班", ""
    check = check_workbook(save_rows(tmp_path / "school.xlsx", h, rows))
    unparsed = {i["row"] for i in check["issues"] if i["code"] == "class.unparsed"}
    assert unparsed == {4}  # header in row 1: the third student
