"""School profile, campuses, classes and grades.

班号 and 班级名称 follow the national rule (shared/spec README §4):
班号 = 4-digit entry year + 1-digit stage (1 小学, 2 初中, 3 高中) + 2-digit class number, e.g. ``2009101``;
班级名称 = stage name + entry year + "级(" + number + ")班", e.g. ``小学2009级(1)班``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from .errors import BadInput

STAGES = {1: "小学", 2: "初中", 3: "高中"}
STAGE_YEARS = {1: 6, 2: 3, 3: 3}  # 学制 by default (6-3-3)
# JY/T 1001 年级代码 by stage and year-in-stage
GRADE_CODES = {1: ["11", "12", "13", "14", "15", "16"], 2: ["21", "22", "23"], 3: ["31", "32", "33"]}
SCHOOL_PROFILE_FIELDS = ("code", "name", "region_code", "address")

_CLASS_CODE = re.compile(r"^(\d{4})([123])(\d{2})$")
_CLASS_NAME = re.compile(r"^(小学|初中|高中)(\d{4})级\((\d{1,2})\)班$")


def class_code(entry_year: int, stage: int, number: int) -> str:
    if stage not in STAGES:
        raise BadInput("学段只能是 1 小学、2 初中、3 高中。")
    if not 1 <= number <= 99:
        raise BadInput("班级序号应在 1 到 99 之间。")
    if not 1900 <= entry_year <= 2999:
        raise BadInput("入学年份应为 4 位年份。")
    return f"{entry_year:04d}{stage}{number:02d}"


def class_name(entry_year: int, stage: int, number: int) -> str:
    return f"{STAGES[stage]}{entry_year}级({number})班"


def parse_class(text: str) -> tuple[int, int, int] | None:
    """(entry_year, stage, number) from a 班号 or a 班级名称 (full-width brackets accepted)."""
    t = text.strip().replace("（", "(").replace("）", ")").replace(" ", "")
    m = _CLASS_CODE.match(t)
    if m:
        return int(m.group(1)), int(m.group(2)), int(m.group(3))
    m = _CLASS_NAME.match(t)
    if m:
        stage = {v: k for k, v in STAGES.items()}[m.group(1)]
        return int(m.group(2)), stage, int(m.group(3))
    return None


def school_year_of(day: date) -> int:
    """The school year starts on 1 August: 2026-09-01 -> 2026, 2027-03-01 -> 2026."""
    return day.year if day.month >= 8 else day.year - 1


def current_school_year(store_or_conn, today: date | None = None) -> int:
    """The school year the store is in (meta ``school_year``, moved on by 学年升级), else the calendar's."""
    conn = getattr(store_or_conn, "conn", store_or_conn)
    row = conn.execute("SELECT value FROM meta WHERE key = 'school_year'").fetchone()
    return int(row[0]) if row else school_year_of(today or date.today())


def grade_code(stage: int, entry_year: int, today: date | None = None, *, school_year: int | None = None) -> str | None:
    """年级代码 of a class in ``school_year`` (default: the school year of ``today``), or None once it has
    graduated / not yet started. Stores pin their school year (meta ``school_year``, see records/school_year.py)."""
    index = (school_year if school_year is not None else school_year_of(today or date.today())) - entry_year
    codes = GRADE_CODES[stage]
    return codes[index] if 0 <= index < len(codes) else None


@dataclass(frozen=True)
class ClassInfo:
    id: int
    class_code: str
    name: str
    stage: int
    entry_year: int
    number: int
    head_teacher: str = ""

    def grade(self, today: date | None = None) -> str | None:
        return grade_code(self.stage, self.entry_year, today)


# ---- school profile ------------------------------------------------------------

def check_school_profile(profile: dict[str, Any]) -> None:
    code = str(profile.get("code", "")).strip()
    if not re.fullmatch(r"\d{10}", code):
        raise BadInput("学校标识码应为 10 位数字。")
    if not str(profile.get("name", "")).strip():
        raise BadInput("请填写学校名称。")
    region = str(profile.get("region_code", "")).strip()
    if not re.fullmatch(r"\d{12}", region):
        raise BadInput("学校所在地统计用区划代码应为 12 位数字。")


def save_school_profile(tx, profile: dict[str, Any]) -> None:
    check_school_profile(profile)
    old = get_school_profile_conn(tx.conn)
    extra = {k: v for k, v in profile.items() if k not in SCHOOL_PROFILE_FIELDS}
    tx.execute(
        "INSERT INTO school (id, code, name, region_code, address, data) VALUES (1, ?, ?, ?, ?, ?)"
        " ON CONFLICT(id) DO UPDATE SET code = excluded.code, name = excluded.name,"
        " region_code = excluded.region_code, address = excluded.address, data = excluded.data",
        (profile["code"].strip(), profile["name"].strip(), profile["region_code"].strip(),
         str(profile.get("address", "")).strip(), json.dumps(extra, ensure_ascii=False)),
    )
    from .storage.audit import diff

    tx.audit("修改学校信息" if old else "创建学校信息", "school", 1, diff(old, profile))


def get_school_profile_conn(conn) -> dict[str, Any] | None:
    row = conn.execute("SELECT code, name, region_code, address, data FROM school WHERE id = 1").fetchone()
    if not row:
        return None
    profile = {"code": row[0], "name": row[1], "region_code": row[2], "address": row[3]}
    profile.update(json.loads(row[4]))
    return profile


def get_school_profile(store) -> dict[str, Any] | None:
    return get_school_profile_conn(store.conn)


# ---- classes ---------------------------------------------------------------------

def add_class(tx, entry_year: int, stage: int, number: int, head_teacher: str = "",
              data: dict[str, Any] | None = None) -> ClassInfo:
    code = class_code(entry_year, stage, number)
    if tx.execute("SELECT 1 FROM classes WHERE class_code = ?", (code,)).fetchone():
        raise BadInput(f"班号 {code} 已存在。")
    name = class_name(entry_year, stage, number)
    cur = tx.execute(
        "INSERT INTO classes (class_code, name, stage, entry_year, number, head_teacher, data)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (code, name, stage, entry_year, number, head_teacher, json.dumps(data or {}, ensure_ascii=False)),
    )
    tx.audit("新建班级", "classes", code, {"name": [None, name], "head_teacher": [None, head_teacher]})
    return ClassInfo(cur.lastrowid, code, name, stage, entry_year, number, head_teacher)


def list_classes(store_or_conn) -> list[ClassInfo]:
    conn = getattr(store_or_conn, "conn", store_or_conn)
    rows = conn.execute(
        "SELECT id, class_code, name, stage, entry_year, number, head_teacher FROM classes"
        " ORDER BY stage, entry_year DESC, number"
    ).fetchall()
    return [ClassInfo(*r) for r in rows]


def find_class(store_or_conn, text: str) -> ClassInfo | None:
    parsed = parse_class(text)
    if not parsed:
        return None
    code = class_code(parsed[0], parsed[1], parsed[2])
    for c in list_classes(store_or_conn):
        if c.class_code == code:
            return c
    from .access import class_out_of_scope

    if class_out_of_scope(getattr(store_or_conn, "conn", store_or_conn), code):
        from .errors import PermissionDenied

        raise PermissionDenied(f"班级 {code} 不是您负责的班级：班主任只能查看和打印自己负责的班级。")
    return None


def update_class(tx, class_id: int, *, head_teacher: str | None = None, data: dict[str, Any] | None = None) -> None:
    """Change a class's head teacher and/or extra data (建班年月, 班级类型…); 班号 and name never change."""
    row = tx.execute("SELECT class_code, head_teacher, data FROM classes WHERE id = ?", (class_id,)).fetchone()
    if row is None:
        raise BadInput(f"班级不存在（编号 {class_id}）。")
    code, old_teacher, old_data = row[0], row[1], json.loads(row[2] or "{}")
    new_teacher = old_teacher if head_teacher is None else head_teacher.strip()
    new_data = old_data if data is None else {**old_data, **data}
    tx.execute("UPDATE classes SET head_teacher = ?, data = ? WHERE id = ?",
               (new_teacher, json.dumps(new_data, ensure_ascii=False), class_id))
    from .storage.audit import diff

    changes = diff({"head_teacher": old_teacher, **old_data}, {"head_teacher": new_teacher, **new_data})
    if changes:
        tx.audit("修改班级", "classes", code, changes)


# ---- campuses (校区) ------------------------------------------------------------------

@dataclass(frozen=True)
class Campus:
    id: int
    name: str
    address: str = ""
    region_code: str = ""
    is_main: bool = False


def _check_campus(name: str, region_code: str) -> None:
    if not name.strip():
        raise BadInput("请填写校区名称。")
    if region_code.strip() and not re.fullmatch(r"\d{12}", region_code.strip()):
        raise BadInput("校区所在地统计用区划代码应为 12 位数字（可不填）。")


def add_campus(tx, name: str, address: str = "", region_code: str = "", is_main: bool = False) -> Campus:
    _check_campus(name, region_code)
    if tx.execute("SELECT 1 FROM campuses WHERE name = ?", (name.strip(),)).fetchone():
        raise BadInput(f"校区“{name.strip()}”已存在。")
    cur = tx.execute("INSERT INTO campuses (name, address, region_code, is_main) VALUES (?, ?, ?, ?)",
                     (name.strip(), address.strip(), region_code.strip(), int(is_main)))
    tx.audit("新建校区", "campuses", cur.lastrowid,
             {"name": [None, name.strip()], "address": [None, address.strip()]})
    return Campus(cur.lastrowid, name.strip(), address.strip(), region_code.strip(), is_main)


def update_campus(tx, campus_id: int, name: str, address: str = "", region_code: str = "",
                  is_main: bool = False) -> None:
    _check_campus(name, region_code)
    row = tx.execute("SELECT name, address, region_code, is_main FROM campuses WHERE id = ?", (campus_id,)).fetchone()
    if row is None:
        raise BadInput(f"校区不存在（编号 {campus_id}）。")
    clash = tx.execute("SELECT 1 FROM campuses WHERE name = ? AND id != ?", (name.strip(), campus_id)).fetchone()
    if clash:
        raise BadInput(f"校区“{name.strip()}”已存在。")
    new = {"name": name.strip(), "address": address.strip(), "region_code": region_code.strip(),
           "is_main": int(is_main)}
    tx.execute("UPDATE campuses SET name = ?, address = ?, region_code = ?, is_main = ? WHERE id = ?",
               (*new.values(), campus_id))
    from .storage.audit import diff

    changes = diff(dict(zip(("name", "address", "region_code", "is_main"), row, strict=True)), new)
    if changes:
        tx.audit("修改校区", "campuses", campus_id, changes)


def list_campuses(store_or_conn) -> list[Campus]:
    conn = getattr(store_or_conn, "conn", store_or_conn)
    rows = conn.execute("SELECT id, name, address, region_code, is_main FROM campuses ORDER BY is_main DESC, id")
    return [Campus(r[0], r[1], r[2], r[3], bool(r[4])) for r in rows]
