"""The county's school list (学校名单) and the initialisation packages it issues to its schools."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from ..errors import BadInput
from ..exchange import keys, keystore, naming
from ..exchange.container import seal
from ..outfiles import write_file
from ..records.changes import county_settings
from ..storage import Store
from ..storage.store import now_iso
from .plans import plans_for_school
from .workspace import county_profile, require_county

REVIEW_NAMES = {"passed": "通过", "returned": "退回", "": "未审核"}


def add_school(store: Store, code: str, name: str, region_code: str) -> None:
    require_county(store)
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



def get_school(store: Store, code: str) -> dict[str, Any]:
    rows = store.query_dicts("SELECT * FROM county_schools WHERE code = ?", (code,))
    if not rows:
        raise BadInput(f"学校 {code} 不在本县学校名单中：请先在“学校管理”页添加（命令行 xueji county add-school）。")
    return rows[0]


def make_init_packages(store: Store, codes: list[str], out_dir: Path | str) -> list[Path]:
    """One initialisation package per school: its identity, the county and the county's public keys."""
    require_county(store)
    store.require("clerk", "sysadmin")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    county = county_profile(store)
    signing = keystore.require_private(store.conn, keystore.OWN_SIGNING)
    enc_public = keystore.get_public(store.conn, keystore.OWN_ENCRYPTION) or b""
    codes = codes or [r[0] for r in store.query("SELECT code FROM county_schools ORDER BY code")]
    written = []
    for code in codes:
        s = get_school(store, code)
        body = {"school": {"code": s["code"], "name": s["name"], "region_code": s["region_code"],
                           **json.loads(s["profile"] or "{}")},
                "county": county, "county_encryption_public": keys.b64(enc_public),
                "county_settings": county_settings(store),
                "admission_plans": plans_for_school(store.conn, code)}
        data = seal(kind="init", sender={"code": county["code"], "name": county["name"]}, signing_private=signing,
                    recipient={"code": code, "name": s["name"]}, recipient_x25519=None, sequence=1,
                    created_at=now_iso(), body=json.dumps(body, ensure_ascii=False).encode("utf-8"))
        target = out_dir / naming.init_package_name(code, s["name"])
        write_file(target, data)
        written.append(target)
    with store.transaction() as tx:
        tx.audit("生成初始化包", "county_schools", ",".join(codes), {"files": [None, len(written)]})
    return written


def reset_school_key(store: Store, code: str, reason: str) -> str:
    """Forget a school's registered keys (a lost or replaced PC made new ones): its next package is confirmed
    against a new fingerprint slip, as a first one is. Only a leader (主管领导) may do it, with a reason; the old
    fingerprint, the reason and who approved are audited. Returns the old fingerprint."""
    require_county(store)
    store.require("leader")
    s = get_school(store, code)
    if not reason.strip():
        raise BadInput("请填写重置原因（--reason），如“学校电脑损坏，重装后生成了新密钥”。")
    if s["signing_public"] is None:
        raise BadInput(f"学校 {code}{s['name']} 还没有登记密钥，无需重置。")
    old = keys.fingerprint(bytes(s["signing_public"]))
    with store.transaction() as tx:
        # last_sequence back to 0: a school starting again from its init package numbers from 1. Packages of the
        # old key stay refused: the next one must match the newly confirmed fingerprint.
        tx.execute("UPDATE county_schools SET signing_public = NULL, encryption_public = NULL,"
                   " key_registered_at = NULL, last_sequence = 0 WHERE code = ?", (code,))
        tx.audit("重置学校密钥", "county_schools", code,
                 {"fingerprint": [old, None], "last_sequence": [s["last_sequence"], 0],
                  "reason": [None, reason.strip()], "approved_by": [None, store.user.username]})
    return old
