"""Checking a whole workbook without a database (``xueji check-excel``).

MINIMAL READER: the Excel area (issue 4) owns the real import reader (``xueji_desktop/excel/reader.py``:
tolerant header detection, damaged-cell handling). Until it lands on main this module carries the small
part check-excel needs: ``read_workbook_rows`` and a header → field mapping. Unify when both are merged.

Header mapping understands our template ("成员1姓名", "成员2联系电话" …), the national template (member
columns repeat 姓名/关系/… after the student columns, 成员1 then 成员2) and a group-title row above the
header ("家庭成员1" over its columns).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import cache
from itertools import chain
from pathlib import Path
from typing import Any

from ..errors import XuejiError
from ..school import GRADE_CODES, grade_code, parse_class, school_year_of
from .engine import ValidationContext, validate_student
from .issues import ERROR, WARNING, Issue
from .normalize import normalize_record, normalize_value
from .spec import load_spec

_HEADER_SCAN_ROWS = 10        # the header is within the first rows (a title row or hints may precede it)
_MEMBER_PREFIX = re.compile(r"^(?:家庭成员|成员|监护人|家长)([1-9一二])(?:[-_ ]|的)?(.*)$")
_MEMBER_GROUP = re.compile(r"^(?:家庭成员|成员|监护人|家长)([1-9一二])(?:信息)?$")
_NOISE = re.compile(r"[★*＊\s]|（[^）]*）$|\([^)]*\)$")


@dataclass(frozen=True)
class Column:
    index: int          # 0-based column
    header: str         # header text as in the file
    key: str            # field key
    member: int | None  # member index, None for the student

    @property
    def path(self) -> str:
        return self.key if self.member is None else f"members.{self.member}.{self.key}"


def clean_header(text: Any) -> str:
    """Header text without required marks, spaces and a trailing hint in brackets."""
    return _NOISE.sub("", str(text or "").replace("（", "(").replace("）", ")")) if text is not None else ""


@cache
def _header_index() -> tuple[dict[str, str], dict[str, str]]:
    spec = load_spec()
    student: dict[str, str] = {}
    member: dict[str, str] = {}
    for f in spec.fields:
        target = member if f.group == "member" else student
        for h in (f.excel, *f.aliases, f.label):
            target.setdefault(clean_header(h), f.key)
    return student, member


def _member_number(text: str) -> int:
    return {"一": 1, "二": 2}.get(text) or int(text)


def map_header(cells: list[Any], groups: list[Any] | None = None) -> list[Column]:
    """Columns of a header row; ``groups`` is the row above (group titles such as 家庭成员1), if any."""
    student_h, member_h = _header_index()
    columns: list[Column] = []
    taken_student: set[str] = set()
    member, seen = -1, set()
    group_member: int | None = None
    for i, cell in enumerate(cells):
        if groups is not None and i < len(groups) and groups[i] not in (None, ""):
            g = _MEMBER_GROUP.match(clean_header(groups[i]))
            group_member = _member_number(g.group(1)) - 1 if g else None
        h = clean_header(cell)
        if not h:
            continue
        m = _MEMBER_PREFIX.match(h)
        if m and member_h.get(clean_header(m.group(2)) or "姓名"):
            key = member_h[clean_header(m.group(2)) or "姓名"]
            columns.append(Column(i, str(cell).strip(), key, _member_number(m.group(1)) - 1))
            continue
        if group_member is not None and h in member_h:
            columns.append(Column(i, str(cell).strip(), member_h[h], group_member))
            continue
        if h in student_h and student_h[h] not in taken_student and member == -1:
            taken_student.add(student_h[h])
            columns.append(Column(i, str(cell).strip(), student_h[h], None))
        elif h in member_h:
            key = member_h[h]
            if member == -1 or key in seen:
                member, seen = member + 1, set()
            seen.add(key)
            columns.append(Column(i, str(cell).strip(), key, member))
        elif h in student_h and student_h[h] not in taken_student:
            taken_student.add(student_h[h])  # student columns after the members (随迁子女 in the national template)
            columns.append(Column(i, str(cell).strip(), student_h[h], None))
    return columns


def _open_rows(path: Path) -> tuple[list[list[Any]], Iterator[list[Any]]]:
    """(first rows, the rest as a stream) of the first sheet that has a header row.

    Rows are streamed (calamine ``iter_rows``) so a 200,000-row file is not held as Python lists at once.
    """
    from python_calamine import CalamineWorkbook

    if not path.is_file():
        raise XuejiError(f"找不到文件：{path}。请检查路径。")
    try:
        wb = CalamineWorkbook.from_path(str(path))
        for name in wb.sheet_names:
            rows = iter(wb.get_sheet_by_name(name).iter_rows())
            head = [row for _, row in zip(range(_HEADER_SCAN_ROWS), rows, strict=False)]
            if _find_header(head) is not None:
                return head, rows
    except Exception as exc:  # calamine raises its own error types for every kind of damage
        raise XuejiError(f"无法读取 Excel 文件 {path.name}：{exc}。请确认是 .xlsx/.xls 文件且未损坏。") from exc
    raise XuejiError(f"{path.name} 中找不到表头行（含“姓名”“身份证件号”等列）：请使用学籍采集模板。")


_HINT_WORDS = ("必填", "选填", "格式", "请填写", "请选择", "例如", "如：", "示例")


def _is_hint_row(row: list[Any]) -> bool:
    """A row of instructions under the header ("必填，格式 YYYY-MM-DD" …), not a student."""
    cells = [v for v in row if isinstance(v, str) and v.strip()]
    return len(cells) >= 3 and all(any(w in v for w in _HINT_WORDS) for v in cells)


def _find_header(rows: list[list[Any]]) -> int | None:
    student_h, _ = _header_index()
    for r, row in enumerate(rows[:_HEADER_SCAN_ROWS]):
        hits = sum(1 for c in row if clean_header(c) in student_h)
        if hits >= 3 and any(clean_header(c) == "姓名" for c in row):
            return r
    return None


def read_sheet(path: Path | str) -> tuple[list[Column], Iterator[tuple[int, list[Any]]]]:
    """Mapped columns and (Excel row number, cells) for every non-empty row below the header."""
    head, rest = _open_rows(Path(path))
    h = _find_header(head)
    assert h is not None  # _open_rows only returns a sheet with a header
    columns = map_header(head[h], head[h - 1] if h > 0 else None)

    def data() -> Iterator[tuple[int, list[Any]]]:
        for r, row in enumerate(chain(head[h + 1:], rest), start=h + 1):
            if not any(v not in (None, "") and not (isinstance(v, str) and v.isspace()) for v in row):
                continue
            if r <= h + 2 and _is_hint_row(row):
                continue
            yield r + 1, row
    return columns, data()


def read_workbook_rows(path: Path | str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(Excel row number, {header text: raw value}) for every non-empty data row.

    A header that occurs more than once (姓名 of the student and of each member in the national template)
    is keyed "成员1姓名", "成员2姓名" for the members.
    """
    columns, rows = read_sheet(path)
    counts: dict[str, int] = {}
    for c in columns:
        counts[c.header] = counts.get(c.header, 0) + 1
    keys = [c.header if counts[c.header] == 1 or c.member is None else f"成员{c.member + 1}{c.header}"
            for c in columns]
    for n, row in rows:
        yield n, {k: row[c.index] if c.index < len(row) else None for k, c in zip(keys, columns, strict=True)}


def record_from_row(columns: list[Column], row: list[Any]) -> dict[str, Any]:
    """Raw record (student keys + members) from one row's cells."""
    return _RowPlan.of(tuple(columns)).record(row)


@dataclass(frozen=True)
class _RowPlan:
    """Column positions per record part, computed once per sheet (rows are read 200,000 times)."""

    width: int
    student: tuple[tuple[int, str], ...]
    members: tuple[tuple[tuple[int, str], ...], ...]

    @staticmethod
    @cache
    def of(columns: tuple[Column, ...]) -> _RowPlan:
        count = max((c.member + 1 for c in columns if c.member is not None), default=0)
        return _RowPlan(
            max((c.index + 1 for c in columns), default=0),
            tuple((c.index, c.key) for c in columns if c.member is None),
            tuple(tuple((c.index, c.key) for c in columns if c.member == m) for m in range(count)))

    def record(self, row: list[Any]) -> dict[str, Any]:
        if len(row) < self.width:
            row = [*row, *([""] * (self.width - len(row)))]
        record = {key: row[i] for i, key in self.student}
        record["members"] = [{key: row[i] for i, key in member} for member in self.members]
        return record


def _cell_text(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        v = int(v)  # 班号 2022101 in a number cell
    return "" if v is None else str(v).strip()


def context_for_row(record: dict[str, Any], today: date) -> ValidationContext:
    """Stage and entry year from the 班级 cell (班号 2009101 or 班级名称 小学2009级(1)班), else from 年级."""
    school_year = school_year_of(today)
    parsed = parse_class(_cell_text(record.get("class_code")))
    if parsed is not None:
        entry_year, stage, _ = parsed
        return ValidationContext(today=today, stage=stage, entry_year=entry_year, school_year=school_year)
    grade, _ = normalize_value(load_spec().student_by_key["grade"], record.get("grade"))
    for stage, codes in GRADE_CODES.items():
        if grade in codes:  # 三年级 this school year → 小学, entered two years ago
            return ValidationContext(today=today, stage=stage, entry_year=school_year - codes.index(grade),
                                     school_year=school_year)
    return ValidationContext(today=today, school_year=school_year)


def check_row(raw: dict[str, Any], today: date) -> tuple[dict[str, Any], list[Issue]]:
    """Normalise and validate one raw row. A field that could not be normalised reports only that."""
    ctx = context_for_row(raw, today)
    record, issues = normalize_record(raw, stage=ctx.stage)
    derived = grade_code(ctx.stage, ctx.entry_year, today) if ctx.stage and ctx.entry_year else None
    grade = record.get("grade")
    if derived and not grade:
        record["grade"] = derived  # 年级 follows from the class (as in the store)
    elif derived and grade and grade != derived and grade in load_spec().codes["grade"].by_code:
        names = load_spec().codes["grade"].by_code
        issues.append(Issue("grade", WARNING, "grade.class_mismatch",
                            f"年级“{names[grade]}”与班级 {record.get('class_code')} 本学年的“{names[derived]}”不一致："
                            "导入时以班级为准，请核对。"))
    if record.get("class_code") and parse_class(str(record["class_code"])) is None:
        issues.append(Issue("class_code", WARNING, "class.unparsed",
                            f"班级“{record['class_code']}”无法识别学段和入学年份：请写班号（如 2022101）或班级名称"
                            "（如 小学2022级(1)班），导入时才能对应到班级。"))
    bad = {i.field for i in issues if i.severity == ERROR}
    for i in validate_student(record, ctx):
        if i.field in bad:
            continue
        if i.field == "grade" and i.code == "required" and record.get("class_code"):
            continue  # derived from the class in the store; the class warning above explains a failure
        issues.append(i)
    return record, issues


def check_workbook(path: Path | str, today: date | None = None) -> dict[str, Any]:
    """{"rows": N, "issues": [{row, column, field, severity, code, message}]} for a workbook."""
    today = today or date.today()
    columns, rows = read_sheet(path)
    by_path = {c.path: c.header for c in columns}
    out: list[dict[str, Any]] = []
    seen_ids: dict[str, int] = {}
    plan = _RowPlan.of(tuple(columns))
    n = 0
    for row_number, cells in rows:
        n += 1
        raw = plan.record(cells)
        record, issues = check_row(raw, today)
        number = record.get("id_number")
        if isinstance(number, str) and len(number) >= 8:
            first = seen_ids.setdefault(number, row_number)
            if first != row_number:
                issues.append(Issue("id_number", ERROR, "id.duplicate",
                                    f"身份证件号与第 {first} 行重复：同一学生只能登记一次，请核对。"))
        for i in issues:
            out.append({"row": row_number, "column": by_path.get(i.field, ""), "field": i.field,
                        "severity": i.severity, "code": i.code, "message": i.message})
    return {"rows": n, "issues": out}
