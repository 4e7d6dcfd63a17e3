"""County statistics (县级统计): students per school × grade × 学籍状态, and per school how complete the data
is (records with errors, without photo; schools not yet reported). Aggregates only, no names or ID numbers.

Pure SQL over the county store; `xueji county stats` prints or writes it, the GUI draws charts from it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..records.school_year import current_school_year
from ..storage import Store
from .students import class_grade, enrolment_name
from .workspace import require_county, store_level

NO_GRADE = "已毕业或未分班"


@dataclass
class SchoolCompleteness:
    school_code: str
    school_name: str
    reported: bool           # a package has been imported
    students: int = 0
    with_errors: int = 0     # sent with errors (待修正) or an ID number the county found wrong
    without_photo: int = 0
    review: str = ""         # 通过 / 退回 / 未审核
    county_code: str = ""    # at a city: the school's county


@dataclass
class CountyStats:
    schools: int = 0
    reported: int = 0
    students: int = 0
    by_enrolment: dict[str, int] = field(default_factory=dict)
    by_grade: dict[str, int] = field(default_factory=dict)
    # school × grade × 学籍状态: {school_code, school_name, grade, enrolment, students}
    cells: list[dict[str, Any]] = field(default_factory=list)
    completeness: list[SchoolCompleteness] = field(default_factory=list)
    # at a city: per county {county_code, county_name, schools, reported, students, with_errors, without_photo}
    by_county: list[dict[str, Any]] = field(default_factory=list)

    @property
    def not_reported(self) -> list[SchoolCompleteness]:
        return [c for c in self.completeness if not c.reported]

    def to_dict(self) -> dict[str, Any]:
        return {"schools": self.schools, "reported": self.reported, "students": self.students,
                "by_enrolment": self.by_enrolment, "by_grade": self.by_grade, "cells": self.cells,
                "completeness": [asdict(c) for c in self.completeness], "by_county": self.by_county}

    def rows(self) -> dict[str, list[list[Any]]]:
        """Tables for the workbook: sheet name -> rows (first row is the header)."""
        states = list(self.by_enrolment)
        per_school: dict[str, dict[str, int]] = {}
        for c in self.cells:
            per_school.setdefault(c["school_code"], {}).setdefault(c["enrolment"], 0)
            per_school[c["school_code"]][c["enrolment"]] += c["students"]
        summary = [["学校标识码", "学校名称", "学生数", *states]]
        for s in self.completeness:
            counts = per_school.get(s.school_code, {})
            summary.append([s.school_code, s.school_name, s.students, *(counts.get(k, 0) for k in states)])
        summary.append(["合计", "", self.students, *(self.by_enrolment[k] for k in states)])
        counties = {"按县区": [["县级区划代码", "县（区）", "学校数", "已上报学校", "学生数", "有错误", "无照片"]] + [
            [c["county_code"], c["county_name"], c["schools"], c["reported"], c["students"], c["with_errors"],
             c["without_photo"]] for c in self.by_county]} if self.by_county else {}
        return {
            **counties,
            "按学校": summary,
            "学校×年级×学籍状态": [["学校标识码", "学校名称", "年级", "学籍状态", "人数"]] + [
                [c["school_code"], c["school_name"], c["grade"], c["enrolment"], c["students"]] for c in self.cells],
            "按年级": [["年级", "人数"]] + [[k, v] for k, v in self.by_grade.items()],
            "完整性": [["学校标识码", "学校名称", "是否已上报", "学生数", "有错误", "无照片", "审核"]] + [
                [c.school_code, c.school_name, "是" if c.reported else "否", c.students, c.with_errors,
                 c.without_photo, c.review] for c in self.completeness],
        }


def compute_county_stats(store: Store) -> CountyStats:
    from ..validation import load_spec
    from .schools import REVIEW_NAMES

    require_county(store)
    year = current_school_year(store)
    stats = CountyStats()
    schools = store.query("SELECT code, name, imported_at, review_state, substr(region_code, 1, 6)"
                          " FROM county_schools ORDER BY code")
    by_school = {code: SchoolCompleteness(code, name, bool(imported), review=REVIEW_NAMES.get(review, review),
                                          county_code=county)
                 for code, name, imported, review, county in schools}
    stats.schools = len(schools)
    stats.reported = sum(1 for c in by_school.values() if c.reported)
    grades: dict[tuple[str, str], str] = {}
    cells: dict[tuple[str, str, str], int] = {}
    # counts from the counts index in its order, records with errors from their partial index (schema v17): a
    # city's 2,000,000 rows themselves are never read
    for school, errors in store.query("SELECT school_code, count(*) FROM county_students"
                                      " WHERE status = 'pending' OR id_problem <> '' GROUP BY school_code"):
        if school in by_school:
            by_school[school].with_errors = errors
    for school, class_code, enrolment, count, photos, cdata in store.query(
            "SELECT g.*, c.data FROM (SELECT s.school_code, s.class_code, s.enrolment, count(*), count(p.student_id)"
            " FROM county_students s INDEXED BY county_students_counts LEFT JOIN county_photos p ON p.student_id = s.id"
            " GROUP BY s.school_code, s.class_code, s.enrolment) g"  # the class is looked up per group, not per row
            " LEFT JOIN county_classes c ON c.school_code = g.school_code AND c.class_code = g.class_code"):
        key = (school, class_code)
        if key not in grades:
            grades[key] = class_grade(cdata, year) or NO_GRADE
        cell = (school, grades[key], enrolment_name(enrolment))
        cells[cell] = cells.get(cell, 0) + count
        c = by_school.get(school)
        if c is not None:
            c.students += count
            c.without_photo += count - photos
    order = list(load_spec().codes["grade"].by_code.values())
    rank = {name: i for i, name in enumerate(order)}
    for (school, grade, enrolment), count in sorted(cells.items(),
                                                    key=lambda kv: (kv[0][0], rank.get(kv[0][1], 99), kv[0][2])):
        stats.cells.append({"school_code": school, "school_name": by_school[school].school_name if school in by_school
                            else "", "grade": grade, "enrolment": enrolment, "students": count})
        stats.by_enrolment[enrolment] = stats.by_enrolment.get(enrolment, 0) + count
        stats.by_grade[grade] = stats.by_grade.get(grade, 0) + count
    stats.by_grade = dict(sorted(stats.by_grade.items(), key=lambda kv: rank.get(kv[0], 99)))
    stats.students = sum(stats.by_enrolment.values())
    stats.completeness = list(by_school.values())
    if store_level(store) == "city":
        stats.by_county = _by_county(store, stats.completeness)
    return stats


def _by_county(store: Store, completeness: list[SchoolCompleteness]) -> list[dict[str, Any]]:
    """A city's totals per county (every county of its list, and any county its schools name)."""
    names = dict(store.query("SELECT code, name FROM city_counties"))
    out: dict[str, dict[str, Any]] = {code: {"county_code": code, "county_name": name, "schools": 0, "reported": 0,
                                             "students": 0, "with_errors": 0, "without_photo": 0}
                                      for code, name in sorted(names.items())}
    for c in completeness:
        row = out.setdefault(c.county_code, {"county_code": c.county_code, "county_name": "", "schools": 0,
                                             "reported": 0, "students": 0, "with_errors": 0, "without_photo": 0})
        row["schools"] += 1
        row["reported"] += c.reported
        for key in ("students", "with_errors", "without_photo"):
            row[key] += getattr(c, key)
    return sorted(out.values(), key=lambda r: r["county_code"])


# A column chart on a sheet: (sheet, category column, value column, title, rows left out at the end).
Chart = tuple[str, int, int, str, int]


def export_tables_xlsx(tables: dict[str, list[list[Any]]], path: Path | str, charts: tuple[Chart, ...] = ()) -> Path:
    """One sheet per table (first row bold: the header), with column charts; built in memory, written once.
    Decimal cells (money) are written as numbers shown with two decimals."""
    from decimal import Decimal

    from ..excel.xlsx_memory import xlsxwriter_book
    from ..outfiles import write_file

    workbook, buffer = xlsxwriter_book({})
    bold = workbook.add_format({"bold": True})
    money = workbook.add_format({"num_format": "0.00"})
    try:
        for sheet_name, rows in tables.items():
            sheet = workbook.add_worksheet(sheet_name)
            for r, row in enumerate(rows):
                if r == 0:
                    sheet.write_row(r, 0, row, bold)
                    continue
                for c, value in enumerate(row):
                    sheet.write(r, c, value, money if isinstance(value, Decimal) else None)
            sheet.set_column(0, 1, 20)
            for name, label, value, title, tail in charts:
                last = len(rows) - 1 - tail
                if name != sheet_name or last < 1:
                    continue
                chart = workbook.add_chart({"type": "column"})
                chart.add_series({"name": rows[0][value], "categories": [sheet_name, 1, label, last, label],
                                  "values": [sheet_name, 1, value, last, value]})
                chart.set_title({"name": title})
                sheet.insert_chart(1, len(rows[0]) + 1, chart)
    finally:
        workbook.close()
    return write_file(Path(path), buffer.getvalue())


def export_county_stats_xlsx(stats: CountyStats, path: Path | str) -> Path:
    """One sheet per table, with column charts of students per school (its 合计 row left out), per grade and, at a
    city, per county."""
    return export_tables_xlsx(stats.rows(), path, (("按学校", 1, 2, "各校学生数", 1),
                                                   ("按年级", 0, 1, "各年级学生数", 0),
                                                   ("按县区", 1, 4, "各县（区）学生数", 0)))


def county_summary(store: Store) -> dict[str, Any]:
    """What `xueji info` says of a county file: its unit, schools (listed / reported), students by 学籍状态 and
    by data status, and the open problem-record groups by kind; a city's also its counties (listed / reported)."""
    from .problems import county_problems
    from .workspace import county_profile

    require_county(store)
    problems: dict[str, int] = {}
    for p in county_problems(store):
        problems[p["kind_name"]] = problems.get(p["kind_name"], 0) + 1
    q = store.query
    by_enrolment: dict[str, int] = {}
    by_status: dict[str, int] = {}
    # per class first, in the counts index's order (schema v17), then the few classes' sums: no sort of every row
    for enrolment, status, count in q(
            "SELECT enrolment, status, sum(n) FROM (SELECT enrolment, status, count(*) AS n FROM county_students"
            " INDEXED BY county_students_counts GROUP BY school_code, class_code, enrolment, status)"
            " GROUP BY enrolment, status"):
        by_enrolment[enrolment] = by_enrolment.get(enrolment, 0) + count
        by_status[status] = by_status.get(status, 0) + count
    city = {}
    if store_level(store) == "city":
        city = {"counties": q("SELECT count(*) FROM city_counties")[0][0],
                "reported_counties": q("SELECT count(*) FROM city_counties WHERE imported_at <> ''")[0][0]}
    return {
        **city,
        "level": store_level(store),
        "unit": county_profile(store),
        "schools": q("SELECT count(*) FROM county_schools")[0][0],
        "reported_schools": q("SELECT count(*) FROM county_schools WHERE imported_at <> ''")[0][0],
        "students": sum(by_enrolment.values()),
        "students_by_enrolment": {enrolment_name(k): v for k, v in sorted(by_enrolment.items(),
                                                                          key=lambda kv: -kv[1])},
        "students_by_status": by_status,
        "photos": q("SELECT count(*) FROM county_photos")[0][0],
        "open_problems": sum(problems.values()),
        "open_problems_by_kind": problems,
        "nutrition": _nutrition_summary(store),
    }


def _nutrition_summary(store: Store) -> dict[str, Any]:
    """营养改善计划 in one line: schools taking part, their 在校 students, the subsidy per term (at a city: the
    total of the counties' plans, and the counties that have not reported theirs)."""
    from .city_nutrition import compute_city_nutrition_stats
    from .nutrition import compute_nutrition_stats

    if store_level(store) == "city":
        c = compute_city_nutrition_stats(store)
        return {"schools": c.schools, "students": c.students, "subsidy": str(c.subsidy), "missing_standards": [],
                "not_reported": c.not_reported}
    n = compute_nutrition_stats(store)
    return {"schools": n.schools, "students": n.students, "subsidy": str(n.subsidy),
            "missing_standards": n.missing_standards}
