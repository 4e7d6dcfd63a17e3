"""Loads ``resources/spec/fields.toml``: the 2022 form's fields and code tables as data."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from ..paths import resource


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    type: str
    group: str
    excel: str
    required: bool | str = False
    item: int | None = None
    items: tuple[int, ...] = ()
    codes: str | None = None
    help: str = ""
    aliases: tuple[str, ...] = ()
    max_len: int | None = None

    @property
    def starred(self) -> bool:
        return self.required is True


@dataclass(frozen=True)
class CodeTable:
    name: str
    source: str
    values: tuple[tuple[str, str], ...]
    by_code: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def name_of(self, code: str) -> str | None:
        return self.by_code.get(code)

    def names(self) -> list[str]:
        return [n for _, n in self.values]


@dataclass(frozen=True)
class Spec:
    version: str
    fields: tuple[Field, ...]
    codes: dict[str, CodeTable]

    def group(self, group: str) -> list[Field]:
        return [f for f in self.fields if f.group == group]

    @property
    def student_fields(self) -> list[Field]:
        """Fields of the student record itself (every group except ``member``)."""
        return [f for f in self.fields if f.group != "member"]

    @property
    def member_fields(self) -> list[Field]:
        return self.group("member")

    def field(self, key: str, group: str | None = None) -> Field:
        for f in self.fields:
            if f.key == key and (group is None or f.group == group or (group != "member" and f.group != "member")):
                return f
        raise KeyError(key)


def _build(raw: dict[str, Any]) -> Spec:
    fields = []
    for f in raw["field"]:
        fields.append(Field(
            key=f["key"], label=f["label"], type=f["type"], group=f["group"], excel=f["excel"],
            required=f.get("required", False), item=f.get("item"), items=tuple(f.get("items", ())),
            codes=f.get("codes"), help=f.get("help", ""), aliases=tuple(f.get("aliases", ())),
            max_len=f.get("max_len"),
        ))
    codes = {}
    for name, table in raw.get("codes", {}).items():
        values = tuple((str(c), str(n)) for c, n in table["values"])
        codes[name] = CodeTable(name, table.get("source", ""), values, {c: n for c, n in values})
    return Spec(version=raw.get("spec_version", ""), fields=tuple(fields), codes=codes)


@cache
def load_spec() -> Spec:
    with open(resource("spec", "fields.toml"), "rb") as fh:
        return _build(tomllib.load(fh))
