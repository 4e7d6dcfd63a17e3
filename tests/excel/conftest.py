"""Fixtures for the Excel tests: a school with the demo classes, and workbook builders."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from xueji_desktop import school
from xueji_desktop.demo import DEMO_SCHOOL, demo_classes, generate_records
from xueji_desktop.excel.columns import columns
from xueji_desktop.excel.template import record_row


@pytest.fixture
def class_store(empty_store):
    """The demo school's 12 primary classes, no students."""
    with empty_store.transaction() as tx:
        for c in demo_classes():
            school.add_class(tx, c.entry_year, c.stage, c.number)
    return empty_store


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
