"""Status changes (学籍异动) and key-field change requests, with school and county approval.

Sources: MoE《中小学生学籍管理办法》 and the 2014 key business guide (seed 002): 非转学异动 are applied by
the school's 学籍管理员 with evidence and approved (核办) by the school's 主管领导, and by the county where
required; 转学 needs the county; key fields (身份证件类型/号, 姓名, 性别, 出生日期, plus the county's
受控字段) change only by request with evidence once accepted, and re-run the duplicate check.
Provinces switch change types on and off per stage (seed 002 §业务开关); by default compulsory
education allows no 留级, 退学 or 开除 (义务教育法).

Leaving and returning pairs (seed 001 §学籍异动类型对应关系): 休学 → 复学, 出国 → 回国复学, 转出 ↔ 转入
(the transfer flow in ``transfers``), and 开除/退学/辍学/失踪/其他离校 → 恢复入学资格 (the record is kept, so
a child who comes back is re-admitted on it rather than given a second one). 毕业, 结业 (completed without
meeting the graduation standard) and 肄业 (left before the end of the stage) end a record: it becomes
read-only and is counted apart in statistics. Seed 002 第三章: in compulsory education 毕业 and 结业 are the
school's own decision; at senior high they need the county.

Life of a change record::

    applied ──leader approves──▶ effective                      (school-only kinds)
       │                     └─▶ county_pending ──county──▶ effective | county_rejected
       └──leader rejects───▶ rejected
    (applied/county_pending may be withdrawn by the clerk: withdrawn)
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from ..errors import BadInput
from ..infiles import read_regular
from ..storage.store import Store, Tx
from .enrolment import (  # the states, used here and re-exported (they were defined here before)
    ABROAD,
    COMPLETED,
    ENROLLED,
    ENROLMENT_NAMES,
    FINISHED,
    GRADUATED,
    INCOMING,
    INCOMPLETE,
    LEFT,
    SUSPENDED,
    TRANSFERRED,
)
from .gate import (  # noqa: F401  (controlled_fields, set_controlled_fields re-exported for callers)
    CONTROLLED,
    KEY_FIELDS,
    Gate,
    check_class_capacity,
    controlled_fields,
    refuse_county_rule_at_school,
    set_controlled_fields,
)
from .students import get_student, get_student_conn, remove_student, update_student

# The leaving changes 恢复入学资格 undoes (死亡 and 转出 are not: a transfer is undone by its own withdrawal).
READMITTABLE = ("withdraw", "dropout", "expel", "missing", "other_leave")

# change-record states
APPLIED, COUNTY_PENDING, EFFECTIVE, REJECTED, COUNTY_REJECTED, WITHDRAWN = (
    "applied", "county_pending", "effective", "rejected", "county_rejected", "withdrawn")
OPEN_STATES = (APPLIED, COUNTY_PENDING)
STATE_NAMES = {APPLIED: "待学校审核", COUNTY_PENDING: "待县级审核", EFFECTIVE: "已生效", REJECTED: "学校驳回",
               COUNTY_REJECTED: "县级驳回", WITHDRAWN: "已撤回"}

KEY_FIELD_CHANGE = "key_fields"
DELETE_RECORD = "delete"
REQUEST_ONLY = (KEY_FIELD_CHANGE, DELETE_RECORD)  # filed by their own functions, not offered as 异动类型


@dataclass(frozen=True)
class Kind:
    code: str
    name: str
    from_states: tuple[str, ...]   # enrolment states in which the change may be applied
    to_state: str | None           # enrolment state once effective (None: unchanged)
    county: bool                   # needs the county's approval by default
    moves_class: int = 0           # 留级 +1 (a class one entry year younger), 跳级 -1
    pair: str | None = None        # the change that must precede this one (复学 after 休学 …)
    county_stages: tuple[int, ...] | None = None  # needs the county only at these stages (结业: 高中)
    any_class: bool = False        # may name a class of any year to return to (恢复入学资格)


KINDS: dict[str, Kind] = {k.code: k for k in (
    Kind("transfer_out", "转出", (ENROLLED, SUSPENDED), TRANSFERRED, True),
    Kind("transfer_in", "转入", (), ENROLLED, True),  # only through a transfer request (transfers.py)
    Kind("suspend", "休学", (ENROLLED,), SUSPENDED, False),
    Kind("resume", "复学", (SUSPENDED,), ENROLLED, False, pair="suspend"),
    Kind("abroad", "出国", (ENROLLED,), ABROAD, False),
    Kind("return", "回国复学", (ABROAD,), ENROLLED, False, pair="abroad"),
    Kind("repeat", "留级", (ENROLLED,), None, True, moves_class=+1),
    Kind("skip", "跳级", (ENROLLED,), None, True, moves_class=-1),
    Kind("withdraw", "退学", (ENROLLED, SUSPENDED), LEFT, True),
    Kind("dropout", "辍学", (ENROLLED, SUSPENDED), LEFT, True),
    Kind("expel", "开除", (ENROLLED, SUSPENDED), LEFT, True),
    Kind("missing", "失踪", (ENROLLED, SUSPENDED, ABROAD), LEFT, True),
    Kind("death", "死亡", (ENROLLED, SUSPENDED, ABROAD, LEFT), LEFT, True),
    Kind("other_leave", "其他离校", (ENROLLED, SUSPENDED, ABROAD), LEFT, True),
    Kind("readmit", "恢复入学资格", (LEFT,), ENROLLED, True, any_class=True),
    Kind("complete", "结业", (ENROLLED,), COMPLETED, False, county_stages=(3,)),
    Kind("incomplete", "肄业", (ENROLLED, SUSPENDED), INCOMPLETE, True),
    Kind(KEY_FIELD_CHANGE, "关键字段变更", (ENROLLED, SUSPENDED, ABROAD, INCOMING), None, True),
    # A record the county accepted is deleted only by request (误操作删除 / 重复学籍; see .deletion).
    Kind(DELETE_RECORD, "删除学籍", (ENROLLED, SUSPENDED, ABROAD, LEFT, INCOMING), None, True),
)}
KIND_BY_NAME = {k.name: k for k in KINDS.values()}
LEAVING_KINDS = tuple(k.code for k in KINDS.values() if k.to_state == LEFT)

# Default per-stage switches (1 小学, 2 初中: compulsory). The county may change them (setting below).
# 肄业 means leaving before the end of the stage, which compulsory education does not allow (义务教育法 §5,
# §27); 结业 is allowed at every stage (seed 002 第三章 names 结业 for 义务教育 too).
DEFAULT_FORBIDDEN = {1: {"repeat", "withdraw", "expel", "incomplete"},
                     2: {"repeat", "withdraw", "expel", "incomplete"}, 3: set()}


def kind_of(text: str) -> Kind:
    kind = KINDS.get(text) or KIND_BY_NAME.get(text)
    if kind is None:
        names = "、".join(k.name for k in KINDS.values() if k.code not in REQUEST_ONLY)
        raise BadInput(f"未知的异动类型“{text}”。可选：{names}。")
    return kind


# ---- settings (set by the county; arrive in the init/feedback packages or via the CLI) --------------

def forbidden_kinds(store: Store, stage: int) -> set[str]:
    value = store.meta(f"changes.forbidden.{stage}")
    return DEFAULT_FORBIDDEN.get(stage, set()) if value is None else {v for v in value.split(",") if v}


def set_forbidden_kinds(store: Store, stage: int, kinds: list[str]) -> None:
    refuse_county_rule_at_school(store, "各学段不允许的异动类型")
    store.require("sysadmin")
    codes = sorted(kind_of(k).code for k in kinds)
    old = store.meta(f"changes.forbidden.{stage}")
    with store.transaction() as tx:
        store.set_meta(tx, f"changes.forbidden.{stage}", ",".join(codes))
        tx.audit("设置县级规则", "meta", f"changes.forbidden.{stage}", {"value": [old, ",".join(codes)]})


# Settings a county decides for its schools (county/rules.py shows them). They travel in the init and feedback
# packages and a school accepts exactly these keys from them (never any other meta key): class caps, changes
# forbidden or needing the county per stage, controlled fields, working windows, the grade-1 entry age, and
# 营养改善计划 (county/nutrition_settings.py: standards, school days, the school's flag, the 县级责任体系).
COUNTY_SETTING_PREFIXES = ("class_cap.county.", "changes.forbidden.", "changes.county.", "controlled_fields",
                           "window.", "entry_age.", "nutrition.")



def county_settings(store: Store) -> dict[str, str]:
    rows = store.query("SELECT key, value FROM meta")
    return {k: v for k, v in rows if k.startswith(COUNTY_SETTING_PREFIXES)}


def apply_county_settings(store: Store, tx: Tx, settings: dict[str, Any]) -> int:
    """Store the county's settings received in a package; returns how many changed."""
    changed = 0
    for key, value in sorted(settings.items()):
        if not isinstance(key, str) or not key.startswith(COUNTY_SETTING_PREFIXES) or len(key) > 64:
            raise BadInput(f"县级数据包中含有不允许的设置项 {str(key)[:40]!r}，拒绝导入。")
        if store.meta(key) != str(value):
            store.set_meta(tx, key, str(value))
            changed += 1
    return changed


def county_required(store: Store, kind: Kind, stage: int | None = None) -> bool:
    value = store.meta(f"changes.county.{kind.code}")
    if value is not None:
        return value == "1"
    if kind.county_stages is not None:
        return stage in kind.county_stages
    return kind.county


# ---- reading ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ChangeRecord:
    id: int
    student_id: int
    kind: str
    status: str
    effective_date: str
    reason: str
    applied_by: str
    applied_at: str
    decided_by: str | None
    decided_at: str | None
    data: dict[str, Any]

    @property
    def kind_name(self) -> str:
        return KINDS[self.kind].name

    @property
    def status_name(self) -> str:
        return STATE_NAMES.get(self.status, self.status)


_COLUMNS = ("id, student_id, kind, status, effective_date, reason, applied_by, applied_at, decided_by,"
            " decided_at, data")


def _record(row) -> ChangeRecord:
    return ChangeRecord(*row[:10], data=json.loads(row[10]))


def get_change(conn, change_id: int) -> ChangeRecord:
    row = conn.execute(f"SELECT {_COLUMNS} FROM change_records WHERE id = ?", (change_id,)).fetchone()
    if row is None:
        raise BadInput(f"没有编号为 {change_id} 的异动记录。")
    return _record(row)


def list_changes(store_or_conn, *, student_id: int | None = None, open_only: bool = False,
                 start: str | None = None, end: str | None = None) -> list[ChangeRecord]:
    conn = getattr(store_or_conn, "conn", store_or_conn)
    clauses, params = [], []
    if student_id is not None:
        clauses.append("student_id = ?")
        params.append(student_id)
    if open_only:
        clauses.append(f"status IN ({','.join('?' * len(OPEN_STATES))})")
        params.extend(OPEN_STATES)
    if start:
        clauses.append("effective_date >= ?")
        params.append(start)
    if end:
        clauses.append("effective_date <= ?")
        params.append(end)
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    return [_record(r) for r in conn.execute(f"SELECT {_COLUMNS} FROM change_records{where} ORDER BY id", params)]


def evidence_of(conn, change_id: int) -> list[tuple[str, bytes]]:
    return conn.execute("SELECT filename, content FROM evidence_files WHERE change_id = ? ORDER BY id",
                        (change_id,)).fetchall()


def _student_row(conn, student_id: int) -> tuple:
    row = conn.execute(
        "SELECT s.id, s.name, s.enrolment, s.class_id, c.stage, c.entry_year, c.number FROM students s"
        " LEFT JOIN classes c ON c.id = s.class_id WHERE s.id = ?", (student_id,)).fetchone()
    if row is None:
        raise BadInput(f"学生不存在（编号 {student_id}）。")
    return row


# ---- applying ----------------------------------------------------------------------------------------

Evidence = tuple[str, bytes]

MAX_EVIDENCE_BYTES = 20 * 1024 * 1024


def read_evidence(paths: list[Path]) -> list[Evidence]:
    out = []
    for p in paths:
        p = Path(p)
        content = read_regular(p, MAX_EVIDENCE_BYTES, "证明材料")  # not a FIFO or /dev/zero; capped while reading
        out.append((p.name, content))
    return out


def apply_change(store: Store, student_id: int, kind: str, *, effective_date: str, reason: str,
                 evidence: list[Evidence] | None = None, target_class_id: int | None = None,
                 fields: dict[str, Any] | None = None, extra: dict[str, Any] | None = None) -> int:
    """The clerk applies for a change; returns the change record id (state ``applied``). ``extra``: more
    data kept on the record (a deletion request's 删除原因类别)."""
    store.require("clerk")
    k = kind_of(kind)
    _check_date(effective_date)
    if not reason.strip():
        raise BadInput("请填写异动原因。")
    sid, name, enrolment, class_id, stage, entry_year, _number = _student_row(store.conn, student_id)
    if list_changes(store, student_id=student_id, open_only=True):
        raise BadInput(f"{name} 已有未办结的异动申请，请先办结或撤回。")
    if k.code == "transfer_in":
        raise BadInput("转入由转入学校发起转学申请办理：xueji transfer request --id-number … --name …"
                       " --from 转出学校标识码"
                       " --date … --evidence 转学证明（图形界面：转学 → 新建转入申请）。")
    if enrolment in FINISHED:
        undo = "；如操作有误，请先“退回在校生”" if enrolment in (GRADUATED, COMPLETED) else ""
        raise BadInput(f"{name} 已{ENROLMENT_NAMES[enrolment]}，学籍已办结，不能再办理异动{undo}。")
    if enrolment not in k.from_states:
        if k.pair:
            raise BadInput(f"{name} 当前状态为“{ENROLMENT_NAMES[enrolment]}”，{k.name}只能在"
                           f"{KINDS[k.pair].name}之后办理。")
        raise BadInput(f"{name} 当前状态为“{ENROLMENT_NAMES[enrolment]}”，不能办理{k.name}。")
    if stage and k.code in forbidden_kinds(store, stage):
        from ..school import STAGES

        raise BadInput(f"{STAGES[stage]}阶段不允许办理{k.name}（县级设置；义务教育阶段默认不允许留级、退学、开除）。")
    if k.code == "readmit":
        _check_readmittable(store.conn, student_id, name)
    if not evidence and k.code not in ("transfer_out", "complete"):
        raise BadInput(f"办理{k.name}须上传证明材料（如医院证明、转学证明、户籍证明的扫描件）。")
    data: dict[str, Any] = {"from_state": enrolment, **(extra or {})}
    if k.moves_class:
        if target_class_id is None:
            raise BadInput(f"办理{k.name}须指定转入的班级。")
        target = store.conn.execute("SELECT stage, entry_year, name FROM classes WHERE id = ?",
                                    (target_class_id,)).fetchone()
        if target is None or target[0] != stage or target[1] != entry_year + k.moves_class:
            raise BadInput(f"{k.name}的目标班级应为同学段、入学年份为 {entry_year + k.moves_class} 的班级。")
        data["target_class_id"] = target_class_id
        data["from_class_id"] = class_id
    elif k.any_class and target_class_id is not None:
        if store.conn.execute("SELECT 1 FROM classes WHERE id = ?", (target_class_id,)).fetchone() is None:
            raise BadInput(f"班级不存在（编号 {target_class_id}）。")
        data["target_class_id"] = target_class_id
        data["from_class_id"] = class_id
    if k.code == KEY_FIELD_CHANGE:
        data["fields"] = _key_field_diff(store, student_id, fields or {})
    with store.transaction() as tx:
        cur = tx.execute(
            "INSERT INTO change_records (student_id, kind, status, effective_date, reason, applied_by, applied_at,"
            " data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (sid, k.code, APPLIED, effective_date, reason.strip(), store.user.username, tx.ts,
             json.dumps(data, ensure_ascii=False)))
        change_id = cur.lastrowid
        _add_evidence(tx, change_id, evidence or [])
        tx.audit(f"申请{k.name}", "change_records", change_id,
                 {"student_id": [None, sid], "status": [None, APPLIED], "reason": [None, reason.strip()],
                  **{f"fields.{f}": v for f, v in data.get("fields", {}).items()}})
    return change_id


def _check_readmittable(conn, student_id: int, name: str) -> None:
    row = conn.execute("SELECT kind FROM change_records WHERE student_id = ? AND status = ? AND kind IN"
                       f" ({','.join('?' * len(LEAVING_KINDS))}) ORDER BY id DESC LIMIT 1",
                       (student_id, EFFECTIVE, *LEAVING_KINDS)).fetchone()
    if row is not None and row[0] not in READMITTABLE:
        raise BadInput(f"{name} 因{KINDS[row[0]].name}离校，不能恢复入学资格"
                       "（只适用于开除、退学、辍学、失踪、其他离校之后）。")


def request_key_field_change(store: Store, student_id: int, fields: dict[str, Any], *, reason: str,
                             evidence: list[Evidence], effective_date: str | None = None) -> int:
    return apply_change(store, student_id, KEY_FIELD_CHANGE, effective_date=effective_date or date.today().isoformat(),
                        reason=reason, evidence=evidence, fields=fields)


def _key_field_diff(store: Store, student_id: int, fields: dict[str, Any]) -> dict[str, list[Any]]:
    allowed = controlled_fields(store)
    unknown = [f for f in fields if f not in allowed]
    if unknown:
        raise BadInput(f"{', '.join(unknown)} 不是受控字段，可直接修改，无需申请。")
    current = get_student(store, student_id) or {}
    diff = {f: [current.get(f, ""), v] for f, v in fields.items() if current.get(f, "") != v}
    if not diff:
        raise BadInput("申请的新值与现有信息相同，无需变更。")
    return diff


def _add_evidence(tx: Tx, change_id: int, evidence: list[Evidence]) -> None:
    for filename, content in evidence:
        mime = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        tx.execute("INSERT INTO evidence_files (change_id, filename, mime, content, sha256, added_at)"
                   " VALUES (?, ?, ?, ?, ?, ?)",
                   (change_id, filename, mime, content, hashlib.sha256(content).hexdigest(), tx.ts))


def _check_date(text: str) -> None:
    try:
        date.fromisoformat(text)
    except (TypeError, ValueError):
        raise BadInput(f"日期“{text}”格式不对，应为 YYYY-MM-DD。") from None


# ---- deciding ----------------------------------------------------------------------------------------

def withdraw(store: Store, change_id: int) -> None:
    store.require("clerk")
    change = get_change(store.conn, change_id)
    if change.status not in OPEN_STATES:
        raise BadInput(f"异动记录 {change_id} 已{change.status_name}，不能撤回。")
    if change.data.get("transfer"):
        raise BadInput(f"异动记录 {change_id} 是转入学校发起的转学申请，只有转入学校可以撤销；不同意转出请由主管领导"
                       f"驳回并填写原因（xueji change reject {change_id} --reason …）。")
    _set_status(store, change, WITHDRAWN, "撤回异动", reason="")


def school_decide(store: Store, change_id: int, approve: bool, reason: str = "") -> ChangeRecord:
    """The school's 主管领导 approves or rejects. County-level kinds then wait for the county."""
    store.require("leader")
    change = get_change(store.conn, change_id)
    if change.status != APPLIED:
        raise BadInput(f"异动记录 {change_id} 当前为“{change.status_name}”，不是待学校审核。")
    if not approve:
        if not reason.strip():
            raise BadInput("驳回时请填写原因。")
        return _set_status(store, change, REJECTED, "学校驳回异动", reason)
    stage = _student_row(store.conn, change.student_id)[4]
    if county_required(store, KINDS[change.kind], stage):
        return _set_status(store, change, COUNTY_PENDING, "学校审核通过（待县级审核）", reason)
    return _make_effective(store, change, "学校审核通过，异动生效", reason)


def county_decide(store: Store, change_id: int, approve: bool, reason: str = "", *,
                  tx: Tx | None = None) -> ChangeRecord:
    """Apply the county's decision (from the feedback package) to a change waiting for it. Pass ``tx`` to
    make it part of a larger write (the feedback import applies all decisions in one transaction)."""
    change = get_change(store.conn, change_id)
    if change.status != COUNTY_PENDING:
        raise BadInput(f"异动记录 {change_id} 当前为“{change.status_name}”，不是待县级审核。")
    if not approve:
        return _set_status(store, change, COUNTY_REJECTED, "县级驳回异动", reason, county=True, tx=tx)
    return _make_effective(store, change, "县级审核通过，异动生效", reason, county=True, tx=tx)


@contextmanager
def _within(store: Store, tx: Tx | None) -> Iterator[Tx]:
    """Use the caller's transaction, or open one."""
    if tx is not None:
        yield tx
    else:
        with store.transaction() as own:
            yield own


def _set_status(store: Store, change: ChangeRecord, status: str, action: str, reason: str,
                county: bool = False, tx: Tx | None = None) -> ChangeRecord:
    data = dict(change.data)
    data["county_reason" if county else "school_reason"] = reason
    with _within(store, tx) as t:
        _write_status(t, change, status, action, data, store.user.username)
    return get_change(store.conn, change.id)


def _write_status(tx: Tx, change: ChangeRecord, status: str, action: str, data: dict, who: str) -> None:
    tx.execute("UPDATE change_records SET status = ?, decided_by = ?, decided_at = ?, data = ? WHERE id = ?",
               (status, who, tx.ts, json.dumps(data, ensure_ascii=False), change.id))
    tx.audit(action, "change_records", change.id, {"status": [change.status, status]})


def _make_effective(store: Store, change: ChangeRecord, action: str, reason: str,
                    county: bool = False, tx: Tx | None = None) -> ChangeRecord:
    kind = KINDS[change.kind]
    with _within(store, tx) as tx:
        _write_status(tx, change, EFFECTIVE, action,
                      {**change.data, ("county_reason" if county else "school_reason"): reason}, store.user.username)
        updates: dict[str, list[Any]] = {}
        if kind.to_state:
            if kind.to_state == ENROLLED and "target_class_id" not in change.data \
                    and change.data.get("from_state") not in (ENROLLED, SUSPENDED):
                current = tx.execute("SELECT class_id FROM students WHERE id = ?", (change.student_id,)).fetchone()
                if current and current[0] is not None:
                    check_class_capacity(store, tx.conn, current[0])  # back in the class: it counts again
            tx.execute("UPDATE students SET enrolment = ? WHERE id = ?", (kind.to_state, change.student_id))
            updates["enrolment"] = [change.data.get("from_state"), kind.to_state]
        if kind.moves_class or "target_class_id" in change.data:
            target = change.data["target_class_id"]
            check_class_capacity(store, tx.conn, target)  # a status change: only the seat is the gate's
            tx.execute("UPDATE students SET class_id = ? WHERE id = ?", (target, change.student_id))
            updates["class_id"] = [change.data.get("from_class_id"), target]
        if kind.code == KEY_FIELD_CHANGE:
            record = get_student_conn(tx.conn, change.student_id) or {}
            for f, (_old, new) in change.data["fields"].items():
                record[f] = new
            update_student(tx, change.student_id, record, key_change_approved=True)
        if kind.code == DELETE_RECORD:
            remove_student(tx, change.student_id, "删除学籍生效",
                           {"change_id": change.id, "reason": change.reason,
                            "reason_kind": change.data.get("reason_kind", ""),
                            "approved_by": "县级" if county else store.user.username})
            return replace(change, status=EFFECTIVE)  # the record and its change records are gone (audited)
        if updates:
            tx.audit(f"{kind.name}生效", "students", change.student_id, updates)
    return get_change(store.conn, change.id)


def enrolment_summary(store: Store, student_id: int) -> str:
    """What the record shows about its status: 学籍状态, any open change and its step, key-field lock."""
    row = store.conn.execute("SELECT enrolment, county_accepted FROM students WHERE id = ?", (student_id,)).fetchone()
    if row is None:
        return ""
    parts = [f"学籍状态：{ENROLMENT_NAMES.get(row[0], row[0])}"]
    parts += [f"异动 #{c.id} {c.kind_name}（{c.status_name}）"
              for c in list_changes(store, student_id=student_id, open_only=True)]
    if row[1]:
        parts.append("县级已审核通过（关键字段须申请变更）")
    return "；".join(parts)


def get_student_fields(store: Store, student_id: int, keys: list[str]) -> dict[str, Any]:
    record = get_student(store, student_id) or {}
    return {k: record.get(k, "") for k in keys}


def locked_changes(store: Store, student_id: int, old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """The controlled fields ``new`` changes on a record the county accepted: these need a request
    (the form offers to file it). ``old`` is the record as the form loaded it."""
    stored = get_student_conn(store.conn, student_id)
    if stored is None:
        return {}
    stored = {**stored, **{k: v for k, v in old.items() if not k.startswith("_")}}
    return {r.field: r.proposed for r in Gate(store).check(stored, new) if r.rule == CONTROLLED}


def enrolment_of(store: Store, student_id: int) -> str:
    return _student_row(store.conn, student_id)[2]


def mark_county_accepted(tx: Tx, student_ids: list[int]) -> None:
    """Called when the county's feedback accepts a submission: key fields lock from now on."""
    tx.executemany("UPDATE students SET county_accepted = 1 WHERE id = ?", [(i,) for i in student_ids])
    shown = ",".join(map(str, student_ids[:20])) + ("…" if len(student_ids) > 20 else "")
    tx.audit("县级审核通过学籍", "students", shown, {"county_accepted": [0, 1], "count": [None, len(student_ids)]})
