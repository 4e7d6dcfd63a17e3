"""The admissions commands as named in the issue, in-process through ``xueji``: county plan set, admissions
template / import (duplicates, keep), school admissions list --json / accept --class / add past the plan,
plan request; and import-preschool."""

from __future__ import annotations

import json
import random

import openpyxl
import pytest

from tests.records.admission_lists import list_row
from xueji_desktop.cli import main
from xueji_desktop.demo import DEMO_SCHOOL, DemoClass, make_student
from xueji_desktop.school import school_year_of
from xueji_desktop.validation import load_spec

CODE = DEMO_SCHOOL["code"]


@pytest.fixture
def env(monkeypatch):
    monkeypatch.setenv("XUEJI_PASSWORD", "cli-pass-1")
    monkeypatch.setenv("XUEJI_USER", "admin")


def _run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def _linked(tmp_path, capsys) -> tuple[str, str, int]:
    county, school = str(tmp_path / "county.xjdb"), str(tmp_path / "school.xjdb")
    assert main(["county", "init", "--db", county, "--county-code", "140106", "--county-name", "迎泽区",
                 "--city-code", "1401", "--city-name", "太原市"]) == 0
    assert main(["county", "add-school", "--db", county, CODE, DEMO_SCHOOL["name"], DEMO_SCHOOL["region_code"]]) == 0
    from datetime import date

    year = school_year_of(date.today())
    assert main(["county", "plan", "set", CODE, "--db", county, "--stage", "1", "--year", str(year),
                 "--count", "3"]) == 0
    assert main(["county", "make-init", "--db", county, "--out", str(tmp_path / "init")]) == 0
    init = next((tmp_path / "init").glob("*.xjpkg"))
    assert main(["school", "init-from-package", "--db", school, str(init)]) == 0
    from xueji_desktop.exchange import keystore
    from xueji_desktop.storage import Store

    with Store.open(school, "admin", "cli-pass-1") as store:
        fp = keystore.own_fingerprint(store.conn)
    assert main(["class", "add", "--db", school, "--entry-year", str(year), "--stage", "1", "--number", "1"]) == 0
    assert main(["export-package", "--db", school, "--out", str(tmp_path / "up0")]) == 0
    assert main(["county", "import", "--db", county, str(next((tmp_path / "up0").glob("*.xjpkg"))),
                 "--confirm-fingerprint", fp]) == 0
    capsys.readouterr()
    return county, school, year


def test_admissions_through_the_cli(env, tmp_path, capsys):
    county, school, year = _linked(tmp_path, capsys)
    code, out, _ = _run(capsys, "plan", "show", "--db", school, "--json")
    assert json.loads(out)["plans"][0]["plan"] == 3
    rng = random.Random(3)
    kids = [make_student(rng, DemoClass(year, 1, 1)) for _ in range(3)]
    assert main(["county", "admissions", "template", "--db", county, "--out", str(tmp_path / "模板.xlsx")]) == 0
    wb = openpyxl.load_workbook(tmp_path / "模板.xlsx")
    header = [c.value for c in wb.active[1]]
    rows = [list_row(CODE, year, k) for k in kids[:2]] + [list_row("2114019999", year, kids[2])]
    for r in rows:
        wb.active.append(r)
    wb.save(tmp_path / "filled.xlsx")
    assert header[:3] == ["学校标识码", "学段", "招生年份"]
    code, out, _ = _run(capsys, "county", "admissions", "import", "--db", county, str(tmp_path / "filled.xlsx"))
    assert code == 1 and "第4行" in out and "不在本县学校名单中" in out and "未导入任何记录" in out
    code, out, _ = _run(capsys, "county", "admissions", "import", "--db", county, str(tmp_path / "filled.xlsx"),
                        "--accept-valid", "--json")
    assert code == 0 and json.loads(out)["imported"] == 2
    code, out, _ = _run(capsys, "county", "admissions", "duplicates", "--db", county, "--json")
    assert json.loads(out) == []
    assert main(["county", "feedback", "--db", county, CODE, "--out", str(tmp_path / "fb")]) == 0
    assert main(["import-feedback", "--db", school, str(next((tmp_path / "fb").glob("*.xjpkg")))]) == 0
    capsys.readouterr()
    code, out, _ = _run(capsys, "admissions", "list", "--db", school, "--json")
    listed = json.loads(out)
    assert [(a["name"], a["state"]) for a in listed] == [(k["name"], "offered") for k in kids[:2]]
    class_code = f"{year}101"
    code, out, _ = _run(capsys, "admissions", "accept", kids[0]["id_number"], str(listed[1]["id"]),
                        "--db", school, "--class", class_code, "--json")
    accepted = json.loads(out)["accepted"]
    assert code == 0 and [a["name"] for a in accepted] == [k["name"] for k in kids[:2]]
    assert all(a["student_number"].startswith("L140106") for a in accepted)
    code, _, err = _run(capsys, "admissions", "accept", "110101201901010000", "--db", school, "--class", class_code)
    assert code == 2 and "招生名单中没有" in err
    # a child already taken is named per row; --accept-valid takes the rest (here: none) and says so in --json
    code, _, err = _run(capsys, "admissions", "accept", kids[0]["id_number"], "--db", school, "--class", class_code)
    assert code == 2 and f"{kids[0]['name']}（序号 {listed[0]['id']}）：名单状态为“已录取入班”" in err
    code, out, _ = _run(capsys, "admissions", "accept", kids[0]["id_number"], "--db", school, "--class", class_code,
                        "--accept-valid", "--json")
    result = json.loads(out)
    assert code == 0 and result["accepted"] == [] and result["refused"][0]["name"] == kids[0]["name"]
    # 自主招生: one place left of 3, then refused naming the plan and the count
    code, out, _ = _run(capsys, "admissions", "add", "--db", school, "--class", class_code, "--name", kids[2]["name"],
                        "--id-number", kids[2]["id_number"], "--ethnicity", "汉族", "--set", "成员1姓名=王刚")
    assert code == 0 and "已自主招生" in out
    code, _, err = _run(capsys, "admissions", "add", "--db", school, "--class", class_code, "--name", "李多",
                        "--gender", "男", "--birth-date", f"{year - 6}-03-04")
    assert code == 2 and f"超出招生计划：本校 {year} 年小学招生计划 3 人，已招 3 人" in err
    code, out, _ = _run(capsys, "plan", "request", "--db", school, "--count", "5", "--reason", "新小区入住",
                        "--year", str(year))
    assert code == 0 and "#1" in out


def _preschool_sheet(path, rows):
    """The 学前调档 list as the preschool system exports it: its own column names and order."""
    codes = load_spec().codes
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["序号", "姓名", "性别", "出生日期", "民族", "身份证号码", "户口所在地", "父亲姓名", "父亲联系电话",
               "母亲姓名"])
    for i, r in enumerate(rows, start=1):
        ws.append([i, r["name"], codes["gender"].name_of(r["gender"]), r["birth_date"].replace("-", "/"),
                   codes["ethnicity"].name_of(r["ethnicity"]), r["id_number"], r.get("household_region", ""),
                   "王刚", "13912345678", "李梅"])
    wb.save(path)
    return path


def test_import_preschool(env, tmp_path, capsys):
    _county, school, year = _linked(tmp_path, capsys)
    rng = random.Random(8)
    kids = [make_student(rng, DemoClass(year, 1, 1)) for _ in range(3)]
    path = _preschool_sheet(tmp_path / "学前调档.xlsx", [*kids, kids[1]])
    code, _, err = _run(capsys, "import-preschool", "--db", school, str(path), "--class", f"{year}101")
    assert code == 2 and "第5行" in err and "与第 3 行重复" in err and "未导入任何学生" in err
    from xueji_desktop.storage import Store

    with Store.open(school, "admin", "cli-pass-1") as store:
        assert store.query("SELECT count(*) FROM students") == [(0,)]
    code, out, _ = _run(capsys, "import-preschool", "--db", school, str(path), "--class", f"{year}101",
                        "--accept-valid", "--json")
    result = json.loads(out)
    assert code == 0 and result["imported"] == 3 and [r["row"] for r in result["refused"]] == [5]
    with Store.open(school, "admin", "cli-pass-1") as store:
        rows = store.query("SELECT name, id_number, student_number, data FROM students ORDER BY id")
        assert [(r[0], r[1]) for r in rows] == [(k["name"], k["id_number"]) for k in kids]
        data = json.loads(rows[0][3])
        assert data["preschool"] == "1" and data["enrol_mode"] == "11" and data["enrol_date"] == f"{year}09"
        assert data["birth_date"] == kids[0]["birth_date"] and rows[0][2].startswith("L")
        member = store.query("SELECT data FROM family_members WHERE student_id = 1 ORDER BY seq")
        assert json.loads(member[0][0])["name"] == "王刚"
    code, _, err = _run(capsys, "import-preschool", "--db", school, str(path), "--class", f"{year}101")
    assert code == 2 and "已有学籍" in err  # the same list again: every child already has a record here


@pytest.mark.parametrize("bad", ["not a workbook", None])
def test_import_preschool_bad_files(env, tmp_path, capsys, bad):
    _county, school, year = _linked(tmp_path, capsys)
    path = tmp_path / "x.xlsx"
    if bad is not None:
        path.write_text(bad)
    code, _, err = _run(capsys, "import-preschool", "--db", school, str(path), "--class", f"{year}101")
    assert code == 2 and err.startswith("错误：") and "Traceback" not in err
