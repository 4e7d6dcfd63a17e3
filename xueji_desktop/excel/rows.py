"""One data row of a sheet → a raw record, normalised: shared by the import and ``check-excel``.

Which cells go to the normaliser as they are (numbers, dates: it knows Excel serials, 030001 → 30001…)
and which as text (ID numbers, the class), which ID cells Excel damaged, and how those specific causes
replace the generic messages: one place, so the two commands cannot disagree about a file.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from ..validation import ERROR, Issue, normalize_record
from ..validation.normalize import fill_derived
from ..validation.spec import load_spec
from .columns import MEMBER_COUNT, Column, Implied
from .reader import cell_text, damaged_id

# (column index, key, member index or None, issue path, kind, memo); kind: "id", "class", "grade" (年级 when it
# follows from the class: read only to place a 班级 cell that is a bare number, see class_text.py),
# "yearmonth" or "" (anything else).
PlanEntry = tuple[int, str, int | None, str, str, dict[str, Any] | None]


class RawRow(NamedTuple):
    raw: dict[str, Any]                  # student cells in column order (text, numbers/dates as read; memo hits
    #                                      already canonical, also in ``hits``)
    members: list[dict[str, Any]]        # the same per family member (MEMBER_COUNT dicts)
    hits: dict[str, Any]                 # student cells already canonical (memo): not normalised again
    member_hits: list[dict[str, Any]]
    damaged: dict[str, str]              # ID path → why Excel damaged it
    class_text: str                      # the 班级 cell as text ("" when empty)
    grade_text: str = ""                 # the 年级 cell as text, when the plan reads it as kind "grade"


def cell_plan(columns: dict[int, Column], *, grade: bool = False) -> list[PlanEntry]:
    """How to read each mapped column; ``grade``: keep 年级 (the import takes it from the class instead)."""
    plan: list[PlanEntry] = []
    for j, c in sorted(columns.items()):
        if c.field is None:
            continue  # 学校标识码: informational
        kind = ("id" if c.key == "id_number" else "class" if c.key == "class_code" and c.member is None
                else "grade" if c.key == "grade" and c.member is None and not grade
                else "yearmonth" if c.field.type == "yearmonth" else "")
        memo = _memo_for(c) if kind in ("", "yearmonth") else None
        plan.append((j, c.key, c.member, c.path, kind, memo))
    return plan


_MEMOS: dict[tuple[bool, str], dict[str, Any]] = {}
_MEMO_MAX = 5000  # distinct spellings remembered per field: options and dates repeat, junk must not grow it
_MEMO_TYPES = frozenset({"code", "date", "yearmonth", "region", "postcode"})


def _memo_for(c: Column) -> dict[str, Any] | None:
    """Text → canonical value for a column whose normalisation depends on the text alone.

    Option, date and region columns repeat a handful of values (男, 汉族, 否…) over thousands of rows, so each
    distinct spelling goes through the validation engine's normaliser once. Not memoised: free text (cheap to
    normalise, and 同上 in a member's address depends on the student's), code tables whose names depend on
    the stage (入学方式 其他 is 12 or 99), and spellings the normaliser reported (they must be reported per row).
    """
    f = c.field
    if f is None or f.type not in _MEMO_TYPES or (f.codes and load_spec().codes[f.codes].stages):
        return None
    return _MEMOS.setdefault((c.member is not None, c.key), {})


def read_cells(plan: list[PlanEntry], cells: list[Any], implied: Implied | None = None
               ) -> RawRow | None:
    """The row's cells sorted into a raw record; None for a row with no mapped cell filled. ``implied``: per
    person (None: the student), values the column headers imply (Layout.implied)."""
    raw: dict[str, Any] = {}
    members: list[dict[str, Any]] = [{} for _ in range(MEMBER_COUNT)]
    damaged: dict[str, str] = {}
    class_text = grade_text = ""
    filled = False
    n = len(cells)
    hits: dict[str, Any] = {}
    member_hits: list[dict[str, Any]] = [{} for _ in range(MEMBER_COUNT)]
    for j, key, member, path, kind, memo in plan:
        if j >= n:
            continue
        value = cells[j]
        if type(value) is str:  # the common case, kept cheap: 200k rows × 45 cells
            if not value:
                continue
            text = value.strip()
            if memo is not None:
                hit = memo.get(text)
                if hit is not None:
                    # kept in ``raw`` too, so that the record's keys follow the columns whether or not the memo
                    # knew the value (the stored JSON must not depend on which rows a worker saw first)
                    filled = True
                    if member is None:
                        hits[key] = raw[key] = hit
                    else:
                        member_hits[member][key] = members[member][key] = hit
                    continue
            if "\u200b" in text or "\ufeff" in text:
                text = cell_text(text)
            # damaged_id only reports numbers, scientific notation and 15 digits + "000": skip clean IDs
            if kind == "id" and (text.endswith("000") or "E" in text or "e" in text):
                why = damaged_id(text)
                if why:
                    damaged[path] = why
        else:
            if value is None:
                continue
            if kind == "id":
                why = damaged_id(value)
                if why:
                    damaged[path] = why
            text = cell_text(value, yearmonth=kind == "yearmonth")
            if kind != "id" and kind != "class":
                # numbers and dates go to the normaliser as they are: it knows Excel serials, 030001 → 30001…
                filled = True
                if member is not None:
                    members[member][key] = value
                elif kind == "grade":
                    grade_text = text
                else:
                    raw[key] = value
                continue
        if not text:
            continue
        filled = True
        if member is not None:
            members[member][key] = text
        elif kind == "class":
            class_text = text
        elif kind == "grade":
            grade_text = text
        else:
            raw[key] = text
    if not filled:
        return None  # an empty (maybe formatted) row
    if implied:
        _add_implied(implied, raw, members)
        if not class_text:
            class_text = implied.get(None, {}).get("class_code", "")  # a sheet named after its class
    return RawRow(raw, members, hits, member_hits, damaged, class_text, grade_text)


def _add_implied(implied: Implied, raw: dict[str, Any],
                 members: list[dict[str, Any]]) -> None:
    """Implied values join a person the row fills in; 身份证件类型 only beside an ID number."""
    for person, values in implied.items():
        cells = raw if person is None else members[person]
        if not cells:
            continue
        for key, value in values.items():
            if key == "class_code":
                continue  # the class is RawRow.class_text (read_cells)
            if key != "id_type" or cells.get("id_number") not in (None, ""):
                cells.setdefault(key, value)


def normalize_row(row: RawRow, stage: int | None) -> tuple[dict[str, Any], list[dict[str, Any]], list[Issue]]:
    """(record without members, members, normaliser issues): normalize_record on the cells the memo did not
    know, merged with the memo's canonical values in column order; the memo learns the spellings that
    normalised cleanly."""
    pairs = [(_unknown(row.members[i], row.member_hits[i]), row.members[i]) for i in range(MEMBER_COUNT)
             if row.members[i]]
    raw = _unknown(row.raw, row.hits)
    record, issues = normalize_record({**raw, "members": [m for m, _ in pairs]}, stage=stage)
    out_members = record.pop("members", None) or []
    bad = {i.field for i in issues} if issues else ()
    memos = _MEMOS
    for k, v in raw.items():
        memo = memos.get((False, k))
        if memo is not None and type(v) is str and k not in bad and len(memo) < _MEMO_MAX:
            memo[v] = record[k]
    for i, (m, _) in enumerate(pairs):
        for k, v in m.items():
            memo = memos.get((True, k))
            if (memo is not None and type(v) is str and f"members.{i}.{k}" not in bad and len(memo) < _MEMO_MAX
                    and k in out_members[i]):
                memo[v] = out_members[i][k]
    if row.hits:
        # column order (row.raw's), normalised values; a memo hit wins over what normalize_record derived for a key
        # it did not see (是否寄宿生 from 就读方式, 出生日期 from the ID number)
        record = {**row.raw, **record, **row.hits}
        fill_derived(record)  # again, seeing the memo's values too: the result must not depend on the memo
    members_out = [{**cells, **out} if len(m) < len(cells) else out
                   for out, (m, cells) in zip(out_members, pairs, strict=True)]
    return record, [m for m in members_out if m], issues


def _unknown(cells: dict[str, Any], hits: dict[str, Any]) -> dict[str, Any]:
    """The cells the memo did not know (the ones normalize_record still has to do)."""
    return {k: v for k, v in cells.items() if k not in hits} if hits else cells


def merge_issues(norm: list[Issue], valid: list[Issue], damaged: dict[str, str],
                 drop: frozenset[str] | set[str] = frozenset()) -> list[Issue]:
    """One message per problem: the specific cause (Excel damage, unparseable value) beats the generic one.

    ``norm``: the normaliser's issues (kept unless the field is Excel-damaged), ``valid``: the engine's
    (an error on a field that already has a specific one is dropped), ``drop``: fields whose engine issues
    the caller replaces with its own."""
    out: list[Issue] = []
    specific = set(damaged) | {i.field for i in norm if i.severity == ERROR}
    for path, why in damaged.items():
        label = "身份证件号" if path == "id_number" else f"家庭成员{int(path.split('.')[1]) + 1}身份证件号"
        out.append(Issue(path, ERROR, "id.excel_damaged", f"{label}{why}"))
    out += [i for i in norm if i.field not in damaged]
    seen = {(i.field, i.code) for i in out}
    # A damaged student ID no longer says the birth date and gender: comparing them with it only
    # sends the clerk to fix two cells that are right.
    followers = {"birth_date.id_mismatch", "gender.id_mismatch"} if "id_number" in damaged else set()
    for i in valid:
        if (i.field in specific and i.severity == ERROR) or i.code in followers:
            continue
        if i.field in drop:
            continue
        if (i.field, i.code) not in seen:
            out.append(i)
    return out
