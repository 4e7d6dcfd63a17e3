"""What a county does for its schools is refused on a city file (county/workspace.COUNTY_ONLY): 转学, 招生, school
init packages (also the 营养餐 ones), reviewing a school's data and feeding back to it, deciding a school's changes,
resetting a school's key. One core check refuses each (nothing changes) and the CLI says the same; a county's file
is not affected. Also: a city's school-list import leaves 享受营养餐 (each county's plan) alone."""

from __future__ import annotations

import json

import pytest
import xlsxwriter

from tests.conftest import PASSWORD
from tests.county.test_city import CITY, other_store
from tests.exchange.helpers import snapshot
from xueji_desktop.county import admissions, changes, nutrition, review, transfer_packages, transfers
from xueji_desktop.county.schools import add_school, get_school, make_init_packages, reset_school_key
from xueji_desktop.county.workspace import COUNTY_ONLY, create_county_store, refused_at_city
from xueji_desktop.errors import BadInput

SCHOOL = "2114010068"
REFUSED = "是县级的工作，地市级数据文件上不能办理"


@pytest.fixture
def city(tmp_path):
    store, _r, _fp = create_county_store(tmp_path / "city.xjdb", username="admin", password=PASSWORD, county=CITY,
                                         level="city")
    add_school(store, SCHOOL, "双塔西街小学", "140106001000")
    with store.transaction() as tx:  # as a county's plan would have it (city_intake)
        tx.execute("UPDATE county_schools SET nutrition = 1 WHERE code = ?", (SCHOOL,))
    yield store
    store.close()


def _core_calls(out):
    """Every core function of a county-only function, as (COUNTY_ONLY key, call)."""
    return [
        ("transfers", lambda s: transfers.list_transfers(s)),
        ("transfers", lambda s: transfers.decide_request(s, SCHOOL, "T1", True, "", "140105")),
        ("transfers", lambda s: transfers.transfer_evidence(s, SCHOOL, "T1")),
        ("transfers", lambda s: transfer_packages.transfer_out(s, out)),
        ("transfers", lambda s: transfer_packages.transfer_in(s, out / "x.xjpkg")),
        ("admissions", lambda s: admissions.set_plan(s, SCHOOL, 1, 2027, 90)),
        ("admissions", lambda s: admissions.list_plans(s)),
        ("admissions", lambda s: admissions.list_plan_requests(s)),
        ("admissions", lambda s: admissions.decide_plan_request(s, SCHOOL, 1, True)),
        ("admissions", lambda s: admissions.import_list(s, out / "招生.xlsx")),
        ("admissions", lambda s: admissions.duplicates(s)),
        ("admissions", lambda s: admissions.keep_admission(s, "140106201501010011", SCHOOL)),
        ("school_init", lambda s: make_init_packages(s, [SCHOOL], out)),
        ("nutrition_init", lambda s: nutrition.make_nutrition_init_packages(s, out)),
        ("school_review", lambda s: review.review(s, SCHOOL, True, "核对无误")),
        ("school_review", lambda s: review.make_feedback(s, SCHOOL, out)),
        ("school_changes", lambda s: changes.decide_county_change(s, SCHOOL, 1, True)),
        ("school_keys", lambda s: reset_school_key(s, SCHOOL, "学校电脑损坏重装")),
    ]


def test_each_county_only_function_is_refused_at_a_city_and_nothing_changes(city, tmp_path):
    out = tmp_path / "out"
    before = snapshot(city)
    calls = _core_calls(out)
    assert {key for key, _call in calls} == set(COUNTY_ONLY)  # every function has a refusal tested
    for key, call in calls:
        with pytest.raises(BadInput) as caught:
            call(city)
        assert str(caught.value) == refused_at_city(city, key)
        assert str(caught.value).startswith(COUNTY_ONLY[key].what + REFUSED)
    assert snapshot(city) == before and not out.exists()
    assert "跨区县转学由转入地、转出地两个县（区）的学籍主管部门各自核办" in refused_at_city(city, "transfers")


def test_a_countys_file_is_not_affected(county, tmp_path):
    assert all(refused_at_city(county, key) == "" for key in COUNTY_ONLY)
    assert transfers.list_transfers(county) == [] and admissions.list_plans(county) == []
    add_school(county, SCHOOL, "双塔西街小学", "140106001000")
    assert len(make_init_packages(county, [SCHOOL], tmp_path / "init")) == 1


def test_the_cli_says_the_same(city, tmp_path, monkeypatch, capsys):
    from xueji_desktop.cli import main

    city.close()
    monkeypatch.setenv("XUEJI_PASSWORD", PASSWORD)
    db = ["--db", str(tmp_path / "city.xjdb")]
    out = str(tmp_path / "out")
    commands = {
        "transfers": [["county", "transfers"], ["county", "transfer-out", "--out", out],
                      ["county", "transfer-in", str(tmp_path / "x.xjpkg")],
                      ["county", "decide-change", SCHOOL, "T1", "--approve", "--from-county", "140105"],
                      ["county", "change-evidence", SCHOOL, "T1", "--out", out]],
        "admissions": [["county", "plan", "set", SCHOOL, "--stage", "1", "--year", "2027", "--count", "90"],
                       ["county", "plan", "list"], ["county", "plan", "requests"],
                       ["county", "plan", "decide", SCHOOL, "1", "--approve"],
                       ["county", "admissions", "template", "--out", str(tmp_path / "模板.xlsx")],
                       ["county", "admissions", "import", str(tmp_path / "招生.xlsx")],
                       ["county", "admissions", "duplicates"],
                       ["county", "admissions", "keep", "140106201501010011", "--school", SCHOOL]],
        "school_init": [["county", "make-init", SCHOOL, "--out", out]],
        "nutrition_init": [["county", "nutrition", "init-packages", "--out", out]],
        "school_review": [["county", "review", SCHOOL, "--pass", "--reason", "核对无误"]],
        "school_changes": [["county", "decide-change", SCHOOL, "1", "--approve"]],
        "school_keys": [["county", "reset-key", SCHOOL, "--reason", "学校电脑损坏重装"]],
    }
    try:
        for key, runs in commands.items():
            for args in runs:
                assert main([*args, *db]) == 2, args
                captured = capsys.readouterr()
                assert f"{COUNTY_ONLY[key].what}{REFUSED}" in captured.err, args
                assert "Traceback" not in captured.err
        assert not (tmp_path / "out").exists() and not (tmp_path / "模板.xlsx").exists()
        # what a city does is still there: its own feedback to a county, the list of changes (read only)
        assert main(["county", "changes", *db]) == 0
        assert main(["info", *db]) == 0
        assert "地市级端" in capsys.readouterr().out  # the file's own level, not 县级端
    finally:
        capsys.readouterr()
        city_again = other_store(tmp_path / "city.xjdb")
        assert get_school(city_again, SCHOOL)["nutrition"] == 1
        city_again.close()


def _school_sheet(path, rows):
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("学校名单")
    for r, row in enumerate([("学校标识码", "学校名称", "统计用区划代码", "享受营养餐"), *rows]):
        sheet.write_row(r, 0, row)
    book.close()
    return path


def test_a_citys_school_list_import_leaves_nutrition_to_the_counties_plans(city, tmp_path, monkeypatch, capsys):
    """享受营养餐 at a city comes from each county's plan (its upward package): the city's list neither sets it for
    a new school nor clears it for one a county's plan names; names and regions are updated as usual."""
    from xueji_desktop.cli import main
    from xueji_desktop.county.school_sheet import import_school_sheet

    sheet = _school_sheet(tmp_path / "学校名单.xlsx", [(SCHOOL, "双塔西街小学（新名）", "140106001000", "否"),
                                                       ("2114010501", "小店一小", "140105001000", "是")])
    assert import_school_sheet(city, sheet) == {"added": 1, "updated": 1, "unchanged": 0}
    kept, new = get_school(city, SCHOOL), get_school(city, "2114010501")
    assert (kept["name"], kept["nutrition"]) == ("双塔西街小学（新名）", 1) and new["nutrition"] == 0

    city.close()
    monkeypatch.setenv("XUEJI_PASSWORD", PASSWORD)
    again = _school_sheet(tmp_path / "学校名单2.xlsx", [(SCHOOL, "双塔西街小学", "140106001000", "否"),
                                                      ("2114010501", "小店一小", "140105001000", "是")])
    assert main(["county", "schools", "import", "--db", str(tmp_path / "city.xjdb"), str(again)]) == 0
    capsys.readouterr()
    assert main(["county", "schools", "--db", str(tmp_path / "city.xjdb"), "--json"]) == 0
    listed = {s["code"]: s for s in json.loads(capsys.readouterr().out)}
    assert (listed[SCHOOL]["name"], listed[SCHOOL]["nutrition"], listed["2114010501"]["nutrition"]) == (
        "双塔西街小学", 1, 0)


def test_deciding_a_problem_at_a_city_names_the_city_and_the_counties(tmp_path, monkeypatch, capsys):
    """市级 in the refusal of a duplicate within one school; after a decision the CLI names the counties whose
    feedback carries it (a city feeds back to counties, not to schools)."""
    from tests.county.test_city import Chain, _two_counties
    from tests.exchange.helpers import records
    from xueji_desktop.cli import main
    from xueji_desktop.county.city_intake import import_county_package
    from xueji_desktop.county.problems import county_problems, resolve

    chain = Chain(tmp_path)
    try:
        _two_counties(chain)
        twice = records(2, seed=95)
        twice[1][1]["id_number"] = twice[0][1]["id_number"]  # one school holds the same child twice
        chain.report("140106", {"2114010069": twice})
        import_county_package(chain.city, chain.up("140106"))
        [inside] = [p for p in county_problems(chain.city) if p["kind"] == "duplicate_id"
                    and {r["school_code"] for r in p["records"]} == {"2114010069"}]
        with pytest.raises(BadInput, match="无需市级裁定"):
            resolve(chain.city, inside["id"], "2114010069", "重复录入")
        [across] = [p for p in county_problems(chain.city) if p["kind"] == "duplicate_id" and p is not inside
                    and len({r["school_code"] for r in p["records"]}) == 2]
        chain.city.close()
        monkeypatch.setenv("XUEJI_PASSWORD", PASSWORD)
        assert main(["county", "resolve", "--db", str(tmp_path / "city.xjdb"), across["id"], "--keep", "2114010068",
                     "--reason", "户籍在迎泽区"]) == 0
        said = capsys.readouterr().out
        assert "请为县（区）140105小店区 生成地市反馈包（xueji county feedback 县级区划代码）" in said
    finally:
        chain.city = other_store(tmp_path / "city.xjdb")
        chain.close()
