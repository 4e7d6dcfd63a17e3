"""The 导入导出 page driven like a clerk would: check, import, read the summary; cancel changes nothing."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QPushButton

from xueji_desktop.ui.excel_page import ExcelPage

from .conftest import demo_rows, headers, save_rows

pytestmark = pytest.mark.gui


def _count(store):
    return store.query("SELECT count(*) FROM students")[0][0]


def test_import_wizard_checks_imports_and_reports(qtbot, class_store, tmp_path):
    rows = demo_rows(5)
    rows[0][headers().index("出生日期")] = "不知道"
    path = save_rows(tmp_path / "in.xlsx", headers(), rows)
    page = ExcelPage(class_store)
    qtbot.addWidget(page)
    assert not page.import_button.isEnabled()
    page.file_edit.setText(str(path))
    qtbot.mouseClick(page.check_button, Qt.LeftButton)
    qtbot.waitUntil(page.import_button.isEnabled, timeout=20000)
    assert "表头在第 1 行" in page.result_text.toPlainText()
    with qtbot.waitSignal(page.imported, timeout=60000) as blocker:
        qtbot.mouseClick(page.import_button, Qt.LeftButton)
    result = blocker.args[0]
    assert result.inserted == 5 and result.pending == 1
    assert _count(class_store) == 5
    text = page.result_text.toPlainText()
    assert "新增 5 人" in text and "待修正 1 人" in text and "第2行" in text
    assert page.open_report_button.isEnabled()
    assert len(list(tmp_path.glob("in_错误报告_*.xlsx"))) == 1


def test_import_wizard_bad_file_shows_message(qtbot, class_store, tmp_path):
    path = tmp_path / "empty.xlsx"
    path.write_bytes(b"")
    page = ExcelPage(class_store)
    qtbot.addWidget(page)
    page.file_edit.setText(str(path))
    qtbot.mouseClick(page.check_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: "是空的" in page.result_text.toPlainText(), timeout=20000)
    assert not page.import_button.isEnabled()


def test_import_wizard_cancel_leaves_database_unchanged(qtbot, class_store, tmp_path):
    path = save_rows(tmp_path / "big.xlsx", headers(), demo_rows(1500))
    page = ExcelPage(class_store)
    qtbot.addWidget(page)
    page.file_edit.setText(str(path))
    page.report_check.setChecked(False)
    qtbot.mouseClick(page.check_button, Qt.LeftButton)
    qtbot.waitUntil(page.import_button.isEnabled, timeout=20000)
    job = page.start_import()
    # the clerk presses 取消 on the progress dialog as soon as it reports anything
    cancel_button = job.dialog.findChild(QPushButton)
    job.signals.progressed.connect(lambda *a: cancel_button.click())
    qtbot.waitUntil(lambda: "取消" in page.result_text.toPlainText(), timeout=60000)
    assert "数据未改变" in page.result_text.toPlainText()
    assert _count(class_store) == 0
    assert page.last_result is None


def test_template_and_data_export_buttons(qtbot, demo_store, tmp_path):
    page = ExcelPage(demo_store)
    qtbot.addWidget(page)
    page.export_template(str(tmp_path / "t.xlsx"))
    assert (tmp_path / "t.xlsx").exists()
    page.export_data(str(tmp_path / "d.xlsx"))
    qtbot.waitUntil(lambda: "已导出 360 名学生" in page.result_text.toPlainText(), timeout=60000)


def test_check_step_lists_every_class_sheet_then_imports_them(qtbot, class_store, tmp_path):
    import openpyxl

    h = headers()
    cols = [j for j, name in enumerate(h) if name not in ("班级", "年级")]
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    by_class: dict[str, list[list]] = {}
    for r in demo_rows(60):
        by_class.setdefault(r[h.index("班级")], []).append([r[j] for j in cols])
    for name, rows in list(by_class.items())[:2]:  # sheets named like 小学2026级(1)班, no 班级 column
        ws = wb.create_sheet(name.replace("(", "（").replace(")", "）"))
        ws.append([h[j] for j in cols])
        for row in rows:
            ws.append(row)
    path = tmp_path / "per-class.xlsx"
    wb.save(path)
    page = ExcelPage(class_store)
    qtbot.addWidget(page)
    page.file_edit.setText(str(path))
    qtbot.mouseClick(page.check_button, Qt.LeftButton)
    qtbot.waitUntil(page.import_button.isEnabled, timeout=20000)
    text = page.result_text.toPlainText()
    assert "以上 2 个工作表将一起导入" in text and text.count("按工作表名") == 2
    with qtbot.waitSignal(page.imported, timeout=60000) as blocker:
        qtbot.mouseClick(page.import_button, Qt.LeftButton)
    result = blocker.args[0]
    assert result.rows == sum(len(v) for v in list(by_class.values())[:2]) == _count(class_store)
    assert result.pending == 0


def test_check_step_previews_what_the_import_will_refuse_and_changes_nothing(qtbot, class_store, tmp_path):
    from xueji_desktop.excel.importer import PREVIEW_HEADING

    from .test_dry_run import dump, make_scene, outcome

    scene = make_scene(class_store, tmp_path)
    before = dump(class_store)
    page = ExcelPage(class_store)
    qtbot.addWidget(page)
    page.file_edit.setText(str(scene.path))
    page.report_check.setChecked(False)
    qtbot.mouseClick(page.check_button, Qt.LeftButton)
    qtbot.waitUntil(page.import_button.isEnabled, timeout=20000)
    text = page.result_text.toPlainText()
    assert "表头在第 1 行" in text and "本校还没有文件中的 1 个班级" in text  # the file check, as before
    assert PREVIEW_HEADING in text and "新增 1 人，更新 2 人，未变化 1 人，未导入 2 行" in text
    lines = text.splitlines()
    full = next(r for r in page.preview.refused_rows if r.row + 1 == scene.full_row)
    assert any(f"第{scene.full_row}行" in line and full.name in line and "班额上限" in line for line in lines)
    assert any(f"第{scene.grade1_row}行" in line and "新生注册时间" in line for line in lines)
    assert any(line.strip().startswith("第2行") and "受控字段" in line for line in lines)
    assert f"将新建 1 个班级：{scene.new_class}" in text
    assert dump(class_store) == before
    # the import (建立班级 ticked, as the preview assumed) does what the preview said
    assert page.create_classes_check.isChecked()
    with qtbot.waitSignal(page.imported, timeout=60000) as blocker:
        qtbot.mouseClick(page.import_button, Qt.LeftButton)
    assert outcome(blocker.args[0]) == outcome(page.preview)


def test_unticking_create_classes_marks_the_preview_and_a_new_check_follows_the_choice(qtbot, class_store, tmp_path):
    from .test_dry_run import dump, make_scene

    scene = make_scene(class_store, tmp_path)
    before = dump(class_store)
    page = ExcelPage(class_store)
    qtbot.addWidget(page)
    page.show()  # (clicks reach only a visible checkbox)
    page.file_edit.setText(str(scene.path))
    page.report_check.setChecked(False)
    qtbot.mouseClick(page.check_button, Qt.LeftButton)
    qtbot.waitUntil(page.import_button.isEnabled, timeout=20000)
    assert page.preview.created_classes == [scene.new_class]
    box = page.create_classes_check
    qtbot.mouseClick(box, Qt.LeftButton, pos=QPoint(8, box.height() // 2))  # the clerk unticks it
    assert not page.create_classes_check.isChecked()
    assert "上面的预检是按更改前算的" in page.result_text.toPlainText()
    qtbot.mouseClick(page.check_button, Qt.LeftButton)                # checks again: the preview follows
    qtbot.waitUntil(page.import_button.isEnabled, timeout=20000)
    assert not page.create_classes_check.isChecked()
    assert page.preview.created_classes == [] and scene.new_class in page.preview.missing_classes
    assert "将新建" not in page.result_text.toPlainText() and "这些行将标为待修正" in page.result_text.toPlainText()
    assert dump(class_store) == before
    with qtbot.waitSignal(page.imported, timeout=60000) as blocker:   # and so does the import
        qtbot.mouseClick(page.import_button, Qt.LeftButton)
    assert blocker.args[0].created_classes == [] and blocker.args[0].missing_classes == page.preview.missing_classes
