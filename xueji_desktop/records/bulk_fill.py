"""Filling one field for many students at once: what a clerk needs after importing a sheet without a column.

A school's sheet without 国籍, or without the parents' 户口所在地, leaves hundreds of students 待修正 for the same
missing value. ``fill_field`` sets it for a list of students (the ones shown in the list: a class, the 待修正)
in one transaction, through ``students.update_student``: every record is validated again and audited, and the
write gate (:mod:`.gate`: records not 在读, controlled fields the county accepted) refuses as in the form.

Not fillable: the key fields (姓名, 性别, 出生日期, 身份证件类型, 身份证件号: each person's own, and changed only by a
change request), the class and 年级 (学籍异动), what is each student's own (电话, 信箱, 学号…), and a family
member's own identity (姓名, 关系, 证件, 电话).
By default only empty fields are filled: a value someone typed stays unless ``overwrite``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import BadInput, XuejiError
from ..progress import Progress, tick
from ..validation.engine import value_issues
from ..validation.issues import ERROR
from ..validation.normalize import normalize_value
from ..validation.spec import Field, load_spec
from .gate import KEY_FIELDS, Gate
from .students import get_student_conn, public_record, update_student

_NOT_FOR_STUDENTS = frozenset(KEY_FIELDS) | {"class_code", "grade", "name_pinyin", "former_name", "phone", "email",
                                             "aux_student_no", "class_seat_no", "id_valid_until"}
_NOT_FOR_MEMBERS = frozenset({"name", "relation", "relation_note", "id_type", "id_number", "phone"})
MEMBERS = 2  # the form's 家庭成员 1 and 2


@dataclass
class FillResult:
    filled: int = 0                                      # students whose field was set
    kept: int = 0                                        # had a value already (not ``overwrite``)
    no_member: int = 0                                   # no such family member to fill
    refused: list[str] = field(default_factory=list)     # "name：why" for records the rules protect

    def summary(self, label: str) -> str:
        parts = [f"已为 {self.filled} 名学生填写{label}"]
        if self.kept:
            parts.append(f"{self.kept} 名原已有值，未改动")
        if self.no_member:
            parts.append(f"{self.no_member} 名没有该家庭成员")
        if self.refused:
            parts.append(f"{len(self.refused)} 名不能直接修改")
        return "，".join(parts) + "。" + "".join(f"\n  {r}" for r in self.refused[:20])


def fillable_fields() -> list[tuple[str, str]]:
    """(path, label) of every field ``fill_field`` takes, in form order: ``household_address``,
    ``members.0.household_address`` (家庭成员1户口所在地具体地址) …"""
    spec = load_spec()
    out = [(f.key, f.label) for f in spec.fields if f.group != "member" and f.key not in _NOT_FOR_STUDENTS]
    for i in range(MEMBERS):
        out += [(f"members.{i}.{f.key}", f"家庭成员{i + 1}{f.label}") for f in spec.member_fields
                if f.key not in _NOT_FOR_MEMBERS]
    return out


def field_of(path: str) -> tuple[Field, int | None, str]:
    """(field, member index or None, label) of a fillable path; BadInput naming the choices otherwise."""
    labels = dict(fillable_fields())
    if path not in labels:
        by_label = {label: p for p, label in labels.items()}
        if path in by_label:  # a label typed on the command line: 国籍/地区
            path = by_label[path]
        else:
            raise BadInput(f"“{path}”不能批量填写。可以批量填写的项：" + "、".join(labels.values()) + "。")
    spec = load_spec()
    if path.startswith("members."):
        _, index, key = path.split(".")
        return spec.member_by_key[key], int(index), labels[path]
    return spec.student_by_key[path], None, labels[path]


def canonical_value(path: str, value: Any) -> tuple[Any, str]:
    """(the value as stored, the field's label) for ``value`` as a person types it (汉族, 中国, 是…); BadInput
    with the engine's message when the value itself is wrong, before anything is changed."""
    _, _, label, canonical = _checked(path, value)
    return canonical, label


def _checked(path: str, value: Any) -> tuple[Field, int | None, str, Any]:
    """(field, member index or None, label, the value as stored): canonical_value with the field it found."""
    f, member, label = field_of(path)
    canonical, issue = normalize_value(f, value)
    if issue is not None and issue.severity == ERROR:
        raise BadInput(issue.message)
    if canonical in (None, ""):
        raise BadInput(f"请填写要批量填入的{label}。")
    problems = [i for i in value_issues(f.key, canonical, member=member is not None) if i.severity == ERROR]
    if problems:  # (value_issues words a member's field as member 1's)
        raise BadInput(problems[0].message.replace(f"家庭成员1{f.label}" if member is not None else f.label, label, 1))
    return f, member, label, canonical


def fill_field(store, student_ids: Sequence[int], path: str, value: Any, *, overwrite: bool = False,
               progress: Progress | None = None) -> FillResult:
    """Set field ``path`` to ``value`` for ``student_ids`` in one transaction (only where empty, unless
    ``overwrite``). A cancel or an error leaves every record as it was."""
    store.require("clerk")
    f, member, label, canonical = _checked(path, value)
    result = FillResult()
    total = len(student_ids)
    with store.transaction() as tx:
        gate = Gate(store, tx.conn)  # the write gate's settings, read once for all the students
        for n, sid in enumerate(student_ids):
            if n % 50 == 0:
                tick(progress, n, total, f"批量填写{label}")  # (raises Cancelled once cancel is pressed)
            old = get_student_conn(tx.conn, sid)
            if old is None:
                raise BadInput(f"学生不存在（编号 {sid}）。")
            record = public_record(old)
            if member is None:
                target = record
            elif member < len(record.get("members") or []):
                target = record["members"][member]
            else:
                result.no_member += 1
                continue
            if target.get(f.key) not in (None, "") and (not overwrite or target.get(f.key) == canonical):
                result.kept += 1
                continue
            target[f.key] = canonical
            try:
                update_student(tx, sid, record, gate=gate)
            except XuejiError as exc:  # the gate refuses before update_student writes anything
                result.refused.append(f"{old.get('name', '')}：{exc}")
                continue
            result.filled += 1
        if progress is not None:
            progress.check()  # a cancel during the last students still rolls everything back
        tick(progress, total, total, f"批量填写{label}")
    return result
