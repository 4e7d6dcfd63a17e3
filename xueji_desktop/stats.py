"""School statistics (统计): counts by grade, class and gender, special groups, completeness.

Pure SQL over the store; the GUI draws charts from :class:`SchoolStats`, the CLI prints it, both can
write it to an Excel workbook with :func:`export_stats_xlsx`. Aggregates only: no names or ID numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .school import grade_code
from .validation import load_spec

# Issue codes that mean "a required item is empty" (validation engine: "required", "members.missing").
MISSING_CODES = ("required", "members.missing")


@dataclass
class GroupCount:
    label: str
    total: int
    male: int = 0
    female: int = 0


@dataclass
class SchoolStats:
    total: int = 0
    by_grade: list[GroupCount] = field(default_factory=list)
    by_class: list[GroupCount] = field(default_factory=list)
    by_gender: dict[str, int] = field(default_factory=dict)
    special: dict[str, int] = field(default_factory=dict)       # 留守儿童, 随迁子女, 残疾, 寄宿
    completeness: dict[str, int] = field(default_factory=dict)  # 有照片, 必填项齐全, 正常, 有警告, 待修正
    by_enrolment: dict[str, int] = field(default_factory=dict)  # 学籍状态: 在校, 休学, 毕业, 结业, 肄业, 转出 …

    def rows(self) -> dict[str, list[list]]:
        """Tables for export: sheet name -> rows (first row is the header)."""
        return {
            "按年级": [["年级", "人数", "男", "女"]] + [[g.label, g.total, g.male, g.female] for g in self.by_grade],
            "按班级": [["班级", "人数", "男", "女"]] + [[g.label, g.total, g.male, g.female] for g in self.by_class],
            "按性别": [["性别", "人数"]] + [[k, v] for k, v in self.by_gender.items()],
            "按学籍状态": [["学籍状态", "人数"]] + [[k, v] for k, v in self.by_enrolment.items()],
            "特殊群体": [["类别", "人数"]] + [[k, v] for k, v in self.special.items()],
            "完整性": [["项目", "人数", "占比"]] + [
                [k, v, f"{(100 * v / self.total) if self.total else 0:.1f}%"] for k, v in self.completeness.items()],
        }


def _flag(key: str, values: tuple[str, ...]) -> str:
    marks = ",".join(f"'{v}'" for v in values)  # values are constants from this module, never user input
    return f"sum(CASE WHEN json_extract(s.data, '$.{key}') IN ({marks}) THEN 1 ELSE 0 END)"


def compute_stats(store_or_conn, today: date | None = None) -> SchoolStats:
    conn = getattr(store_or_conn, "conn", store_or_conn)
    spec = load_spec()
    grade_names = spec.codes["grade"].by_code
    stats = SchoolStats()
    stats.total = conn.execute("SELECT count(*) FROM students").fetchone()[0]
    grades: dict[str, GroupCount] = {}
    rows = conn.execute(
        "SELECT c.name, c.stage, c.entry_year, count(s.id), sum(s.gender = '1'), sum(s.gender = '2')"
        " FROM classes c LEFT JOIN students s ON s.class_id = c.id"
        " GROUP BY c.id ORDER BY c.stage, c.entry_year DESC, c.number").fetchall()
    for name, stage, entry_year, total, male, female in rows:
        stats.by_class.append(GroupCount(name, total, male or 0, female or 0))
        code = grade_code(stage, entry_year, today)
        label = grade_names.get(code, "已毕业或未开学") if code else "已毕业或未开学"
        g = grades.setdefault(label, GroupCount(label, 0))
        g.total += total
        g.male += male or 0
        g.female += female or 0
    order = list(grade_names.values())
    stats.by_grade = sorted(grades.values(), key=lambda g: order.index(g.label) if g.label in order else 99)
    unassigned = conn.execute("SELECT count(*) FROM students WHERE class_id IS NULL").fetchone()[0]
    if unassigned:
        stats.by_class.append(GroupCount("未分班", unassigned))
    from .records.changes import ENROLMENT_NAMES

    counts = dict(conn.execute("SELECT enrolment, count(*) FROM students GROUP BY enrolment").fetchall())
    stats.by_enrolment = {name: counts[code] for code, name in ENROLMENT_NAMES.items() if counts.get(code)}
    genders = spec.codes["gender"].by_code
    for code, count in conn.execute("SELECT gender, count(*) FROM students GROUP BY gender ORDER BY gender"):
        stats.by_gender[genders.get(code, "未填写")] = count
    left, migrant, disabled, boarder = conn.execute(
        f"SELECT {_flag('left_behind', ('1', '2'))}, {_flag('migrant_child', ('1',))},"
        f" {_flag('is_disabled', ('1',))}, {_flag('is_boarder', ('1',))} FROM students s").fetchone()
    stats.special = {"留守儿童": left or 0, "随迁子女": migrant or 0, "残疾": disabled or 0, "寄宿": boarder or 0}
    photos = conn.execute("SELECT count(*) FROM photos p JOIN students s ON s.id = p.student_id").fetchone()[0]
    codes = ",".join(f"'{c}'" for c in MISSING_CODES)
    incomplete = conn.execute(
        "SELECT count(*) FROM students s WHERE EXISTS (SELECT 1 FROM json_each(s.issues)"
        f" WHERE json_extract(value, '$.code') IN ({codes}))").fetchone()[0]
    status = dict(conn.execute("SELECT status, count(*) FROM students GROUP BY status").fetchall())
    stats.completeness = {"有照片": photos, "必填项齐全": stats.total - incomplete, "正常": status.get("ok", 0),
                          "有警告": status.get("warning", 0), "待修正": status.get("pending", 0)}
    return stats


def export_stats_xlsx(stats: SchoolStats, path: Path | str) -> Path:
    """One sheet per table, plus a column chart of students per grade (built in memory: see excel.xlsx_memory)."""
    from .excel.xlsx_memory import xlsxwriter_book
    from .outfiles import write_file

    path = Path(path)
    workbook, buffer = xlsxwriter_book({})
    bold = workbook.add_format({"bold": True})
    try:
        for sheet_name, rows in stats.rows().items():
            sheet = workbook.add_worksheet(sheet_name)
            for r, row in enumerate(rows):
                sheet.write_row(r, 0, row, bold if r == 0 else None)
            sheet.set_column(0, 0, 24)
            if sheet_name == "按年级" and len(rows) > 1:
                chart = workbook.add_chart({"type": "column"})
                chart.add_series({"name": "人数", "categories": [sheet_name, 1, 0, len(rows) - 1, 0],
                                  "values": [sheet_name, 1, 1, len(rows) - 1, 1]})
                chart.set_title({"name": "各年级人数"})
                sheet.insert_chart("F2", chart)
    finally:
        workbook.close()
    return write_file(path, buffer.getvalue())
