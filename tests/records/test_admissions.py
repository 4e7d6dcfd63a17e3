"""招生入学 through both sides with real packages: plan → list → 重复招生 → feedback → accept into classes →
first package up → 正式学籍号; plus 自主招生 within the plan and a plan-change request decided by the county."""

from __future__ import annotations

import pytest

from tests.exchange.helpers import FakeSchool
from tests.records.admission_lists import CODE, list_row, write_list
from tests.records.admission_lists import children as _children
from tests.records.admission_lists import send_down as _send_down
from xueji_desktop import school
from xueji_desktop.county import admissions as county_adm
from xueji_desktop.county.intake import import_package
from xueji_desktop.county.review import review
from xueji_desktop.county.schools import add_school
from xueji_desktop.demo import DEMO_SCHOOL, generate_records
from xueji_desktop.errors import BadInput
from xueji_desktop.exchange import school_side
from xueji_desktop.records import admissions as adm
from xueji_desktop.records.enrolment import ENROLLED
from xueji_desktop.records.students import get_student, update_student


def test_plan_list_duplicate_feedback_accept_package_formal_numbers(county, demo_store, linked, tmp_path):
    year = linked
    enrolled = adm.plan_use(demo_store.conn, 1, year).enrolled
    county_adm.set_plan(county, CODE, 1, year, enrolled + 6)
    other = FakeSchool.new("2114010099", "另一小学")
    other.register(county)
    county_adm.set_plan(county, other.code, 1, year, 5)
    kids = _children(year, 5, seed=11)
    held_elsewhere = demo_store.query("SELECT name, id_number FROM students WHERE id_type = '1' LIMIT 1")[0]
    bad_id = dict(kids[0], id_number=kids[0]["id_number"][:-1] + ("0" if kids[0]["id_number"][-1] != "0" else "1"))
    rows = [list_row(CODE, year, k) for k in kids[:4]]
    rows.append(list_row(other.code, year, kids[3]))                # admitted twice: 重复招生
    rows.append(list_row("2114019999", year, kids[4]))              # unknown school
    rows.append(list_row(CODE, year, bad_id))                       # malformed ID number
    already = dict(kids[4], name=held_elsewhere[0], id_number=held_elsewhere[1])
    rows.append(list_row(other.code, year, already))                # holds a record: a transfer
    path = write_list(tmp_path / "招生结果.xlsx", rows)
    # problems named per row; nothing imported until the officer accepts the valid part
    result = county_adm.import_list(county, path)
    assert result.imported == 0 and [p["row"] for p in result.problems] == [7, 8, 9]
    messages = " ".join(p["message"] for p in result.problems)
    assert "2114019999 不在本县学校名单中" in messages and "不是有效的居民身份证号" in messages
    assert "有学籍" in messages and "转学" in messages
    assert county.query("SELECT count(*) FROM county_admissions") == [(0,)]
    result = county_adm.import_list(county, path, accept_valid=True)
    assert result.imported == 5 and result.duplicates == 1
    [dup] = county_adm.duplicates(county)
    assert dup["id_number"] == kids[3]["id_number"] and {a["school_code"] for a in dup["admissions"]} == {
        CODE, other.code}
    # undecided: the child stays at the county; the other three go down
    fb = _send_down(county, demo_store, tmp_path, "down1")
    assert fb["admissions"] == 3 and fb["admission_plans"] == 1
    assert adm.plan_use(demo_store.conn, 1, year).plan == enrolled + 6
    county_adm.keep_admission(county, kids[3]["id_number"], CODE)
    assert county_adm.duplicates(county) == []
    assert _send_down(county, demo_store, tmp_path, "down2")["admissions"] == 1
    listed = adm.admission_list(demo_store.conn)
    assert [a["name"] for a in listed] == [k["name"] for k in kids[:4]] and {a["state"] for a in listed} == {
        adm.OFFERED}
    # accept into a new class: records prefilled from the list, 在读, 入学方式 and 入学年月 set, 临时学籍号
    with demo_store.transaction() as tx:
        cls = school.add_class(tx, year, 1, 9)
    accepted = adm.accept(demo_store, [k["id_number"] for k in kids[:4]], cls.class_code)
    assert len(accepted.accepted) == 4
    for a, kid in zip(accepted.accepted, kids, strict=False):
        record = get_student(demo_store, a["student_id"])
        assert (record["name"], record["id_number"], record["class_code"]) == (kid["name"], kid["id_number"],
                                                                               cls.class_code)
        assert record["enrol_mode"] == "11" and record["enrol_date"] == f"{year}09"
        assert record["members"][0]["name"] == kid["members"][0]["name"]
        assert record["_enrolment"] == ENROLLED and record["_student_number"].startswith("L")
    with pytest.raises(adm.RowsRefused, match="名单状态为“已录取入班”，不能再录取"):
        adm.accept(demo_store, [kids[0]["id_number"]], cls.class_code)
    # the clerk completes the records, the first package goes up, the county accepts: 正式学籍号 come down
    for a, kid in zip(accepted.accepted, kids, strict=False):
        full = {**kid, "enrol_mode": "11", "enrol_date": f"{year}09"}
        with demo_store.transaction() as tx:
            update_student(tx, a["student_id"], full)
    statuses = demo_store.query("SELECT status, issues FROM students WHERE class_id = ?", (cls.id,))
    assert all(s in ("ok", "warning") for s, _i in statuses), statuses
    import_package(county, school_side.export_package(demo_store, tmp_path / "up1", include_pending=True))
    review(county, CODE, passed=True, force=True, reason="演示学校证件号有误的记录由学校另行更正")
    _send_down(county, demo_store, tmp_path, "down3")
    numbers = dict(demo_store.query("SELECT id_number, student_number FROM students WHERE class_id = ?", (cls.id,)))
    assert numbers == {k["id_number"]: "G" + k["id_number"] for k in kids[:4]}


def test_self_admission_stops_at_the_plan_and_a_request_raises_it(county, demo_store, linked, tmp_path):
    year = linked
    use = adm.plan_use(demo_store.conn, 1, year)
    county_adm.set_plan(county, CODE, 1, year, use.enrolled + 1)
    _send_down(county, demo_store, tmp_path, "down1")
    with demo_store.transaction() as tx:
        cls = school.add_class(tx, year, 1, 9)
    first, second = ({k: v for k, v in kid.items() if k not in ("enrol_mode", "enrol_date")}
                     for kid in _children(year, 2, seed=12))
    sid = adm.add_self_admitted(demo_store, first, cls.class_code)
    assert get_student(demo_store, sid)["enrol_mode"] == "12"  # 其他: 自主招生 in compulsory education
    before = demo_store.query("SELECT count(*) FROM students")
    with pytest.raises(BadInput, match=rf"超出招生计划：本校 {year} 年小学招生计划 {use.enrolled + 1} 人，已招 "
                                       rf"{use.enrolled + 1} 人"):
        adm.add_self_admitted(demo_store, second, cls.class_code)
    assert demo_store.query("SELECT count(*) FROM students") == before
    with pytest.raises(BadInput, match="已有学籍"):  # the same child twice is never a second record
        adm.add_self_admitted(demo_store, first, cls.class_code)
    request_id = adm.request_plan_change(demo_store, use.enrolled + 3, "学区新建小区，适龄儿童增加", year=year)
    with pytest.raises(BadInput, match="待县级审核"):
        adm.request_plan_change(demo_store, use.enrolled + 4, "再次申请", year=year)
    import_package(county, school_side.export_package(demo_store, tmp_path / "up1", include_pending=True))
    [request] = county_adm.list_plan_requests(county, undecided_only=True)
    assert (request["request_id"], request["count"], request["current"]) == (request_id, use.enrolled + 3,
                                                                             use.enrolled + 1)
    county_adm.decide_plan_request(county, CODE, request_id, approve=True)
    fb = _send_down(county, demo_store, tmp_path, "down2")
    assert fb["plan_decisions"] == 1
    assert adm.plan_requests(demo_store.conn)[0]["decision"] == "approved"
    adm.add_self_admitted(demo_store, second, cls.class_code)
    assert adm.plan_use(demo_store.conn, 1, year).left == 1


def test_a_list_entry_already_holding_a_record_here_is_refused(county, demo_store, linked, tmp_path):
    year = linked
    county_adm.set_plan(county, CODE, 1, year, 10_000)
    [kid] = _children(year, 1, seed=13)
    write_list(tmp_path / "l.xlsx", [list_row(CODE, year, kid)])
    county_adm.import_list(county, tmp_path / "l.xlsx")
    _send_down(county, demo_store, tmp_path, "down1")
    with demo_store.transaction() as tx:
        cls = school.add_class(tx, year, 1, 9)
    adm.add_self_admitted(demo_store, kid, cls.class_code)  # typed in by hand before the list arrived
    with pytest.raises(BadInput, match="已有学籍"):
        adm.accept(demo_store, [kid["id_number"]], cls.class_code)
    assert adm.admission_list(demo_store.conn)[0]["state"] == adm.OFFERED


def test_plan_and_list_input_errors(county, tmp_path):
    with pytest.raises(BadInput, match="不在本县学校名单中"):
        county_adm.set_plan(county, "2114010000", 1, 2027, 10)
    add_school(county, CODE, DEMO_SCHOOL["name"], DEMO_SCHOOL["region_code"])
    with pytest.raises(BadInput, match="学段"):
        county_adm.set_plan(county, CODE, 4, 2027, 10)
    county_adm.set_plan(county, CODE, 1, 2027, 1)
    kids = [r for _c, r in generate_records(2, seed=5)]
    write_list(tmp_path / "l.xlsx", [list_row(CODE, 2027, k) for k in kids])
    result = county_adm.import_list(county, tmp_path / "l.xlsx")
    assert result.imported == 0 and "超出招生计划" in result.problems[0]["message"]
    assert result.problems[0]["row"] == 3
    out = county_adm.write_template(tmp_path / "模板.xlsx")
    import openpyxl

    assert [c.value for c in openpyxl.load_workbook(out).active[1]] == list(county_adm.TEMPLATE_HEADERS)
