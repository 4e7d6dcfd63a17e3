"""Fixtures for the admission tests: the demo school linked to the demo county through real packages."""

from __future__ import annotations

import pytest

from tests.records.admission_lists import CODE
from xueji_desktop.county import admissions as county_adm
from xueji_desktop.county.intake import import_package
from xueji_desktop.county.schools import add_school, make_init_packages
from xueji_desktop.demo import DEMO_SCHOOL
from xueji_desktop.exchange import school_side
from xueji_desktop.records import admissions as adm
from xueji_desktop.records.school_year import current_school_year


@pytest.fixture
def linked(county, demo_store, tmp_path):
    """The demo school registered at the county, initialised from its package, its data sent up once."""
    add_school(county, CODE, DEMO_SCHOOL["name"], DEMO_SCHOOL["region_code"])
    year = current_school_year(demo_store)
    county_adm.set_plan(county, CODE, 1, year, 0)  # set now, raised below: plans travel in init packages too
    [init] = make_init_packages(county, [CODE], tmp_path / "init")
    fp = school_side.apply_init(demo_store, school_side.read_init_package(init))
    assert adm.plan_use(demo_store.conn, 1, year).plan == 0
    import_package(county, school_side.export_package(demo_store, tmp_path / "up0", include_pending=True),
                   confirm_fingerprint=fp)
    return year
