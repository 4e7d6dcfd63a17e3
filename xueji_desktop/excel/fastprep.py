"""The import workers' fast path: a chunk of rows checked column by column, clean rows assembled directly.

Preparing a row the exact way (``importer.prepare_row``: rows.read_cells → normalize_row → validate_student →
merge_issues → JSON) re-checks spellings seen thousands of times (男, 汉族, 2015-03-07) on every row. Here each
distinct cell text of a column is normalised and checked once, with the validation engine's own per-field
steps (``normalize.field_normalizer``, ``engine.value_check``), and remembered. A row whose every cell is a
clean text, with its required fields, a family member who is guardian and a known class, then needs only the
checks between fields (``engine.across_issues``: ID documents, cross-field rules). When those find nothing,
validate_student would return nothing either (see the note above ``value_issues`` in validation/engine.py):
the row is 正常, with the record the exact path builds, its JSON joined from per-cell pieces.

Any doubt sends the row down the exact path, which writes the messages: a cell that is not text (numbers and
dates: read_cells hands those to the normaliser as they are), a text with an issue of its own (warnings too),
an ID in a shape Excel damages, 同上 in a member's address, a missing required field, an unknown class, or any
issue between fields. tests/excel/test_fast_prepare.py holds the two paths together, byte for byte.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import cache
from itertools import compress, repeat
from json.encoder import encode_basestring  # the C one: what json.JSONEncoder(ensure_ascii=False) uses
from typing import Any

from ..class_text import class_label
from ..records.students import CORE_COLUMNS, DERIVED, context_for, with_class
from ..school import ClassInfo
from ..validation.engine import ValidationContext, across_issues, required_keys, value_check, value_issues
from ..validation.normalize import MEMBER_ADDRESS_SOURCE, SAME_AS_ABOVE, field_normalizer
from .columns import MEMBER_COUNT
from .rows import PlanEntry

Prepared = tuple  # see importer.Prepared
ExactPath = Callable[[int, list[Any]], "Prepared | None"]

_REJECT = object()   # a cell (or class) that sends its row down the exact path
_MEMO_MAX = 4096     # distinct texts remembered per column: codes and dates repeat, names and IDs never do
_EMPTY = ("",) * len(CORE_COLUMNS)


class _ClassState:
    """What a row's class adds: the engine's context, class_code and grade as with_class sets them, and the
    required fields the record itself must hold (class_code and grade come from the class)."""

    __slots__ = ("cls", "ctx", "fields", "required")

    def __init__(self, cls: ClassInfo, ctx: ValidationContext, fields: dict[str, Any], required: frozenset[str]):
        self.cls, self.ctx, self.fields, self.required = cls, ctx, fields, required


def _blank(v: Any) -> bool:
    return v is None or v == "" or (type(v) is str and v.isspace())


class FastPrep:
    """Per worker (importer._init_worker): the plan's columns, each with its memo of cell text → canonical value
    ("" for a blank cell, _REJECT for a text the exact path must see), and the classes seen so far."""

    def __init__(self, plan: list[PlanEntry], resolve: Callable[[str, str], ClassInfo | None], today: date, *,
                 enabled: bool = True) -> None:
        self.resolve, self.today = resolve, today  # resolve(班级 text, 年级 text)
        student: list[_Column] = []
        members: list[list[_Column]] = [[] for _ in range(MEMBER_COUNT)]
        self.class_column: int | None = None
        self.grade_column: int | None = None
        for j, key, member, _path, kind, _memo in plan:
            if kind == "grade":
                self.grade_column = j  # the record takes 年级 from the class; it only places a bare 班 number
                continue
            if kind == "class":
                self.class_column = j
                continue
            # 同上 in a member's address: normalize_record writes the student's address there, with a warning
            same_as_above = SAME_AS_ABOVE if member is not None and key in MEMBER_ADDRESS_SOURCE else frozenset()
            col = _Column(j, key, _verdict(key, member is not None, kind), same_as_above)
            (student if member is None else members[member]).append(col)
        self.columns = student + [c for m in members for c in m]
        self.parts = [student, *(m for m in members if m)]  # the record, then each member, as read
        verdicts = [c.verdict for c in self.columns]
        self.shared = {v for v in verdicts if verdicts.count(v) > 1}  # columns that can share what they learn
        self.student_keys = tuple(c.key for c in student)
        self.width = max((c.j for c in self.columns), default=-1) + 1
        for j in (self.class_column, self.grade_column):
            if j is not None:
                self.width = max(self.width, j + 1)
        self.class_column_ = _Column(self.class_column or 0, "class_code", self._class_verdict)
        self.class_states: dict[int, _ClassState | None] = {}
        self.member_required = required_keys(member=True)
        # record == _data_json(record) for an accepted row only when no column lands on a key the store drops
        self.enabled = (enabled and self.class_column is not None and len(self.parts) > 1
                        and not any(k in DERIVED or k.startswith("_") for k in self.student_keys))

    def prepare(self, chunk: list[tuple[int, list[Any]]], exact: ExactPath) -> list[Prepared]:
        """The Prepared rows of ``chunk`` (as ``exact`` makes them), clean rows without the exact path."""
        if not self.enabled or not chunk:
            return [p for p in (exact(r, cells) for r, cells in chunk) if p is not None]
        try:
            return self._prepare(chunk, exact)
        except TypeError:  # an unhashable cell (calamine gives none): the memos cannot hold it
            return [p for p in (exact(r, cells) for r, cells in chunk) if p is not None]

    def _prepare(self, chunk: list[tuple[int, list[Any]]], exact: ExactPath) -> list[Prepared]:
        width = self.width
        rows = [cells if len(cells) >= width else [*cells, *([""] * (width - len(cells)))] for _, cells in chunk]
        cells_by_column = list(zip(*rows, strict=False))
        doubt: set[int] = set()
        keys: list[tuple[str, ...]] = []   # per part of the record (student, member 1, member 2)
        by_row: list[Any] = []             # per part: its values by row, then its JSON fragments by row
        learnt: dict[Any, dict[Any, Any]] = {}
        n = len(rows)
        for part in self.parts:
            part_keys, values, fragments = [], [], []
            for c in part:
                cells = cells_by_column[c.j]
                if cells.count("") + cells.count(None) == n:
                    continue  # blank all through the chunk: adds nothing to any row
                v, f = c.map(cells, doubt, learnt if c.verdict in self.shared else None)
                if any(v):  # (blanks, spaces)
                    part_keys.append(c.key)
                    values.append(v)
                    fragments.append(f)
            keys.append(tuple(part_keys))
            # (a part with no value in the whole chunk: repeat(()), endless, hence strict=False below)
            by_row += [zip(*values, strict=True), zip(*fragments, strict=True)] if values else [repeat(())] * 2
        class_cells = cells_by_column[self.class_column]
        if self.grade_column is not None:  # (年级, 班级) pairs: 1班 is a class only with its 年级
            class_cells = tuple(zip(cells_by_column[self.grade_column], class_cells, strict=True))
        classes, _ = self.class_column_.map(class_cells, doubt, None)
        out: list[Prepared] = []
        for i, ((row, cells), klass, *parts) in enumerate(zip(chunk, classes, *by_row, strict=False)):
            p = None if i in doubt else self._accept(row, klass, keys, parts)
            if p is None:
                p = exact(row, cells)
                if p is None:
                    continue
            out.append(p)
        return out

    def _accept(self, row: int, klass: tuple[str, _ClassState], keys: list[tuple[str, ...]],
                parts: list[tuple[str, ...]]) -> Prepared | None:
        """The row's Prepared when it is clean (its cells each are), else None. ``parts``: for the student and
        each member, the canonical values ("" for a blank cell) of the ``keys``, then their '"key": "value"' JSON."""
        class_text, state = klass
        values = parts[0]
        record = dict(compress(zip(keys[0], values, strict=False), values))  # (same lengths: built so)
        if not state.required <= record.keys():
            return None
        members, member_rows = [], []
        for k in range(1, len(keys)):
            values = parts[2 * k]
            m = dict(compress(zip(keys[k], values, strict=False), values))
            if m:
                if not self.member_required <= m.keys():
                    return None
                members.append(m)
                member_rows.append((m.get("name", ""), m.get("relation", ""), m.get("id_number", ""),
                                    _object(parts[2 * k + 1])))
        if "1" not in [m.get("is_guardian") for m in members]:
            return None  # (no member at all included)
        get = record.get
        core = tuple(map(get, CORE_COLUMNS, _EMPTY))
        record["members"] = members  # the record as prepare_row validates it (with_class: class_code, grade)
        record.update(state.fields)
        if across_issues(record, state.ctx):
            return None
        return (row, state.cls.id, class_text, core, "ok", 0, 0,
                _object(parts[1]), "[]", tuple(member_rows), None, (get("name"), get("id_number")), None)

    def _class_verdict(self, value: Any) -> Any:
        """(class text, its state) for a 班级 cell (or a (年级, 班级) pair of cells) naming a class of the school,
        else _REJECT."""
        grade = ""
        if type(value) is tuple:
            grade, value = value
            if grade is None:
                grade = ""
            elif type(grade) is not str or "\u200b" in grade or "\ufeff" in grade:
                return _REJECT  # a number or odd text in 年级: the exact path reads it
            grade = grade.strip()
        if type(value) is not str:
            return _REJECT  # empty or not text: the exact path decides
        text = value.strip()
        if not text or "\u200b" in text or "\ufeff" in text:
            return _REJECT
        cls = self.resolve(text, grade)
        if cls is None:
            return _REJECT
        text = class_label(text, grade)  # as prepare_row gives it
        if cls.id not in self.class_states:
            self.class_states[cls.id] = self._class_state(cls)
        state = self.class_states[cls.id]
        return _REJECT if state is None else (text, state)

    def _class_state(self, cls: ClassInfo) -> _ClassState | None:
        fields = with_class({}, cls, self.today)  # class_code, grade: what prepare_row's record gets
        filled = {k for k, v in fields.items() if not _blank(v)}
        if any(value_issues(k, fields[k]) for k in filled):  # (a guard: with_class writes valid values)
            return None
        return _ClassState(cls, context_for(cls, self.today), fields, required_keys() - filled)


def _verdict(key: str, member: bool, kind: str) -> Callable[[Any], Any]:
    """cell → its canonical value when clean on its own, "" when blank, else _REJECT (see the module doc).
    Columns normalised and checked alike get the same function (student and member addresses…)."""
    return _verdict_of(field_normalizer(key, member=member), value_check(key, member=member), kind == "id")


@cache
def _verdict_of(normalize: Callable[[Any], tuple[Any, Any]], check: Callable[[Any], bool], is_id: bool
                ) -> Callable[[Any], Any]:
    def verdict(value: Any) -> Any:
        if type(value) is not str:
            return "" if value is None else _REJECT
        text = value.strip()  # as read_cells
        if not text:
            return ""
        if "\u200b" in text or "\ufeff" in text:
            return _REJECT
        if is_id and (text.endswith("000") or "E" in text or "e" in text):
            return _REJECT  # the shapes read_cells asks damaged_id about
        canonical, issue = normalize(text)
        if (issue is not None or type(canonical) is not str or not canonical or canonical.isspace()
                or not check(canonical)):
            return _REJECT
        return canonical
    return verdict


def _object(fragments: tuple[str, ...]) -> str:
    """A JSON object from its members' '"key": "value"' texts, "" for absent ones: what importer._dumps writes
    for the dict of the present ones (same C string encoder, same separators), ~10× cheaper."""
    return "{" + ", ".join(filter(None, fragments)) + "}"


class _Column:
    """One mapped column: its memos of cell → verdict ("" blank, canonical value, or _REJECT) and cell → JSON
    fragment of the canonical value ('"gender": "1"'; "" when blank or rejected)."""

    __slots__ = ("fragments", "j", "key", "prefix", "refuse", "values", "verdict")

    def __init__(self, j: int, key: str, verdict: Callable[[Any], Any], refuse: frozenset[str] = frozenset()) -> None:
        self.j, self.key, self.verdict, self.refuse = j, key, verdict, refuse  # refuse: values clean in general,
        #                                                                       not in this column
        self.values: dict[Any, Any] | None = {}  # None: turned off (see map)
        self.fragments: dict[Any, str] = {}
        self.prefix = encode_basestring(key) + ": "

    def map(self, cells: tuple[Any, ...], doubt: set[int], learnt: dict[Any, dict[Any, Any]] | None
            ) -> tuple[list[Any], list[str]]:
        """(verdicts, fragments) of a column's cells; the rows with a _REJECT are added to ``doubt``.
        ``learnt``: this chunk's verdicts by cell, to share with the columns that have the same verdict
        function (a family's address is typed four times a row); None when no other column has it."""
        memo, verdict, prefix = self.values, self.verdict, self.prefix
        seen = learnt.get(verdict) if learnt is not None else None
        fragments: list[str] | None = None
        if memo is None and seen is None:  # values that never repeat (names, IDs, phones): no memo to keep up
            out = list(map(verdict, cells))
        else:
            out = list(map(memo.get if memo is not None else seen.get, cells))  # type: ignore[union-attr]
            if memo is not None:
                fragments = list(map(self.fragments.get, cells))
            misses = out.count(None)
            if misses:
                for i, v in enumerate(out):
                    if v is None:
                        cell = cells[i]
                        v = seen.get(cell) if seen is not None else None
                        out[i] = v = verdict(cell) if v is None else v
                        if fragments is not None:
                            fragments[i] = f = prefix + encode_basestring(v) if type(v) is str and v else ""
                            # str and (年级, 班级) pairs only: a number key would also match 1.0
                            if type(cell) in (str, tuple) and len(memo) < _MEMO_MAX:  # type: ignore[arg-type]
                                memo[cell] = v  # type: ignore[index]
                                self.fragments[cell] = f
                if memo is not None and len(memo) >= _MEMO_MAX and misses > 0.9 * len(cells):
                    self.values = None  # full, and hardly ever hit: stop looking
        if learnt is not None:
            learnt.setdefault(verdict, {}).update(zip(cells, out, strict=True))
        if fragments is None:
            fragments = [prefix + encode_basestring(v) if type(v) is str and v else "" for v in out]
        if self.refuse and not self.refuse.isdisjoint(out):
            for i, v in enumerate(out):
                if v in self.refuse:
                    out[i], fragments[i] = _REJECT, ""
        if _REJECT in out:
            doubt.update(i for i, v in enumerate(out) if v is _REJECT)
        return out, fragments
