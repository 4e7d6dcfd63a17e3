"""Transfers (转学) at a school: the requests it makes as the receiving school, the 转出 it is asked to
approve as the sending school, and the record arriving.

Seed 002 第二章 3 and seed 001 §转学流程图: the receiving school (转入学校) starts the transfer and uploads
the 转学证明; its 主管领导 approves; then the receiving county, the sending school (转出学校) and the sending
county approve in turn (one county for both when they are the same). Offline, each step travels in the
packages the parties already exchange (exchange/school_side.py, county/transfers.py)::

    receiving school (RS)           county/ies (RC, SC)              sending school (SS)
    request ─ leader approves ─▶ submission ─▶ (RC approves) ─▶ feedback ─▶ 转出 change (applied)
                                                                          leader approves or refuses
                                 SC decides (county decide-change) ◀─ submission
                                 feedback: decision ──────────────────▶ record becomes 转出
                                 record, photo, history  ◀──────────── submission (confirms 转出)
    record arrives, 在读 ◀───── feedback

The record moves only after the sending school has marked it 转出, so at no moment is the child 在读 in
two schools (between the two it is 在途: at neither). The receiving school may withdraw (撤销) until the
record arrives; any party may refuse with a reason, which reaches the receiving school. Every package
part is a snapshot keyed by the transfer's ``key``: applying one twice changes nothing.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..errors import BadInput
from ..storage.store import Store, Tx
from . import age_exceptions
from .changes import (
    APPLIED,
    COUNTY_PENDING,
    EFFECTIVE,
    ENROLLED,
    ENROLMENT_NAMES,
    KINDS,
    OPEN_STATES,
    REJECTED,
    SUSPENDED,
    TRANSFERRED,
    WITHDRAWN,
    Evidence,
)

# states of a request at the receiving school
T_APPLIED, T_SENT, T_NATIONAL, T_ARRIVED = "applied", "sent", "national", "arrived"
T_REJECTED, T_REFUSED, T_WITHDRAWN = "rejected", "refused", "withdrawn"
T_OPEN = (T_APPLIED, T_SENT, T_NATIONAL)
T_STATE_NAMES = {T_APPLIED: "待本校主管领导审核", T_SENT: "办理中", T_NATIONAL: "跨省：待在全国学籍系统办理",
                 T_ARRIVED: "已转入", T_REJECTED: "本校驳回", T_REFUSED: "已被拒绝", T_WITHDRAWN: "已撤销"}

# the four parties and their states (as the counties report them)
PARTIES = ("rs", "rc", "ss", "sc")
PARTY_NAMES = {"rs": "转入学校", "rc": "转入地县级", "ss": "转出学校", "sc": "转出地县级"}
P_PENDING, P_APPROVED, P_REFUSED = "pending", "approved", "refused"
PARTY_STATE_NAMES = {"": "未到", P_PENDING: "待审核", P_APPROVED: "已同意", P_REFUSED: "已拒绝",
                     "withdrawn": "已撤销", "done": "已办结"}

_KEY = re.compile(r"^\d{10}-\d{1,9}$")
_T_REF = re.compile(r"^[Tt](\d{1,9})$")


def is_transfer_ref(text: str) -> bool:
    """``T3`` names transfer request 3 where change commands take a change id."""
    return bool(_T_REF.match(str(text).strip()))


def transfer_ref_id(text: str) -> int:
    m = _T_REF.match(str(text).strip())
    if not m:
        raise BadInput(f"“{text}”不是转学申请编号（应写成 T 加数字，如 T3）。")
    return int(m.group(1))


def _marks(values: tuple[str, ...]) -> str:
    return ",".join("?" * len(values))


def valid_key(key: Any) -> bool:
    return isinstance(key, str) and bool(_KEY.match(key))


@dataclass
class TransferRequest:
    id: int
    key: str
    id_number: str
    name: str
    from_school: str
    from_school_name: str
    class_id: int | None
    effective_date: str
    reason: str
    cross_province: bool
    state: str
    state_reason: str
    parties: dict[str, dict[str, str]]
    student_id: int | None
    applied_by: str
    applied_at: str
    class_name: str = ""
    evidence: list[str] = field(default_factory=list)

    @property
    def ref(self) -> str:
        return f"T{self.id}"

    @property
    def state_name(self) -> str:
        return T_STATE_NAMES.get(self.state, self.state)


_COLUMNS = ("t.id, t.key, t.id_number, t.name, t.from_school, t.from_school_name, t.class_id, t.effective_date,"
            " t.reason, t.cross_province, t.state, t.state_reason, t.parties, t.student_id, t.applied_by,"
            " t.applied_at, COALESCE(c.name, '')")


def _request(conn, row) -> TransferRequest:
    t = TransferRequest(*row[:12], parties=json.loads(row[12]), student_id=row[13], applied_by=row[14],
                        applied_at=row[15], class_name=row[16])
    t.cross_province = bool(t.cross_province)
    t.evidence = [r[0] for r in conn.execute("SELECT filename FROM transfer_files WHERE transfer_id = ? ORDER BY id",
                                             (t.id,))]
    return t


def get_request(conn, transfer_id: int) -> TransferRequest:
    row = conn.execute(f"SELECT {_COLUMNS} FROM transfers t LEFT JOIN classes c ON c.id = t.class_id"
                       " WHERE t.id = ?", (transfer_id,)).fetchone()
    if row is None:
        raise BadInput(f"没有编号为 T{transfer_id} 的转学申请（xueji transfer list 列出全部）。")
    return _request(conn, row)


def list_requests(store_or_conn, *, open_only: bool = False) -> list[TransferRequest]:
    conn = getattr(store_or_conn, "conn", store_or_conn)
    where = f" WHERE t.state IN ({','.join('?' * len(T_OPEN))})" if open_only else ""
    rows = conn.execute(f"SELECT {_COLUMNS} FROM transfers t LEFT JOIN classes c ON c.id = t.class_id{where}"
                        " ORDER BY t.id", T_OPEN if open_only else ()).fetchall()
    return [_request(conn, r) for r in rows]


# ---- the receiving school -----------------------------------------------------------------------------

def request_transfer(store: Store, *, id_number: str, name: str, from_school: str, effective_date: str,
                     evidence: list[Evidence], class_id: int | None = None, reason: str = "",
                     cross_province: bool = False) -> TransferRequest:
    """The receiving school's clerk starts a transfer (state ``applied``: waits for the leader)."""
    from ..school import get_school_profile_conn
    from ..validation.ids import check_id

    store.require("clerk")
    checked = check_id(id_number, None)  # the type is guessed from the shape; a transfer names no type
    number = checked.number
    if not number:
        raise BadInput("请填写学生的身份证件号（--id-number），转学按身份证件号找到学籍。")
    errors = [i.message for i in checked.issues if i.severity == "error"]
    if number.isdigit() and len(number) not in (8, 10, 15, 18):  # 18: 居民身份证; 8/10: 台湾居民来往大陆通行证
        errors.append(f"共 {len(number)} 位，居民身份证号应为 18 位，请核对转学证明上的号码。")
    if errors:
        raise BadInput(f"身份证件号 {number} 有误：{errors[0]}")
    name = name.strip()
    if not name:
        raise BadInput("请填写学生姓名（--name），与转学证明上的一致。")
    from_school = from_school.strip()
    if not re.fullmatch(r"\d{10}", from_school):
        raise BadInput(f"转出学校标识码“{from_school}”应为 10 位数字（转学证明上有；不知道的请向转出学校询问）。")
    own = (get_school_profile_conn(store.conn) or {}).get("code", "")
    if from_school == own:
        raise BadInput("转出学校就是本校：本校内换班请在学生信息中改班级，不是转学。")
    try:
        date.fromisoformat(effective_date)
    except (TypeError, ValueError):
        raise BadInput(f"转入日期“{effective_date}”格式不对，应为 YYYY-MM-DD。") from None
    if not evidence:
        raise BadInput("转学须上传经本校盖章的转学证明材料（--evidence 扫描件或照片）。")
    if class_id is not None:
        from .school_year import check_class_capacity

        check_class_capacity(store, store.conn, class_id)
    here = store.conn.execute("SELECT name, enrolment FROM students WHERE id_number = ? AND enrolment IN (?, ?)",
                              (number, ENROLLED, SUSPENDED)).fetchone()
    if here:
        raise BadInput(f"身份证件号 {number} 已是本校{ENROLMENT_NAMES[here[1]]}学生（{here[0]}），不需要转入。")
    dup = store.conn.execute(f"SELECT id FROM transfers WHERE id_number = ? AND state IN ({_marks(T_OPEN)})",
                             (number, *T_OPEN)).fetchone()
    if dup:
        raise BadInput(f"身份证件号 {number} 已有未办结的转学申请 T{dup[0]}，不能重复申请（如需更改请先撤销）。")
    with store.transaction() as tx:
        cur = tx.execute(
            "INSERT INTO transfers (key, id_number, name, from_school, class_id, effective_date, reason,"
            " cross_province, state, parties, applied_by, applied_at) VALUES ('', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (number, name, from_school, class_id, effective_date, reason.strip(), int(cross_province), T_APPLIED,
             json.dumps({"rs": {"state": P_PENDING}}), store.user.username, tx.ts))
        tid = cur.lastrowid
        tx.execute("UPDATE transfers SET key = ? WHERE id = ?", (f"{own}-{tid}", tid))
        for filename, content in evidence:
            tx.execute("INSERT INTO transfer_files (transfer_id, filename, content, sha256) VALUES (?, ?, ?, ?)",
                       (tid, filename, content, hashlib.sha256(content).hexdigest()))
        tx.audit("申请转入", "transfers", tid, {"id_number": [None, number], "name": [None, name],
                                              "from_school": [None, from_school]})
    return get_request(store.conn, tid)


def decide_request(store: Store, transfer_id: int, approve: bool, reason: str = "") -> TransferRequest:
    """The receiving school's 主管领导 approves (it goes up in the next package) or rejects."""
    store.require("leader")
    t = get_request(store.conn, transfer_id)
    if t.state != T_APPLIED:
        raise BadInput(f"转学申请 {t.ref} 当前为“{t.state_name}”，不是待本校审核。")
    if not approve and not reason.strip():
        raise BadInput("驳回时请填写原因（--reason）。")
    state = (T_NATIONAL if t.cross_province else T_SENT) if approve else T_REJECTED
    parties = {**t.parties, "rs": {"state": P_APPROVED if approve else P_REFUSED, "reason": reason.strip()}}
    with store.transaction() as tx:
        tx.execute("UPDATE transfers SET state = ?, state_reason = ?, parties = ?, decided_by = ?, decided_at = ?"
                   " WHERE id = ?", (state, "" if approve else f"本校主管领导驳回：{reason.strip()}",
                                     json.dumps(parties, ensure_ascii=False), store.user.username, tx.ts, t.id))
        tx.audit("审核转入申请", "transfers", t.id, {"state": [t.state, state]})
    return get_request(store.conn, t.id)


def withdraw_request(store: Store, transfer_id: int, reason: str = "") -> TransferRequest:
    """撤销: possible until the record has arrived. A request already sent up is cancelled at every party by
    the next package (a sending school that had already marked the child 转出 takes the record back)."""
    store.require("clerk")
    t = get_request(store.conn, transfer_id)
    if t.state not in T_OPEN:
        raise BadInput(f"转学申请 {t.ref} 已{t.state_name}，不能撤销"
                       + ("（学籍已转入本校；如需离开请办理转出）" if t.state == T_ARRIVED else "") + "。")
    parties = {**t.parties, "rs": {"state": "withdrawn", "reason": reason.strip()}}
    with store.transaction() as tx:
        tx.execute("UPDATE transfers SET state = ?, state_reason = ?, parties = ? WHERE id = ?",
                   (T_WITHDRAWN, f"本校撤销{('：' + reason.strip()) if reason.strip() else ''}",
                    json.dumps(parties, ensure_ascii=False), t.id))
        tx.audit("撤销转入申请", "transfers", t.id, {"state": [t.state, T_WITHDRAWN]})
    return get_request(store.conn, t.id)


def next_step(t: TransferRequest) -> str:
    """What the receiving school's clerk should do next, in one line."""
    if t.state == T_APPLIED:
        return f"请主管领导审核（xueji change approve {t.ref}，或驳回）"
    if t.state == T_NATIONAL:
        return "跨省转学：导出转学申请表（xueji transfer sheet），在全国学籍系统中录入办理"
    if t.state in (T_REJECTED, T_REFUSED, T_WITHDRAWN):
        return f"已结束：{t.state_reason}" if t.state_reason else "已结束"
    if t.state == T_ARRIVED:
        return "学籍已转入本校" + ("" if t.class_id else "，请分班")
    if not t.parties.get("rc"):
        return "导出上报数据包交县级（导入导出 → 上报）"
    waiting = [PARTY_NAMES[p] for p in ("rc", "ss", "sc") if t.parties.get(p, {}).get("state") != P_APPROVED]
    if waiting:
        return f"等待{waiting[0]}审核；导入县级反馈包可看到进度"
    return "各方已同意，等待转出学校确认转出后学籍随反馈包转入"


# ---- the sending school ---------------------------------------------------------------------------------

def outgoing(store_or_conn) -> list[dict[str, Any]]:
    """Transfers away from this school: 转出 change records (asked for by another school, or applied here
    for a move outside the program), with the other school and the state."""
    from .changes import STATE_NAMES

    conn = getattr(store_or_conn, "conn", store_or_conn)
    out = []
    for cid, sid, name, id_number, status, date_, data in conn.execute(
            "SELECT cr.id, cr.student_id, s.name, s.id_number, cr.status, cr.effective_date, cr.data"
            " FROM change_records cr JOIN students s ON s.id = cr.student_id WHERE cr.kind = 'transfer_out'"
            " ORDER BY cr.id"):
        info = json.loads(data).get("transfer") or {}
        status_name = STATE_NAMES.get(status, status)
        if status == APPLIED:
            step = (f"请主管领导审核：同意（xueji change approve {cid}）"
                    f"或驳回并填写原因（change reject {cid} --reason …）")
        elif status == COUNTY_PENDING:
            step = "导出上报数据包交县级，等待县级审核"
        elif status == EFFECTIVE:
            step = "已转出；下次上报数据包会把学籍交给县级转给转入学校" if info else "已转出"
        else:
            step = "已结束"
        out.append({"change_id": cid, "student_id": sid, "name": name, "id_number": id_number,
                    "to_school": info.get("to_school", ""), "to_school_name": info.get("to_school_name", ""),
                    "key": info.get("key", ""), "effective_date": date_, "status": status,
                    "status_name": status_name, "next_step": step})
    return out


def transfer_overview(store_or_conn) -> list[dict[str, Any]]:
    """Every transfer of this school, in (requests it made) and out (转出 it was asked for), one dict each
    with the other school, the state, the four parties' states and the next step (CLI list, GUI 转学 page)."""
    rows = [{"direction": "in", "ref": t.ref, "key": t.key, "name": t.name, "id_number": t.id_number,
             "other_school": t.from_school, "other_school_name": t.from_school_name, "class": t.class_name,
             "effective_date": t.effective_date, "state": t.state, "state_name": t.state_name,
             "reason": t.state_reason, "parties": t.parties, "next_step": next_step(t)}
            for t in list_requests(store_or_conn)]
    rows += [{"direction": "out", "ref": str(o["change_id"]), "key": o["key"], "name": o["name"],
              "id_number": o["id_number"], "other_school": o["to_school"], "other_school_name": o["to_school_name"],
              "class": "", "effective_date": o["effective_date"], "state": o["status"],
              "state_name": o["status_name"], "reason": "", "parties": {}, "next_step": o["next_step"]}
             for o in outgoing(store_or_conn)]
    return rows


# ---- package parts (exchange/school_side.py calls these) ---------------------------------------------------

def requests_for_package(conn) -> list[dict[str, Any]]:
    """This school's requests the county must know of: sent ones with their evidence, and the outcome of
    withdrawn or arrived ones (so every party can close them)."""
    out = []
    for t in list_requests(conn):
        if t.cross_province or t.state in (T_APPLIED, T_REJECTED):
            continue
        item = {"key": t.key, "id_number": t.id_number, "name": t.name, "from_school": t.from_school,
                "class_code": "", "effective_date": t.effective_date, "reason": t.reason, "state": t.state,
                "state_reason": t.state_reason, "applied_at": t.applied_at}
        if t.class_id is not None:
            row = conn.execute("SELECT class_code FROM classes WHERE id = ?", (t.class_id,)).fetchone()
            item["class_code"] = row[0] if row else ""
        if t.state == T_SENT:
            item["evidence"] = [{"filename": f, "sha256": h, "content": base64.b64encode(c).decode("ascii")}
                                for f, h, c in conn.execute("SELECT filename, sha256, content FROM transfer_files"
                                                            " WHERE transfer_id = ? ORDER BY id", (t.id,))]
        out.append(item)
    return out


def apply_feedback(store: Store, tx: Tx, body: dict[str, Any]) -> dict[str, int]:
    """The transfer parts of a county feedback package, inside its import transaction. Returns counts."""
    counts = {"transfer_status": 0, "transfer_requests": 0, "transfer_cancellations": 0, "arrived": 0}
    for item in _items(body, "transfer_status"):
        counts["transfer_status"] += _apply_status(tx, item)
    for item in _items(body, "transfer_requests"):
        counts["transfer_requests"] += _open_transfer_out(store, tx, item)
    for item in _items(body, "transfer_cancellations"):
        counts["transfer_cancellations"] += _cancel_transfer_out(tx, item)
    for item in _items(body, "transfer_arrivals"):
        counts["arrived"] += _arrive(store, tx, item)
    return counts


def _items(body: dict[str, Any], name: str) -> list[dict[str, Any]]:
    items = body.get(name, [])
    if not isinstance(items, list) or not all(isinstance(i, dict) and valid_key(i.get("key")) for i in items):
        raise BadInput(f"反馈包中的转学信息（{name}）格式不对，文件不是本程序写出的。")
    return items


def _own_request(tx: Tx, key: str) -> tuple | None:
    return tx.execute("SELECT id, state, parties FROM transfers WHERE key = ?", (key,)).fetchone()


def _apply_status(tx: Tx, item: dict[str, Any]) -> int:
    row = _own_request(tx, item["key"])
    if row is None:
        return 0
    tid, state, old_parties = row
    parties = {p: v for p, v in (item.get("parties") or {}).items()
               if p in PARTIES and isinstance(v, dict)}
    parties = {p: {"state": str(v.get("state", ""))[:16], "reason": str(v.get("reason", ""))[:200]}
               for p, v in parties.items()}
    parties["rs"] = json.loads(old_parties).get("rs", parties.get("rs", {}))  # the school's own word stands
    new_state, reason = state, None
    refused = [p for p in ("rc", "ss", "sc") if parties.get(p, {}).get("state") == P_REFUSED]
    if state == T_SENT and refused:
        new_state = T_REFUSED
        reason = f"{PARTY_NAMES[refused[0]]}拒绝：{parties[refused[0]].get('reason', '')}"
    changed = json.dumps(parties, ensure_ascii=False, sort_keys=True) != json.dumps(
        json.loads(old_parties), ensure_ascii=False, sort_keys=True) or new_state != state
    if not changed:
        return 0
    tx.execute("UPDATE transfers SET parties = ?, state = ?, state_reason = COALESCE(?, state_reason),"
               " from_school_name = CASE WHEN ? != '' THEN ? ELSE from_school_name END WHERE id = ?",
               (json.dumps(parties, ensure_ascii=False), new_state, reason, str(item.get("from_school_name", "")),
                str(item.get("from_school_name", ""))[:60], tid))
    tx.audit("转学进度（县级反馈）", "transfers", tid, {"state": [state, new_state]})
    return 1


def _open_transfer_out(store: Store, tx: Tx, item: dict[str, Any]) -> int:
    """Another school asks for one of ours: a 转出 change record waiting for our leader (once per key)."""
    key = item["key"]
    if tx.execute("SELECT 1 FROM change_records WHERE kind = 'transfer_out'"
                  " AND json_extract(data, '$.transfer.key') = ?", (key,)).fetchone():
        return 0
    row = tx.execute("SELECT id, enrolment, name FROM students WHERE uid = ?", (str(item.get("student_uid", "")),)
                     ).fetchone() or tx.execute(
        "SELECT id, enrolment, name FROM students WHERE id_number = ? ORDER BY enrolment = 'enrolled' DESC, id DESC",
        (str(item.get("id_number", "")).upper(),)).fetchone()
    if row is None:
        return 0  # the county checked it against our last package; a record deleted since is refused there
    sid, enrolment, _name = row
    info = {"key": key, "to_school": str(item.get("to_school", ""))[:10],
            "to_school_name": str(item.get("to_school_name", ""))[:60], "to_county": str(item.get("to_county", ""))[:6]}
    status, school_reason = APPLIED, ""
    if enrolment not in KINDS["transfer_out"].from_states:
        status, school_reason = REJECTED, f"该生当前学籍状态为“{ENROLMENT_NAMES.get(enrolment, enrolment)}”，不能转出"
    elif tx.execute(f"SELECT 1 FROM change_records WHERE student_id = ? AND status IN ({_marks(OPEN_STATES)})",
                    (sid, *OPEN_STATES)).fetchone():
        status, school_reason = REJECTED, "该生有未办结的其他异动，请办结后由转入学校重新申请"
    data = {"from_state": enrolment, "transfer": info, "school_reason": school_reason}
    cur = tx.execute(
        "INSERT INTO change_records (student_id, kind, status, effective_date, reason, applied_by, applied_at, data)"
        " VALUES (?, 'transfer_out', ?, ?, ?, ?, ?, ?)",
        (sid, status, str(item.get("effective_date", ""))[:10],
         f"转入{info['to_school_name'] or info['to_school']}（转入学校申请）", "县级转来", tx.ts,
         json.dumps(data, ensure_ascii=False)))
    tx.audit("收到转学申请（转出）", "change_records", cur.lastrowid,
             {"student_id": [None, sid], "status": [None, status], "key": [None, key]})
    return 1


def _cancel_transfer_out(tx: Tx, item: dict[str, Any]) -> int:
    """The receiving school withdrew: close our 转出 change; a child already marked 转出 comes back."""
    row = tx.execute("SELECT id, student_id, status, data FROM change_records WHERE kind = 'transfer_out'"
                     " AND json_extract(data, '$.transfer.key') = ?", (item["key"],)).fetchone()
    if row is None or row[2] == WITHDRAWN:
        return 0
    cid, sid, status, data = row
    data = json.loads(data)
    if status not in (*OPEN_STATES, EFFECTIVE):
        return 0
    data["cancelled"] = str(item.get("reason", ""))[:200] or "转入学校撤销"
    tx.execute("UPDATE change_records SET status = ?, data = ? WHERE id = ?",
               (WITHDRAWN, json.dumps(data, ensure_ascii=False), cid))
    changes: dict[str, list[Any]] = {"status": [status, WITHDRAWN]}
    if status == EFFECTIVE:
        back = data.get("from_state") if data.get("from_state") in (ENROLLED, SUSPENDED) else ENROLLED
        tx.execute("UPDATE students SET enrolment = ? WHERE id = ? AND enrolment = ?", (back, sid, TRANSFERRED))
        changes["enrolment"] = [TRANSFERRED, back]
    tx.audit("转学撤销（转出作废）", "change_records", cid, changes)
    return 1


def _arrive(store: Store, tx: Tx, item: dict[str, Any]) -> int:
    """The record arrives: a new 在读 student with every field, family, photo and the status history."""
    from ..exchange.payload import parse_student_line
    from ..photos.library import save_photo
    from .students import add_student

    row = tx.execute("SELECT id, state, class_id, from_school, from_school_name FROM transfers WHERE key = ?",
                     (item["key"],)).fetchone()
    if row is None or row[1] != T_SENT:
        return 0  # not ours, withdrawn meanwhile (the county then returns the child to the sending school), or done
    tid, state, class_id, from_school, from_school_name = row
    line = parse_student_line(str(item.get("line", "")).encode("utf-8"), "转入学籍")
    record = {k: v for k, v in line.record.items() if not k.startswith("_")}
    taken = tx.execute("SELECT 1 FROM students WHERE uid = ?", (line.uid,)).fetchone()
    sid = add_student(tx, record, class_id, uid=None if taken else line.uid, registering=False)
    _keep_student_number(tx, sid, line.student_number)
    if line.age_exception:  # 入学年龄例外 made at an earlier school: it follows the child
        age_exceptions.carried(tx, sid, line.age_exception, from_school_name or from_school)
    if item.get("photo"):
        try:
            jpeg = base64.b64decode(str(item["photo"]), validate=True)
        except ValueError:
            raise BadInput("反馈包中转入学生的照片不是有效的数据，文件不是本程序写出的。") from None
        save_photo(tx, sid, jpeg, action="转入照片")
    history = item.get("history") if isinstance(item.get("history"), list) else []
    data = {"from_state": "", "transfer": {"key": item["key"], "from_school": from_school,
                                           "from_school_name": from_school_name}, "history": history[:200]}
    tx.execute("INSERT INTO change_records (student_id, kind, status, effective_date, reason, applied_by, applied_at,"
               " decided_by, decided_at, data) VALUES (?, 'transfer_in', ?, ?, ?, ?, ?, ?, ?, ?)",
               (sid, EFFECTIVE, tx.execute("SELECT effective_date FROM transfers WHERE id = ?", (tid,)).fetchone()[0],
                f"由{from_school_name or from_school}转入", store.user.username, tx.ts, "县级", tx.ts,
                json.dumps(data, ensure_ascii=False)))
    tx.execute("UPDATE transfers SET state = ?, student_id = ?, state_reason = '' WHERE id = ?", (T_ARRIVED, sid, tid))
    tx.audit("学籍转入", "transfers", tid, {"state": [state, T_ARRIVED], "student_id": [None, sid]})
    return 1


def _keep_student_number(tx: Tx, student_id: int, number: str) -> None:
    """The 学籍号 follows the child (seed 001 §5.3: one number for life): the sending school's replaces the
    temporary one the new record was given, unless another record here holds it."""
    from .student_number import is_valid

    if not number or not is_valid(number) or tx.execute(
            "SELECT 1 FROM students WHERE student_number = ? AND id != ?", (number, student_id)).fetchone():
        return
    old = tx.execute("SELECT student_number FROM students WHERE id = ?", (student_id,)).fetchone()[0]
    tx.execute("UPDATE students SET student_number = ? WHERE id = ?", (number, student_id))
    tx.audit("学籍号随转学转入", "students", student_id, {"student_number": [old, number]})


def status_history(store_or_conn, student_id: int) -> list[dict[str, Any]]:
    """The student's status changes, those carried over from earlier schools first."""
    from .changes import list_changes

    out: list[dict[str, Any]] = []
    for c in list_changes(store_or_conn, student_id=student_id):
        if c.kind == "transfer_in":
            out += [dict(h, inherited=True) for h in c.data.get("history", []) if isinstance(h, dict)]
        out.append({"kind": c.kind, "status": c.status, "effective_date": c.effective_date, "reason": c.reason,
                    "inherited": False})
    return out
