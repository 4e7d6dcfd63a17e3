"""Sections of the 2022 form and the rules for when they show (see the package docstring)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from ..validation.spec import Field, load_spec

MEMBER_SLOTS = 2  # the paper form has two family members (items 18-26 and 27-35)
MEMBER_ITEMS = 9


@dataclass(frozen=True)
class FormField:
    """One box of the form: a field of the student, or of family member ``member`` (0 or 1)."""

    field: Field
    item: int | None = None      # number on the paper form; None for the long-list fields (其他信息)
    member: int | None = None

    @property
    def path(self) -> str:
        """The record path, as validation issues and the screen form name it: "name", "members.1.phone"."""
        return self.field.key if self.member is None else f"members.{self.member}.{self.field.key}"

    @property
    def label(self) -> str:
        return self.field.label

    @property
    def paper_label(self) -> str:
        """As printed: "姓名★" (★ = required on the 2022 form; 36/37 are required only when 16 is 是)."""
        return self.field.label + ("★" if self.field.starred else "")

    @property
    def screen_label(self) -> str:
        """As on screen: "1 ★姓名" (item number first, as the clerk finds it on the paper)."""
        number = f"{self.item} " if self.item else ""
        return f"{number}{'★' if self.field.starred else ''}{self.field.label}"

    @property
    def hint(self) -> str:
        return self.field.help

    @property
    def starred(self) -> bool:
        return self.field.starred

    def value(self, record: Mapping[str, Any]) -> Any:
        if self.member is None:
            return record.get(self.field.key)
        members = record.get("members") or []
        return members[self.member].get(self.field.key) if self.member < len(members) else None


def _always(_record: Mapping[str, Any]) -> bool:
    return True


@dataclass(frozen=True)
class Section:
    key: str                      # student | member1 | member2 | special | extra
    title: str                    # heading on screen
    paper_title: str | None       # heading on the printed form; None: not on the paper form
    fields: tuple[FormField, ...]
    shown_when: Callable[[Mapping[str, Any]], bool] = _always
    when_text: str = ""           # the rule in words (screen heading, user guide)
    depends_on: tuple[str, ...] = ()  # record paths whose change may show or hide the section

    def shown(self, record: Mapping[str, Any]) -> bool:
        """On screen: does the section show for this record? (The paper form prints every section.)"""
        return self.shown_when(record)

    @property
    def paper_rows(self) -> list[tuple[FormField, FormField | None]]:
        """The paper's rows: the first half of the numbered items on the left, the second half on the right
        (fields without an item number are on screen and in Excel only)."""
        numbered = [f for f in self.fields if f.item is not None]
        half = (len(numbered) + 1) // 2
        left, right = numbered[:half], numbered[half:]
        return [(a, right[i] if i < len(right) else None) for i, a in enumerate(left)]


def _has(value: Any) -> bool:
    return value not in (None, "")


def _disabled(record: Mapping[str, Any]) -> bool:
    return str(record.get("is_disabled") or "") == "1"  # 第 16 项 是否残疾人 = 是


def _member_two(record: Mapping[str, Any]) -> bool:
    """Member 2 shows once member 1 has a name, or when member 2 already holds something."""
    members = list(record.get("members") or [])
    first = members[0] if members else {}
    second = members[1] if len(members) > 1 else {}
    return _has(first.get("name")) or any(_has(v) for k, v in second.items() if k != "id_type")


@cache
def form_sections() -> tuple[Section, ...]:
    spec = load_spec()
    student = sorted((f for f in spec.fields if f.group == "student"), key=lambda f: f.item or 0)
    members = sorted(spec.member_fields, key=lambda f: f.items[0] if f.items else 99)
    special = sorted((f for f in spec.fields if f.group == "special"), key=lambda f: f.item or 0)
    extra = [f for f in spec.fields if f.group == "extra"]

    def numbers(fields: list[FormField]) -> str:
        items = [f.item for f in fields if f.item]
        return f"（第 {items[0]}-{items[-1]} 项）" if items else ""

    out = []
    fields = [FormField(f, f.item) for f in student]
    out.append(Section("student", "学生基本信息" + numbers(fields), "学生个人基础信息", tuple(fields)))
    for slot, (name, paper) in enumerate((("家庭成员或监护人 1", "学生家庭成员或监护人信息一"),
                                          ("家庭成员或监护人 2", "学生家庭成员或监护人信息二"))):
        fields = [FormField(f, f.items[slot] if len(f.items) > slot else None, slot) for f in members]
        if slot == 0:
            out.append(Section(f"member{slot + 1}", name + numbers(fields), paper, tuple(fields)))
        else:
            out.append(Section(f"member{slot + 1}", name + numbers(fields), paper, tuple(fields), _member_two,
                               "填写了家庭成员 1 的姓名后显示", ("members.0.name",)))
    fields = [FormField(f, f.item) for f in special]
    out.append(Section("special", "特殊教育" + numbers(fields), "特殊教育学生信息(第16项选“是”的填报)",
                       tuple(fields), _disabled, "第 16 项“是否残疾人”选“是”时显示", ("is_disabled",)))
    out.append(Section("extra", "其他信息", None, tuple(FormField(f) for f in extra)))
    return tuple(out)


def screen_sections() -> tuple[Section, ...]:
    return form_sections()


def paper_sections() -> tuple[Section, ...]:
    return tuple(s for s in form_sections() if s.paper_title is not None)


def section_of(path: str) -> Section:
    for section in form_sections():
        if any(f.path == path for f in section.fields):
            return section
    raise KeyError(path)


def paper_items() -> dict[int, FormField]:
    """Item number (1-37) -> the box carrying it."""
    return {f.item: f for s in paper_sections() for f in s.fields if f.item is not None}
