"""学籍号: the number the national system gives each student record (seed 001 §5.3).

- 临时学籍号 (every new record, at once): ``L`` + the 6-digit area code of the school's location
  + the 8-digit birth date + 4 random digits, built "by the ID-number rule" (GB 11643: area, date, then a
  sequence; the random part takes the place of sequence and check digit). Unique in the store.
- 正式学籍号 (once the county accepts the record): ``G`` + the 18-digit 居民身份证号 for a student who has
  one; ``J`` + the same construction as the temporary number for a student without. The county assigns
  it (it alone sees every school, so it alone can keep a ``J`` number unique) and sends it down in the
  feedback package.

A record without a valid birth date gets its temporary number when the date is filled in.
"""

from __future__ import annotations

import os
import re
from datetime import date
from functools import lru_cache
from typing import Any

from ..errors import BadInput
from ..storage import audit
from ..storage.store import Tx, now_iso

TEMPORARY, FORMAL_ID, FORMAL_NO_ID = "L", "G", "J"
KIND_NAMES = {TEMPORARY: "临时学籍号", FORMAL_ID: "正式学籍号", FORMAL_NO_ID: "正式学籍号（无身份证号）"}
_CONSTRUCTED = re.compile(r"^[LJ]\d{18}$")
_AREA = re.compile(r"\d{6}")
_WITH_ID = re.compile(r"^G\d{17}[\dX]$")


def is_valid(number: str) -> bool:
    return bool(_CONSTRUCTED.match(number) or _WITH_ID.match(number))


def is_formal(number: str) -> bool:
    return is_valid(number) and number[0] in (FORMAL_ID, FORMAL_NO_ID)


def kind_name(number: str) -> str:
    return KIND_NAMES.get(number[:1], "") if number else "未分配"


@lru_cache(maxsize=8192)  # an import numbers thousands of records born on a few thousand days
def _birth_digits(birth_date: str) -> str | None:
    try:
        return date.fromisoformat(str(birth_date)).strftime("%Y%m%d")
    except ValueError:
        return None


_DRAWS: list[int] = []
os.register_at_fork(after_in_child=_DRAWS.clear)  # a forked process must not repeat its parent's draws


def _random_part() -> int:
    """Uniform in 0–9999, from os.urandom drawn a few hundred at a time: a system call per number (secrets) was
    most of the cost of numbering a 20,000-row import."""
    if not _DRAWS:
        raw = os.urandom(1024)
        pairs = (raw[i] << 8 | raw[i + 1] for i in range(0, len(raw), 2))
        _DRAWS.extend(v % 10_000 for v in pairs if v < 60_000)  # 60,000 = 6 × 10,000: no value favoured
    return _DRAWS.pop()


def construct(prefix: str, area_code: str, birth_date: str, taken) -> str | None:
    """``prefix`` + area + birth date + 4 random digits, not in ``taken`` (a callable); None without a
    usable birth date or area code."""
    birth = _birth_digits(birth_date)
    area = str(area_code)[:6]
    if birth is None or not _AREA.fullmatch(area):
        return None
    return _free(f"{prefix}{area}{birth}", taken)


def _free(stem: str, taken) -> str:
    """``stem`` (prefix, area, birth date) + 4 random digits, not in ``taken``."""
    for _ in range(200):  # 10,000 numbers per area and birthday; a clash is rare, a full day unheard of
        number = f"{stem}{_random_part():04d}"
        if not taken(number):
            return number
    birth = f"{stem[7:11]}-{stem[11:13]}-{stem[13:15]}"
    raise BadInput(f"区划 {stem[1:7]} 出生日期 {birth} 的学籍号已几乎用尽，无法再分配，请联系县级。")


def formal_for(id_type: str, id_number: str, temporary: str, taken) -> str | None:
    """The 正式学籍号 of a record: G + 居民身份证号 (type 1), else J + the temporary number's digits (a new
    random part if those are taken)."""
    number = str(id_number).strip().upper()
    if id_type == "1" and re.fullmatch(r"\d{17}[\dX]", number):
        return FORMAL_ID + number
    if not _CONSTRUCTED.match(temporary or ""):
        return None
    candidate = FORMAL_NO_ID + temporary[1:]
    if not taken(candidate):
        return candidate
    return construct(FORMAL_NO_ID, temporary[1:7], f"{temporary[7:11]}-{temporary[11:13]}-{temporary[13:15]}",
                     taken)


def number_from_file(text: Any, id_type: str, id_number: str, birth_date: str) -> tuple[str | None, str]:
    """A 学籍号 read from a workbook (the national system's export carries each registered student's): (the
    正式学籍号 to keep, or None; why it is not kept, or "" when there is nothing to say).

    Kept: ``G`` + the record's own 居民身份证号, or ``J`` + 18 digits whose 8-digit birth date is the record's
    (seed 001 §5.3: J numbers are built by the ID-number rule, area + birth date + sequence). A temporary
    ``L`` number is this program's own and says nothing about the national system: not kept, not named (the
    record gets this store's). Anything else (a province's 16-digit 学籍号, a typing error) is named."""
    number = "".join(str(text or "").split()).upper()
    if not number or number.startswith(TEMPORARY):
        return None, ""
    if not is_formal(number):
        return None, (f"学籍号“{number[:24]}”不是全国学籍号（应为 G 加 18 位身份证号，或 J 加 18 位数字），"
                      "未采用；已分配临时学籍号，县级审核后给正式学籍号")
    if number[0] == FORMAL_ID:
        own = "".join(str(id_number or "").split()).upper()
        if id_type not in ("1", "") or number[1:] != own:
            return None, (f"学籍号 {number} 与身份证件号“{own or '未填'}”不一致（G 后应为本人的居民身份证号），"
                          "未采用；请核对后修改身份证件号或学籍号")
        return number, ""
    birth = _birth_digits(birth_date)
    if birth is not None and number[7:15] != birth:
        return None, (f"学籍号 {number} 中的出生日期 {number[7:15]} 与出生日期 {birth} 不一致，未采用；"
                      "请核对后修改出生日期或学籍号")
    return number, ""


def school_area_code(conn) -> str:
    row = conn.execute("SELECT region_code FROM school WHERE id = 1").fetchone()
    return row[0][:6] if row else ""


def _taken_in_store(conn):
    # "!= ''" lets SQLite use the partial unique index (students_number); without it, every lookup scans the table
    return lambda n: conn.execute("SELECT 1 FROM students WHERE student_number = ? AND student_number != ''",
                                  (n,)).fetchone() is not None


class TemporaryNumbers:
    """临时学籍号 for the records one transaction writes, none given twice. ``bulk``: the numbers in use are read
    once (an import numbers thousands of records); else the store's index is asked per candidate."""

    def __init__(self, conn, *, bulk: bool) -> None:
        self.area = school_area_code(conn)
        self.stem = TEMPORARY + self.area if _AREA.fullmatch(self.area) else None  # (checked once, not per record)
        self.given: set[str] = set()
        self.in_store = None if bulk else _taken_in_store(conn)
        if bulk:  # (also without an area code: numbers a workbook brings are checked against these)
            self.given = {n for (n,) in conn.execute("SELECT student_number FROM students WHERE student_number != ''")}

    def _taken(self, number: str) -> bool:
        return number in self.given or (self.in_store is not None and self.in_store(number))

    def free(self, number: str) -> bool:
        """Whether no record (in the store or given by this transaction) has ``number``."""
        return not self._taken(number)

    def claim(self, number: str) -> None:
        """Take a ``free`` number a record brings (a 正式学籍号 read from a workbook) for it."""
        self.given.add(number)

    def __call__(self, birth_date: str) -> str:
        """A new number for a record born on ``birth_date``; "" without a usable birth date or area code (the
        record gets one when its birth date is filled in)."""
        birth = _birth_digits(birth_date) if self.stem else None
        if birth is None:
            return ""
        number = _free(self.stem + birth, self._taken)
        self.given.add(number)
        return number


def give_temporary(conn, student_ids: list[int] | None) -> list[tuple[str, int]]:
    """(number, student id) given to the students (all, when ``student_ids`` is None) without a number and
    with a usable birth date. Not audited: the caller records the numbers in its own entry."""
    if not school_area_code(conn):
        return []
    if student_ids is None:
        rows = conn.execute("SELECT id, birth_date FROM students WHERE student_number = ''").fetchall()
    else:
        rows = [r for sid in student_ids for r in conn.execute(
            "SELECT id, birth_date FROM students WHERE id = ? AND student_number = ''", (sid,)).fetchall()]
    if not rows:
        return []
    numbers = TemporaryNumbers(conn, bulk=len(rows) > 50)
    given = [(number, sid) for sid, birth in rows if (number := numbers(birth))]
    conn.executemany("UPDATE students SET student_number = ? WHERE id = ?", given)
    return given


def _audited(given: list[tuple[str, int]]) -> tuple[Any, dict[str, Any]]:
    if len(given) == 1:
        return given[0][1], {"student_number": [None, given[0][0]]}
    return "", {"count": [None, len(given)]}


def assign_temporary(tx: Tx, student_ids: list[int] | None = None) -> int:
    """Give a 临时学籍号 to the students that have none yet (see :func:`give_temporary`); audited."""
    given = give_temporary(tx.conn, student_ids)
    if given:
        tx.audit("分配临时学籍号", "students", *_audited(given))
    return len(given)


def backfill_temporary(conn) -> None:
    """Schema v8: records already in the file get their temporary number (inside the migration's transaction)."""
    given = give_temporary(conn, None)
    if given:
        audit.append(conn, ts=now_iso(), username="system", action="分配临时学籍号", table="students",
                     record_id=_audited(given)[0], changes=_audited(given)[1])


def apply_formal_numbers(tx: Tx, numbers: dict[str, str]) -> int:
    """The county's 正式学籍号 (uid → number) from a feedback package; returns how many changed."""
    changed = 0
    for uid, number in numbers.items():
        number = str(number)
        if not is_formal(number):
            raise BadInput(f"反馈包中的学籍号“{number[:24]}”格式不对，文件不是本程序写出的。")
        row = tx.execute("SELECT id, student_number FROM students WHERE uid = ?", (str(uid),)).fetchone()
        if row is None or row[1] == number:
            continue
        clash = tx.execute("SELECT id FROM students WHERE student_number = ? AND student_number != '' AND id != ?",
                           (number, row[0])).fetchone()
        if clash:
            raise BadInput(f"县级下发的学籍号 {number} 已被本校另一名学生（编号 {clash[0]}）使用，请联系县级核对。")
        tx.execute("UPDATE students SET student_number = ? WHERE id = ?", (number, row[0]))
        tx.audit("县级分配正式学籍号", "students", row[0], {"student_number": [row[1] or None, number]})
        changed += 1
    return changed
