"""小学新生注册 from the 学前调档 list (seed 002 §小学新生注册; seed 001 §一年级新生学籍导入): the preschool system's
export of the children coming to grade 1 (姓名, 性别, 身份证件号, 出生日期, 民族, 户口所在地, guardians …), read with
the import's tolerant header matching (``excel.people``) into new grade-1 records of one class.

Each child becomes a record through ``students.add_student`` (validated as every record is: one with errors
is kept as 待修正, never dropped), 是否受过学前教育 = 是, 入学方式 就近入学 and 入学年月 September of the class's
entry year unless the list says otherwise. Rows that cannot become a record (no name, a child who already has a
record here, the same child twice in the file, a full class) are named by row; then nothing is imported
unless the clerk accepts the valid part (``accept_valid``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ..errors import BadInput
from ..excel.people import read_people
from ..progress import Progress, tick
from ..school import find_class
from ..storage.store import Store
from .admissions import LIST_MODE, ChildRefused, RowsRefused, ensure_new_child, new_student_record, one_child
from .gate import Gate
from .students import add_student


@dataclass
class PreschoolResult:
    file: str
    class_code: str
    rows: int = 0
    imported: int = 0
    pending: int = 0                                                # imported with errors (待修正)
    refused: list[dict[str, Any]] = field(default_factory=list)    # {row, name, message}

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "class_code": self.class_code, "rows": self.rows, "imported": self.imported,
                "pending": self.pending, "refused": self.refused}


def import_preschool(store: Store, path: Path | str, class_text: str, *, accept_valid: bool = False,
                     age_exception: str = "", today: date | None = None,
                     progress: Progress | None = None) -> PreschoolResult:
    store.require("clerk")
    path = Path(path)
    cls = find_class(store.conn, class_text)
    if cls is None:
        raise BadInput(f"没有班级“{class_text}”：请先建一年级班级"
                       "（xueji class add --entry-year Y --stage 1 --number N）。")
    if cls.stage != 1:
        raise BadInput(f"{cls.name} 不是小学班级：学前调档名单只能注册为小学一年级新生。")
    _sheet, people = read_people(path)
    if not people:
        raise BadInput(f"{path.name} 中没有学生数据行。")
    result = PreschoolResult(path.name, cls.class_code, rows=len(people))
    refused_rows: set[int] = set()
    seen: dict[str, int] = {}
    for p in people:
        name = str(p.record.get("name", ""))
        number = str(p.record.get("id_number", ""))
        why = ""
        if not name:
            why = "缺少姓名"
        elif number and number in seen:
            why = f"身份证件号 {number} 与第 {seen[number]} 行重复"
        else:
            try:
                ensure_new_child(store.conn, p.record)
            except BadInput as exc:
                why = str(exc)
        if number:
            seen.setdefault(number, p.row)
        if why:
            result.refused.append({"row": p.row, "name": name, "message": why})
            refused_rows.add(p.row)
    with store.transaction() as tx:
        gate = Gate(store, tx.conn, today=today, age_exception=age_exception)
        for n, p in enumerate(people):
            if p.row in refused_rows:
                continue
            record = new_student_record(p.record, 1, cls.entry_year, LIST_MODE[1])
            record.setdefault("preschool", "1")  # 是否受过学前教育: they come from the preschool system
            try:
                with one_child(tx, gate):  # the class is full, outside the 新生注册 window, under the entry age …
                    sid = add_student(tx, record, cls.id, gate=gate)
            except ChildRefused as exc:
                result.refused.append({"row": p.row, "name": p.record.get("name", ""), "message": str(exc)})
                continue
            status = tx.execute("SELECT status FROM students WHERE id = ?", (sid,)).fetchone()[0]
            result.imported += 1
            result.pending += status == "pending"
            tick(progress, n, len(people), "注册一年级新生")
        if result.refused and not accept_valid:
            result.imported = result.pending = 0
            raise RowsRefused(result, f"{result.file} 有 {len(result.refused)} 行不能注册，未导入任何学生",
                              [f"第{r['row']}行 {r['name']}：{r['message']}" for r in result.refused],
                              "改正后重新导入，或加 --accept-valid 只导入其余的行。")
        tx.audit("学前调档注册新生", "students", cls.class_code,
                 {"file": [None, path.name], "imported": [None, result.imported],
                  "refused": [None, len(result.refused)]})
    return result
