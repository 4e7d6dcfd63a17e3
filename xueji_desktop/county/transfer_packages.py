"""County-to-county transfer packages (县际转学包): ``county transfer-out`` writes one per county this county
exchanges transfers with, signed and encrypted to that county's key; ``county transfer-in`` imports one.

Each carries, for every transfer the two counties share, a snapshot of the part its sender owns (see
``transfers``): the receiving county sends the request and the receiving side's states, the sending county
the sending side's states and, once the sending school has marked the child 转出, the record. Keys are
confirmed once by fingerprint, as schools' are. Two counties that never exchanged anything have no key to
encrypt to: the first package is an introduction (the sender's keys, no personal data), answered by the
other county's first package, after which everything travels encrypted.
"""

from __future__ import annotations

import base64
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import BadInput
from ..exchange import keys, keystore, naming
from ..exchange.container import open_envelope, read_file, seal
from ..outfiles import write_file
from ..records.transfers import P_REFUSED, valid_key
from ..storage import Store
from ..storage.store import Tx, now_iso
from .transfers import (
    COMPLETED,
    MAX_ITEMS,
    OPEN,
    REFUSED,
    WITHDRAWN,
    check_sending_side,
    get_transfer,
    own_code,
    party,
    refuse,
    save_transfer,
)
from .workspace import county_profile, require_county_level


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
    require_county_level(store, "transfers")
    store.require("clerk", "leader")
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
            shared = [get_transfer(tx.conn, k) for (k,) in tx.execute(
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
    require_county_level(store, "transfers")
    env = open_envelope(read_file(path), name)
    if env.kind != "transfer":
        raise BadInput(f"{name}：不是县际转学包（是{env.kind}）。")
    code = str(env.sender.get("code", ""))
    own = own_code(store)
    if not re.fullmatch(r"\d{6}", code) or code == own:
        raise BadInput(f"{name}：发送方 {code[:10]} 不是另一个县（区）。")
    if env.header.get("recipient", {}).get("code") != own:
        raise BadInput(f"{name}：转学包是发给 {env.header.get('recipient', {}).get('code')} 的，不是本县。")
    peer = _peer(store.conn, code)
    if peer and peer["signing_public"] is not None and bytes(peer["signing_public"]) != env.signing_public:
        raise BadInput(f"{name}：{code}{env.sender.get('name', '')} 的转学包不是由本县登记的该县密钥（指纹 "
                       f"{keys.fingerprint(bytes(peer['signing_public']))}）签名的，拒绝导入。请与对方核实。")
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
        # As for schools (county/intake.py), the package's own fingerprint is never shown: a message showing it
        # could be copied back. The other county reads out its fingerprint (xueji county fingerprint).
        if not confirm_fingerprint:
            raise BadInput(f"{name}：第一次收到 {code}{peer_name} 的转学包，需要先核对它的签名密钥：请对方县级"
                           "（xueji county fingerprint）电话逐组读出或盖章发来其指纹，输入 --confirm-fingerprint"
                           "（图形界面：导入时弹出的核对框）后再导入。")
        if keys.normalise_fingerprint(confirm_fingerprint) != keys.normalise_fingerprint(env.fingerprint):
            raise BadInput(f"{name}：输入的指纹与 {code}{peer_name} 转学包的签名密钥不一致，拒绝导入。请再与对方核对；"
                           "确实无误时，这个包不是该县现在的密钥签发的（可能被冒名）。")
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
            tx.audit("登记县级密钥", "county_peers", code, {"fingerprint": [None, env.fingerprint],
                                                        "confirmed_by": [None, store.user.username]})
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
    return {p: party(str(v.get("state", ""))[:16], str(v.get("reason", ""))[:200], str(v.get("at", ""))[:25])
            for p, v in parties.items() if p in allowed and isinstance(v, dict)}


def _from_receiving_county(store: Store, tx: Tx, peer: str, item: dict[str, Any]) -> str:
    """We are the sending county: a request (or its update) from the receiving county."""
    own = own_code(store)
    t = get_transfer(tx.conn, item["key"])
    if t is not None:
        if t["to_county"] != peer or t["from_county"] != own:
            raise BadInput(f"转学包中的转学申请 {item['key']} 不属于 {peer} 与本县之间，拒绝导入。")
        old = t["state"]
        t["parties"].update(_clean_parties(item.get("parties"), ("rs", "rc")))
        if t["state"] == OPEN and item.get("state") in (WITHDRAWN, REFUSED, COMPLETED):
            t["state"] = str(item["state"])
        if t["parties"] != get_transfer(tx.conn, item["key"])["parties"] or t["state"] != old:
            save_transfer(tx, t, "转入地县级更新转学", old)
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
        problem = check_sending_side(tx.conn, t)
    if problem:
        refuse(t, "sc", problem, tx.ts)
    save_transfer(tx, t, "收到外县转学申请", None)
    return f"{t['key']}（{t['name']}）：{problem}" if problem else ""


def _from_sending_county(tx: Tx, peer: str, item: dict[str, Any]) -> int:
    """We are the receiving county: the sending side's decisions and, once 转出, the record."""
    t = get_transfer(tx.conn, item["key"])
    if t is None or t["from_county"] != peer or t["to_county"] != own_code(tx.conn):
        raise BadInput(f"转学包中的转学 {item['key']} 不是本县向 {peer} 提出的，拒绝导入。")
    old, before = t["state"], json.dumps(t["parties"], sort_keys=True)
    t["parties"].update(_clean_parties(item.get("parties"), ("ss", "sc")))
    t["from_school_name"] = str(item.get("from_school_name", ""))[:60] or t["from_school_name"]
    if t["state"] == OPEN and item.get("state") == REFUSED:
        t["state"] = REFUSED
    got_record = False
    if t["state"] == OPEN and item.get("record") and not t["record"]:
        from ..exchange.payload import parse_student_line

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
    save_transfer(tx, t, "转出地县级更新转学", old)
    return 1
