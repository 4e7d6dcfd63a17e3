"""A county with merged data from two schools (and a third listed, not reported), for the county tests."""

from __future__ import annotations

import pytest

from tests.exchange.helpers import FakeSchool, county_public, records, write
from xueji_desktop.county.intake import import_package
from xueji_desktop.county.schools import add_school

A = FakeSchool.new("2114010068", "双塔西街小学")
B = FakeSchool.new("2114010069", "迎泽实验小学")


@pytest.fixture
def merged(county, tmp_path):
    """Two schools reported (A: 12 students, 3 of them 休学; B: 8, one with a photo), a third listed only."""
    pub = county_public(county)
    a_records, b_records = records(12, seed=1), records(8, seed=2)
    enrol = ["suspended" if i % 4 == 0 else "enrolled" for i in range(12)]
    for school, recs, kw in ((A, a_records, {"enrolments": enrol}), (B, b_records, {"photos": {0: b"\xff\xd8jpeg"}})):
        school.register(county)
        import_package(county, write(tmp_path, f"{school.code}.xjpkg", school.package(pub, recs, **kw)),
                       confirm_fingerprint=school.fingerprint)
    add_school(county, "2114010070", "桥东小学", "140106003000")
    return county, a_records, b_records


@pytest.fixture
def chain(tmp_path):
    """A city, two counties set up from its init packages and their schools (test_city.Chain), for the city tests."""
    from tests.county.test_city import Chain

    c = Chain(tmp_path)
    yield c
    c.close()
