"""The error workbook: a copy of the input with every bad cell filled red and commented, plus a summary.

openpyxl edits the user's own file (title rows, merged cells and formats stay as they were), so the
clerk corrects the red cells in place and imports the same workbook again; the importer takes the
first sheet with a header row, so the summary sheet we add is ignored.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill

from ..errors import BadInput
from ..validation.spec import load_spec
from .columns import columns

SUMMARY_SHEET = "错误汇总"
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


def write_error_report(source: Path, target: Path | str, layout, result) -> None:
    target = Path(target)
    try:
        wb = openpyxl.load_workbook(source)
    except Exception as exc:  # the import already read it with calamine; openpyxl is stricter
        raise BadInput(f"导入已完成，但无法生成错误报告（openpyxl 无法打开 {source.name}：{exc}）。") from None
    ws = wb[layout.sheet_name]
    name_col = layout.column_of("name")
    per_field: Counter[str] = Counter()
    per_class: Counter[str] = Counter()
    details = []
    for p in result.bad_rows:
        per_class[p.class_text or "（未填班级）"] += 1
        by_cell: dict[int, list[str]] = {}
        errors_in: set[int] = set()
        for issue in p.issues:
            label = field_label(issue.field)
            per_field[label] += 1
            j = layout.column_of(issue.field)
            if j is None:  # no such column (e.g. 家庭成员 missing): note it on the name cell
                j = name_col if name_col is not None else min(layout.columns)
            prefix = "错误" if issue.severity == "error" else "警告"
            by_cell.setdefault(j, []).append(f"{prefix}：{issue.message}")
            if issue.severity == "error":
                errors_in.add(j)
            details.append((p.row + 1, p.record.get("name", ""), p.class_text, label,
                            "错误" if issue.severity == "error" else "警告", issue.message))
        for j, messages in by_cell.items():
            cell = ws.cell(row=p.row + 1, column=j + 1)
            cell.fill = RED if j in errors_in else YELLOW
            cell.comment = Comment("\n".join(messages), "学籍采集客户端", width=320, height=40 + 30 * len(messages))
    if SUMMARY_SHEET in wb.sheetnames:
        del wb[SUMMARY_SHEET]
    summary = wb.create_sheet(SUMMARY_SHEET)
    bold = Font(bold=True)
    summary.append([f"文件 {source.name}：共 {result.rows} 行，正常 {result.ok}，有警告 {result.warning}，"
                    f"待修正 {result.pending}。红色单元格为错误，黄色为警告，批注中写明了原因。"
                    "改正后可直接再次导入本文件。"])
    summary.append([])
    summary.append(["按字段", "问题数"])
    summary[summary.max_row][0].font = bold
    for label, n in per_field.most_common():
        summary.append([label, n])
    summary.append([])
    summary.append(["按班级", "有问题的学生数"])
    summary[summary.max_row][0].font = bold
    for name, n in sorted(per_class.items()):
        summary.append([name, n])
    summary.append([])
    summary.append(["行号", "姓名", "班级", "字段", "类别", "说明"])
    for c in summary[summary.max_row]:
        c.font = bold
    for row in details:
        summary.append(list(row))
    summary.column_dimensions["A"].width = 18
    summary.column_dimensions["F"].width = 80
    try:
        wb.save(target)
    except OSError as exc:
        raise BadInput(f"导入已完成，但无法写入错误报告 {target}：{exc.strerror or exc}") from None
