"""A city holds 2,000,000 students (bench/city_import.py measures it): the list keys are kept compact and still
filter exactly as the rows say, and the problem checks, statistics and counts read indexes (schema v17), never
the stored rows themselves."""

from __future__ import annotations

import json
import re

import pytest

from xueji_desktop.county.city_nutrition import compute_city_nutrition_stats
from xueji_desktop.county.counties import add_county
from xueji_desktop.county.problems import county_problems
from xueji_desktop.county.stats import compute_county_stats, county_summary
from xueji_desktop.county.students import CountyFilter, CountyKeys
from xueji_desktop.county.workspace import create_county_store

CITY = {"code": "1401", "name": "太原市", "city_code": "14", "city_name": "山西省"}
# (school, county) — school codes out of county order, so a county's schools are not one run of the list
SCHOOLS = [("2114000001", "140105"), ("2114000002", "140106"), ("2114000003", "140105"), ("2114000004", "140106")]
NAMES = ["王伟", "李,娜", "张\n强", "", "王芳", "刘伟", "陈静", "王伟"]
STATES = ["enrolled", "suspended", "enrolled", "left", "", "enrolled", "abroad"]


@pytest.fixture
def city(tmp_path):
    store, _r, _fp = create_county_store(tmp_path / "city.xjdb", username="admin", password="pass-1234",
                                         county=CITY, level="city")
    add_county(store, "140105", "小店区")
    add_county(store, "140106", "迎泽区")
    rows, n = [], 0
    for code, _county in SCHOOLS:
        for c in ("2020111", "2023112"):
            for _ in range(4):
                number = f"14010520150101{n:03d}X" if n % 5 else ""
                status, problem = ("pending", "") if n % 7 == 0 else ("ok", "校验码不对" if n % 9 == 0 else "")
                rows.append((code, f"u{n}", c, NAMES[n % len(NAMES)], "1", "2015-01-01", "1", number, status,
                             problem, STATES[n % len(STATES)], "{}"))
                n += 1
    with store.transaction() as tx:
        for code, county in SCHOOLS:
            tx.execute("INSERT INTO county_schools (code, name, region_code, imported_at) VALUES (?,?,?,?)",
                       (code, f"学校{code[-1]}", county + "001000", tx.ts))
        tx.executemany("INSERT INTO county_students (school_code, uid, class_code, name, gender, birth_date, id_type,"
                       " id_number, status, id_problem, enrolment, data) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    yield store
    store.close()


def _expected(store, flt: CountyFilter) -> list[int]:
    """The filter worked out row by row, the slow obvious way."""
    region = dict(store.query("SELECT code, substr(region_code, 1, 6) FROM county_schools"))
    out = []
    for sid, school, name, enrolment, number in store.query(
            "SELECT id, school_code, name, enrolment, id_number FROM county_students"
            " ORDER BY school_code, class_code, name, enrolment, id_number"):
        text = flt.text.strip()
        if ((flt.school and school != flt.school) or (flt.county and region[school] != flt.county)
                or (flt.enrolment is not None and enrolment != flt.enrolment)
                or (text and not (number.startswith(text.upper()) if text[0].isdigit() else text in name))):
            continue
        out.append(sid)
    return out


def test_compact_keys_filter_exactly_as_the_rows_say(city):
    keys = CountyKeys(city.conn)
    assert len(keys) == 32 and list(keys.select(CountyFilter())) == _expected(city, CountyFilter())
    for school in (None, "2114000002", "2114000009"):
        for county in (None, "140105", "140106"):
            for text in ("", "王伟", "伟", ",", "强", "1401052015010100", "x"):
                for enrolment in (None, "enrolled", "suspended", "", "graduated"):
                    flt = CountyFilter(school, text, enrolment, county)
                    assert list(keys.select(flt)) == _expected(city, flt), flt


def test_counts_and_errors_from_the_indexes_match_the_rows(city):
    info = county_summary(city)
    assert info["students"] == 32
    assert info["students_by_status"] == dict(city.query("SELECT status, count(*) FROM county_students"
                                                         " GROUP BY status"))
    assert list(info["students_by_enrolment"].values()) == sorted(info["students_by_enrolment"].values(),
                                                                  reverse=True)
    assert info["students_by_enrolment"]["休学"] == 5 and info["students_by_enrolment"]["未注明"] == 4
    stats = compute_county_stats(city)
    errors = {c.school_code: c.with_errors for c in stats.completeness}
    assert errors == dict(city.query("SELECT school_code, sum(status = 'pending' OR id_problem <> '')"
                                     " FROM county_students GROUP BY school_code"))
    assert sum(c["students"] for c in stats.by_county) == 32 == stats.students


def test_problems_stats_and_counts_never_scan_the_rows(city):
    """Every query these screens send reads county_students through an index: at a city a plain scan of the
    table reads gigabytes (each row keeps the student line as sent)."""
    city.conn.execute("UPDATE county_students SET student_number = 'L' || substr(uid, 2) WHERE uid <> 'u3'")
    city.conn.execute("UPDATE county_students SET student_number = 'L1' WHERE uid = 'u3'")  # one 学籍号 twice
    city.conn.execute("UPDATE county_students SET id_number = (SELECT id_number FROM county_students WHERE uid = 'u1'),"
                      " enrolment = 'enrolled' WHERE uid IN ('u1', 'u2')")  # one ID number twice
    city.conn.execute("UPDATE city_counties SET nutrition_plan = ? WHERE code = '140105'", (json.dumps(
        {"schools": [{"code": "2114000001", "name": "学校1"}], "standards": {"1": "5.00"}, "school_days": 100,
         "contacts": []}),))
    sent: list[str] = []
    city.conn.set_trace_callback(sent.append)
    kinds = {p["kind"] for p in county_problems(city)}
    compute_county_stats(city)
    county_summary(city)
    assert compute_city_nutrition_stats(city).students > 0
    city.conn.set_trace_callback(None)
    assert kinds == {"id_invalid", "duplicate_id", "duplicate_identity", "duplicate_number"}
    reading = [s for s in sent if s.lstrip().upper().startswith("SELECT") and "county_students" in s]
    assert len(reading) >= 8
    partial = ("county_students_errors", "county_students_id_problem", "county_students_number")
    for sql in reading:
        for step in (r[3] for r in city.query("EXPLAIN QUERY PLAN " + sql)):
            if re.match(r"SCAN (county_students|s)\b", step):  # every row: from a covering or a partial index only
                assert "COVERING INDEX" in step or any(i in step for i in partial), (sql, step)
