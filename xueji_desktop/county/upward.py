"""The county's aggregate for the level above."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from ..errors import BadInput
from ..exchange import keystore, naming, payload
from ..exchange.container import seal
from ..exchange.safezip import write_zip
from ..outfiles import write_file
from ..progress import Progress, tick
from ..storage import Store
from ..storage.store import now_iso
from .schools import get_school, list_schools
from .workspace import county_profile, require_county


def export_up(store: Store, out_dir: Path | str, *, folders: bool = False, recipient_public: bytes | None = None,
              progress: Progress | None = None) -> list[Path]:
    """The county aggregate: every school the county passed (not those returned, unreviewed or without data:
    ``schools_left_out``/``describe_left_out`` name them), signed by the county and encrypted to the level
    above (``recipient_public``, an X25519 key; default: the city's key from the county's init package, else the
    county's own key, for its archive).

    With ``folders`` the seed's layout is written too: ``1401太原市/140106迎泽区/<code><name>/`` with one
    package per school inside, next to the county aggregate in the county folder.
    """
    require_county(store)
    store.require("clerk", "leader")
    county = county_profile(store)
    signing = keystore.require_private(store.conn, keystore.OWN_SIGNING)
    recipient = (recipient_public or keystore.get_public(store.conn, keystore.UPPER_ENCRYPTION)
                 or keystore.get_public(store.conn, keystore.OWN_ENCRYPTION))
    left_out = schools_left_out(store)
    schools = [r for r in list_schools(store) if r["imported_at"] and r["review_state"] == "passed"]
    if not schools:
        raise BadInput("没有审核通过的学校，无法上报：" + ("、".join(_named(s) for s in left_out) or
                                                     "还没有导入任何学校的数据") + "。")
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

    aggregate = write_zip([(f"schools/{s['code']}.zip", body, False) for s, body in bodies]
                          + [("schools.json", json.dumps(schools, ensure_ascii=False).encode(), True)])
    sequence = int(store.meta("aggregate_sequence", "0") or 0) + 1
    target = naming.unique(base / naming.county_package_name(county["code"], county["name"], when))
    data = seal(kind="aggregate", sender={"code": county["code"], "name": county["name"]}, signing_private=signing,
                recipient={"level": "city", "code": county["city_code"]}, recipient_x25519=recipient,
                sequence=sequence, created_at=now_iso(), body=aggregate)
    with store.transaction() as tx:
        store.set_meta(tx, "aggregate_sequence", str(sequence))
        tx.audit("县级汇总上报", "county_schools", "", {"schools": [None, len(schools)], "file": [None, target.name],
                                                      "left_out": [None, [s["code"] for s in left_out]]})
        write_file(target, data)
    written.append(target)
    tick(progress, len(schools), len(schools), "完成")
    return written


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
    sent it, with its 学籍状态 as the county holds it now, photos, and the school's change history (学籍异动)
    with the county's decisions, so the level above sees what the county sees."""
    s = get_school(store, code)
    classes = [json.loads(r[0]) for r in store.query("SELECT data FROM county_classes WHERE school_code = ?", (code,))]
    photos = dict(store.query("SELECT s.uid, p.jpeg FROM county_photos p JOIN county_students s"
                              " ON s.id = p.student_id WHERE s.school_code = ?", (code,)))
    rows = []
    for uid, data, enrolment in store.query("SELECT uid, data, enrolment FROM county_students WHERE school_code = ?"
                                            " ORDER BY id", (code,)):
        row = payload.parse_student_line(data.encode("utf-8"), "")
        row.photo = bytes(photos[uid]) if uid in photos else None
        row.enrolment = enrolment or row.enrolment
        rows.append(row)
    changes = [{"change_id": cid, "student_uid": uid, "kind": kind, "status": status, "effective_date": day,
                "reason": reason, "data": data, "county_decision": decision, "county_reason": why}
               for cid, uid, kind, status, day, reason, data, decision, why in store.query(
                   "SELECT change_id, student_uid, kind, school_status, effective_date, reason, data, decision,"
                   " decision_reason FROM county_changes WHERE school_code = ? ORDER BY change_id", (code,))]
    profile = json.loads(s["profile"] or "{}") or {"code": code, "name": s["name"], "region_code": s["region_code"]}
    return payload.build(school=profile, county_code=county_profile(store)["code"], classes=classes, students=rows,
                         sequence=s["last_sequence"], created_at=s["last_created_at"],
                         include_pending=any(r.pending for r in rows), change_records=changes)
