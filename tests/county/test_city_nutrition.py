"""营养改善计划 travels up: a county's plan (participating schools, standards, days, contacts) goes up in its real
export-up package, the city keeps it per county (a newer package replaces it), computes each county's numbers
with the county's own standards, refuses to edit it, and shows a county whose package has no plan as
未上报营养计划. Also: messages read 本市/市级 on a city file, 本县/县级 on a county's."""

from __future__ import annotations

import json

import pytest
from python_calamine import CalamineWorkbook

from tests.conftest import PASSWORD
from tests.county.test_city import other_store
from tests.exchange.helpers import records
from xueji_desktop.county import nutrition as nu
from xueji_desktop.county import upward
from xueji_desktop.county.city_intake import import_county_package
from xueji_desktop.county.city_nutrition import NOT_REPORTED, compute_city_nutrition_stats
from xueji_desktop.county.export import export_county_excel
from xueji_desktop.county.schools import add_school, get_school
from xueji_desktop.county.workspace import unit_words
from xueji_desktop.errors import BadInput

YINGZE = "140106"


def _county_plan(county, *schools: str) -> None:
    """``schools`` and one still without a 标识码 take part; 小学 5, 初中 4.50, 95 days."""
    add_school(county, "0000000000", "郝庄村小", "140106003000")
    nu.set_participation(county, [*schools, "郝庄村小"], True)
    nu.save_standards(county, {"小学": "5", "初中": "4.5"}, 95)
    nu.add_contact(county, "县级牵头部门", "迎泽区教育局", "张国强", "0351-4041234")


def _numbers(stats) -> tuple:
    return (stats.schools, stats.reported, stats.students, stats.subsidy, stats.school_days,
            [(r["school_code"], r["stage"], r["students"], r["subsidy"], r["note"]) for r in stats.rows])


def _send_up(chain, code: str = YINGZE):
    return import_county_package(chain.city, chain.up(code), confirm_fingerprint=chain.fingerprint(code))


def test_the_countys_plan_reaches_the_city_and_a_newer_package_replaces_it(chain):
    chain.report(YINGZE, {"2114010068": records(7, seed=51), "2114010069": records(4, seed=52)})
    chain.report("140105", {"2114010501": records(3, seed=53)})
    county = chain.counties[YINGZE]
    _county_plan(county, "2114010068", "2114010069")
    own = nu.compute_nutrition_stats(county)
    assert own.students == 11 and own.subsidy > 0 and own.schools == 3
    _send_up(chain)
    with pytest.MonkeyPatch.context() as mp:  # a package from before the plan travelled up
        mp.setattr(upward, "plan_bytes", lambda store: None)
        _send_up(chain, "140105")

    city = compute_city_nutrition_stats(chain.city)
    seen = {c.code: c for c in city.counties}
    assert _numbers(seen[YINGZE].stats) == _numbers(own)
    assert seen[YINGZE].plan["contacts"] == [{"role": "县级牵头部门", "unit": "迎泽区教育局", "person": "张国强",
                                              "phone": "0351-4041234"}]
    assert seen["140105"].state == NOT_REPORTED and seen["140105"].stats is None
    assert (city.schools, city.students, city.subsidy) == (own.schools, own.students, own.subsidy)
    assert city.not_reported == ["140105小店区"]
    assert get_school(chain.city, "2114010068")["nutrition"] == 1

    # the county raises 小学 to 6 and drops a school: the next package replaces the plan at the city
    nu.set_standard(county, "小学", "6")
    nu.set_participation(county, ["2114010069"], False)
    own = nu.compute_nutrition_stats(county)
    import_county_package(chain.city, chain.up(YINGZE))
    again = {c.code: c for c in compute_city_nutrition_stats(chain.city).counties}[YINGZE]
    assert _numbers(again.stats) == _numbers(own) and again.stats.standards["小学"] == 6
    assert get_school(chain.city, "2114010069")["nutrition"] == 0

    # a package whose plan is malformed is refused whole: the city keeps the plan it had
    before = chain.city.query("SELECT nutrition_plan, last_sequence FROM city_counties WHERE code = ?", (YINGZE,))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(upward, "plan_bytes", lambda store: json.dumps(
            {"schools": [], "standards": {"1": "80"}, "school_days": 95, "contacts": []}).encode())
        with pytest.raises(BadInput, match=r"nutrition.json的“standards.1”不是 0 到 50"):
            import_county_package(chain.city, chain.up(YINGZE))
    assert chain.city.query("SELECT nutrition_plan, last_sequence FROM city_counties WHERE code = ?",
                            (YINGZE,)) == before


def test_the_city_cannot_edit_a_countys_plan(chain):
    chain.report(YINGZE, {"2114010068": records(2, seed=61)})
    _county_plan(chain.counties[YINGZE], "2114010068")
    _send_up(chain)
    city = chain.city
    with pytest.raises(BadInput, match=r"学校 2114010068双塔西街小学 属于县（区）140106迎泽区.*地市不能修改"):
        nu.set_participation(city, ["2114010068"], False)
    for edit in (lambda: nu.set_standard(city, "小学", "7"), lambda: nu.set_school_days(city, 90),
                 lambda: nu.add_contact(city, "财政部门", "太原市财政局", "王五", "0351-4041235")):
        with pytest.raises(BadInput, match=r"本市已收到：140106迎泽区）.*地市不能修改"):
            edit()
    assert get_school(city, "2114010068")["nutrition"] == 1 and not nu.standards(city)


def test_cli_at_the_city(chain, tmp_path, monkeypatch, capsys):
    from xueji_desktop.cli import main

    chain.report(YINGZE, {"2114010068": records(3, seed=71)})
    _county_plan(chain.counties[YINGZE], "2114010068")
    own = nu.compute_nutrition_stats(chain.counties[YINGZE])
    _send_up(chain)
    chain.city.close()
    monkeypatch.setenv("XUEJI_PASSWORD", PASSWORD)
    db = ["--db", str(tmp_path / "city.xjdb")]
    run = ["county", "nutrition"]
    xlsx = tmp_path / "市.xlsx"
    try:
        assert main([*run, "stats", *db, "--json", "--xlsx", str(xlsx)]) == 0
        out = json.loads(capsys.readouterr().out)
        assert out["level"] == "city" and out["subsidy"] == str(own.subsidy) and out["students"] == own.students
        counties = {c["county_code"]: c for c in out["counties"]}
        assert counties["140105"]["plan"] == NOT_REPORTED and counties[YINGZE]["standards"] == {
            "小学": "5.00", "初中": "4.50"}
        sheet = CalamineWorkbook.from_path(str(xlsx)).get_sheet_by_name("按县区").to_python()
        assert sheet[-1][0] == "合计" and sheet[-1][-1] == float(own.subsidy)
        assert [r[:3] for r in sheet[1:-1]] == [["140105", "小店区", NOT_REPORTED], [YINGZE, "迎泽区", "已上报"]]
        assert main([*run, "stats", *db]) == 0
        assert f"每学期补助 {own.subsidy} 元" in capsys.readouterr().out
        assert main([*run, "standard", *db]) == 0
        assert "140106迎泽区：小学 5.00 元/生/天；初中 4.50 元/生/天；每学期在校天数 95" in capsys.readouterr().out
        assert main([*run, "contacts", "list", *db, "--json"]) == 0
        assert json.loads(capsys.readouterr().out)[0]["county_name"] == "迎泽区"
        assert main([*run, "standard", "set", *db, "--stage", "小学", "--yuan", "6"]) == 2
        assert "地市不能修改" in capsys.readouterr().err
    finally:
        chain.city = other_store(tmp_path / "city.xjdb")


def test_messages_name_the_unit_of_the_open_file(chain, tmp_path):
    city, county = chain.city, chain.counties[YINGZE]
    assert unit_words(city) == ("本市", "市级") and unit_words(county) == ("本县", "县级")
    for store, word in ((city, "本市"), (county, "本县")):
        with pytest.raises(BadInput, match=f"学校 2114019999 不在{word}学校名单中"):
            get_school(store, "2114019999")
        with pytest.raises(BadInput, match=f"学校 2114019999 不在{word}学校名单中"):
            export_county_excel(store, tmp_path / "x.xlsx", school="2114019999")
        add_school(store, "2114019998", "新建小学", "140106003000")
        with pytest.raises(BadInput, match=f"学校 2114019998 已在{word}学校名单中"):
            add_school(store, "2114019998", "新建小学", "140106003000")


def test_the_citys_own_package_carries_each_countys_plan(chain, tmp_path):
    """The city's export-up (to the province) carries nutrition_counties.json: one entry per county it passes up,
    with the plan the county sent (or null: 未上报营养计划); read back by the package reader and checked."""
    from xueji_desktop.county.city_intake import AGGREGATE_LIMITS
    from xueji_desktop.county.nutrition_upward import (
        COUNTIES_MEMBER,
        PLAN_MEMBER,
        county_plans_bytes,
        parse_county_plans,
    )
    from xueji_desktop.exchange import keystore
    from xueji_desktop.exchange.container import open_envelope, read_file
    from xueji_desktop.exchange.safezip import SafeZip

    chain.report(YINGZE, {"2114010068": records(3, seed=81)})
    chain.report("140105", {"2114010501": records(2, seed=82)})
    _county_plan(chain.counties[YINGZE], "2114010068")
    _send_up(chain)
    with pytest.MonkeyPatch.context() as mp:  # 小店区's package has no plan
        mp.setattr(upward, "plan_bytes", lambda store: None)
        _send_up(chain, "140105")

    aggregate = upward.export_up(chain.city, tmp_path / "province")[-1]
    env = open_envelope(read_file(aggregate), aggregate.name)
    body = SafeZip(env.decrypt(keystore.require_private(chain.city.conn, keystore.OWN_ENCRYPTION)),
                   AGGREGATE_LIMITS, "")
    assert COUNTIES_MEMBER in body.names() and PLAN_MEMBER not in body.names()
    plans = parse_county_plans(body.read(COUNTIES_MEMBER), f"{aggregate.name}：")
    assert [(p["county_code"], p["county_name"]) for p in plans] == [("140105", "小店区"), (YINGZE, "迎泽区")]
    assert plans[0]["plan"] is None
    sent = plans[1]["plan"]
    assert sent == json.loads(chain.city.query("SELECT nutrition_plan FROM city_counties WHERE code = ?",
                                               (YINGZE,))[0][0])
    assert sent["standards"] == {"1": "5.00", "2": "4.50"} and sent["school_days"] == 95
    assert {s["name"] for s in sent["schools"]} == {"双塔西街小学", "郝庄村小"}
    assert sent["contacts"][0]["person"] == "张国强"

    # only the counties whose schools go up are listed; a malformed entry is refused naming the county and field
    assert [p["county_code"] for p in json.loads(county_plans_bytes(chain.city, {YINGZE}))] == [YINGZE]
    bad = [{"county_code": YINGZE, "county_name": "迎泽区", "plan": {**sent, "school_days": 0}}]
    with pytest.raises(BadInput, match=r"nutrition_counties.json 第 1 个县（区）的 plan的“school_days”超出范围"):
        parse_county_plans(json.dumps(bad).encode(), "")
    with pytest.raises(BadInput, match=r"第 2 个县（区）的“county_code”重复"):
        parse_county_plans(json.dumps([plans[1], plans[1]]).encode(), "")
