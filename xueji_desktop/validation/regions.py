"""County-level region codes (GB/T 2260), including retired ones, from python-stdnum's bundled dataset.

``stdnum.numdb.get('cn/loc')`` carries every code with the years it was in use ("[1983-1988]古交工矿区"),
compiled from the published GB/T 2260 editions. We use it rather than typing a table: it is maintained
upstream and already holds the retired codes that old ID numbers keep. A lookup costs ~150 µs, so results
are cached per code (there are only a few thousand).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from stdnum import numdb

# Prefixes of 港澳台居民居住证 numbers (GB/T 2260 has 710000 for Taiwan; the permits use 830000).
RESIDENCE_PERMIT_AREAS = {"810000": "香港", "820000": "澳门", "830000": "台湾"}


@dataclass(frozen=True)
class CountySpan:
    name: str
    start: int | None  # first year in use (None: before the first edition we know of)
    end: int | None    # last year in use (None: still in use)


@cache
def county_spans(code6: str) -> tuple[CountySpan, ...]:
    """Every use of a 6-digit code, or () when it never was a region code."""
    info = numdb.get("cn/loc").info(code6)
    county = next((props["county"] for _, props in info if "county" in props), None)
    if county is None:
        return ()
    spans = []
    for part in county.split(","):
        if part.startswith("["):
            years, name = part[1:].split("]", 1)
            start, end = years.split("-")
            spans.append(CountySpan(name, int(start) if start else None, int(end) if end else None))
        else:
            spans.append(CountySpan(part, None, None))
    return tuple(spans)


@cache
def province_name(code2: str) -> str | None:
    info = numdb.get("cn/loc").info(code2 + "0000")
    return next((props["province"] for _, props in info if "province" in props), None)


def is_known(code6: str) -> bool:
    return bool(county_spans(code6))


def retired_before(code6: str, year: int) -> CountySpan | None:
    """The last use of ``code6`` when it had been retired before ``year`` (else None).

    A code retired before someone's birth year cannot have been assigned to them.
    """
    spans = county_spans(code6)
    if not spans or any(s.end is None or s.end >= year for s in spans):
        return None
    return max(spans, key=lambda s: s.end or 0)


def started_after(code6: str, year: int) -> CountySpan | None:
    """The first use of ``code6`` when it only came into use after ``year`` (else None).

    Numbers are assigned at first registration. For children that is the birth year, so a code created
    later is a typing slip; for the parents' generation (first ID cards from 1985) it is normal.
    """
    spans = county_spans(code6)
    if not spans or any(s.start is None or s.start <= year for s in spans):
        return None
    return min(spans, key=lambda s: s.start or 0)


def region_name(code6: str) -> str:
    spans = county_spans(code6)
    return spans[-1].name if spans else ""


# ---- names → codes ------------------------------------------------------------------------------------
# People write 户口所在地 / 出生地 / 籍贯 as names (山西省太原市小店区), the form wants the county's code. Only
# current names (no end year) count, at county level (codes not ending in 00); a name is indexed under the
# forms a writer may use: 省+市+县, 省+县 (直辖市, or the city left out), 市+县 and the county alone.

_NO_PREFECTURE = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划", "省直辖县级行政单位",
                            "自治区直辖县级行政单位"})


def _current_name(code6: str) -> str | None:
    return next((s.name for s in county_spans(code6) if s.end is None), None)


@cache
def _name_index() -> dict[str, frozenset[str]]:
    index: dict[str, set[str]] = {}
    for _length, low, high, props, children in numdb.get("cn/loc").prefixes:
        province = props.get("province", "")
        if low != high or not province:
            continue
        codes = [low + c_low for _l, c_low, c_high, _props, _children in children if c_low == c_high]
        counties = [c for c in codes if not c.endswith("00") and _current_name(c) not in (None, *_NO_PREFECTURE)]
        with_counties = {c[:4] for c in counties}
        # A city without counties (东莞市, 儋州市) is itself the county level: its own code is what IDs carry.
        cities = [c for c in codes if c.endswith("00") and not c.endswith("0000") and c[:4] not in with_counties
                  and _current_name(c) not in (None, *_NO_PREFECTURE)]
        for code6 in counties + cities:
            name = _current_name(code6) or ""
            keys = {name, province + name}
            prefecture = _current_name(code6[:4] + "00")
            if code6 in counties and prefecture and prefecture not in _NO_PREFECTURE:
                keys |= {prefecture + name, province + prefecture + name}
            for key in keys:
                index.setdefault(key, set()).add(code6)
    return {k: frozenset(v) for k, v in index.items()}


def counties_named(text: str) -> frozenset[str]:
    """6-digit codes of the current county-level regions that ``text`` starts with, by the longest name that
    fits: 山西省太原市小店区 / 太原市小店区 / 小店区平阳路30号 → {140105}; 朝阳区 → Beijing's and Changchun's."""
    index = _name_index()
    for end in range(len(text), 1, -1):
        codes = index.get(text[:end])
        if codes:
            return codes
    return frozenset()


@cache
def _higher_index() -> dict[str, frozenset[str]]:
    """Province and prefecture names → their 6-digit codes (安徽省 → 340000; 安徽省合肥市, 合肥市 → 340100).

    籍贯, 出生地 and 户口所在地 are asked for at county level, and their codes are accepted at the levels above it
    (340100000000 is a known code: the city of 合肥); the same names written out must be accepted as well."""
    index: dict[str, set[str]] = {}
    for _length, low, high, props, children in numdb.get("cn/loc").prefixes:
        province = props.get("province", "")
        if low != high or not province:
            continue
        index.setdefault(province, set()).add(low + "0000")
        for _l, c_low, c_high, _props, _children in children:
            code6 = low + c_low
            name = _current_name(code6) if c_low == c_high else None
            if (not c_low.endswith("00") or c_low == "0000" or name is None or name in _NO_PREFECTURE
                    or name == province):
                continue
            for key in (name, province + name):
                index.setdefault(key, set()).add(code6)
    return {k: frozenset(v) for k, v in index.items()}


def higher_named(text: str) -> frozenset[str]:
    """6-digit codes of the current provinces or prefectures named exactly ``text`` (安徽省, 安徽省合肥市, 合肥市)."""
    return _higher_index().get(text, frozenset())


def full_name(code6: str) -> str:
    """省 + 市 + 县 of a current county code (市 left out where there is none): 山西省太原市小店区."""
    province = province_name(code6[:2]) or ""
    if code6.endswith("0000"):
        return province
    prefecture = _current_name(code6[:4] + "00")
    if prefecture is None or prefecture in _NO_PREFECTURE or prefecture == province or code6.endswith("00"):
        prefecture = ""
    return province + prefecture + (_current_name(code6) or region_name(code6))
