"""Writing our template: the empty template and the data export share one writer.

xlsxwriter (streaming row by row, in memory: see .xlsx_memory) writes plain .xlsx without macros, which WPS
and Excel both open: required headers in red, header row locked (sheet protection with every data cell
unlocked), a comment on each header with the expected format, drop-down lists of option *names*
from a hidden sheet, and every data column formatted as text so Excel cannot turn ID numbers into
floats or drop leading zeros.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from xlsxwriter.utility import xl_col_to_name

from ..errors import BadInput
from ..masking import mask_id, mask_phone
from ..outfiles import write_file
from ..progress import Progress, tick
from ..school import grade_code
from ..validation.spec import load_spec
from .columns import Column, columns
from .reader import check_xlsx_target
from .xlsx_memory import StreamingWorksheet, xlsxwriter_book

DATA_SHEET = "学生信息"
CODES_SHEET = "代码表"
LAST_ROW = 1_048_575  # drop-downs and text format reach the end of the sheet


def _comment(col: Column) -> str:
    if col.key == "student_number":
        return ("学籍号：新建学籍时由本程序分配临时学籍号（L 开头），县级审核通过后换为正式学籍号（G/J 开头）。"
                "导入时保留已有的全国学籍号（G/J 开头，如国家学籍系统导出的名单），不使用 L 开头的临时学籍号。")
    if col.field is None:
        return "本校 10 位学校标识码（导入时不使用）"
    parts = ["必填。" if col.required else "选填。", col.field.help]
    if col.field.codes:
        parts.append("请从下拉列表中选择。")
    return "".join(p for p in parts if p)


def write_workbook(path: Path | str, rows: Iterable[list[str]] = (), *, total: int | None = None,
                   progress: Progress | None = None, extra_headers: tuple[str, ...] = ()) -> int:
    """Write the template with ``rows`` (lists of cell strings in :func:`columns` order); returns rows written.

    ``extra_headers`` are plain text columns placed after the first (学校标识码), e.g. 学校名称 in the county's
    export; each row then carries their cells in the same place."""
    path = check_xlsx_target(path)
    if not path.parent.is_dir():  # before the work, not after it
        raise BadInput(f"保存位置不存在：{path.parent}。请选择已有的文件夹。")
    spec = load_spec()
    cols = columns()
    wb, buffer = xlsxwriter_book({"strings_to_numbers": False, "strings_to_formulas": False,
                                  "strings_to_urls": False})
    text = wb.add_format({"num_format": "@", "locked": False})
    head_req = wb.add_format({"bold": True, "font_color": "#C00000", "bg_color": "#F2F2F2", "border": 1,
                              "locked": True, "text_wrap": True, "valign": "vcenter"})
    head_opt = wb.add_format({"bold": True, "font_color": "#000000", "bg_color": "#F2F2F2", "border": 1,
                              "locked": True, "text_wrap": True, "valign": "vcenter"})
    ws = wb.add_worksheet(DATA_SHEET, worksheet_class=StreamingWorksheet)
    codes_ws = wb.add_worksheet(CODES_SHEET, worksheet_class=StreamingWorksheet)

    # Code tables on the hidden sheet: one column per table, names only (cells hold names).
    # Streaming worksheets are written row by row: fill the sheet in row order.
    tables = sorted(spec.codes.items())
    table_ref: dict[str, str] = {}
    for j, (name, table) in enumerate(tables):
        codes_ws.write_string(0, j, name)
        letter = xl_col_to_name(j)
        table_ref[name] = f"={CODES_SHEET}!${letter}$2:${letter}${len(table.values) + 1}"
    for i in range(max(len(t.values) for _, t in tables)):
        for j, (_name, table) in enumerate(tables):
            if i < len(table.values):
                codes_ws.write_string(i + 1, j, table.values[i][1])
    codes_ws.hide()

    ws.set_row(0, 32)
    for j, header in enumerate(extra_headers, start=1):
        ws.set_column(j, j, 24, text)
        ws.write_string(0, j, header, head_opt)
    shift = len(extra_headers)
    for j, col in enumerate(cols):
        j += shift if j else 0
        width = 22 if col.key in ("id_number", "current_address", "household_address") else 12
        ws.set_column(j, j, width, text)
        ws.write_string(0, j, col.header, head_req if col.required else head_opt)
        ws.write_comment(0, j, _comment(col), {"x_scale": 2, "y_scale": 1.5})
        if col.field is not None and col.field.codes and col.key != "grade":
            ws.data_validation(1, j, LAST_ROW, j, {
                "validate": "list", "source": table_ref[col.field.codes], "error_type": "warning",
                "error_title": col.field.label, "error_message": f"请从下拉列表中选择{col.field.label}。",
            })
    ws.freeze_panes(1, 2 + shift)
    ws.protect("", {"format_cells": True, "format_columns": True, "format_rows": True, "insert_rows": True,
                    "delete_rows": True, "sort": True, "autofilter": True})

    count = 0
    for count, row in enumerate(rows, start=1):
        for j, value in enumerate(row):
            if value:
                ws.write_string(count, j, value, text)
        if count % 2000 == 0:
            tick(progress, count, total, "写入 Excel")
    tick(progress, count, total or count, "保存文件")
    wb.close()
    write_file(path, buffer.getvalue())
    return count


def write_template(path: Path | str) -> None:
    write_workbook(path)


# ---- data export ------------------------------------------------------------------------

def record_row(record: dict[str, Any], school_code: str, class_name: str, mask: bool = False) -> list[str]:
    """One student as template cells: option *names*, the class by name, everything as text; ``mask`` hides
    the middle of every ID number and phone number (masking.py)."""
    spec = load_spec()
    members = record.get("members") or []
    row = []
    for col in columns():
        if col.field is None:
            row.append(school_code if col.key == "school_code" else str(record.get(col.key, "")))
            continue
        if col.key == "class_code" and col.member is None:
            row.append(class_name or str(record.get("class_code", "")))
            continue
        source = record if col.member is None else (members[col.member] if col.member < len(members) else {})
        value = source.get(col.key)
        value = "" if value is None else str(value)
        if value and col.field.codes:
            value = spec.codes[col.field.codes].name_of(value) or value  # unknown codes exported verbatim
        elif value and mask and col.field.type in ("id_number", "phone"):
            value = mask_id(value) if col.field.type == "id_number" else mask_phone(value)
        row.append(value)
    return row


def iter_export_rows(store, class_ids: list[int] | None = None, mask: bool = False) -> Iterator[list[str]]:
    from ..school import get_school_profile

    profile = get_school_profile(store) or {}
    school_code = str(profile.get("code", ""))
    classes = {r[0]: r[1:] for r in store.conn.execute("SELECT id, name, class_code, stage, entry_year FROM classes")}
    members: dict[int, list[dict[str, Any]]] = {}
    for sid, data in store.conn.execute("SELECT student_id, data FROM family_members ORDER BY student_id, seq"):
        members.setdefault(sid, []).append(json.loads(data))
    sql = ("SELECT s.id, s.class_id, s.data, s.student_number FROM students s LEFT JOIN classes c"
           " ON c.id = s.class_id ORDER BY c.stage, c.entry_year DESC, c.number, s.id")
    for sid, class_id, data, number in store.conn.execute(sql).fetchall():
        if class_ids is not None and class_id not in class_ids:
            continue
        record = json.loads(data)
        record["student_number"] = number
        record["members"] = members.get(sid, [])
        name = ""
        if class_id in classes:
            name, code, stage, entry_year = classes[class_id]
            record["class_code"] = code
            record["grade"] = grade_code(stage, entry_year) or ""
        yield record_row(record, school_code, name, mask)


WORKING_PURPOSE = "本校学籍工作（在 Excel 中修正后重新导入）"


def export_students(store, path: Path | str, *, class_ids: list[int] | None = None, mask: bool = False,
                    purpose: str = WORKING_PURPOSE, progress: Progress | None = None) -> int:
    """The school's students in the template; the file imports again unchanged. Returns the row count.

    This is the clerk's own working export. Data for a using unit outside the school leaves only by an
    approved export request (export_requests.py); ``mask=True`` (ID numbers and phones partly hidden) needs
    none. Either way the audit log records who exported what, and for which purpose (seed 001, 谁导出、谁负责).
    """
    store.require("clerk", "leader")
    total = store.conn.execute("SELECT count(*) FROM students").fetchone()[0]
    count = write_workbook(path, iter_export_rows(store, class_ids, mask), total=total, progress=progress)
    with store.transaction() as tx:
        tx.audit("导出Excel（部分隐藏）" if mask else "导出Excel", "students", "",
                 {"file": [None, Path(path).name], "rows": [None, count],
                  "purpose": [None, purpose or WORKING_PURPOSE]})
    return count
