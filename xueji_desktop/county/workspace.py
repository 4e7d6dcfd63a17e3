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


class CountyOnly(NamedTuple):
    """A function a county does for its schools and a city does not: ``what`` it is and ``why`` (who does it, by
    the seed workflows, and what the city does instead)."""

    what: str
    why: str


# A city oversees its counties (seed 000: 市级 指导、督促 县级; seed 003: 审核区县上报的数据); it receives their
# upward packages and feeds back to them. What a county does for its schools stays at the county:
COUNTY_ONLY: dict[str, CountyOnly] = {
    "transfers": CountyOnly(
        "转学（转学申请的核办、县际转学包）",
        "按种子文件 001 的转学流程，同区县转学由该县学籍主管部门核办，跨区县转学由转入地、转出地两个县（区）的"
        "学籍主管部门各自核办，地市不是核办的一方；跨县转学由两个县级数据文件用县际转学包办理"),
    "admissions": CountyOnly(
        "招生计划和招生名单",
        "按种子文件 001、002 的招生入学流程，招生计划由县级学籍主管部门为辖区内学校设置、核办变更申请，"
        "招生结果名单也由县级导入、查重"),
    "school_init": CountyOnly(
        "生成学校初始化包",
        "学校的初始化包由所在县（区）生成、下发（种子文件 001）；地市为县（区）生成县级初始化包"
        "（xueji county make-county-init，“学校名单”页的“生成县级初始化包…”）"),
    "nutrition_init": CountyOnly(
        "生成营养餐学校的初始化包",
        "营养改善计划是各县（区）的，初始化包由县（区）下发给本县享受营养餐的学校；地市只查看各县上报的计划"),
    "school_review": CountyOnly(
        "审核学校上报的数据、给学校生成反馈包",
        "学校的数据由所在县（区）审核，地市只收到县级审核通过的学校；地市的意见用给县（区）的反馈包告知该县"
        "（xueji county feedback 县级区划代码，“审核”页）"),
    "school_changes": CountyOnly(
        "审核学校的学籍异动",
        "学籍异动由学校所在县（区）核办，核办结论随县级汇总包上报；地市可以查看（xueji county changes）"),
    "school_keys": CountyOnly(
        "重置学校密钥",
        "学校的签名密钥登记在所在县（区）；地市登记的是县（区）的密钥（xueji county counties reset-key）"),
}


def refused_at_city(store: Store, function: str) -> str:
    """Why ``function`` (a key of :data:`COUNTY_ONLY`) cannot be done on this file: '' on a county's file. The GUI
    hides the function's page or buttons on a city file by this, the core refuses by :func:`require_county_level`."""
    if store_level(store) != "city":
        return ""
    f = COUNTY_ONLY[function]
    return f"{f.what}是县级的工作，地市级数据文件上不能办理：{f.why}。"


def require_county_level(store: Store, function: str) -> None:
    """A county's file (not a school's, not a city's) for one of the :data:`COUNTY_ONLY` functions."""
    require_county(store)
    why = refused_at_city(store, function)
    if why:
        raise BadInput(why)
