"""Lists of children from other systems, read with the import's tolerant header matching: the 学前调档 list
(``import-preschool``) and the county's 招生结果 list (``county admissions import``).

Each data row becomes a canonical record (``validation.normalize_record``: names → codes, dates, ID numbers)
plus the cells of the extra columns the caller names (学校标识码, 学段 …). Validation proper happens where the
record is written (``students.add_student``), as for every other path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import BadInput
from ..validation import Issue
from ..validation.normalize import normalize_record
from .columns import MEMBER_COUNT, clean_header
from .reader import cell_text, check_container, find_layout, iter_data_rows


@dataclass
class PersonRow:
    row: int                               # 1-based row number in the sheet, as Excel shows it
    record: dict[str, Any]                 # canonical fields + members
    issues: list[Issue] = field(default_factory=list)   # what normalising could not read
    extra: dict[str, str] = field(default_factory=dict)  # the caller's extra columns, as text


def read_people(path: Path | str, extra_headers: tuple[str, ...] = ()) -> tuple[str, list[PersonRow]]:
    """(sheet name, rows) of the first sheet with student headers; empty rows skipped."""
    path = Path(path)
    if not path.is_file():
        raise BadInput(f"找不到文件：{path}")
    check_container(path)
    wb, sheet, layout = find_layout(path)
    try:
        extra_at = _extra_columns(sheet, layout.header_row, extra_headers)
        rows = []
        for r, cells in iter_data_rows(sheet, layout):
            record: dict[str, Any] = {}
            members: list[dict[str, Any]] = [{} for _ in range(MEMBER_COUNT)]
            for j, col in layout.columns.items():
                if col.field is None or j >= len(cells):
                    continue
                text = cell_text(cells[j], yearmonth=col.field.type == "yearmonth")
                if text:
                    (record if col.member is None else members[col.member])[col.key] = text
            if not record and not any(members):
                continue
            for person, values in layout.implied.items():  # 父亲姓名 says 关系 父亲, and so on
                target = record if person is None else members[person]
                if person is None or target:
                    for k, v in values.items():
                        target.setdefault(k, v)
            record["members"] = [m for m in members if m]
            normalized, issues = normalize_record(record)
            extra = {name: cell_text(cells[j]) if j < len(cells) else "" for j, name in extra_at.items()}
            rows.append(PersonRow(r + 1, normalized, issues, extra))
    finally:
        wb.close()
    return layout.sheet_name, rows


def _extra_columns(sheet, header_row: int, extra_headers: tuple[str, ...]) -> dict[int, str]:
    """Column index → the caller's name for each extra header found in the header row."""
    if not extra_headers:
        return {}
    wanted = {clean_header(h): h for h in extra_headers}
    start_col = (sheet.start or (0, 0))[1]
    for i, row in enumerate(sheet.iter_rows()):
        if i == header_row:
            cells = [""] * start_col + list(row)
            return {j: wanted[clean_header(c)] for j, c in enumerate(cells) if clean_header(c) in wanted}
    return {}
