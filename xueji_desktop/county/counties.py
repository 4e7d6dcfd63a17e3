"""The city's list of its counties (县区名单, table ``city_counties``): which counties' upward packages it accepts,
with each county's registered keys and the sequence of its last package.

A county enters the list when the city issues its init package (``county make-county-init``) or by hand
(``county counties add``); a package from a county not in the list is refused with a message naming it.
The schools of a county are those whose 12-digit region code starts with the county's 6-digit code.
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import BadInput
from ..exchange import keys
from ..storage import Store
from ..storage.store import Tx
from .registered_keys import forget_registered_key
from .workspace import county_profile, require_county, store_level


def require_city(store: Store) -> None:
    require_county(store)
    if store_level(store) != "city":
        raise BadInput("该操作只能在地市级数据文件上进行（xueji county init --level city 创建）。")


def county_of(region_code: str) -> str:
    """The county (6-digit code) a school belongs to, from its 12-digit region code."""
    return region_code[:6]


def check_county_code(store: Store, code: str, name: str) -> None:
    city = county_profile(store)
    if not re.fullmatch(r"\d{6}", code) or not code.startswith(city["code"]):
        raise BadInput(f"县级区划代码“{code}”应为 6 位数字，且以本市代码 {city['code']} 开头。")
    if not name.strip():
        raise BadInput("请填写县（区）名称。")


def register_county(tx: Tx, code: str, name: str) -> None:
    """Put a county in the list (or rename it); its keys and sequence stay."""
    old = tx.execute("SELECT name FROM city_counties WHERE code = ?", (code,)).fetchone()
    if old is None:
        tx.execute("INSERT INTO city_counties (code, name) VALUES (?, ?)", (code, name))
        tx.audit("添加县（区）", "city_counties", code, {"name": [None, name]})
    elif old[0] != name:
        tx.execute("UPDATE city_counties SET name = ? WHERE code = ?", (name, code))
        tx.audit("修改县（区）", "city_counties", code, {"name": [old[0], name]})


def add_county(store: Store, code: str, name: str) -> None:
    require_city(store)
    store.require("clerk", "sysadmin")
    code, name = code.strip(), name.strip()
    check_county_code(store, code, name)
    with store.transaction() as tx:
        register_county(tx, code, name)


def list_counties(store: Store) -> list[dict[str, Any]]:
    """The counties with their key fingerprint, last package and how many schools and students the city holds."""
    require_city(store)
    rows = store.query_dicts(
        "SELECT c.code, c.name, c.signing_public, c.last_sequence, c.last_created_at, c.imported_at,"
        " (SELECT count(*) FROM county_schools s WHERE substr(s.region_code, 1, 6) = c.code"
        "  AND s.imported_at <> '') AS schools,"
        " (SELECT count(*) FROM county_students t JOIN county_schools s ON s.code = t.school_code"
        "  WHERE substr(s.region_code, 1, 6) = c.code) AS students FROM city_counties c ORDER BY c.code")
    for r in rows:
        pub = r.pop("signing_public")
        r["fingerprint"] = keys.fingerprint(bytes(pub)) if pub else ""
    return rows


def get_county(store: Store, code: str) -> dict[str, Any]:
    rows = store.query_dicts("SELECT * FROM city_counties WHERE code = ?", (code,))
    if not rows:
        raise BadInput(f"县（区）{code} 不在本市县（区）名单中：请先添加（xueji county counties add 代码 名称，"
                       "或为它生成县级初始化包 xueji county make-county-init）。")
    return rows[0]


def county_names(store: Store) -> dict[str, str]:
    return dict(store.query("SELECT code, name FROM city_counties"))


def reset_county_key(store: Store, code: str, reason: str) -> str:
    """Forget a county's registered keys; see :func:`registered_keys.forget_registered_key`."""
    require_city(store)
    return forget_registered_key(store, "city_counties", get_county(store, code), reason, named="县（区）",
                                 whose_pc="县级", action="重置县（区）密钥")
