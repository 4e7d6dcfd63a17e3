"""Partial sheets: a sheet with only some of a student's fields updates those fields of the students it matches.

Schools hold the national system's 家庭成员 and 毕业生 exports and the lists class teachers collect (names, ID
numbers, a parent's phone). Such a sheet (``Layout.partial``: an ID number or 学籍号 column, most required
columns missing) is a list of changes: each row is matched to a stored student (by ID number, as every import
matches; a row without one by its 学籍号, as the national system's sheets name a child by 全国学籍号, else by
name + gender + birth date + class), the fields the sheet carries (its columns and what its headers imply) are
written over the stored ones, empty cells change nothing, and the whole record is validated again. Every write
goes through the write gate (records/gate.py) exactly as a matched row of a full sheet does: identity
conflicts, read-only records and controlled fields of accepted records are refused or kept there.
A row that matches no student is reported as not matched, unless the sheet gives a class (a 班级 column, or a
sheet named after its class): then it is a new student, as before (a class teacher's list of new pupils).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..records.gate import KEEP, Gate, keep_controlled
from ..records.students import CORE_COLUMNS, context_for, get_student_conn, with_class
from ..school import ClassInfo
from ..storage import audit
from ..validation import ERROR, Issue, status_of, validate_student
from .reader import Layout

_NEVER = frozenset({"id_number", "class_code", "grade", "school_code", "student_number"})  # match key, placement
_dumps = json.JSONEncoder(ensure_ascii=False).encode


@dataclass
class PartialSheet:
    """What one partial sheet did (ImportResult.partial_sheets, --json ``partial_sheets``)."""

    sheet: str
    fields: list[str]                       # template headers of the fields it updates, in column order (not 姓名)
    updated: int = 0
    unchanged: int = 0
    unmatched: list[tuple[int, str]] = field(default_factory=list)  # (0-based row, name as written)

    def to_dict(self) -> dict[str, Any]:
        return {"sheet": self.sheet, "fields": self.fields, "updated": self.updated, "unchanged": self.unchanged,
                "unmatched": [{"row": r + 1, "name": n} for r, n in self.unmatched]}

    def summary(self) -> list[str]:
        lines = [f"工作表“{self.sheet}”只含部分字段：按身份证件号（或学籍号）更新了 {self.updated} 名学生的 "
                 + "、".join(self.fields) + (f"（{self.unchanged} 名没有变化）" if self.unchanged else "") + "。"]
        if self.unmatched:
            lines.append(f"  {len(self.unmatched)} 行未能对应到本校学生（身份证件号、学籍号为空或本校没有该号码），"
                         "未导入："
                         + "、".join(f"第{r + 1}行 {n or '（无姓名）'}" for r, n in self.unmatched[:20])
                         + ("等" if len(self.unmatched) > 20 else ""))
        return lines


@dataclass
class Outcome:
    """One row of a partial sheet: ``kind`` is "unmatched", "refused" (the gate refused the row), "unchanged" or
    "updated"; ``kept``: controlled cells the gate kept as stored; ``issues``: the record's, on the sheet's
    fields (for the error report); ``entry``: the audit entry to append."""

    kind: str
    student_id: int | None = None
    name: str = ""
    refusals: list = field(default_factory=list)
    status: str = "ok"
    issues: list[Issue] = field(default_factory=list)
    entry: tuple | None = None


def revalidate(data: dict[str, Any], members: list[dict[str, Any]], class_id: int | None,
               classes: list[ClassInfo], today: date, school_year: int) -> list[Issue]:
    """The issues of a whole record as it will be stored (after a merge, or after the gate kept cells)."""
    cls = next((c for c in classes if c.id == class_id), None)
    return validate_student(with_class({**data, "members": members}, cls, today, school_year),
                            context_for(cls, today, school_year))


class PartialUpdater:
    """Applies a partial sheet's prepared rows inside the import's transaction."""

    def __init__(self, layout: Layout, conn, gate: Gate, classes: list[ClassInfo], today: date,
                 school_year: int) -> None:
        self.conn, self.gate = conn, gate
        # a row no student matches is a new student only where the sheet says which class it goes into
        self.places_new = (layout.column_of("class_code") is not None
                           or "class_code" in layout.implied.get(None, {}))
        self.classes, self.today, self.school_year = classes, today, school_year
        cols = [c for _, c in sorted(layout.columns.items()) if c.field is not None and c.key not in _NEVER]
        self.student_keys = [c.key for c in cols if c.member is None]
        self.student_keys += [k for k in layout.implied.get(None, {}) if k not in _NEVER]
        self.member_keys: dict[int, set[str]] = {}
        for c in cols:
            if c.member is not None:
                self.member_keys.setdefault(c.member, set()).add(c.key)
        for person, values in layout.implied.items():
            if person is not None:
                self.member_keys.setdefault(person, set()).update(values)
        self.paths = {c.path for c in cols}
        # 姓名 identifies the row (the gate compares it with the stored one): not listed as a field it updates
        self.result = PartialSheet(layout.sheet_name, [c.header for c in cols if c.path != "name"])

    def _merged_members(self, stored: list[dict[str, Any]], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The stored members with the sheet's cells written over them: a member the sheet names as stored is that
        one, else the sheet's member blocks in order (成员1, 成员2)."""
        out = [dict(m) for m in stored]
        blocks = sorted(self.member_keys)
        for pos, new in enumerate(rows):
            index = next((i for i, m in enumerate(out) if new.get("name") and m.get("name") == new.get("name")),
                         None)
            if index is None:
                index = blocks[pos] if pos < len(blocks) else len(out)
            while len(out) <= index:
                out.append({})
            keys = self.member_keys.get(index, set(new))
            out[index].update({k: v for k, v in new.items() if k in keys and v not in (None, "")})
        return [m for m in out if m]

    def apply(self, sid: int | None, row: int, data_json: str, members: tuple, core: tuple[str, ...],
              source: str, ts: str) -> Outcome:
        """Merge one prepared row into the student ``sid`` it matched (None: none), pass the gate, write."""
        if sid is None:
            self.result.unmatched.append((row, core[0]))
            return Outcome("unmatched", name=core[0])
        old = get_student_conn(self.conn, sid)
        stored_name = old.get("name", "")
        sheet = json.loads(data_json)
        old_data = {k: v for k, v in old.items() if not k.startswith("_") and k not in ("members", "grade")}
        if old["_class_id"] is not None:
            old_data.pop("class_code", None)
        data = {**old_data, **{k: sheet[k] for k in self.student_keys if sheet.get(k) not in (None, "")}}
        new_members = self._merged_members(old.get("members", []), [json.loads(m[3]) for m in members])
        refusals = self.gate.check(old, {**data, "members": new_members}, KEEP, matched=True)
        if any(r.blocks_row for r in refusals):
            return Outcome("refused", sid, stored_name, refusals)
        if refusals:  # controlled fields of an accepted record: kept as stored, the rest written
            data = keep_controlled(old, data, refusals)
        issues = revalidate(data, new_members, old["_class_id"], self.classes, self.today, self.school_year)
        status = status_of(issues) if issues else "ok"
        shown = [i for i in issues if i.field in self.paths]
        changes = audit.diff(old_data, data)
        old_members = old.get("members", [])
        for i in range(max(len(old_members), len(new_members))):
            a = old_members[i] if i < len(old_members) else None
            b = new_members[i] if i < len(new_members) else None
            changes.update({f"members.{i}.{k}": v for k, v in audit.diff(a, b).items()})
        issues_dicts = [i.to_dict() for i in issues]
        if not changes and old["_issues"] == issues_dicts:
            self.result.unchanged += 1
            return Outcome("unchanged", sid, stored_name, refusals, status, shown)
        errors = sum(i.severity == ERROR for i in issues)
        core_out = tuple("" if data.get(k) is None else str(data.get(k)) for k in CORE_COLUMNS)
        self.conn.execute(
            "UPDATE students SET name = ?, gender = ?, birth_date = ?, id_type = ?, id_number = ?, status = ?,"
            " error_count = ?, warning_count = ?, data = ?, issues = ?, updated_at = ? WHERE id = ?",
            (*core_out, status, errors, len(issues) - errors, _dumps(data), _dumps(issues_dicts), ts, sid))
        self.conn.execute("DELETE FROM family_members WHERE student_id = ?", (sid,))
        self.conn.executemany(
            "INSERT INTO family_members (student_id, seq, name, relation, id_number, data) VALUES (?, ?, ?, ?, ?, ?)",
            [(sid, i + 1, m.get("name", ""), m.get("relation", ""), m.get("id_number", ""), _dumps(m))
             for i, m in enumerate(new_members)])
        changes["source"] = [None, source]
        self.result.updated += 1
        return Outcome("updated", sid, stored_name, refusals, status, shown, ("导入更新学生", "students", sid, changes))
