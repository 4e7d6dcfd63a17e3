"""School side: initialise from the county's package, export the submission, import feedback."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import BadInput
from ..outfiles import write_file
from ..printing.key_slip import SlipInfo
from ..progress import Progress, tick
from ..records import admissions, age_exceptions, transfers
from ..records.changes import apply_county_settings
from ..records.student_number import apply_formal_numbers
from ..school import get_school_profile_conn, save_school_profile
from ..storage import Store
from ..storage.store import now_iso
from . import keys, keystore, naming, payload
from .container import open_envelope, read_file, seal


@dataclass
class InitInfo:
    school: dict[str, Any]
    county: dict[str, Any]
    county_signing: bytes
    county_encryption: bytes
    county_settings: dict[str, Any] = field(default_factory=dict)  # class caps, change switches, 受控字段
    admission_plans: list[dict[str, Any]] = field(default_factory=list)  # 招生计划 (records/admissions.py)


def read_init_package(path: Path | str) -> InitInfo:
    env = open_envelope(read_file(path), Path(path).name)
    if env.kind != "init":
        raise BadInput(f"{Path(path).name} 不是学校初始化包（是{env.kind}），请使用县级下发的初始化包。")
    try:
        body = json.loads(bytes(env.payload)) if env.header["encryption"]["alg"] == "none" else None
    except ValueError:
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("school"), dict):
        raise BadInput(f"{Path(path).name}：初始化包内容无效。")
    county_signing = env.signing_public
    county_encryption = keys.unb64(body.get("county_encryption_public", ""), "县级加密公钥", 32)
    settings = body.get("county_settings", {})
    if not isinstance(settings, dict):
        raise BadInput(f"{Path(path).name}：初始化包中的县级设置格式不对，文件不是本程序写出的。")
    plans = body.get("admission_plans", [])
    if not isinstance(plans, list):
        raise BadInput(f"{Path(path).name}：初始化包中的招生计划格式不对，文件不是本程序写出的。")
    return InitInfo(body["school"], body["county"], county_signing, county_encryption, settings, plans)


def apply_init(store: Store, info: InitInfo) -> str:
    """Store the county's keys and identity, the school profile, and create the school's own keys.
    Returns the school's signing-key fingerprint (to be read out to the county)."""
    store.require("sysadmin", "clerk")
    existing = get_school_profile_conn(store.conn)
    if existing and existing["code"] != info.school["code"]:
        raise BadInput(f"初始化包属于学校 {info.school['code']}{info.school['name']}，"
                       f"而本数据文件是 {existing['code']}{existing['name']}，请使用本校的初始化包。")
    old_county = keystore.get_public(store.conn, keystore.COUNTY_SIGNING)
    if old_county and old_county != info.county_signing:
        raise BadInput("本数据文件已绑定另一个县级单位的密钥，不能用这个初始化包覆盖（如确需更换，请联系县级）。")
    with store.transaction() as tx:
        if not existing:
            save_school_profile(tx, info.school)
        keystore.put(tx, keystore.COUNTY_SIGNING, "ed25519", info.county_signing)
        keystore.put(tx, keystore.COUNTY_ENCRYPTION, "x25519", info.county_encryption)
        for k in ("code", "name", "city_code", "city_name"):
            store.set_meta(tx, f"county_{k}", str(info.county.get(k, "")))
        apply_county_settings(store, tx, info.county_settings)
        admissions.store_plans(tx, info.school["code"], info.admission_plans)
        keystore.ensure_own_keys(tx)
    return keystore.own_fingerprint(store.conn) or ""


def county_fingerprint(conn) -> str:
    """The fingerprint of the county signing key this school accepted from its init package ('' before)."""
    public = keystore.get_public(conn, keystore.COUNTY_SIGNING)
    return keys.fingerprint(public) if public else ""


def key_slip_info(store: Store) -> SlipInfo:
    """What the fingerprint slip (回执) shows: the school, its signing-key fingerprint, the county key it accepted."""
    fp = keystore.own_fingerprint(store.conn)
    school = get_school_profile_conn(store.conn)
    if not fp or not school:
        raise BadInput("本数据文件还没有签名密钥：请先载入县级下发的初始化包（xueji school load-init PKG）。")
    return SlipInfo(school["code"], school["name"], fp, store.meta("county_name", "") or "",
                    county_fingerprint(store.conn), now_iso()[:16].replace("T", " "))


def init_from_package(package: Path | str, db: Path | str, *, username: str, password: str,
                      display_name: str = "") -> tuple[Store, str, str]:
    """Create a new school store from an init package. Returns (store, recovery key, fingerprint)."""
    info = read_init_package(package)
    store, recovery = Store.create(db, username=username, password=password, display_name=display_name,
                                   school=info.school)
    try:
        fp = apply_init(store, info)
    except BaseException:
        store.close()
        raise
    return store, recovery, fp


# ---- export -------------------------------------------------------------------------------------

def blocking_errors(store: Store, limit: int | None = None) -> list[dict[str, Any]]:
    """Students with errors (待修正) that block the export: id, name, class and the error messages."""
    sql = ("SELECT s.id, s.name, COALESCE(c.name, '未分班'), s.issues FROM students s LEFT JOIN classes c"
           " ON c.id = s.class_id WHERE s.status = 'pending' ORDER BY c.stage, c.entry_year DESC, c.number, s.id")
    if limit:
        sql += f" LIMIT {int(limit)}"
    out = []
    for sid, name, cls, issues in store.query(sql):
        errors = [i["message"] for i in json.loads(issues) if i.get("severity") == "error"]
        out.append({"student_id": sid, "name": name, "class": cls, "errors": errors})
    return out


def _student_rows(conn, include_photos: bool = True, progress: Progress | None = None) -> list[payload.StudentRow]:
    members: dict[int, list[dict]] = {}
    for sid, data in conn.execute("SELECT student_id, data FROM family_members ORDER BY student_id, seq"):
        members.setdefault(sid, []).append(json.loads(data))
    photos = dict(conn.execute("SELECT student_id, jpeg FROM photos")) if include_photos else {}
    exceptions = age_exceptions.for_package(conn)
    rows = []
    cur = conn.execute("SELECT s.id, s.uid, COALESCE(c.class_code, ''), s.status, s.issues, s.data,"
                       " s.student_number, s.enrolment FROM students s LEFT JOIN classes c ON c.id = s.class_id"
                       " ORDER BY s.id")
    all_rows = cur.fetchall()
    for n, (sid, uid, code, status, issues, data, number, enrolment) in enumerate(all_rows):
        record = json.loads(data)
        record["members"] = members.get(sid, [])
        photo = photos.get(sid)
        rows.append(payload.StudentRow(uid, code, status, json.loads(issues), record, status == "pending",
                                       bytes(photo) if photo is not None else None, student_number=number,
                                       enrolment=enrolment, age_exception=exceptions.get(sid)))
        if n % 500 == 0:
            tick(progress, n, len(all_rows), "打包学生数据")
    return rows


def _classes(conn) -> list[dict[str, Any]]:
    cur = conn.execute("SELECT class_code, name, stage, entry_year, number, head_teacher, data FROM classes")
    return [{"class_code": r[0], "name": r[1], "stage": r[2], "entry_year": r[3], "number": r[4],
             "head_teacher": r[5], **json.loads(r[6])} for r in cur.fetchall()]


def check_can_export(store: Store, *, include_pending: bool = False) -> None:
    """What must hold before a submission is written (keys, school profile, no 待修正 unless included);
    raises BadInput naming the fix. The GUI asks this before it asks for a folder."""
    store.require("clerk")
    conn = store.conn
    keystore.require_private(conn, keystore.OWN_SIGNING)
    county_enc = keystore.get_public(conn, keystore.COUNTY_ENCRYPTION)
    if county_enc is None:
        raise BadInput("还没有县级公钥：请先载入县级下发的初始化包（“导入导出”页“上报数据包”中的"
                       "“载入初始化包…”；命令行 xueji school load-init PKG）。")
    school = get_school_profile_conn(conn)
    if not school:
        raise BadInput("请先填写学校信息。")
    pending = conn.execute("SELECT count(*) FROM students WHERE status = 'pending'").fetchone()[0]
    if pending and not include_pending:
        listed = blocking_errors(store, limit=10)
        lines = "；".join(f"{e['class']} {e['name']}：{'、'.join(e['errors'][:2])}" for e in listed)
        raise BadInput(f"还有 {pending} 名学生有错误（待修正），不能导出。请先在“学生信息”页修正（状态选"
                       f"“待修正”可列出他们），或勾选“包含待修正记录”（命令行加 --include-pending；"
                       f"这些记录在包中标为待修正）。例如：{lines}")


def export_package(store: Store, out_dir: Path | str, *, include_pending: bool = False,
                   progress: Progress | None = None) -> Path:
    """Write the school's signed, encrypted submission into ``out_dir``; returns the file written."""
    check_can_export(store, include_pending=include_pending)
    conn = store.conn
    signing = keystore.require_private(conn, keystore.OWN_SIGNING)
    county_enc = keystore.get_public(conn, keystore.COUNTY_ENCRYPTION)
    school = get_school_profile_conn(conn)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    sequence = int(store.meta("package_sequence", "0") or 0) + 1
    created = now_iso()
    rows = _student_rows(conn, progress=progress)
    change_records = _change_records(conn)
    tick(progress, len(rows), len(rows), "压缩并加密")
    body = payload.build(school=school, county_code=store.meta("county_code", "") or "",
                         plan_requests=admissions.requests_for_package(conn),
                         classes=_classes(conn), students=rows, sequence=sequence, created_at=created,
                         include_pending=include_pending, change_records=change_records,
                         transfers=transfers.requests_for_package(conn))
    sender = {"code": school["code"], "name": school["name"], "region_code": school["region_code"],
              "encryption_public": keys.b64(keystore.get_public(conn, keystore.OWN_ENCRYPTION) or b"")}
    data = seal(kind="submission", sender=sender, signing_private=signing,
                recipient={"code": store.meta("county_code", ""), "name": store.meta("county_name", "")},
                recipient_x25519=county_enc, sequence=sequence, created_at=created, body=body)
    tick(progress, len(rows), len(rows), "写出文件")
    target = out_dir / naming.school_package_name(school["code"], school["name"], datetime.now())
    target = naming.unique(target)
    with store.transaction() as tx:
        store.set_meta(tx, "package_sequence", str(sequence))
        tx.audit("导出上报数据包", "packages", sequence,
                 {"file": [None, target.name], "students": [None, len(rows)],
                  "pending": [None, sum(r.pending for r in rows)]})
        write_file(target, data)  # ciphertext only; a failed write rolls the sequence back
    return target


def _change_records(conn) -> list[dict[str, Any]]:
    """Every change record (the county's yearly report needs them all); those waiting for the county carry
    their evidence, which the county needs to decide."""
    import base64

    from ..records.changes import COUNTY_PENDING

    out = []
    for r in conn.execute(
            "SELECT cr.id, s.uid, kind, cr.status, effective_date, reason, applied_at, decided_at, cr.data"
            " FROM change_records cr JOIN students s ON s.id = cr.student_id ORDER BY cr.id"):
        record = dict(zip(("change_id", "student_uid", "kind", "status", "effective_date", "reason", "applied_at",
                           "decided_at", "data"), r, strict=True))
        if record["status"] == COUNTY_PENDING:
            record["evidence"] = [
                {"filename": f, "sha256": h, "content": base64.b64encode(c).decode("ascii")}
                for f, h, c in conn.execute("SELECT filename, sha256, content FROM evidence_files"
                                            " WHERE change_id = ? ORDER BY id", (record["change_id"],))]
        out.append(record)
    return out


# ---- feedback --------------------------------------------------------------------------------

def import_feedback(store: Store, path: Path | str) -> dict[str, Any]:
    """Verify (county key from the init package) and decrypt a feedback package; store its findings."""
    store.require("clerk")
    name = Path(path).name
    env = open_envelope(read_file(path), name)
    if env.kind != "feedback":
        raise BadInput(f"{name} 不是县级反馈包。")
    county_key = keystore.get_public(store.conn, keystore.COUNTY_SIGNING)
    if county_key is None or env.signing_public != county_key:
        raise BadInput(f"{name}：签发者不是本校登记的县级单位（密钥指纹 {env.fingerprint}），拒绝导入。")
    school = get_school_profile_conn(store.conn) or {}
    if env.header.get("recipient", {}).get("code") != school.get("code"):
        raise BadInput(f"{name}：这是发给学校 {env.header.get('recipient', {}).get('code')} 的反馈包，不是本校的。")
    last = int(store.meta("feedback_sequence", "0") or 0)
    if env.sequence <= last:
        raise BadInput(f"{name}：反馈包序号 {env.sequence} 不比已导入的（{last}）新，拒绝重复或回退导入。")
    body = json.loads(env.decrypt(keystore.require_private(store.conn, keystore.OWN_ENCRYPTION)))
    findings = body.get("findings", [])
    review = body.get("review", {})
    with store.transaction() as tx:
        tx.execute("DELETE FROM feedback_findings")
        tx.executemany("INSERT INTO feedback_findings (sequence, student_uid, kind, message, received_at)"
                       " VALUES (?,?,?,?,?)",
                       [(env.sequence, str(f.get("uid", "")), str(f.get("kind", "")), str(f.get("message", "")),
                         tx.ts) for f in findings])
        store.set_meta(tx, "feedback_sequence", str(env.sequence))
        store.set_meta(tx, "review_state", str(review.get("state", "")))
        store.set_meta(tx, "review_reason", str(review.get("reason", "")))
        applied = _apply_change_decisions(store, tx, body.get("change_decisions", []))
        moved = transfers.apply_feedback(store, tx, body)
        apply_county_settings(store, tx, body.get("county_settings", {}))
        received = _admission_parts(body, name)
        plans_changed = admissions.store_plans(tx, school["code"], received["admission_plans"])
        plan_decisions = admissions.apply_plan_decisions(tx, received["plan_decisions"])
        offered = admissions.store_admissions(tx, received["admissions"])
        numbers = body.get("student_numbers", {})
        if not isinstance(numbers, dict):
            raise BadInput(f"{name}：反馈包中的学籍号格式不对，文件不是本程序写出的。")
        formal = apply_formal_numbers(tx, numbers)
        if review.get("state") == "passed" and body.get("accepted_uids"):
            from ..records.changes import mark_county_accepted

            wanted = {str(u) for u in body["accepted_uids"]}
            ids = [sid for sid, uid in tx.execute("SELECT id, uid FROM students").fetchall() if uid in wanted]
            if ids:
                mark_county_accepted(tx, ids)
        tx.audit("导入县级反馈", "feedback_findings", env.sequence,
                 {"findings": [None, len(findings)], "review": [None, review.get("state", "")],
                  "change_decisions": [None, applied], "student_numbers": [None, formal],
                  "admission_plans": [None, plans_changed], "admissions": [None, offered],
                  **{k: [None, v] for k, v in moved.items() if v}})
    return {"sequence": env.sequence, "findings": len(findings), "review": review, "change_decisions": applied,
            "student_numbers": formal, "admission_plans": plans_changed, "plan_decisions": plan_decisions,
            "admissions": offered, **moved}


def _admission_parts(body: dict[str, Any], name: str) -> dict[str, list[dict[str, Any]]]:
    """The admissions parts of a feedback body (absent in packages from before admissions)."""
    out = {}
    for key in ("admission_plans", "plan_decisions", "admissions"):
        value = body.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise BadInput(f"{name}：反馈包中的招生数据（{key}）格式不对，文件不是本程序写出的。")
        out[key] = value
    return out


def _apply_change_decisions(store: Store, tx, decisions: list[dict[str, Any]]) -> int:
    """County decisions on changes that wait for them; decisions already applied are skipped (a feedback
    package repeats every decision the county has made)."""
    from ..records.changes import COUNTY_PENDING, county_decide

    applied = 0
    for d in decisions:
        try:
            change_id = int(d["change_id"])
        except (KeyError, TypeError, ValueError):
            raise BadInput("反馈包中的异动审核结果缺少异动编号，文件不是本程序写出的。") from None
        row = tx.execute("SELECT status FROM change_records WHERE id = ?", (change_id,)).fetchone()
        if row is None or row[0] != COUNTY_PENDING:
            continue
        county_decide(store, change_id, d.get("decision") == "approved", str(d.get("reason", "")), tx=tx)
        applied += 1
    return applied


def feedback_for_students(store: Store) -> dict[int, list[dict[str, str]]]:
    """County findings per local student id (for showing them on the records)."""
    out: dict[int, list[dict[str, str]]] = {}
    for sid, kind, message in store.query(
            "SELECT s.id, f.kind, f.message FROM feedback_findings f JOIN students s ON s.uid = f.student_uid"):
        out.setdefault(sid, []).append({"kind": kind, "message": message})
    return out
