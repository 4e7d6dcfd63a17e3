"""The county sees its data: info, the student list with its filters, statistics and the Excel export,
through the core and the CLI, from real packages (FakeSchool) and from a real school store."""

from __future__ import annotations

import json

import pytest
from python_calamine import CalamineWorkbook

from tests.county.conftest import A, B
from tests.exchange.helpers import PASSWORD
from xueji_desktop.cli import main
from xueji_desktop.county.intake import import_package
from xueji_desktop.county.schools import add_school
from xueji_desktop.county.stats import compute_county_stats, export_county_stats_xlsx
from xueji_desktop.county.students import CountyFilter, list_students, parse_enrolment
from xueji_desktop.errors import BadInput
from xueji_desktop.excel.columns import columns


def test_list_filters_by_school_name_id_and_enrolment(merged):
    county, a_records, b_records = merged
    everyone = list_students(county, CountyFilter())
    assert len(everyone) == 20
    assert [r["school_code"] for r in everyone] == sorted(r["school_code"] for r in everyone)
    only_b = list_students(county, CountyFilter(school=B.code))
    assert {r["name"] for r in only_b} == {r["name"] for _c, r in b_records}
    assert {r["school_name"] for r in only_b} == {"迎泽实验小学"}
    suspended = list_students(county, CountyFilter(enrolment=parse_enrolment("休学")))
    assert len(suspended) == 3 and {r["enrolment"] for r in suspended} == {"休学"}
    target = a_records[5][1]
    by_id = list_students(county, CountyFilter(text=target["id_number"][:16]))
    assert target["name"] in {r["name"] for r in by_id}
    by_name = list_students(county, CountyFilter(text=target["name"][1:]))
    assert target["id_number"] in {r["id_number"] for r in by_name}
    both = list_students(county, CountyFilter(school=A.code, enrolment="enrolled"))
    assert len(both) == 9
    assert list_students(county, CountyFilter(school=B.code), limit=2) == only_b[:2]
    assert {r["photo"] for r in only_b} == {"有", "无"}


def test_bad_filters_are_refused_in_plain_chinese(merged):
    county = merged[0]
    with pytest.raises(BadInput, match="不在本县学校名单"):
        list_students(county, CountyFilter(school="2114019999"))
    with pytest.raises(BadInput, match="学籍状态“在读中”不认识"):
        parse_enrolment("在读中")


def test_stats_per_school_grade_and_status_with_completeness(merged, tmp_path):
    county = merged[0]
    stats = compute_county_stats(county)
    assert (stats.schools, stats.reported, stats.students) == (3, 2, 20)
    assert stats.by_enrolment == {"在校": 17, "休学": 3}
    assert sum(stats.by_grade.values()) == 20
    assert sum(c["students"] for c in stats.cells if c["school_code"] == A.code and c["enrolment"] == "休学") == 3
    by_code = {c.school_code: c for c in stats.completeness}
    assert by_code[B.code].without_photo == 7 and by_code[A.code].without_photo == 12
    assert [c.school_code for c in stats.not_reported] == ["2114010070"]
    out = export_county_stats_xlsx(stats, tmp_path / "stats.xlsx")
    book = CalamineWorkbook.from_path(str(out))
    assert {"按学校", "学校×年级×学籍状态", "按年级", "完整性"} <= set(book.sheet_names)
    summary = book.get_sheet_by_name("按学校").to_python()
    assert summary[0][:3] == ["学校标识码", "学校名称", "学生数"] and summary[-1][0] == "合计"
    assert summary[-1][2] == 20


@pytest.fixture
def env(monkeypatch):
    monkeypatch.setenv("XUEJI_PASSWORD", PASSWORD)
    monkeypatch.setenv("XUEJI_USER", "admin")


def test_cli_info_students_stats_and_export(merged, env, tmp_path, capsys):
    county = merged[0]
    db = str(county.path)
    capsys.readouterr()
    assert main(["info", "--db", db, "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["students"] == 20
    assert info["county"]["schools"] == 3 and info["county"]["reported_schools"] == 2
    assert info["county"]["students_by_enrolment"] == {"在校": 17, "休学": 3}
    assert info["county"]["open_problems"] == 0
    assert main(["info", "--db", db]) == 0
    text = capsys.readouterr().out
    assert "学校 3 所（已上报 2 所）；学生 20 名" in text and "休学 3" in text

    assert main(["county", "students", "--db", db, "--school", B.code, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 8 and rows[0]["school_name"] == "迎泽实验小学"
    assert main(["county", "students", "--db", db, "--status", "休学"]) == 0
    assert "共 3 名。" in capsys.readouterr().out
    assert main(["county", "students", "--db", db, "--status", "在读中"]) == 2
    assert "不认识" in capsys.readouterr().err

    assert main(["county", "stats", "--db", db, "--json", "--xlsx", str(tmp_path / "s.xlsx")]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["students"] == 20 and (tmp_path / "s.xlsx").exists()
    assert {c["school_code"] for c in stats["completeness"] if not c["reported"]} == {"2114010070"}

    out = tmp_path / "county.xlsx"
    assert main(["county", "export-excel", "--db", db, "--out", str(out)]) == 0
    sheet = CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0).to_python()
    template = [c.header for c in columns()]
    assert sheet[0] == [template[0], "学校名称", *template[1:]]  # the schools' layout, 学校名称 beside the code
    assert len(sheet) == 21
    assert {(r[0], r[1]) for r in sheet[1:]} == {(A.code, "双塔西街小学"), (B.code, "迎泽实验小学")}
    assert main(["county", "export-excel", "--db", db, "--out", str(tmp_path / "b.xlsx"), "--school", B.code]) == 0
    assert len(CalamineWorkbook.from_path(str(tmp_path / "b.xlsx")).get_sheet_by_index(0).to_python()) == 9
    assert main(["county", "export-excel", "--db", db, "--out", str(tmp_path / "x.xlsx"), "--school", "1"]) == 2
    assert not (tmp_path / "x.xlsx").exists()


def test_a_real_schools_enrolment_reaches_the_county(county, demo_store, tmp_path):
    """学籍状态 travels in the school's own package (school_side.export_package), not only in test builds."""
    from xueji_desktop.county.schools import make_init_packages
    from xueji_desktop.demo import DEMO_SCHOOL
    from xueji_desktop.exchange import school_side

    add_school(county, DEMO_SCHOOL["code"], DEMO_SCHOOL["name"], DEMO_SCHOOL["region_code"])
    [init] = make_init_packages(county, [DEMO_SCHOOL["code"]], tmp_path / "init")
    fp = school_side.apply_init(demo_store, school_side.read_init_package(init))
    sid, name = demo_store.query("SELECT id, name FROM students ORDER BY id LIMIT 1")[0]
    with demo_store.transaction() as tx:
        tx.execute("UPDATE students SET enrolment = 'abroad' WHERE id = ?", (sid,))
    pkg = school_side.export_package(demo_store, tmp_path / "up", include_pending=True)
    import_package(county, pkg, confirm_fingerprint=fp)
    abroad = list_students(county, CountyFilter(enrolment="abroad"))
    assert [r["name"] for r in abroad] == [name] and abroad[0]["enrolment"] == "出国"
