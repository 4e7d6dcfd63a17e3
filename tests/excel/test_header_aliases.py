"""Headers as the national system's exports, provincial templates and teachers' sheets write them (issue 22).

Every alias of resources/spec/fields.toml names its source; every alias family is read as its field (student
columns, 成员N / 监护人N / 家长N member columns, columns under a merged group title), the meaning rules cover
spellings no list holds, and a header the program does not know is named with its nearest field.
"""

from __future__ import annotations

import pytest

from xueji_desktop.excel.check import check_workbook
from xueji_desktop.excel.columns import columns, describe_unknown, match_header, nearest_header
from xueji_desktop.excel.importer import import_workbook
from xueji_desktop.records.students import get_student
from xueji_desktop.validation.spec import load_spec

from .conftest import demo_rows, headers, save_rows

SPEC = load_spec()
STUDENT_ALIASES = [(f.key, a) for f in SPEC.student_fields for a in f.aliases]
MEMBER_ALIASES = [(f.key, a) for f in SPEC.member_fields for a in f.aliases]


def test_every_alias_names_its_source():
    for f in SPEC.fields:
        assert len(f.alias_sources) == len(f.aliases), f.key
        for alias, sources in zip(f.aliases, f.alias_sources, strict=True):
            assert sources, f"{f.key}: alias {alias} has no source"
            assert set(sources) <= set(SPEC.header_sources), f"{f.key}: {alias} cites {sources}"
    # the headers issue 22 saw go unrecognised are listed, with their source
    listed = {a for f in SPEC.fields for a in f.aliases}
    assert {"学生姓名", "出生年月", "身份证类型", "出生地行政区划代码", "上下学交通方式", "联系方式"} <= listed


@pytest.mark.parametrize(("key", "alias"), STUDENT_ALIASES)
def test_student_aliases(key, alias):
    col = match_header(alias)
    assert col is not None and (col.key, col.member) == (key, None)
    assert match_header(f" ★{alias}（必填）") == col  # decorations as before


@pytest.mark.parametrize("prefix", ["成员1", "家庭成员2", "监护人1", "家长2", "成员二"])
@pytest.mark.parametrize(("key", "alias"), MEMBER_ALIASES)
def test_member_aliases_under_every_prefix(prefix, key, alias):
    col = match_header(prefix + alias)
    assert col is not None and col.key == key
    assert col.member == (0 if prefix[-1] in "1一" else 1)
    assert match_header(alias, group=f"家庭成员{prefix[-1]}") == col  # under a merged group title


@pytest.mark.parametrize(("header", "path"), [
    ("学生民族", "ethnicity"),                       # a leading 学生
    ("学生身份证件号码", "id_number"),
    ("籍贯代码", "native_place"),                   # a region column's 代码 / 行政区划(代码)
    ("出生地行政区划", "birthplace"),
    ("户口所在地行政区划代码", "household_region"),
    ("成员1身份证件号码", "members.0.id_number"),     # 号码 for 号
    ("监护人2联系方式", "members.1.phone"),           # 联系方式 for 联系电话
    ("家长1与学生关系", "members.0.relation"),
    ("家庭住址", "home_address"),                    # 住址 for 地址
    ("幼儿姓名", "name"),                            # the preschool system's 学前调档 list: 幼儿 for 学生
    ("幼儿身份证号", "id_number"),
    ("幼儿户口所在地", "household_region"),
    ("儿童出生日期", "birth_date"),
    ("家长姓名", "members.0.name"),
    ("家长与幼儿关系", "members.0.relation"),
    ("监护人2与幼儿关系", "members.1.relation"),
])
def test_meaning_rules(header, path):
    col = match_header(header)
    assert col is not None and col.path == path


@pytest.mark.parametrize("header", ["民族代码", "姓名代码", "学生", "成员1姓名代码", "幼儿", "幼儿园名称"])
def test_meaning_rules_do_not_stretch(header):
    """A region rule reads only region columns; 学生 alone is no field."""
    assert match_header(header) is None


def test_unknown_headers_are_named_with_their_nearest_field():
    assert nearest_header("家庭人口") == "家庭地址"
    assert nearest_header("成员1职业") == "成员1职务"
    assert nearest_header("备注") is None
    assert describe_unknown(["成员1职业", "备注"]) == ["成员1职业（最接近：成员1职务）", "备注"]


def _export_like(rows: list[list]) -> tuple[list[str], list[list]]:
    """The template's rows under the headers a national-system export writes (issue 22's examples)."""
    rename = {"姓名": "学生姓名", "出生日期": "出生年月", "身份证件类型": "身份证类型", "出生地": "出生地行政区划代码",
              "上下学方式": "上下学交通方式", "成员1联系电话": "成员1联系方式", "成员2关系": "成员2与学生关系",
              "成员1身份证件号": "监护人1身份证号码"}
    return [rename.get(h, h) for h in headers()] + ["家庭人口"], [[*r, "4"] for r in rows]


def test_an_export_with_other_headers_imports_like_the_template(class_store, tmp_path):
    rows = demo_rows(6)
    h = headers()
    rows[2][h.index("成员1联系电话")] = "1381234"              # a deliberate error in a renamed column
    rows[4][h.index("出生地")] = "安徽省合肥市"                 # a region at city level: accepted
    header, cells = _export_like(rows)
    path = save_rows(tmp_path / "export.xlsx", header, cells, sheet_title="学生基本信息")
    result = import_workbook(class_store, path)
    assert (result.rows, result.inserted) == (6, 6)
    assert result.unknown_headers == ["家庭人口"]
    assert "家庭人口（最接近：家庭地址）" in result.summary()
    bad = {(p.row, i.field) for p in result.bad_rows for i in p.issues if i.severity == "error"}
    assert bad == {(3, "members.0.phone")}
    (sid,) = class_store.query("SELECT id FROM students WHERE name = ?", (rows[4][h.index("姓名")],))[0]
    student = get_student(class_store, sid)
    assert student["birthplace"] == "340100000000"
    assert student["id_type"] == "1" and student["birth_date"] == rows[4][h.index("出生日期")]
    assert student["members"][0]["phone"] and student["members"][1]["relation"]
    # check-excel reads it the same way and names the unknown column
    report = check_workbook(path)
    assert report["unknown_headers"] == ["家庭人口"] and report["unknown_nearest"] == {"家庭人口": "家庭地址"}
    assert {(i["row"], i["column"]) for i in report["issues"] if i["severity"] == "error"} == {(4, "成员1联系方式")}


def test_every_template_column_still_reads_as_itself():
    for c in columns():
        assert match_header(c.header) == c


def _permit_sheet(tmp_path, id_header: str, type_column: bool):
    """Two students of 港澳台 origin, their ID column headed ``id_header`` (the 身份证件类型 column kept or not)."""
    rows = demo_rows(2)
    h = headers()
    for r, (kind, number, origin, nationality) in zip(rows, [
            ("香港特区护照/身份证明", "H1234567800", "香港同胞", "中国香港"),
            ("台湾居民来往大陆通行证", "12345678", "台湾同胞", "中国台湾")], strict=True):
        r[h.index("身份证件类型")], r[h.index("身份证件号")] = kind, number
        r[h.index("港澳台侨外")], r[h.index("国籍/地区")] = origin, nationality
    keep = [j for j, x in enumerate(h) if type_column or x != "身份证件类型"]
    header = [id_header if h[j] == "身份证件号" else h[j] for j in keep]
    return save_rows(tmp_path / "港澳台.xlsx", header, [[r[j] for j in keep] for r in rows])


@pytest.mark.parametrize("id_header", ["港澳居民来往内地通行证号码", "回乡证号", "港澳台居民居住证号码"])
def test_hong_kong_macau_permit_headers_are_the_id_column(class_store, tmp_path, id_header):
    path = _permit_sheet(tmp_path, id_header, type_column=True)
    result = import_workbook(class_store, path, parallel=False)
    assert result.unknown_headers == [] and result.inserted == 2
    stored = {r[0]: r[1:] for r in class_store.query("SELECT id_number, id_type FROM students")}
    assert stored == {"H1234567800": ("6",), "12345678": ("8",)}
    assert not [i for p in result.bad_rows for i in p.issues if i.field.startswith("id_")]


def test_a_taiwan_permit_header_says_the_document_type(class_store, tmp_path):
    """台胞证号 names one document (8), as 身份证号 names the 居民身份证; 回乡证 does not (H: 香港 6, M: 澳门 7)."""
    path = _permit_sheet(tmp_path, "台胞证号码", type_column=False)
    result = import_workbook(class_store, path, parallel=False)
    assert "身份证件类型" not in result.missing_columns
    assert dict(class_store.query("SELECT id_number, id_type FROM students"))["12345678"] == "8"
    path = _permit_sheet(tmp_path, "回乡证号码", type_column=False)
    assert "身份证件类型" in import_workbook(class_store, path, parallel=False).missing_columns


def test_the_mainland_travel_permit_is_no_id_column():
    """港澳通行证 also names the mainland residents' 往来港澳通行证 (W9): not read as the student's ID, but named with
    the field it resembles, so that a sheet of 港澳 students is fixed by renaming one header."""
    assert match_header("港澳通行证号码") is None and match_header("成员1港澳通行证号") is None
    assert describe_unknown(["港澳通行证号码"]) == ["港澳通行证号码（最接近：身份证件号）"]
