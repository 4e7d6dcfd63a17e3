"""营养改善计划 at the county: 享受营养餐的学校, 县级责任体系, 补助标准, the statistics and their workbook, init
packages for the selected schools only (opened by a real school store, which shows the plan read-only), and
`xueji county nutrition …` — refused at a school."""

from __future__ import annotations

import json
import random
from decimal import Decimal

import pytest
from python_calamine import CalamineWorkbook

from tests.conftest import PASSWORD
from tests.county.conftest import A, B
from tests.exchange.helpers import FakeSchool, county_public, write
from xueji_desktop.cli import main
from xueji_desktop.county import nutrition as nu
from xueji_desktop.county.intake import import_package
from xueji_desktop.county.nutrition_settings import plan_view
from xueji_desktop.county.review import make_feedback
from xueji_desktop.county.rules import county_rules
from xueji_desktop.county.schools import add_school
from xueji_desktop.demo import DEMO_SCHOOL, demo_classes, make_student
from xueji_desktop.errors import BadInput
from xueji_desktop.exchange import school_side
from xueji_desktop.validation.normalize import normalize_phone

C = FakeSchool.new("2114010071", "郝庄中学")
UNREPORTED = "2114010070"  # listed by the merged fixture, nothing imported


@pytest.fixture
def plan(merged, tmp_path):
    """A (9 在校 + 3 休学, 小学), C (4 在校, 初中) and the unreported school take part; B (8, 小学) does not."""
    county = merged[0]
    rng = random.Random(7)
    junior = [(c.code, make_student(rng, c)) for c in demo_classes(stage=2)[:4]]
    C.register(county)
    import_package(county, write(tmp_path, "c.xjpkg", C.package(county_public(county), junior)),
                   confirm_fingerprint=C.fingerprint)
    assert nu.set_participation(county, [A.code, C.code, UNREPORTED], True) == 3
    return county


def test_standards_are_decimal_money_checked_per_stage(county):
    assert nu.set_standard(county, "小学", "5") == Decimal("5.00")
    assert nu.set_standard(county, 2, "4.50元") == Decimal("4.50")
    for bad, message in (("4.555", "两位小数"), ("0", "大于 0"), ("-1", "大于 0"), ("51", "不超过 50"),
                         ("五元", "不是金额"), ("NaN", "大于 0")):
        with pytest.raises(BadInput, match=message):
            nu.set_standard(county, "小学", bad)
    with pytest.raises(BadInput, match="学段“幼儿园”不认识"):
        nu.set_standard(county, "幼儿园", "3")
    assert nu.standards(county) == {1: Decimal("5.00"), 2: Decimal("4.50")}
    assert nu.set_standard(county, "初中", None) is None
    assert nu.standards(county) == {1: Decimal("5.00")}
    assert nu.school_days(county) == nu.DEFAULT_SCHOOL_DAYS == 100
    nu.set_school_days(county, 95)
    assert nu.school_days(county) == 95
    with pytest.raises(BadInput, match="1 到 200"):
        nu.set_school_days(county, 0)


def test_contacts_phones_are_checked_and_tidied(county):
    first = nu.add_contact(county, "县级牵头部门", "迎泽区教育局", "张国强", "０３５１ ４０４１２３４")
    nu.add_contact(county, "食品安全监管", "迎泽区市场监管局", "李红", "+86 138 1234 5678")
    for phone, message in (("4041234", "须带区号"), ("1381234567", "应为 11 位"), ("", "请填写联系电话")):
        with pytest.raises(BadInput, match=message):
            nu.add_contact(county, "财政部门", "迎泽区财政局", "王五", phone)
    with pytest.raises(BadInput, match="请填写单位"):
        nu.add_contact(county, "财政部门", " ", "王五", "13812345678")
    assert [(c["person"], c["phone"]) for c in nu.list_contacts(county)] == [("张国强", "0351-4041234"),
                                                                            ("李红", "13812345678")]
    nu.remove_contact(county, first)
    with pytest.raises(BadInput, match="没有编号"):
        nu.remove_contact(county, first)
    assert [c["person"] for c in nu.list_contacts(county)] == ["李红"]
    assert normalize_phone("１３８１２３４５６７８") == "13812345678"  # full-width mobile: no fast path around it


def test_participation_names_unknown_schools_and_changes_nothing(merged):
    county = merged[0]
    add_school(county, "0000000000", "郝庄村小", "140106003000")
    with pytest.raises(BadInput, match="不在本县学校名单中：9999999999"):
        nu.set_participation(county, [A.code, "9999999999"], True)
    assert not any(s["nutrition"] for s in nu.nutrition_schools(county))
    assert nu.set_participation(county, [A.code, "郝庄村小"], True) == 2
    assert nu.set_participation(county, [A.code], True) == 0
    rows = {s["name"]: s for s in nu.nutrition_schools(county)}
    assert rows["双塔西街小学"]["nutrition"] and rows["郝庄村小"]["nutrition"] and not rows["迎泽实验小学"]["nutrition"]
    assert rows["双塔西街小学"]["students"] == 9  # 在校 only: 3 of its 12 are 休学


def test_stats_by_school_and_stage_with_the_subsidy_per_term(plan, tmp_path):
    county = plan
    stats = nu.compute_nutrition_stats(county)
    assert (stats.schools, stats.reported, stats.students) == (3, 2, 13)
    assert stats.missing_standards == ["小学", "初中"] and stats.subsidy == Decimal("0")
    nu.set_standard(county, "小学", "5")
    nu.set_standard(county, "初中", "4.55")
    nu.set_school_days(county, 95)
    stats = nu.compute_nutrition_stats(county)
    rows = {(r["school_code"], r["stage"]): r for r in stats.rows}
    assert rows[(A.code, "小学")]["students"] == 9 and rows[(A.code, "小学")]["subsidy"] == Decimal("4275.00")
    assert rows[(C.code, "初中")]["subsidy"] == Decimal("1729.00")  # 4 × 4.55 × 95, exact (no float)
    assert rows[(UNREPORTED, "")]["note"] == "尚未上报数据"
    assert B.code not in {r["school_code"] for r in stats.rows}
    assert stats.subsidy == Decimal("6004.00") and not stats.missing_standards
    assert stats.to_dict()["by_stage"]["初中"] == {"students": 4, "yuan_per_day": "4.55", "subsidy": "1729.00"}

    nu.add_contact(county, "县级牵头部门", "迎泽区教育局", "张国强", "0351-4041234")
    out = nu.export_nutrition_xlsx(county, tmp_path / "营养.xlsx")
    book = CalamineWorkbook.from_path(str(out))
    assert book.sheet_names == ["按学校", "学校×学段", "按学段", "县级责任体系"]
    by_school = book.get_sheet_by_name("按学校").to_python()
    assert by_school[-1] == ["合计", "", 13, 6004.0]
    assert [A.code, "双塔西街小学", 9, 4275.0] in by_school
    assert book.get_sheet_by_name("县级责任体系").to_python()[1] == ["县级牵头部门", "迎泽区教育局", "张国强",
                                                                  "0351-4041234"]


def test_init_packages_for_selected_schools_reach_a_real_school(county, demo_store, tmp_path):
    """Only the schools that take part get a package; the school opens it and shows the plan read-only; a
    later change reaches it in the feedback package; the school cannot change any of it."""
    add_school(county, DEMO_SCHOOL["code"], DEMO_SCHOOL["name"], DEMO_SCHOOL["region_code"])
    add_school(county, "2114010099", "桥东小学", "140106003000")
    add_school(county, "0000000000", "郝庄村小", "140106003000")
    with pytest.raises(BadInput, match="还没有享受营养餐的学校"):
        nu.make_nutrition_init_packages(county, tmp_path / "init")
    nu.set_participation(county, [DEMO_SCHOOL["code"], "郝庄村小"], True)
    nu.set_standard(county, "小学", "5")
    nu.add_contact(county, "县级牵头部门", "迎泽区教育局", "张国强", "0351-4041234")
    paths, skipped = nu.make_nutrition_init_packages(county, tmp_path / "init")
    assert [p.name[:10] for p in paths] == [DEMO_SCHOOL["code"]] and skipped == ["郝庄村小"]

    fp = school_side.apply_init(demo_store, school_side.read_init_package(paths[0]))
    seen = plan_view(demo_store)
    assert seen["enjoys"] is True and seen["standards"] == {"小学": "5.00"} and seen["school_days"] == 100
    assert seen["contacts"] == [{"role": "县级牵头部门", "unit": "迎泽区教育局", "person": "张国强",
                                 "phone": "0351-4041234"}]
    assert county_rules(demo_store)["nutrition"] == seen
    for attempt in (lambda: nu.set_standard(demo_store, "小学", "9"),
                    lambda: nu.add_contact(demo_store, "x", "y", "z", "13812345678"),
                    lambda: nu.set_participation(demo_store, [DEMO_SCHOOL["code"]], False),
                    lambda: nu.set_school_days(demo_store, 90)):
        with pytest.raises(BadInput, match=r"营养改善计划的.*由 140106迎泽区 设置"):
            attempt()
    with pytest.raises(BadInput, match="学校端数据文件"):
        nu.compute_nutrition_stats(demo_store)

    # The school reports; the county's statistics count its 在校 students; a new standard goes down in feedback.
    pkg = school_side.export_package(demo_store, tmp_path / "up", include_pending=True)
    import_package(county, pkg, confirm_fingerprint=fp)
    enrolled = demo_store.query("SELECT count(*) FROM students WHERE enrolment = 'enrolled'")[0][0]
    stats = nu.compute_nutrition_stats(county)
    assert stats.students == enrolled and stats.subsidy == Decimal(5 * 100 * enrolled).quantize(Decimal("0.01"))
    nu.set_standard(county, "小学", None)
    nu.set_standard(county, "初中", "4")
    nu.set_participation(county, [DEMO_SCHOOL["code"]], False)
    school_side.import_feedback(demo_store, make_feedback(county, DEMO_SCHOOL["code"], tmp_path / "down"))
    seen = plan_view(demo_store)
    assert seen["enjoys"] is False and seen["standards"] == {"初中": "4.00"}


@pytest.fixture
def env(monkeypatch):
    monkeypatch.setenv("XUEJI_PASSWORD", PASSWORD)
    monkeypatch.setenv("XUEJI_USER", "admin")


def test_cli(plan, demo_store, env, tmp_path, capsys):
    db = str(plan.path)
    run = ["county", "nutrition"]
    capsys.readouterr()
    assert main([*run, "contacts", "add", "--db", db, "--role", "县级牵头部门", "--unit", "迎泽区教育局",
                 "--person", "张国强", "--phone", "0351 4041234"]) == 0
    assert main([*run, "contacts", "add", "--db", db, "--role", "财政部门", "--unit", "迎泽区财政局",
                 "--person", "王五", "--phone", "4041234"]) == 2
    assert "固定电话须带区号" in capsys.readouterr().err
    assert main([*run, "contacts", "list", "--db", db, "--json"]) == 0
    assert [c["phone"] for c in json.loads(capsys.readouterr().out)] == ["0351-4041234"]
    assert main([*run, "standard", "set", "--db", db, "--stage", "小学", "--yuan", "5"]) == 0
    assert main([*run, "standard", "set", "--db", db, "--stage", "初中", "--yuan", "4.5"]) == 0
    assert main([*run, "standard", "days", "--db", db, "90"]) == 0
    assert main([*run, "standard", "set", "--db", db, "--stage", "初中", "--yuan", "4,5"]) == 2
    assert "不是金额" in capsys.readouterr().err
    assert main([*run, "standard", "--db", db, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"standards": {"小学": "5.00", "初中": "4.50"}, "school_days": 90}
    assert main([*run, "schools", "set", "--db", db, B.code, "--enjoy", "是"]) == 0
    assert main([*run, "schools", "set", "--db", db, UNREPORTED, "--enjoy", "否"]) == 0
    assert "已设置 1 所学校为不享受营养餐" in capsys.readouterr().out
    assert main([*run, "schools", "--db", db, "--json"]) == 0
    assert {s["code"] for s in json.loads(capsys.readouterr().out) if s["nutrition"]} == {A.code, B.code, C.code}
    xlsx = tmp_path / "n.xlsx"
    assert main([*run, "stats", "--db", db, "--json", "--xlsx", str(xlsx)]) == 0
    stats = json.loads(capsys.readouterr().out)
    # A 9 + B 8 小学 × 5 × 90; C 4 初中 × 4.50 × 90
    assert stats["students"] == 21 and stats["subsidy"] == "9270.00" and stats["schools"] == 3
    assert CalamineWorkbook.from_path(str(xlsx)).get_sheet_by_name("按学段").to_python()[1] == ["小学", 17, 5.0,
                                                                                              7650.0]
    assert main([*run, "stats", "--db", db]) == 0
    assert "每学期补助 9270.00 元" in capsys.readouterr().out
    assert main(["info", "--db", db]) == 0
    assert "营养改善计划：享受营养餐学校 3 所，在校学生 21 名，每学期补助 9270.00 元" in capsys.readouterr().out
    assert main([*run, "init-packages", "--db", db, "--out", str(tmp_path / "init")]) == 0
    assert sorted(p.name[:10] for p in (tmp_path / "init").iterdir()) == sorted([A.code, B.code, C.code])

    school = str(demo_store.path)
    capsys.readouterr()
    for args in (["stats"], ["schools"], ["contacts", "list"], ["init-packages", "--out", str(tmp_path / "x")]):
        assert main([*run, *args, "--db", school]) == 2
        assert "学校端数据文件" in capsys.readouterr().err
    assert main([*run, "standard", "set", "--db", school, "--stage", "小学", "--yuan", "6"]) == 2
    assert "学校不能修改" in capsys.readouterr().err
    # What the school received is shown read-only by `county rules show` (here: none yet).
    assert main(["county", "rules", "show", "--db", school]) == 0
    assert "营养改善计划补助标准：未设置；每学期在校 100 天" in capsys.readouterr().out
