"""The 学籍号 column of a workbook: the national system's 正式学籍号 (G + ID number, J + 18 digits) is kept
for the record it belongs to; a temporary L number, a number of another record or one that does not fit the
row is not, and each such number is named (the student is still imported, with a 临时学籍号)."""

from __future__ import annotations

import json

from xueji_desktop.excel.importer import import_workbook
from xueji_desktop.records.student_number import number_from_file

from .conftest import demo_rows, headers, save_rows

H = headers()
NUMBER, ID, NAME, BIRTH = H.index("学籍号"), H.index("身份证件号"), H.index("姓名"), H.index("出生日期")


def _number_of(store, name: str) -> str:
    return store.query("SELECT student_number FROM students WHERE name = ?", (name,))[0][0]


def test_number_from_file_keeps_only_a_national_number_that_fits_the_record():
    own = "14010520150307123X"
    assert number_from_file("G" + own, "1", own, "2015-03-07") == ("G" + own, "")
    assert number_from_file(" g" + own.lower() + " ", "1", own, "2015-03-07") == ("G" + own, "")
    assert number_from_file("J140105201503071234", "Z", "", "2015-03-07") == ("J140105201503071234", "")
    assert number_from_file("L140105201503071234", "1", own, "2015-03-07") == (None, "")  # ours: not named
    kept, why = number_from_file("G140105201503071111", "1", own, "2015-03-07")
    assert kept is None and "与身份证件号“14010520150307123X”不一致" in why
    kept, why = number_from_file("J140105201603071234", "Z", "", "2015-03-07")
    assert kept is None and "出生日期 20160307 与出生日期 20150307 不一致" in why
    kept, why = number_from_file("3401022015101001", "1", own, "2015-03-07")  # a province's 16-digit number
    assert kept is None and "不是全国学籍号" in why


def test_import_keeps_national_numbers_and_names_those_it_cannot(class_store, tmp_path):
    rows = demo_rows(5, seed=11)
    rows[0][NUMBER] = "G" + rows[0][ID]                       # kept
    rows[1][NUMBER] = "G" + rows[0][ID]                       # another child's ID: not this record's
    rows[2][NUMBER] = "L140105201503071234"                   # a temporary number: replaced silently
    birth = rows[3][BIRTH].replace("-", "")
    rows[3][ID], rows[3][H.index("身份证件类型")] = "", "其他"   # no ID: a J number built on the birth date
    rows[3][NUMBER] = f"J140105{birth}0042"
    rows[4][ID], rows[4][H.index("身份证件类型")], rows[4][BIRTH] = "", "其他", rows[3][BIRTH]
    rows[4][NUMBER] = f"J140105{birth}0042"                   # the same J number again: taken by now
    path = save_rows(tmp_path / "national.xlsx", H, rows)
    preview = import_workbook(class_store, path, dry_run=True)  # says what the import will do, changes nothing
    assert "2 个学籍号未采用（学生将导入）" in preview.summary() and preview.numbers_kept == 2
    assert class_store.query("SELECT count(*) FROM students") == [(0,)]
    result = import_workbook(class_store, path)

    assert result.inserted == 5 and result.numbers_kept == 2
    assert _number_of(class_store, rows[0][NAME]) == "G" + rows[0][ID]
    assert _number_of(class_store, rows[3][NAME]) == f"J140105{birth}0042"
    for r in (rows[1], rows[2], rows[4]):
        assert _number_of(class_store, r[NAME]).startswith("L")
    named = {n.row + 1: n.why for n in result.ignored_numbers}
    assert set(named) == {3, 6}  # sheet rows (header on row 1): rows[1] and rows[4]
    assert "不一致" in named[3] and "已是本校另一名学生的学籍号" in named[6]
    assert "采用文件中的全国学籍号 2 个" in result.summary() and "2 个学籍号未采用（学生已导入）" in result.summary()
    (changes,) = class_store.query("SELECT changes FROM audit_log WHERE action = '导入学生' AND record_id = "
                                   "(SELECT id FROM students WHERE name = ?)", (rows[0][NAME],))[0]
    assert json.loads(changes)["student_number"] == [None, "G" + rows[0][ID]]


def test_reimport_gives_a_temporary_record_its_national_number_once_and_never_replaces_one(class_store, tmp_path):
    rows = demo_rows(2, seed=12)
    path = save_rows(tmp_path / "a.xlsx", H, rows)
    import_workbook(class_store, path)
    temporary = _number_of(class_store, rows[0][NAME])
    assert temporary.startswith("L")

    rows[0][NUMBER] = "G" + rows[0][ID]
    save_rows(path, H, rows)
    again = import_workbook(class_store, path)
    assert (again.updated, again.unchanged, again.numbers_kept) == (1, 1, 1)
    assert _number_of(class_store, rows[0][NAME]) == "G" + rows[0][ID]
    (changes,) = class_store.query("SELECT changes FROM audit_log WHERE action = '导入更新学生'")[0]
    assert json.loads(changes)["student_number"] == [temporary, "G" + rows[0][ID]]

    # the same file once more: nothing to do; a J number for a record that has its G number: named, not taken
    assert import_workbook(class_store, path).unchanged == 2
    rows[0][NUMBER] = "J" + "1" * 18
    save_rows(path, H, rows)
    third = import_workbook(class_store, path)
    assert _number_of(class_store, rows[0][NAME]) == "G" + rows[0][ID]
    assert third.numbers_kept == 0 and len(third.ignored_numbers) == 1


def test_the_national_systems_column_name_is_read(class_store, tmp_path):
    rows = demo_rows(1, seed=13)
    rows[0][NUMBER] = "G" + rows[0][ID]
    path = save_rows(tmp_path / "b.xlsx", [*H[:-1], "全国学籍号"], rows)
    result = import_workbook(class_store, path)
    assert "全国学籍号" not in result.unknown_headers and result.numbers_kept == 1


def test_a_family_sheet_keyed_by_the_national_number_updates_the_children_it_names(class_store, tmp_path):
    """The national system's 家庭成员 sheet names each child by 全国学籍号 (no ID column): a partial sheet, matched
    by 学籍号 — a J number of a child without an ID number too."""
    rows = demo_rows(2, seed=14)
    birth = rows[1][BIRTH].replace("-", "")
    rows[1][ID], rows[1][H.index("身份证件类型")] = "", "其他"
    rows[0][NUMBER], rows[1][NUMBER] = "G" + rows[0][ID], f"J140105{birth}0001"
    import_workbook(class_store, save_rows(tmp_path / "all.xlsx", H, rows))
    family = [["全国学籍号", "姓名", "成员1姓名", "成员1联系电话"],
              ["G" + rows[0][ID], rows[0][NAME], rows[0][H.index("成员1姓名")], "13912345678"],
              [f"j140105{birth}0001", rows[1][NAME], rows[1][H.index("成员1姓名")], "13987654321"],
              ["J140105201001010009", "不在本校", "某人", "13900000000"]]
    path = save_rows(tmp_path / "family.xlsx", family[0], family[1:])
    result = import_workbook(class_store, path)
    [sheet] = result.partial_sheets
    assert (sheet.updated, [n for _, n in sheet.unmatched]) == (2, ["不在本校"]) and result.inserted == 0
    for r, phone in ((rows[0], "13912345678"), (rows[1], "13987654321")):
        (data,) = class_store.query("SELECT data FROM family_members WHERE seq = 1 AND student_id = "
                                    "(SELECT id FROM students WHERE name = ?)", (r[NAME],))[0]
        assert json.loads(data)["phone"] == phone


def test_a_sheet_keyed_by_g_numbers_matches_records_that_still_have_their_temporary_number(class_store, tmp_path):
    rows = demo_rows(2, seed=15)
    import_workbook(class_store, save_rows(tmp_path / "all.xlsx", H, rows))  # no 学籍号 column filled: L numbers
    assert all(_number_of(class_store, r[NAME]).startswith("L") for r in rows)
    family = [["全国学籍号", "学生姓名", "成员1姓名", "成员1联系电话"]]
    family += [["G" + r[ID], r[NAME], r[H.index("成员1姓名")], "1391234567" + str(i)] for i, r in enumerate(rows)]
    result = import_workbook(class_store, save_rows(tmp_path / "family.xlsx", family[0], family[1:]))
    [sheet] = result.partial_sheets
    assert (sheet.updated, sheet.unmatched) == (2, [])
