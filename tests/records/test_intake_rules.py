"""新生注册 rules at the school: the county's working window and grade-1 entry age, set at the county and
carried down in a feedback package, refuse every path that registers a grade-1 child (list accept, 自主招生,
学前调档, import-excel, the form's add); the valid part of a list is taken only when asked; an age exception
needs a reason and is audited; a transfer in is not a registration."""

from __future__ import annotations

import json
from datetime import date

import pytest

from tests.excel.conftest import headers, save_rows
from tests.records.admission_lists import CODE, children, list_row, send_down, too_young, write_list
from xueji_desktop import school
from xueji_desktop.county import admissions as county_adm
from xueji_desktop.county import rules
from xueji_desktop.errors import BadInput
from xueji_desktop.excel.importer import import_workbook
from xueji_desktop.excel.template import record_row
from xueji_desktop.records import admissions as adm
from xueji_desktop.records.gate import NEW_INTAKE, Refused, county_name
from xueji_desktop.records.preschool import import_preschool
from xueji_desktop.records.students import add_student


@pytest.fixture
def ruled(county, demo_store, linked, tmp_path):
    """The county's window 09-01..09-30 and entry age 6 arrived at the school; a grade-1 class; three children
    on the list, the third too young."""
    year = linked
    county_adm.set_plan(county, CODE, 1, year, 10_000)
    rules.set_window(county, "new_students", "09-01", "09-30")
    rules.set_entry_age(county, 6)
    kids = children(year, 3, seed=21)
    kids[2] = too_young(kids[2], year)
    write_list(tmp_path / "l.xlsx", [list_row(CODE, year, k) for k in kids])
    assert county_adm.import_list(county, tmp_path / "l.xlsx").imported == 3
    send_down(county, demo_store, tmp_path, "down1")
    assert rules.window(demo_store, "new_students") == ("09-01", "09-30") and rules.entry_age(demo_store) == 6
    with demo_store.transaction() as tx:
        cls = school.add_class(tx, year, 1, 9)
    return year, cls, kids


def _count(store) -> int:
    return store.query("SELECT count(*) FROM students")[0][0]


def test_outside_the_window_every_path_is_refused_naming_the_window_and_the_county(demo_store, ruled, tmp_path):
    year, cls, kids = ruled
    late = date(year, 10, 8)
    before = _count(demo_store)
    with pytest.raises(BadInput) as e:
        adm.accept(demo_store, [kids[0]["id_number"]], cls.class_code, today=late)
    text = str(e.value)
    assert f"今天（{year}-10-08）不在 {county_name(demo_store)} 设定的小学新生注册时间（每年 09-01 至 09-30）内" in text
    with pytest.raises(Refused, match="小学新生注册时间"):
        adm.add_self_admitted(demo_store, dict(kids[1], id_number="", id_type=""), cls.class_code, today=late)
    with pytest.raises(Refused, match="小学新生注册时间"), demo_store.transaction() as tx:  # the form's path
        add_student(tx, kids[1], cls.id, today=late)
    assert _count(demo_store) == before
    # import-excel: the new grade-1 row is refused and named; nothing else of the file is affected
    path = save_rows(tmp_path / "x.xlsx", headers(), [record_row(kids[1], CODE, cls.name)])
    result = import_workbook(demo_store, path, today=late)
    assert result.inserted == 0 and [r.refusals[0].rule for r in result.refused_rows] == [NEW_INTAKE]
    # inside the window the same child is registered
    assert import_workbook(demo_store, path, today=date(year, 9, 2)).inserted == 1
    # a transfer in brings its 学籍 (records/transfers.py adds it with registering=False): not a 新生注册
    with demo_store.transaction() as tx:
        add_student(tx, dict(kids[2], id_number="", id_type=""), cls.id, today=late, registering=False)
    # a class of grade 2 is not a new registration: the window does not apply
    with demo_store.transaction() as tx:
        older = school.add_class(tx, year - 1, 1, 9)
        add_student(tx, children(year - 1, 1, seed=5)[0], older.id, today=late)


def test_an_under_age_child_is_named_and_the_valid_part_is_taken_only_when_asked(demo_store, ruled):
    year, cls, kids = ruled
    inside = date(year, 9, 10)
    ids = [k["id_number"] for k in kids]
    before = _count(demo_store)
    with pytest.raises(adm.RowsRefused) as e:
        adm.accept(demo_store, ids, cls.class_code, today=inside)
    [refused] = e.value.result.refused
    assert refused["name"] == kids[2]["name"]
    assert (f"出生日期 {year - 6}-09-01，到 {year}年8月31日未满 6 周岁" in refused["message"]
            and f"{year - 6}-08-31 及以前出生" in refused["message"])
    assert "只录取其余 2 名" in str(e.value) and "--accept-valid" in str(e.value)
    assert _count(demo_store) == before and {a["state"] for a in adm.admission_list(demo_store.conn)} == {
        adm.OFFERED}
    result = adm.accept(demo_store, ids, cls.class_code, today=inside, accept_valid=True)
    assert [a["name"] for a in result.accepted] == [k["name"] for k in kids[:2]]
    assert [r["name"] for r in result.refused] == [kids[2]["name"]]
    states = {a["name"]: a["state"] for a in adm.admission_list(demo_store.conn)}
    assert states[kids[2]["name"]] == adm.OFFERED and states[kids[0]["name"]] == adm.ACCEPTED
    # an approved early entry: the clerk's reason lets it through and stays in the log
    done = adm.accept(demo_store, [kids[2]["id_number"]], cls.class_code, today=inside,
                      age_exception="县教育局批准提前入学（文号 2026-17）")
    [entry] = demo_store.query("SELECT changes FROM audit_log WHERE action = '新增学生' AND record_id = ?",
                               (str(done.accepted[0]["student_id"]),))
    assert "县教育局批准提前入学（文号 2026-17）" in json.loads(entry[0])["入学年龄例外"][1]


def test_preschool_import_obeys_the_rules_and_reads_the_preschool_headers(demo_store, ruled, tmp_path):
    """The 学前调档 list as the preschool system heads it (幼儿姓名, 幼儿身份证号, 家长姓名 …)."""
    import openpyxl

    from xueji_desktop.validation import load_spec

    year, cls, kids = ruled
    codes = load_spec().codes
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["序号", "幼儿姓名", "幼儿性别", "幼儿出生日期", "幼儿民族", "幼儿身份证号", "幼儿户口所在地",
               "家长姓名", "家长与幼儿关系", "家长联系电话", "幼儿园名称"])
    for i, k in enumerate(kids, start=1):
        ws.append([i, k["name"], codes["gender"].name_of(k["gender"]), k["birth_date"],
                   codes["ethnicity"].name_of(k["ethnicity"]), k["id_number"], k.get("household_region", ""),
                   "王刚", "父亲", "13912345678", "阳光幼儿园"])
    path = tmp_path / "学前调档.xlsx"
    wb.save(path)
    inside = date(year, 9, 10)
    with pytest.raises(adm.RowsRefused, match=rf"第4行 {kids[2]['name']}：.*未满 6 周岁"):
        import_preschool(demo_store, path, cls.class_code, today=inside)
    with pytest.raises(adm.RowsRefused, match="小学新生注册时间"):
        import_preschool(demo_store, path, cls.class_code, today=date(year, 11, 1))
    result = import_preschool(demo_store, path, cls.class_code, today=inside, accept_valid=True)
    assert result.imported == 2 and [r["row"] for r in result.refused] == [4]
    [(data,)] = demo_store.query("SELECT data FROM students WHERE id_number = ?", (kids[0]["id_number"],))
    data = json.loads(data)
    assert (data["name"], data["id_type"], data["gender"]) == (kids[0]["name"], "1", kids[0]["gender"])
    [(member,)] = demo_store.query("SELECT m.data FROM family_members m JOIN students s ON s.id = m.student_id"
                                   " WHERE s.id_number = ?", (kids[0]["id_number"],))
    member = json.loads(member)
    assert member["name"] == "王刚" and codes["relation"].name_of(member["relation"]) == "父亲"


def test_a_grade_1_row_with_its_national_number_is_no_new_registration(demo_store, ruled, tmp_path):
    """The national system's export of a school that registered its grade 1 there in September, imported in
    October: each child brings its 正式学籍号, so the window does not apply; without one the row is refused."""
    year, cls, kids = ruled
    late = date(year, 10, 8)
    h = headers()
    registered, new = record_row(kids[0], CODE, cls.name), record_row(kids[1], CODE, cls.name)
    registered[h.index("学籍号")] = "G" + kids[0]["id_number"]
    path = save_rows(tmp_path / "export.xlsx", h, [registered, new])
    result = import_workbook(demo_store, path, today=late)
    assert result.inserted == 1 and result.numbers_kept == 1
    assert [r.name for r in result.refused_rows] == [kids[1]["name"]]
    assert demo_store.query("SELECT student_number FROM students WHERE name = ?",
                            (kids[0]["name"],)) == [("G" + kids[0]["id_number"],)]
