"""The county's student browser and statistics page, driven with qtbot (offscreen)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from python_calamine import CalamineWorkbook

from tests.county.conftest import A, B
from xueji_desktop.ui.county_browser import CountyStudentsPage
from xueji_desktop.ui.county_stats_page import CountyStatsPage

pytestmark = pytest.mark.gui


def test_browser_filters_and_exports(qtbot, merged, tmp_path):
    county, a_records, _b = merged
    page = CountyStudentsPage(county)
    qtbot.addWidget(page)
    assert page.model.rowCount() == 20 and "共 20 名" in page.count.text()
    page.school_box.setCurrentIndex(page.school_box.findData(B.code))
    assert page.model.rowCount() == 8
    assert page.model.index(0, 1).data() == "迎泽实验小学"
    page.school_box.setCurrentIndex(0)
    page.status_box.setCurrentIndex(page.status_box.findText("休学"))
    assert page.model.rowCount() == 3 and "共 3 名" in page.count.text()
    assert {page.model.index(r, 8).data() for r in range(3)} == {"休学"}
    page.status_box.setCurrentIndex(0)
    qtbot.keyClicks(page.search, a_records[3][1]["id_number"][:17])
    assert page.model.rowCount() >= 1
    names = {page.model.index(r, 4).data() for r in range(page.model.rowCount())}
    assert a_records[3][1]["name"] in names
    assert not page.model.flags(page.model.index(0, 4)) & Qt.ItemIsEditable
    page.search.clear()
    page.school_box.setCurrentIndex(page.school_box.findData(A.code))
    out = tmp_path / "a.xlsx"
    page.export(str(out))
    qtbot.waitUntil(lambda: "已导出 12 名学生" in page.exported.text(), timeout=20000)
    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0).to_python()
    assert len(rows) == 13 and {r[1] for r in rows[1:]} == {"双塔西街小学"}


def test_stats_page_shows_schools_and_exports(qtbot, merged, tmp_path):
    county = merged[0]
    page = CountyStatsPage(county)
    qtbot.addWidget(page)
    assert "学校 3 所，已上报 2 所；学生 20 名" in page.summary.text()
    assert page.table.rowCount() == 3 and len(page.charts) == 3
    reported = {page.table.item(r, 0).text(): page.table.item(r, 2).text() for r in range(3)}
    assert reported == {A.code: "是", B.code: "是", "2114010070": "否"}
    out = page.export(str(tmp_path / "stats.xlsx"))
    assert out and "已导出" in page.summary.text()
    assert "按学校" in CalamineWorkbook.from_path(out).sheet_names
