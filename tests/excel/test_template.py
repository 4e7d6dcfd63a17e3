"""The blank template: column order, red required headers, protection, hints, drop-downs, text format."""

from __future__ import annotations

import openpyxl

from xueji_desktop.cli import main
from xueji_desktop.excel.columns import columns, match_header
from xueji_desktop.validation.spec import load_spec


def test_template_layout(tmp_path):
    out = tmp_path / "模板.xlsx"
    assert main(["template", "--out", str(out)]) == 0
    wb = openpyxl.load_workbook(out)
    ws = wb["学生信息"]
    header = [c.value for c in ws[1]]
    assert header == [c.header for c in columns()]
    # national order (README §9): 学校标识码, 姓名, 性别, 出生日期 … members after the student, 随迁子女 last
    assert header[:4] == ["学校标识码", "姓名", "性别", "出生日期"]
    assert header.index("成员1姓名") < header.index("成员2姓名") < header.index("是否进城务工人员随迁子女")
    assert len(set(header)) == len(header)
    spec = load_spec()
    # every field of the spec has a column (members twice)
    assert len(columns()) == 2 + len(spec.student_fields) + 2 * len(spec.member_fields)  # + 学校标识码, 学籍号
    for cell, col in zip(ws[1], columns(), strict=True):
        assert (cell.font.color.rgb == "FFC00000") == col.required, col.header
        assert cell.comment is not None and cell.comment.text
        assert cell.protection.locked
        # the header we write is read back as the same column
        assert match_header(cell.value) == col
    assert ws.protection.sheet
    assert not wb.vba_archive


def test_template_dropdowns_and_text_format(tmp_path):
    out = tmp_path / "t.xlsx"
    main(["template", "--out", str(out)])
    wb = openpyxl.load_workbook(out)
    ws = wb["学生信息"]
    codes_ws = wb["代码表"]
    assert codes_ws.sheet_state == "hidden"
    spec = load_spec()
    text_cols = {}
    for dim in ws.column_dimensions.values():
        for j in range(dim.min or 0, (dim.max or -1) + 1):
            text_cols[j] = (dim.number_format, dim.protection.locked)
    by_col = {}
    for dv in ws.data_validations.dataValidation:
        assert dv.type == "list"
        for rng in dv.sqref.ranges:
            by_col[rng.min_col] = dv.formula1
    for j, col in enumerate(columns(), start=1):
        assert text_cols.get(j) == ("@", False), col.header  # text format, unlocked under protection
        if col.field is not None and col.field.codes and col.key != "grade":
            formula = by_col[j]
            _sheet, ref = formula.split("!")
            cells = [c.value for row in codes_ws[ref.replace("$", "")] for c in row]
            assert cells == spec.codes[col.field.codes].names(), col.header
        elif col.key not in ("grade",):
            assert j not in by_col, col.header
