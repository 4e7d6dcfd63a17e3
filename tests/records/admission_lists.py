"""Filled 招生结果 lists for the admission tests and the benchmark: rows as the county's 招生部门 types them."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl

from xueji_desktop.county.admissions import TEMPLATE_HEADERS
from xueji_desktop.county.review import make_feedback
from xueji_desktop.demo import DEMO_SCHOOL, DemoClass, make_id_number, make_student
from xueji_desktop.exchange import school_side
from xueji_desktop.validation import load_spec

CODE = DEMO_SCHOOL["code"]


def children(year: int, n: int, seed: int) -> list[dict]:
    """``n`` valid grade-1 children entering in ``year``."""
    rng = random.Random(seed)
    return [make_student(rng, DemoClass(year, 1, 9)) for _ in range(n)]


def too_young(kid: dict, year: int) -> dict:
    """``kid`` born on 1 September six years before ``year``: one day short of six on 8月31日."""
    born = date(year - 6, 9, 1)
    number = make_id_number(random.Random(1), born, kid["gender"] == "1", kid["id_number"][:6])
    return {**kid, "birth_date": born.isoformat(), "id_number": number}


def send_down(county, school_store, tmp_path: Path, name: str) -> dict:
    """The county's feedback package for the demo school, imported there."""
    return school_side.import_feedback(school_store, make_feedback(county, CODE, tmp_path / name))


def list_row(school_code: str, year: int, record: dict[str, Any], stage: str = "小学") -> list[str]:
    """One row: option fields by name, guardian from the record's first family member."""
    codes = load_spec().codes
    guardian = (record.get("members") or [{}])[0]
    values = {"学校标识码": school_code, "学段": stage, "招生年份": str(year), "姓名": record["name"],
              "性别": codes["gender"].name_of(record["gender"]), "出生日期": record["birth_date"],
              "民族": codes["ethnicity"].name_of(record["ethnicity"]), "身份证件类型": "居民身份证",
              "身份证件号": record["id_number"], "户口所在地行政区划": record.get("household_region", ""),
              "家庭地址": record.get("home_address", ""), "监护人姓名": guardian.get("name", ""),
              "监护人关系": codes["relation"].name_of(guardian["relation"]) if guardian.get("relation") else "",
              "监护人身份证件号": guardian.get("id_number", ""), "监护人联系电话": guardian.get("phone", "")}
    return [values[h] for h in TEMPLATE_HEADERS]


def write_list(path: Path, rows: list[list[str]]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "招生结果"
    ws.append(list(TEMPLATE_HEADERS))
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path
