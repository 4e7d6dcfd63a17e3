"""Counties' upward packages (``county export-up``) at the city: checked as a county checks a school's package —
signature and every byte (exchange/container.py), the sender in the city's county list, its registered key (the
first package confirmed by fingerprint), a newer sequence, addressed to this city — then decrypted, and every
school's payload checked as a school's submission is (exchange/payload.py), bound to the county that signed it.

A refused package changes nothing; an accepted one replaces all of that county's data (its schools' students,
classes, photos and change history, and its 营养改善计划: nutrition_upward.py) in one transaction. The merged
data lives in the same tables as a county's, so every view of a county store (``xueji info``, ``county
students``, ``stats``, ``export-excel``, problems, the GUI) covers all the city's counties.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import BadInput
from ..exchange import keys, keystore, payload, shapes
from ..exchange.container import KINDS, Envelope, open_envelope, read_file
from ..exchange.safezip import Limits, SafeZip
from ..progress import Progress, tick
from ..storage import Store
from .counties import county_of, require_city
from .intake import (
    age_exception_lines,
    age_exceptions_of,
    delete_school_data,
    insert_school_data,
    recheck_sender,
    refuse_stale_or_misaddressed,
    require_confirmed,
)
from .nutrition_upward import PLAN_MEMBER, parse_plan
from .problems import mark_resolved
from .upward import AGGREGATE_SCHOOLS
from .workspace import county_profile

# The aggregate holds one stored (not deflated) submission payload per school and schools.json.
AGGREGATE_LIMITS = Limits(max_members=20_000, max_member_size=900 << 20, max_total_size=1 << 30, max_ratio=100)
DECISIONS = ("", "approved", "rejected")


@dataclass
class CountyPackageCheck:
    """What the city learns from a county's package before decrypting it."""

    file: str
    county_code: str
    county_name: str
    sequence: int
    created_at: str
    fingerprint: str
    needs_confirmation: bool   # first package of this county: its key is not registered yet


@dataclass
class CountyImportResult:
    file: str
    county_code: str
    county_name: str
    sequence: int
    schools: int
    students: int
    replaced: int
    # 入学年龄例外 its schools made (intake.age_exceptions_of, with the school's code)
    age_exceptions: list[dict[str, str]] = field(default_factory=list)

    def summary(self) -> list[str]:
        """What the import summary says beyond the counts, one line each."""
        return age_exception_lines(self.age_exceptions)


def check_county_package(store: Store, path: Path | str,
                         data: bytes | None = None) -> tuple[CountyPackageCheck, Envelope]:
    """Verify structure, signature and hashes, the county's place in the list, its key, the sequence and the
    recipient."""
    require_city(store)
    name = Path(path).name
    env = open_envelope(data if data is not None else read_file(path), name)
    if env.kind != "aggregate":
        raise BadInput(f"{name}：不是县级汇总上报包（是{KINDS.get(env.kind, env.kind)}），地市级只导入县（区）上报的"
                       "汇总包（县级 xueji county export-up 写出）。")
    code, named = str(env.sender.get("code", "")), str(env.sender.get("name", ""))[:100]
    city = county_profile(store)
    rows = store.query("SELECT name, signing_public, last_sequence FROM city_counties WHERE code = ?", (code,))
    if not rows:
        where = "" if code.startswith(city["code"]) else f"，也不属于本市（{city['code']}{city['name']}）"
        raise BadInput(f"{name}：县（区）{code}{named} 不在本市县（区）名单中{where}，拒绝导入。确属本市的，先添加"
                       "（xueji county counties add 代码 名称）再导入。")
    county_name, registered, last_seq = rows[0]
    if registered is not None and bytes(registered) != env.signing_public:
        raise BadInput(f"{name}：县（区）{code}{county_name} 的数据包不是由本市登记的该县密钥（指纹 "
                       f"{keys.fingerprint(bytes(registered))}）签名的，拒绝导入。请与该县核实；县级换了电脑、"
                       "密钥丢失时，由主管领导重置该县密钥（xueji county counties reset-key）后重新核对回执。")
    refuse_stale_or_misaddressed(name, env, last_seq, city["code"], f"本市（{city['code']}）")
    check = CountyPackageCheck(name, code, county_name, env.sequence, str(env.header.get("created_at", "")),
                               env.fingerprint, registered is None)
    return check, env


def import_county_package(store: Store, path: Path | str, *, confirm_fingerprint: str | None = None,
                          progress: Progress | None = None) -> CountyImportResult:
    """Check, decrypt, check every school, and replace the county's data in one transaction."""
    store.require("clerk")
    check, env = check_county_package(store, path)
    if check.needs_confirmation:
        require_confirmed(check.file, f"县（区）{check.county_code}{check.county_name}", check.fingerprint,
                          confirm_fingerprint, "请该县打印指纹回执（xueji county fingerprint）")
    tick(progress, 0, 3, f"解密 {check.file}")
    body = env.decrypt(keystore.require_private(store.conn, keystore.OWN_ENCRYPTION))
    tick(progress, 1, 3, f"校验 {check.file}")
    schools, plan = parse_aggregate(store, body, check)
    tick(progress, 2, 3, f"合并 {check.file}")
    result = _merge(store, env, check, schools, plan)
    tick(progress, 3, 3, "完成")
    return result


def parse_aggregate(store: Store, body: bytes, check: CountyPackageCheck
                    ) -> tuple[list[tuple[dict[str, Any], payload.Submission]], dict[str, Any] | None]:
    """Every school of the aggregate, as (its entry in schools.json, its checked payload), and the county's
    营养改善计划 (None from a package written before the plan travelled up). Each school must be of the signing
    county (region code, manifest) and not one the city lists under another county."""
    what = f"{check.file}："
    z = SafeZip(body, AGGREGATE_LIMITS, what)
    if AGGREGATE_SCHOOLS not in z.names():
        raise BadInput(f"{what}汇总包中缺少学校清单 {AGGREGATE_SCHOOLS}，不是本程序写出的。")
    listed = _check_listed(z.read(AGGREGATE_SCHOOLS), what)
    expected = {f"schools/{s['code']}.zip" for s in listed} | {AGGREGATE_SCHOOLS}
    plan = parse_plan(z.read(PLAN_MEMBER), what) if PLAN_MEMBER in z.names() else None
    if set(z.names()) - {PLAN_MEMBER} != expected or len(expected) != len(listed) + 1:
        raise BadInput(f"{what}汇总包的成员与学校清单不一致（多出、缺少或重复的学校），拒绝导入。")
    elsewhere = {code: county_of(region) for code, region in store.query(
        "SELECT code, region_code FROM county_schools WHERE substr(region_code, 1, 6) <> ?", (check.county_code,))}
    out = []
    for entry in listed:
        code = entry["code"]
        sub = payload.parse(z.read(f"schools/{code}.zip"), f"{what}schools/{code}.zip：")
        school = sub.school
        if school["code"] != code or sub.manifest["school"]["code"] != code:
            raise BadInput(f"{what}学校清单中的 {code} 与其数据（school.json 自称 {school['code']}）不一致，拒绝导入。")
        county = check.county_code
        if county_of(school["region_code"]) != county or sub.manifest.get("county_code") != county:
            raise BadInput(f"{what}学校 {code}{school['name']} 的区划代码 {school['region_code']} 不在县（区）"
                           f"{check.county_code}{check.county_name}，拒绝导入（一个县只能上报本县的学校）。")
        if code in elsewhere:
            raise BadInput(f"{what}学校 {code}{school['name']} 在本市学校名单中属于县（区）{elsewhere[code]}，"
                           f"不属于 {check.county_code}{check.county_name}，拒绝导入。请核对学校的区划代码。")
        for n, c in enumerate(sub.change_records):
            shape = shapes.Shape(f"{what}schools/{code}.zip 的 change_records.json 第 {n + 1} 条")
            if shape.text(c.get("county_decision", ""), "county_decision", 20) not in DECISIONS:
                raise shape.fail("county_decision", f"不是 {'、'.join(d for d in DECISIONS if d)} 之一")
            shape.text(c.get("county_reason", ""), "county_reason")
        out.append((entry, sub))
    return out, plan


def _check_listed(raw: bytes, what: str) -> list[dict[str, Any]]:
    try:
        listed = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise BadInput(f"{what}“{AGGREGATE_SCHOOLS}”不是有效的 JSON。") from None
    s = shapes.Shape(f"{what}{AGGREGATE_SCHOOLS}")
    for i, entry in enumerate(s.list(listed, "schools", AGGREGATE_LIMITS.max_members)):
        e = shapes.Shape(f"{what}{AGGREGATE_SCHOOLS} 第 {i + 1} 所学校")
        d = e.dict(entry, "学校")
        e.text(d.get("code"), "code", 10, shapes.SCHOOL_CODE, empty=False)
        e.text(d.get("name"), "name", shapes.MAX_NAME, empty=False)
        e.text(d.get("review_state", ""), "review_state", 20)
        e.text(d.get("review_reason") or "", "review_reason")
    return listed


def _merge(store: Store, env: Envelope, check: CountyPackageCheck,
           schools: list[tuple[dict[str, Any], payload.Submission]], plan: dict[str, Any] | None
           ) -> CountyImportResult:
    county = check.county_code
    sender = env.sender
    enc_public = keys.unb64(sender["encryption_public"], "县级加密公钥", 32) if sender.get("encryption_public") \
        else None
    in_county = "IN (SELECT code FROM county_schools WHERE substr(region_code, 1, 6) = ?)"
    store.conn.execute("PRAGMA cache_size = -65536")  # as a county's import: keep the indexes in memory
    with store.transaction() as tx:
        registering = _recheck_in_transaction(tx, env, check)
        old = tx.execute(f"SELECT count(*) FROM county_students WHERE school_code {in_county}",
                         (county,)).fetchone()[0]
        delete_school_data(tx, in_county, (county,))
        tx.execute(f"DELETE FROM county_changes WHERE school_code {in_county}", (county,))
        tx.execute("UPDATE county_schools SET imported_at = '', counts = '{}', review_state = '', review_reason = '',"
                   " reviewed_by = '', reviewed_at = '', nutrition = 0 WHERE substr(region_code, 1, 6) = ?", (county,))
        by = f"{county}{check.county_name}"
        for entry, sub in schools:
            school = sub.school
            tx.execute(
                "INSERT INTO county_schools (code, name, region_code) VALUES (?, ?, ?) ON CONFLICT(code) DO UPDATE"
                " SET name = excluded.name, region_code = excluded.region_code",
                (school["code"], school["name"], school["region_code"]))
            tx.execute(
                "UPDATE county_schools SET last_sequence = ?, last_created_at = ?, imported_at = ?, profile = ?,"
                " counts = ?, review_state = ?, review_reason = ?, reviewed_by = ?, reviewed_at = ? WHERE code = ?",
                (sub.manifest["sequence"], sub.manifest.get("created_at", ""), tx.ts,
                 json.dumps(school, ensure_ascii=False), json.dumps(sub.manifest.get("counts", {}),
                                                                    ensure_ascii=False),
                 "passed" if entry.get("review_state", "passed") == "passed" else "",
                 entry.get("review_reason") or "", by, tx.ts, school["code"]))
            insert_school_data(tx, school["code"], sub)
            tx.executemany(
                "INSERT INTO county_changes (school_code, change_id, student_uid, kind, school_status, effective_date,"
                " reason, data, decision, decision_reason, decided_by) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                [(school["code"], c["change_id"], str(c.get("student_uid", "")), str(c.get("kind", "")),
                  str(c.get("status", "")), str(c.get("effective_date", "")), str(c.get("reason", "")),
                  str(c.get("data", "{}")), c.get("county_decision", ""), c.get("county_reason", ""),
                  by if c.get("county_decision") else "") for c in sub.change_records])
        # 享受营养餐 as the plan names it (an older package: each school's flag in schools.json)
        taking_part = ({s["code"] for s in plan["schools"]} if plan is not None else
                       {e["code"] for e, _sub in schools if e.get("nutrition")})
        tx.executemany("UPDATE county_schools SET nutrition = 1 WHERE code = ? AND substr(region_code, 1, 6) = ?",
                       [(c, county) for c in taking_part])
        tx.execute("UPDATE city_counties SET nutrition_plan = ? WHERE code = ?",
                   (json.dumps(plan, ensure_ascii=False) if plan is not None else "", county))
        students = sum(len(sub.students) for _e, sub in schools)
        tx.execute("UPDATE city_counties SET last_sequence = ?, last_created_at = ?, imported_at = ?,"
                   " signing_public = COALESCE(signing_public, ?), encryption_public = COALESCE(?, encryption_public),"
                   " key_registered_at = COALESCE(key_registered_at, ?) WHERE code = ?",
                   (check.sequence, check.created_at, tx.ts, env.signing_public, enc_public,
                    tx.ts if registering else None, county))
        if registering:
            tx.audit("登记县（区）密钥", "city_counties", county,
                     {"fingerprint": [None, check.fingerprint], "confirmed_by": [None, store.user.username]})
        tx.audit("导入县（区）数据", "city_counties", county,
                 {"sequence": [None, check.sequence], "schools": [None, len(schools)], "students": [old, students],
                  "file": [None, check.file], "nutrition_plan": [None, plan is not None]})
        mark_resolved(tx)  # a record a county corrected clears the problem the city decided on
    exceptions = [{**e, "school_code": entry.get("code", "")} for entry, sub in schools for e in age_exceptions_of(sub)]
    return CountyImportResult(check.file, county, check.county_name, check.sequence, len(schools), students, old,
                              exceptions)


def _recheck_in_transaction(tx, env: Envelope, check: CountyPackageCheck) -> bool:
    """Sequence and key again under the write lock (intake.recheck_sender). Returns whether this import registers
    the county's key."""
    return recheck_sender(tx, "city_counties", check.county_code, env, check.file, check.sequence,
                          f"县（区）{check.county_code}{check.county_name}", "请与该县核实。")
