"""Data leaving the school for a using unit: only on an approved export request, with the fewest fields.

Seed 001, 全国中小学生学籍信息管理系统数据导出使用管理规则:
- 第五条 谁导出、谁负责，谁使用、谁负责 — every export names who made it and who answers for the data;
- 第九条 依申请导出: the using unit applies, naming 用途, 使用范围, 字段, 有效期限 and 数据安全负责人;
- 第十条 按需最少数据字段, 严禁导出与申请用途无关的字段 — the file holds only the fields the request names,
  only for the students it names, and only while the request is approved and not expired.

A request is filed by the clerk (``add_request``), approved or revoked by a leader; ``export_by_request``
writes the file with a second sheet naming the request, and the audit log ties the file (name, SHA-256,
rows) to the request. The clerk's own working export (to fix in Excel and re-import) is not a release to a
using unit; it stays in ``excel.template.export_students``, audited with its purpose. A masked export (ID
numbers and phones partly hidden, ``export_masked``) needs no request.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from .errors import BadInput, PermissionDenied
from .progress import Progress, tick
from .storage.store import Store

STATE_NAMES = {"pending": "待审批", "approved": "已批准", "revoked": "已撤销"}
MEMBERS = 2


@dataclass(frozen=True)
class ExportRequest:
    id: int
    unit: str
    purpose: str
    fields: list[str]
    classes: list[str]
    statuses: list[str]
    valid_until: str
    responsible: str
    created_by: str
    created_at: str
    state: str
    approved_by: str
    approved_at: str
    revoked_by: str
    revoked_at: str

    def to_dict(self) -> dict[str, Any]:
        labels = exportable_fields()
        return {**self.__dict__, "state_name": STATE_NAMES.get(self.state, self.state),
                "field_labels": [labels.get(f, f) for f in self.fields], "expired": self.expired()}

    def expired(self, today: date | None = None) -> bool:
        return (today or date.today()).isoformat() > self.valid_until


def exportable_fields() -> dict[str, str]:
    """path → label of every field a request may name, in form order: 姓名, 班级 …, 家庭成员1姓名 …"""
    from .validation import load_spec

    spec = load_spec()
    out = {f.key: f.label for f in spec.fields if f.group != "member"}
    for i in range(MEMBERS):
        out.update({f"members.{i}.{f.key}": f"家庭成员{i + 1}{f.label}" for f in spec.member_fields})
    return out


def parse_fields(text: str | list[str]) -> list[str]:
    """``姓名,性别,班级`` (labels or field keys) → field paths; an unknown name is refused, naming it."""
    items = [t.strip() for t in (text.replace("，", ",").replace("、", ",").split(",")
                                 if isinstance(text, str) else text) if t.strip()]
    fields = exportable_fields()
    by_label = {label: path for path, label in fields.items()}
    out = []
    for item in items:
        path = item if item in fields else by_label.get(item)
        if path is None:
            raise BadInput(f"没有“{item}”这一项：字段请写采集表上的项目名称"
                           "（如 姓名、性别、班级、家庭成员1联系电话）。")
        if path not in out:
            out.append(path)
    if not out:
        raise BadInput("请列出要导出的字段（--fields 姓名,性别,班级）：只导出用途需要的最少字段。")
    return out


def _statuses(items: list[str]) -> list[str]:
    from .records.changes import ENROLMENT_NAMES

    by_name = {name: key for key, name in ENROLMENT_NAMES.items()} | {"在读": "enrolled"}
    out = []
    for item in items:
        key = item if item in ENROLMENT_NAMES else by_name.get(item)
        if key is None:
            raise BadInput(f"学籍状态“{item}”不认识：可选 {'、'.join(ENROLMENT_NAMES.values())}。")
        out.append(key)
    return out


def add_request(store: Store, *, unit: str, purpose: str, fields: str | list[str], until: str, responsible: str,
                classes: str | list[str] = "", statuses: str | list[str] = "", today: date | None = None) -> int:
    """File a request (clerk); it can be used once a leader approves it. Returns its number."""
    from .access import parse_class_codes

    store.require("clerk")
    if not unit.strip():
        raise BadInput("请填写数据使用单位（--unit）。")
    if not purpose.strip():
        raise BadInput("请填写数据用途（--purpose）：导出只为申请的用途。")
    if not responsible.strip():
        raise BadInput("请填写数据安全负责人（--responsible）：谁使用、谁负责。")
    try:
        valid = date.fromisoformat(until.strip())
    except ValueError:
        raise BadInput(f"有效期“{until}”格式不对：请写 YYYY-MM-DD，如 2027-06-30。") from None
    if valid < (today or date.today()):
        raise BadInput(f"有效期 {valid} 已过：请填写今天或以后的日期。")
    paths = parse_fields(fields)
    codes = list(parse_class_codes(classes or ""))
    known = {r[0] for r in store.conn.execute("SELECT class_code FROM classes")}
    missing = [c for c in codes if c not in known]
    if missing:
        raise BadInput(f"班级 {'、'.join(missing)} 不存在：--classes 请填写本校的班号。")
    states = _statuses([s.strip() for s in (statuses.replace("，", ",").split(",") if isinstance(statuses, str)
                                            else statuses) if s.strip()])
    with store.transaction() as tx:
        cur = tx.execute(
            "INSERT INTO export_requests (unit, purpose, fields, classes, statuses, valid_until, responsible,"
            " created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (unit.strip(), purpose.strip(), json.dumps(paths, ensure_ascii=False), json.dumps(codes),
             json.dumps(states), valid.isoformat(), responsible.strip(), store.user.username, tx.ts))
        tx.audit("登记导出申请", "export_requests", cur.lastrowid,
                 {"unit": [None, unit.strip()], "purpose": [None, purpose.strip()], "fields": [None, paths],
                  "classes": [None, codes], "statuses": [None, states], "valid_until": [None, valid.isoformat()],
                  "responsible": [None, responsible.strip()]})
    return cur.lastrowid


def list_requests(store: Store) -> list[ExportRequest]:
    rows = store.conn.execute(
        "SELECT id, unit, purpose, fields, classes, statuses, valid_until, responsible, created_by, created_at,"
        " state, approved_by, approved_at, revoked_by, revoked_at FROM export_requests ORDER BY id").fetchall()
    return [ExportRequest(r[0], r[1], r[2], json.loads(r[3]), json.loads(r[4]), json.loads(r[5]), *r[6:])
            for r in rows]


def get_request(store: Store, request_id: int) -> ExportRequest:
    found = [r for r in list_requests(store) if r.id == request_id]
    if not found:
        raise BadInput(f"没有编号为 {request_id} 的导出申请（xueji export-request list 可查看）。")
    return found[0]


def approve(store: Store, request_id: int) -> None:
    """A leader approves; not the person who filed it (谁导出、谁负责: two people see every release)."""
    store.require("leader")
    request = get_request(store, request_id)
    if request.state != "pending":
        raise BadInput(f"导出申请 {request_id} 已{STATE_NAMES[request.state]}，不能再批准。")
    if request.created_by == store.user.username:
        raise PermissionDenied(f"导出申请 {request_id} 由您本人登记，须由另一位主管领导批准。")
    with store.transaction() as tx:
        tx.execute("UPDATE export_requests SET state = 'approved', approved_by = ?, approved_at = ? WHERE id = ?",
                   (store.user.username, tx.ts, request_id))
        tx.audit("批准导出申请", "export_requests", request_id, {"state": ["pending", "approved"]})


def revoke(store: Store, request_id: int) -> None:
    """End a request before its date (the unit no longer needs it, or misused it)."""
    store.require("leader", "clerk")
    request = get_request(store, request_id)
    if request.state == "revoked":
        raise BadInput(f"导出申请 {request_id} 已撤销。")
    with store.transaction() as tx:
        tx.execute("UPDATE export_requests SET state = 'revoked', revoked_by = ?, revoked_at = ? WHERE id = ?",
                   (store.user.username, tx.ts, request_id))
        tx.audit("撤销导出申请", "export_requests", request_id, {"state": [request.state, "revoked"]})


def usable(store: Store, request_id: int, today: date | None = None) -> ExportRequest:
    """The request if it may be used now; otherwise the refusal says which rule stops it."""
    request = get_request(store, request_id)
    if request.state == "revoked":
        raise PermissionDenied(f"导出申请 {request_id} 已于 {request.revoked_at[:10]} 撤销，不能再导出。")
    if request.state != "approved":
        raise PermissionDenied(f"导出申请 {request_id} 尚未经主管领导批准，不能导出（依申请导出）。")
    if request.expired(today):
        raise PermissionDenied(f"导出申请 {request_id} 的有效期到 {request.valid_until} 为止，已过期，不能再导出。"
                               "如仍需要，请重新登记申请。")
    return request


def _cell(path: str, record: dict[str, Any], class_names: dict[str, str]) -> str:
    from .validation import load_spec

    spec = load_spec()
    if path == "class_code":
        code = record.get("class_code", "")
        return class_names.get(code, code)
    if path.startswith("members."):
        _, index, key = path.split(".")
        members = record.get("members") or []
        source = members[int(index)] if int(index) < len(members) else {}
        f = spec.member_by_key[key]
    else:
        source, key, f = record, path, spec.student_by_key[path]
    value = source.get(key)
    value = "" if value is None else str(value)
    if value and f.codes:
        value = spec.codes[f.codes].name_of(value) or value
    return value


def _records(store: Store, class_codes: list[str], statuses: list[str]):
    from .records.students import get_student_conn

    sql = ("SELECT s.id FROM students s LEFT JOIN classes c ON c.id = s.class_id WHERE 1 = 1")
    params: list[Any] = []
    if class_codes:
        sql += f" AND c.class_code IN ({','.join('?' * len(class_codes))})"
        params += class_codes
    if statuses:
        sql += f" AND s.enrolment IN ({','.join('?' * len(statuses))})"
        params += statuses
    ids = [r[0] for r in store.conn.execute(sql + " ORDER BY c.stage, c.entry_year DESC, c.number, s.id", params)]
    return ids, (get_student_conn(store.conn, sid) for sid in ids)


def export_by_request(store: Store, request_id: int, path: Path | str, *, today: date | None = None,
                      progress: Progress | None = None) -> int:
    """Write only the request's fields for the request's students, plus a sheet naming the request."""
    from .excel.reader import check_xlsx_target
    from .excel.xlsx_memory import xlsxwriter_book
    from .outfiles import write_file
    from .school import get_school_profile

    path = check_xlsx_target(path)  # .xls is read, never written
    store.require("clerk")
    request = usable(store, request_id, today)
    labels = exportable_fields()
    class_names = {r[0]: r[1] for r in store.conn.execute("SELECT class_code, name FROM classes")}
    ids, records = _records(store, request.classes, request.statuses)
    workbook, buffer = xlsxwriter_book({})
    try:
        bold = workbook.add_format({"bold": True})
        text = workbook.add_format({"num_format": "@"})
        sheet = workbook.add_worksheet("学生数据")
        sheet.write_row(0, 0, [labels[p] for p in request.fields], bold)
        sheet.set_column(0, len(request.fields) - 1, 16, text)
        for n, record in enumerate(records, start=1):
            sheet.write_row(n, 0, [_cell(p, record, class_names) for p in request.fields])
            if n % 200 == 0:
                tick(progress, n, len(ids), "按申请导出")
        about = workbook.add_worksheet("导出申请")
        school = get_school_profile(store) or {}
        scope = ("班级：" + "、".join(request.classes)) if request.classes else "全校"
        if request.statuses:
            from .records.changes import ENROLMENT_NAMES

            scope += "；学籍状态：" + "、".join(ENROLMENT_NAMES.get(s, s) for s in request.statuses)
        rows = [("导出申请编号", str(request.id)), ("学校", f"{school.get('name', '')}（{school.get('code', '')}）"),
                ("数据使用单位", request.unit), ("用途", request.purpose),
                ("字段", "、".join(labels[p] for p in request.fields)), ("范围", scope),
                ("学生人数", str(len(ids))), ("有效期至", request.valid_until),
                ("数据安全负责人", request.responsible), ("登记人", request.created_by),
                ("批准人", f"{request.approved_by}（{request.approved_at}）"),
                ("导出人", store.user.username), ("导出时间", date.today().isoformat()),
                ("使用规则", "仅限上述用途使用，不得转交他人或用于其他目的；"
                             "有效期满后请销毁（数据导出使用管理规则）。")]
        for r, (k, v) in enumerate(rows):
            about.write_row(r, 0, [k, v], bold if r == 0 else None)
        about.set_column(0, 0, 16)
        about.set_column(1, 1, 80)
    finally:
        workbook.close()
    data = buffer.getvalue()
    write_file(path, data)
    with store.transaction() as tx:
        tx.audit("按申请导出Excel", "export_requests", request.id,
                 {"file": [None, Path(path).name], "sha256": [None, hashlib.sha256(data).hexdigest()],
                  "rows": [None, len(ids)], "fields": [None, request.fields], "unit": [None, request.unit]})
    tick(progress, len(ids), len(ids), "按申请导出")
    return len(ids)
