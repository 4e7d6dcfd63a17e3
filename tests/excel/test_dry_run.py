"""import-excel --dry-run (the check step's preview): the real import, through the write gate, rolled back.

One small school: three imported students (one county-accepted), a class cap that fills a class, a closed
新生注册 window; a sheet that updates, keeps a controlled cell, adds a student into a class it creates, and has
a row for the full class and one for grade 1. The dry run reports exactly what the import then does, and
leaves every table as it was."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.conftest import PASSWORD, county_sends
from xueji_desktop import school
from xueji_desktop.errors import Cancelled
from xueji_desktop.excel.importer import PREVIEW_HEADING, import_workbook
from xueji_desktop.progress import Progress
from xueji_desktop.records import gate as g
from xueji_desktop.records.changes import mark_county_accepted
from xueji_desktop.records.school_year import current_school_year, set_class_cap

from .conftest import demo_rows, headers, save_rows

H = headers()


def _col(name: str) -> int:
    return H.index(name)


@dataclass
class Scene:
    path: Path
    accepted_id: int     # the county-accepted student whose 性别 the sheet changes
    full_row: int        # 1-based sheet rows: a new student into the full class
    grade1_row: int      # a new grade-1 student while the 新生注册 window is closed
    new_class: str       # the class the sheet names that the school lacks


def _closed_window() -> str:
    """A 新生注册 window (MM-DD/MM-DD) that does not include today."""
    today = date.today()
    return f"{today + timedelta(days=1):%m-%d}/{today + timedelta(days=2):%m-%d}"


def make_scene(store, tmp_path: Path) -> Scene:
    """Build the school and the sheet described in the module docstring."""
    year = current_school_year(store)
    grade1 = {school.class_name(year, 1, n) for n in (1, 2)}
    rows = sorted(demo_rows(4), key=lambda r: r[_col("班级")] in grade1)[:3]  # rows[1]'s class: not grade 1
    assert rows[1][_col("班级")] not in grade1
    path = save_rows(tmp_path / "in.xlsx", H, rows)
    assert import_workbook(store, path).inserted == 3
    sid_of = dict(store.query("SELECT id_number, id FROM students"))
    accepted = sid_of[rows[0][_col("身份证件号")]]
    with store.transaction() as tx:
        mark_county_accepted(tx, [accepted])
    rows[0][_col("性别")] = "女" if rows[0][_col("性别")] == "男" else "男"    # controlled: kept as stored
    rows[0][_col("现住址")] = "山西省太原市迎泽区新地址 9 号"               # the rest is written
    rows[1][_col("现住址")] = "山西省太原市迎泽区另一个地址 3 号"             # updated; rows[2] unchanged
    full = rows[1][_col("班级")]
    taken = store.query("SELECT count(*) FROM students s JOIN classes c ON c.id = s.class_id WHERE c.name = ?",
                        (full,))[0][0]
    set_class_cap(store, 1, taken)
    county_sends(store, {"window.new_students": _closed_window()})
    extra = demo_rows(40, seed=9)
    into_full = next(r for r in extra if r[_col("班级")] == full)
    into_grade1 = next(r for r in extra if r[_col("班级")] in grade1)
    new_class = school.class_name(year - 2, 1, 3)  # 三年级(3)班: the school has (1) and (2)
    placed = next(r for r in extra if r[_col("班级")] == school.class_name(year - 2, 1, 1) and r is not into_full)
    placed[_col("班级")] = new_class
    save_rows(path, H, [*rows, into_full, into_grade1, placed])
    return Scene(path, accepted, 5, 6, new_class)


def dump(store) -> dict[str, list]:
    """Every row of every table: what "the store is unchanged" means."""
    tables = [t for (t,) in store.query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    return {t: sorted(map(repr, store.query(f"SELECT * FROM {t}"))) for t in tables}


def outcome(result) -> dict:
    return {"counts": (result.rows, result.inserted, result.updated, result.unchanged, result.ok, result.warning,
                       result.pending),
            "refused": [(r.row, r.name, [x.rule for x in r.refusals]) for r in result.refused_rows],
            "kept": [(k.row, k.student_id, k.refusal.field) for k in result.kept_cells],
            "created": result.created_classes, "missing": result.missing_classes}


def test_dry_run_reports_the_gates_refusals_and_changes_nothing(class_store, tmp_path):
    scene = make_scene(class_store, tmp_path)
    before = dump(class_store)
    students = class_store.query("SELECT count(*) FROM students")[0][0]
    entries = class_store.query("SELECT count(*) FROM audit_log")[0][0]
    numbers = class_store.query("SELECT id, student_number FROM students ORDER BY id")
    classes = class_store.query("SELECT id, name FROM classes ORDER BY id")
    files = sorted(tmp_path.iterdir())

    dry = import_workbook(class_store, scene.path, create_classes=True, dry_run=True)

    # the store is exactly as it was: no student, audit entry, 临时学籍号 or class was left behind
    assert class_store.query("SELECT count(*) FROM students")[0][0] == students
    assert class_store.query("SELECT count(*) FROM audit_log")[0][0] == entries
    assert class_store.query("SELECT id, student_number FROM students ORDER BY id") == numbers
    assert class_store.query("SELECT id, name FROM classes ORDER BY id") == classes
    assert dump(class_store) == before
    assert sorted(tmp_path.iterdir()) == files  # no report unless asked
    # …and it says what the import will do
    assert dry.dry_run and (dry.inserted, dry.updated, dry.unchanged) == (1, 2, 1)
    refused = {r.row + 1: [x.rule for x in r.refusals] for r in dry.refused_rows}
    assert set(refused) == {scene.full_row, scene.grade1_row}
    assert refused[scene.full_row] == [g.CLASS_FULL] and g.NEW_INTAKE in refused[scene.grade1_row]
    assert [(k.row + 1, k.student_id, k.refusal.field) for k in dry.kept_cells] == [(2, scene.accepted_id, "gender")]
    assert dry.created_classes == [scene.new_class]
    text = dry.summary()
    assert text.startswith(PREVIEW_HEADING) and "将新建 1 个班级" in text and "2 行未导入" in text
    assert "新生注册时间" in text and "班额上限" in text

    # the import itself then does exactly that
    real = import_workbook(class_store, scene.path, create_classes=True)
    assert not real.dry_run and outcome(real) == outcome(dry)
    assert class_store.query("SELECT count(*) FROM students")[0][0] == students + 1


def test_a_cancelled_dry_run_is_cancelled_and_changes_nothing(class_store, tmp_path):
    scene = make_scene(class_store, tmp_path)
    before = dump(class_store)
    class CancelWhileImporting(Progress):
        def report(self, done, total, message):
            if message == "导入学生":  # after the first batch is written, inside the transaction
                self.cancel()

    progress = CancelWhileImporting()
    with pytest.raises(Cancelled):
        import_workbook(class_store, scene.path, create_classes=True, dry_run=True, progress=progress)
    assert dump(class_store) == before


def test_cli_dry_run_json_and_text(class_store, tmp_path, monkeypatch, capsys):
    from xueji_desktop.cli import main

    scene = make_scene(class_store, tmp_path)
    before = dump(class_store)
    db = str(class_store.path)
    monkeypatch.setenv("XUEJI_PASSWORD", PASSWORD)
    assert main(["import-excel", "--db", db, str(scene.path), "--dry-run", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["dry_run"] is True and (out["inserted"], out["updated"], out["unchanged"]) == (1, 2, 1)
    # without --create-classes the new class is listed as missing and its row would be 待修正, not refused
    assert out["missing_classes"] == [scene.new_class] and out["created_classes"] == [] and out["pending"] >= 1
    refused = {r["row"]: r for r in out["refused_rows"]}
    assert refused[scene.full_row]["refusals"][0]["rule"] == g.CLASS_FULL
    assert g.NEW_INTAKE in [x["rule"] for x in refused[scene.grade1_row]["refusals"]]
    assert [k["field"] for k in out["kept_cells"]] == ["gender"]
    assert main(["import-excel", "--db", db, str(scene.path), "--dry-run"]) == 0
    text = capsys.readouterr().out
    assert text.startswith(PREVIEW_HEADING) and "2 行未导入" in text and f"第{scene.grade1_row}行" in text
    assert dump(class_store) == before
    # a bad file: the same message and exit code as the import
    bad = tmp_path / "empty.xlsx"
    bad.write_bytes(b"")
    assert main(["import-excel", "--db", db, str(bad), "--dry-run"]) == 2
    assert "是空的" in capsys.readouterr().err
