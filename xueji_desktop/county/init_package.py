"""The initialisation data a county receives from above (seed 001: 教育部发放的本县的初始化数据): its own code
and name, its city, and its school list, signed by the city store that issued it (the same program, one level
up: `xueji county init --level city`), with the city's public keys so that what the county passes up is
encrypted to the city.

`xueji county make-county-init CODE NAME --out DIR` (city) writes it; `xueji county init --from-package PKG`
(county) creates the county's file from it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import BadInput
from ..exchange import keys, keystore, naming
from ..exchange.container import open_envelope, read_file, seal
from ..outfiles import write_file
from ..storage import Store
from ..storage.store import now_iso
from .counties import register_county
from .schools import check_school_fields, insert_school, list_schools
from .workspace import check_county_profile, county_profile, create_county_store, require_county, store_level


def make_county_init(store: Store, county_code: str, county_name: str, out_dir: Path | str) -> Path:
    """A signed init package for one county of this city: the city's schools whose region code lies in it. The
    county joins the city's county list (county/counties.py)."""
    require_county(store)
    store.require("clerk", "sysadmin")
    city = county_profile(store)
    if store_level(store) != "city":
        raise BadInput("县级初始化包由地市级数据文件生成（xueji county init --level city）。")
    county = {"code": county_code.strip(), "name": county_name.strip(), "city_code": city["code"],
              "city_name": city["name"]}
    check_county_profile(county)
    schools = [{"code": s["code"], "name": s["name"], "region_code": s["region_code"],
                "nutrition": bool(s["nutrition"])}
               for s in list_schools(store, placeholders=True) if s["region_code"].startswith(county["code"])]
    body = {"county": county, "schools": schools,
            "upper": {"level": "city", "code": city["code"], "name": city["name"],
                      "encryption_public": keys.b64(keystore.get_public(store.conn, keystore.OWN_ENCRYPTION) or b"")}}
    data = seal(kind="county_init", sender={"code": city["code"], "name": city["name"]},
                signing_private=keystore.require_private(store.conn, keystore.OWN_SIGNING),
                recipient={"code": county["code"], "name": county["name"]}, recipient_x25519=None, sequence=1,
                created_at=now_iso(), body=json.dumps(body, ensure_ascii=False).encode("utf-8"))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = naming.unique(out_dir / f"{county['code']}{county['name']}_县级初始化包.xjpkg")
    with store.transaction() as tx:
        register_county(tx, county["code"], county["name"])  # its packages are accepted from now on
        tx.audit("生成县级初始化包", "county_schools", county["code"], {"schools": [None, len(schools)]})
        write_file(target, data)
    return target


def read_county_init(path: Path | str) -> tuple[dict[str, Any], bytes]:
    """(body, the city's signing key) of a county init package, its shapes checked."""
    name = Path(path).name
    env = open_envelope(read_file(path), name)
    if env.kind != "county_init":
        raise BadInput(f"{name} 不是县级初始化包（是{env.kind}）：请使用上级下发的本县初始化数据。")
    try:
        body = json.loads(bytes(env.payload))
        county, schools, upper = body["county"], body["schools"], body["upper"]
        if not (isinstance(county, dict) and isinstance(schools, list) and isinstance(upper, dict)
                and all(isinstance(s, dict) for s in schools)):
            raise TypeError
        check_county_profile({k: str(county.get(k, "")) for k in ("code", "name", "city_code", "city_name")})
        for s in schools:
            problem = check_school_fields(county, str(s.get("code", "")), str(s.get("name", "")),
                                          str(s.get("region_code", "")))
            if problem:
                raise BadInput(f"{name}：学校名单有误（{problem}）。")
        keys.unb64(str(upper.get("encryption_public", "")), "上级加密公钥", 32)
    except (ValueError, KeyError, TypeError):
        raise BadInput(f"{name}：初始化包内容无效，不是本程序写出的。") from None
    return body, env.signing_public


def init_from_package(package: Path | str, db: Path | str, *, username: str, password: str,
                      display_name: str = "") -> tuple[Store, str, str, int]:
    """A new county store from the package: profile, school list, the city's keys. Returns (store, recovery
    key, fingerprint, schools)."""
    body, city_signing = read_county_init(package)
    county = {k: str(body["county"][k]) for k in ("code", "name", "city_code", "city_name")}
    store, recovery, fp = create_county_store(db, username=username, password=password, county=county,
                                              display_name=display_name)
    try:
        with store.transaction() as tx:
            for s in body["schools"]:
                insert_school(tx, str(s["code"]), str(s["name"]).strip(), str(s["region_code"]),
                              bool(s.get("nutrition")))
            keystore.put(tx, keystore.UPPER_SIGNING, "ed25519", city_signing)
            keystore.put(tx, keystore.UPPER_ENCRYPTION, "x25519",
                         keys.unb64(body["upper"]["encryption_public"], "上级加密公钥", 32))
            tx.audit("用县级初始化包初始化", "county_schools", county["code"],
                     {"schools": [None, len(body["schools"])], "upper": [None, body["upper"].get("code", "")]})
    except BaseException:
        store.close()
        raise
    return store, recovery, fp, len(body["schools"])
