"""Importing a filled template (or a school's own sheet) into the store.

Pipeline: calamine streams rows → each row becomes a record (cells → text, Excel-damaged IDs
flagged, normalised and validated by the validation engine) → rows are matched against existing
students (ID number, else name+gender+birth date+class) → one transaction inserts/updates them in
bulk with an audit entry per student. Rows with errors are kept as 待修正 with their issues; an
unparseable value stays in the record as typed. Big files prepare rows in worker processes
(normalising and validating is pure Python and dominates) while the main process reads and writes.
"""

from __future__ import annotations

import gc
import json
import multiprocessing
import os
import threading
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ..class_text import ClassResolver, class_label
from ..errors import BadInput
from ..progress import Progress, tick
from ..records.gate import Gate, Refusal, keep_controlled
from ..records.school_year import current_school_year
from ..records.student_number import FORMAL_ID, TemporaryNumbers, assign_temporary, is_formal, number_from_file
from ..records.students import CORE_COLUMNS, DERIVED, context_for, get_student_conn, with_class
from ..school import ClassInfo, list_classes, school_year_of
from ..storage import audit
from ..storage.audit import created_json, with_created
from ..storage.store import now_iso
from ..validation import ERROR, Issue, status_of, validate_student
from .columns import Column, Implied, describe_unknown
from .fastprep import FastPrep
from .missing_classes import Tally, missing_key, scan_missing
from .missing_classes import create_classes as make_classes
from .partial import PartialSheet, PartialUpdater, revalidate
from .reader import check_container, check_xlsx_target, data_row_estimate, find_layouts, iter_data_rows
from .rows import cell_plan, merge_issues, normalize_row, read_cells

PREVIEW_HEADING = "预检（未写入）：以下是正式导入将得到的结果，数据没有任何改变。"
CHUNK = 1000
WINDOW = 6  # chunks in flight to the workers
POOL_THRESHOLD = 4000  # below this, worker start-up costs more than it saves
POOL_MIN_BYTES = 1_000_000  # ~4,000 template rows: a file this big starts its workers before calamine reads it
# Objects allocated between two collections of the young generation during an import (Python's default: 700).
# An import allocates millions of short-lived tuples and dicts, freed by reference counting; collecting every
# 700 of them traversed everything young again and cost each process ~0.1 s per 20,000 rows.
GC_YOUNG = 50_000


@dataclass
class PreparedRow:
    """One data row ready to store; ``issues`` already include import-specific ones."""

    row: int                      # 0-based sheet row
    record: dict[str, Any]        # normalised, without members
    members: list[dict[str, Any]]
    class_id: int | None
    class_text: str
    issues: list[Issue]
    sheet: str = ""               # its sheet, when the workbook has several ("": the first)


@dataclass
class KeptCell:
    """A controlled field (受控字段) of a county-accepted record the sheet would change: kept as stored."""

    row: int                      # 0-based sheet row
    sheet: str                    # "" when the workbook has one sheet
    student_id: int
    name: str                     # as stored
    refusal: Refusal              # field, stored and proposed value, and what to do

    def to_dict(self) -> dict[str, Any]:
        from .report import field_label

        return {"row": self.row + 1, "sheet": self.sheet, "student_id": self.student_id, "name": self.name,
                "field": self.refusal.field, "label": field_label(self.refusal.field),
                "stored": self.refusal.stored, "proposed": self.refusal.proposed,
                "action": "提交关键字段变更申请并上传证明材料（xueji import-excel 文件 --request-key-changes"
                          " --evidence 证明材料，或在学生信息中“申请变更”），县级审核通过后生效",
                "message": self.refusal.message}


@dataclass
class RefusedRow:
    """A row the write gate did not write at all (record not 在读, class full, identity conflict)."""

    row: int
    sheet: str
    student_id: int | None        # the stored record it matched (None: a new row)
    name: str
    refusals: list[Refusal]

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row + 1, "sheet": self.sheet, "student_id": self.student_id, "name": self.name,
                "refusals": [r.to_dict() for r in self.refusals]}


@dataclass
class IgnoredNumber:
    """A 学籍号 the sheet gives that the import did not take (the record is written, with its own number)."""

    row: int
    sheet: str
    name: str
    number: str                   # as written
    why: str

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row + 1, "sheet": self.sheet, "name": self.name, "number": self.number,
                "message": self.why}


@dataclass
class ImportResult:
    file: str
    sheet: str                    # the first sheet imported
    header_row: int               # 1-based, as Excel shows it (in the first sheet)
    sheets: list[str] = field(default_factory=list)  # every sheet imported, when more than one
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    ok: int = 0
    warning: int = 0
    pending: int = 0
    unknown_headers: list[str] = field(default_factory=list)
    missing_columns: list[str] = field(default_factory=list)    # required columns the sheet lacks
    bad_rows: list[PreparedRow] = field(default_factory=list)   # rows with issues, for the report
    kept_cells: list[KeptCell] = field(default_factory=list)    # controlled cells left as stored
    refused_rows: list[RefusedRow] = field(default_factory=list)  # rows the write gate did not write
    key_change_requests: list[dict[str, Any]] = field(default_factory=list)  # filed by request_key_changes
    partial_sheets: list[PartialSheet] = field(default_factory=list)  # sheets that only updated some fields
    report: str | None = None
    missing_classes: list[str] = field(default_factory=list)  # named by the file, not in the school (not created)
    created_classes: list[str] = field(default_factory=list)  # created by this import (create_classes=True)
    numbers_kept: int = 0         # 正式学籍号 taken from the sheet (students the national system registered)
    ignored_numbers: list[IgnoredNumber] = field(default_factory=list)
    dry_run: bool = False         # a preview: the import ran and was rolled back, nothing was written

    def summary(self, limit: int = 20) -> str:
        """The import's outcome in plain Chinese; ``limit``: kept cells and refused rows listed one by one."""
        where = (f"工作表“{self.sheet}”，表头在第 {self.header_row} 行" if len(self.sheets) <= 1 else
                 f"{len(self.sheets)} 个工作表：" + "、".join(self.sheets))
        lines = [PREVIEW_HEADING] if self.dry_run else []
        lines += [f"文件：{self.file}（{where}）",
                 f"共 {self.rows} 行：新增 {self.inserted} 人，更新 {self.updated} 人，未变化 {self.unchanged} 人"
                 + (f"，未导入 {len(self.refused_rows)} 行" if self.refused_rows else "") + "。",
                 f"正常 {self.ok} 人，有警告 {self.warning} 人，待修正 {self.pending} 人。"]
        if self.created_classes:
            lines.append(("将新建" if self.dry_run else "已新建") + f" {len(self.created_classes)} 个班级："
                         + "、".join(self.created_classes))
        done = "将" if self.dry_run else "已"  # a preview says what the import will do
        if self.missing_classes:
            lines.append(f"文件中有 {len(self.missing_classes)} 个班级本校没有（" + "、".join(self.missing_classes[:12])
                         + "），这些行" + done + "标为待修正：可加 --create-classes"
                         "（图形界面：勾选“导入时建立这些班级”）再导入一次，一步建立这些班级并把学生放入。")
        if self.numbers_kept:
            lines.append(f"采用文件中的全国学籍号 {self.numbers_kept} 个（这些学生已在国家学籍系统注册，"
                         "不按小学新生注册办理）。")
        if self.ignored_numbers:
            lines.append(f"{len(self.ignored_numbers)} 个学籍号未采用（学生{done}导入）：")
            lines += [f"  {_at(n.sheet, n.row)} {n.name}：{n.why}" for n in self.ignored_numbers[:limit]]
            if len(self.ignored_numbers) > limit:
                lines.append(f"  ……另有 {len(self.ignored_numbers) - limit} 个")
        if self.unknown_headers:
            lines.append("未识别的列（已忽略）：" + "、".join(describe_unknown(self.unknown_headers)))
        for p in self.partial_sheets:
            lines += p.summary()
        if self.missing_columns:
            lines.append("文件缺少必填列（这些项需在程序中补填，同一个值可用“学生信息”页的“批量填写”或 xueji fill"
                         "一次填好）：" + "、".join(self.missing_columns))
        if self.kept_cells:
            lines.append(f"{len(self.kept_cells)} 个受控字段单元格与县级已审核的记录不同，未修改（须申请关键字段变更，"
                         "可加 --request-key-changes --evidence 证明材料 一次提交）：")
            lines += [f"  {_at(k.sheet, k.row)}：{k.refusal.message}" for k in self.kept_cells[:limit]]
            if len(self.kept_cells) > limit:
                lines.append(f"  ……另有 {len(self.kept_cells) - limit} 个单元格")
        if self.refused_rows:
            lines.append(f"{len(self.refused_rows)} 行未导入：")
            lines += [f"  {_at(r.sheet, r.row)}：{x.message}" for r in self.refused_rows[:limit] for x in r.refusals]
            if len(self.refused_rows) > limit:
                lines.append(f"  ……另有 {len(self.refused_rows) - limit} 行")
        for r in self.key_change_requests:
            lines.append(f"  已为 {r['name']} 提交关键字段变更申请 #{r['change_id']}（待学校审核）" if r["change_id"]
                         else f"  {r['name']} 的关键字段变更申请未提交：{r['error']}")
        if self.report:
            lines.append(f"错误报告：{self.report}")
        return "\n".join(lines)


def _at(sheet: str, row: int) -> str:
    """Where a row is, as the summary names it (``row`` 0-based; ``sheet`` "" when the workbook has one)."""
    return f"工作表“{sheet}”第{row + 1}行" if sheet else f"第{row + 1}行"


# ---- turning one row into a record (runs in worker processes for big files) ------------------

_STATE: dict[str, Any] = {}


def _init_worker(columns: dict[int, Column], classes: list[ClassInfo], today: date,
                 school_year: int | None = None, implied: Implied | None = None) -> None:
    """``school_year``: the store's (school_year.current_school_year), which places 一年级(1)班; default: today's.
    ``implied``: Layout.implied (父亲姓名 → 关系 父亲)."""
    _STATE["columns"] = columns
    _STATE["today"] = today
    _STATE["plan"] = cell_plan(columns)  # 年级 only places a bare class number: it follows from the class
    _STATE["implied"] = implied or None
    _STATE["resolve"] = ClassResolver(classes, school_year_of(today) if school_year is None else school_year)
    # Implied values join a member only when the row fills it in: the exact path alone does that.
    _STATE["fast"] = FastPrep(_STATE["plan"], _STATE["resolve"], today, enabled=not implied)


_dumps = json.JSONEncoder(ensure_ascii=False).encode  # one encoder: json.dumps(...) builds one per call

# What a worker sends back per row: only what the main process writes (pickling whole records and
# Issue objects cost more in the main process than writing them). Issues travel only for rows that have some.
Prepared = tuple  # (row, class_id, class_text, core, status, errors, warnings, data_json, issues_json,
#                    members ((name, relation, id_number, json), ...), issues or None, (name, id_number) as stored,
#                    (class key, 班级 as written) of a class the school lacks that the row names on its own, or None)


def prepare_row(row: int, cells: list[Any]) -> Prepared | None:
    got = read_cells(_STATE["plan"], cells, _STATE["implied"])
    if got is None:
        return None  # an empty (maybe formatted) row
    cls = _STATE["resolve"](got.class_text, got.grade_text) if got.class_text else None
    class_text = class_label(got.class_text, got.grade_text)
    record, members_out, norm_issues = normalize_row(got, cls.stage if cls else None)
    full = with_class({**record, "members": members_out}, cls, _STATE["today"])
    if cls is None and class_text:
        full["class_code"] = class_text  # kept as typed; the clerk assigns the class in the app
    issues = validate_student(full, context_for(cls, _STATE["today"]))
    issues = _merge_issues(norm_issues, issues, got.damaged, class_text, cls)
    if cls is None and class_text:
        record["class_code"] = class_text
    errors = warnings = 0
    for i in issues:
        if i.severity == ERROR:
            errors += 1
        else:
            warnings += 1
    status = status_of(issues) if issues else "ok"
    core = tuple("" if record.get(k) is None else str(record.get(k)) for k in CORE_COLUMNS)
    return (row, cls.id if cls else None, class_text, core, status, errors, warnings, _dumps(_data_json(record)),
            _dumps([i.to_dict() for i in issues]) if issues else "[]",
            tuple((m.get("name", ""), m.get("relation", ""), m.get("id_number", ""), _dumps(m)) for m in members_out),
            issues or None, (record.get("name"), record.get("id_number")), _missing_class(got, cls))


def _missing_class(got, cls: ClassInfo | None) -> tuple[tuple[int, int, int], str] | None:
    """For missing_classes.Tally: the class a row names that the school does not have (None: placed, or unclear)."""
    if cls is not None or not got.class_text:
        return None
    key = missing_key(got.class_text, got.grade_text, _STATE["resolve"].school_year)
    return (key, got.class_text) if key is not None else None


def _merge_issues(norm: list[Issue], valid: list[Issue], damaged: dict[str, str], class_text: str,
                  cls: ClassInfo | None) -> list[Issue]:
    """merge_issues, plus the import's own: a class not in the store replaces the engine's class messages."""
    if not (class_text and cls is None):
        return merge_issues(norm, valid, damaged)
    out = merge_issues(norm, valid, damaged, drop={"class_code", "grade"})  # 年级 comes from the class
    out.append(Issue("class_code", ERROR, "class.unknown",
                     f"班级“{class_text}”在本校不存在：请先在“年级班级”中建立该班级，或填写已有班级的班号"
                     "（如 2009101）、班级名称（如 小学2009级(1)班）或本学年的年级和班（如 三年级(1)班）。"))
    return out


def _prepare_chunk(chunk: list[tuple[int, list[Any]]]) -> list[Prepared]:
    """The chunk's rows as prepare_row makes them; clean rows take the column-wise fast path (.fastprep)."""
    return _STATE["fast"].prepare(chunk, prepare_row)


# ---- the import -------------------------------------------------------------------------------

def _chunks(rows: Iterator[tuple[int, list[Any]]], keep: list[int], size: int | None = CHUNK
            ) -> Iterator[list[tuple[int, list[Any]]]]:
    """Rows in chunks (of ``size``; None: one), each row trimmed to the mapped columns (less to send to workers)."""
    width = max(keep) + 1
    every = keep == list(range(width))  # every column up to the last mapped one is mapped (our template)
    chunk: list[tuple[int, list[Any]]] = []
    for r, cells in rows:
        if len(cells) > width:
            cells = cells[:width]
        # a row with no mapped cell filled ("" or None; a lone 0 or False is no student either) is not sent
        if every:
            if not any(cells):
                continue
        elif len(cells) == width:  # (calamine's rows are as wide as the sheet: almost always)
            if not any(map(cells.__getitem__, keep)):
                continue
        elif not any(cells[j] for j in keep if j < len(cells)):
            continue
        chunk.append((r, cells))
        if size is not None and len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _close(items: Any) -> None:
    """Close a generator that its consumer stops reading early (it holds the workers); other iterables: nothing."""
    close = getattr(items, "close", None)
    if close is not None:
        close()


def _tagged(sheet_name: str, batches: Iterator[tuple[list[Prepared], list[str]]]
            ) -> Iterator[tuple[str, list[Prepared], list[str]]]:
    """Each batch (and its rows' audit entries) with the sheet it came from; closing this closes ``batches``."""
    try:
        for batch, created in batches:
            yield sheet_name, batch, created
    finally:
        _close(batches)  # now: it holds the workers


def _noting_numbers(rows: Iterator[tuple[int, list[Any]]], j: int, into: dict[int, Any]
                    ) -> Iterator[tuple[int, list[Any]]]:
    """``rows`` as they are; the 学籍号 cell (column ``j``) of each row that has one noted in ``into`` (by row).
    It is no field of the record, so the workers never see it: the main process decides on it as it writes."""
    for r, cells in rows:
        if j < len(cells) and cells[j] not in ("", None):
            into[r] = cells[j]
        yield r, cells


def _sheet_batches(sheets: list[tuple[Any, Any]], classes: list[ClassInfo], today: date, parallel: bool | None,
                   school_year: int, pool=None, file_name: str = "", numbers: dict[str, dict[int, Any]] | None = None
                   ) -> Iterator[tuple[str, list[Prepared], list[str]]]:
    """(sheet name, prepared rows, their audit entries as new records) of every sheet, one after another; the
    workers (``pool``) only for a big sheet. ``numbers``: filled per sheet with the rows' 学籍号 cells."""
    several = len(sheets) > 1
    for sheet, layout in sheets:
        where = f"{file_name} {layout.sheet_name} " if several else f"{file_name} "
        big = data_row_estimate(sheet, layout) >= POOL_THRESHOLD if parallel is None else parallel
        keep = sorted(layout.columns)
        rows = iter_data_rows(sheet, layout)
        j = next((j for j, c in layout.columns.items() if c.key == "student_number" and c.member is None), None)
        if numbers is not None and j is not None:
            rows = _noting_numbers(rows, j, numbers.setdefault(layout.sheet_name, {}))
        yield from _tagged(layout.sheet_name, _prepared(_chunks(rows, keep),
                                                        layout.columns, classes, today, pool if big else None,
                                                        school_year=school_year, implied=layout.implied,
                                                        key=layout.sheet_name, where=where))


def _warm() -> None:
    """A worker's start: the modules are imported by now (unpickling this function did it); load the spec. What
    is loaded by then lives as long as the worker: frozen, the collector no longer traverses it."""
    from ..validation.spec import load_spec

    load_spec()
    gc.freeze()
    gc.set_threshold(GC_YOUNG, *gc.get_threshold()[1:])


class _FewerCollections:
    """GC_YOUNG while an import runs (the threshold is the whole process's: restored when the last import ends)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running = 0
        self.before = gc.get_threshold()

    def __enter__(self) -> None:
        with self.lock:
            if not self.running:
                self.before = gc.get_threshold()
                gc.set_threshold(GC_YOUNG, *self.before[1:])
            self.running += 1

    def __exit__(self, *exc: object) -> None:
        with self.lock:
            self.running -= 1
            if not self.running:
                gc.set_threshold(*self.before)


_fewer_collections = _FewerCollections()


@contextmanager
def _workers(start: bool) -> Iterator[Any]:
    """Two worker processes for the whole import, or None. Started before calamine reads the file, so that
    their start-up (a Python interpreter importing this package, ~0.5 s each) overlaps the read instead of
    following it. spawn: the same on Windows and Linux, and safe when the GUI has threads running."""
    if not start:
        yield None
        return
    pool = multiprocessing.get_context("spawn").Pool(2, initializer=_warm)
    try:
        yield pool
        pool.close()
    finally:
        pool.terminate()
        pool.join()


def _created(prepared: list[Prepared], where: str) -> list[str]:
    """Each row's audit entry should it be inserted (audit.created_json): encoded where the rows are prepared,
    because the main process, the import's critical path, writes 20,000 of them."""
    return [created_json({"source": f"{where}第{p[0] + 1}行", "name": p[11][0], "id_number": p[11][1],
                          "status": p[4]}) for p in prepared]


_CELLS = "\x1f"  # between a packed row's cells (the ASCII unit separator)


def _pack(chunk: list[tuple[int, list[Any]]]) -> list[tuple[int, Any]]:
    """A chunk as sent to the workers: a row whose cells are all text as one string (pickled as one object instead
    of one per cell: half of what sending a row costs the main process), any other row as it is."""
    out: list[tuple[int, Any]] = []
    for r, cells in chunk:
        try:
            line = _CELLS.join(cells)
        except TypeError:  # a number, date or None cell keeps its type
            out.append((r, cells))
            continue
        out.append((r, line) if line.count(_CELLS) == len(cells) - 1 else (r, cells))  # (a cell holding one)
    return out


def _unpack(packed: list[tuple[int, Any]]) -> list[tuple[int, list[Any]]]:
    return [(r, x.split(_CELLS) if type(x) is str else x) for r, x in packed]


def _run(work, key: str, state: tuple, where: str, packed: list[tuple[int, Any]]
         ) -> tuple[list[Prepared], list[str]]:
    """In a worker: ``work(chunk)`` with the state of the chunk's sheet (set up once per sheet and worker), and
    the rows' audit entries."""
    if _STATE.get("key") != key:
        _init_worker(*state)
        _STATE["key"] = key
    prepared = work(_unpack(packed))
    return prepared, _created(prepared, where)


def _prepared(chunks: Iterable[Any], columns: dict[int, Column], classes: list[ClassInfo],
              today: date, pool=None, school_year: int | None = None,
              implied: Implied | None = None, key: str = "", where: str = ""
              ) -> Iterator[tuple[list[Prepared], list[str]]]:
    """Prepared rows per chunk (_prepare_chunk) with their audit entries (_created), in this process or in the
    worker processes of ``pool``; ``where``: the file (and sheet) the entries name."""
    work = _prepare_chunk  # looked up now: the benchmark puts its own in its place (pickled by reference)
    state = (columns, classes, today, school_year, implied)
    if pool is None:
        _init_worker(*state)
        _STATE["key"] = None  # this process's state is no worker's
        try:
            for chunk in chunks:
                prepared = work(chunk)
                yield prepared, _created(prepared, where)
        finally:
            _close(chunks)
        return
    try:
        # A bounded window of chunks in flight: Pool.imap would read the whole file ahead into its queue.
        window: deque = deque()
        for chunk in chunks:
            window.append(pool.apply_async(_run, (work, key, state, where, _pack(chunk))))
            if len(window) >= WINDOW:
                yield window.popleft().get()
        while window:
            yield window.popleft().get()
    finally:
        _close(chunks)


class _Matcher:
    """Existing students by ID number, by 学籍号 (for a row without an ID number: the national system's sheets
    name a child by 全国学籍号) and by name+gender+birth date+class; each matches once per import."""

    def __init__(self, conn) -> None:
        self.by_id: dict[str, list[int]] = {}
        self.by_key: dict[tuple, list[int]] = {}
        self.by_number: dict[str, int] = {}
        for sid, id_number, name, gender, birth, class_id, number in conn.execute(
                "SELECT id, id_number, name, gender, birth_date, class_id, student_number FROM students ORDER BY id"):
            if id_number:
                self.by_id.setdefault(id_number, []).append(sid)
            if number:
                self.by_number[number] = sid
            self.by_key.setdefault((name, gender, birth, class_id), []).append(sid)
        self.used: set[int] = set()

    def __bool__(self) -> bool:
        return bool(self.by_key)  # every student is in by_key

    def match(self, core: tuple[str, ...], class_id: int | None, number: Any = None) -> int | None:
        """``core``: the CORE_COLUMNS values (name, gender, birth_date, id_type, id_number); ``number``: the row's
        学籍号 cell, if any."""
        name, gender, birth, _id_type, id_number = core
        candidates = self.by_id.get(id_number, []) if id_number else []
        if not candidates and number and not id_number:
            number = "".join(str(number).split()).upper()
            sid = self.by_number.get(number)
            candidates = [sid] if sid is not None else []
            if not candidates and number.startswith(FORMAL_ID):  # G + the ID number: the record may still
                candidates = self.by_id.get(number[1:], [])      # have its temporary number here
        if not candidates:
            candidates = self.by_key.get((name, gender, birth, class_id), [])
            if class_id is not None:
                # A record an earlier import kept without a class (its class did not exist yet) is the same
                # child when the class is named now: importing again with --create-classes places it.
                candidates = candidates + self.by_key.get((name, gender, birth, None), [])
        for sid in candidates:
            if sid not in self.used:
                self.used.add(sid)
                return sid
        return None


def _partial_row(result: ImportResult, outcome, row: int, sheet: str, entries: list, statuses: Counter) -> None:
    """What one row of a partial sheet (.partial) adds to the import's result."""
    if outcome.kind == "unmatched":
        return
    if outcome.kind == "refused":
        result.refused_rows.append(RefusedRow(row, sheet, outcome.student_id, outcome.name, outcome.refusals))
        return
    result.kept_cells += [KeptCell(row, sheet, outcome.student_id, outcome.name, r) for r in outcome.refusals]
    statuses[outcome.status] += 1
    if outcome.kind == "updated":
        result.updated += 1
        entries.append(outcome.entry)
    else:
        result.unchanged += 1
    if outcome.issues:
        result.bad_rows.append(PreparedRow(row, {"name": outcome.name}, [], None, "", outcome.issues, sheet))


def _file_number(given: Any, core: tuple[str, ...], numbers: TemporaryNumbers, stored: str = ""
                 ) -> tuple[str | None, str]:
    """(the 正式学籍号 a row's 学籍号 cell gives its record, or None; why not, or ""): number_from_file, then not
    another record's number, and never a record's own formal number replaced (``stored``: a matched record's)."""
    if not given:
        return None, ""
    formal, why = number_from_file(given, core[3], core[4], core[2])  # (core: name, gender, birth, id type, id)
    if formal is None or formal == stored:
        return None, why
    if is_formal(stored):
        return None, f"本校记录的学籍号是 {stored}，与文件中的 {formal} 不同，未改动；请核对"
    if not numbers.free(formal):
        return None, f"学籍号 {formal} 已是本校另一名学生的学籍号，未采用；请核对"
    return formal, ""


def _uuid4s(n: int) -> list[str]:
    """``n`` random (version 4) UUIDs as text, from one urandom call: str(uuid.uuid4()) costs ~17 µs each,
    3.5 s of a 200,000-row import."""
    raw = bytearray(os.urandom(16 * n))
    raw[6::16] = bytes((b & 0x0F) | 0x40 for b in raw[6::16])   # version 4
    raw[8::16] = bytes((b & 0x3F) | 0x80 for b in raw[8::16])   # RFC 4122 variant
    h = raw.hex()
    return [f"{h[i:i + 8]}-{h[i + 8:i + 12]}-{h[i + 12:i + 16]}-{h[i + 16:i + 20]}-{h[i + 20:i + 32]}"
            for i in range(0, 32 * n, 32)]


def _data_json(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items()
            if (k not in DERIVED or k == "class_code") and not k.startswith("_") and v not in (None, "")}


@contextmanager
def _big_cache(conn, students: int) -> Iterator[None]:
    """A page cache big enough for the indexes an import of ``students`` records (those in the store and those
    coming) touches at random (ID number, name…): ~1 MB per 1,000, at least 16 MB, at most 160 MB.

    With SQLite's default 2 MB, every insert into a 100k-row table evicts index pages that the next insert
    needs again, and SQLCipher decrypts (and, spilling, encrypts) each one anew: measured 4× slower. Not more
    than that: pages written once (records, family members, audit entries, most of what an import writes) are
    then encrypted into the WAL as the cache fills, while the workers still prepare rows, rather than all at the
    commit, when nothing else runs (20,000 rows: 48 MB written; a 160 MB cache left ~0.25 s of encryption to
    the commit, a 20 MB one ~0.12 s, in the same total)."""
    mib = min(160, max(16, students // 1000))
    old = conn.execute("PRAGMA cache_size").fetchone()[0]
    conn.execute(f"PRAGMA cache_size = -{mib * 1024}")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA cache_size = {old}")


class _RollBack(Exception):
    """Raised inside the import's transaction by a dry run once its result is complete: Store.transaction rolls
    everything back (students, family members, audit entries, temporary 学籍号, created classes)."""


def _max_id(conn) -> int:
    return conn.execute("SELECT max(id) FROM students").fetchone()[0] or 0


def import_workbook(store, path: Path | str, *, report: Path | str | None = None,
                    progress: Progress | None = None, parallel: bool | None = None,
                    today: date | None = None, create_classes: bool = False, dry_run: bool = False) -> ImportResult:
    """Import ``path`` in one transaction; write the error workbook to ``report`` when given. ``parallel``:
    worker processes for every sheet (True), none (False), or for big sheets of a big file (None). With
    ``create_classes`` the classes the workbook names that the school lacks are created first, in the same
    transaction (see missing_classes); without, they are listed in ``result.missing_classes``.

    ``dry_run``: the same import, through the same write gate, rolled back at its end: the result is what the
    import would report (``result.dry_run`` set) and the store is left as it was."""
    path = Path(path)
    if report is not None:
        check_xlsx_target(report)  # before the import, not after it
    check_container(path)
    start = parallel if parallel is not None else path.stat().st_size >= POOL_MIN_BYTES
    with _fewer_collections, _workers(start) as pool:
        return _import(store, path, report, progress, parallel, pool, today or date.today(), create_classes,
                       dry_run)


def _import(store, path: Path, report: Path | str | None, progress: Progress | None, parallel: bool | None,
            pool, today: date, create_classes: bool = False, dry_run: bool = False) -> ImportResult:
    tick(progress, 0, None, "读取 Excel")
    wb, sheets = find_layouts(path)
    layout = sheets[0][1]
    total = sum(data_row_estimate(sheet, lay) for sheet, lay in sheets)
    result = ImportResult(path.name, layout.sheet_name, layout.header_row + 1,
                          sheets=[lay.sheet_name for _, lay in sheets] if len(sheets) > 1 else [],
                          unknown_headers=list(dict.fromkeys(h for _, lay in sheets for h in lay.unknown_headers)),
                          missing_columns=list(dict.fromkeys(h for _, lay in sheets if not lay.partial
                                                             for h in lay.missing_required())),
                          dry_run=dry_run)
    classes = list_classes(store)
    school_year = current_school_year(store, today)
    ts = now_iso()
    file_name = path.name
    # (a dry run ends by raising _RollBack in the transaction: it rolls back, and suppress lets the result out)
    # (closing: the workbook is let go of whatever happens; it was left open when an import failed)
    with closing(wb), suppress(_RollBack), store.transaction() as tx, _big_cache(tx.conn, _max_id(tx.conn) + total):
        conn = tx.conn
        if create_classes:  # (without: the rows the workers cannot place are counted as they come, below)
            missing = scan_missing(sheets, classes, school_year)
            if missing:
                store.require("clerk")
                result.created_classes = [c.name for c in make_classes(tx, missing)]
                classes = list_classes(conn)
        missing_tally = Tally()
        updated: list[int] = []  # records this import changed
        matcher = _Matcher(conn)
        next_id = _max_id(conn) + 1
        file_numbers: dict[str, dict[int, Any]] = {}  # sheet → row → its 学籍号 cell (see _noting_numbers)
        batches = _sheet_batches(sheets, classes, today, parallel, school_year, pool, file_name, file_numbers)
        match = matcher.match if matcher else None  # an empty store (the usual first import) matches nothing
        gate = Gate(store, conn, today=today)  # the write rules (class caps, controlled fields, read-only, identity)
        numbers = TemporaryNumbers(conn, bulk=True)  # each new record's 临时学籍号, given in its INSERT
        several = len(sheets) > 1
        partial = {lay.sheet_name: PartialUpdater(lay, conn, gate, classes, today, school_year)
                   for _, lay in sheets if lay.partial}
        result.partial_sheets = [u.result for u in partial.values()]
        try:
            for sheet_name, batch, created in batches:
                where = f"{file_name} {sheet_name} " if several else f"{file_name} "
                inserts, member_rows, updates, entries, number_updates = [], [], [], [], []
                sheet_numbers = file_numbers.get(sheet_name, {})
                label = sheet_name if several else ""
                uids = _uuid4s(len(batch))
                statuses = Counter()
                updater = partial.get(sheet_name)
                for (row, class_id, class_text, core, status, errors, warnings, data_json, issues_json, members,
                     issues, (name, _id_number), lacking), new_entry in zip(batch, created, strict=True):
                    if lacking is not None:  # a class the school does not have (not created)
                        missing_tally.add(*lacking)
                    given = sheet_numbers.get(row)
                    sid = match(core, class_id, given) if match else None
                    if updater is not None and (sid is not None or not updater.places_new):
                        source = f"{where}第{row + 1}行"
                        _partial_row(result, updater.apply(sid, row, data_json, members, core, source, ts), row,
                                     label, entries, statuses)
                        continue
                    if sid is None:
                        formal, why = _file_number(given, core, numbers)
                        # a new record: the gate's rules for one (class full; 新生注册 window and entry age). A
                        # 正式学籍号 from the national system says the child is registered already: no 新生注册.
                        refusals = gate.check(None, {"name": name or "", "birth_date": core[2]}, class_id,
                                              registering=formal is None)
                        if refusals:  # named, not placed
                            result.refused_rows.append(RefusedRow(row, label, None,
                                                                  name or "", refusals))
                            continue
                        gate.placed(None, class_id)
                        sid = next_id
                        next_id += 1
                        if formal is not None:
                            numbers.claim(formal)
                            result.numbers_kept += 1
                        # (else a 临时学籍号 by birth date; "" until a valid one is filled in)
                        number = formal if formal is not None else numbers(core[2])
                        inserts.append((sid, uids.pop(), class_id, *core, status, errors, warnings,
                                        data_json, issues_json, ts, ts, number))
                        member_rows += [(sid, i + 1, *m) for i, m in enumerate(members)]
                        entries.append(("导入学生", "students", sid,
                                        with_created(new_entry, "student_number", number) if number else new_entry))
                        result.inserted += 1
                    else:
                        data = json.loads(data_json)  # = _data_json(record): what the store keeps
                        new_members = [json.loads(m[3]) for m in members]
                        old = get_student_conn(conn, sid)
                        refusals = gate.check(old, {**data, "members": new_members}, class_id, matched=True)
                        if any(r.blocks_row for r in refusals):  # read-only, class full, identity: not written
                            result.refused_rows.append(RefusedRow(row, label, sid,
                                                                  old.get("name", ""), refusals))
                            continue
                        if refusals:  # controlled fields of an accepted record: the rest is written, these kept
                            result.kept_cells += [KeptCell(row, label, sid,
                                                           old.get("name", ""), r) for r in refusals]
                            data = keep_controlled(old, data, refusals)
                            issues = revalidate(data, new_members, class_id, classes, today, school_year)
                            core = tuple(str(data.get(k, "")) for k in CORE_COLUMNS)
                            status = status_of(issues)
                            errors = sum(i.severity == ERROR for i in issues)
                            warnings = len(issues) - errors
                            data_json = _dumps(data)
                            issues_json = _dumps([i.to_dict() for i in issues]) if issues else "[]"
                            issues = issues or None
                        formal, why = _file_number(given, core, numbers, old.get("_student_number") or "")
                        gate.placed(old, class_id)
                        old_data = {k: v for k, v in old.items()
                                    if not k.startswith("_") and k not in ("members", "grade")}
                        if old["_class_id"] is not None:
                            old_data.pop("class_code", None)
                        changes = audit.diff(old_data, data)
                        old_members = old.get("members", [])
                        for i in range(max(len(old_members), len(new_members))):
                            a = old_members[i] if i < len(old_members) else None
                            b = new_members[i] if i < len(new_members) else None
                            changes.update({f"members.{i}.{k}": v for k, v in audit.diff(a, b).items()})
                        if old["_class_id"] != class_id:
                            changes["class_id"] = [old["_class_id"], class_id]
                        if formal is not None:  # the national number replaces a temporary one (or none)
                            numbers.claim(formal)
                            result.numbers_kept += 1
                            number_updates.append((formal, sid))
                            changes["student_number"] = [old.get("_student_number") or None, formal]
                        if not changes and old["_issues"] == json.loads(issues_json):
                            result.unchanged += 1
                        else:
                            updates.append((class_id, *core, status, errors, warnings, data_json, issues_json,
                                            ts, sid))
                            conn.execute("DELETE FROM family_members WHERE student_id = ?", (sid,))
                            member_rows += [(sid, i + 1, *m) for i, m in enumerate(members)]
                            changes["source"] = [None, f"{where}第{row + 1}行"]
                            entries.append(("导入更新学生", "students", sid, changes))
                            result.updated += 1
                    if why:
                        result.ignored_numbers.append(IgnoredNumber(row, label, name or "", str(given), why))
                    statuses[status] += 1
                    if issues:
                        result.bad_rows.append(PreparedRow(row, json.loads(data_json),
                                                           [json.loads(m[3]) for m in members],
                                                           class_id, class_text, issues,
                                                           label))
                conn.executemany(
                    "INSERT INTO students (id, uid, class_id, name, gender, birth_date, id_type, id_number, status,"
                    " error_count, warning_count, data, issues, created_at, updated_at, student_number)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", inserts)
                conn.executemany(
                    "UPDATE students SET class_id = ?, name = ?, gender = ?, birth_date = ?, id_type = ?,"
                    " id_number = ?, status = ?, error_count = ?, warning_count = ?, data = ?, issues = ?,"
                    " updated_at = ? WHERE id = ?",
                    updates)
                conn.executemany("INSERT INTO family_members (student_id, seq, name, relation, id_number, data)"
                                 " VALUES (?, ?, ?, ?, ?, ?)", member_rows)
                conn.executemany("UPDATE students SET student_number = ? WHERE id = ?", number_updates)
                audit.append_many(conn, entries, ts=tx.ts, username=store.user.username)
                updated += [sid for action, _table, sid, _changes in entries if action == "导入更新学生"]
                result.rows += len(batch)
                for status, n in statuses.items():
                    setattr(result, status, getattr(result, status) + n)
                tick(progress, result.rows, total, "导入学生")
        finally:
            batches.close()  # now, not when a traceback lets go of it: stops the workers and the reading thread
        result.missing_classes = [m.name for m in missing_tally.classes()]
        if result.rows == 0:
            raise BadInput(f"文件 {path.name} 的表头下面没有数据行：请填写学生信息后再导入。")
        # an updated record still without a 学籍号 gets one once its birth date is valid (as update_student does)
        assign_temporary(tx, updated)
        if progress is not None:
            progress.check()  # a cancel pressed during the last batch still rolls everything back
        tx.audit("导入Excel", "students", "", {
            "file": [None, path.name], "rows": [None, result.rows], "inserted": [None, result.inserted],
            "updated": [None, result.updated], "pending": [None, result.pending]})
        if dry_run:
            raise _RollBack
    if report is not None:
        from .report import write_error_report

        tick(progress, result.rows, total, "生成错误报告")
        write_error_report(path, report, [lay for _, lay in sheets], result)
        result.report = str(report)
    return result


def request_key_changes(store, result: ImportResult, evidence: list[tuple[str, bytes]]) -> list[dict[str, Any]]:
    """File one key-field change request (关键字段变更, with ``evidence``) per student whose controlled cells the
    import kept; returns (and adds to ``result``) what was filed. A student the request cannot be filed for
    (an open change already…) is listed with the reason; the others are still filed."""
    from ..errors import XuejiError
    from ..records.changes import request_key_field_change
    from .report import field_label

    wanted: dict[int, dict[str, Any]] = {}
    for k in result.kept_cells:
        item = wanted.setdefault(k.student_id, {"student_id": k.student_id, "name": k.name, "rows": [], "fields": {}})
        item["rows"].append(k.row + 1)
        item["fields"][k.refusal.field] = k.refusal.proposed
    for item in wanted.values():
        rows = "、".join(str(r) for r in sorted(set(item["rows"])))
        labels = "、".join(field_label(f) for f in item["fields"])
        try:
            item["change_id"] = request_key_field_change(
                store, item["student_id"], item["fields"], evidence=evidence,
                reason=f"Excel 导入 {result.file} 第{rows}行：{labels}与已审核学籍不同，申请变更")
            item["error"] = ""
        except XuejiError as exc:
            item["change_id"], item["error"] = None, str(exc)
        del item["rows"]
        result.key_change_requests.append(item)
    return result.key_change_requests
