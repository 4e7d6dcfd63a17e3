"""A city's 营养改善计划 page (read-only: each county's plan, the city total, the workbook) and the labels that name
the open file's level, driven with qtbot (offscreen)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QPushButton
from python_calamine import CalamineWorkbook

from tests.county.test_city_nutrition import YINGZE, _county_plan, _send_up
from tests.exchange.helpers import records
from xueji_desktop.county import nutrition as nu
from xueji_desktop.ui.county_schools_page import CountySchoolsPage
from xueji_desktop.ui.nutrition_page import CountyNutritionPage

pytestmark = pytest.mark.gui


def _visible_buttons(page) -> set[str]:
    return {b.text() for b in page.findChildren(QPushButton) if b.isVisibleTo(page)}


def test_city_page_shows_each_countys_plan_read_only(qtbot, chain, tmp_path):
    chain.report(YINGZE, {"2114010068": records(4, seed=81)})
    _county_plan(chain.counties[YINGZE], "2114010068")
    own = nu.compute_nutrition_stats(chain.counties[YINGZE])
    _send_up(chain)
    page = CountyNutritionPage(chain.city)
    qtbot.addWidget(page)
    cells = [[page.counties.item(r, c).text() for c in range(page.counties.columnCount())]
             for r in range(page.counties.rowCount())]
    assert cells[0][:3] == ["140105", "小店区", "未上报营养计划"]
    assert cells[1][:3] == [YINGZE, "迎泽区", "已上报"] and cells[1][-1] == str(own.subsidy)
    assert cells[-1][0] == "合计" and cells[-1][-1] == str(own.subsidy)
    assert f"每学期补助 {own.subsidy} 元" in page.summary.text() and "140105小店区" in page.summary.text()
    assert page.contacts.item(0, 0).text() == "迎泽区" and page.contacts.item(0, 3).text() == "张国强"
    assert {"设为享受", "添加责任人", "保存补助标准", "生成初始化包…"}.isdisjoint(_visible_buttons(page))
    assert {"刷新", "导出到 Excel…"} <= _visible_buttons(page)
    out = page.export(str(tmp_path / "全市.xlsx"))
    sheets = CalamineWorkbook.from_path(str(out)).sheet_names
    assert sheets == ["按县区", "学校×学段", "县级责任体系"]


def test_county_page_keeps_its_edit_controls(qtbot, chain):
    page = CountyNutritionPage(chain.counties[YINGZE])
    qtbot.addWidget(page)
    assert {"设为享受", "添加责任人", "保存补助标准", "生成初始化包…"} <= _visible_buttons(page)


def test_school_list_labels_name_the_level(qtbot, chain):
    for store, own, level in ((chain.city, "本市", "市级"), (chain.counties[YINGZE], "本县", "县级")):
        page = CountySchoolsPage(store)
        qtbot.addWidget(page)
        assert f"区划属{own}" in page.buttons["verify"].toolTip()
        assert f"{level}签名密钥指纹" in page.key_label.text()
