"""Record-level validation: per-field checks and cross-field rules.

FOUNDATION VERSION: required fields and code-table membership only. The full
engine (ID documents, normalisation, cross-field rules) replaces the body of
``validate_student`` while keeping this signature.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .issues import ERROR, WARNING, Issue
from .spec import load_spec


@dataclass
class ValidationContext:
    """What a record is checked against besides itself."""

    today: date = field(default_factory=date.today)
    stage: int | None = None          # 1 小学, 2 初中, 3 高中 (from the student's class)
    entry_year: int | None = None     # class entry year
    school_year: int | None = None    # first calendar year of the current school year


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def validate_student(record: dict[str, Any], ctx: ValidationContext | None = None) -> list[Issue]:
    spec = load_spec()
    issues: list[Issue] = []
    for f in spec.student_fields:
        value = record.get(f.key)
        if _empty(value):
            if f.required is True:
                issues.append(Issue(f.key, ERROR, "required", f"{f.label}为必填项，请填写。{f.help}"))
            continue
        if f.codes and str(value) not in spec.codes[f.codes].by_code:
            issues.append(Issue(f.key, ERROR, "code.unknown",
                                f"{f.label}“{value}”不在代码表中，请从下拉列表中选择。"))
    members = record.get("members") or []
    for i, member in enumerate(members[:2]):
        for f in spec.member_fields:
            value = member.get(f.key)
            if _empty(value):
                if f.required is True:
                    issues.append(Issue(f"members.{i}.{f.key}", ERROR, "required",
                                        f"家庭成员{i + 1}{f.label}为必填项，请填写。"))
                continue
            if f.codes and str(value) not in spec.codes[f.codes].by_code:
                issues.append(Issue(f"members.{i}.{f.key}", ERROR, "code.unknown",
                                    f"家庭成员{i + 1}{f.label}“{value}”不在代码表中，请从下拉列表中选择。"))
    if len(members) < 1:
        issues.append(Issue("members", ERROR, "members.missing", "至少填写一名家庭成员或监护人。"))
    return issues


def status_of(issues: list[Issue]) -> str:
    """Row status: pending (待修正) when any error, warning when only warnings, else ok (正常)."""
    if any(i.severity == ERROR for i in issues):
        return "pending"
    if any(i.severity == WARNING for i in issues):
        return "warning"
    return "ok"
