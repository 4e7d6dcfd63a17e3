"""The county's 学校名单 and 县级规则 pages, driven with qtbot: a bad list refused whole with row and column named,
a good one imported, 标识码核对, edit through the dialog, remove refused for a school with data; rules edited at the
county, carried by a real init package and shown read-only at the school with the county named."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QDate, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QLabel, QMessageBox

from tests.county.test_school_list import GOOD, sheet
from tests.exchange.helpers import FakeSchool, county_public, records, write
from xueji_desktop.county.intake import import_package
from xueji_desktop.county.rules import county_rules
from xueji_desktop.county.schools import add_school, list_schools, make_init_packages
from xueji_desktop.demo import DEMO_SCHOOL
from xueji_desktop.exchange import school_side
from xueji_desktop.storage import Store
from xueji_desktop.ui.county_schools_page import HEADERS, CountySchoolsPage, SchoolEditDialog
from xueji_desktop.ui.rules_page import CountyRulesPage, SchoolRulesPage

pytestmark = pytest.mark.gui


def _column(page: CountySchoolsPage, header: str) -> list[str]:
    col = HEADERS.index(header)
    return [page.table.item(r, col).text() for r in range(page.table.rowCount())]


def _click(qtbot, page, key: str) -> None:
    from PySide6.QtCore import Qt

    qtbot.mouseClick(page.buttons[key], Qt.LeftButton)


def test_school_list_import_verify_edit_remove(qtbot, county, tmp_path, monkeypatch, message_boxes):
    page = CountySchoolsPage(county)
    qtbot.addWidget(page)
    bad = sheet(tmp_path / "bad.xlsx", [GOOD[0], ("2114010068", "又一所", "140106001000", "")])
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(bad), ""))
    _click(qtbot, page, "import")
    assert "第 3 行“学校标识码”列：学校标识码 2114010068与第 2 行重复" in message_boxes[-1][1]
    assert page.table.rowCount() == 0 and list_schools(county, placeholders=True) == []

    good = sheet(tmp_path / "good.xlsx", GOOD)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(good), ""))
    _click(qtbot, page, "import")
    assert "新增 4 所" in page.message.text()
    assert _column(page, "学校名称") == ["双塔西街小学", "迎泽实验小学", "郝庄村小", "马庄村小"]
    assert _column(page, "待补标识码") == ["", "", "是", "是"]
    assert _column(page, "享受营养餐")[:3] == ["是", "否", "是"]
    assert "另有 2 所待补标识码" in page.count.text()

    _click(qtbot, page, "verify")
    assert page.findings.rowCount() == 2 and "2 处需要处理" in page.findings_summary.text()
    assert {page.findings.item(r, 1).text() for r in range(2)} == {"郝庄村小", "马庄村小"}

    # 编辑…: the placeholder gets its real 标识码 through the dialog, and moves into the list
    page.select("郝庄村小")

    def fill_dialog():
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, SchoolEditDialog):
            QTimer.singleShot(20, fill_dialog)
            return
        dialog.code.setText("2114010071")
        dialog.accept()

    QTimer.singleShot(0, fill_dialog)
    _click(qtbot, page, "edit")
    assert "2114010071" in _column(page, "学校标识码") and _column(page, "待补标识码").count("是") == 1
    _click(qtbot, page, "verify")
    assert page.findings.rowCount() == 1

    # a bad code typed in the dialog: the core's message, nothing changed
    assert page.edit("2114010071", "", "", "21140100") is False
    assert "应为 10 位数字" in message_boxes[-1][1] and "2114010071" in _column(page, "学校标识码")

    # 删除: refused for a school whose data the county holds, done (after 是) for one without
    school = FakeSchool.new("2114010068", "双塔西街小学")
    import_package(county, write(tmp_path, "a.xjpkg", school.package(county_public(county), records(2))),
                   confirm_fingerprint=school.fingerprint)
    page.refresh()
    assert _column(page, "学段")[0] == "小学" and _column(page, "学生数")[0] == "2"
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Yes)
    page.select("2114010068")
    _click(qtbot, page, "remove")
    assert "已导入过它的上报数据，不能删除" in message_boxes[-1][1]
    page.select("2114010069")
    _click(qtbot, page, "remove")
    assert _column(page, "学校标识码") == ["2114010068", "2114010071", "0000000000"]


def test_rules_set_at_the_county_reach_the_school_read_only(qtbot, county, demo_store, tmp_path, message_boxes):
    from PySide6.QtCore import Qt

    page = CountyRulesPage(county)
    qtbot.addWidget(page)
    page.caps[1].setValue(40)
    page.forbidden[(1, "dropout")].setChecked(True)
    on, start, end = page.windows["new_students"]
    on.setChecked(True)
    start.setDate(QDate(2024, 9, 1))
    end.setDate(QDate(2024, 10, 15))
    page.entry_age.setValue(6)
    page.fields["nationality"].setChecked(True)
    qtbot.mouseClick(page.save_button, Qt.LeftButton)
    assert "已保存 5 项修改" in page.message.text()
    rules = county_rules(county)
    assert rules["class_caps"]["小学"] == {"cap": 40, "set_by": "县级"}
    assert "辍学" in rules["forbidden_changes"]["小学"] and "辍学" not in rules["forbidden_changes"]["初中"]
    assert rules["windows"]["新生注册"] == "09-01～10-15" and rules["entry_age_grade1"] == 6
    assert "nationality" in rules["controlled_fields"]

    # a clerk without 系统管理员 may not change the caps: refused before anything is written
    county.add_user("luru", "clerk-pass-1", "clerk")
    clerk = Store.open(county.path, "luru", "clerk-pass-1")
    try:
        as_clerk = CountyRulesPage(clerk)
        qtbot.addWidget(as_clerk)
        as_clerk.caps[1].setValue(50)
        as_clerk.entry_age.setValue(7)
        assert as_clerk.save() is False and "系统管理员" in message_boxes[-1][1]
        assert county_rules(clerk) == rules and as_clerk.caps[1].value() == 40
    finally:
        clerk.close()

    shown = SchoolRulesPage(demo_store)  # open before the package arrives: shown again, it reads the rules anew
    qtbot.addWidget(shown)
    assert "还没有载入县级的初始化包" in shown.intro.text()
    add_school(county, DEMO_SCHOOL["code"], DEMO_SCHOOL["name"], DEMO_SCHOOL["region_code"])
    [init] = make_init_packages(county, [DEMO_SCHOOL["code"]], tmp_path / "init")
    school_side.apply_init(demo_store, school_side.read_init_package(init))
    shown.show()
    assert "由 140106迎泽区 设置" in shown.intro.text()
    texts = [label.text() for label in shown.findChildren(QLabel)]
    assert "40 人（县级）" in texts and "09-01～10-15" in texts and "8 月 31 日前满 6 周岁" in texts
    assert any("辍学" in t for t in texts) and any("国籍/地区" in t for t in texts)
    assert not [w for w in shown.findChildren(QLabel) if w.textInteractionFlags() & Qt.TextEditable]
