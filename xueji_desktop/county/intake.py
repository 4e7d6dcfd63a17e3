"""Schools' submission packages at the county: check (signature, sender, key, sequence), decrypt, merge.

A refused package changes nothing; an accepted one replaces that school's data in one transaction.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

from stdnum.cn import ric
from stdnum.exceptions import ValidationError

from ..errors import BadInput
from ..exchange import keys, keystore, payload
from ..exchange.container import Envelope, open_envelope, read_file
from ..progress import Progress, tick
from ..storage import Store
from . import transfers
from .changes import store_changes
from .plans import store_plan_requests
from .problems import mark_resolved
from .workspace import county_profile, require_county


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
    # 入学年龄例外 the school made: {uid, name, class_code, reason, by, at} per student registered under age
    age_exceptions: list[dict[str, str]] = field(default_factory=list)

    def summary(self) -> list[str]:
        """What the import summary says beyond the counts, one line each."""
        return list(self.warnings) + age_exception_lines(self.age_exceptions)


def age_exception_lines(exceptions: list[dict[str, str]]) -> list[str]:
    """The import summary's line on the 入学年龄例外 a package carries (a school's, or a county's at the city)."""
    if not exceptions:
        return []
    shown = "；".join(f"{e['name']}（{e['reason']}，{e['by']}）" for e in exceptions[:10])
    return [f"入学年龄例外 {len(exceptions)} 名：{shown}" + ("……" if len(exceptions) > 10 else "")]


def check_package(store: Store, path: Path | str, data: bytes | None = None) -> tuple[PackageCheck, Envelope]:
    """Verify structure, signature and hashes, the sender's registration and key, and the sequence number."""
    require_county(store)
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
        raise BadInput(f"{name}：学校 {code}{school_name} 的数据包不是由本县登记的该校密钥（指纹 "
                       f"{keys.fingerprint(bytes(registered))}）签名的，拒绝导入。请与学校核实；学校换了电脑、"
                       "密钥丢失时，由主管领导重置该校密钥（xueji county reset-key）后重新核对回执。")
    refuse_stale_or_misaddressed(name, env, last_seq, county_profile(store)["code"], "本县")
    check = PackageCheck(name, code, school_name, env.sequence, str(env.header.get("created_at", "")),
                         env.fingerprint, registered is None)
    return check, env


def refuse_stale_or_misaddressed(name: str, env: Envelope, last_seq: int, own_code: str, own_label: str) -> None:
    """A package must be newer than the sender's last one (no replay, no rollback) and addressed to this unit;
    for a county importing schools and a city importing counties alike."""
    if env.sequence <= last_seq:
        raise BadInput(f"{name}：序号 {env.sequence} 不比已导入的（{last_seq}）新，拒绝重复或旧数据包（防止回退）。")
    recipient = env.header.get("recipient", {}).get("code")
    if recipient != own_code:
        raise BadInput(f"{name}：数据包是发给 {recipient} 的，不是{own_label}。")


def import_package(store: Store, path: Path | str, *, confirm_fingerprint: str | None = None,
                   progress: Progress | None = None) -> ImportResult:
    """Check, decrypt and merge one package in one transaction; a refused package changes nothing."""
    store.require("clerk")
    check, env = check_package(store, path)
    if check.needs_confirmation:
        require_confirmed(check.file, f"学校 {check.school_code}{check.school_name}", check.fingerprint,
                          confirm_fingerprint, "请学校打印指纹回执（xueji school fingerprint --print，"
                                               "或“导入导出 → 上报”页的“打印指纹回执”）")
    tick(progress, 0, 3, f"解密 {check.file}")
    body = env.decrypt(keystore.require_private(store.conn, keystore.OWN_ENCRYPTION))
    tick(progress, 1, 3, f"校验 {check.file}")
    sub = payload.parse(body, f"{check.file}：")
    if sub.manifest["school"]["code"] != check.school_code or sub.manifest["sequence"] != check.sequence:
        raise BadInput(f"{check.file}：数据清单与包头不一致（学校或序号），拒绝导入。")
    _bind_to_signer(sub, check, county_profile(store)["code"])
    tick(progress, 2, 3, f"合并 {check.file}")
    return _merge(store, env, check, sub)


def require_confirmed(file: str, sender: str, fingerprint: str, typed: str | None, slip: str) -> None:
    """A first package (or the first after a key reset) is imported only when the fingerprint typed from the
    sender's stamped slip matches the key that signed it. The package's own fingerprint is never shown here: a
    message showing it could simply be copied back, and then the confirmation would confirm nothing."""
    if not typed:
        raise BadInput(f"{file}：{sender} 第一次上报（或密钥已重置），需要先核对它的签名密钥：{slip}"
                       "并盖章送来，或电话逐组读出；把回执上的指纹输入 --confirm-fingerprint（图形界面：导入时弹出的"
                       "核对框）后再导入。")
    if keys.normalise_fingerprint(typed) != keys.normalise_fingerprint(fingerprint):
        raise BadInput(f"{file}：输入的指纹与{sender}数据包的签名密钥不一致，拒绝导入。请核对回执上的指纹；"
                       f"确实无误时，这个数据包不是{sender}现在的密钥签发的（可能被冒名），请与对方核实。")


def _bind_to_signer(sub: payload.Submission, check: PackageCheck, county_code: str) -> None:
    """The data must be about the registered school whose key signed it: a school cannot label its data (here or
    upward in ``export-up``) with another school's code, nor with a region outside this county."""
    named = sub.school["code"]
    if named != check.school_code:
        raise BadInput(f"{check.file}：数据包由学校 {check.school_code}{check.school_name} 签名，内容却自称学校"
                       f" {named}（school.json），拒绝导入。")
    if not sub.school["region_code"].startswith(county_code):
        raise BadInput(f"{check.file}：学校区划代码 {sub.school['region_code']} 不在本县（{county_code}），拒绝导入。")


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
    # A county file holds hundreds of thousands of students; the default 2 MB page cache makes every index
    # insert re-read (and re-decrypt) pages. 64 MB keeps the indexes in memory; it is per connection.
    store.conn.execute("PRAGMA cache_size = -65536")
    with store.transaction() as tx:
        registering = _recheck_in_transaction(tx, env, check)
        old = tx.execute("SELECT count(*) FROM county_students WHERE school_code = ?", (code,)).fetchone()[0]
        delete_school_data(tx, "= ?", (code,))
        insert_school_data(tx, code, sub)
        store_changes(tx, code, sub.change_records)
        store_plan_requests(tx, code, sub.plan_requests)
        warnings = transfers.on_school_package(store, tx, code, sub.transfers, sub.change_records)
        tx.execute(
            "UPDATE county_schools SET last_sequence = ?, last_created_at = ?, imported_at = ?, profile = ?,"
            " counts = ?, review_state = '', review_reason = '', reviewed_by = '', reviewed_at = '',"
            " signing_public = COALESCE(signing_public, ?), encryption_public = COALESCE(?, encryption_public),"
            " key_registered_at = COALESCE(key_registered_at, ?) WHERE code = ?",
            (check.sequence, check.created_at, tx.ts, json.dumps(sub.school, ensure_ascii=False),
             json.dumps(sub.manifest.get("counts", {}), ensure_ascii=False), env.signing_public, enc_public,
             tx.ts if registering else None, code))
        if registering:
            tx.audit("登记学校密钥", "county_schools", code,
                     {"fingerprint": [None, check.fingerprint], "confirmed_by": [None, store.user.username]})
        exceptions = age_exceptions_of(sub)
        tx.audit("导入学校数据", "county_schools", code,
                 {"sequence": [None, check.sequence], "students": [old, len(sub.students)],
                  "file": [None, check.file], **({"age_exceptions": [None, len(exceptions)]} if exceptions else {})})
        mark_resolved(tx)  # a corrected record clears the problem the county decided on
    return ImportResult(check.file, code, check.school_name, check.sequence, len(sub.students), old,
                        sum(s.pending for s in sub.students), warnings, exceptions)


def age_exceptions_of(sub: payload.Submission) -> list[dict[str, str]]:
    """The 入学年龄例外 a package carries (grade-1 children the school registered under the entry age, with the
    reason, who and when); none in packages from before they were sent."""
    return [{"uid": s.uid, "name": str(s.record.get("name", "")), "class_code": s.class_code,
             "reason": s.age_exception.get("reason", ""), "by": s.age_exception.get("by", ""),
             "at": s.age_exception.get("at", "")} for s in sub.students if s.age_exception]


def delete_school_data(tx, which: str, params: tuple) -> None:
    """Remove the merged data (photos, students, classes) of the schools whose code is ``which`` (an SQL
    condition on the school code, e.g. ``= ?`` or ``IN (SELECT …)``)."""
    tx.execute(f"DELETE FROM county_photos WHERE student_id IN (SELECT id FROM county_students"
               f" WHERE school_code {which})", params)
    tx.execute(f"DELETE FROM county_students WHERE school_code {which}", params)
    tx.execute(f"DELETE FROM county_classes WHERE school_code {which}", params)


def insert_school_data(tx, code: str, sub: payload.Submission) -> None:
    """Merge one school's classes, students (each line kept as received, the ID number re-checked) and photos."""
    rows = []
    photos = []
    for s in sub.students:
        r = s.record
        rows.append((code, s.uid, s.class_code, str(r.get("name", "")), str(r.get("gender", "")),
                     str(r.get("birth_date", "")), str(r.get("id_type", "")),
                     str(r.get("id_number", "")).strip().upper(), s.status, int(s.pending), _id_problem(s),
                     s.raw or payload.student_line(s), s.student_number, s.enrolment))
        if s.photo:
            photos.append((s.uid, s.photo))
    tx.executemany("INSERT INTO county_classes (school_code, class_code, name, data) VALUES (?,?,?,?)",
                   [(code, str(c.get("class_code", "")), str(c.get("name", "")),
                     json.dumps(c, ensure_ascii=False)) for c in sub.classes])
    tx.executemany("INSERT INTO county_students (school_code, uid, class_code, name, gender, birth_date, id_type,"
                   " id_number, status, pending, id_problem, data, student_number, enrolment)"
                   " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    if photos:
        ids = dict(tx.execute("SELECT uid, id FROM county_students WHERE school_code = ?", (code,)).fetchall())
        tx.executemany("INSERT INTO county_photos (student_id, jpeg) VALUES (?, ?)",
                       [(ids[uid], jpeg) for uid, jpeg in photos])


def _recheck_in_transaction(tx, env: Envelope, check: PackageCheck) -> bool:
    """Check the sequence number and the registered key again under the write lock, so that of two imports
    running at once (two clerks, the GUI and the CLI) an older package can never win: whichever merges second
    sees the first one's sequence. Returns whether this import registers the school's key."""
    return recheck_sender(tx, "county_schools", check.school_code, env, check.file, check.sequence,
                          f"学校 {check.school_code}{check.school_name}", "请与学校核实。")


def recheck_sender(tx, table: str, code: str, env: Envelope, file: str, sequence: int, sender: str,
                   ask: str) -> bool:
    """The sender's (a school in county_schools, a county in city_counties) key and last sequence read again in
    the import's transaction: a package signed by another key, or not newer, is refused. Returns whether this
    import registers the key. ``sender`` names it in the message, ``ask`` says whom to check with."""
    registered, last_seq = tx.execute(f"SELECT signing_public, last_sequence FROM {table} WHERE code = ?",
                                      (code,)).fetchone()
    if registered is not None and bytes(registered) != env.signing_public:
        raise BadInput(f"{file}：{sender} 的密钥已登记为另一把（指纹 {keys.fingerprint(bytes(registered))}），"
                       f"拒绝导入。{ask}")
    if sequence <= last_seq:
        raise BadInput(f"{file}：序号 {sequence} 不比已导入的（{last_seq}）新，拒绝重复或旧数据包（防止回退）。")
    return registered is None
