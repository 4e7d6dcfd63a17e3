"""The write gate: each rule on each path (form/CLI update, import-excel, 批量填写)."""

from __future__ import annotations

import json

import pytest

from tests.excel.conftest import demo_rows, headers, save_rows
from xueji_desktop.errors import PermissionDenied
from xueji_desktop.excel.importer import import_workbook
from xueji_desktop.records import gate as g
from xueji_desktop.records.bulk_fill import fill_field
from xueji_desktop.records.changes import mark_county_accepted
from xueji_desktop.records.school_year import set_class_cap
from xueji_desktop.records.students import add_student, get_student, public_record, update_student

H = headers()


def _col(name: str) -> int:
    return H.index(name)


def _sid(store, id_number: str) -> int:
    return store.query("SELECT id FROM students WHERE id_number = ?", (id_number,))[0][0]


def _imported(class_store, tmp_path, n=6):
    rows = demo_rows(n)
    path = save_rows(tmp_path / "in.xlsx", H, rows)
    import_workbook(class_store, path)
    return rows, path


def _snapshot(store):
    return store.query("SELECT id, class_id, name, id_number, enrolment, data FROM students ORDER BY id")


# ---- the rules themselves ------------------------------------------------------------------------

def test_check_names_each_refused_field_and_keep_controlled_puts_them_back(class_store, tmp_path):
    rows, _ = _imported(class_store, tmp_path, 2)
    sid = _sid(class_store, rows[0][_col("身份证件号")])
    with class_store.transaction() as tx:
        mark_county_accepted(tx, [sid])
    stored = get_student(class_store, sid)
    proposed = {**public_record(stored), "name": "改名字", "birth_date": "2015-01-01", "current_address": "新地址"}
    refusals = g.Gate(class_store).check(stored, proposed)
    assert sorted(r.field for r in refusals) == ["birth_date", "name"]
    assert all(r.rule == g.CONTROLLED and not r.blocks_row for r in refusals)
    assert stored["name"] in refusals[0].message and "关键字段变更" in refusals[0].message
    kept = g.keep_controlled(stored, proposed, refusals)
    assert (kept["name"], kept["birth_date"], kept["current_address"]) == (stored["name"], stored["birth_date"],
                                                                         "新地址")
    # an approved key-field change passes
    assert g.Gate(class_store).check(stored, proposed, key_change_approved=True) == []


def test_identity_rules_apply_only_to_matched_records(class_store, tmp_path):
    rows, _ = _imported(class_store, tmp_path, 1)
    stored = get_student(class_store, _sid(class_store, rows[0][_col("身份证件号")]))
    other_id = {**public_record(stored), "id_number": "110101201501010011"}
    [r] = g.Gate(class_store).check(stored, other_id, matched=True)
    assert (r.rule, r.field, r.stored, r.blocks_row) == (g.IDENTITY, "id_number", stored["id_number"], True)
    renamed = {**public_record(stored), "name": "李四"}
    [r] = g.Gate(class_store).check(stored, renamed, matched=True)
    assert (r.rule, r.field) == (g.IDENTITY, "name")
    # the clerk correcting the record they opened is not a conflict
    assert g.Gate(class_store).check(stored, renamed) == []


@pytest.mark.parametrize("state", ["suspended", "graduated", "left", "abroad"])
def test_a_record_not_enrolled_is_read_only_on_the_form_path(class_store, tmp_path, state):
    rows, _ = _imported(class_store, tmp_path, 1)
    sid = _sid(class_store, rows[0][_col("身份证件号")])
    class_store.conn.execute("UPDATE students SET enrolment = ? WHERE id = ?", (state, sid))
    before = _snapshot(class_store)
    record = public_record(get_student(class_store, sid))
    record["current_address"] = "别处"
    with pytest.raises(PermissionDenied, match=r"只读|已毕业") as exc:
        with class_store.transaction() as tx:
            update_student(tx, sid, record)
    assert record["name"] in str(exc.value) and "现居住详细地址" in str(exc.value)
    assert _snapshot(class_store) == before


def test_class_cap_holds_for_add_student(class_store):
    class_id = class_store.query("SELECT id FROM classes ORDER BY id LIMIT 1")[0][0]
    set_class_cap(class_store, 1, 2)
    record = json.loads(json.dumps(public_record({"name": "甲", "gender": "1"})))
    with class_store.transaction() as tx:
        add_student(tx, {**record, "name": "甲"}, class_id)
        add_student(tx, {**record, "name": "乙"}, class_id)
    with pytest.raises(g.Refused, match="班额上限 2 人") as exc:
        with class_store.transaction() as tx:
            add_student(tx, {**record, "name": "丙"}, class_id)
    assert exc.value.refusals[0].field == "class_id" and "丙" in str(exc.value)
    assert class_store.query("SELECT count(*) FROM students")[0][0] == 2


# ---- import-excel --------------------------------------------------------------------------------

def test_import_keeps_controlled_cells_of_accepted_records_and_writes_the_rest(class_store, tmp_path):
    rows, path = _imported(class_store, tmp_path, 3)
    number = rows[0][_col("身份证件号")]
    sid = _sid(class_store, number)
    with class_store.transaction() as tx:
        mark_county_accepted(tx, [sid])
    old_name = rows[0][_col("姓名")]
    rows[0][_col("姓名")] = "王改名"
    rows[0][_col("现住址")] = "山西省太原市迎泽区新地址 9 号"
    save_rows(path, H, rows)
    result = import_workbook(class_store, path, report=tmp_path / "report.xlsx")
    stored = get_student(class_store, sid)
    assert stored["name"] == old_name                      # kept
    assert stored["current_address"] == "山西省太原市迎泽区新地址 9 号"  # the rest written
    [kept] = result.kept_cells
    d = kept.to_dict()
    assert (d["row"], d["field"], d["label"], d["stored"], d["proposed"]) == (2, "name", "姓名", old_name, "王改名")
    assert "--request-key-changes" in d["action"]
    assert result.updated == 1 and not result.refused_rows
    assert "受控字段" in result.summary()
    # the workbook report marks the cell and lists it
    import openpyxl

    wb = openpyxl.load_workbook(tmp_path / "report.xlsx")
    cell = wb.worksheets[0].cell(row=2, column=_col("姓名") + 1)
    assert "未修改（受控字段）" in cell.comment.text
    summary = [tuple(r) for r in wb["错误汇总"].iter_rows(values_only=True)] if "错误汇总" in wb.sheetnames else [
        tuple(r) for r in wb.worksheets[-1].iter_rows(values_only=True)]
    assert any(r[:5] == (2, old_name, None, "姓名", "未修改（受控字段）") for r in summary), summary


def test_import_refuses_rows_of_graduated_students_identity_conflicts_and_full_classes(class_store, tmp_path):
    rows, path = _imported(class_store, tmp_path, 4)
    graduated = _sid(class_store, rows[0][_col("身份证件号")])
    class_store.conn.execute("UPDATE students SET enrolment = 'graduated' WHERE id = ?", (graduated,))
    rows[0][_col("现住址")] = "毕业后的新地址"
    # same name, gender, birth date and class, another ID number: reported, never overwritten
    old_number = rows[1][_col("身份证件号")]
    rows[1][_col("身份证件号")] = "11010120150101001X" if old_number != "11010120150101001X" else "110101201501010038"
    # the same ID number under another name
    rows[2][_col("姓名")] = "赵冒名"
    before = _snapshot(class_store)
    # a new student into a full class
    class_name = rows[3][_col("班级")]
    class_id = class_store.query("SELECT id FROM classes WHERE name = ?", (class_name,))[0][0]
    taken = class_store.query("SELECT count(*) FROM students WHERE class_id = ?", (class_id,))[0][0]
    set_class_cap(class_store, 1, taken)
    extra = demo_rows(40, seed=9)
    new_row = next(r for r in extra if r[_col("班级")] == class_name)
    save_rows(path, H, [*rows, new_row])
    result = import_workbook(class_store, path)
    refused = {r.row: r for r in result.refused_rows}
    assert sorted(refused) == [1, 2, 3, 5]
    assert refused[1].refusals[0].rule == g.READ_ONLY and "已毕业" in refused[1].refusals[0].message
    assert (refused[2].refusals[0].rule, refused[2].refusals[0].field) == (g.IDENTITY, "id_number")
    assert (refused[3].refusals[0].rule, refused[3].refusals[0].field) == (g.IDENTITY, "name")
    assert refused[5].refusals[0].rule == g.CLASS_FULL and new_row[_col("姓名")] in refused[5].refusals[0].message
    assert result.inserted == 0 and _snapshot(class_store) == before
    assert "4 行未导入" in result.summary()


def test_import_cli_json_lists_kept_cells_and_refused_rows(class_store, tmp_path, monkeypatch, capsys):
    from tests.conftest import PASSWORD
    from xueji_desktop.cli import main

    rows, path = _imported(class_store, tmp_path, 2)
    sid = _sid(class_store, rows[0][_col("身份证件号")])
    with class_store.transaction() as tx:
        mark_county_accepted(tx, [sid])
    rows[0][_col("性别")] = "女" if rows[0][_col("性别")] == "男" else "男"
    save_rows(path, H, rows)
    db = class_store.path
    class_store.close()
    monkeypatch.setenv("XUEJI_PASSWORD", PASSWORD)
    assert main(["import-excel", "--db", str(db), str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    [kept] = out["kept_cells"]
    assert kept["field"] == "gender" and kept["student_id"] == sid and out["refused_rows"] == []


# ---- 批量填写 -------------------------------------------------------------------------------------

def test_bulk_fill_skips_records_not_enrolled(class_store, tmp_path):
    rows, _ = _imported(class_store, tmp_path, 3)
    ids = [_sid(class_store, r[_col("身份证件号")]) for r in rows]
    class_store.conn.execute("UPDATE students SET enrolment = 'suspended' WHERE id = ?", (ids[0],))
    result = fill_field(class_store, ids, "blood_type", "A型", overwrite=True)
    assert len(result.refused) == 1 and "休学" in result.refused[0]


def test_import_request_key_changes_files_one_request_per_student_with_the_evidence(class_store, tmp_path,
                                                                                   monkeypatch, capsys):
    from tests.conftest import PASSWORD
    from xueji_desktop.cli import main
    from xueji_desktop.records.changes import evidence_of, get_change

    rows, path = _imported(class_store, tmp_path, 2)
    sid = _sid(class_store, rows[0][_col("身份证件号")])
    with class_store.transaction() as tx:
        mark_county_accepted(tx, [sid])
    rows[0][_col("姓名")] = "王改名"
    save_rows(path, H, rows)
    db = class_store.path
    class_store.close()
    monkeypatch.setenv("XUEJI_PASSWORD", PASSWORD)
    # without evidence: refused before anything is imported
    assert main(["import-excel", "--db", str(db), str(path), "--request-key-changes"]) == 2
    assert "--evidence" in capsys.readouterr().err
    scan = tmp_path / "户口簿.jpg"
    scan.write_bytes(b"\xff\xd8scan")
    assert main(["import-excel", "--db", str(db), str(path), "--request-key-changes", "--evidence", str(scan),
                 "--json"]) == 0
    [req] = json.loads(capsys.readouterr().out)["key_change_requests"]
    assert (req["student_id"], req["fields"], req["error"]) == (sid, {"name": "王改名"}, "")
    from xueji_desktop.storage import Store

    with Store.open(db, "admin", PASSWORD) as store:
        change = get_change(store.conn, req["change_id"])
        assert change.kind == "key_fields" and change.data["fields"]["name"][1] == "王改名"
        assert evidence_of(store.conn, change.id) == [("户口簿.jpg", b"\xff\xd8scan")]
        assert get_student(store, sid)["name"] != "王改名"  # until approved
