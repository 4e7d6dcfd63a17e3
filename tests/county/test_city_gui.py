"""A city's pages, driven with qtbot (offscreen): importing a county's upward package (fingerprint dialog naming
the county), the student browser and statistics over every county, the feedback to a county."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel, QPushButton

from tests.conftest import PASSWORD
from tests.county.test_city import _two_counties
from tests.exchange.helpers import records
from xueji_desktop.ui.county_browser import CountyStudentsPage
from xueji_desktop.ui.county_pages import CountyImportPage, CountyReviewPage, FingerprintDialog
from xueji_desktop.ui.county_stats_page import CountyStatsPage

pytestmark = pytest.mark.gui


def test_city_imports_a_county_package_in_the_gui(qtbot, chain):
    chain.report("140106", {"2114010068": records(3, seed=51)})
    package = chain.up("140106")
    seen: dict = {}

    def answer():
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, FingerprintDialog):
            QTimer.singleShot(20, answer)
            return
        seen["shown"] = " ".join(label.text() for label in dialog.findChildren(QLabel))
        dialog.typed.setText(chain.fingerprint("140106"))
        dialog.ok_button.click()

    page = CountyImportPage(chain.city)
    qtbot.addWidget(page)
    QTimer.singleShot(0, answer)
    with qtbot.waitSignal(page.imported, timeout=20000) as signal:
        page.import_files([package])
    assert "县（区） 140106迎泽区 第一次上报" in seen["shown"]
    assert chain.fingerprint("140106") not in seen["shown"]
    assert (signal.args[0].county_code, signal.args[0].students) == ("140106", 3)
    assert "140106迎泽区 学生 3 名（学校 1 所）" in page.log.item(0).text()


def test_city_browser_stats_and_feedback_cover_every_county(qtbot, chain, tmp_path):
    _two_counties(chain)
    browser = CountyStudentsPage(chain.city)
    qtbot.addWidget(browser)
    assert browser.model.rowCount() == 12
    assert browser.county_box.isVisibleTo(browser)
    browser.county_box.setCurrentIndex(browser.county_box.findData("140105"))  # one county: 小店区's 4 students
    assert browser.model.rowCount() == 4 and browser.count.text() == "共 4 名"
    browser.county_box.setCurrentIndex(0)
    assert browser.model.rowCount() == 12
    stats = CountyStatsPage(chain.city)
    qtbot.addWidget(stats)
    assert "县（区） 2 个；学校 3 所，已上报 3 所；学生 12 名" in stats.summary.text()
    out = stats.export(str(tmp_path / "city-stats.xlsx"))
    from python_calamine import CalamineWorkbook

    sheet = CalamineWorkbook.from_path(out).get_sheet_by_name("按县区").to_python()
    assert [r[:5] for r in sheet[1:]] == [["140105", "小店区", 1, 1, 4], ["140106", "迎泽区", 2, 2, 8]]
    review = CountyReviewPage(chain.city)
    qtbot.addWidget(review)
    assert [review.school.itemText(i) for i in range(review.school.count())] == ["140105小店区", "140106迎泽区"]
    assert not review.pass_button.isVisibleTo(review)
    review.school.setCurrentIndex(0)
    from unittest import mock

    with mock.patch("xueji_desktop.ui.county_pages.QFileDialog.getExistingDirectory", return_value=str(tmp_path)):
        review.choose_feedback()
    assert "140105小店区_反馈_" in review.status.text()


def test_county_imports_the_city_feedback_in_the_gui(qtbot, chain, tmp_path):
    from xueji_desktop.county.city_feedback import make_city_feedback

    _two_counties(chain)
    package, _n = make_city_feedback(chain.city, "140105", tmp_path / "down")
    page = CountyImportPage(chain.counties["140105"])
    qtbot.addWidget(page)
    page.import_city_feedback(package)
    page.import_city_feedback(package)
    assert "已导入地市反馈" in page.log.item(0).text() and "：2 条" in page.log.item(0).text()
    assert "拒绝" in page.log.item(1).text() and "不比已导入的" in page.log.item(1).text()


def test_city_school_page_lists_counties_adds_one_and_writes_its_init_package(qtbot, chain, tmp_path):
    from xueji_desktop.county.init_package import read_county_init
    from xueji_desktop.ui.county_schools_page import CountySchoolsPage

    page = CountySchoolsPage(chain.city)
    qtbot.addWidget(page)
    panel = page.counties
    assert [panel.table.item(r, 0).text() for r in range(panel.table.rowCount())] == ["140105", "140106"]
    qtbot.keyClicks(panel.code, "140107")
    panel.name.setText("杏花岭区")  # QTest types Latin keys only
    [add] = [b for b in panel.findChildren(QPushButton) if b.text() == "添加县（区）"]
    add.click()
    assert panel.table.rowCount() == 3 and panel.code.text() == ""
    panel.table.selectRow(2)
    path = panel.make_init(str(tmp_path / "down"))
    body, _key = read_county_init(path)
    assert body["county"]["code"] == "140107" and "已写出" in panel.status.text()



def test_county_sees_the_city_findings_in_problems(qtbot, chain, tmp_path, monkeypatch, capsys):
    from xueji_desktop.cli import main
    from xueji_desktop.county.city_feedback import import_city_feedback, make_city_feedback
    from xueji_desktop.ui.package_page import ProblemsPage

    _two_counties(chain)
    package, _n = make_city_feedback(chain.city, "140105", tmp_path / "down")
    xiaodian = chain.counties["140105"]
    import_city_feedback(xiaodian, package)
    page = ProblemsPage(xiaodian)
    qtbot.addWidget(page)
    cells = [[page.table.item(r, c).text() for c in range(6)] for r in range(page.table.rowCount())]
    upper = [row for row in cells if row[0] == "地市反馈"]
    assert {row[1] for row in upper} == {"身份证件号重复", "学籍号重复"}
    assert all(row[2] == "2114010501小店一小" and "140106迎泽区 2114010068双塔西街小学" in row[5] for row in upper)
    monkeypatch.setenv("XUEJI_PASSWORD", PASSWORD)
    assert main(["county", "problems", "--db", str(tmp_path / "140105.xjdb")]) == 0
    assert capsys.readouterr().out.count("地市反馈\tduplicate_") == 2


def test_a_city_file_shows_no_county_only_pages_or_buttons(qtbot, chain, tmp_path):
    """转学 and 招生 are not pages of a city file; 学校名单 has no 生成初始化包…/重置学校密钥…, 审核 no 通过/退回, and
    查找功能 does not offer them. A county's file keeps them all."""
    from xueji_desktop.ui.county_schools_page import CountySchoolsPage
    from xueji_desktop.ui.find_dialogs import collect_functions
    from xueji_desktop.ui.main_window import MainWindow

    city_window, county_window = MainWindow(chain.city), MainWindow(chain.counties["140106"])
    for w in (city_window, county_window):
        qtbot.addWidget(w)
    assert {"转学", "招生"} <= set(county_window.names)
    assert not {"转学", "招生"} & set(city_window.names)
    assert {"学校名单", "问题学籍", "审核", "上报", "营养改善计划"} <= set(city_window.names)
    offered = {f.title for f in collect_functions(city_window)}
    assert "学校名单 › 生成县级初始化包…" in offered and "审核 › 数据审核和反馈 › 生成反馈包…" in offered
    assert "审核 › 学籍异动 › 查看证明材料…" in offered  # a city sees the counties' decisions, makes none
    assert not {"学校名单 › 生成初始化包…", "学校名单 › 重置学校密钥…", "审核 › 数据审核和反馈 › 通过",
                "审核 › 数据审核和反馈 › 退回", "审核 › 学籍异动 › 同意", "审核 › 学籍异动 › 不同意…"} & offered
    assert {"学校名单 › 生成初始化包…", "审核 › 数据审核和反馈 › 通过", "审核 › 学籍异动 › 同意",
            "转学 › 生成县际转学包…"} <= {
        f.title for f in collect_functions(county_window)}
    for store, shown in ((chain.city, False), (chain.counties["140106"], True)):
        page = CountySchoolsPage(store)
        qtbot.addWidget(page)
        assert page.buttons["init"].isVisibleTo(page) is shown and page.buttons["reset"].isVisibleTo(page) is shown
        assert page.buttons["import"].isVisibleTo(page)


def test_the_problems_page_names_the_deciding_level(qtbot, chain):
    """A city's decision reads 市级裁定 on the city's 问题学籍 page, a county's 县级裁定 on its own."""
    from xueji_desktop.county.problems import county_problems, resolve
    from xueji_desktop.ui.package_page import ProblemsPage

    _two_counties(chain)
    [dup] = [p for p in county_problems(chain.city) if p["kind"] == "duplicate_id"]
    resolve(chain.city, dup["id"], "2114010068", "户籍在迎泽区")
    page = ProblemsPage(chain.city)
    qtbot.addWidget(page)
    cells = [page.table.item(r, 5).text() for r in range(page.table.rowCount())]
    assert any("（市级裁定由 2114010068 保留：户籍在迎泽区）" in c for c in cells)
    assert not any("地市裁定" in c or "县级裁定" in c for c in cells)
    assert "给相关县（区）的反馈包" in page.resolve_button.toolTip()

    county = chain.counties["140106"]  # 迎泽区 decides a duplicate between its own two schools
    a = records(2, seed=91)
    b = records(1, seed=92)
    b[0][1]["id_number"] = a[0][1]["id_number"]
    chain.report("140106", {"2114010068": a, "2114010069": b})
    [own] = [p for p in county_problems(county) if p["kind"] == "duplicate_id"]
    resolve(county, own["id"], "2114010069", "在该校就读")
    page = ProblemsPage(county)
    qtbot.addWidget(page)
    cells = [page.table.item(r, 5).text() for r in range(page.table.rowCount())]
    assert any("（县级裁定由 2114010069 保留：在该校就读）" in c for c in cells)
    assert "其他学校的反馈包" in page.resolve_button.toolTip()
