"""Fixtures for the Excel tests: a school with the demo classes, and workbook builders."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from xueji_desktop import school
from xueji_desktop.demo import DEMO_SCHOOL, generate_records
from xueji_desktop.excel.columns import columns
from xueji_desktop.excel.template import record_row


def demo_rows(count: int, seed: int = 3) -> list[list[str]]:
    """Template rows (option names, class by name) for ``count`` valid demo students."""
    return [record_row(r, DEMO_SCHOOL["code"], school.class_name(c.entry_year, c.stage, c.number))
            for c, r in generate_records(count, seed=seed)]


def headers() -> list[str]:
    return [c.header for c in columns()]


def save_rows(path: Path, header: list[str], rows: list[list], *, title_rows: list[list] = (),
              sheet_title: str = "Sheet1") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet_title
    for t in title_rows:
        ws.append(t)
    ws.append(header)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def messy_workbook(path: Path, rows: list[list], *, hint_row: bool = False) -> Path:
    """Title row, merged group titles over unprefixed member headers, shared strings (openpyxl writes them);
    ``hint_row``: a row of instructions under the header, as some schools' sheets have."""
    h = headers()
    student = [c for c in h if not c.startswith(("成员", "学校标识码"))]
    member = [c[3:] for c in h if c.startswith("成员1")]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["某小学学籍信息采集表"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=6)
    ws.append([""] * len(student) + ["家庭成员1"] + [""] * (len(member) - 1) + ["家庭成员2"])
    ws.merge_cells(start_row=2, start_column=len(student) + 1, end_row=2, end_column=len(student) + len(member))
    ws.merge_cells(start_row=2, start_column=len(student) + len(member) + 1, end_row=2,
                   end_column=len(student) + 2 * len(member))
    ws.append(student + member + member)
    if hint_row:
        ws.append(["必填", "必填，请选择", "必填，格式 YYYY-MM-DD", "选填", "必填，请选择", "请填写 18 位号码"])
    for r in rows:
        ws.append([r[h.index(c)] for c in student] + [r[h.index("成员1" + c)] for c in member]
                  + [r[h.index("成员2" + c)] for c in member])
    wb.save(path)
    return path
