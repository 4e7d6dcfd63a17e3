"""The county sets up its school list as seed 001 describes: export, import (refused whole with row and column
named when any row is wrong), 学校标识码核对, placeholder schools told apart by name, edit, remove."""

from __future__ import annotations

import json

import pytest
import xlsxwriter

from tests.county.conftest import A
from tests.exchange.helpers import PASSWORD, snapshot
from xueji_desktop.cli import main
from xueji_desktop.county.school_sheet import import_school_sheet, read_school_sheet
from xueji_desktop.county.schools import (
    PLACEHOLDER_CODE,
    add_school,
    edit_school,
    list_schools,
    remove_school,
    verify_schools,
)
from xueji_desktop.errors import BadInput


def sheet(path, rows, header=("学校标识码", "学校名称", "统计用区划代码", "享受营养餐")):
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    ws.write_row(0, 0, header)
    for r, row in enumerate(rows, start=1):
        ws.write_row(r, 0, row)
    wb.close()
    return path


GOOD = [("2114010068", "双塔西街小学", "140106001000", "是"), ("2114010069", "迎泽实验小学", "140106002000", "否"),
        ("0000000000", "郝庄村小", "140106003000", "是"), ("0000000000", "马庄村小", "140106004000", "")]


def test_import_adds_updates_and_keeps_placeholders_apart_by_name(county, tmp_path):
    result = import_school_sheet(county, sheet(tmp_path / "s.xlsx", GOOD))
    assert result == {"added": 4, "updated": 0, "unchanged": 0}
    schools = {(s["code"], s["name"]): s for s in list_schools(county, placeholders=True)}
    assert (PLACEHOLDER_CODE, "郝庄村小") in schools and (PLACEHOLDER_CODE, "马庄村小") in schools
    assert schools[("2114010068", "双塔西街小学")]["nutrition"] == 1
    changed = [GOOD[0], ("2114010069", "迎泽区实验小学", "140106002000", "否"), *GOOD[2:]]
    assert import_school_sheet(county, sheet(tmp_path / "t.xlsx", changed)) == {"added": 0, "updated": 1,
                                                                                 "unchanged": 3}
    assert {s["name"] for s in list_schools(county)} == {"双塔西街小学", "迎泽区实验小学"}


@pytest.mark.parametrize("rows, header, message", [
    ([("211401006", "短码小学", "140106001000", "")], None,
     "第 2 行“学校标识码”列：学校标识码“211401006”应为 10 位数字"),
    ([GOOD[0], GOOD[1], ("2114010068", "又一所", "140106001000", "")], None,
     "第 4 行“学校标识码”列：学校标识码 2114010068与第 2 行重复"),
    ([GOOD[0], ("0000000000", "郝庄村小", "140106003000", ""), ("0000000000", "郝庄村小", "140106003000", "")],
     None, "第 4 行“学校名称”列：没有标识码的学校“郝庄村小”与第 3 行重复"),
    ([("2114010070", "外县小学", "140105001000", "")], None, "第 2 行“统计用区划代码”列"),
    ([("2114010070", "", "140106001000", "")], None, "第 2 行“学校名称”列"),
    ([("2114010070", "某小学", "140106001000", "有")], None, "第 2 行“享受营养餐”列：应填“是”或“否”"),
    ([("2114010070", "某小学")], ("学校标识码", "学校名称"), "缺少列 统计用区划代码"),
])
def test_a_bad_list_is_refused_whole_naming_row_and_column(county, tmp_path, rows, header, message):
    add_school(county, "2114010099", "原有小学", "140106009000")
    before = snapshot(county)
    path = sheet(tmp_path / "bad.xlsx", rows, header) if header else sheet(tmp_path / "bad.xlsx", rows)
    with pytest.raises(BadInput, match=message.replace("(", r"\(")) as info:
        import_school_sheet(county, path)
    assert "未做任何修改" in str(info.value)
    assert snapshot(county) == before


def test_verify_lists_what_needs_doing(county, tmp_path):
    import_school_sheet(county, sheet(tmp_path / "s.xlsx", [*GOOD, ("2114020070", "双塔西街小学", "140106005000", "")]))
    found = verify_schools(county)
    problems = {(f["code"], f["name"]): f["problem"] for f in found}
    assert "还没有学校标识码" in problems[(PLACEHOLDER_CODE, "郝庄村小")]
    assert "还没有学校标识码" in problems[(PLACEHOLDER_CODE, "马庄村小")]
    assert "不是本市代码 1401" in problems[("2114020070", "双塔西街小学")]
    assert "出现 2 次" in problems[("2114010068、2114020070", "双塔西街小学")]
    assert ("2114010069", "迎泽实验小学") not in problems


def test_placeholder_completed_edit_and_remove(merged):
    county = merged[0]
    add_school(county, PLACEHOLDER_CODE, "郝庄村小", "140106003000")
    add_school(county, PLACEHOLDER_CODE, "马庄村小", "140106004000")
    with pytest.raises(BadInput, match="用名称区分"):
        add_school(county, PLACEHOLDER_CODE, "郝庄村小", "140106003000")
    assert edit_school(county, "郝庄村小", new_code="2114010080") == "2114010080"
    assert [s["name"] for s in list_schools(county, placeholders=True) if s["placeholder"]] == ["马庄村小"]
    edit_school(county, "2114010080", name="郝庄小学")
    assert edit_school(county, "2114010080", new_code="2114010081") == "2114010081"  # no data yet: allowed
    with pytest.raises(BadInput, match="已导入过它的上报数据，标识码不能再改"):
        edit_school(county, A.code, new_code="2114010082")
    with pytest.raises(BadInput, match="已导入过它的上报数据，不能删除"):
        remove_school(county, A.code)
    remove_school(county, "2114010081")
    remove_school(county, "马庄村小")
    assert {s["code"] for s in list_schools(county, placeholders=True)} == {A.code, "2114010069", "2114010070"}


def test_cli_schools_export_import_verify(county, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XUEJI_PASSWORD", PASSWORD)
    db = str(county.path)
    assert main(["county", "schools", "import", "--db", db, str(sheet(tmp_path / "s.xlsx", GOOD))]) == 0
    assert "新增 4 所" in capsys.readouterr().out
    assert main(["county", "schools", "verify", "--db", db, "--json"]) == 1
    assert len(json.loads(capsys.readouterr().out)) == 2
    assert main(["county", "schools", "edit", "--db", db, "郝庄村小", "--code", "2114010080"]) == 0
    assert main(["county", "schools", "remove", "--db", db, "马庄村小"]) == 0
    assert main(["county", "schools", "verify", "--db", db]) == 0
    assert "学校名单无误" in capsys.readouterr().out
    out = tmp_path / "export.xlsx"
    assert main(["county", "schools", "export", "--db", db, "--out", str(out)]) == 0
    assert [(r["code"], r["name"]) for r in read_school_sheet(county, out)] == [
        ("2114010068", "双塔西街小学"), ("2114010069", "迎泽实验小学"), ("2114010080", "郝庄村小")]
    capsys.readouterr()
    assert main(["county", "schools", "--db", db, "--json"]) == 0
    assert [s["code"] for s in json.loads(capsys.readouterr().out)] == ["2114010068", "2114010069", "2114010080"]
    bad = sheet(tmp_path / "bad.xlsx", [("21140100", "短码", "140106001000", "")])
    assert main(["county", "schools", "import", "--db", db, str(bad)]) == 2
    assert "第 2 行“学校标识码”列" in capsys.readouterr().err
