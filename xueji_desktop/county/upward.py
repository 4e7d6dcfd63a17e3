"""The aggregate a county (or a city) passes to the level above."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from ..errors import BadInput
from ..exchange import keys, keystore, naming, payload
from ..exchange.container import seal
from ..exchange.safezip import write_zip
from ..outfiles import write_file
from ..progress import Progress, tick
from ..storage import Store
from ..storage.store import now_iso
from .counties import county_names, county_of
from .numbers import formal_numbers
from .nutrition_upward import COUNTIES_MEMBER, PLAN_MEMBER, county_plans_bytes, plan_bytes
from .schools import get_school, list_schools
from .workspace import county_profile, require_county, store_level

AGGREGATE_SCHOOLS = "schools.json"


def export_up(store: Store, out_dir: Path | str, *, folders: bool = False, recipient_public: bytes | None = None,
              progress: Progress | None = None) -> list[Path]:
    """The unit's aggregate: every school the county passed (not those returned, unreviewed or without data:
    ``schools_left_out``/``describe_left_out`` name them), signed by the unit and encrypted to the level
    above (``recipient_public``, an X25519 key; default: the city's key from the county's init package, else the
    unit's own key, for its archive). A city store passes up every school of every county it imported.

    With ``folders`` the seed's layout is written too (seed 001, 逐级上报: the county's data in a folder named by
    the county's code and name, the city's in one named by the city's): ``1401太原市/140106迎泽区/<code><name>/``
    with one package per school inside, and the aggregate in the unit's own folder (county: ``140106迎泽区``;
    city: ``1401太原市``, its counties' folders inside).
    """
    require_county(store)
    store.require("clerk", "leader")
    unit = county_profile(store)
    city = store_level(store) == "city"
    signing = keystore.require_private(store.conn, keystore.OWN_SIGNING)
    recipient = (recipient_public or keystore.get_public(store.conn, keystore.UPPER_ENCRYPTION)
                 or keystore.get_public(store.conn, keystore.OWN_ENCRYPTION))
    left_out = schools_left_out(store)
    schools = [r for r in list_schools(store) if r["imported_at"] and r["review_state"] == "passed"]
    if not schools:
        raise BadInput("没有审核通过的学校，无法上报：" + ("、".join(_named(s) for s in left_out) or
                                                     "还没有导入任何学校的数据") + "。")
    counties = county_names(store) if city else {unit["code"]: unit["name"]}
    for s in schools:
        s["county_code"] = county_of(s["region_code"])
    out_dir = Path(out_dir)
    when = datetime.now()
    base = out_dir / naming.unit_folder(unit["city_code"], unit["city_name"]) if folders and not city else out_dir
    if folders:
        base = base / naming.unit_folder(unit["code"], unit["name"])
    base.mkdir(parents=True, exist_ok=True)
    sender = {"code": unit["code"], "name": unit["name"], "encryption_public": keys.b64(
        keystore.get_public(store.conn, keystore.OWN_ENCRYPTION) or b"")}
    upper = {"level": "province" if city else "city", "code": unit["city_code"]}
    written: list[Path] = []
    bodies = []
    for i, s in enumerate(schools):
        tick(progress, i, len(schools), f"打包 {s['code']}{s['name']}")
        body = _school_body(store, s["code"])
        bodies.append((s["code"], body))
        if folders:
            folder = base
            if city:
                folder = folder / naming.unit_folder(s["county_code"], counties.get(s["county_code"], ""))
            folder = folder / naming.unit_folder(s["code"], s["name"])
            folder.mkdir(parents=True, exist_ok=True)
            target = naming.unique(folder / naming.school_package_name(s["code"], s["name"], when))
            write_file(target, seal(kind="aggregate", sender=sender, signing_private=signing, recipient=upper,
                                    recipient_x25519=recipient, sequence=max(1, s["last_sequence"]),
                                    created_at=now_iso(), body=body))
            written.append(target)

    sequence = int(store.meta("aggregate_sequence", "0") or 0) + 1
    target = naming.unique(base / naming.county_package_name(unit["code"], unit["name"], when))
    data = seal(kind="aggregate", sender=sender, signing_private=signing, recipient=upper, recipient_x25519=recipient,
                sequence=sequence, created_at=now_iso(),
                body=aggregate_body(schools, bodies, *_plan_member(store, city, schools)))
    with store.transaction() as tx:
        store.set_meta(tx, "aggregate_sequence", str(sequence))
        tx.audit("县级汇总上报" if not city else "地市汇总上报", "county_schools", "",
                 {"schools": [None, len(schools)], "file": [None, target.name],
                  "left_out": [None, [s["code"] for s in left_out]]})
        write_file(target, data)
    written.append(target)
    tick(progress, len(schools), len(schools), "完成")
    return written


def _plan_member(store: Store, city: bool, schools: list[dict]) -> tuple[bytes, str]:
    """The 营养改善计划 member: a county's own plan, or a city's counties' plans (those whose schools go up)."""
    if city:
        return county_plans_bytes(store, {s["county_code"] for s in schools}), COUNTIES_MEMBER
    return plan_bytes(store), PLAN_MEMBER


def aggregate_body(schools: list[dict], bodies: list[tuple[str, bytes]], plan: bytes | None = None,
                   plan_member: str = PLAN_MEMBER) -> bytes:
    """The aggregate's payload: one submission payload per school (``schools/<code>.zip``, the layout a school
    sends, see ``_school_body``), ``schools.json`` listing them (code, name, region code, county code, review)
    and the 营养改善计划 (nutrition_upward.py): from a county its own (``nutrition.json``), from a city its
    counties' (``nutrition_counties.json``)."""
    listed = [{k: s[k] for k in ("code", "name", "region_code", "county_code", "last_sequence", "last_created_at",
                                 "imported_at", "review_state", "review_reason", "nutrition", "students") if k in s}
              for s in schools]
    return write_zip([(f"schools/{code}.zip", body, False) for code, body in bodies]
                     + [(AGGREGATE_SCHOOLS, json.dumps(listed, ensure_ascii=False).encode(), True)]
                     + ([(plan_member, plan, True)] if plan is not None else []))


def schools_left_out(store: Store) -> list[dict]:
    """The schools ``export_up`` leaves out: not passed (退回, 未审核) or without data yet."""
    return [s for s in list_schools(store) if not (s["imported_at"] and s["review_state"] == "passed")]


def _named(s: dict) -> str:
    why = s["review_name"] if s["imported_at"] else "未上报数据"
    return f"{s['code']}{s['name']}（{why}）"


def describe_left_out(store: Store) -> str:
    """One line naming the schools left out of the aggregate, or ''."""
    left = schools_left_out(store)
    return ("未包含以下学校（未审核通过）：" + "、".join(_named(s) for s in left)) if left else ""


def _school_body(store: Store, code: str) -> bytes:
    """Re-pack one imported school's data in the submission payload layout: every student line as the school
    sent it, with its 学籍状态 as the county holds it now and the 正式学籍号 the county gave it, photos, and the
    school's change history (学籍异动) with the county's decisions, so the level above sees what the county sees."""
    s = get_school(store, code)
    classes = [json.loads(r[0]) for r in store.query("SELECT data FROM county_classes WHERE school_code = ?", (code,))]
    photos = dict(store.query("SELECT s.uid, p.jpeg FROM county_photos p JOIN county_students s"
                              " ON s.id = p.student_id WHERE s.school_code = ?", (code,)))
    numbers = formal_numbers(store.conn, code)
    rows = []
    for uid, data, enrolment in store.query("SELECT uid, data, enrolment FROM county_students WHERE school_code = ?"
                                            " ORDER BY id", (code,)):
        row = payload.parse_student_line(data.encode("utf-8"), "")
        row.photo = bytes(photos[uid]) if uid in photos else None
        row.enrolment = enrolment or row.enrolment
        row.student_number = numbers.get(uid, row.student_number)
        rows.append(row)
    changes = [{"change_id": cid, "student_uid": uid, "kind": kind, "status": status, "effective_date": day,
                "reason": reason, "data": data, "county_decision": decision, "county_reason": why}
               for cid, uid, kind, status, day, reason, data, decision, why in store.query(
                   "SELECT change_id, student_uid, kind, school_status, effective_date, reason, data, decision,"
                   " decision_reason FROM county_changes WHERE school_code = ? ORDER BY change_id", (code,))]
    profile = json.loads(s["profile"] or "{}") or {"code": code, "name": s["name"], "region_code": s["region_code"]}
    return payload.build(school=profile, county_code=county_of(s["region_code"]), classes=classes, students=rows,
                         sequence=s["last_sequence"], created_at=s["last_created_at"],
                         include_pending=any(r.pending for r in rows), change_records=changes)
