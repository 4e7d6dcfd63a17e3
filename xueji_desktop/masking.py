"""Partly hidden ID numbers and phone numbers, for copies that leave the school's own work.

Seed 001 (数据导出使用管理规则 第十条): only the fewest fields a purpose needs leave the system. A roster for
parents' signatures, or a list handed to another unit, rarely needs the full ID number or phone: the
masked forms below keep enough to tell students apart and let a parent recognise their own line.
"""

from __future__ import annotations

import re


def mask_id(number: str) -> str:
    """Hide the middle: an 18-digit ID keeps its area code and last 4 (``140106********123X``), shorter
    document numbers keep 2 characters at each end."""
    number = (number or "").strip()
    keep_front, keep_back = (6, 4) if len(number) >= 15 else (2, 2)
    if len(number) <= keep_front + keep_back:
        return "*" * len(number)
    return number[:keep_front] + "*" * (len(number) - keep_front - keep_back) + number[-keep_back:]


def mask_phone(phone: str) -> str:
    """Mobile ``138****5678``; fixed line keeps the area code and the last 2 digits: ``0351-*****67``."""
    phone = (phone or "").strip()
    digits = re.sub(r"\D", "", phone)
    if re.fullmatch(r"1\d{10}", digits):
        return digits[:3] + "****" + digits[-4:]
    if "-" in phone:
        area, _, rest = phone.partition("-")
        return area + "-" + ("*" * max(len(rest) - 2, 0)) + rest[-2:]
    if len(phone) > 4:
        return "*" * (len(phone) - 2) + phone[-2:]
    return phone
