"""Values the form fills in for the clerk: birth date and gender from an ID number, name pinyin.

Used by the GUI as you type and available to any importer; the validation engine still checks
the result, so a derived value is only a suggestion the clerk can overwrite.
"""

from __future__ import annotations

from datetime import date

from stdnum.cn import ric
from stdnum.exceptions import ValidationError


def facts_from_id(number: str) -> tuple[str, str] | None:
    """(birth date "YYYY-MM-DD", gender code "1"/"2") from an 18-digit resident ID, else None.

    GB 11643-1999: digits 7-14 are the birth date, digit 17 is odd for men. Only the date has to be
    real here (the check digit is the validator's business): a typo in the last digit should not stop
    the form from filling in what the first 17 digits clearly say.
    """
    number = number.strip().upper()
    if len(number) != 18 or not number[:17].isdigit():
        return None
    try:
        born: date = ric.get_birth_date(number)
    except (ValidationError, ValueError):
        return None
    return born.isoformat(), "1" if int(number[16]) % 2 else "2"


def name_pinyin(name: str) -> str:
    """Full-name pinyin without tones, syllables separated by spaces, e.g. 张三丰 -> "zhang san feng".

    pypinyin picks readings by phrase frequency, so polyphonic surnames (单, 曾…) can come out wrong;
    the field stays editable for that reason.
    """
    from pypinyin import lazy_pinyin

    return " ".join(s for s in lazy_pinyin(name.replace("·", " "), errors="ignore") if s.strip())


def pinyin_initials(text: str) -> str:
    """Initials of each character's pinyin: 汉族 -> "hz" (used to search code tables)."""
    from pypinyin import Style, lazy_pinyin

    return "".join(s[0] for s in lazy_pinyin(text, style=Style.FIRST_LETTER, errors="ignore") if s)


# Surnames whose reading differs from the character's most common one (pypinyin reads 曾 as céng, the
# surname is Zēng). A short hand-kept list: pypinyin has no surname mode, and only the first character
# of a Chinese name is the (single-character) surname in the cases that matter for sorting.
_SURNAME_READINGS = {"曾": "zeng", "单": "shan", "解": "xie", "仇": "qiu", "朴": "piao", "查": "zha", "区": "ou",
                     "覃": "qin", "翟": "zhai", "盖": "ge", "缪": "miao", "繁": "po", "乐": "yue",
                     "长": "chang", "重": "chong", "万": "wan", "沈": "shen", "柏": "bai", "秘": "bi", "那": "na",
                     "员": "yun", "宓": "mi", "隗": "wei", "种": "chong", "召": "shao", "折": "she", "藏": "zang"}


def pinyin_sort_keys(names: list[str]) -> list[tuple[str, ...]]:
    """Keys that put Chinese names in pinyin order (as Excel and WPS sort them), one per name.

    Unicode order of CJK characters follows radicals, which no clerk expects. Readings are looked up per
    distinct character (a school's 200,000 names use a few thousand), so this takes well under a second;
    within one reading, characters keep code-point order so equal keys mean equal names.
    """
    from pypinyin import lazy_pinyin

    reading: dict[str, str] = {}
    out = []
    for name in names:
        key = []
        for i, ch in enumerate(name or ""):
            r = _SURNAME_READINGS.get(ch) if i == 0 else None
            r = r or reading.get(ch)
            if r is None:
                r = reading[ch] = (lazy_pinyin(ch, errors="default")[0] if ch > "\u2e7f" else ch).lower()
            key.append(r)
            key.append(ch)
        out.append(tuple(key))
    return out
