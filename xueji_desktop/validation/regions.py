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

    A code that came into use AFTER someone's birth is fine: numbers are assigned at registration,
    which for parents' generation was often decades after birth (the first ID cards date from 1985).
    A code retired before the birth year cannot have been assigned. One year of grace covers
    mid-year changes and offices that kept the old code for a while.
    """
    spans = county_spans(code6)
    if not spans or any(s.end is None or s.end + 1 >= year for s in spans):
        return None
    return max(spans, key=lambda s: s.end or 0)


def region_name(code6: str) -> str:
    spans = county_spans(code6)
    return spans[-1].name if spans else ""
