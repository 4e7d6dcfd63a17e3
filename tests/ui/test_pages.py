"""School info, classes, statistics and users/log pages on the demo school, driven through their widgets."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from tests.conftest import PASSWORD

pytestmark = pytest.mark.gui


def test_classes_page_adds_class_with_generated_code_and_audit(qtbot, demo_store):
    from xueji_desktop.ui.classes_page import ClassesPage

    page = ClassesPage(demo_store)
    qtbot.addWidget(page)
    page.stage.setCurrentIndex(page.stage.findData(2))
    page.entry_year.setValue(2025)
    page.number.setValue(7)
    assert "2025207" in page.preview.text() and "初中2025级(7)班" in page.preview.text()
    page.head_teacher.setText("王老师")
    qtbot.mouseClick(page.add_button, Qt.LeftButton)
    assert demo_store.query("SELECT name, head_teacher FROM classes WHERE class_code = '2025207'") == \
        [("初中2025级(7)班", "王老师")]
    row = [c.class_code for c in page.classes].index("2025207")
    page.table.item(row, 3).setText("李老师")
    assert demo_store.query("SELECT head_teacher FROM classes WHERE class_code = '2025207'") == [("李老师",)]
    actions = [a for (a,) in demo_store.query("SELECT action FROM audit_log WHERE record_id = '2025207'")]
    assert actions == ["新建班级", "修改班级"]


def test_school_page_saves_profile_and_refuses_bad_code(qtbot, demo_store):
    from xueji_desktop.school import get_school_profile
    from xueji_desktop.ui.school_page import SchoolInfoPage

    page = SchoolInfoPage(demo_store)
    qtbot.addWidget(page)
    page.edits["phone"].setText("0351-7654321")
    page.save_profile()
    assert get_school_profile(demo_store)["phone"] == "0351-7654321"
    page.edits["code"].setText("123")
    page.save_profile()
    assert "10 位" in page.message.text()
    assert get_school_profile(demo_store)["code"] != "123"
    page.campus_name.setText("东校区")
    page.add_campus()
    assert demo_store.query("SELECT name, is_main FROM campuses") == [("东校区", 1)]


def test_stats_page_counts_and_exports(qtbot, demo_store, tmp_path):
    import openpyxl

    from xueji_desktop.ui.stats_page import StatsPage

    page = StatsPage(demo_store)
    qtbot.addWidget(page)
    total = demo_store.query("SELECT count(*) FROM students")[0][0]
    assert page.stats.total == total
    assert sum(g.total for g in page.stats.by_grade) == total
    assert sum(page.stats.by_gender.values()) == total
    left = demo_store.query("SELECT count(*) FROM students WHERE json_extract(data, '$.left_behind') IN ('1','2')")
    assert page.stats.special["留守儿童"] == left[0][0]
    path = page.export(str(tmp_path / "统计.xlsx"))
    book = openpyxl.load_workbook(path)
    assert book["按年级"]["B2"].value == page.stats.by_grade[0].total


def test_users_page_adds_user_and_filters_log(qtbot, demo_store, monkeypatch):
    from PySide6.QtWidgets import QDialog

    from xueji_desktop.storage import Store
    from xueji_desktop.ui import users_page
    from xueji_desktop.ui.users_page import UsersLogPage

    page = UsersLogPage(demo_store)
    qtbot.addWidget(page)

    def filled_dialog_exec(dialog):
        dialog.username.setText("teacher1")
        dialog.password.setText("teach-pass")
        return QDialog.Accepted

    monkeypatch.setattr(users_page.UserDialog, "exec", filled_dialog_exec)
    page.add_user()
    assert "teacher1" in [u.username for u in demo_store.list_users()]
    Store.open(demo_store.path, "teacher1", "teach-pass").close()
    page.user_filter.setCurrentIndex(page.user_filter.findData("admin"))
    page.action_filter.setCurrentIndex(page.action_filter.findData("添加用户"))
    assert page.log_model.rowCount() >= 1
    assert all(page.log_model.index(r, 2).data() == "添加用户" for r in range(page.log_model.rowCount()))


def test_audit_model_passes_model_tester(qtmodeltester, demo_store):
    from xueji_desktop.ui.users_page import AuditLogModel

    qtmodeltester.check(AuditLogModel(demo_store.conn))


def test_school_cli_commands(demo_path, monkeypatch, capsys):
    from xueji_desktop.cli import main

    monkeypatch.setenv("XUEJI_PASSWORD", PASSWORD)
    assert main(["class", "add", "--db", str(demo_path), "--entry-year", "2024", "--stage", "3",
                 "--number", "2", "--head-teacher", "赵老师"]) == 0
    assert "高中2024级(2)班" in capsys.readouterr().out
    assert main(["class", "set", "2024302", "--db", str(demo_path), "--head-teacher", "钱老师"]) == 0
    assert main(["class", "list", "--db", str(demo_path)]) == 0
    assert "钱老师" in capsys.readouterr().out
    assert main(["campus", "add", "南校区", "--db", str(demo_path)]) == 0
    assert main(["profile", "set", "phone=0351-1111111", "--db", str(demo_path)]) == 0
    assert main(["stats", "--db", str(demo_path), "--xlsx", str(demo_path.parent / "s.xlsx")]) == 0
    out = capsys.readouterr().out
    assert "【按年级】" in out and (demo_path.parent / "s.xlsx").exists()
    assert main(["profile", "set", "code=12", "--db", str(demo_path)]) == 2


def test_closing_the_window_makes_a_rolling_encrypted_backup(qtbot, demo_store, tmp_path, monkeypatch):
    from xueji_desktop.storage import Store
    from xueji_desktop.ui.main_window import MainWindow

    monkeypatch.setenv("XUEJI_DATA_DIR", str(tmp_path / "data"))
    with demo_store.transaction() as tx:
        demo_store.set_meta(tx, "auto_backup_count", "2")
    for _ in range(3):
        window = MainWindow(demo_store)
        qtbot.addWidget(window)
        window.show()
        window.close()
    backups = sorted((tmp_path / "data" / "backups" / demo_store.path.stem).glob("auto_*.xjdb"))
    assert len(backups) == 2
    assert not backups[-1].read_bytes().startswith(b"SQLite format 3")
    copy = Store.open(backups[-1], "admin", "test-pass-1")
    assert copy.query("SELECT count(*) FROM students") == demo_store.query("SELECT count(*) FROM students")
    copy.close()


def test_audit_log_page_shows_names_labels_and_batches(qtbot, demo_store):
    from xueji_desktop.ui.users_page import UsersLogPage

    page = UsersLogPage(demo_store)
    qtbot.addWidget(page)
    model = page.log_model
    rows = [[model.index(r, c).data() for c in range(model.columnCount())] for r in range(model.rowCount())]
    assert model.HEADERS == ("时间", "用户", "操作", "对象", "内容")
    photos = [r for r in rows if r[2] == "导入照片"]
    assert len(photos) == 1 and "360 名学生" in photos[0][3]  # one entry, not 360
    assert not any("students" in r[3] or "+00:00" in r[0] for r in rows)
    name = demo_store.query("SELECT name FROM students ORDER BY id LIMIT 1")[0][0]
    page.text_filter.setText(name)
    assert model.rowCount() >= 1
