"""The county store: its creation, its profile (county and city code and name), and the county-only guard."""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

from ..errors import BadInput
from ..exchange import keystore
from ..storage import Store


def check_county_profile(county: dict[str, str], level: str = "county") -> None:
    """A county: 6-digit code under its 4-digit city. A city (level ``city``): 4-digit code under its
    2-digit province, kept in the same fields (``city_code``/``city_name`` then name the province)."""
    if level == "city":
        if not re.fullmatch(r"\d{4}", county.get("code", "")) or not county.get("name", "").strip():
            raise BadInput("地市代码应为 4 位数字（如 1401），并请填写地市名称。")
        if not re.fullmatch(r"\d{2}", county.get("city_code", "")) or county["code"][:2] != county["city_code"]:
            raise BadInput("省级代码应为 2 位数字，且是地市代码的前 2 位（如 14）。")
        if not county.get("city_name", "").strip():
            raise BadInput("请填写省份名称。")
        return
    if not re.fullmatch(r"\d{6}", county.get("code", "")):
        raise BadInput("县级区划代码应为 6 位数字（如 140106）。")
    if not county.get("name", "").strip():
        raise BadInput("请填写县（区）名称。")
    if not re.fullmatch(r"\d{4}", county.get("city_code", "")) or county["code"][:4] != county["city_code"]:
        raise BadInput("地市代码应为 4 位数字，且是县级区划代码的前 4 位（如 1401）。")
    if not county.get("city_name", "").strip():
        raise BadInput("请填写地市名称。")


def create_county_store(path: Path | str, *, username: str, password: str, county: dict[str, str],
                        display_name: str = "", level: str = "county") -> tuple[Store, str, str]:
    """A new county-mode store with the unit's key pairs (a city's with ``level`` city). Returns (store,
    recovery key, fingerprint)."""
    check_county_profile(county, level)
    store, recovery = Store.create(path, username=username, password=password, display_name=display_name,
                                   mode="county")
    with store.transaction() as tx:
        for k in ("code", "name", "city_code", "city_name"):
            store.set_meta(tx, f"county_{k}", county[k].strip())
        store.set_meta(tx, "level", level)
        keystore.ensure_own_keys(tx)
    return store, recovery, keystore.own_fingerprint(store.conn) or ""


def county_profile(store: Store) -> dict[str, str]:
    return {k: store.meta(f"county_{k}", "") or "" for k in ("code", "name", "city_code", "city_name")}


def require_county(store: Store) -> None:
    if store.mode != "county":
        raise BadInput("这是学校端数据文件；该操作只能在县级端进行（xueji county init 创建县级数据文件）。")


def store_level(store: Store) -> str:
    """'county' or 'city' (a city store is a county-mode store one level up: `xueji county init --level city`)."""
    return store.meta("level", "county") or "county"


class UnitWords(NamedTuple):
    """How a message names the open file's own unit: ``own`` 本县/本市, ``level`` 县级/市级."""

    own: str
    level: str


def unit_words(store: Store) -> UnitWords:
    """The words for messages shown at both levels (a city runs the county program one level up)."""
    return UnitWords("本市", "市级") if store_level(store) == "city" else UnitWords("本县", "县级")
