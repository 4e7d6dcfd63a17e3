"""Importing real-looking workbooks: messy headers, option styles, damaged IDs, duplicates, one transaction."""

from __future__ import annotations

import json

import openpyxl
import pytest

from xueji_desktop.errors import Cancelled
from xueji_desktop.excel.importer import import_workbook
from xueji_desktop.progress import Progress
from xueji_desktop.records.students import get_student, public_record

from .conftest import demo_rows, headers, save_rows


def _students(store):
    return store.query("SELECT id, name, id_number, status, class_id, data, issues FROM students ORDER BY id")


def _by_name(store, name):
    (sid,) = store.query("SELECT id FROM students WHERE name = ?", (name,))[0]
    return get_student(store, sid)


def test_clean_template_imports_all_rows_and_reimport_creates_no_duplicates(class_store, tmp_path):
    rows = demo_rows(30)
    path = save_rows(tmp_path / "in.xlsx", headers(), rows)
    result = import_workbook(class_store, path)
    assert (result.rows, result.inserted, result.pending) == (30, 30, 0)
    first = _students(class_store)
    assert all(s[3] == "ok" for s in first), [json.loads(s[6]) for s in first if s[3] != "ok"][:2]
    again = import_workbook(class_store, path)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 30)
    assert _students(class_store) == first
    # a changed cell updates the matched student in place (matched on the ID number)
    rows[0][headers().index("现住址")] = "山西省太原市迎泽区新地址 1 号"
    save_rows(path, headers(), rows)
    third = import_workbook(class_store, path)
    assert (third.inserted, third.updated) == (0, 1)
    assert len(_students(class_store)) == 30
    assert _by_name(class_store, rows[0][1])["current_address"] == "山西省太原市迎泽区新地址 1 号"
    actions = [a for (a,) in class_store.query("SELECT action FROM audit_log")]
    assert actions.count("导入学生") == 30 and actions.count("导入更新学生") == 1


def test_student_without_id_matches_on_name_gender_birth_and_class(class_store, tmp_path):
    rows = demo_rows(3)
    h = headers()
    for r in rows:
        r[h.index("身份证件号")] = ""
        r[h.index("身份证件类型")] = "其他"
    path = save_rows(tmp_path / "noid.xlsx", h, rows)
    import_workbook(class_store, path)
    again = import_workbook(class_store, path)
    assert again.inserted == 0 and len(_students(class_store)) == 3


def test_messy_sheet_title_rows_merged_cells_reordered_extra_columns_and_option_styles(class_store, tmp_path):
    rows = demo_rows(4)
    h = headers()
    pick = ["姓名", "性别", "民族", "身份证件号", "出生日期", "班级", "国籍/地区", "港澳台侨外", "身份证件类型",
            "现住址", "户口所在地具体地址", "政治面貌", "是否寄宿生", "是否残疾人", "是否农村留守儿童",
            "成员1姓名", "成员1关系", "成员1是否监护人", "成员1身份证件类型", "成员1身份证件号", "成员1户口所在地",
            "成员1联系电话"]
    messy_header = {"姓名": "★姓 名", "身份证件号": "身份证号", "班级": "班号", "是否农村留守儿童": "是否留守儿童",
                    "出生日期": "出生日期（YYYY-MM-DD）", "成员1姓名": "家庭成员1姓名",
                    "成员1身份证件号": "监护人1身份证号"}
    order = list(reversed(pick))  # reordered columns
    header = ["序号"] + [messy_header.get(p, p) for p in order] + ["备注"]  # extra columns
    out_rows = []
    for k, r in enumerate(rows):
        values = {p: r[h.index(p)] for p in pick}
        values["班级"] = {0: "2026101", 1: "小学2026级（1）班"}.get(k, values["班级"])  # 班号 / full-width name
        if k == 0:
            values["性别"] = "1-男" if values["性别"] == "男" else "2-女"   # code-name
            values["民族"] = "01"                                         # code
            values["出生日期"] = values["出生日期"].replace("-", "/")       # another date style
        out_rows.append([k + 1] + [values[p] for p in order] + ["随便写的"])
    path = tmp_path / "messy.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["双塔西街小学 2026 级新生学籍信息采集表"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    ws.append(["填表说明：带★为必填"])
    ws.append(header)
    for r in out_rows:
        ws.append(r)
    wb.save(path)
    result = import_workbook(class_store, path)
    assert result.header_row == 3
    assert set(result.unknown_headers) == {"序号", "备注"}
    assert result.rows == 4
    first = _by_name(class_store, rows[0][1])
    assert first["gender"] in ("1", "2") and first["ethnicity"] == "01"
    assert first["birth_date"] == rows[0][h.index("出生日期")]
    assert first["members"][0]["name"] == rows[0][h.index("成员1姓名")]
    assert first["_class_id"] is not None
    second = _by_name(class_store, rows[1][1])
    assert second["class_code"] == "2026101" or second["_class_id"] is not None


def test_two_level_member_headers_under_merged_group_titles(class_store, tmp_path):
    rows = demo_rows(2)
    h = headers()
    student = ["姓名", "性别", "身份证件号", "班级"]
    member = ["姓名", "关系", "联系电话"]
    path = tmp_path / "groups.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["", "", "", "", "家庭成员1", "", "", "家庭成员2", "", ""])
    ws.merge_cells("E1:G1")
    ws.merge_cells("H1:J1")
    ws.append(student + member + member)
    for r in rows:
        ws.append([r[h.index(c)] for c in student] + [r[h.index("成员1" + c)] for c in member]
                  + [r[h.index("成员2" + c)] for c in member])
    wb.save(path)
    import_workbook(class_store, path)
    rec = _by_name(class_store, rows[0][1])
    assert [m["name"] for m in rec["members"]] == [rows[0][h.index("成员1姓名")], rows[0][h.index("成员2姓名")]]
    assert rec["members"][1]["phone"] == rows[0][h.index("成员2联系电话")]


def test_hint_row_under_the_header_is_not_a_student(class_store, tmp_path):
    h = headers()
    hint = [""] * len(h)
    for text, col in [("必填", "姓名"), ("必填，请选择", "性别"), ("必填，格式 YYYY-MM-DD", "出生日期"),
                      ("请填写 18 位号码", "身份证件号"), ("选填", "现住址")]:
        hint[h.index(col)] = text
    rows = demo_rows(3)
    path = save_rows(tmp_path / "hint.xlsx", h, [hint, *rows])
    result = import_workbook(class_store, path)
    assert (result.rows, result.inserted, result.pending) == (3, 3, 0)
    assert sorted(n for (_, n, *_rest) in _students(class_store)) == sorted(r[h.index("姓名")] for r in rows)
    # a real row that happens to hold such words is still a student: only instruction-only rows are skipped
    rows[0][h.index("现住址")] = "必填"
    path = save_rows(tmp_path / "hint2.xlsx", h, rows)
    assert import_workbook(class_store, path).rows == 3


def test_excel_damaged_ids_are_named_as_such_and_kept(class_store, tmp_path):
    rows = demo_rows(3)
    h = headers()
    j = h.index("身份证件号")
    real = [r[j] for r in rows]
    rows[0][j] = float(real[0])                 # a numeric cell: Excel kept 15 significant digits
    rows[1][j] = "3.40102E+17"                  # shown in scientific notation, then saved as text
    rows[2][j] = real[2][:15] + "000"           # last digits turned to 0
    path = save_rows(tmp_path / "ids.xlsx", h, rows)
    result = import_workbook(class_store, path)
    assert result.pending == 3 and result.inserted == 3
    for r, typed in zip(rows, [None, "3.40102E+17", real[2][:15] + "000"], strict=True):
        rec = _by_name(class_store, r[1])
        assert rec["_status"] == "pending"
        codes = [i["code"] for i in rec["_issues"] if i["field"] == "id_number"]
        assert codes == ["id.excel_damaged"], rec["_issues"]
        message = next(i["message"] for i in rec["_issues"] if i["field"] == "id_number")
        assert "Excel" in message and "文本" in message
        if typed:
            assert rec["id_number"] == typed  # kept as typed, never dropped


def test_rows_with_errors_are_kept_with_their_typed_values(class_store, tmp_path):
    rows = demo_rows(3)
    h = headers()
    rows[0][h.index("出生日期")] = "去年春天"
    rows[1][h.index("班级")] = "小学2001级(9)班"      # no such class: error, class text kept
    rows[2][h.index("民族")] = "火星族"
    path = save_rows(tmp_path / "bad.xlsx", h, rows)
    result = import_workbook(class_store, path)
    assert result.pending == 3 and result.rows == 3
    a, b, c = (_by_name(class_store, r[1]) for r in rows)
    assert a["birth_date"] == "去年春天" and any(i["field"] == "birth_date" for i in a["_issues"])
    assert b["_class_id"] is None and b["class_code"] == "小学2001级(9)班"
    assert [i["code"] for i in b["_issues"] if i["field"] == "class_code"] == ["class.unknown"]
    assert c["ethnicity"] == "火星族"
    assert class_store.query("SELECT count(*) FROM classes")[0][0] == 12  # no class created silently


def test_cancel_rolls_back_everything(class_store, tmp_path):
    path = save_rows(tmp_path / "in.xlsx", headers(), demo_rows(2500))
    audit_before = class_store.query("SELECT count(*) FROM audit_log")[0][0]

    class CancelLater(Progress):
        def report(self, done, total, message):
            if done >= 2000:
                self.cancel()

    with pytest.raises(Cancelled):
        import_workbook(class_store, path, progress=CancelLater(), parallel=False)
    assert class_store.query("SELECT count(*) FROM students")[0][0] == 0
    assert class_store.query("SELECT count(*) FROM family_members")[0][0] == 0
    assert class_store.query("SELECT count(*) FROM audit_log")[0][0] == audit_before


def test_the_import_collects_garbage_less_often_while_it_runs_and_restores_the_threshold(class_store, tmp_path):
    import gc

    from xueji_desktop.excel.importer import GC_YOUNG

    path = save_rows(tmp_path / "in.xlsx", headers(), demo_rows(3))
    before = gc.get_threshold()
    seen = []

    class Watch(Progress):
        def report(self, done, total, message):
            seen.append(gc.get_threshold()[0])
            if done:
                self.cancel()

    with pytest.raises(Cancelled):
        import_workbook(class_store, path, progress=Watch(), parallel=False)
    assert seen and set(seen) == {GC_YOUNG} != {before[0]}
    assert gc.get_threshold() == before  # also after a cancel


def test_round_trip_export_then_import_changes_nothing(demo_store, tmp_path):
    from xueji_desktop.excel.template import export_students

    out = tmp_path / "export.xlsx"
    count = export_students(demo_store, out)
    ids = [sid for (sid,) in demo_store.query("SELECT id FROM students")]
    before = {sid: public_record(get_student(demo_store, sid)) for sid in ids}
    assert count == len(before) == 360
    result = import_workbook(demo_store, out)
    assert (result.rows, result.inserted, result.updated, result.unchanged) == (360, 0, 0, 360)
    after = {sid: public_record(get_student(demo_store, sid)) for sid in ids}
    assert after == before


def test_worker_processes_prepare_the_same_records_as_the_main_process(class_store, tmp_path):
    rows = demo_rows(300)
    rows[5][headers().index("民族")] = "火星族"
    path = save_rows(tmp_path / "in.xlsx", headers(), rows)
    first = import_workbook(class_store, path, parallel=True)
    assert (first.rows, first.inserted, first.pending) == (300, 300, 1)
    again = import_workbook(class_store, path, parallel=False)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 300)


def test_a_damaged_id_does_not_accuse_the_birth_date_and_gender_cells():
    # Excel's rounding can leave an 18-digit number that passes the checksum yet encodes another birth
    # date or gender: the clerk must fix the ID, not the two cells that are right.
    from xueji_desktop.excel.rows import merge_issues
    from xueji_desktop.validation import Issue

    engine = [Issue("gender", "error", "gender.id_mismatch", "性别与身份证件号不一致"),
              Issue("birth_date", "error", "birth_date.id_mismatch", "出生日期与身份证件号不一致"),
              Issue("phone", "error", "phone.format", "联系电话格式不对")]
    damaged = merge_issues([], engine, {"id_number": "在 Excel 中被存成了数字"})
    assert [i.code for i in damaged] == ["id.excel_damaged", "phone.format"]
    intact = merge_issues([], engine, {})
    assert [i.code for i in intact] == ["gender.id_mismatch", "birth_date.id_mismatch", "phone.format"]


def test_school_sheet_with_grade_and_class_columns_places_every_student(class_store, tmp_path):
    """年级 一年级 / 班级 1班, or 三年级(2)班 in one cell: how schools' own sheets name classes."""
    from xueji_desktop.records.school_year import current_school_year
    from xueji_desktop.school import grade_code, list_classes, parse_class
    from xueji_desktop.validation.spec import load_spec

    names = load_spec().codes["grade"].by_code
    year = current_school_year(class_store)
    h = headers()
    rows = demo_rows(40)
    wanted = {}
    for i, cells in enumerate(rows):
        entry_year, stage, number = parse_class(cells[h.index("班级")])
        grade = names[grade_code(stage, entry_year, school_year=year)]
        if i % 2:
            cells[h.index("班级")], cells[h.index("年级")] = f"{number}班", grade
        else:
            cells[h.index("班级")], cells[h.index("年级")] = f"{grade}（{number}）班", ""
        wanted[cells[h.index("姓名")]] = (entry_year, stage, number)
    rows[0][h.index("班级")], rows[0][h.index("年级")] = "9班", "一年级"  # no such class in the demo school
    path = save_rows(tmp_path / "school.xlsx", h, rows)

    result = import_workbook(class_store, path)
    assert result.rows == 40 and result.pending == 1
    classes = {c.id: (c.entry_year, c.stage, c.number) for c in list_classes(class_store)}
    placed = dict(class_store.conn.execute("SELECT name, class_id FROM students").fetchall())
    first = rows[0][h.index("姓名")]
    assert {name: classes[cid] for name, cid in placed.items() if name != first} == \
        {name: want for name, want in wanted.items() if name != first}
    assert placed[first] is None
    bad = _by_name(class_store, first)
    assert bad["class_code"] == "一年级 9班"  # kept as the sheet gave it, for the clerk to assign
    assert any(i["code"] == "class.unknown" and "一年级 9班" in i["message"] for i in bad["_issues"])


def test_parent_named_columns_and_id_headers_imply_what_they_say(class_store, tmp_path):
    """父亲姓名/母亲身份证号… without 关系, 是否监护人 or 身份证件类型 columns; 身份证号 for the student."""
    h = headers()
    keep = [r for r in demo_rows(60) if r[h.index("成员1关系")] == "父亲" and r[h.index("成员2关系")] == "母亲"
            and r[h.index("身份证件类型")] == r[h.index("成员1身份证件类型")] == "居民身份证"
            and r[h.index("成员2身份证件类型")] == "居民身份证"
            and r[h.index("成员1是否监护人")] == r[h.index("成员2是否监护人")] == "是"][:12]
    assert len(keep) >= 5
    drop = {"身份证件类型", "成员1关系", "成员2关系", "成员1是否监护人", "成员2是否监护人", "成员1身份证件类型",
            "成员2身份证件类型"}
    cols = [j for j, name in enumerate(h) if name not in drop]
    renamed = {"身份证件号": "身份证号"}
    header = [renamed.get(h[j], h[j].replace("成员1", "父亲").replace("成员2", "母亲")) for j in cols]
    header = [x.replace("身份证件号", "身份证号") for x in header]
    for j, name in enumerate(h):
        if name.startswith("成员2"):
            keep[0][j] = ""  # no mother in this row: nothing implied for her either
    path = save_rows(tmp_path / "parents.xlsx", header, [[r[j] for j in cols] for r in keep])

    result = import_workbook(class_store, path)
    assert (result.rows, result.pending) == (len(keep), 0)
    student = _by_name(class_store, keep[1][h.index("姓名")])
    assert student["id_type"] == "1"
    assert [(m["relation"], m["is_guardian"], m["id_type"]) for m in student["members"]] == \
        [("1", "1", "1"), ("2", "1", "1")]
    assert [m["relation"] for m in _by_name(class_store, keep[0][h.index("姓名")])["members"]] == ["1"]


def test_implied_values_only_where_the_sheet_has_no_column_for_them():
    from xueji_desktop.excel.columns import implied_values
    from xueji_desktop.excel.reader import map_header

    def implied(header: list[str]):
        mapped, _ = map_header(header)
        return implied_values(dict(enumerate(header)), mapped)

    assert implied(headers()) == {}  # our template says everything itself
    assert implied(["姓名", "身份证号", "父亲姓名", "父亲关系", "母亲姓名", "监护人电话"]) == {
        None: {"id_type": "居民身份证"}, 0: {"is_guardian": "是"}, 1: {"relation": "母亲", "is_guardian": "是"}}
    assert implied(["姓名", "身份证件号", "身份证件类型", "家庭成员1姓名", "家庭成员1身份证号码"]) == {
        0: {"id_type": "居民身份证"}}


def test_missing_required_columns_are_named_once(class_store, tmp_path):
    from xueji_desktop.excel.columns import missing_required
    from xueji_desktop.excel.reader import map_header

    h = headers()
    gone = {"是否寄宿生", "就读方式", "成员1户口所在地", "成员1是否监护人"}  # (就读方式 would give 是否寄宿生)
    cols = [j for j, name in enumerate(h) if name not in gone and not name.startswith("成员2")]
    header = [("国籍" if h[j] == "国籍/地区" else h[j]) for j in cols]
    mapped, _ = map_header(header)
    assert missing_required(mapped, {}) == ["是否寄宿生", "成员1户口所在地", "成员1是否监护人"]  # 国籍 is 国籍/地区
    assert missing_required(map_header(h)[0], {}) == []
    rows = [[r[j] for j in cols] for r in demo_rows(3)]
    result = import_workbook(class_store, save_rows(tmp_path / "few.xlsx", header, rows))
    assert result.missing_columns == ["是否寄宿生", "成员1户口所在地", "成员1是否监护人"]
    assert "批量填写" in result.summary()
    assert "）：是否寄宿生、成员1户口所在地、成员1是否监护人" in result.summary()


def test_an_unknown_class_is_one_message_not_also_a_missing_grade(class_store, tmp_path):
    h = headers()
    rows = demo_rows(2)
    rows[0][h.index("班级")], rows[0][h.index("年级")] = "三年级9班", "三年级"
    result = import_workbook(class_store, save_rows(tmp_path / "c.xlsx", h, rows))
    (bad,) = result.bad_rows
    assert [i.code for i in bad.issues if i.field in ("class_code", "grade")] == ["class.unknown"]


def test_one_sheet_per_class_named_after_it(class_store, tmp_path):
    """一(1)班, 二(2)班 … one sheet each and no 班级 column: every sheet is imported, each into its class."""
    from openpyxl.utils import get_column_letter

    from xueji_desktop.records.school_year import current_school_year
    from xueji_desktop.school import grade_code, list_classes
    from xueji_desktop.validation.spec import load_spec

    names = load_spec().codes["grade"].by_code
    year = current_school_year(class_store)
    primary = [c for c in list_classes(class_store) if c.stage == 1][:2]
    h = headers()
    cols = [j for j, name in enumerate(h) if name not in ("班级", "年级")]
    wb = openpyxl.Workbook()
    notes = wb.active
    notes.title = "填表说明"
    notes.append(["请按户口簿填写，每班一张表。"])
    expected = {}
    for cls in primary:
        title = f"{names[grade_code(cls.stage, cls.entry_year, school_year=year)][0]}({cls.number})班"
        ws = wb.create_sheet(title)
        ws.append([h[j] for j in cols])
        for r in [r for r in demo_rows(200, seed=40) if r[h.index("班级")] == cls.name][:5]:
            ws.append([r[j] for j in cols])
            expected[r[h.index("姓名")]] = cls.id
        expected_title = title
    gender_cell = f"{get_column_letter(cols.index(h.index('性别')) + 1)}4"
    ws[gender_cell] = "未知"  # 性别 of the third student of the last sheet
    path = tmp_path / "classes.xlsx"
    wb.save(path)

    result = import_workbook(class_store, path, report=tmp_path / "report.xlsx")
    assert (result.rows, result.pending) == (10, 1)
    assert result.sheets == [ws.title for ws in wb.worksheets[1:]] and "2 个工作表" in result.summary()
    placed = dict(class_store.conn.execute("SELECT name, class_id FROM students").fetchall())
    assert placed == expected
    (bad,) = result.bad_rows
    assert bad.sheet == expected_title and bad.row == 3
    sources = [r[0] for r in class_store.conn.execute("SELECT changes FROM audit_log WHERE action = '导入学生'")]
    assert any(f"classes.xlsx {expected_title} 第4行" in s for s in sources)

    report = openpyxl.load_workbook(tmp_path / "report.xlsx")
    marked = {(ws.title, c.coordinate) for ws in report.worksheets for row in ws.iter_rows() for c in row
              if c.comment is not None}
    assert marked == {(expected_title, gender_cell)}
    assert report["错误汇总"]["A" + str(report["错误汇总"].max_row)].value == expected_title
    again = import_workbook(class_store, tmp_path / "report.xlsx")  # the summary sheet is no student data
    assert (again.rows, again.inserted) == (10, 0)
