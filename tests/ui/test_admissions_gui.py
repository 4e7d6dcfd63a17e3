"""招生入学 pages on real widgets: the school takes the county's list into a class (the under-age child named,
the rest taken only when the clerk says so), admits one child itself within the plan, asks for another plan and
imports a 学前调档 list off the UI thread; the county sets a plan, decides a request, imports a list with a bad
row and decides a 重复招生."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QPushButton

from tests.exchange.helpers import FakeSchool
from tests.records.admission_lists import CODE, children, list_row, send_down, too_young, write_list

pytestmark = pytest.mark.gui


def _in_dialog(fill, tries: int = 100) -> list[str]:
    """Once the modal dialog a click opens is up, ``fill`` it (real widgets). A dialog still open afterwards
    (it refused what was filled in) is closed, its red line kept in the list returned."""
    refused: list[str] = []

    def attempt(left: int = tries) -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, QDialog):
            fill(dialog)
            if dialog.isVisible():
                refused.append(dialog.error.text())
                dialog.reject()
        elif left:
            QTimer.singleShot(20, lambda: attempt(left - 1))
    QTimer.singleShot(0, attempt)
    return refused


def _ok(dialog) -> None:
    from PySide6.QtWidgets import QDialogButtonBox

    dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.Ok).click()


def _select_rows(table, rows) -> None:
    from PySide6.QtCore import QItemSelectionModel

    table.clearSelection()
    for r in rows:
        table.selectionModel().select(table.model().index(r, 0),
                                      QItemSelectionModel.Select | QItemSelectionModel.Rows)


@pytest.fixture
def school_page(qtbot, county, demo_store, linked, tmp_path):
    from xueji_desktop import school
    from xueji_desktop.county import admissions as county_adm
    from xueji_desktop.county import rules
    from xueji_desktop.records import admissions as adm
    from xueji_desktop.ui.admissions_page import AdmissionsPage

    year = linked
    enrolled = adm.plan_use(demo_store.conn, 1, year).enrolled
    county_adm.set_plan(county, CODE, 1, year, enrolled + 4)
    rules.set_window(county, "new_students", "09-01", "09-30")
    rules.set_entry_age(county, 6)
    kids = children(year, 4, seed=31)
    kids[2] = too_young(kids[2], year)
    write_list(tmp_path / "l.xlsx", [list_row(CODE, year, k) for k in kids[:3]])
    county_adm.import_list(county, tmp_path / "l.xlsx")
    send_down(county, demo_store, tmp_path, "down1")
    with demo_store.transaction() as tx:
        cls = school.add_class(tx, year, 1, 9)
    page = AdmissionsPage(demo_store, today=date(year, 9, 10))
    qtbot.addWidget(page)
    page.resize(1100, 720)
    page.show()
    return page, year, cls, kids


def test_school_takes_the_list_into_a_class_and_admits_within_the_plan(qtbot, school_page, demo_store,
                                                                        message_boxes, monkeypatch):
    page, year, cls, kids = school_page
    assert page.plans_table.rowCount() == 1 and page.plans_table.item(0, 5).text() == "1"  # 4 - 3 offered
    assert [page.list_table.item(r, 3).text() for r in range(3)] == [k["name"] for k in kids[:3]]
    before = demo_store.query("SELECT count(*) FROM students")
    # 接收到班级…: all three; the under-age child is named and, answered No, nothing changes
    _select_rows(page.list_table, [0, 1, 2])
    _in_dialog(lambda d: (d.klass.setCurrentIndex(d.klass.findData(cls.class_code)), _ok(d)))
    page.accept_button.click()
    qtbot.waitUntil(lambda: any(k == "question" for k, _ in message_boxes), timeout=20000)
    asked = message_boxes[-1][1]
    assert kids[2]["name"] in asked and "未满 6 周岁" in asked and "只录取其余 2 名" in asked
    assert demo_store.query("SELECT count(*) FROM students") == before
    # answered Yes: the other two are taken; the young child stays 待录取
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Yes)
    _in_dialog(lambda d: (d.klass.setCurrentIndex(d.klass.findData(cls.class_code)), _ok(d)))
    page.accept_button.click()
    qtbot.waitUntil(lambda: "已录取 2 名新生" in page.message.text(), timeout=20000)
    states = [page.list_table.item(r, 7).text() for r in range(3)]
    assert states == ["已录取入班", "已录取入班", "待录取"]
    assert page.list_table.item(0, 8).text() == cls.name and page.list_table.item(0, 9).text().startswith("L")
    # the young child with an early-entry reason typed in the dialog: taken, the reason in the log
    _select_rows(page.list_table, [2])
    _in_dialog(lambda d: (d.klass.setCurrentIndex(d.klass.findData(cls.class_code)),
                          d.age_reason.setText("县教育局批准提前入学"), _ok(d)))
    page.accept_button.click()
    qtbot.waitUntil(lambda: "已录取 1 名新生" in page.message.text(), timeout=20000)
    assert demo_store.query("SELECT count(*) FROM audit_log WHERE changes LIKE '%县教育局批准提前入学%'") == [(1,)]
    # 自主招生…: one place is left (4 - 3 taken); the next is refused naming the plan and count
    def admit(d, kid):
        d.klass.setCurrentIndex(d.klass.findData(cls.class_code))
        d.name.setText(kid["name"])
        d.id_number.setText(kid["id_number"])
        d.ethnicity.setCurrentText("汉族")
        d.guardian.setText("王刚")
        _ok(d)
    refused = _in_dialog(lambda d: admit(d, kids[3]))
    page.self_button.click()
    assert refused == [] and f"已自主招生：{kids[3]['name']}" in page.message.text()
    refused = _in_dialog(lambda d: admit(d, children(year, 1, seed=99)[0]))
    page.self_button.click()
    assert refused and f"超出招生计划：本校 {year} 年小学招生计划" in refused[0]
    # 申请调整…
    def request(d):
        d.year.setValue(year)
        d.count.setValue(60)
        d.reason.setText("学区新建小区，适龄儿童增加")
        _ok(d)
    _in_dialog(request)
    page.request_button.click()
    assert page.requests_table.isVisibleTo(page) and page.requests_table.item(0, 5).text() == "待县级审核"


def test_school_imports_a_preschool_list_off_the_ui_thread(qtbot, school_page, demo_store, tmp_path,
                                                          message_boxes, monkeypatch):
    import openpyxl

    page, year, cls, _kids = school_page
    kids = children(year, 2, seed=41)
    wb = openpyxl.Workbook()
    wb.active.append(["幼儿姓名", "幼儿身份证号", "幼儿民族", "家长姓名"])
    for k in [*kids, kids[0]]:
        wb.active.append([k["name"], k["id_number"], "汉族", "王刚"])
    wb.save(tmp_path / "学前调档.xlsx")

    def fill(d):
        d.path.setText(str(tmp_path / "学前调档.xlsx"))
        d.klass.setCurrentIndex(d.klass.findData(cls.class_code))
        _ok(d)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: message_boxes.append(("question", a[2]))
                        or QMessageBox.Yes)
    _in_dialog(fill)
    page.preschool_button.click()
    qtbot.waitUntil(lambda: "已注册 2 名一年级新生" in page.message.text(), timeout=20000)
    assert "第4行" in message_boxes[-1][1] and "与第 2 行重复" in message_boxes[-1][1]
    assert "第4行" in page.message.text()
    assert demo_store.query("SELECT count(*) FROM students WHERE class_id = ?", (cls.id,)) == [(2,)]


def test_county_sets_plans_decides_requests_imports_a_list_and_decides_duplicates(qtbot, county, tmp_path,
                                                                                  message_boxes, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    from xueji_desktop.county import admissions as county_adm
    from xueji_desktop.county.schools import add_school
    from xueji_desktop.demo import DEMO_SCHOOL
    from xueji_desktop.ui.county_admissions_page import CountyAdmissionsPage

    add_school(county, CODE, DEMO_SCHOOL["name"], DEMO_SCHOOL["region_code"])
    other = FakeSchool.new("2114010099", "另一小学")
    other.register(county)
    page = CountyAdmissionsPage(county)
    qtbot.addWidget(page)
    page.resize(1100, 760)
    page.show()
    buttons = {b.text(): b for b in page.findChildren(QPushButton)}
    for code in (CODE, other.code):
        def plan(d, code=code):
            d.school.setCurrentIndex(d.school.findData(code))
            d.year.setValue(2027)
            d.count.setValue(2)
            _ok(d)
        _in_dialog(plan)
        buttons["设置计划…"].click()
    assert [page.plans_table.item(r, 0).text() for r in range(2)] == [CODE, other.code]
    # a request from a school (as its package brings it), approved here
    with county.transaction() as tx:
        county_adm.store_plan_requests(tx, CODE, [{"request_id": 1, "stage": 1, "year": 2027, "count": 3,
                                                   "reason": "新小区入住", "requested_at": "2027-03-01"}])
    page.refresh()
    page.requests_table.selectRow(0)
    buttons["批准申请"].click()
    assert page.requests_table.item(0, 7).text() == "已批准" and page.plans_table.item(0, 4).text() == "3"
    # the list: a row for an unknown school is named; answered Yes, the rest goes in; one child twice
    kids = children(2027, 3, seed=51)
    rows = [list_row(CODE, 2027, k) for k in kids[:2]] + [list_row(other.code, 2027, kids[1]),
                                                             list_row("2114019999", 2027, kids[2])]
    path = write_list(tmp_path / "招生结果.xlsx", rows)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: message_boxes.append(("question", a[2]))
                        or QMessageBox.Yes)
    buttons["导入招生结果…"].click()
    qtbot.waitUntil(lambda: "已导入 3 条录取记录" in page.message.text(), timeout=20000)
    assert "第5行" in message_boxes[-1][1] and "2114019999 不在本县学校名单中" in message_boxes[-1][1]
    assert page.duplicates_table.rowCount() == 2
    assert {page.duplicates_table.item(r, 0).text() for r in range(2)} == {kids[1]["id_number"]}
    page.duplicates_table.selectRow(0)
    buttons["保留在所选学校…"].click()
    assert page.duplicates_table.rowCount() == 0 and "已保留在" in page.message.text()
    assert county_adm.duplicates(county) == []
    # the template
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(tmp_path / "模板.xlsx"), ""))
    buttons["导出招生结果模板…"].click()
    assert (tmp_path / "模板.xlsx").is_file()
