"""Transfers (转学) at the county: requests arriving from receiving schools, forwarded to sending schools,
decided, and the record handed on; across counties, county-to-county transfer packages.

The school side and the whole flow are described in ``records/transfers.py``. Here a transfer is one row of
``county_transfers`` keyed by the receiving school's ``key``; its four parties (``rs`` receiving school,
``rc`` receiving county, ``ss`` sending school, ``sc`` sending county) each hold a state. A county is the
receiving county (``to_county`` is us), the sending county (``from_county`` is us), or both (same county:
it decides once, on the sending school's 转出 change, and stands for both ``rc`` and ``sc``).

Every package part is a snapshot of what its sender owns, applied by key, so a package applied twice (or an
older one) changes nothing; packages also carry sequence numbers and older ones are refused outright.
"""

from __future__ import annotations

import base64
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import BadInput
from ..outfiles import write_file
from ..records.changes import COUNTY_PENDING, EFFECTIVE, REJECTED, TRANSFERRED
from ..records.transfers import P_APPROVED, P_PENDING, P_REFUSED, PARTY_NAMES, PARTY_STATE_NAMES, valid_key
from ..storage import Store
from ..storage.store import Tx, now_iso
from . import keys, keystore, naming
from .container import open_envelope, read_file, seal

OPEN, REFUSED, WITHDRAWN, COMPLETED = "open", "refused", "withdrawn", "completed"
STATE_NAMES = {OPEN: "办理中", REFUSED: "已拒绝", WITHDRAWN: "已撤销", COMPLETED: "已转入"}
IN_SCHOOL = ("enrolled", "suspended")  # 在读: 在校 or 休学 (a child on leave is still the school's)
MAX_ITEMS = 10_000


def _own_code(store: Store) -> str:
    return store.meta("county_code", "") or ""


def _row(conn, key: str) -> dict[str, Any] | None:
    cur = conn.execute("SELECT * FROM county_transfers WHERE key = ?", (key,))
    row = cur.fetchone()
    if row is None:
        return None
    t = dict(zip([d[0] for d in cur.description], row, strict=True))
    t["request"] = json.loads(t["request"])
    t["parties"] = json.loads(t["parties"])
    t["history"] = json.loads(t["history"])
    return t


def _save(tx: Tx, t: dict[str, Any], action: str, old_state: str | None) -> None:
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


def _party(state: str, reason: str = "", at: str = "") -> dict[str, str]:
    return {"state": state, "reason": reason, "at": at}


def _refuse(t: dict[str, Any], party: str, reason: str, at: str) -> None:
    t["parties"][party] = _party(P_REFUSED, reason, at)
    t["state"] = REFUSED


def _same_county(t: dict[str, Any]) -> bool:
    return t["to_county"] == t.get("from_county")


def _enrolled_row(conn, school: str, id_number: str) -> tuple | None:
    return conn.execute("SELECT uid, name, enrolment FROM county_students WHERE school_code = ? AND id_number = ?"
                        " ORDER BY enrolment = 'enrolled' DESC, id DESC LIMIT 1", (school, id_number)).fetchone()


def _school_name(conn, code: str) -> str:
    row = conn.execute("SELECT name FROM county_schools WHERE code = ?", (code,)).fetchone()
    return row[0] if row else ""


def _check_sending_side(conn, t: dict[str, Any]) -> str:
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
    t = _row(tx.conn, key)
    if t is not None:
        old = t["state"]
        if state == "withdrawn" and t["state"] == OPEN:
            t["parties"]["rs"] = _party("withdrawn", str(item.get("state_reason", ""))[:200], tx.ts)
            t["state"] = WITHDRAWN
            _save(tx, t, "转入学校撤销转学", old)
        elif state == "arrived" and t["state"] == OPEN:
            t["parties"]["rs"] = _party("done", "", tx.ts)
            t["state"] = COMPLETED
            t["photo"] = None  # the record now lives at the receiving school
            _save(tx, t, "转学完成（学籍已转入）", old)
        return ""
    if state != "sent":
        return ""  # withdrawn before the county ever saw it
    own = _own_code(store)
    number = str(item.get("id_number", "")).strip().upper()[:30]
    t = {"key": key, "id_number": number, "name": str(item.get("name", ""))[:40], "to_school": code,
         "to_school_name": _school_name(tx.conn, code),
         "to_county": own, "from_school": str(item.get("from_school", ""))[:10], "from_county": "",
         "request": {k: item.get(k) for k in ("effective_date", "reason", "class_code", "applied_at")
                     if isinstance(item.get(k), str)},
         "parties": {"rs": _party(P_APPROVED, "", str(item.get("applied_at", ""))[:25]), "rc": _party(P_PENDING)},
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
        problem = _check_sending_side(tx.conn, t)
    else:
        problem = _duplicate(tx.conn, t)
    if problem:
        _refuse(t, "rc", problem, tx.ts)
    _save(tx, t, "收到转入申请", None)
    return f"转学申请 {key}（{t['name']}）未受理：{problem}。" if problem else ""


def _from_sending_school(tx: Tx, code: str, c: dict[str, Any], all_changes: list[dict[str, Any]]) -> None:
    try:
        info = json.loads(str(c.get("data", "{}"))).get("transfer") or {}
    except ValueError:
        return
    t = _row(tx.conn, str(info.get("key", ""))) if isinstance(info, dict) else None
    if t is None or t["from_school"] != code or t.get("from_county") != _own_code_tx(tx):
        return
    old = t["state"]
    status = str(c.get("status", ""))
    t["ss_change_id"] = int(c.get("change_id", 0) or 0) or None
    data = json.loads(str(c.get("data", "{}")))
    ss = t["parties"].get("ss", {})
    if status == "applied":
        t["parties"]["ss"] = _party(P_PENDING)
    elif status in (COUNTY_PENDING, EFFECTIVE) and ss.get("state") != P_APPROVED:
        t["parties"]["ss"] = _party(P_APPROVED, "", str(c.get("decided_at") or ""))
    elif status == REJECTED and t["state"] == OPEN:
        _refuse(t, "ss", str(data.get("school_reason", "")) or "转出学校不同意", str(c.get("decided_at") or ""))
    elif status == "withdrawn" and t["state"] != OPEN and ss.get("state") != "withdrawn":
        t["parties"]["ss"] = _party("withdrawn", "已作废转出", str(c.get("decided_at") or ""))
    if status == EFFECTIVE and t["state"] == OPEN and not t.get("record"):
        row = tx.execute("SELECT s.data, s.enrolment, p.jpeg FROM county_students s LEFT JOIN county_photos p"
                         " ON p.student_id = s.id WHERE s.school_code = ? AND s.uid = ?",
                         (code, str(c.get("student_uid", "")))).fetchone()
        if row is not None and row[1] == TRANSFERRED:  # the school has marked 转出: the record may move on
            t["record"], t["photo"] = row[0], row[2]
            t["history"] = [{k: h.get(k) for k in ("kind", "status", "effective_date", "reason", "decided_at")}
                            | {"school": code} for h in all_changes
                            if isinstance(h, dict) and h.get("student_uid") == c.get("student_uid")]
    _save(tx, t, "转出学校处理转学", old)


def _own_code_tx(tx: Tx) -> str:
    row = tx.execute("SELECT value FROM meta WHERE key = 'county_code'").fetchone()
    return row[0] if row else ""


def on_county_decision(tx: Tx, code: str, change_id: int, approve: bool, reason: str) -> None:
    """The sending county decided the sending school's 转出 change (county decide-change)."""
    row = tx.execute("SELECT key FROM county_transfers WHERE from_school = ? AND ss_change_id = ?",
                     (code, change_id)).fetchone()
    if row is None:
        return
    t = _row(tx.conn, row[0])
    old = t["state"]
    if approve:
        t["parties"]["sc"] = _party(P_APPROVED, reason, tx.ts)
    elif t["state"] == OPEN:
        _refuse(t, "sc", reason, tx.ts)
    _save(tx, t, "县级审核转出", old)


def decide_request(store: Store, school_code: str, ref: str, approve: bool, reason: str = "",
                   from_county: str = "") -> dict[str, Any]:
    """The county decides a receiving school's request (``ref`` is the school's T-number). Across counties
    the receiving county approves first and names the sending county; any county may refuse at any time."""
    from ..records.transfers import transfer_ref_id

    store.require("clerk", "leader")
    key = f"{school_code}-{transfer_ref_id(ref)}"
    t = _row(store.conn, key)
    if t is None:
        raise BadInput(f"没有学校 {school_code} 的转学申请 {ref}"
                       "（导入该校上报数据包后才有；county transfers 列出全部）。")
    if t["state"] != OPEN:
        raise BadInput(f"转学申请 {key} 已{STATE_NAMES[t['state']]}，不能再审核。")
    old = t["state"]
    own = _own_code(store)
    if not approve:
        if not reason.strip():
            raise BadInput("拒绝时请填写原因（--reason），转入学校会在反馈中看到。")
        _refuse(t, "rc" if t["to_county"] == own else "sc", reason.strip(), now_iso())
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
        t["parties"]["rc"] = _party(P_APPROVED, reason.strip(), now_iso())
    with store.transaction() as tx:
        if approve and not tx.execute("SELECT 1 FROM county_peers WHERE code = ?", (from_county,)).fetchone():
            tx.execute("INSERT INTO county_peers (code) VALUES (?)", (from_county,))
        _save(tx, t, "审核转入申请" if approve else "拒绝转学申请", old)
    return _row(store.conn, key)


# ---- into the schools' feedback packages -----------------------------------------------------------------

def feedback_parts(store: Store, code: str) -> dict[str, list[dict[str, Any]]]:
    own = _own_code(store)
    status, requests, cancellations, arrivals = [], [], [], []
    for t in (_row(store.conn, k) for (k,) in store.query(
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
    own = _own_code(store)
    where = " WHERE state = 'open'" if open_only else ""
    keys_ = [k for (k,) in store.query(f"SELECT key FROM county_transfers{where} ORDER BY updated_at DESC, key")]
    out = []
    for k in keys_:
        t = _row(store.conn, k)
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


# ---- county to county ---------------------------------------------------------------------------------

def _peer(conn, code: str) -> dict[str, Any] | None:
    cur = conn.execute("SELECT * FROM county_peers WHERE code = ?", (code,))
    row = cur.fetchone()
    return dict(zip([d[0] for d in cur.description], row, strict=True)) if row else None


def _receiving_part(t: dict[str, Any]) -> dict[str, Any]:
    """What the receiving county owns and sends to the sending county."""
    return {"key": t["key"], "id_number": t["id_number"], "name": t["name"], "to_school": t["to_school"],
            "to_school_name": t["to_school_name"], "from_school": t["from_school"], "request": t["request"],
            "parties": {p: t["parties"][p] for p in ("rs", "rc") if p in t["parties"]},
            "state": t["state"] if t["state"] != REFUSED or _refused_by(t) in ("rs", "rc") else OPEN}


def _sending_part(t: dict[str, Any]) -> dict[str, Any]:
    return {"key": t["key"], "from_school_name": t["from_school_name"],
            "parties": {p: t["parties"][p] for p in ("ss", "sc") if p in t["parties"]},
            "state": t["state"] if t["state"] != REFUSED or _refused_by(t) in ("ss", "sc") else OPEN,
            "record": t["record"], "history": t["history"],
            "photo": base64.b64encode(bytes(t["photo"])).decode("ascii") if t["photo"] else ""}


def _refused_by(t: dict[str, Any]) -> str:
    return next((p for p, v in t["parties"].items() if v.get("state") == P_REFUSED), "")


def transfer_out(store: Store, out_dir: Path | str) -> list[Path]:
    """One signed package per county we exchange transfers with, encrypted to its key. A county whose key
    we do not have yet gets an introduction (our keys, no personal data) to import and answer first."""
    from .county import county_profile

    store.require("clerk", "leader")
    if store.mode != "county":
        raise BadInput("这是学校端数据文件；转学包只能在县级端生成。")
    county = county_profile(store)
    signing = keystore.require_private(store.conn, keystore.OWN_SIGNING)
    sender = {"code": county["code"], "name": county["name"], "level": "county",
              "encryption_public": keys.b64(keystore.get_public(store.conn, keystore.OWN_ENCRYPTION) or b"")}
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    peers = [p for (p,) in store.query("SELECT code FROM county_peers ORDER BY code")]
    with store.transaction() as tx:
        for code in peers:
            peer = _peer(tx.conn, code)
            shared = [_row(tx.conn, k) for (k,) in tx.execute(
                "SELECT key FROM county_transfers WHERE (to_county = ? AND from_county = ?) OR"
                " (from_county = ? AND to_county = ?) ORDER BY key", (county["code"], code, county["code"], code))]
            changed = [t for t in shared if t["unsent"]]
            if peer["encryption_public"] is None:
                body, recipient_key, what = {"introduction": True}, None, "密钥介绍"
            elif changed or not peer["sent_encrypted"]:
                body = {"as_receiving": [_receiving_part(t) for t in shared if t["to_county"] == county["code"]],
                        "as_sending": [_sending_part(t) for t in shared if t["from_county"] == county["code"]]}
                recipient_key, what = bytes(peer["encryption_public"]), "转学"
            else:
                continue
            sequence = peer["out_sequence"] + 1
            data = seal(kind="transfer", sender=sender, signing_private=signing,
                        recipient={"code": code, "name": peer["name"], "level": "county"},
                        recipient_x25519=recipient_key, sequence=sequence, created_at=now_iso(),
                        body=json.dumps(body, ensure_ascii=False).encode("utf-8"))
            target = naming.unique(out_dir / f"{county['code']}{naming.clean(county['name'])}_转学_至{code}"
                                   f"{naming.clean(peer['name'])}_{naming.stamp(datetime.now())}.xjpkg")
            tx.execute("UPDATE county_peers SET out_sequence = ?, sent_encrypted = ? WHERE code = ?",
                       (sequence, int(recipient_key is not None) or peer["sent_encrypted"], code))
            if recipient_key is not None:
                tx.executemany("UPDATE county_transfers SET unsent = 0 WHERE key = ?", [(t["key"],) for t in shared])
            tx.audit(f"生成县际{what}包", "county_peers", code, {"sequence": [peer["out_sequence"], sequence],
                                                            "transfers": [None, len(shared)]})
            write_file(target, data)  # a failed write rolls the sequence back
            written.append(target)
    return written


def check_transfer_package(store: Store, path: Path | str) -> tuple[Any, dict[str, Any] | None]:
    """Verify a county-to-county package before decrypting: kind, recipient, registered key, sequence."""
    name = Path(path).name
    if store.mode != "county":
        raise BadInput("这是学校端数据文件；县际转学包只能在县级端导入。")
    env = open_envelope(read_file(path), name)
    if env.kind != "transfer":
        raise BadInput(f"{name}：不是县际转学包（是{env.kind}）。")
    code = str(env.sender.get("code", ""))
    own = _own_code(store)
    if not re.fullmatch(r"\d{6}", code) or code == own:
        raise BadInput(f"{name}：发送方 {code[:10]} 不是另一个县（区）。")
    if env.header.get("recipient", {}).get("code") != own:
        raise BadInput(f"{name}：转学包是发给 {env.header.get('recipient', {}).get('code')} 的，不是本县。")
    peer = _peer(store.conn, code)
    if peer and peer["signing_public"] is not None and bytes(peer["signing_public"]) != env.signing_public:
        raise BadInput(f"{name}：{code}{env.sender.get('name', '')} 的转学包由另一把密钥签名（指纹 {env.fingerprint}，"
                       f"登记的是 {keys.fingerprint(bytes(peer['signing_public']))}），拒绝导入。请与对方核实。")
    if peer and env.sequence <= peer["in_sequence"]:
        raise BadInput(f"{name}：序号 {env.sequence} 不比已导入的（{peer['in_sequence']}）新，是重复或旧的转学包，"
                       "未做任何更改。")
    return env, peer


def transfer_in(store: Store, path: Path | str, *, confirm_fingerprint: str | None = None) -> dict[str, Any]:
    """Import another county's transfer package in one transaction; a refused package changes nothing."""
    store.require("clerk", "leader")
    env, peer = check_transfer_package(store, path)
    name = Path(path).name
    code, peer_name = str(env.sender["code"]), str(env.sender.get("name", ""))[:40]
    registering = peer is None or peer["signing_public"] is None
    if registering:
        if not confirm_fingerprint:
            raise BadInput(f"{name}：第一次收到 {code}{peer_name} 的转学包，"
                           f"请先电话核对对方的密钥指纹 {env.fingerprint}，"
                           "再用 --confirm-fingerprint 确认后导入。")
        if keys.normalise_fingerprint(confirm_fingerprint) != keys.normalise_fingerprint(env.fingerprint):
            raise BadInput(f"{name}：确认的指纹与转学包的签名密钥指纹 {env.fingerprint} 不一致，拒绝导入。")
    enc_public = keys.unb64(env.sender.get("encryption_public", ""), "对方加密公钥", 32)
    encrypted = env.header.get("encryption", {}).get("alg") != "none"
    try:
        body = json.loads(env.decrypt(keystore.require_private(store.conn, keystore.OWN_ENCRYPTION)))
        if not isinstance(body, dict) or (not encrypted and set(body) != {"introduction"}):
            raise ValueError
        as_receiving, as_sending = body.get("as_receiving", []), body.get("as_sending", [])
        if not all(isinstance(x, list) and len(x) <= MAX_ITEMS and all(isinstance(i, dict) and valid_key(i.get("key"))
                                                                      for i in x) for x in (as_receiving, as_sending)):
            raise ValueError
    except ValueError:
        raise BadInput(f"{name}：转学包内容的结构不对，不是本程序写出的，未导入。") from None
    result = {"county": code, "name": peer_name, "sequence": env.sequence, "registered": registering,
              "requests": 0, "updates": 0, "refused": []}
    with store.transaction() as tx:
        if peer is None:
            tx.execute("INSERT INTO county_peers (code) VALUES (?)", (code,))
        tx.execute("UPDATE county_peers SET name = ?, in_sequence = ?, encryption_public = ?,"
                   " signing_public = COALESCE(signing_public, ?), key_registered_at = COALESCE(key_registered_at, ?)"
                   " WHERE code = ?", (peer_name, env.sequence, enc_public, env.signing_public,
                                       tx.ts if registering else None, code))
        if registering:
            tx.audit("登记县级密钥", "county_peers", code, {"fingerprint": [None, env.fingerprint]})
        for item in as_receiving:
            refused = _from_receiving_county(store, tx, code, item)
            result["requests"] += 1
            if refused:
                result["refused"].append(refused)
        for item in as_sending:
            result["updates"] += _from_sending_county(tx, code, item)
        tx.audit("导入县际转学包", "county_peers", code, {"sequence": [None, env.sequence], "file": [None, name]})
    return result


def _clean_parties(parties: Any, allowed: tuple[str, ...]) -> dict[str, dict[str, str]]:
    if not isinstance(parties, dict):
        return {}
    return {p: _party(str(v.get("state", ""))[:16], str(v.get("reason", ""))[:200], str(v.get("at", ""))[:25])
            for p, v in parties.items() if p in allowed and isinstance(v, dict)}


def _from_receiving_county(store: Store, tx: Tx, peer: str, item: dict[str, Any]) -> str:
    """We are the sending county: a request (or its update) from the receiving county."""
    own = _own_code(store)
    t = _row(tx.conn, item["key"])
    if t is not None:
        if t["to_county"] != peer or t["from_county"] != own:
            raise BadInput(f"转学包中的转学申请 {item['key']} 不属于 {peer} 与本县之间，拒绝导入。")
        old = t["state"]
        t["parties"].update(_clean_parties(item.get("parties"), ("rs", "rc")))
        if t["state"] == OPEN and item.get("state") in (WITHDRAWN, REFUSED, COMPLETED):
            t["state"] = str(item["state"])
        if t["parties"] != _row(tx.conn, item["key"])["parties"] or t["state"] != old:
            _save(tx, t, "转入地县级更新转学", old)
        return ""
    if item.get("state") != OPEN:
        return ""
    t = {"key": item["key"], "id_number": str(item.get("id_number", "")).upper()[:30],
         "name": str(item.get("name", ""))[:40], "to_school": str(item.get("to_school", ""))[:10],
         "to_school_name": str(item.get("to_school_name", ""))[:60], "to_county": peer,
         "from_school": str(item.get("from_school", ""))[:10], "from_county": own,
         "request": item.get("request") if isinstance(item.get("request"), dict) else {},
         "parties": _clean_parties(item.get("parties"), ("rs", "rc")), "state": OPEN, "history": []}
    if not tx.execute("SELECT 1 FROM county_schools WHERE code = ?", (t["from_school"],)).fetchone():
        problem = f"转出学校 {t['from_school']} 不在本县学校名单中"
    else:
        problem = _check_sending_side(tx.conn, t)
    if problem:
        _refuse(t, "sc", problem, tx.ts)
    _save(tx, t, "收到外县转学申请", None)
    return f"{t['key']}（{t['name']}）：{problem}" if problem else ""


def _from_sending_county(tx: Tx, peer: str, item: dict[str, Any]) -> int:
    """We are the receiving county: the sending side's decisions and, once 转出, the record."""
    t = _row(tx.conn, item["key"])
    if t is None or t["from_county"] != peer or t["to_county"] != _own_code_tx(tx):
        raise BadInput(f"转学包中的转学 {item['key']} 不是本县向 {peer} 提出的，拒绝导入。")
    old, before = t["state"], json.dumps(t["parties"], sort_keys=True)
    t["parties"].update(_clean_parties(item.get("parties"), ("ss", "sc")))
    t["from_school_name"] = str(item.get("from_school_name", ""))[:60] or t["from_school_name"]
    if t["state"] == OPEN and item.get("state") == REFUSED:
        t["state"] = REFUSED
    got_record = False
    if t["state"] == OPEN and item.get("record") and not t["record"]:
        from .payload import parse_student_line

        parse_student_line(str(item["record"]).encode("utf-8"), f"转学包 {item['key']} 的学籍")
        t["record"] = str(item["record"])
        t["history"] = item.get("history") if isinstance(item.get("history"), list) else []
        try:
            t["photo"] = base64.b64decode(str(item.get("photo", "")), validate=True) or None
        except ValueError:
            raise BadInput(f"转学包 {item['key']} 的照片不是有效数据，拒绝导入。") from None
        got_record = True
    if t["state"] == old and json.dumps(t["parties"], sort_keys=True) == before and not got_record:
        return 0
    _save(tx, t, "转出地县级更新转学", old)
    return 1
