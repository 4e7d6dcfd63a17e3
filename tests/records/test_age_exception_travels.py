"""入学年龄例外 travels up: a grade-1 child the school registered under the county's entry age, with the clerk's
reason, is carried in the school's submission (reason, who, when) and seen at the county — in the import summary,
in `county students --json` (``age_exception``) and in the core's list; a package without it still imports."""

from __future__ import annotations

import json
from datetime import date

import pytest

from tests.conftest import PASSWORD, county_sends
from tests.records.admission_lists import CODE, children, list_row, send_down, too_young, write_list
from xueji_desktop import school
from xueji_desktop.cli import main
from xueji_desktop.county import admissions as county_adm
from xueji_desktop.county import rules
from xueji_desktop.county.intake import import_package
from xueji_desktop.county.students import CountyFilter, list_students
from xueji_desktop.exchange import payload, school_side
from xueji_desktop.records import admissions as adm
from xueji_desktop.records import age_exceptions
from xueji_desktop.records.gate import Gate
from xueji_desktop.records.students import add_student
from xueji_desktop.storage import schema

REASON = "县教育局批准提前入学（文号 2026-17）"


@pytest.fixture
def env(monkeypatch):
    monkeypatch.setenv("XUEJI_PASSWORD", PASSWORD)
    monkeypatch.setenv("XUEJI_USER", "admin")


def test_an_age_exception_reaches_the_county_with_reason_who_and_when(county, demo_store, linked, tmp_path,
                                                                      env, capsys, qapp):
    year = linked
    county_adm.set_plan(county, CODE, 1, year, 100)
    rules.set_entry_age(county, 6)
    kids = children(year, 2, seed=41)
    young = too_young(kids[1], year)
    write_list(tmp_path / "l.xlsx", [list_row(CODE, year, k) for k in (kids[0], young)])
    assert county_adm.import_list(county, tmp_path / "l.xlsx").imported == 2
    send_down(county, demo_store, tmp_path, "down")
    with demo_store.transaction() as tx:
        cls = school.add_class(tx, year, 1, 9)
    adm.accept(demo_store, [kids[0]["id_number"]], cls.class_code)
    with pytest.raises(adm.RowsRefused, match="未满 6 周岁"):
        adm.accept(demo_store, [young["id_number"]], cls.class_code)
    adm.accept(demo_store, [young["id_number"]], cls.class_code, age_exception=REASON, today=date(year, 9, 2))

    pkg = school_side.export_package(demo_store, tmp_path / "up", include_pending=True)
    result = import_package(county, pkg)
    [exception] = result.age_exceptions
    assert (exception["name"], exception["reason"]) == (young["name"], REASON)
    assert exception["by"] == "学籍管理员（演示） admin"  # the clerk's name and user name
    assert exception["at"].startswith(date.today().isoformat())
    assert any(line.startswith("入学年龄例外 1 名：") and REASON in line for line in result.summary())
    # the core's list: the reason on the child, nothing on the others
    rows = {r["name"]: r for r in list_students(county, CountyFilter(CODE))}
    assert rows[young["name"]]["age_exception"] == REASON and rows[young["name"]]["age_exception_by"] == exception["by"]
    assert rows[kids[0]["name"]]["age_exception"] == ""
    # the CLI
    capsys.readouterr()
    assert main(["county", "students", "--db", str(county.path), "--school", CODE, "--search", young["name"],
                 "--json"]) == 0
    [listed] = json.loads(capsys.readouterr().out)
    assert listed["age_exception"] == REASON and listed["age_exception_at"] == exception["at"]
    # the county's browser: the column, and who and when on its tooltip
    from PySide6.QtCore import Qt

    from xueji_desktop.ui.county_browser import CountyStudentModel

    model = CountyStudentModel(county.conn)
    model.set_filter(CountyFilter(CODE, young["name"]))
    column = [model.headerData(c, Qt.Horizontal) for c in range(model.columnCount())].index("入学年龄例外")
    cell = model.index(0, column)
    assert cell.data() == REASON
    assert cell.data(Qt.ToolTipRole) == f"{REASON}，{exception['by']} 登记于 {exception['at']}"
    # passed up again (county export-up re-packs each line): the exception stays on the child's line
    line = county.query("SELECT data FROM county_students WHERE name = ?", (young["name"],))[0][0]
    assert payload.student_line(payload.parse_student_line(line.encode(), "")).count(REASON) == 1


def test_the_cli_import_summary_names_the_exceptions_and_an_older_package_still_imports(
        county, demo_store, linked, tmp_path, env, capsys, qtbot):
    year = linked
    county_adm.set_plan(county, CODE, 1, year, 100)
    rules.set_entry_age(county, 6)
    young = too_young(children(year, 1, seed=43)[0], year)
    send_down(county, demo_store, tmp_path, "down")
    with demo_store.transaction() as tx:
        cls = school.add_class(tx, year, 1, 9)
    # an older package: no age_exception on its lines (as before this was sent), though the school holds one
    sid = adm.add_self_admitted(demo_store, dict(young, id_number="", id_type=""), cls.class_code,
                                age_exception=REASON)
    real = school_side._student_rows

    def old_rows(*args, **kwargs):
        rows = real(*args, **kwargs)
        for r in rows:
            r.age_exception = None
        return rows
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(school_side, "_student_rows", old_rows)
        old = school_side.export_package(demo_store, tmp_path / "old", include_pending=True)
    capsys.readouterr()
    assert main(["county", "import", "--db", str(county.path), str(old)]) == 0
    assert "入学年龄例外" not in capsys.readouterr().out
    assert list_students(county, CountyFilter(CODE, young["name"]))[0]["age_exception"] == ""
    # the current package: the summary line
    new = school_side.export_package(demo_store, tmp_path / "new", include_pending=True)
    assert main(["county", "import", "--db", str(county.path), str(new)]) == 0
    out = capsys.readouterr().out
    assert f"入学年龄例外 1 名：{young['name']}（{REASON}，学籍管理员（演示） admin）" in out
    assert demo_store.query("SELECT reason FROM age_exceptions WHERE student_id = ?", (sid,)) == [(REASON,)]
    # the GUI's import page: the same line under the import
    from xueji_desktop.ui.county_pages import CountyImportPage

    page = CountyImportPage(county)
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.imported, timeout=20000):
        page.import_files([school_side.export_package(demo_store, tmp_path / "gui", include_pending=True)])
    assert [page.log.item(i).text().strip() for i in range(page.log.count())][1:] == [
        f"入学年龄例外 1 名：{young['name']}（{REASON}，学籍管理员（演示） admin）"]


def test_exceptions_made_before_the_table_are_read_back_from_the_audit_log(demo_store, linked):
    """Schema v15 fills the table from the 新增学生 audit entries of the exceptions a school made before it."""
    county_sends(demo_store, {"entry_age.grade1": "6"})
    with demo_store.transaction() as tx:
        cls = school.add_class(tx, linked, 1, 9)
    young = too_young(children(linked, 1, seed=45)[0], linked)
    with demo_store.transaction() as tx:
        sid = add_student(tx, young, cls.id, gate=Gate(demo_store, tx.conn, age_exception=REASON))
    demo_store.conn.execute("DROP TABLE age_exceptions")  # the file as it was at v14
    demo_store.conn.execute("PRAGMA user_version = 14")
    assert schema.migrate(demo_store.conn, 15) == [15]  # later steps are already in the file
    assert demo_store.query("SELECT reason, username FROM age_exceptions") == [(REASON, "admin")]
    assert age_exceptions.for_package(demo_store.conn)[sid]["reason"] == REASON
