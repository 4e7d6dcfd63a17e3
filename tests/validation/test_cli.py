"""check-id and check-excel, in-process and once through ``python -m xueji_desktop``."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest
import xlsxwriter

from xueji_desktop.cli import main
from xueji_desktop.demo import DemoClass, make_id_number, make_student
from xueji_desktop.excel.reader import find_layout, iter_data_rows, map_header
from xueji_desktop.school import school_year_of
from xueji_desktop.validation.spec import load_spec

ROOT = Path(__file__).resolve().parents[2]
SPEC = load_spec()


@pytest.mark.parametrize(("args", "rc", "out"), [
    (["11010519491231002X"], 0, "11010519491231002X"),
    (["11010519491231002x"], 0, "11010519491231002X"),
    (["110105491231002"], 0, "11010519491231002X"),       # 15-digit legacy: upgraded (warning on stderr)
    (["110105194912310021"], 1, "身份证件号校验位错误：最后一位应为 X，请核对证件"),
    (["1101051949123100"], 1, "应为 18 位"),
    (["H12345678", "--type", "6"], 0, "H12345678"),
    (["H12345678", "--type", "7"], 1, "身份证件类型应为"),
    (["12345678", "--type", "台湾居民来往大陆通行证"], 0, "12345678"),
    (["E12345678", "--type", "A"], 0, "E12345678"),
])
def test_check_id(args, rc, out, capsys):
    assert main(["check-id", *args]) == rc
    assert out in capsys.readouterr().out


def test_check_id_bad_type_is_usage_error(capsys):
    assert main(["check-id", "123", "--type", "火星证"]) == 2
    assert "身份证件类型" in capsys.readouterr().err


def _cls() -> DemoClass:
    return DemoClass(school_year_of(date.today()) - 2, 1, 1)


def _typed(rec: dict, key: str, member: bool = False):
    """A cell as a clerk types it: option names, dates as Excel dates."""
    f = (SPEC.member_by_key if member else SPEC.student_by_key)[key]
    v = rec.get(key, "")
    if f.codes and v:
        return SPEC.codes[f.codes].by_code.get(v, v)
    if f.type == "date" and v:
        return datetime.fromisoformat(v)
    return v


STUDENT_COLS = ["name", "gender", "birth_date", "ethnicity", "nationality", "id_type", "hmt", "political_status",
                "id_number", "household_address", "class_code", "enrol_date", "current_address", "is_boarder",
                "is_disabled", "left_behind", "postcode"]
MEMBER_COLS = ["name", "relation", "is_guardian", "id_type", "id_number", "household_address", "phone"]


def write_book(path: Path, rows: list[dict], *, national: bool = False, cols: list[str] = STUDENT_COLS) -> None:
    """Our template ("成员1姓名") or the national style (member headers repeat); a title row on top."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("学生")
    ws.write_row(0, 0, ["双塔西街小学 学生基本信息采集表"])
    headers = [SPEC.student_by_key[k].excel + ("★" if k == "name" else "") for k in cols]
    for i in range(2):
        headers += [(SPEC.member_by_key[k].excel if national else f"成员{i + 1}{SPEC.member_by_key[k].excel}")
                    for k in MEMBER_COLS]
    ws.write_row(1, 0, headers)
    for r, rec in enumerate(rows, start=2):
        cells = [_typed(rec, k) for k in cols]
        for m in rec["members"][:2]:
            cells += [_typed(m, k, True) for k in MEMBER_COLS]
        for c, v in enumerate(cells):
            if isinstance(v, datetime):
                ws.write_datetime(r, c, v, wb.add_format({"num_format": "yyyy-mm-dd"}))
            elif isinstance(v, float):
                ws.write_number(r, c, v)
            else:
                ws.write_string(r, c, str(v))
    wb.close()


def good_rows(n: int) -> list[dict]:
    rng = random.Random(9)
    cls = _cls()
    rows = []
    for _ in range(n):
        rec = make_student(rng, cls)
        rec["class_code"] = cls.code
        rec.pop("disability_type", None), rec.pop("special_ed_mode", None)
        rec["is_disabled"] = "0"
        rows.append(rec)
    return rows


@pytest.mark.parametrize("national", [False, True])
def test_check_excel_good_file_has_no_errors(tmp_path, capsys, national):
    path = tmp_path / "good.xlsx"
    write_book(path, good_rows(12), national=national)
    rc = main(["check-excel", str(path), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert report["rows"] == 12
    assert [i for i in report["issues"] if i["severity"] == "error"] == []
    assert rc == 0


def test_check_excel_reports_row_column_field(tmp_path, capsys):
    rows = good_rows(6)
    n = rows[0]["id_number"]
    rows[0]["id_number"] = n[:-1] + ("0" if n[-1] != "0" else "1")          # Excel row 3
    rows[1]["household_address"] = ""                                          # row 4
    rows[2]["members"][1]["phone"] = "1381234"                                 # row 5
    rows[3]["left_behind"] = "留守"                                            # row 6: not an option
    rows[4]["id_number"] = rows[5]["id_number"]                                # row 7 duplicates row 8
    path = tmp_path / "bad.xlsx"
    write_book(path, rows)
    assert main(["check-excel", str(path), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    got = {(i["row"], i["column"], i["field"], i["code"]) for i in report["issues"] if i["severity"] == "error"}
    assert (3, "身份证件号", "id_number", "id.checksum") in got
    assert (4, "户口所在地具体地址", "household_address", "required") in got
    assert (5, "成员2联系电话", "members.1.phone", "phone.format") in got
    assert any(r == 6 and f == "left_behind" for r, _, f, _ in got)
    assert (8, "身份证件号", "id_number", "id.duplicate") in got
    assert any(r == 7 and f in ("birth_date", "gender") for r, _, f, _ in got)  # row 8's ID does not fit row 7
    assert {r for r, *_ in got} == {3, 4, 5, 6, 7, 8}


def test_check_excel_class_and_grade(tmp_path, capsys):
    rows = good_rows(4)
    rows[0]["grade"] = "11"              # 一年级, but the class is in its third year → warning
    rows[1]["class_code"] = "实验班"     # cannot tell stage/entry year → warning, no grade error
    rows[2]["political_status"] = "少先队员"
    rows[3]["class_code"], rows[3]["grade"] = "1班", "三年级"  # a class number beside its 年级: fine
    path = tmp_path / "cls.xlsx"
    write_book(path, rows, cols=[*STUDENT_COLS, "grade"])
    main(["check-excel", str(path), "--json"])
    report = json.loads(capsys.readouterr().out)
    got = {(i["row"], i["field"], i["severity"], i["code"]) for i in report["issues"]}
    assert got == {(3, "grade", "warning", "grade.class_mismatch"), (4, "class_code", "warning", "class.unparsed"),
                   (5, "political_status", "warning", "code.lossy")}


def test_check_excel_numeric_id_cell(tmp_path, capsys):
    rows = good_rows(1)
    path = tmp_path / "num.xlsx"
    rows[0]["id_number"] = float(rows[0]["id_number"][:17] + "0")  # what Excel does to an unformatted ID cell
    write_book(path, rows)
    main(["check-excel", str(path), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert [(i["field"], i["code"]) for i in report["issues"]] == [("id_number", "id.excel_damaged")]


def test_check_excel_reports_excel_damaged_ids_as_the_import_does(tmp_path, capsys):
    """A number cell (3.40102E+17 as Excel shows it, or all 18 digits), scientific text: id.excel_damaged, once,
    instead of the generic checksum / birth-date errors; two damaged cells are not "duplicates" of each other."""
    rows = good_rows(4)
    rows[0]["id_number"] = 3.40102e17                                    # Excel row 3
    rows[1]["id_number"] = float(rows[1]["id_number"][:17] + "0")        # row 4
    rows[2]["members"][0]["id_number"] = "3.40102E+17"                   # row 5, member 1
    rows[3]["id_number"] = 3.40102e17                                    # row 6: same damaged value as row 3
    path = tmp_path / "damaged.xlsx"
    write_book(path, rows)
    assert main(["check-excel", str(path), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    errors = [(i["row"], i["column"], i["field"], i["code"]) for i in report["issues"]
              if i["severity"] == "error" and i["field"].endswith("id_number")]
    assert sorted(errors) == [(3, "身份证件号", "id_number", "id.excel_damaged"),
                              (4, "身份证件号", "id_number", "id.excel_damaged"),
                              (5, "成员1身份证件号", "members.0.id_number", "id.excel_damaged"),
                              (6, "身份证件号", "id_number", "id.excel_damaged")]
    assert "15 位有效数字" in report["issues"][0]["message"]


def test_check_excel_missing_file_is_clear_error(tmp_path, capsys):
    assert main(["check-excel", str(tmp_path / "nope.xlsx"), "--json"]) == 2
    assert "找不到文件" in capsys.readouterr().err


def test_data_rows_and_headers_of_a_national_style_file(tmp_path):
    path = tmp_path / "b.xlsx"
    write_book(path, good_rows(2), national=True)
    wb, sheet, layout = find_layout(path)
    assert [r + 1 for r, _ in iter_data_rows(sheet, layout)] == [3, 4]  # Excel rows under the title + header
    by_path = {c.path: layout.headers[j] for j, c in layout.columns.items()}
    assert by_path["name"] == "姓名★"  # the header text as in the file, for check-excel's "column"
    assert by_path["members.0.name"] == by_path["members.1.name"] == "姓名"
    assert by_path["members.1.phone"] == "联系电话"
    wb.close()


def _paths(cells, groups=None) -> list[str]:
    mapped, _unknown = map_header(cells, groups)
    return [c.path for _, c in sorted(mapped.items())]


def test_map_header_styles():
    # national template: member columns repeat 姓名/关系/… after the student's, 成员1 then 成员2
    assert _paths(["姓名", "身份证件号", "户口所在地", "姓名", "关系", "户口所在地", "姓名", "关系",
                   "是否进城务工人员随迁子女"]) == [
        "name", "id_number", "household_region", "members.0.name", "members.0.relation",
        "members.0.household_address", "members.1.name", "members.1.relation", "migrant_child"]
    # a group title row: 家庭成员2 over 姓名 (merged over both columns, or only over the first)
    assert _paths(["姓名", "性别", "姓名", "关系"], {2: "家庭成员2", 3: "家庭成员2"}) == [
        "name", "gender", "members.1.name", "members.1.relation"]
    assert _paths(["姓名", "性别", "姓名", "关系"], {2: "家庭成员2"}) == [
        "name", "gender", "members.1.name", "members.1.relation"]
    # required marks and a bracketed hint
    assert _paths(["*姓名", "出生日期（YYYY-MM-DD）", "成员1 联系电话"]) == ["name", "birth_date", "members.0.phone"]
    assert _paths(["★姓名", "性别★", "身份证件号(18位)"]) == ["name", "gender", "id_number"]


def test_check_excel_as_a_process(tmp_path):
    path = tmp_path / "good.xlsx"
    write_book(path, good_rows(3))
    done = subprocess.run([sys.executable, "-m", "xueji_desktop", "check-excel", str(path), "--json"],
                          cwd=ROOT, capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["rows"] == 3


def test_check_excel_messy_but_valid_input_has_no_error(tmp_path, capsys):
    """Real-world spellings of valid values: all normalised, none flagged as an error."""
    rng = random.Random(11)
    cls = _cls()
    variants = [
        {"gender": "男 ", "birth_date": "{y}/{m}/{d}", "ethnicity": "汉", "id_type": "身份证", "hmt": "否",
         "left_behind": "0-非留守儿童", "rel": ("爸爸", "妈妈"), "phone": "138 1234 5678", "class": "{code}"},
        {"gender": "２", "birth_date": "{y}.{m}.{d}", "ethnicity": "01", "id_type": "1", "hmt": "00",
         "left_behind": "1 单亲留守儿童", "rel": ("父亲", "外婆"), "phone": "0351-4041234", "class": "{name}"},
        {"gender": "1", "birth_date": "{y}年{m}月{d}日", "ethnicity": "汉族", "id_type": "居民身份证", "hmt": "无",
         "left_behind": "否", "rel": ("父子", "母子"), "phone": "+86 13912345678", "class": "{code_num}"},
        {"gender": "女", "birth_date": "{y}{m:02d}{d:02d}", "ethnicity": 1, "id_type": "1-居民身份证", "hmt": "否",
         "left_behind": "双亲留守儿童", "rel": ("其他", "祖父母或外祖父母"), "phone": "(0351)4041234",
         "class": "{name_fw}"},
    ]
    wb = xlsxwriter.Workbook(str(tmp_path / "messy.xlsx"))
    ws = wb.add_worksheet()
    headers = ["姓名", "性别", "出生日期", "民族", "国籍/地区", "身份证件类型", "港澳台侨外", "身份证件号", "现住址",
               "户口所在地具体地址", "班级", "政治面貌", "是否寄宿生", "是否残疾人", "是否农村留守儿童", "入学年月",
               "入学方式", "邮政编码"]
    member_headers = ["姓名", "关系", "是否监护人", "身份证件类型", "身份证件号", "户口所在地", "联系电话"]
    ws.write_row(0, 0, headers + [f"成员{i}{h}" for i in (1, 2) for h in member_headers])
    for r, v in enumerate(variants, start=1):
        rec = make_student(rng, cls)
        b = date.fromisoformat(rec["birth_date"])
        male = (v["gender"].strip() in ("男", "1"))
        number = make_id_number(rng, b, male)
        name = f"小学{cls.entry_year}级（1）班" if v["class"] == "{name_fw}" else f"小学{cls.entry_year}级(1)班"
        klass = {"{code}": cls.code, "{name}": name, "{name_fw}": name, "{code_num}": int(cls.code)}[v["class"]]
        row = [rec["name"], v["gender"], v["birth_date"].format(y=b.year, m=b.month, d=b.day), v["ethnicity"], "中国",
               v["id_type"], v["hmt"], " ".join([number[:6], number[6:14], number[14:].lower()]),
               rec["current_address"], rec["household_address"], klass, "少先队员" if r == 1 else "群众", "否", "否",
               v["left_behind"],
               [f"{cls.entry_year}-09", f"{cls.entry_year}年9月", float(f"{cls.entry_year}09"),
                f"{cls.entry_year}09"][r - 1],
               "就近入学" if r % 2 else "其他", 30001]
        for i, m in enumerate(rec["members"]):
            row += [m["name"], v["rel"][i], "是", "居民身份证", m["id_number"], m["household_address"],
                    v["phone"] if i == 0 else m["phone"]]
        for c, value in enumerate(row):
            (ws.write_number if isinstance(value, (int, float)) else ws.write_string)(r, c, value)
    wb.close()
    main(["check-excel", str(tmp_path / "messy.xlsx"), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert report["rows"] == 4
    assert [i for i in report["issues"] if i["severity"] == "error"] == []
    assert [(i["row"], i["code"]) for i in report["issues"]] == [(2, "code.lossy")]


def test_map_header_of_the_excel_template_layout():
    """Headers as the Excel area's template writes them (学校标识码, student columns, 成员1…/成员2…)."""
    student = [f for f in SPEC.student_fields if f.key != "migrant_child"]
    headers = ["学校标识码", *(f.excel for f in student)]
    headers += [f"成员{i}{f.excel}" for i in (1, 2) for f in SPEC.member_fields]
    headers.append(SPEC.student_by_key["migrant_child"].excel)
    assert _paths(headers) == ["school_code", *(f.key for f in student),
                               *(f"members.{i}.{f.key}" for i in (0, 1) for f in SPEC.member_fields), "migrant_child"]


def test_hint_row_under_the_header_is_skipped(tmp_path, capsys):
    path = tmp_path / "hint.xlsx"
    rows = good_rows(1)
    write_book(path, rows)
    from openpyxl import load_workbook
    wb = load_workbook(path)
    ws = wb.active
    ws.insert_rows(3)
    for c in range(1, 6):
        ws.cell(3, c, "必填，请选择")
    wb.save(path)
    main(["check-excel", str(path), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert report["rows"] == 1 and report["issues"] == []
