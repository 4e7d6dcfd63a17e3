"""Partial sheets (issue 22): a 家庭成员 sheet, a 毕业生 sheet, a class teacher's list of phones update only their
fields of the students they match by ID number, through the write gate; unmatched rows are named, never inserted."""

from __future__ import annotations

import json

from xueji_desktop.cli import main
from xueji_desktop.excel.importer import import_workbook
from xueji_desktop.records.changes import mark_county_accepted
from xueji_desktop.records.students import get_student

from .conftest import demo_rows, headers, save_rows
from .test_xls import _xls

H = headers()


def _col(name: str) -> int:
    return H.index(name)


def _school(class_store, tmp_path, n=5):
    rows = demo_rows(n)
    import_workbook(class_store, save_rows(tmp_path / "all.xlsx", H, rows))
    return rows


def _student(store, id_number):
    (sid,) = store.query("SELECT id FROM students WHERE id_number = ?", (id_number,))[0]
    return get_student(store, sid)


def _records(store):
    return {r[0]: (r[1], json.loads(r[2])) for r in store.query("SELECT id_number, name, data FROM students")}


def test_a_family_sheet_updates_the_members_of_matched_students_only(class_store, tmp_path):
    rows = _school(class_store, tmp_path)
    ids = [r[_col("身份证件号")] for r in rows]
    before = {i: _student(class_store, i) for i in ids}
    family = [
        [rows[0][_col("姓名")], ids[0], rows[0][_col("成员1姓名")], "父亲", "13900001111", "某公司"],
        [rows[1][_col("姓名")], ids[1], "新监护人", "祖父母或外祖父母", "13900002222", ""],
        ["不在本校", "110105201503070013", "某人", "父亲", "13900003333", ""],   # no such student
        [rows[2][_col("姓名")], "", "某人", "母亲", "13900004444", ""],          # no ID number: cannot match
    ]
    header = ["学生姓名", "身份证件号", "成员1姓名", "成员1与学生关系", "成员1联系方式", "成员1工作单位"]
    path = save_rows(tmp_path / "家庭成员.xlsx", header, family, sheet_title="家庭成员")
    result = import_workbook(class_store, path)
    assert (result.rows, result.inserted, result.updated) == (4, 0, 2)
    assert result.missing_columns == []  # a partial sheet lacks columns on purpose
    (sheet,) = result.partial_sheets
    assert sheet.fields == ["成员1姓名", "成员1关系", "成员1联系电话", "成员1工作单位"]
    assert sheet.unmatched == [(3, "不在本校"), (4, rows[2][_col("姓名")])]
    text = result.summary()
    assert "按身份证件号（或学籍号）更新了 2 名学生的 成员1姓名、成员1关系、成员1联系电话、成员1工作单位" in text
    assert "2 行未能对应到本校学生" in text and "第4行 不在本校" in text
    # member 1 of the first student: the sheet's cells written over the stored ones, the rest kept
    first = _student(class_store, ids[0])
    m = first["members"][0]
    assert (m["relation"], m["phone"], m["employer"]) == ("1", "13900001111", "某公司")
    old = before[ids[0]]["members"][0]
    assert {k: v for k, v in m.items() if k not in ("relation", "phone", "employer")} == {
        k: v for k, v in old.items() if k not in ("relation", "phone", "employer")}
    assert first["members"][1] == before[ids[0]]["members"][1]  # member 2: not in the sheet, untouched
    # the student's own fields are untouched, nobody was inserted, the third student is as before
    assert {k: v for k, v in first.items() if k not in ("members",) and not k.startswith("_")} == {
        k: v for k, v in before[ids[0]].items() if k not in ("members",) and not k.startswith("_")}
    assert _student(class_store, ids[2]) == before[ids[2]]
    assert class_store.query("SELECT count(*) FROM students")[0][0] == 5
    # an empty cell changes nothing (成员1工作单位 of the second student)
    second = _student(class_store, ids[1])["members"][0]
    assert second["name"] == "新监护人" and second.get("employer") == before[ids[1]]["members"][0].get("employer")
    # audited as import updates, with the sheet row as source
    sources = [json.loads(d)["source"][1] for (d,) in class_store.query(
        "SELECT changes FROM audit_log WHERE action = '导入更新学生' ORDER BY id")]
    assert sources == ["家庭成员.xlsx 第2行", "家庭成员.xlsx 第3行"]


def test_a_graduates_sheet_updates_its_fields_and_never_moves_a_student(class_store, tmp_path):
    rows = _school(class_store, tmp_path, 3)
    ids = [r[_col("身份证件号")] for r in rows]
    before = _student(class_store, ids[0])
    header = ["学籍号", "姓名", "性别", "身份证件号", "班级", "毕业证书编号", "联系电话", "通信地址"]
    grads = [["", rows[0][_col("姓名")], rows[0][_col("性别")], ids[0], "小学2020级(9)班", "B2026001",
              "13700001111", "太原市迎泽区毕业路 1 号"]]
    path = _xls(tmp_path / "毕业生.xls", header, grads, sheet="毕业生")   # as the national system exports it
    result = import_workbook(class_store, path)
    assert (result.inserted, result.updated, result.unknown_headers) == (0, 1, ["毕业证书编号"])
    after = _student(class_store, ids[0])
    assert (after["phone"], after["mailing_address"]) == ("13700001111", "太原市迎泽区毕业路 1 号")
    assert after["_class_id"] == before["_class_id"]  # the class column places no one
    assert result.partial_sheets[0].fields == ["性别", "联系电话", "通信地址"]


def test_partial_sheets_go_through_the_write_gate(class_store, tmp_path):
    rows = _school(class_store, tmp_path, 3)
    ids = [r[_col("身份证件号")] for r in rows]
    accepted = _student(class_store, ids[0])
    with class_store.transaction() as tx:
        mark_county_accepted(tx, [accepted["_id"]])
    graduated = _student(class_store, ids[1])
    class_store.conn.execute("UPDATE students SET enrolment = 'graduated' WHERE id = ?", (graduated["_id"],))
    header = ["姓名", "身份证件号", "成员1联系电话"]
    sheet = [["改了名", ids[0], "13600001111"],                       # accepted: 姓名 is controlled
             [graduated["name"], ids[1], "13600002222"],               # 毕业: read-only
             ["别人", ids[2], "13600003333"]]                          # same ID under another name
    before = _records(class_store)
    result = import_workbook(class_store, save_rows(tmp_path / "phones.xlsx", header, sheet))
    # the accepted record: its phone written, its name kept as stored and named for a key-field change
    assert [(k.row, k.refusal.field) for k in result.kept_cells] == [(1, "name")]
    after = _student(class_store, ids[0])
    assert after["name"] == accepted["name"] and after["members"][0]["phone"] == "13600001111"
    # the graduated record and the identity conflict: not written at all
    assert sorted((r.row, r.refusals[0].rule) for r in result.refused_rows) == [(2, "read_only"), (3, "identity")]
    now = _records(class_store)
    assert now[ids[1]] == before[ids[1]] and now[ids[2]] == before[ids[2]]
    assert result.updated == 1


def test_a_partial_sheet_value_with_an_error_makes_the_record_pending_and_is_reported(class_store, tmp_path, capsys,
                                                                                      monkeypatch):
    from tests.conftest import PASSWORD

    rows = _school(class_store, tmp_path, 2)
    ids = [r[_col("身份证件号")] for r in rows]
    header = ["学生姓名", "身份证号", "家长1联系电话"]
    path = save_rows(tmp_path / "电话.xlsx", header, [[rows[0][_col("姓名")], ids[0], "1381234"]])
    monkeypatch.setenv("XUEJI_PASSWORD", PASSWORD)
    assert main(["import-excel", str(path), "--db", str(class_store.path), "--json",
                 "--report", str(tmp_path / "报告.xlsx")]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["partial_sheets"] == [{"sheet": "Sheet1", "fields": ["成员1联系电话"], "updated": 1,
                                      "unchanged": 0, "unmatched": []}]
    assert out["pending"] == 1 and out["inserted"] == 0
    student = _student(class_store, ids[0])
    assert student["_status"] == "pending"
    assert [i["field"] for i in student["_issues"] if i["severity"] == "error"] == ["members.0.phone"]


def test_a_class_teachers_list_adds_new_pupils_and_merges_known_ones(class_store, tmp_path):
    """A thin sheet that gives a class: a known child's row only updates its cells (nothing stored is erased), a
    child the school does not have yet is a new student, as before."""
    rows = _school(class_store, tmp_path, 1)
    known = _student(class_store, rows[0][_col("身份证件号")])
    new = demo_rows(2, seed=11)[1]
    header = ["姓名", "性别", "身份证件号", "班级", "成员1联系电话"]
    cells = [[rows[0][_col(c)] for c in header[:4]] + ["13500001111"], [new[_col(c)] for c in header]]
    result = import_workbook(class_store, save_rows(tmp_path / "班主任.xlsx", header, cells))
    assert (result.inserted, result.updated) == (1, 1) and result.partial_sheets[0].unmatched == []
    after = _student(class_store, rows[0][_col("身份证件号")])
    assert after["members"][0]["phone"] == "13500001111"
    assert (after["ethnicity"], after["current_address"]) == (known["ethnicity"], known["current_address"])
    assert _student(class_store, new[_col("身份证件号")])["_status"] == "pending"  # its other fields are missing


def test_the_wizard_check_step_says_a_sheet_is_partial(tmp_path):
    from xueji_desktop.ui.excel_page import _check_job

    header = ["学生姓名", "身份证件号", "成员1姓名", "成员1联系方式"]
    text = _check_job(str(save_rows(tmp_path / "f.xlsx", header, [["张三", "110105201503070013", "张父", "1"]])))
    assert "只含部分字段：导入时按身份证件号（或学籍号）更新本校已有学生的这些字段" in text and "缺少必填列" not in text
