"""The county's review of a school's data, and the feedback package that carries it (and the findings,
change decisions and county settings) back to the school."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from ..errors import BadInput
from ..exchange import keystore, naming
from ..exchange.container import seal
from ..outfiles import write_file
from ..records.changes import county_settings
from ..storage import Store
from ..storage.store import now_iso
from .admissions import feedback_section
from .city_feedback import upper_findings
from .numbers import assign_formal_numbers, formal_numbers
from .nutrition_settings import package_settings
from .schools import REVIEW_NAMES, get_school
from .transfers import feedback_parts
from .workspace import county_profile, require_county_level


def review(store: Store, code: str, passed: bool, reason: str = "", *, force: bool = False) -> None:
    """Pass or return a school's data. Passing is refused while the school has open problem records
    (county/problems.blocking) unless ``force`` with a reason; a forced pass is audited with the problems."""
    from .problems import blocking

    require_county_level(store, "school_review")
    store.require("clerk", "leader")
    s = get_school(store, code)
    if not s["imported_at"]:
        raise BadInput(f"学校 {code}{s['name']} 还没有上报数据，不能审核。")
    if not passed and not reason.strip():
        raise BadInput("退回时请在“原因”栏填写原因（命令行用 --reason），学校会在反馈中看到。")
    open_problems = blocking(store, code) if passed else []
    if open_problems and not force:
        listed = "；".join(f"{p['id']}（{p['kind_name']}，{p['state']}）" for p in open_problems[:10])
        raise BadInput(f"学校 {code}{s['name']} 还有 {len(open_problems)} 个未解决的问题学籍，不能通过：{listed}。"
                       "请先裁定（xueji county resolve）并等学校处理；确需先通过的，加 --force --reason 说明原因"
                       "（记入审计日志）。")
    if open_problems and not reason.strip():
        raise BadInput("强制通过（--force）须用 --reason 说明原因，记入审计日志。")
    state = "passed" if passed else "returned"
    with store.transaction() as tx:
        if open_problems:
            tx.audit("强制通过审核", "county_schools", code,
                     {"open_problems": [None, [p["id"] for p in open_problems]], "reason": [None, reason.strip()]})
        tx.execute("UPDATE county_schools SET review_state = ?, review_reason = ?, reviewed_by = ?, reviewed_at = ?"
                   " WHERE code = ?", (state, reason.strip(), store.user.username, tx.ts, code))
        if passed:
            assign_formal_numbers(tx, code)
        tx.audit("审核学校数据", "county_schools", code,
                 {"review_state": [s["review_state"], state], "review_reason": [s["review_reason"], reason.strip()],
                  "sequence": [None, s["last_sequence"]]})


def make_feedback(store: Store, code: str, out_dir: Path | str) -> Path:
    """A signed package to the school (encrypted to its key) with per-student findings (the county's, and those
    of the city's latest feedback on the school's records) and the review."""
    from .problems import county_problems, findings_for_school

    require_county_level(store, "school_review")
    store.require("clerk", "leader")
    s = get_school(store, code)
    if not s["encryption_public"]:
        raise BadInput(f"学校 {code}{s['name']} 还没有上报过数据，没有可用于加密反馈的学校公钥。")
    county = county_profile(store)
    findings = findings_for_school(county_problems(store), code) + upper_findings(store, code)
    sequence = s["feedback_sequence"] + 1
    body = {"school_code": code, "data_sequence": s["last_sequence"], "findings": findings,
            "review": {"state": s["review_state"], "name": REVIEW_NAMES.get(s["review_state"], ""),
                       "reason": s["review_reason"], "by": s["reviewed_by"], "at": s["reviewed_at"]}}
    body["county_settings"] = {**county_settings(store), **package_settings(store, code)}
    body["change_decisions"] = [
        {"change_id": cid, "decision": d, "reason": r, "by": by, "at": at}
        for cid, d, r, by, at in store.query(
            "SELECT change_id, decision, decision_reason, decided_by, decided_at FROM county_changes"
            " WHERE school_code = ? AND decision != '' ORDER BY change_id", (code,))]
    body["student_numbers"] = formal_numbers(store.conn, code)
    body.update(feedback_parts(store, code))
    section, _held_back = feedback_section(store.conn, code)  # undecided 重复招生 stay at the county
    body.update(section)
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
