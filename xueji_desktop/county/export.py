"""The county's merged data in the national-template workbook the schools use (excel/template.py), with the
school's name beside its 学校标识码 (`xueji county export-excel`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from ..errors import BadInput
from ..excel.template import record_row, write_workbook
from ..progress import Progress
from ..records.school_year import current_school_year
from ..school import grade_code
from ..storage import Store
from .workspace import require_county, unit_words

SCHOOL_NAME_HEADER = "学校名称"


def iter_county_rows(store: Store, school: str | None = None) -> Iterator[list[str]]:
    """Template rows of every imported student (or one school's), by school, class and name."""
    year = current_school_year(store)
    schools = dict(store.query("SELECT code, name FROM county_schools"))
    classes: dict[tuple[str, str], tuple[str, str]] = {}
    for code, class_code, name, data in store.query("SELECT school_code, class_code, name, data FROM county_classes"):
        try:
            c = json.loads(data)
            grade = grade_code(int(c["stage"]), int(c["entry_year"]), school_year=year) or ""
        except (ValueError, KeyError, TypeError):
            grade = ""
        classes[(code, class_code)] = (name, grade)
    sql = "SELECT school_code, class_code, data FROM county_students INDEXED BY county_students_list"
    params: tuple = ()
    if school:
        sql += " WHERE school_code = ?"
        params = (school,)
    cursor = store.conn.execute(sql + " ORDER BY school_code, class_code, name", params)
    while batch := cursor.fetchmany(2000):
        for code, class_code, line in batch:
            record = json.loads(line)["record"]
            class_name, grade = classes.get((code, class_code), ("", ""))
            record["class_code"] = class_code
            record["grade"] = grade
            row = record_row(record, code, class_name)
            row.insert(1, schools.get(code, ""))
            yield row


def export_county_excel(store: Store, out: Path | str, *, school: str | None = None,
                        progress: Progress | None = None) -> int:
    """Write the workbook; returns the rows written. The export of personal data is audited."""
    require_county(store)
    if school and not store.query("SELECT 1 FROM county_schools WHERE code = ?", (school,)):
        raise BadInput(f"学校 {school} 不在{unit_words(store).own}学校名单中（xueji county schools 列出名单）。")
    total = store.query("SELECT count(*) FROM county_students" + (" WHERE school_code = ?" if school else ""),
                        (school,) if school else ())[0][0]
    count = write_workbook(out, iter_county_rows(store, school), total=total, progress=progress,
                           extra_headers=(SCHOOL_NAME_HEADER,))
    with store.transaction() as tx:
        tx.audit("导出Excel", "county_students", school or "", {"file": [None, Path(out).name], "rows": [None, count]})
    return count
