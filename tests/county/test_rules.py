"""Rules flow down, not up: set at the county, carried by the real init package, shown read-only at the
school, and refused there with a message naming the county."""

from __future__ import annotations

import json

import pytest

from tests.conftest import PASSWORD
from xueji_desktop.cli import main
from xueji_desktop.county.rules import county_rules, in_window, set_entry_age, set_window
from xueji_desktop.county.schools import add_school, make_init_packages
from xueji_desktop.demo import DEMO_SCHOOL
from xueji_desktop.errors import BadInput
from xueji_desktop.exchange import school_side
from xueji_desktop.records import school_year as sy
from xueji_desktop.records.changes import set_forbidden_kinds


def test_rules_reach_the_school_read_only(county, demo_store, tmp_path, monkeypatch, capsys):
    sy.set_class_cap(county, 1, 45, level="county")
    set_forbidden_kinds(county, 1, ["开除"])
    set_window(county, "new_students", "09-01", "10-15")
    set_window(county, "graduation", "06-01", "07-15")
    set_entry_age(county, 6)
    with pytest.raises(BadInput, match="月-日"):
        set_window(county, "registration", "9月1日", "10-01")
    add_school(county, DEMO_SCHOOL["code"], DEMO_SCHOOL["name"], DEMO_SCHOOL["region_code"])
    [init] = make_init_packages(county, [DEMO_SCHOOL["code"]], tmp_path / "init")
    school_side.apply_init(demo_store, school_side.read_init_package(init))

    rules = county_rules(demo_store)
    assert rules["set_by"] == "140106迎泽区"
    assert rules["class_caps"]["小学"] == {"cap": 45, "set_by": "县级"}
    assert rules["forbidden_changes"]["小学"] == ["开除"]
    assert rules["windows"] == {"新生注册": "09-01～10-15", "在校生注册": "", "毕业": "06-01～07-15"}
    assert rules["entry_age_grade1"] == 6
    from datetime import date

    assert in_window(demo_store, "new_students", date(2026, 9, 20)) is True
    assert in_window(demo_store, "new_students", date(2026, 11, 1)) is False
    assert in_window(demo_store, "registration", date(2026, 11, 1)) is None

    for attempt in (lambda: set_window(demo_store, "new_students", "08-01", "12-31"),
                    lambda: set_entry_age(demo_store, 5),
                    lambda: sy.set_class_cap(demo_store, 1, 60, level="county"),
                    lambda: set_forbidden_kinds(demo_store, 1, [])):
        with pytest.raises(BadInput, match="由 140106迎泽区 设置"):
            attempt()
    assert county_rules(demo_store) == rules

    monkeypatch.setenv("XUEJI_PASSWORD", PASSWORD)
    db = str(demo_store.path)
    capsys.readouterr()
    assert main(["county", "rules", "show", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "由 140106迎泽区 设置（只读" in out and "新生注册工作时间：09-01～10-15" in out
    assert main(["county", "rules", "set-entry-age", "--db", db, "7"]) == 2
    assert "学校不能修改" in capsys.readouterr().err
    assert main(["county", "rules", "set-window", "--db", str(county.path), "registration", "--start", "02-20",
                 "--end", "03-31"]) == 0
    assert main(["county", "rules", "show", "--db", str(county.path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out.split("\n", 1)[1])["windows"]["在校生注册"] == "02-20～03-31"


def test_every_county_rule_needs_the_sysadmin(county):
    """Windows and the entry age are settings like caps and controlled fields: a county clerk reads them but
    cannot change them, and nothing is written."""
    from xueji_desktop.errors import PermissionDenied
    from xueji_desktop.storage import Store

    county.add_user("clerk2", "clerk-pass", "clerk")
    path = county.path
    county.close()
    clerk = Store.open(path, "clerk2", "clerk-pass")
    try:
        for attempt in (lambda: set_window(clerk, "new_students", "09-01", "09-30"),
                        lambda: set_entry_age(clerk, 6),
                        lambda: sy.set_class_cap(clerk, 1, 45, level="county")):
            with pytest.raises(PermissionDenied, match="系统管理员"):
                attempt()
        assert county_rules(clerk)["windows"]["新生注册"] == ""
        assert county_rules(clerk)["entry_age_grade1"] is None
    finally:
        clerk.close()
