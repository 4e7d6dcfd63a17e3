"""Loads ``resources/spec/fields.toml``: the 2022 form's fields and code tables as data."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache, cached_property
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
    aliases: tuple[str, ...] = ()          # other headers accepted on import
    max_len: int | None = None
    alias_sources: tuple[tuple[str, ...], ...] = ()  # per alias: keys of Spec.header_sources

    @property
    def starred(self) -> bool:
        return self.required is True


@dataclass(frozen=True)
class CodeTable:
    name: str
    source: str
    values: tuple[tuple[str, str], ...]
    by_code: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    # name or accepted alias -> the codes it may mean (more than one: resolved by ``stages``)
    by_name: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False, hash=False)
    # code -> school stages (1 小学, 2 初中, 3 高中) it belongs to; codes not listed fit every stage
    stages: dict[str, frozenset[int]] = field(default_factory=dict, compare=False, hash=False)
    # spellings outside the standard that are common in practice: accepted as a code, with a warning
    lossy: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def name_of(self, code: str) -> str | None:
        return self.by_code.get(code)

    def names(self) -> list[str]:
        return [n for _, n in self.values]


@dataclass(frozen=True)
class Spec:
    version: str
    fields: tuple[Field, ...]
    codes: dict[str, CodeTable]
    header_sources: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    # lookups built once (validation runs per keystroke and per imported row: no per-call scans)
    student_by_key: dict[str, Field] = field(default_factory=dict, compare=False, hash=False)
    member_by_key: dict[str, Field] = field(default_factory=dict, compare=False, hash=False)

    def group(self, group: str) -> list[Field]:
        return [f for f in self.fields if f.group == group]

    @cached_property
    def student_fields(self) -> list[Field]:
        """Fields of the student record itself (every group except ``member``)."""
        return [f for f in self.fields if f.group != "member"]

    @cached_property
    def member_fields(self) -> list[Field]:
        return self.group("member")

    def field(self, key: str, group: str | None = None) -> Field:
        if group == "member":
            return self.member_by_key[key]
        if group is None and key not in self.student_by_key:
            return self.member_by_key[key]
        f = self.student_by_key[key]
        if group is not None and group != f.group and group not in ("student", "extra", "special"):
            raise KeyError(key)
        return f


def _build(raw: dict[str, Any]) -> Spec:
    fields = []
    for f in raw["field"]:
        aliases = [(a, "") if isinstance(a, str) else tuple(a) for a in f.get("aliases", ())]  # [header, sources]
        fields.append(Field(
            key=f["key"], label=f["label"], type=f["type"], group=f["group"], excel=f["excel"],
            required=f.get("required", False), item=f.get("item"), items=tuple(f.get("items", ())),
            codes=f.get("codes"), help=f.get("help", ""), aliases=tuple(a for a, _ in aliases),
            max_len=f.get("max_len"), alias_sources=tuple(tuple(src.split()) for _, src in aliases),
        ))
    codes = {}
    for name, table in raw.get("codes", {}).items():
        values = tuple((str(c), str(n)) for c, n in table["values"])
        by_name: dict[str, tuple[str, ...]] = {}
        for c, n in (*values, *((str(c), str(n)) for c, n in table.get("aliases", ()))):
            if c not in by_name.get(n, ()):
                by_name[n] = (*by_name.get(n, ()), c)
        stages = {str(c): frozenset(v) for c, v in table.get("stages", {}).items()}
        lossy = {str(n): str(c) for c, n in table.get("lossy_aliases", ())}
        codes[name] = CodeTable(name, table.get("source", ""), values, dict(values), by_name, stages, lossy)
    return Spec(version=raw.get("spec_version", ""), fields=tuple(fields), codes=codes,
                header_sources=dict(raw.get("header_sources", {})),
                student_by_key={f.key: f for f in fields if f.group != "member"},
                member_by_key={f.key: f for f in fields if f.group == "member"})


@cache
def load_spec() -> Spec:
    with open(resource("spec", "fields.toml"), "rb") as fh:
        return _build(tomllib.load(fh))
