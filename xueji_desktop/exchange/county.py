"""County side: the county store and keys, the school registry, init packages, importing and merging
school submissions, review, feedback packages and the aggregate for the level above."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from stdnum.cn import ric
from stdnum.exceptions import ValidationError

from ..errors import BadInput
from ..outfiles import write_file
from ..progress import Progress, tick
from ..records.changes import county_settings
from ..storage import Store
from ..storage.store import now_iso
from . import keys, keystore, naming, payload
from .container import Envelope, open_envelope, read_file, seal
from .county_numbers import assign_formal_numbers, formal_numbers

REVIEW_NAMES = {"passed": "通过", "returned": "退回", "": "未审核"}


# ---- county store --------------------------------------------------------------------------------

def check_county_profile(county: dict[str, str]) -> None:
    if not re.fullmatch(r"\d{6}", county.get("code", "")):
        raise BadInput("县级区划代码应为 6 位数字（如 140106）。")
    if not county.get("name", "").strip():
        raise BadInput("请填写县（区）名称。")
    if not re.fullmatch(r"\d{4}", county.get("city_code", "")) or county["code"][:4] != county["city_code"]:
        raise BadInput("地市代码应为 4 位数字，且是县级区划代码的前 4 位（如 1401）。")
    if not county.get("city_name", "").strip():
        raise BadInput("请填写地市名称。")


def create_county_store(path: Path | str, *, username: str, password: str, county: dict[str, str],
                        display_name: str = "") -> tuple[Store, str, str]:
    """A new county-mode store with the county's key pairs. Returns (store, recovery key, fingerprint)."""
    check_county_profile(county)
    store, recovery = Store.create(path, username=username, password=password, display_name=display_name,
                                   mode="county")
    with store.transaction() as tx:
        for k in ("code", "name", "city_code", "city_name"):
            store.set_meta(tx, f"county_{k}", county[k].strip())
        keystore.ensure_own_keys(tx)
    return store, recovery, keystore.own_fingerprint(store.conn) or ""


def county_profile(store: Store) -> dict[str, str]:
    return {k: store.meta(f"county_{k}", "") or "" for k in ("code", "name", "city_code", "city_name")}


def _require_county(store: Store) -> None:
    if store.mode != "county":
        raise BadInput("这是学校端数据文件；该操作只能在县级端进行（xueji county init 创建县级数据文件）。")


# ---- school registry ----------------------------------------------------------------------------

def add_school(store: Store, code: str, name: str, region_code: str) -> None:
    _require_county(store)
    store.require("clerk", "sysadmin")
    county = county_profile(store)
    if not re.fullmatch(r"\d{10}", code):
        raise BadInput(f"学校标识码“{code}”应为 10 位数字。")
    if not name.strip():
        raise BadInput("请填写学校名称。")
    if not re.fullmatch(r"\d{12}", region_code) or not region_code.startswith(county["code"]):
        raise BadInput(f"学校区划代码“{region_code}”应为 12 位数字，且以本县代码 {county['code']} 开头。")
    if store.query("SELECT 1 FROM county_schools WHERE code = ?", (code,)):
        raise BadInput(f"学校 {code} 已在本县学校名单中。")
    with store.transaction() as tx:
        tx.execute("INSERT INTO county_schools (code, name, region_code) VALUES (?, ?, ?)",
                   (code, name.strip(), region_code))
        tx.audit("添加学校", "county_schools", code, {"name": [None, name.strip()], "region_code": [None, region_code]})


def list_schools(store: Store) -> list[dict[str, Any]]:
    rows = store.query_dicts(
        "SELECT s.code, s.name, s.region_code, s.signing_public, s.last_sequence, s.last_created_at, s.imported_at,"
        " s.review_state, s.review_reason, (SELECT count(*) FROM county_students c WHERE c.school_code = s.code)"
        " AS students FROM county_schools s ORDER BY s.code")
    for r in rows:
        pub = r.pop("signing_public")
        r["fingerprint"] = keys.fingerprint(bytes(pub)) if pub else ""
        r["review_name"] = REVIEW_NAMES.get(r["review_state"], r["review_state"])
    return rows


def _school(store: Store, code: str) -> dict[str, Any]:
    rows = store.query_dicts("SELECT * FROM county_schools WHERE code = ?", (code,))
    if not rows:
        raise BadInput(f"学校 {code} 不在本县学校名单中（先用 xueji county add-school 添加）。")
    return rows[0]


def make_init_packages(store: Store, codes: list[str], out_dir: Path | str) -> list[Path]:
    """One initialisation package per school: its identity, the county and the county's public keys."""
    _require_county(store)
    store.require("clerk", "sysadmin")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    county = county_profile(store)
    signing = keystore.require_private(store.conn, keystore.OWN_SIGNING)
    enc_public = keystore.get_public(store.conn, keystore.OWN_ENCRYPTION) or b""
    codes = codes or [r[0] for r in store.query("SELECT code FROM county_schools ORDER BY code")]
    written = []
    for code in codes:
        s = _school(store, code)
        body = {"school": {"code": s["code"], "name": s["name"], "region_code": s["region_code"],
                           **json.loads(s["profile"] or "{}")},
                "county": county, "county_encryption_public": keys.b64(enc_public),
                "county_settings": county_settings(store)}
        data = seal(kind="init", sender={"code": county["code"], "name": county["name"]}, signing_private=signing,
                    recipient={"code": code, "name": s["name"]}, recipient_x25519=None, sequence=1,
                    created_at=now_iso(), body=json.dumps(body, ensure_ascii=False).encode("utf-8"))
        target = out_dir / naming.init_package_name(code, s["name"])
        write_file(target, data)
        written.append(target)
    with store.transaction() as tx:
        tx.audit("生成初始化包", "county_schools", ",".join(codes), {"files": [None, len(written)]})
    return written


# ---- import ----------------------------------------------------------------------------------------

@dataclass
class PackageCheck:
    """What a county learns from a package before decrypting it."""

    file: str
    school_code: str
    school_name: str
    sequence: int
    created_at: str
    fingerprint: str
    needs_confirmation: bool   # first package of this school: its key is not registered yet


@dataclass
class ImportResult:
    file: str
    school_code: str
    school_name: str
    sequence: int
    students: int
    replaced: int
    pending: int
    warnings: list[str] = field(default_factory=list)


def check_package(store: Store, path: Path | str, data: bytes | None = None) -> tuple[PackageCheck, Envelope]:
    """Verify structure, signature and hashes, the sender's registration and key, and the sequence number."""
    _require_county(store)
    name = Path(path).name
    env = open_envelope(data if data is not None else read_file(path), name)
    if env.kind != "submission":
        raise BadInput(f"{name}：不是学校上报数据包（是{env.kind}）。")
    sender = env.sender
    code = str(sender.get("code", ""))
    rows = store.query("SELECT name, signing_public, last_sequence FROM county_schools WHERE code = ?", (code,))
    if not rows:
        raise BadInput(f"{name}：学校 {code}{sender.get('name', '')} 不在本县学校名单中，拒绝导入。")
    school_name, registered, last_seq = rows[0]
    if registered is not None and bytes(registered) != env.signing_public:
        raise BadInput(f"{name}：学校 {code}{school_name} 的数据包由另一把密钥签名（指纹 {env.fingerprint}，"
                       f"登记的是 {keys.fingerprint(bytes(registered))}），拒绝导入。请与学校核实。")
    if env.sequence <= last_seq:
        raise BadInput(f"{name}：序号 {env.sequence} 不比已导入的（{last_seq}）新，拒绝重复或旧数据包"
                       f"（防止回退）。")
    county = county_profile(store)
    if env.header.get("recipient", {}).get("code") != county["code"]:
        raise BadInput(f"{name}：数据包是发给 {env.header.get('recipient', {}).get('code')} 的，不是本县。")
    check = PackageCheck(name, code, school_name, env.sequence, str(env.header.get("created_at", "")),
                         env.fingerprint, registered is None)
    return check, env


def import_package(store: Store, path: Path | str, *, confirm_fingerprint: str | None = None,
                   progress: Progress | None = None) -> ImportResult:
    """Check, decrypt and merge one package in one transaction; a refused package changes nothing."""
    store.require("clerk")
    check, env = check_package(store, path)
    if check.needs_confirmation:
        if not confirm_fingerprint:
            raise BadInput(f"{check.file}：学校 {check.school_code}{check.school_name} 第一次上报，请先电话核对其密钥"
                           f"指纹 {check.fingerprint}，再用 --confirm-fingerprint 确认后导入。")
        if keys.normalise_fingerprint(confirm_fingerprint) != keys.normalise_fingerprint(check.fingerprint):
            raise BadInput(f"{check.file}：确认的指纹与数据包的签名密钥指纹 {check.fingerprint} 不一致，拒绝导入。")
    tick(progress, 0, 3, f"解密 {check.file}")
    body = env.decrypt(keystore.require_private(store.conn, keystore.OWN_ENCRYPTION))
    tick(progress, 1, 3, f"校验 {check.file}")
    sub = payload.parse(body, f"{check.file}：")
    school = sub.manifest.get("school", {})
    if school.get("code") != check.school_code or sub.manifest.get("sequence") != check.sequence:
        raise BadInput(f"{check.file}：数据清单与包头不一致（学校或序号），拒绝导入。")
    tick(progress, 2, 3, f"合并 {check.file}")
    return _merge(store, env, check, sub)


def _id_problem(row: payload.StudentRow) -> str:
    """Why the student's ID number is a problem record (kind 1), or ''.

    The school's validation engine already reported ``id.*`` issues; the county re-checks the checksum,
    date and area of resident ID numbers itself (python-stdnum) in case the school's check was older.
    """
    for issue in row.issues:
        if str(issue.get("code", "")).startswith("id.") and issue.get("field") == "id_number":
            return str(issue.get("message", "身份证件号有误"))
    number = str(row.record.get("id_number", "")).strip().upper()
    if row.record.get("id_type") == "1" and number and not resident_id_ok(number):
        return "居民身份证号校验不通过（校验位、出生日期或地区码不对）"
    return ""


_RESIDENT_ID = re.compile(r"^\d{17}[\dX]$")


def resident_id_ok(number: str) -> bool:
    """GB 11643 check as python-stdnum's ``cn.ric.validate`` does it (check digit, birth date, area code valid
    in the birth year), but fast enough for 200,000 records: stdnum's area lookup (~130 µs) is cached per
    (area, birth year), of which a county has a few hundred."""
    if not _RESIDENT_ID.match(number) or number[-1] != ric.calc_check_digit(number):
        return False
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return born <= date.today() and _area_ok(number[:6], born.year)


@lru_cache(maxsize=1 << 14)
def _area_ok(area: str, year: int) -> bool:
    try:
        ric.get_birth_place(f"{area}{year:04d}0101000")
    except ValidationError:
        return False
    return True


def _merge(store: Store, env: Envelope, check: PackageCheck, sub: payload.Submission) -> ImportResult:
    code = check.school_code
    sender = env.sender
    enc_public = keys.unb64(sender.get("encryption_public", ""), "学校加密公钥", 32) if sender.get(
        "encryption_public") else None
    rows = []
    photos = []
    for s in sub.students:
        r = s.record
        rows.append((code, s.uid, s.class_code, str(r.get("name", "")), str(r.get("gender", "")),
                     str(r.get("birth_date", "")), str(r.get("id_type", "")),
                     str(r.get("id_number", "")).strip().upper(), s.status, int(s.pending), _id_problem(s),
                     s.raw or payload.student_line(s), s.student_number))
        if s.photo:
            photos.append((s.uid, s.photo))
    # A county file holds hundreds of thousands of students; the default 2 MB page cache makes every index
    # insert re-read (and re-decrypt) pages. 64 MB keeps the indexes in memory; it is per connection.
    store.conn.execute("PRAGMA cache_size = -65536")
    with store.transaction() as tx:
        old = tx.execute("SELECT count(*) FROM county_students WHERE school_code = ?", (code,)).fetchone()[0]
        tx.execute("DELETE FROM county_photos WHERE student_id IN (SELECT id FROM county_students"
                   " WHERE school_code = ?)", (code,))
        tx.execute("DELETE FROM county_students WHERE school_code = ?", (code,))
        tx.execute("DELETE FROM county_classes WHERE school_code = ?", (code,))
        tx.executemany("INSERT INTO county_classes (school_code, class_code, name, data) VALUES (?,?,?,?)",
                       [(code, str(c.get("class_code", "")), str(c.get("name", "")),
                         json.dumps(c, ensure_ascii=False)) for c in sub.classes])
        tx.executemany("INSERT INTO county_students (school_code, uid, class_code, name, gender, birth_date, id_type,"
                       " id_number, status, pending, id_problem, data, student_number)"
                       " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                       rows)
        if photos:
            ids = dict(tx.execute("SELECT uid, id FROM county_students WHERE school_code = ?", (code,)).fetchall())
            tx.executemany("INSERT INTO county_photos (student_id, jpeg) VALUES (?, ?)",
                           [(ids[uid], jpeg) for uid, jpeg in photos])
        _store_changes(tx, code, sub.change_records)
        registering = check.needs_confirmation
        tx.execute(
            "UPDATE county_schools SET last_sequence = ?, last_created_at = ?, imported_at = ?, profile = ?,"
            " counts = ?, review_state = '', review_reason = '', reviewed_by = '', reviewed_at = '',"
            " signing_public = COALESCE(signing_public, ?), encryption_public = COALESCE(?, encryption_public),"
            " key_registered_at = COALESCE(key_registered_at, ?) WHERE code = ?",
            (check.sequence, check.created_at, tx.ts, json.dumps(sub.school, ensure_ascii=False),
             json.dumps(sub.manifest.get("counts", {}), ensure_ascii=False), env.signing_public, enc_public,
             tx.ts if registering else None, code))
        if registering:
            tx.audit("登记学校密钥", "county_schools", code, {"fingerprint": [None, check.fingerprint]})
        tx.audit("导入学校数据", "county_schools", code,
                 {"sequence": [None, check.sequence], "students": [old, len(rows)], "file": [None, check.file]})
    return ImportResult(check.file, code, check.school_name, check.sequence, len(rows), old,
                        sum(s.pending for s in sub.students))


# ---- change records needing the county's approval --------------------------------------------------

def _store_changes(tx, code: str, change_records: list[dict[str, Any]]) -> None:
    """Keep the school's change records; a newer package updates them but never erases a decision made."""
    from ..records.changes import COUNTY_PENDING

    for c in change_records:
        if not isinstance(c, dict) or "change_id" not in c:
            continue  # packages from before change ids were sent
        tx.execute(
            "INSERT INTO county_changes (school_code, change_id, student_uid, kind, school_status, effective_date,"
            " reason, data, evidence) VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT(school_code, change_id) DO UPDATE SET"
            " school_status = excluded.school_status, effective_date = excluded.effective_date,"
            " reason = excluded.reason, data = excluded.data,"
            " evidence = CASE WHEN excluded.evidence != '[]' THEN excluded.evidence ELSE evidence END",
            (code, int(c["change_id"]), str(c.get("student_uid", "")), str(c.get("kind", "")),
             str(c.get("status", "")), str(c.get("effective_date", "")), str(c.get("reason", "")),
             str(c.get("data", "{}")), json.dumps(c.get("evidence", []), ensure_ascii=False)
             if c.get("status") == COUNTY_PENDING else "[]"))


def list_county_changes(store: Store, code: str | None = None, *, undecided_only: bool = False) -> list[dict[str, Any]]:
    """Change records sent up for the county's approval (school status 待县级审核), newest school first."""
    from ..records.changes import COUNTY_PENDING, KINDS

    _require_county(store)
    clauses, params = ["cc.school_status = ? OR cc.decision != ''"], [COUNTY_PENDING]
    if undecided_only:
        clauses = ["cc.school_status = ? AND cc.decision = ''"]
    if code:
        clauses.append("cc.school_code = ?")
        params.append(code)
    rows = store.query_dicts(
        "SELECT cc.school_code, cs.name AS school_name, cc.change_id, cc.student_uid, st.name AS student_name,"
        " st.id_number, cc.kind, cc.effective_date, cc.reason, cc.evidence, cc.decision, cc.decision_reason"
        " FROM county_changes cc JOIN county_schools cs ON cs.code = cc.school_code"
        " LEFT JOIN county_students st ON st.school_code = cc.school_code AND st.uid = cc.student_uid"
        f" WHERE ({clauses[0]})" + "".join(f" AND {c}" for c in clauses[1:]) +
        " ORDER BY cc.school_code, cc.change_id", params)
    for r in rows:
        r["kind_name"] = KINDS[r["kind"]].name if r["kind"] in KINDS else r["kind"]
        r["evidence"] = [{"filename": e["filename"], "sha256": e["sha256"]} for e in json.loads(r["evidence"])]
    return rows


def county_change_evidence(store: Store, code: str, change_id: int) -> list[tuple[str, bytes]]:
    import base64

    row = store.query("SELECT evidence FROM county_changes WHERE school_code = ? AND change_id = ?", (code, change_id))
    if not row:
        raise BadInput(f"学校 {code} 没有编号为 {change_id} 的异动申请。")
    return [(e["filename"], base64.b64decode(e["content"])) for e in json.loads(row[0][0])]


def decide_county_change(store: Store, code: str, change_id: int, approve: bool, reason: str = "") -> None:
    """The county approves or rejects a school's change; the decision travels in the next feedback package."""
    from ..records.changes import COUNTY_PENDING

    _require_county(store)
    store.require("clerk", "leader")
    row = store.query("SELECT school_status, decision FROM county_changes WHERE school_code = ? AND change_id = ?",
                      (code, change_id))
    if not row:
        raise BadInput(f"学校 {code} 没有编号为 {change_id} 的异动申请。")
    if row[0][0] != COUNTY_PENDING:
        raise BadInput(f"学校 {code} 的异动 #{change_id} 不在待县级审核状态。")
    if row[0][1]:
        raise BadInput(f"学校 {code} 的异动 #{change_id} 已审核（{row[0][1]}）。")
    if not approve and not reason.strip():
        raise BadInput("驳回时请填写原因（--reason），学校会在反馈中看到。")
    decision = "approved" if approve else "rejected"
    with store.transaction() as tx:
        tx.execute("UPDATE county_changes SET decision = ?, decision_reason = ?, decided_by = ?, decided_at = ?"
                   " WHERE school_code = ? AND change_id = ?",
                   (decision, reason.strip(), store.user.username, tx.ts, code, change_id))
        tx.audit("审核学校异动", "county_changes", f"{code}#{change_id}",
                 {"decision": ["", decision], "reason": [None, reason.strip()]})


# ---- review and feedback -------------------------------------------------------------------------

def review(store: Store, code: str, passed: bool, reason: str = "") -> None:
    _require_county(store)
    store.require("clerk", "leader")
    s = _school(store, code)
    if not s["imported_at"]:
        raise BadInput(f"学校 {code}{s['name']} 还没有上报数据，不能审核。")
    if not passed and not reason.strip():
        raise BadInput("退回时请填写原因（--reason），学校会在反馈中看到。")
    state = "passed" if passed else "returned"
    with store.transaction() as tx:
        tx.execute("UPDATE county_schools SET review_state = ?, review_reason = ?, reviewed_by = ?, reviewed_at = ?"
                   " WHERE code = ?", (state, reason.strip(), store.user.username, tx.ts, code))
        if passed:
            assign_formal_numbers(tx, code)
        tx.audit("审核学校数据", "county_schools", code,
                 {"review_state": [s["review_state"], state], "review_reason": [s["review_reason"], reason.strip()],
                  "sequence": [None, s["last_sequence"]]})


def make_feedback(store: Store, code: str, out_dir: Path | str) -> Path:
    """A signed package to the school (encrypted to its key) with per-student findings and the review."""
    from .problems import county_problems, findings_for_school

    _require_county(store)
    store.require("clerk", "leader")
    s = _school(store, code)
    if not s["encryption_public"]:
        raise BadInput(f"学校 {code}{s['name']} 还没有上报过数据，没有可用于加密反馈的学校公钥。")
    county = county_profile(store)
    findings = findings_for_school(county_problems(store), code)
    sequence = s["feedback_sequence"] + 1
    body = {"school_code": code, "data_sequence": s["last_sequence"], "findings": findings,
            "review": {"state": s["review_state"], "name": REVIEW_NAMES.get(s["review_state"], ""),
                       "reason": s["review_reason"], "by": s["reviewed_by"], "at": s["reviewed_at"]}}
    body["county_settings"] = county_settings(store)
    body["change_decisions"] = [
        {"change_id": cid, "decision": d, "reason": r, "by": by, "at": at}
        for cid, d, r, by, at in store.query(
            "SELECT change_id, decision, decision_reason, decided_by, decided_at FROM county_changes"
            " WHERE school_code = ? AND decision != '' ORDER BY change_id", (code,))]
    body["student_numbers"] = formal_numbers(store.conn, code)
    if s["review_state"] == "passed":  # the school locks the key fields of the accepted records
        body["accepted_uids"] = [r[0] for r in store.query("SELECT uid FROM county_students WHERE school_code = ?",
                                                           (code,))]
    data = seal(kind="feedback", sender={"code": county["code"], "name": county["name"]},
                signing_private=keystore.require_private(store.conn, keystore.OWN_SIGNING),
                recipient={"code": code, "name": s["name"]}, recipient_x25519=bytes(s["encryption_public"]),
                sequence=sequence, created_at=now_iso(), body=json.dumps(body, ensure_ascii=False).encode())
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = naming.unique(out_dir / naming.feedback_package_name(code, s["name"], datetime.now()))
    with store.transaction() as tx:
        tx.execute("UPDATE county_schools SET feedback_sequence = ? WHERE code = ?", (sequence, code))
        tx.audit("生成反馈包", "county_schools", code,
                 {"feedback_sequence": [s["feedback_sequence"], sequence], "findings": [None, len(findings)]})
        write_file(target, data)  # a failed write rolls the sequence back
    return target


# ---- upward ----------------------------------------------------------------------------------------

def export_up(store: Store, out_dir: Path | str, *, folders: bool = False, recipient_public: bytes | None = None,
              progress: Progress | None = None) -> list[Path]:
    """The county aggregate: every imported school's data, signed by the county and encrypted to the level
    above (``recipient_public``, an X25519 key; default: the county's own key, for its archive).

    With ``folders`` the seed's layout is written too: ``1401太原市/140106迎泽区/<code><name>/`` with one
    package per school inside, next to the county aggregate in the county folder.
    """
    _require_county(store)
    store.require("clerk", "leader")
    county = county_profile(store)
    signing = keystore.require_private(store.conn, keystore.OWN_SIGNING)
    recipient = recipient_public or keystore.get_public(store.conn, keystore.OWN_ENCRYPTION)
    schools = [r for r in list_schools(store) if r["imported_at"]]
    if not schools:
        raise BadInput("还没有导入任何学校的数据，无法上报。")
    out_dir = Path(out_dir)
    when = datetime.now()
    base = out_dir / naming.unit_folder(county["city_code"], county["city_name"]) / naming.unit_folder(
        county["code"], county["name"]) if folders else out_dir
    base.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    bodies = []
    for i, s in enumerate(schools):
        tick(progress, i, len(schools), f"打包 {s['code']}{s['name']}")
        body = _school_body(store, s["code"])
        bodies.append((s, body))
        if folders:
            folder = base / naming.unit_folder(s["code"], s["name"])
            folder.mkdir(parents=True, exist_ok=True)
            target = naming.unique(folder / naming.school_package_name(s["code"], s["name"], when))
            write_file(target, seal(kind="aggregate", sender={"code": county["code"], "name": county["name"]},
                                    signing_private=signing, recipient={"level": "city", "code": county["city_code"]},
                                    recipient_x25519=recipient, sequence=s["last_sequence"],
                                    created_at=now_iso(), body=body))
            written.append(target)
    from .safezip import write_zip

    aggregate = write_zip([(f"schools/{s['code']}.zip", body, False) for s, body in bodies]
                          + [("schools.json", json.dumps(schools, ensure_ascii=False).encode(), True)])
    sequence = int(store.meta("aggregate_sequence", "0") or 0) + 1
    target = naming.unique(base / naming.county_package_name(county["code"], county["name"], when))
    data = seal(kind="aggregate", sender={"code": county["code"], "name": county["name"]}, signing_private=signing,
                recipient={"level": "city", "code": county["city_code"]}, recipient_x25519=recipient,
                sequence=sequence, created_at=now_iso(), body=aggregate)
    with store.transaction() as tx:
        store.set_meta(tx, "aggregate_sequence", str(sequence))
        tx.audit("县级汇总上报", "county_schools", "", {"schools": [None, len(schools)], "file": [None, target.name]})
        write_file(target, data)
    written.append(target)
    tick(progress, len(schools), len(schools), "完成")
    return written


def _school_body(store: Store, code: str) -> bytes:
    """Re-pack one imported school's data in the submission payload layout."""
    s = _school(store, code)
    classes = [json.loads(r[0]) for r in store.query("SELECT data FROM county_classes WHERE school_code = ?", (code,))]
    photos = dict(store.query("SELECT s.uid, p.jpeg FROM county_photos p JOIN county_students s"
                              " ON s.id = p.student_id WHERE s.school_code = ?", (code,)))
    rows = []
    for uid, data in store.query("SELECT uid, data FROM county_students WHERE school_code = ? ORDER BY id", (code,)):
        row = payload.parse_student_line(data.encode("utf-8"), "")
        row.photo = bytes(photos[uid]) if uid in photos else None
        rows.append(row)
    profile = json.loads(s["profile"] or "{}") or {"code": code, "name": s["name"], "region_code": s["region_code"]}
    return payload.build(school=profile, county_code=county_profile(store)["code"], classes=classes, students=rows,
                         sequence=s["last_sequence"], created_at=s["last_created_at"],
                         include_pending=any(r.pending for r in rows))
