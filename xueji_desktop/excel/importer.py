"""Importing a filled template (or a school's own sheet) into the store.

Pipeline: calamine streams rows → each row becomes a record (cells → text, Excel-damaged IDs
flagged, normalised and validated by the validation engine) → rows are matched against existing
students (ID number, else name+gender+birth date+class) → one transaction inserts/updates them in
bulk with an audit entry per student. Rows with errors are kept as 待修正 with their issues; an
unparseable value stays in the record as typed. Big files prepare rows in worker processes
(normalising and validating is pure Python and dominates) while the main process reads and writes.
"""

from __future__ import annotations

import json
import multiprocessing
import uuid
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ..errors import BadInput
from ..progress import Progress, tick
from ..school import ClassInfo, class_code, list_classes, parse_class
from ..storage import audit
from ..storage.store import now_iso
from ..students import CORE_COLUMNS, DERIVED, context_for, get_student_conn, with_class
from ..validation import ERROR, Issue, normalize_record, status_of, validate_student
from ..validation.spec import load_spec
from .columns import Column
from .reader import cell_text, check_container, damaged_id, find_layout, iter_data_rows

CHUNK = 1000
WINDOW = 6  # chunks in flight to the workers
POOL_THRESHOLD = 4000  # below this, worker start-up costs more than it saves


@dataclass
class PreparedRow:
    """One data row ready to store; ``issues`` already include import-specific ones."""

    row: int                      # 0-based sheet row
    record: dict[str, Any]        # normalised, without members
    members: list[dict[str, Any]]
    class_id: int | None
    class_text: str
    issues: list[Issue]
    typed: dict[str, str]         # field path → text as typed (for the error workbook)
    data_json: str = ""           # serialised in the worker: the main process only writes
    issues_json: str = "[]"
    member_jsons: tuple[str, ...] = ()


@dataclass
class ImportResult:
    file: str
    sheet: str
    header_row: int               # 1-based, as Excel shows it
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    ok: int = 0
    warning: int = 0
    pending: int = 0
    unknown_headers: list[str] = field(default_factory=list)
    bad_rows: list[PreparedRow] = field(default_factory=list)   # rows with issues, for the report
    report: str | None = None

    def summary(self) -> str:
        lines = [f"文件：{self.file}（工作表“{self.sheet}”，表头在第 {self.header_row} 行）",
                 f"共 {self.rows} 行：新增 {self.inserted} 人，更新 {self.updated} 人，未变化 {self.unchanged} 人。",
                 f"正常 {self.ok} 人，有警告 {self.warning} 人，待修正 {self.pending} 人。"]
        if self.unknown_headers:
            lines.append("未识别的列（已忽略）：" + "、".join(self.unknown_headers))
        if self.report:
            lines.append(f"错误报告：{self.report}")
        return "\n".join(lines)


# ---- turning one row into a record (runs in worker processes for big files) ------------------

_STATE: dict[str, Any] = {}


def _init_worker(columns: dict[int, Column], classes: list[ClassInfo], today: date) -> None:
    _STATE["columns"] = columns
    _STATE["classes"] = {c.class_code: c for c in classes}
    _STATE["today"] = today
    plan = []
    for j, c in sorted(columns.items()):
        if c.field is None:
            continue  # 学校标识码: informational
        kind = ("id" if c.key == "id_number" else "class" if c.key == "class_code" and c.member is None
                else "skip" if c.key == "grade" and c.member is None  # 年级 follows from the class
                else "yearmonth" if c.field.type == "yearmonth" else "")
        plan.append((j, c.key, c.member, c.path, kind))
    _STATE["plan"] = plan
    spec = load_spec()
    _STATE["coded"] = {False: {f.key for f in spec.student_fields if f.codes},
                       True: {f.key for f in spec.member_fields if f.codes}}


def resolve_class(text: str, classes: dict[str, ClassInfo]) -> ClassInfo | None:
    parsed = parse_class(text)
    if not parsed:
        return None
    try:
        return classes.get(class_code(*parsed))
    except BadInput:
        return None


def prepare_row(row: int, cells: list[Any]) -> PreparedRow | None:
    raw: dict[str, Any] = {}
    members: list[dict[str, Any]] = [{}, {}]
    typed: dict[str, str] = {}
    damaged: dict[str, str] = {}
    class_text = ""
    n = len(cells)
    for j, key, member, path, kind in _STATE["plan"]:
        if j >= n:
            continue
        value = cells[j]
        if type(value) is str:  # the common case, kept cheap: 200k rows × 45 cells
            if not value:
                continue
            text = value.strip()
            if "\u200b" in text or "\ufeff" in text:
                text = cell_text(text)
            if kind == "id":
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
                typed[path] = text
                if member is not None:
                    members[member][key] = value
                elif kind != "skip":
                    raw[key] = value
                continue
        if not text:
            continue
        typed[path] = text
        if member is not None:
            members[member][key] = text
        elif kind == "class":
            class_text = text
        elif kind != "skip":
            raw[key] = text
    if not typed:
        return None  # an empty (maybe formatted) row
    cls = resolve_class(class_text, _STATE["classes"]) if class_text else None
    record, members_out, norm_issues = _normalize(raw, [m for m in members if m], cls.stage if cls else None)
    full = with_class({**record, "members": members_out}, cls, _STATE["today"])
    if cls is None and class_text:
        full["class_code"] = class_text  # kept as typed; the clerk assigns the class in the app
    issues = validate_student(full, context_for(cls, _STATE["today"]))
    issues = _merge_issues(norm_issues, issues, damaged, class_text, cls)
    if cls is None and class_text:
        record["class_code"] = class_text
    return PreparedRow(row, record, members_out, cls.id if cls else None, class_text, issues, typed,
                       json.dumps(_data_json(record), ensure_ascii=False),
                       json.dumps([i.to_dict() for i in issues], ensure_ascii=False),
                       tuple(json.dumps(m, ensure_ascii=False) for m in members_out))


_CODE_CACHE: dict[tuple[str, bool, str], str] = {}
_CODE_CACHE_MAX = 100_000


def _normalize(raw: dict[str, str], members: list[dict[str, str]], stage: int | None
               ) -> tuple[dict[str, Any], list[dict[str, Any]], list[Issue]]:
    """normalize_record, with option cells served from a cache.

    Option columns repeat a handful of values (男, 汉族, 否…) over thousands of rows, so each distinct
    value goes through the validation engine's normaliser once; unique values (names, IDs, dates,
    addresses) and values the normaliser rejected go through it with the rest of the row every time.
    """
    coded = _STATE["coded"]
    cached: dict[str, str] = {}
    rest: dict[str, Any] = {}
    for k, v in raw.items():
        hit = _CODE_CACHE.get((k, False, v)) if k in coded[False] else None
        if hit is None:
            rest[k] = v
        else:
            cached[k] = hit
    m_cached: list[dict[str, str]] = []
    m_rest: list[dict[str, str]] = []
    for m in members:
        mc, mr = {}, {}
        for k, v in m.items():
            hit = _CODE_CACHE.get((k, True, v)) if k in coded[True] else None
            if hit is None:
                mr[k] = v
            else:
                mc[k] = hit
        m_cached.append(mc)
        m_rest.append(mr)
    rest["members"] = m_rest
    record, issues = normalize_record(rest, stage=stage)
    out_members = list(record.pop("members", None) or [])
    bad = {i.field for i in issues}
    if len(_CODE_CACHE) > _CODE_CACHE_MAX:
        _CODE_CACHE.clear()
    for k, v in rest.items():
        if k in coded[False] and k not in bad and k in record:
            _CODE_CACHE[(k, False, v)] = record[k]
    for i, mr in enumerate(m_rest):
        for k, v in mr.items():
            if k in coded[True] and f"members.{i}.{k}" not in bad and i < len(out_members) and k in out_members[i]:
                _CODE_CACHE[(k, True, v)] = out_members[i][k]
    record.update(cached)
    while len(out_members) < len(m_cached):
        out_members.append({})
    members_out = [{**mr, **mc} for mr, mc in zip(out_members, m_cached, strict=False)]
    members_out += out_members[len(m_cached):]
    return record, [m for m in members_out if m], issues


def _merge_issues(norm: list[Issue], valid: list[Issue], damaged: dict[str, str], class_text: str,
                  cls: ClassInfo | None) -> list[Issue]:
    """One message per problem: the specific cause (Excel damage, unparseable value) beats the generic one."""
    out: list[Issue] = []
    specific = set(damaged) | {i.field for i in norm if i.severity == ERROR}
    for path, why in damaged.items():
        label = "身份证件号" if path == "id_number" else f"家庭成员{int(path.split('.')[1]) + 1}身份证件号"
        out.append(Issue(path, ERROR, "id.excel_damaged", f"{label}{why}"))
    out += [i for i in norm if i.field not in damaged]
    seen = {(i.field, i.code) for i in out}
    for i in valid:
        if i.field in specific and i.severity == ERROR:
            continue
        if i.field == "class_code" and class_text and cls is None:
            continue
        if (i.field, i.code) not in seen:
            out.append(i)
    if class_text and cls is None:
        out.append(Issue("class_code", ERROR, "class.unknown",
                         f"班级“{class_text}”在本校不存在：请先在“年级班级”中建立该班级，或填写已有班级的班号"
                         "（如 2009101）或班级名称（如 小学2009级(1)班）。"))
    return out


def _prepare_chunk(chunk: list[tuple[int, list[Any]]]) -> list[PreparedRow]:
    out = []
    for row, cells in chunk:
        p = prepare_row(row, cells)
        if p is not None:
            out.append(p)
    return out


# ---- the import -------------------------------------------------------------------------------

def _chunks(rows: Iterator[tuple[int, list[Any]]], keep: list[int]) -> Iterator[list[tuple[int, list[Any]]]]:
    """Rows in chunks, each row trimmed to the mapped columns (less to send to workers)."""
    width = max(keep) + 1
    chunk: list[tuple[int, list[Any]]] = []
    for r, cells in rows:
        cells = cells[:width]
        if not any(cells[j] not in ("", None) for j in keep if j < len(cells)):
            continue
        chunk.append((r, cells))
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _prepared(chunks: Iterable[list[tuple[int, list[Any]]]], columns: dict[int, Column], classes: list[ClassInfo],
              today: date, parallel: bool) -> Iterator[list[PreparedRow]]:
    if not parallel:
        _init_worker(columns, classes, today)
        for chunk in chunks:
            yield _prepare_chunk(chunk)
        return
    # spawn: same behaviour on Windows and Linux, and safe when the GUI has threads running.
    ctx = multiprocessing.get_context("spawn")
    pool = ctx.Pool(2, initializer=_init_worker, initargs=(columns, classes, today))
    try:
        # A bounded window of chunks in flight: Pool.imap would read the whole file ahead into its queue.
        window: deque = deque()
        for chunk in chunks:
            window.append(pool.apply_async(_prepare_chunk, (chunk,)))
            if len(window) >= WINDOW:
                yield window.popleft().get()
        while window:
            yield window.popleft().get()
        pool.close()
    finally:
        pool.terminate()
        pool.join()


class _Matcher:
    """Existing students by ID number and by name+gender+birth date+class; each matches once per import."""

    def __init__(self, conn) -> None:
        self.by_id: dict[str, list[int]] = {}
        self.by_key: dict[tuple, list[int]] = {}
        for sid, id_number, name, gender, birth, class_id in conn.execute(
                "SELECT id, id_number, name, gender, birth_date, class_id FROM students ORDER BY id"):
            if id_number:
                self.by_id.setdefault(id_number, []).append(sid)
            self.by_key.setdefault((name, gender, birth, class_id), []).append(sid)
        self.used: set[int] = set()

    def match(self, p: PreparedRow) -> int | None:
        id_number = str(p.record.get("id_number", ""))
        candidates = self.by_id.get(id_number, []) if id_number else []
        if not candidates:
            key = (p.record.get("name", ""), p.record.get("gender", ""), p.record.get("birth_date", ""), p.class_id)
            candidates = self.by_key.get(key, [])
        for sid in candidates:
            if sid not in self.used:
                self.used.add(sid)
                return sid
        return None


def _issue_counts(issues: list[Issue]) -> tuple[int, int]:
    return sum(i.severity == ERROR for i in issues), sum(i.severity != ERROR for i in issues)


def _data_json(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items()
            if (k not in DERIVED or k == "class_code") and not k.startswith("_") and v not in (None, "")}


def import_workbook(store, path: Path | str, *, report: Path | str | None = None,
                    progress: Progress | None = None, parallel: bool | None = None,
                    today: date | None = None) -> ImportResult:
    """Import ``path`` in one transaction; write the error workbook to ``report`` when given."""
    path = Path(path)
    today = today or date.today()
    check_container(path)
    tick(progress, 0, None, "读取 Excel")
    wb, sheet, layout = find_layout(path)
    result = ImportResult(path.name, layout.sheet_name, layout.header_row + 1,
                          unknown_headers=layout.unknown_headers)
    total = max(sheet.height - (layout.header_row - (sheet.start or (0, 0))[0]) - 1, 0)
    parallel = total >= POOL_THRESHOLD if parallel is None else parallel
    classes = list_classes(store)
    keep = sorted(layout.columns)
    ts = now_iso()
    with store.transaction() as tx:
        conn = tx.conn
        matcher = _Matcher(conn)
        next_id = (conn.execute("SELECT max(id) FROM students").fetchone()[0] or 0) + 1
        chunks = _chunks(iter_data_rows(sheet, layout), keep)
        for batch in _prepared(chunks, layout.columns, classes, today, parallel):
            inserts, member_rows, updates, entries = [], [], [], []
            for p in batch:
                result.rows += 1
                errors, warnings = _issue_counts(p.issues)
                status = status_of(p.issues)
                setattr(result, status, getattr(result, status) + 1)
                if p.issues:
                    result.bad_rows.append(p)
                data_json, issues_json = p.data_json, p.issues_json
                rec = p.record
                core = tuple("" if rec.get(k) is None else str(rec.get(k)) for k in CORE_COLUMNS)
                sid = matcher.match(p)
                if sid is None:
                    sid = next_id
                    next_id += 1
                    inserts.append((sid, str(uuid.uuid4()), p.class_id, *core, status, errors, warnings,
                                    data_json, issues_json, ts, ts))
                    member_rows += [(sid, i + 1, m.get("name", ""), m.get("relation", ""), m.get("id_number", ""),
                                     p.member_jsons[i]) for i, m in enumerate(p.members)]
                    entries.append(("导入学生", "students", sid, {
                        "source": [None, f"{path.name} 第{p.row + 1}行"], "name": [None, rec.get("name")],
                        "id_number": [None, rec.get("id_number")], "status": [None, status]}))
                    result.inserted += 1
                    continue
                data = _data_json(rec)
                old = get_student_conn(conn, sid)
                old_data = {k: v for k, v in old.items() if not k.startswith("_") and k not in ("members", "grade")}
                if old["_class_id"] is not None:
                    old_data.pop("class_code", None)
                changes = audit.diff(old_data, data)
                old_members = old.get("members", [])
                for i in range(max(len(old_members), len(p.members))):
                    a = old_members[i] if i < len(old_members) else None
                    b = p.members[i] if i < len(p.members) else None
                    changes.update({f"members.{i}.{k}": v for k, v in audit.diff(a, b).items()})
                if old["_class_id"] != p.class_id:
                    changes["class_id"] = [old["_class_id"], p.class_id]
                if not changes and old["_issues"] == json.loads(issues_json):
                    result.unchanged += 1
                    continue
                updates.append((p.class_id, *core, status, errors, warnings, data_json, issues_json, ts, sid))
                conn.execute("DELETE FROM family_members WHERE student_id = ?", (sid,))
                member_rows += [(sid, i + 1, m.get("name", ""), m.get("relation", ""), m.get("id_number", ""),
                                 p.member_jsons[i]) for i, m in enumerate(p.members)]
                changes["source"] = [None, f"{path.name} 第{p.row + 1}行"]
                entries.append(("导入更新学生", "students", sid, changes))
                result.updated += 1
            conn.executemany(
                "INSERT INTO students (id, uid, class_id, name, gender, birth_date, id_type, id_number, status,"
                " error_count, warning_count, data, issues, created_at, updated_at)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", inserts)
            conn.executemany(
                "UPDATE students SET class_id = ?, name = ?, gender = ?, birth_date = ?, id_type = ?, id_number = ?,"
                " status = ?, error_count = ?, warning_count = ?, data = ?, issues = ?, updated_at = ? WHERE id = ?",
                updates)
            conn.executemany("INSERT INTO family_members (student_id, seq, name, relation, id_number, data)"
                             " VALUES (?, ?, ?, ?, ?, ?)", member_rows)
            audit.append_many(conn, entries, ts=tx.ts, username=store.user.username)
            tick(progress, result.rows, total, "导入学生")
        if result.rows == 0:
            raise BadInput(f"文件 {path.name} 的表头下面没有数据行：请填写学生信息后再导入。")
        if progress is not None:
            progress.check()  # a cancel pressed during the last batch still rolls everything back
        tx.audit("导入Excel", "students", "", {
            "file": [None, path.name], "rows": [None, result.rows], "inserted": [None, result.inserted],
            "updated": [None, result.updated], "pending": [None, result.pending]})
    wb.close()
    if report is not None:
        from .report import write_error_report

        tick(progress, result.rows, total, "生成错误报告")
        write_error_report(path, report, layout, result)
        result.report = str(report)
    return result
