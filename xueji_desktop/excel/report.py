"""The error workbook: a copy of the input with every bad cell filled red and commented, plus a summary.

openpyxl edits the user's own file (title rows, merged cells and formats stay as they were), so the
clerk corrects the red cells in place and imports the same workbook again; the importer takes the
first sheet with a header row, so the summary sheet we add is ignored. Built in memory (see .xlsx_memory).
An .xls input (openpyxl reads .xlsx only) and a very large one get a rebuilt copy instead: the imported sheets'
values as text, written by xlsxwriter as .xlsx, with the same marks.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill

from ..errors import BadInput
from ..outfiles import write_file
from ..validation.spec import load_spec
from .columns import columns
from .reader import SUMMARY_SHEET, check_xlsx_target, is_xls
from .xlsx_memory import StreamingWorksheet, openpyxl_bytes, xlsxwriter_book

RED = PatternFill("solid", fgColor="FFFF7C80")
YELLOW = PatternFill("solid", fgColor="FFFFE699")


def field_label(path: str) -> str:
    for c in columns():
        if c.path == path:
            return c.header
    if path.startswith("members."):
        parts = path.split(".")
        label = load_spec().field(parts[2], "member").label if len(parts) > 2 else ""
        return f"成员{int(parts[1]) + 1}{label}"
    if path == "members":
        return "家庭成员"
    try:
        return load_spec().field(path).label
    except KeyError:
        return path


LARGE_ROWS = 50_000  # above this openpyxl would need gigabytes: rebuild the copy with xlsxwriter instead


def _marks(layouts, result):
    """(sheet, row, col) → (is_error, messages), plus the summary counts and detail lines. ``layouts``: every
    sheet imported, the first first (a bad row's ``sheet`` is "" when there is only one)."""
    by_sheet = {lay.sheet_name: lay for lay in layouts}
    several = len(layouts) > 1
    marks: dict[tuple[str, int, int], tuple[bool, list[str]]] = {}
    per_field: Counter[str] = Counter()
    per_class: Counter[str] = Counter()
    details = []
    for p in result.bad_rows:
        layout = by_sheet.get(p.sheet, layouts[0])
        name_col = layout.column_of("name")
        per_class[p.class_text or "（未填班级）"] += 1
        for issue in p.issues:
            label = field_label(issue.field)
            per_field[label] += 1
            j = layout.column_of(issue.field)
            if j is None:  # no such column (e.g. 家庭成员 missing): note it on the name cell
                j = name_col if name_col is not None else min(layout.columns)
            is_error = issue.severity == "error"
            key = (layout.sheet_name, p.row, j)
            old_error, messages = marks.get(key, (False, []))
            messages.append(("错误：" if is_error else "警告：") + issue.message)
            marks[key] = (old_error or is_error, messages)
            details.append(((layout.sheet_name,) if several else ()) + (
                p.row + 1, p.record.get("name", ""), p.class_text, label, "错误" if is_error else "警告",
                issue.message))
    # What the write gate kept or refused (records.gate): a controlled cell left as stored, a row not written.
    gated = [(k.sheet, k.row, k.name, k.refusal, "未修改（受控字段）") for k in getattr(result, "kept_cells", [])]
    gated += [(r.sheet, r.row, r.name, x, "未导入") for r in getattr(result, "refused_rows", []) for x in r.refusals]
    for sheet, row, name, refusal, what in gated:
        layout = by_sheet.get(sheet, layouts[0])
        j = layout.column_of(refusal.field) if refusal.field and refusal.field != "class_id" else None
        if j is None:
            j = layout.column_of("class_code") if refusal.field == "class_id" else None
        if j is None:
            j = layout.column_of("name")
        if j is None:
            j = min(layout.columns)
        key = (layout.sheet_name, row, j)
        old_error, messages = marks.get(key, (False, []))
        marks[key] = (True, [*messages, f"{what}：{refusal.message}"])
        label = field_label(refusal.field) if refusal.field and refusal.field != "class_id" else (
            "班级" if refusal.field else "整行")
        per_field[f"{label}（{what}）"] += 1
        details.append(((layout.sheet_name,) if several else ()) + (row + 1, name, "", label, what, refusal.message))
    return marks, per_field, per_class, details


def _summary_rows(source: Path, result, per_field, per_class, details, several: bool) -> list[list]:
    rows: list[list] = [[f"文件 {source.name}：共 {result.rows} 行，正常 {result.ok}，有警告 {result.warning}，"
                         f"待修正 {result.pending}。红色单元格为错误，黄色为警告，批注中写明了原因。"
                         "改正后可直接再次导入本文件。"], [], ["按字段", "问题数"]]
    rows += [[label, n] for label, n in per_field.most_common()]
    rows += [[], ["按班级", "有问题的学生数"]]
    rows += [[name, n] for name, n in sorted(per_class.items())]
    rows += [[], (["工作表"] if several else []) + ["行号", "姓名", "班级", "字段", "类别", "说明"]]
    rows += [list(d) for d in details]
    return rows


def write_error_report(source: Path, target: Path | str, layouts: list, result) -> None:
    """The error workbook for ``result`` of importing ``source``; ``layouts``: its imported sheets, in order."""
    target = check_xlsx_target(target)
    marks, per_field, per_class, details = _marks(layouts, result)
    summary_rows = _summary_rows(source, result, per_field, per_class, details, len(layouts) > 1)
    if result.rows > LARGE_ROWS or is_xls(source):
        _write_rebuilt(source, target, marks, summary_rows)
        return
    try:
        wb = openpyxl.load_workbook(source)
    except Exception as exc:  # the import already read it with calamine; openpyxl is stricter
        raise BadInput(f"导入已完成，但无法生成错误报告（openpyxl 无法打开 {source.name}：{exc}）。") from None
    for (sheet, r, j), (is_error, messages) in marks.items():
        cell = wb[sheet].cell(row=r + 1, column=j + 1)
        cell.fill = RED if is_error else YELLOW
        cell.comment = Comment("\n".join(messages), "学籍采集客户端", width=320, height=40 + 30 * len(messages))
    if SUMMARY_SHEET in wb.sheetnames:
        del wb[SUMMARY_SHEET]
    summary = wb.create_sheet(SUMMARY_SHEET)
    bold = Font(bold=True)
    for row in summary_rows:
        summary.append(row)
        if row and row[0] in ("按字段", "按班级", "行号", "工作表"):
            for c in summary[summary.max_row]:
                c.font = bold
    summary.column_dimensions["A"].width = 18
    summary.column_dimensions["F"].width = 80
    _write(target, openpyxl_bytes(wb))


def _write(target: Path, data: bytes) -> None:
    try:
        write_file(target, data)
    except BadInput as exc:
        raise BadInput(f"导入已完成，但未能保存错误报告。{exc}") from None


def _write_rebuilt(source: Path, target: Path, marks, summary_rows) -> None:
    """.xls and large inputs: the imported sheets' cells (values only, as text) streamed by xlsxwriter, bad cells
    marked. ``marks``: (sheet, row, column) → (is_error, messages), as _marks makes them."""
    from .reader import cell_text, find_layouts

    wb_in, found = find_layouts(source)
    try:
        wb, buffer = xlsxwriter_book({"strings_to_numbers": False, "strings_to_formulas": False,
                                      "strings_to_urls": False})
        red = wb.add_format({"bg_color": "#FF7C80", "num_format": "@"})
        yellow = wb.add_format({"bg_color": "#FFE699", "num_format": "@"})
        text = wb.add_format({"num_format": "@"})
        for sheet, layout in found:
            ws = wb.add_worksheet(layout.sheet_name[:31], worksheet_class=StreamingWorksheet)
            # iter_rows() counts rows from sheet row 0 and cells from start_col (see reader.sheet_layout)
            _start_row, start_col = sheet.start or (0, 0)
            for r, row in enumerate(sheet.iter_rows()):
                for k, value in enumerate(row):
                    j = start_col + k
                    mark = marks.get((layout.sheet_name, r, j))
                    fmt = text if mark is None else (red if mark[0] else yellow)
                    if value not in ("", None):
                        ws.write_string(r, j, cell_text(value), fmt)
                    elif mark is not None:
                        ws.write_blank(r, j, None, fmt)
                    if mark is not None:
                        ws.write_comment(r, j, "\n".join(mark[1]), {"x_scale": 3, "y_scale": 1 + len(mark[1])})
        summary = wb.add_worksheet(SUMMARY_SHEET, worksheet_class=StreamingWorksheet)
        for i, row in enumerate(summary_rows):
            summary.write_row(i, 0, row)
        wb.close()
    finally:
        wb_in.close()
    _write(target, buffer.getvalue())
