"""Checking a filled workbook without a database (``xueji check-excel``).

The file is read exactly as the import reads it (same container checks, header detection, hint-row skipping,
cell → record rules and Excel-damaged ID detection: .reader, .rows), so check-excel and import-excel cannot
disagree about which column is which. What differs: there is no class table, so the 班级 cell only tells
the stage and entry year (for the rules that depend on them), and 年级 is checked against it instead of
being taken from the store's class.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from ..class_text import unambiguous
from ..progress import Progress, tick
from ..school import GRADE_CODES, grade_code, school_year_of
from ..validation import ERROR, WARNING, Issue, ValidationContext, validate_student
from ..validation.normalize import normalize_value
from ..validation.spec import load_spec
from .columns import unknown_nearest
from .reader import Layout, check_container, data_row_estimate, find_layouts, iter_data_rows
from .rows import RawRow, cell_plan, merge_issues, normalize_row, read_cells

PROGRESS_EVERY = 1000  # rows between progress updates


def context_for_row(class_text: str, grade: Any, today: date) -> tuple[ValidationContext, bool]:
    """(context, whether the 班级 cell named a class): stage and entry year from the 班级 cell (班号 2009101,
    班级名称 小学2009级(1)班, 三年级(1)班, or 1班 with the 年级 cell: see class_text.py), else from 年级."""
    school_year = school_year_of(today)
    parsed = unambiguous(class_text, _text(grade), school_year) if class_text else None
    if parsed is not None:
        entry_year, stage, _ = parsed
        return ValidationContext(today=today, stage=stage, entry_year=entry_year, school_year=school_year), True
    return _grade_context(grade, today, school_year), False


def _grade_context(grade: Any, today: date, school_year: int) -> ValidationContext:
    grade, _ = normalize_value(load_spec().student_by_key["grade"], grade)
    for stage, codes in GRADE_CODES.items():
        if grade in codes:  # 三年级 this school year → 小学, entered two years ago
            return ValidationContext(today=today, stage=stage, entry_year=school_year - codes.index(grade),
                                     school_year=school_year)
    return ValidationContext(today=today, school_year=school_year)


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def check_row(row: RawRow, today: date) -> tuple[dict[str, Any], list[Issue]]:
    """Normalise and validate one row read by ``read_cells`` (with 年级 kept: ``cell_plan(..., grade=True)``).

    A field that could not be normalised (or an ID Excel damaged) reports only that, as in the import."""
    ctx, class_named = context_for_row(row.class_text, row.hits.get("grade", row.raw.get("grade")), today)
    if row.class_text:
        row.raw["class_code"] = row.class_text
    record, members, issues = normalize_row(row, ctx.stage)
    record["members"] = members
    names = load_spec().codes["grade"].by_code
    derived = grade_code(ctx.stage, ctx.entry_year, today) if ctx.stage and ctx.entry_year else None
    grade = record.get("grade")
    if derived and not grade:
        record["grade"] = derived  # 年级 follows from the class (as in the store)
    elif derived and grade and grade != derived and grade in names:
        issues.append(Issue("grade", WARNING, "grade.class_mismatch",
                            f"年级“{names[grade]}”与班级 {record.get('class_code')} 本学年的“{names[derived]}”不一致："
                            "导入时以班级为准，请核对。"))
    klass = record.get("class_code")
    if klass and not class_named:
        issues.append(Issue("class_code", WARNING, "class.unparsed",
                            f"班级“{klass}”无法识别学段和入学年份：请写班号（如 2022101）、班级名称"
                            "（如 小学2022级(1)班）或本学年的年级和班（如 三年级(1)班），导入时才能对应到班级。"))
    valid = [i for i in validate_student(record, ctx)
             # 年级 comes from the class in the store; the class warning above explains a failure
             if not (i.field == "grade" and i.code == "required" and klass)]
    return record, merge_issues(issues, valid, row.damaged)


def _data_rows(path: Path) -> tuple[list[Layout], Iterator[tuple[Layout, int, list[Any]]], int | None]:
    """(every sheet's layout, (layout, 0-based sheet row, cells) of every data row, row count estimate), read
    like the import does: every sheet with our headers, through calamine."""
    wb, found = find_layouts(path)
    total = sum(data_row_estimate(sheet, layout) for sheet, layout in found)

    def plain() -> Iterator[tuple[Layout, int, list[Any]]]:
        try:
            for sheet, layout in found:
                for r, cells in iter_data_rows(sheet, layout):
                    yield layout, r, cells
        finally:
            wb.close()
    return [layout for _, layout in found], plain(), total


def check_workbook(path: Path | str, today: date | None = None,
                   progress: Progress | None = None) -> dict[str, Any]:
    """{"rows": N, "issues": [{sheet, row, column, field, severity, code, message}], "sheets": [names],
    "missing_columns": [headers], "unknown_headers": [headers], "unknown_nearest": {header: nearest field's
    header}} for a workbook.

    ``row`` is the Excel row number (1-based) in ``sheet``, ``column`` the header text as in the file ("" when
    the issue is about a column the file lacks)."""
    path = Path(path)
    today = today or date.today()
    check_container(path)
    tick(progress, 0, None, "读取 Excel")
    layouts, rows, total = _data_rows(path)
    plans = {lay.sheet_name: cell_plan(lay.columns, grade=True) for lay in layouts}
    headers = {lay.sheet_name: {c.path: lay.headers.get(j, c.header) for j, c in lay.columns.items()}
               for lay in layouts}
    several = len(layouts) > 1
    out: list[dict[str, Any]] = []
    seen_ids: dict[str, tuple[str, int]] = {}
    n = 0
    for layout, r, cells in rows:
        raw = read_cells(plans[layout.sheet_name], cells, layout.implied)
        if raw is None:
            continue  # an empty (maybe formatted) row
        n += 1
        if n % PROGRESS_EVERY == 0:
            tick(progress, n, total, "检查")
        row_number = r + 1
        record, issues = check_row(raw, today)
        number = record.get("id_number")
        if isinstance(number, str) and len(number) >= 8 and "id_number" not in raw.damaged:
            first = seen_ids.setdefault(number, (layout.sheet_name, row_number))
            if first != (layout.sheet_name, row_number):
                where = f"工作表“{first[0]}”第 {first[1]} 行" if first[0] != layout.sheet_name else f"第 {first[1]} 行"
                issues.append(Issue("id_number", ERROR, "id.duplicate",
                                    f"身份证件号与{where}重复：同一学生只能登记一次，请核对。"))
        header_of = headers[layout.sheet_name]
        for i in issues:
            out.append({"sheet": layout.sheet_name, "row": row_number, "column": header_of.get(i.field, ""),
                        "field": i.field, "severity": i.severity, "code": i.code, "message": i.message})
    tick(progress, n, total, "检查")
    missing = list(dict.fromkeys(h for lay in layouts for h in lay.missing_required()))
    unknown = list(dict.fromkeys(h for lay in layouts for h in lay.unknown_headers))
    return {"rows": n, "issues": out, "sheets": [lay.sheet_name for lay in layouts] if several else [],
            "missing_columns": missing, "unknown_headers": unknown, "unknown_nearest": unknown_nearest(unknown)}
