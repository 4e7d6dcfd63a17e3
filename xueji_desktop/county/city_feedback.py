"""The city's decisions travel back down: a feedback package from the city to one county (``county feedback
COUNTY_CODE`` at a city) carries, per student record of that county, the problems found across counties and the
city's decisions on them (``county resolve`` at the city: the same flow as a county's, county/problems.py). The
county imports it (``county import`` recognises it) and its next feedback to each school carries those findings
on, so the school that has to delete or correct a record reads the city's instruction.

Only problems that span more than one county, or that the city decided, travel down: the others the county finds
and settles itself.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import BadInput
from ..exchange import keystore, naming, shapes
from ..exchange.container import Envelope, open_envelope, read_file, seal
from ..outfiles import write_file
from ..storage import Store
from ..storage.store import now_iso
from .counties import get_county, require_city
from .problems import county_problems, findings_for_school
from .workspace import county_profile, require_county, store_level

MAX_FINDINGS = 200_000


def city_findings(store: Store, county_code: str) -> list[dict[str, Any]]:
    """The findings for the records of ``county_code``'s schools: each with ``school_code`` added."""
    problems = [p for p in county_problems(store)
                if p.get("decision") or len({r.get("county_code") for r in p["records"]}) > 1]
    schools = sorted({r["school_code"] for p in problems for r in p["records"] if r.get("county_code") == county_code})
    return [{"school_code": code, **f} for code in schools for f in findings_for_school(problems, code, "地市")]


def make_city_feedback(store: Store, county_code: str, out_dir: Path | str) -> tuple[Path, int]:
    """A signed package to the county (encrypted to the key its upward package carried). Returns (file,
    findings)."""
    require_city(store)
    store.require("clerk", "leader")
    c = get_county(store, county_code)
    if not c["encryption_public"]:
        raise BadInput(f"县（区）{county_code}{c['name']} 还没有上报过数据，没有可用于加密反馈的该县公钥。")
    city = county_profile(store)
    findings = city_findings(store, county_code)
    sequence = c["feedback_sequence"] + 1
    body = {"county_code": county_code, "data_sequence": c["last_sequence"], "findings": findings}
    data = seal(kind="feedback", sender={"code": city["code"], "name": city["name"]},
                signing_private=keystore.require_private(store.conn, keystore.OWN_SIGNING),
                recipient={"level": "county", "code": county_code, "name": c["name"]},
                recipient_x25519=bytes(c["encryption_public"]), sequence=sequence, created_at=now_iso(),
                body=json.dumps(body, ensure_ascii=False).encode())
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = naming.unique(out_dir / naming.feedback_package_name(county_code, c["name"], datetime.now()))
    with store.transaction() as tx:
        tx.execute("UPDATE city_counties SET feedback_sequence = ? WHERE code = ?", (sequence, county_code))
        tx.audit("生成地市反馈包", "city_counties", county_code,
                 {"feedback_sequence": [c["feedback_sequence"], sequence], "findings": [None, len(findings)]})
        write_file(target, data)  # a failed write rolls the sequence back
    return target, len(findings)


def is_upper_feedback(store: Store, env: Envelope) -> bool:
    """Whether ``env`` is a feedback package for this county from its city (the key of its init package)."""
    upper = keystore.get_public(store.conn, keystore.UPPER_SIGNING)
    return env.kind == "feedback" and store_level(store) == "county" and upper is not None \
        and upper == env.signing_public


def import_city_feedback(store: Store, path: Path | str) -> int:
    """Verify (the city's key from the county's init package) and decrypt the city's feedback; keep its findings
    for the schools' next feedback packages (replacing the previous ones). Returns how many findings."""
    require_county(store)
    store.require("clerk")
    name = Path(path).name
    env = open_envelope(read_file(path), name)
    if not is_upper_feedback(store, env):
        raise BadInput(f"{name}：不是本县上级（地市）用本县初始化包中的密钥签发的反馈包，拒绝导入。")
    county = county_profile(store)
    if env.header.get("recipient", {}).get("code") != county["code"]:
        raise BadInput(f"{name}：反馈包是发给 {env.header.get('recipient', {}).get('code')} 的，不是本县。")
    last = int(store.meta("upper_feedback_sequence", "0") or 0)
    if env.sequence <= last:
        raise BadInput(f"{name}：序号 {env.sequence} 不比已导入的地市反馈（{last}）新，拒绝重复或旧反馈包。")
    findings = _check_findings(env.decrypt(keystore.require_private(store.conn, keystore.OWN_ENCRYPTION)), name)
    with store.transaction() as tx:
        tx.execute("DELETE FROM county_upper_findings")
        tx.executemany("INSERT INTO county_upper_findings (school_code, uid, kind, problem_id, state, message,"
                       " received_at) VALUES (?,?,?,?,?,?,?)",
                       [(f["school_code"], f["uid"], f["kind"], f.get("problem_id", ""), f.get("state", ""),
                         f["message"], tx.ts) for f in findings])
        store.set_meta(tx, "upper_feedback_sequence", str(env.sequence))
        tx.audit("导入地市反馈", "county_upper_findings", env.sequence, {"findings": [None, len(findings)]})
    return len(findings)


def _check_findings(body: bytes, name: str) -> list[dict[str, Any]]:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise BadInput(f"{name}：反馈内容不是有效的 JSON。") from None
    s = shapes.Shape(f"{name}：反馈")
    findings = s.list(s.dict(data, "反馈").get("findings"), "findings", MAX_FINDINGS)
    for i, f in enumerate(findings):
        c = shapes.Shape(f"{name}：反馈第 {i + 1} 条")
        d = c.dict(f, "finding")
        c.text(d.get("school_code"), "school_code", 10, shapes.SCHOOL_CODE, empty=False)
        c.text(d.get("uid"), "uid", 64, shapes.UID, empty=False)
        for key in ("kind", "problem_id", "state", "name", "class"):
            c.text(d.get(key, ""), key, 100)
        c.text(d.get("message"), "message", shapes.MAX_TEXT, empty=False)
    return findings


def upper_findings(store: Store, school_code: str | None = None) -> list[dict[str, str]]:
    """The city's findings on one school's records (or every school's, each then with ``school_code`` and
    ``school_name``), as the county's feedback to the school carries them; a record the school has deleted since
    (and the county imported) is no longer named."""
    where, params = ("WHERE f.school_code = ?", (school_code,)) if school_code else ("", ())
    rows = store.query(
        "SELECT f.uid, f.kind, f.problem_id, f.state, f.message, s.name, COALESCE(c.name, s.class_code),"
        " f.school_code, sc.name FROM county_upper_findings f JOIN county_students s ON s.school_code = f.school_code"
        " AND s.uid = f.uid JOIN county_schools sc ON sc.code = f.school_code LEFT JOIN county_classes c"
        f" ON c.school_code = s.school_code AND c.class_code = s.class_code {where} ORDER BY f.rowid", params)
    out = []
    for uid, kind, pid, state, message, name, cls, code, school_name in rows:
        finding = {"uid": uid, "kind": kind, "name": name, "class": cls, "message": message, "problem_id": pid,
                   "state": state}
        if not school_code:
            finding.update(school_code=code, school_name=school_name)
        out.append(finding)
    return out
