"""Row and column numbers stay right when a sheet starts with blank rows and columns.

python-calamine's iter_rows() yields rows from sheet row 0 but cells from the first used column; a
shifted offset would put every error comment of the error workbook on the wrong cell."""

from __future__ import annotations

import openpyxl

from tests.excel.conftest import demo_rows, headers
from xueji_desktop.excel.importer import import_workbook


def _shifted_workbook(path, rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([])  # two blank rows above and two blank columns left of the table
    ws.append([])
    for values in [headers(), *rows]:
        ws.append(["", "", *values])
    wb.save(path)
    return path


def test_blank_leading_rows_and_columns_keep_cells_in_place(class_store, tmp_path):
    rows = demo_rows(3)
    id_col = headers().index("身份证件号")
    bad = rows[1][id_col][:-1] + ("0" if rows[1][id_col][-1] != "0" else "1")
    rows[1][id_col] = bad
    path = _shifted_workbook(tmp_path / "shifted.xlsx", rows)
    report = tmp_path / "report.xlsx"
    result = import_workbook(class_store, path, report=report)
    assert result.header_row == 3 and result.rows == 3 and result.pending == 1
    ws = openpyxl.load_workbook(report).worksheets[0]
    commented = [c for row in ws.iter_rows() for c in row if c.comment and "校验位" in c.comment.text]
    assert len(commented) == 1
    cell = commented[0]
    assert cell.value == bad, f"the comment sits on {cell.coordinate} ({cell.value!r}), not on the bad ID"
    assert (cell.row, cell.column) == (5, 3 + id_col)
