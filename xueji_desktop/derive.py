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
