"""Transfers (转学) at the county: requests arriving from receiving schools, forwarded to sending schools,
decided, and the record handed on.

The school side and the whole flow are described in ``records/transfers.py``. Here a transfer is one row of
``county_transfers`` keyed by the receiving school's ``key``; its four parties (``rs`` receiving school,
``rc`` receiving county, ``ss`` sending school, ``sc`` sending county) each hold a state. A county is the
receiving county (``to_county`` is us), the sending county (``from_county`` is us), or both (same county:
it decides once, on the sending school's 转出 change, and stands for both ``rc`` and ``sc``).

Every package part is a snapshot of what its sender owns, applied by key, so a package applied twice (or an
older one) changes nothing; packages also carry sequence numbers and older ones are refused outright.
County-to-county packages are in ``transfer_packages``.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

from ..errors import BadInput
from ..records.changes import COUNTY_PENDING, EFFECTIVE, REJECTED, TRANSFERRED
from ..records.transfers import P_APPROVED, P_PENDING, P_REFUSED, PARTY_NAMES, PARTY_STATE_NAMES, valid_key
from ..storage import Store
from ..storage.store import Tx, now_iso
from .workspace import require_county_level

OPEN, REFUSED, WITHDRAWN, COMPLETED = "open", "refused", "withdrawn", "completed"
STATE_NAMES = {OPEN: "办理中", REFUSED: "已拒绝", WITHDRAWN: "已撤销", COMPLETED: "已转入"}
IN_SCHOOL = ("enrolled", "suspended")  # 在读: 在校 or 休学 (a child on leave is still the school's)
MAX_ITEMS = 10_000


def own_code(store_or_conn) -> str:
    conn = getattr(store_or_conn, "conn", store_or_conn)
    row = conn.execute("SELECT value FROM meta WHERE key = 'county_code'").fetchone()
    return row[0] if row else ""


def get_transfer(conn, key: str) -> dict[str, Any] | None:
    cur = conn.execute("SELECT * FROM county_transfers WHERE key = ?", (key,))
    row = cur.fetchone()
    if row is None:
        return None
    t = dict(zip([d[0] for d in cur.description], row, strict=True))
    t["request"] = json.loads(t["request"])
    t["parties"] = json.loads(t["parties"])
    t["history"] = json.loads(t["history"])
    return t


def save_transfer(tx: Tx, t: dict[str, Any], action: str, old_state: str | None) -> None:
    tx.execute(
        "INSERT INTO county_transfers (key, id_number, name, to_school, to_school_name, to_county, from_school,"
        " from_school_name, from_county, request, parties, state, ss_change_id, record, photo, history, updated_at,"
        " unsent) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(key) DO UPDATE SET"
        " to_school_name = excluded.to_school_name, from_school_name = excluded.from_school_name,"
        " from_county = excluded.from_county, request = excluded.request, parties = excluded.parties,"
        " state = excluded.state, ss_change_id = excluded.ss_change_id, record = excluded.record,"
        " photo = excluded.photo, history = excluded.history, updated_at = excluded.updated_at,"
        " unsent = excluded.unsent",
        (t["key"], t["id_number"], t["name"], t["to_school"], t.get("to_school_name", ""), t["to_county"],
         t["from_school"], t.get("from_school_name", ""), t.get("from_county", ""),
         json.dumps(t.get("request", {}), ensure_ascii=False), json.dumps(t["parties"], ensure_ascii=False),
         t["state"], t.get("ss_change_id"), t.get("record", ""), t.get("photo"),
         json.dumps(t.get("history", []), ensure_ascii=False), tx.ts,
         int(bool(t.get("from_county")) and t.get("from_county") != t["to_county"])))
    tx.audit(action, "county_transfers", t["key"], {"state": [old_state, t["state"]]})


def party(state: str, reason: str = "", at: str = "") -> dict[str, str]:
    return {"state": state, "reason": reason, "at": at}


def refuse(t: dict[str, Any], who: str, reason: str, at: str) -> None:
    t["parties"][who] = party(P_REFUSED, reason, at)
    t["state"] = REFUSED


def _same_county(t: dict[str, Any]) -> bool:
    return t["to_county"] == t.get("from_county")


def _enrolled_row(conn, school: str, id_number: str) -> tuple | None:
    return conn.execute("SELECT uid, name, enrolment FROM county_students WHERE school_code = ? AND id_number = ?"
                        " ORDER BY enrolment = 'enrolled' DESC, id DESC LIMIT 1", (school, id_number)).fetchone()


def _school_name(conn, code: str) -> str:
    row = conn.execute("SELECT name FROM county_schools WHERE code = ?", (code,)).fetchone()
    return row[0] if row else ""


def check_sending_side(conn, t: dict[str, Any]) -> str:
    """Why the sending county cannot take the request up ('' if it can): the child must be 在读 at the
    sending school in the county's data, under the name the request gives, with no other transfer open."""
    row = _enrolled_row(conn, t["from_school"], t["id_number"])
    school = conn.execute("SELECT name FROM county_schools WHERE code = ?", (t["from_school"],)).fetchone()
    where = f"转出学校 {t['from_school']}{school[0] if school else ''}"
    if row is None:
        return f"县级数据中{where}没有身份证件号为 {t['id_number']} 的学籍，请核对身份证件号和转出学校标识码"
    uid, name, enrolment = row
    if enrolment not in IN_SCHOOL:
        from ..records.changes import ENROLMENT_NAMES

        return f"该生在{where}的学籍状态为“{ENROLMENT_NAMES.get(enrolment, enrolment)}”，不是在读，不能转学"
    if name != t["name"]:
        return f"姓名与学籍不符：{where}的学籍上是“{name}”，申请写的是“{t['name']}”"
    t["from_school_name"] = school[0] if school else ""
    t["request"]["student_uid"] = uid
    return _duplicate(conn, t)


def _duplicate(conn, t: dict[str, Any]) -> str:
    other = conn.execute("SELECT key FROM county_transfers WHERE id_number = ? AND state = ? AND key != ?",
                         (t["id_number"], OPEN, t["key"])).fetchone()
    return f"该生已有转学申请在办（{other[0]}），不能重复申请" if other else ""


# ---- from the schools' packages (called inside the import transaction) -----------------------------------

def on_school_package(store: Store, tx: Tx, code: str, transfers: list[dict[str, Any]],
                      change_records: list[dict[str, Any]]) -> list[str]:
    """Take in a school's transfer requests (as receiving school) and its 转出 changes (as sending school).
    Returns warnings for the import report (requests refused on arrival, with why)."""
    warnings = []
    for item in transfers[:MAX_ITEMS]:
        warning = _from_receiving_school(store, tx, code, item)
        if warning:
            warnings.append(warning)
    for c in change_records:
        if isinstance(c, dict) and c.get("kind") == "transfer_out":
            _from_sending_school(tx, code, c, change_records)
    return warnings


def _from_receiving_school(store: Store, tx: Tx, code: str, item: dict[str, Any]) -> str:
    key = item.get("key")
    if not valid_key(key) or not key.startswith(f"{code}-"):
        raise BadInput(f"学校 {code} 的数据包中有不属于它的转学申请编号 {str(key)[:30]!r}，拒绝导入。")
    state = str(item.get("state", ""))
    t = get_transfer(tx.conn, key)
    if t is not None:
        old = t["state"]
        if state == "withdrawn" and t["state"] == OPEN:
            t["parties"]["rs"] = party("withdrawn", str(item.get("state_reason", ""))[:200], tx.ts)
            t["state"] = WITHDRAWN
            save_transfer(tx, t, "转入学校撤销转学", old)
        elif state == "arrived" and t["state"] == OPEN:
            t["parties"]["rs"] = party("done", "", tx.ts)
            t["state"] = COMPLETED
            t["photo"] = None  # the record now lives at the receiving school
            save_transfer(tx, t, "转学完成（学籍已转入）", old)
        return ""
    if state != "sent":
        return ""  # withdrawn before the county ever saw it
    own = own_code(store)
    number = str(item.get("id_number", "")).strip().upper()[:30]
    t = {"key": key, "id_number": number, "name": str(item.get("name", ""))[:40], "to_school": code,
         "to_school_name": _school_name(tx.conn, code),
         "to_county": own, "from_school": str(item.get("from_school", ""))[:10], "from_county": "",
         "request": {k: item.get(k) for k in ("effective_date", "reason", "class_code", "applied_at")
                     if isinstance(item.get(k), str)},
         "parties": {"rs": party(P_APPROVED, "", str(item.get("applied_at", ""))[:25]), "rc": party(P_PENDING)},
         "state": OPEN, "history": []}
    evidence = item.get("evidence") if isinstance(item.get("evidence"), list) else []
    t["request"]["evidence"] = [e for e in evidence if isinstance(e, dict)][:20]
    problem = ""
    if tx.execute("SELECT 1 FROM county_students WHERE school_code = ? AND id_number = ? AND enrolment IN (?, ?)",
                  (code, number, *IN_SCHOOL)).fetchone():
        problem = "该生已是转入学校的在读学生"
    elif tx.execute("SELECT 1 FROM county_schools WHERE code = ?", (t["from_school"],)).fetchone():
        t["from_county"] = own  # same county: one county decides, at the end, on the sending school's 转出
        t["parties"].pop("rc")
        problem = check_sending_side(tx.conn, t)
    else:
        problem = _duplicate(tx.conn, t)
    if problem:
        refuse(t, "rc", problem, tx.ts)
    save_transfer(tx, t, "收到转入申请", None)
    return f"转学申请 {key}（{t['name']}）未受理：{problem}。" if problem else ""


def _from_sending_school(tx: Tx, code: str, c: dict[str, Any], all_changes: list[dict[str, Any]]) -> None:
    try:
        info = json.loads(str(c.get("data", "{}"))).get("transfer") or {}
    except ValueError:
        return
    t = get_transfer(tx.conn, str(info.get("key", ""))) if isinstance(info, dict) else None
    if t is None or t["from_school"] != code or t.get("from_county") != own_code(tx.conn):
        return
    old = t["state"]
    status = str(c.get("status", ""))
    t["ss_change_id"] = int(c.get("change_id", 0) or 0) or None
    data = json.loads(str(c.get("data", "{}")))
    ss = t["parties"].get("ss", {})
    if status == "applied":
        t["parties"]["ss"] = party(P_PENDING)
    elif status in (COUNTY_PENDING, EFFECTIVE) and ss.get("state") != P_APPROVED:
        t["parties"]["ss"] = party(P_APPROVED, "", str(c.get("decided_at") or ""))
    elif status == REJECTED and t["state"] == OPEN:
        refuse(t, "ss", str(data.get("school_reason", "")) or "转出学校不同意", str(c.get("decided_at") or ""))
    elif status == "withdrawn" and t["state"] != OPEN and ss.get("state") != "withdrawn":
        t["parties"]["ss"] = party("withdrawn", "已作废转出", str(c.get("decided_at") or ""))
    if status == EFFECTIVE and t["state"] == OPEN and not t.get("record"):
        row = tx.execute("SELECT s.data, s.enrolment, p.jpeg FROM county_students s LEFT JOIN county_photos p"
                         " ON p.student_id = s.id WHERE s.school_code = ? AND s.uid = ?",
                         (code, str(c.get("student_uid", "")))).fetchone()
        if row is not None and row[1] == TRANSFERRED:  # the school has marked 转出: the record may move on
            t["record"], t["photo"] = row[0], row[2]
            t["history"] = [{k: h.get(k) for k in ("kind", "status", "effective_date", "reason", "decided_at")}
                            | {"school": code} for h in all_changes
                            if isinstance(h, dict) and h.get("student_uid") == c.get("student_uid")]
    save_transfer(tx, t, "转出学校处理转学", old)


def on_county_decision(tx: Tx, code: str, change_id: int, approve: bool, reason: str) -> None:
    """The sending county decided the sending school's 转出 change (county decide-change)."""
    row = tx.execute("SELECT key FROM county_transfers WHERE from_school = ? AND ss_change_id = ?",
                     (code, change_id)).fetchone()
    if row is None:
        return
    t = get_transfer(tx.conn, row[0])
    old = t["state"]
    if approve:
        t["parties"]["sc"] = party(P_APPROVED, reason, tx.ts)
    elif t["state"] == OPEN:
        refuse(t, "sc", reason, tx.ts)
    save_transfer(tx, t, "县级审核转出", old)


def decide_request(store: Store, school_code: str, ref: str, approve: bool, reason: str = "",
                   from_county: str = "") -> dict[str, Any]:
    """The county decides a receiving school's request (``ref`` is the school's T-number). Across counties
    the receiving county approves first and names the sending county; any county may refuse at any time."""
    from ..records.transfers import transfer_ref_id

    require_county_level(store, "transfers")
    store.require("clerk", "leader")
    key = f"{school_code}-{transfer_ref_id(ref)}"
    t = get_transfer(store.conn, key)
    if t is None:
        raise BadInput(f"没有学校 {school_code} 的转学申请 {ref}"
                       "（导入该校上报数据包后才有；county transfers 列出全部）。")
    if t["state"] != OPEN:
        raise BadInput(f"转学申请 {key} 已{STATE_NAMES[t['state']]}，不能再审核。")
    old = t["state"]
    own = own_code(store)
    if not approve:
        if not reason.strip():
            raise BadInput("拒绝时请填写原因（--reason），转入学校会在反馈中看到。")
        refuse(t, "rc" if t["to_county"] == own else "sc", reason.strip(), now_iso())
    else:
        if t["to_county"] != own:
            raise BadInput(f"转学申请 {key} 由本县作为转出地县级办理：在转出学校同意后审核其转出异动"
                           "（county changes 列出，county decide-change 学校标识码 异动编号）。")
        if _same_county(t):
            raise BadInput(f"转学申请 {key} 是县内转学：县级在转出学校同意后一次审核其转出异动"
                           "（county changes 列出，county decide-change 转出学校标识码 异动编号），这里不需要审核。")
        if t["parties"].get("rc", {}).get("state") == P_APPROVED:
            raise BadInput(f"转学申请 {key} 已审核同意。")
        if not re.fullmatch(r"\d{6}", from_county or "") or from_county == own:
            raise BadInput(f"转出学校 {t['from_school']} 不在本县学校名单中，是跨县转学："
                           "请用 --from-county 写明转出学校"
                           "所在县（区）的 6 位区划代码（跨省转学请转入学校导出转学申请表，在全国学籍系统中办理）。")
        t["from_county"] = from_county
        t["parties"]["rc"] = party(P_APPROVED, reason.strip(), now_iso())
    with store.transaction() as tx:
        if approve and not tx.execute("SELECT 1 FROM county_peers WHERE code = ?", (from_county,)).fetchone():
            tx.execute("INSERT INTO county_peers (code) VALUES (?)", (from_county,))
        save_transfer(tx, t, "审核转入申请" if approve else "拒绝转学申请", old)
    return get_transfer(store.conn, key)


def transfer_evidence(store: Store, school_code: str, ref: str) -> list[tuple[str, bytes]]:
    """The receiving school's stamped 转学证明 sent with its request (for the counties to look at)."""
    from ..records.transfers import transfer_ref_id

    require_county_level(store, "transfers")
    key = f"{school_code}-{transfer_ref_id(ref)}"
    t = get_transfer(store.conn, key)
    if t is None:
        raise BadInput(f"没有学校 {school_code} 的转学申请 {ref}（county transfers 列出全部）。")
    out = []
    for e in t["request"].get("evidence", []):
        try:
            out.append((str(e["filename"]), base64.b64decode(str(e["content"]), validate=True)))
        except (KeyError, ValueError):
            raise BadInput(f"转学申请 {key} 的证明材料已损坏，请转入学校重新上报。") from None
    return out


# ---- into the schools' feedback packages -----------------------------------------------------------------

def feedback_parts(store: Store, code: str) -> dict[str, list[dict[str, Any]]]:
    own = own_code(store)
    status, requests, cancellations, arrivals = [], [], [], []
    for t in (get_transfer(store.conn, k) for (k,) in store.query(
            "SELECT key FROM county_transfers WHERE to_school = ? OR from_school = ? ORDER BY key", (code, code))):
        if t["to_school"] == code and t["to_county"] == own:
            status.append({"key": t["key"], "state": t["state"], "parties": _display_parties(t),
                           "from_school_name": t["from_school_name"]})
            if t["state"] == OPEN and t["record"]:
                arrivals.append({"key": t["key"], "line": t["record"], "history": t["history"],
                                 "photo": base64.b64encode(bytes(t["photo"])).decode("ascii") if t["photo"] else ""})
        if t["from_school"] == code and t.get("from_county") == own:
            ready = _same_county(t) or t["parties"].get("rc", {}).get("state") == P_APPROVED
            if t["state"] == OPEN and ready and t["ss_change_id"] is None:
                requests.append({"key": t["key"], "student_uid": t["request"].get("student_uid", ""),
                                 "id_number": t["id_number"], "name": t["name"], "to_school": t["to_school"],
                                 "to_school_name": t["to_school_name"], "to_county": t["to_county"],
                                 "effective_date": t["request"].get("effective_date", "")})
            told = t["parties"].get("ss", {}).get("state") in ("withdrawn", P_REFUSED)  # the school closed it
            if t["state"] in (WITHDRAWN, REFUSED) and ready and not told:
                cancellations.append({"key": t["key"], "reason": _end_reason(t)})
    return {"transfer_status": status, "transfer_requests": requests, "transfer_cancellations": cancellations,
            "transfer_arrivals": arrivals}


def _display_parties(t: dict[str, Any]) -> dict[str, dict[str, str]]:
    parties = {p: dict(v) for p, v in t["parties"].items()}
    if _same_county(t):  # one county stands for both
        county = parties.get("sc") or parties.get("rc") or {}
        parties["rc"] = parties["sc"] = county
    return parties


def _end_reason(t: dict[str, Any]) -> str:
    for p in ("rs", "rc", "ss", "sc"):
        v = t["parties"].get(p, {})
        if v.get("state") in (P_REFUSED, "withdrawn"):
            verb = "撤销" if v["state"] == "withdrawn" else "拒绝"
            return f"{PARTY_NAMES[p]}{verb}" + (f"：{v['reason']}" if v.get("reason") else "")
    return ""


# ---- listing ---------------------------------------------------------------------------------------------

def list_transfers(store: Store, *, open_only: bool = False) -> list[dict[str, Any]]:
    require_county_level(store, "transfers")
    own = own_code(store)
    where = " WHERE state = 'open'" if open_only else ""
    keys_ = [k for (k,) in store.query(f"SELECT key FROM county_transfers{where} ORDER BY updated_at DESC, key")]
    out = []
    for k in keys_:
        t = get_transfer(store.conn, k)
        parties = _display_parties(t)
        out.append({"key": t["key"], "name": t["name"], "id_number": t["id_number"],
                    "to_school": t["to_school"], "to_school_name": t["to_school_name"], "to_county": t["to_county"],
                    "from_school": t["from_school"], "from_school_name": t["from_school_name"],
                    "from_county": t["from_county"], "state": t["state"], "state_name": STATE_NAMES[t["state"]],
                    "role": "same" if _same_county(t) else "receiving" if t["to_county"] == own else "sending",
                    "parties": {p: {**parties.get(p, {}), "name": PARTY_NAMES[p],
                                    "state_name": PARTY_STATE_NAMES.get(parties.get(p, {}).get("state", ""), "")}
                                for p in ("rs", "rc", "ss", "sc")},
                    "reason": _end_reason(t), "next_step": next_step(t, own),
                    "effective_date": t["request"].get("effective_date", "")})
    return out


def next_step(t: dict[str, Any], own: str) -> str:
    if t["state"] != OPEN:
        told = t["parties"].get("ss", {}).get("state") in ("withdrawn", P_REFUSED)
        if t["state"] in (WITHDRAWN, REFUSED) and t["ss_change_id"] is not None and t.get("from_county") == own \
                and not told:
            return f"生成转出学校 {t['from_school']} 的反馈包，通知其作废转出"
        return "已结束"
    p = t["parties"]
    ref = f"{t['to_school']} T{t['key'].split('-')[1]}"
    receiving, sending = t["to_county"] == own, t.get("from_county") == own
    if receiving and not sending and p.get("rc", {}).get("state") != P_APPROVED:
        return (f"审核转入申请：county decide-change {ref} --approve --from-county 转出地县级代码"
                "（或 --reject --reason …）")
    if receiving and not sending and not t["record"]:
        return "county transfer-out 把申请发给转出地县级，导入对方的转学包（county transfer-in）看进度"
    if t["record"]:
        if receiving:
            return f"生成转入学校 {t['to_school']} 的反馈包：学籍随包转入"
        return "county transfer-out 把学籍发给转入地县级"
    if t["ss_change_id"] is None:
        return f"生成转出学校 {t['from_school']} 的反馈包，把申请交给转出学校"
    if p.get("ss", {}).get("state") != P_APPROVED:
        return f"等待转出学校 {t['from_school']} 主管领导审核（导入其上报数据包）"
    if p.get("sc", {}).get("state") != P_APPROVED:
        return (f"审核转出：county decide-change {t['from_school']} {t['ss_change_id']} --approve"
                "（或 --reject --reason …）")
    return f"生成转出学校 {t['from_school']} 的反馈包，导入其下次上报数据包以确认转出"
