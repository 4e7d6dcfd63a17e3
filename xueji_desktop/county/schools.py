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
from ..school import STAGES
from ..storage import Store
from ..storage.store import now_iso
from .nutrition_settings import package_settings
from .plans import plans_for_school
from .registered_keys import forget_registered_key
from .workspace import county_profile, require_county, require_county_level, unit_words

REVIEW_NAMES = {"passed": "通过", "returned": "退回", "": "未审核"}


PLACEHOLDER_CODE = "0000000000"  # a school the list from above lacks, until its real 标识码 is known (seed 001)


def check_school_fields(county: dict[str, str], code: str, name: str, region_code: str) -> str | None:
    """What is wrong with a school's code, name or region for this county, in one sentence; None if fine."""
    if not re.fullmatch(r"\d{10}", code):
        return f"学校标识码“{code}”应为 10 位数字（还没有标识码的学校写 {PLACEHOLDER_CODE}）。"
    if not name.strip():
        return "请填写学校名称。"
    if not re.fullmatch(r"\d{12}", region_code) or not region_code.startswith(county["code"]):
        return f"学校区划代码“{region_code}”应为 12 位数字，且以本单位代码 {county['code']} 开头。"
    return None


def add_school(store: Store, code: str, name: str, region_code: str) -> None:
    """Add a school to the list; code 0000000000 adds a placeholder, told apart from others by its name."""
    require_county(store)
    store.require("clerk", "sysadmin")
    name = name.strip()
    problem = check_school_fields(county_profile(store), code, name, region_code)
    if problem:
        raise BadInput(problem)
    if code == PLACEHOLDER_CODE:
        if store.query("SELECT 1 FROM county_placeholder_schools WHERE name = ?", (name,)):
            raise BadInput(f"已有名为“{name}”的待补标识码学校；几所学校都没有标识码时，请用名称区分它们。")
    elif store.query("SELECT 1 FROM county_schools WHERE code = ?", (code,)):
        raise BadInput(f"学校 {code} 已在{unit_words(store).own}学校名单中。")
    with store.transaction() as tx:
        insert_school(tx, code, name, region_code)


def insert_school(tx, code: str, name: str, region_code: str, nutrition: bool | None = None) -> None:
    if code == PLACEHOLDER_CODE:
        tx.execute("INSERT INTO county_placeholder_schools (name, region_code, nutrition) VALUES (?, ?, ?)",
                   (name, region_code, int(bool(nutrition))))
        tx.audit("添加待补标识码学校", "county_placeholder_schools", name, {"region_code": [None, region_code]})
        return
    tx.execute("INSERT INTO county_schools (code, name, region_code, nutrition) VALUES (?, ?, ?, ?)",
               (code, name, region_code, int(bool(nutrition))))
    tx.audit("添加学校", "county_schools", code, {"name": [None, name], "region_code": [None, region_code]})


def list_schools(store: Store, *, placeholders: bool = False) -> list[dict[str, Any]]:
    """The schools of the list with their students, key, review state and 学段 (``stages``, e.g. "小学、初中",
    from the classes of its reports; "" before its first); with ``placeholders`` also those still without a
    标识码 (code 0000000000, at the end)."""
    stages = _reported_stages(store)
    rows = store.query_dicts(
        "SELECT s.code, s.name, s.region_code, s.signing_public, s.last_sequence, s.last_created_at, s.imported_at,"
        " s.review_state, s.review_reason, s.nutrition, (SELECT count(*) FROM county_students c"
        " WHERE c.school_code = s.code) AS students FROM county_schools s ORDER BY s.code")
    for r in rows:
        pub = r.pop("signing_public")
        r["fingerprint"] = keys.fingerprint(bytes(pub)) if pub else ""
        r["review_name"] = REVIEW_NAMES.get(r["review_state"], r["review_state"])
        r["placeholder"] = False
        r["stages"] = stages.get(r["code"], "")
    if placeholders:
        for name, region, nutrition in store.query(
                "SELECT name, region_code, nutrition FROM county_placeholder_schools ORDER BY name"):
            rows.append({"code": PLACEHOLDER_CODE, "name": name, "region_code": region, "last_sequence": 0,
                         "last_created_at": "", "imported_at": "", "review_state": "", "review_reason": "",
                         "nutrition": nutrition, "students": 0, "fingerprint": "", "review_name": "",
                         "placeholder": True, "stages": ""})
    return rows


def _reported_stages(store: Store) -> dict[str, str]:
    """School code -> the 学段 of its reported classes (the 5th digit of a 班号 is the stage, school.class_code)."""
    found: dict[str, set[int]] = {}
    for code, digit in store.query("SELECT DISTINCT school_code, substr(class_code, 5, 1) FROM county_classes"):
        if digit.isdigit() and int(digit) in STAGES:
            found.setdefault(code, set()).add(int(digit))
    return {code: "、".join(STAGES[s] for s in sorted(stages)) for code, stages in found.items()}


def _has_data(store: Store, code: str) -> str:
    """Why the school cannot be removed or recoded ('' if it can): data imported, a key registered."""
    s = get_school(store, code)
    if s["imported_at"] or store.query("SELECT 1 FROM county_students WHERE school_code = ? LIMIT 1", (code,)):
        return "已导入过它的上报数据"
    if s["signing_public"] is not None:
        return "已登记了它的密钥"
    if store.query("SELECT 1 FROM county_changes WHERE school_code = ? LIMIT 1", (code,)):
        return "有它的学籍异动记录"
    return ""


def edit_school(store: Store, which: str, *, name: str | None = None, region_code: str | None = None,
                new_code: str | None = None) -> str:
    """Change a school's name, region code or 标识码. ``which`` is its 标识码, or the name of a school still
    without one (placeholder). A 标识码 changes only while the county holds no data of the school (data and
    keys are bound to the code); giving a placeholder its real code moves it into the list. Returns the code."""
    require_county(store)
    store.require("clerk", "sysadmin")
    county = county_profile(store)
    placeholder = _placeholder(store, which)
    if placeholder is not None:
        old_name, old_region, nutrition = placeholder
        code = new_code or PLACEHOLDER_CODE
        new_name, new_region = (name or old_name).strip(), region_code or old_region
        problem = check_school_fields(county, code, new_name, new_region)
        if problem:
            raise BadInput(problem)
        if code != PLACEHOLDER_CODE and store.query("SELECT 1 FROM county_schools WHERE code = ?", (code,)):
            raise BadInput(f"学校 {code} 已在{unit_words(store).own}学校名单中，不能再给“{old_name}”用。")
        if code == PLACEHOLDER_CODE and new_name != old_name and _placeholder(store, new_name) is not None:
            raise BadInput(f"已有名为“{new_name}”的待补标识码学校。")
        with store.transaction() as tx:
            tx.execute("DELETE FROM county_placeholder_schools WHERE name = ?", (old_name,))
            insert_school(tx, code, new_name, new_region, bool(nutrition))
            tx.audit("修改学校", "county_schools", code, {"code": [PLACEHOLDER_CODE, code],
                                                         "name": [old_name, new_name],
                                                         "region_code": [old_region, new_region]})
        return code
    s = get_school(store, which)
    code = new_code or s["code"]
    new_name, new_region = (name or s["name"]).strip(), region_code or s["region_code"]
    problem = check_school_fields(county, code, new_name, new_region)
    if problem:
        raise BadInput(problem)
    if code != s["code"]:
        if code == PLACEHOLDER_CODE:
            raise BadInput("已有标识码的学校不能改回 0000000000。")
        if store.query("SELECT 1 FROM county_schools WHERE code = ?", (code,)):
            raise BadInput(f"学校 {code} 已在{unit_words(store).own}学校名单中。")
        why = _has_data(store, s["code"])
        if why:
            raise BadInput(f"学校 {s['code']}{s['name']} {why}，标识码不能再改（数据和密钥都以标识码为准）。")
    with store.transaction() as tx:
        tx.execute("UPDATE county_schools SET code = ?, name = ?, region_code = ? WHERE code = ?",
                   (code, new_name, new_region, s["code"]))
        tx.audit("修改学校", "county_schools", code, {"code": [s["code"], code], "name": [s["name"], new_name],
                                                     "region_code": [s["region_code"], new_region]})
    return code


def remove_school(store: Store, which: str) -> None:
    """Remove a school that has no data here (by 标识码, or a placeholder by its name)."""
    require_county(store)
    store.require("clerk", "sysadmin")
    if _placeholder(store, which) is not None:
        with store.transaction() as tx:
            tx.execute("DELETE FROM county_placeholder_schools WHERE name = ?", (which,))
            tx.audit("删除待补标识码学校", "county_placeholder_schools", which, {})
        return
    s = get_school(store, which)
    why = _has_data(store, s["code"])
    if why:
        raise BadInput(f"学校 {s['code']}{s['name']} {why}，不能删除。")
    with store.transaction() as tx:
        tx.execute("DELETE FROM county_classes WHERE school_code = ?", (s["code"],))
        tx.execute("DELETE FROM county_schools WHERE code = ?", (s["code"],))
        tx.audit("删除学校", "county_schools", s["code"], {"name": [s["name"], None]})


def _placeholder(store: Store, name: str) -> tuple | None:
    rows = store.query("SELECT name, region_code, nutrition FROM county_placeholder_schools WHERE name = ?",
                       (name.strip(),))
    return rows[0] if rows else None


def verify_schools(store: Store) -> list[dict[str, str]]:
    """学校标识码核对: every school of the list checked — 10 digits, region code in this county, the code's
    region digits (3rd-6th, e.g. 21[1401]0068) in this city, names appearing twice — and the schools still
    without a 标识码, listed for completion. [{code, name, problem}], empty when all is in order."""
    require_county(store)
    county = county_profile(store)
    found: list[dict[str, str]] = []
    names: dict[str, list[str]] = {}
    for s in list_schools(store, placeholders=True):
        code, name = s["code"], s["name"]
        names.setdefault(name, []).append(code)
        if s["placeholder"]:
            found.append({"code": code, "name": name, "problem": "还没有学校标识码：请向上级核实后补全"
                          "（学校名单页“编辑…”，或 xueji county schools edit 学校名称 --code 标识码）"})
            continue
        problem = check_school_fields(county, code, name, s["region_code"])
        if problem:
            found.append({"code": code, "name": name, "problem": problem})
        elif code[2:6] != county["code"][:4]:
            found.append({"code": code, "name": name,
                          "problem": f"标识码第 3-6 位 {code[2:6]} 不是本市代码 {county['code'][:4]}，请核对"})
    for name, codes in names.items():
        if len(codes) > 1:
            found.append({"code": "、".join(codes), "name": name,
                          "problem": f"学校名称“{name}”出现 {len(codes)} 次，请核对"})
    return found


def get_school(store: Store, code: str) -> dict[str, Any]:
    rows = store.query_dicts("SELECT * FROM county_schools WHERE code = ?", (code,))
    if not rows:
        raise BadInput(f"学校 {code} 不在{unit_words(store).own}学校名单中：请先在“学校名单”页添加"
                       "（命令行 xueji county add-school）。")
    return rows[0]


def make_init_packages(store: Store, codes: list[str], out_dir: Path | str) -> list[Path]:
    """One initialisation package per school: its identity, the county and the county's public keys."""
    require_county_level(store, "school_init")
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
                "county_settings": {**county_settings(store), **package_settings(store, code)},
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
    """Forget a school's registered keys; see :func:`registered_keys.forget_registered_key`."""
    require_county_level(store, "school_keys")
    return forget_registered_key(store, "county_schools", get_school(store, code), reason, named="学校 ",
                                 whose_pc="学校", action="重置学校密钥")
