"""Classes a workbook names that the school has not created yet.

Without them every row of those classes lands in 待修正 ("班级在本校不存在"). The import can create them in the
same transaction instead (``import-excel --create-classes``, the wizard's “导入时建立这些班级” box, checked when
the check found any): one step, not "create twelve classes by hand, then import again". Only spellings that
name one class on their own (班号 2009101, 小学2020级(1)班, 一年级(2)班 in a known school year) are created; a
class the spelling leaves open stays a row to fix.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..class_text import unambiguous
from ..school import ClassInfo, add_class, class_name
from .reader import Layout, find_layouts, iter_data_rows
from .rows import cell_plan, read_cells

Key = tuple[int, int, int]   # (entry year, stage, number)


@dataclass(frozen=True)
class MissingClass:
    entry_year: int
    stage: int
    number: int
    spelling: str      # as the workbook wrote it (first row seen)
    rows: int          # how many rows name it

    @property
    def name(self) -> str:
        return class_name(self.entry_year, self.stage, self.number)


class Tally:
    """Rows per missing class, as they come: the import counts the rows its workers could not place (one pass
    over the file), ``missing_classes`` the rows of a file it reads for the check step."""

    def __init__(self) -> None:
        self.found: dict[Key, list] = {}

    def add(self, key: Key, spelling: str) -> None:
        entry = self.found.setdefault(key, [spelling, 0])
        entry[1] += 1

    def classes(self) -> list[MissingClass]:
        return [MissingClass(*key, spelling, rows) for key, (spelling, rows) in sorted(self.found.items())]


def missing_key(class_text: str, grade_text: str, school_year: int) -> Key | None:
    """The class a row's 班级 (and 年级) cells name on their own, for a row whose class the school lacks."""
    return unambiguous(class_text, grade_text, school_year) if class_text else None


def missing_classes(path: Path | str, existing: Iterable[ClassInfo | Key], school_year: int) -> list[MissingClass]:
    """The classes the workbook's 班级 (and 年级) cells name unambiguously that are not in ``existing``."""
    wb, sheets = find_layouts(Path(path))
    try:
        return scan_missing(sheets, existing, school_year)
    finally:
        wb.close()


def scan_missing(sheets: list[tuple[Any, Layout]], existing: Iterable[ClassInfo | Key], school_year: int
                 ) -> list[MissingClass]:
    """missing_classes of an open workbook's sheets (find_layouts), its cells read as the import reads them."""
    have = {(c.entry_year, c.stage, c.number) if isinstance(c, ClassInfo) else tuple(c) for c in existing}
    tally = Tally()
    memo: dict[tuple[str, str], Key | None] = {}
    for sheet, layout in sheets:
        plan = cell_plan(layout.columns)  # 年级 read as the import does: it places a bare 1班
        for _r, cells in iter_data_rows(sheet, layout):
            raw = read_cells(plan, cells, layout.implied)
            if raw is None or not raw.class_text:
                continue
            spelling = (raw.class_text, raw.grade_text)
            if spelling not in memo:
                memo[spelling] = missing_key(*spelling, school_year)
            key = memo[spelling]
            if key is not None and key not in have:
                tally.add(key, raw.class_text)
    return tally.classes()


def create_classes(tx, missing: Iterable[MissingClass]) -> list[ClassInfo]:
    """Create the classes in the caller's transaction (each audited as 新建班级)."""
    return [add_class(tx, m.entry_year, m.stage, m.number) for m in missing]


def describe(missing: list[MissingClass], limit: int = 12) -> str:
    names = "、".join(f"{m.name}（“{m.spelling}”，{m.rows} 行）" for m in missing[:limit])
    return names + (f" 等 {len(missing)} 个" if len(missing) > limit else "")
