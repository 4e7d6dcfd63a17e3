"""A county set up from the initialisation data issued from above: a city store (the same program one level up)
holds the school list and writes one signed package per county; the county's file is created from it, with its
schools, and what it passes up is encrypted to the city."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from tests.county.test_school_list import GOOD, sheet
from xueji_desktop.cli import main
from xueji_desktop.county.init_package import init_from_package, make_county_init
from xueji_desktop.county.school_sheet import import_school_sheet
from xueji_desktop.county.schools import list_schools
from xueji_desktop.county.workspace import county_profile, create_county_store, store_level
from xueji_desktop.errors import BadInput
from xueji_desktop.exchange import keystore

CITY = {"code": "1401", "name": "太原市", "city_code": "14", "city_name": "山西省"}


@pytest.fixture
def city(tmp_path):
    store, _, _ = create_county_store(tmp_path / "city.xjdb", username="admin", password=PASSWORD, county=CITY,
                                      level="city")
    yield store
    store.close()


def test_city_issues_county_init_and_county_starts_from_it(city, county, tmp_path):
    assert store_level(city) == "city"
    rows = [*GOOD, ("2114010501", "小店一中", "140105001000", "否")]  # another county of the city
    import_school_sheet(city, sheet(tmp_path / "city.xlsx", rows))
    pkg = make_county_init(city, "140106", "迎泽区", tmp_path / "down")
    with pytest.raises(BadInput, match="地市级数据文件"):
        make_county_init(county, "140106", "迎泽区", tmp_path / "x")
    new, _recovery, _fp, n = init_from_package(pkg, tmp_path / "yingze.xjdb", username="admin", password=PASSWORD)
    with new:
        assert n == 4
        assert county_profile(new) == {"code": "140106", "name": "迎泽区", "city_code": "1401", "city_name": "太原市"}
        assert {(s["code"], s["name"]) for s in list_schools(new, placeholders=True)} == {
            ("2114010068", "双塔西街小学"), ("2114010069", "迎泽实验小学"), ("0000000000", "郝庄村小"),
            ("0000000000", "马庄村小")}
        assert keystore.get_public(new.conn, keystore.UPPER_ENCRYPTION) == keystore.get_public(
            city.conn, keystore.OWN_ENCRYPTION)
    with pytest.raises(BadInput, match="不是县级初始化包"):
        init_from_package(_school_init(county, tmp_path), tmp_path / "bad.xjdb", username="admin",
                          password=PASSWORD)
    assert not (tmp_path / "bad.xjdb").exists()


def _school_init(county, tmp_path):
    from xueji_desktop.county.schools import add_school, make_init_packages

    add_school(county, "2114010068", "双塔西街小学", "140106001000")
    return make_init_packages(county, ["2114010068"], tmp_path / "sinit")[0]


def test_cli_city_and_county_init(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XUEJI_PASSWORD", PASSWORD)
    city, county = str(tmp_path / "city.xjdb"), str(tmp_path / "county.xjdb")
    assert main(["county", "init", "--db", city, "--level", "city", "--county-code", "1401", "--county-name",
                 "太原市", "--city-code", "14", "--city-name", "山西省"]) == 0
    assert main(["county", "schools", "import", "--db", city, str(sheet(tmp_path / "s.xlsx", GOOD))]) == 0
    assert main(["county", "make-county-init", "--db", city, "140106", "迎泽区", "--out", str(tmp_path / "d")]) == 0
    pkg = next((tmp_path / "d").glob("*.xjpkg"))
    assert main(["county", "init", "--db", county]) == 2
    assert "--from-package" in capsys.readouterr().err
    assert main(["county", "init", "--db", county, "--from-package", str(pkg)]) == 0
    assert "140106迎泽区，学校 4 所" in capsys.readouterr().out
    assert main(["county", "schools", "verify", "--db", county]) == 1
    assert "还没有学校标识码" in capsys.readouterr().out
