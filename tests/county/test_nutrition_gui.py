"""The county's 营养改善计划 page and the school's read-only view of it, driven with qtbot (offscreen)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QPushButton, QTableWidgetSelectionRange
from python_calamine import CalamineWorkbook

from tests.county.conftest import A, B
from xueji_desktop.county import nutrition as nu
from xueji_desktop.county.schools import make_init_packages
from xueji_desktop.exchange import school_side
from xueji_desktop.ui.nutrition_page import CountyNutritionPage

pytestmark = pytest.mark.gui


def _select(table, first_cells: set[str]) -> None:
    """Select the rows whose first cell is one of ``first_cells`` (as a clerk's Ctrl+clicks would)."""
    table.clearSelection()
    for r in range(table.rowCount()):
        if table.item(r, 0).text() in first_cells:
            table.setRangeSelected(QTableWidgetSelectionRange(r, 0, r, table.columnCount() - 1), True)


def _button(page, text: str):
    [button] = [b for b in page.findChildren(QPushButton) if b.text() == text]
    return button


def test_page_drives_the_plan(qtbot, merged, tmp_path, monkeypatch):
    county = merged[0]
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a: warnings.append(text))
    page = CountyNutritionPage(county)
    qtbot.addWidget(page)
    assert page.schools.rowCount() == 3 and "享受营养餐的学校 0 所" in page.summary.text()

    _select(page.schools, {A.code, B.code})
    qtbot.mouseClick(_button(page, "设为享受"), Qt.LeftButton)
    assert {s["code"] for s in nu.nutrition_schools(county) if s["nutrition"]} == {A.code, B.code}
    assert "享受营养餐的学校 2 所（已上报 2 所）；在校学生 17 名；每学期补助 0.00 元" in page.summary.text()
    assert "小学还没有补助标准" in page.stats_label.text()

    page.role.setCurrentText("县级牵头部门")
    page.unit.setText("迎泽区教育局")  # QTest types Latin-1 only
    page.person.setText("张国强")
    qtbot.keyClicks(page.phone, "4041234")
    qtbot.mouseClick(_button(page, "添加责任人"), Qt.LeftButton)
    assert "须带区号" in warnings[-1] and page.contacts.rowCount() == 0 and page.phone.text() == "4041234"
    page.phone.setText("0351 4041234")
    qtbot.mouseClick(_button(page, "添加责任人"), Qt.LeftButton)
    assert page.contacts.rowCount() == 1 and page.contacts.item(0, 4).text() == "0351-4041234"
    assert page.unit.text() == ""

    page.yuan[1].setText("5.5")
    page.yuan[2].setText("abc")
    page.days.setValue(90)
    qtbot.mouseClick(_button(page, "保存补助标准"), Qt.LeftButton)
    assert "初中" in warnings[-1] and "不是金额" in warnings[-1]
    assert nu.standards(county) == {} and nu.school_days(county) == 100  # nothing half-saved
    page.yuan[2].setText("")
    page.days.setValue(90)
    qtbot.mouseClick(_button(page, "保存补助标准"), Qt.LeftButton)
    assert nu.standards(county) == {1: Decimal("5.50")} and nu.school_days(county) == 90
    # 17 在校 × 5.50 × 90
    assert "每学期补助 8415.00 元" in page.summary.text() and page.yuan[1].text() == "5.50"
    cells = {(page.stats_table.item(r, 0).text(), page.stats_table.item(r, 6).text())
             for r in range(page.stats_table.rowCount())}
    assert cells == {(A.code, "4455.00"), (B.code, "3960.00")}

    _select(page.schools, {B.code})
    qtbot.mouseClick(_button(page, "设为不享受"), Qt.LeftButton)
    assert "每学期补助 4455.00 元" in page.summary.text()
    paths = page.make_packages(str(tmp_path / "init"))
    assert [p.name[:10] for p in paths] == [A.code]

    out = page.export(str(tmp_path / "营养.xlsx"))
    assert out and "已导出" in page.summary.text()
    assert CalamineWorkbook.from_path(out).get_sheet_by_name("按学校").to_python()[-1] == ["合计", "", 9, 4455.0]

    _select(page.contacts, {"1"})
    qtbot.mouseClick(_button(page, "删除所选责任人"), Qt.LeftButton)
    assert page.contacts.rowCount() == 0 and nu.list_contacts(county) == []


def test_school_shows_the_plan_read_only(qtbot, county, empty_store, tmp_path):
    from xueji_desktop.county.schools import add_school
    from xueji_desktop.demo import DEMO_SCHOOL
    from xueji_desktop.ui.school_page import SchoolInfoPage

    page = SchoolInfoPage(empty_store)
    qtbot.addWidget(page)
    assert "还没有收到" in page.plan.text()
    add_school(county, DEMO_SCHOOL["code"], DEMO_SCHOOL["name"], DEMO_SCHOOL["region_code"])
    nu.set_participation(county, [DEMO_SCHOOL["code"]], True)
    nu.set_standard(county, "小学", "5")
    nu.add_contact(county, "县级牵头部门", "迎泽区教育局", "张国强", "0351-4041234")
    [init] = make_init_packages(county, [DEMO_SCHOOL["code"]], tmp_path / "init")
    school_side.apply_init(empty_store, school_side.read_init_package(init))
    page.load()
    text = page.plan.text()
    assert "本校享受营养餐（由 140106迎泽区 设置）" in text and "小学 5.00 元/生/天" in text
    assert "迎泽区教育局" in text and "0351-4041234" in text
