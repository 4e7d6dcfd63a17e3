"""Merging several schools with planted problem records; review and feedback round trip; school side."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from tests.exchange.helpers import FakeSchool, county_public, new_county, records, write
from xueji_desktop.county.intake import import_package
from xueji_desktop.county.problems import county_problems
from xueji_desktop.county.review import make_feedback, review
from xueji_desktop.county.schools import add_school, make_init_packages
from xueji_desktop.errors import BadInput
from xueji_desktop.exchange import school_side
from xueji_desktop.records.problems import school_problems


def test_merge_of_three_schools_finds_planted_problems(county, tmp_path):
    a, b, c = (FakeSchool.new(f"21140100{i:02d}", f"第{i}小学") for i in (1, 2, 3))
    for s in (a, b, c):
        s.register(county)
    ra, rb, rc = records(20, seed=1), records(20, seed=2), records(20, seed=3)
    # 1. same ID number in school A and school B
    rb[5][1]["id_number"] = ra[3][1]["id_number"]
    # 2. same name + gender + birth date, no ID number, in B and C
    for rec in (rb[7][1], rc[9][1]):
        rec.update(name="王小明", gender="1", birth_date="2018-03-04", id_type="Z", id_number="")
    # 3. bad checksum in C
    n = rc[2][1]["id_number"]
    rc[2][1]["id_number"] = n[:-1] + ("0" if n[-1] != "0" else "1")
    pub = county_public(county)
    for s, recs in ((a, ra), (b, rb), (c, rc)):
        import_package(county, write(tmp_path, f"{s.code}.xjpkg", s.package(pub, recs)),
                                  confirm_fingerprint=s.fingerprint)
    found = county_problems(county)
    kinds = sorted(p["kind"] for p in found)
    assert kinds == ["duplicate_id", "duplicate_identity", "id_invalid"]
    dup = next(p for p in found if p["kind"] == "duplicate_id")
    assert {r["school_code"] for r in dup["records"]} == {a.code, b.code}
    assert {r["name"] for r in dup["records"]} == {ra[3][1]["name"], rb[5][1]["name"]}
    assert all(r["class_name"].startswith("小学") for r in dup["records"])
    same = next(p for p in found if p["kind"] == "duplicate_identity")
    assert {r["school_code"] for r in same["records"]} == {b.code, c.code}
    bad = next(p for p in found if p["kind"] == "id_invalid")
    assert bad["records"][0]["school_code"] == c.code and bad["records"][0]["name"] == rc[2][1]["name"]
    # a corrected re-submission from C (newer sequence) replaces C's data and the problems go away
    rc[2][1]["id_number"] = n
    rc[9][1]["name"] = "王小亮"
    import_package(county, write(tmp_path, "c2.xjpkg", c.package(pub, rc, sequence=2)))
    assert [p["kind"] for p in county_problems(county)] == ["duplicate_id"]
    assert county.query("SELECT count(*) FROM county_students")[0][0] == 60


def _school_with_init(county, tmp_path, demo_store):
    from xueji_desktop.demo import DEMO_SCHOOL

    add_school(county, DEMO_SCHOOL["code"], DEMO_SCHOOL["name"], DEMO_SCHOOL["region_code"])
    [init] = make_init_packages(county, [DEMO_SCHOOL["code"]], tmp_path / "init")
    fp = school_side.apply_init(demo_store, school_side.read_init_package(init))
    return DEMO_SCHOOL["code"], fp


def test_export_refuses_pending_then_marks_them(county, tmp_path, demo_store):
    _code, fp = _school_with_init(county, tmp_path, demo_store)
    demo_store.conn.execute("UPDATE students SET status = 'pending', issues = ? WHERE id IN (3, 4)",
                            ('[{"field":"phone","severity":"error","code":"required","message":"联系电话为必填项"}]',))
    pending = demo_store.query("SELECT count(*) FROM students WHERE status = 'pending'")[0][0]
    assert pending >= 2
    with pytest.raises(BadInput, match=f"还有 {pending} 名学生有错误.*联系电话为必填项"):
        school_side.export_package(demo_store, tmp_path / "out")
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())
    pkg = school_side.export_package(demo_store, tmp_path / "out", include_pending=True)
    assert pkg.name.startswith("2114010068双塔西街小学_") and pkg.suffix == ".xjpkg"
    name, number = demo_store.query("SELECT name, id_number FROM students LIMIT 1")[0]
    raw = pkg.read_bytes()
    assert name.encode() not in raw and number.encode() not in raw  # only ciphertext on the stick
    result = import_package(county, pkg, confirm_fingerprint=fp)
    total = demo_store.query("SELECT count(*) FROM students")[0][0]
    assert result.students == total and result.pending == pending
    assert county.query("SELECT count(*) FROM county_students WHERE pending = 1")[0][0] == pending
    assert county.query("SELECT count(*) FROM county_photos")[0][0] == demo_store.query(
        "SELECT count(*) FROM photos")[0][0]


def test_review_and_feedback_round_trip(county, tmp_path, demo_store):
    code, fp = _school_with_init(county, tmp_path, demo_store)
    # plant a within-school duplicate ID (the school sees it itself, the county reports it back)
    a, b = demo_store.query("SELECT id, id_number FROM students ORDER BY id LIMIT 2")
    demo_store.conn.execute("UPDATE students SET id_number = ?, data = json_set(data, '$.id_number', ?) WHERE id = ?",
                            (a[1], a[1], b[0]))
    local = school_problems(demo_store)
    assert {p["student_id"] for p in local if p["kind"] == "duplicate_id"} == {a[0], b[0]}
    pkg = school_side.export_package(demo_store, tmp_path / "out", include_pending=True)
    import_package(county, pkg, confirm_fingerprint=fp)
    with pytest.raises(BadInput, match="原因"):
        review(county, code, passed=False)
    review(county, code, passed=False, reason="身份证件号重复，请核实")
    assert county.query("SELECT count(*) FROM audit_log WHERE action = '审核学校数据'")[0][0] == 1
    fb = make_feedback(county, code, tmp_path / "fb")
    result = school_side.import_feedback(demo_store, fb)
    invalid = sum(p["kind"] == "id_invalid" for p in county_problems(county))  # the demo's spoiled checksums
    assert result["review"]["state"] == "returned" and result["findings"] == 2 + invalid
    county_side = [p for p in school_problems(demo_store) if p["source"] == "县级反馈"]
    dups = [p for p in county_side if p["kind"] == "duplicate_id"]
    assert {p["student_id"] for p in dups} == {a[0], b[0]}
    assert all("重复" in p["message"] and "双塔西街小学" in p["message"] for p in dups)
    assert demo_store.meta("review_reason") == "身份证件号重复，请核实"
    by_student = school_side.feedback_for_students(demo_store)
    assert {a[0], b[0]} <= set(by_student)
    with pytest.raises(BadInput, match="不比已导入的"):
        school_side.import_feedback(demo_store, fb)


def test_feedback_from_another_county_is_refused(county, tmp_path, demo_store):
    code, fp = _school_with_init(county, tmp_path, demo_store)
    import_package(county, school_side.export_package(demo_store, tmp_path / "o", include_pending=True),
                              confirm_fingerprint=fp)
    other = new_county(tmp_path / "other.xjdb")
    row = county.query("SELECT code, name, region_code, encryption_public FROM county_schools")[0]
    with other.transaction() as tx:
        tx.execute("INSERT INTO county_schools (code, name, region_code, encryption_public, imported_at)"
                   " VALUES (?,?,?,?, 'x')", row)
    fb = make_feedback(other, code, tmp_path / "fb2")
    other.close()
    with pytest.raises(BadInput, match="签发者不是本校登记的县级单位"):
        school_side.import_feedback(demo_store, fb)


def test_init_from_package_creates_school_with_key(county, tmp_path):
    add_school(county, "2114010077", "迎泽实验小学", "140106002000")
    [init] = make_init_packages(county, [], tmp_path / "init")
    assert init.name == "2114010077迎泽实验小学_初始化包.xjpkg"
    store, recovery, fp = school_side.init_from_package(init, tmp_path / "s.xjdb", username="admin", password=PASSWORD)
    try:
        assert len(fp.split()) == 5 and recovery
        assert store.meta("county_code") == "140106"
        assert store.query("SELECT code FROM school")[0][0] == "2114010077"
    finally:
        store.close()


def test_duplicates_at_entry(demo_store):
    from xueji_desktop.records.problems import duplicates_for
    from xueji_desktop.records.students import get_student

    sid = demo_store.query("SELECT id FROM students ORDER BY id LIMIT 1")[0][0]
    record = get_student(demo_store, sid)
    assert duplicates_for(demo_store.conn, record, exclude_student_id=sid) == []
    found = duplicates_for(demo_store.conn, {**record, "id_number": record["id_number"].lower()})
    assert [f["student_id"] for f in found] == [sid] and found[0]["kind"] == "duplicate_id"
    demo_store.conn.execute("UPDATE students SET id_number = '' WHERE id = ?", (sid,))
    twin = {"name": record["name"], "gender": record["gender"], "birth_date": record["birth_date"], "id_number": ""}
    assert [f["student_id"] for f in duplicates_for(demo_store.conn, twin)] == [sid]
    assert duplicates_for(demo_store.conn, {**twin, "gender": "2" if record["gender"] == "1" else "1"}) == []
