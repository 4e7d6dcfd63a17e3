"""The county's 学籍异动 tab driven like a user, through real packages both ways: a school files 死亡 (with scans)
and 辍学, sends them up; the county finds them on the 审核 page, looks at and saves the evidence, agrees to one,
refuses the other (a reason is required), and the school's next feedback applies both decisions."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from PySide6.QtWidgets import QInputDialog, QLabel, QMessageBox

from tests.conftest import PASSWORD
from tests.status.transfer_world import close_all, new_county, new_school
from xueji_desktop.county.workspace import create_county_store
from xueji_desktop.records import changes as ch

pytestmark = pytest.mark.gui


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(out, "PNG")
    return out.getvalue()


def _cell(table, row: int, header: str) -> str:
    for c in range(table.columnCount()):
        if table.horizontalHeaderItem(c).text() == header:
            return table.item(row, c).text()
    raise KeyError(header)


def _row_of(page, kind: str) -> int:
    return next(i for i, r in enumerate(page.rows) if r["kind_name"] == kind)


@pytest.fixture
def world(tmp_path):
    county = new_county(tmp_path, "140106", "迎泽区")
    school = new_school(tmp_path, county, "2114010001", "双塔小学", students=2)
    school.send_up(tmp_path)
    yield county, school
    close_all(county)


def test_county_decides_school_changes_in_the_gui(qtbot, world, tmp_path, monkeypatch):
    from xueji_desktop.ui.county_changes_page import CountyChangesPage
    from xueji_desktop.ui.main_window import MainWindow

    county, school = world
    (dead, dead_name), (left, _) = school.store.query("SELECT id, name FROM students ORDER BY id")
    scans = [("死亡证明.png", _png()), ("户籍注销证明.pdf", b"%PDF-1.4 stamped")]
    death = ch.apply_change(school.store, dead, "死亡", effective_date="2026-11-02", reason="病故", evidence=scans)
    dropout = ch.apply_change(school.store, left, "辍学", effective_date="2026-11-03", reason="长期不到校",
                              evidence=[("劝返记录.docx", b"PK docx")])
    for cid in (death, dropout):
        assert ch.school_decide(school.store, cid, approve=True).status == ch.COUNTY_PENDING
    school.send_up(tmp_path)

    window = MainWindow(county.store)  # the 审核 page has the tab the 转学 page's hint names
    qtbot.addWidget(window)
    tabs = window.go("审核")
    assert [tabs.tabText(i) for i in range(tabs.count())] == ["数据审核和反馈", "学籍异动"]
    hints = [label.text() for label in window.page("转学").findChildren(QLabel)]
    assert any("“审核”页的“学籍异动”页签" in h and "“同意”" in h for h in hints)
    page = tabs.widget(1)
    assert isinstance(page, CountyChangesPage) and page.undecided.isChecked()
    assert page.table.rowCount() == 2 and page.school.count() == 2  # 全部学校 + the school that sent changes
    row = _row_of(page, "死亡")
    assert (_cell(page.table, row, "姓名"), _cell(page.table, row, "学校填写的原因"), _cell(page.table, row, "状态"),
            _cell(page.table, row, "生效日期")) == (dead_name, "病故", "待县级审核", "2026-11-02")
    assert _cell(page.table, row, "证明材料") == "死亡证明.png、户籍注销证明.pdf"

    # the evidence: shown from memory, saved only where the officer chooses
    assert not page.buttons["evidence"].isEnabled() and not page.buttons["approve"].isEnabled()  # none selected
    page.table.selectRow(row)
    assert page.buttons["evidence"].isEnabled() and page.buttons["approve"].isEnabled()
    page.buttons["evidence"].click()
    dialog = page.evidence_dialog
    assert dialog.list.count() == 2 and not dialog.preview.pixmap().isNull()
    dialog.list.setCurrentRow(1)
    assert "不是图片" in dialog.preview.text()
    (tmp_path / "out").mkdir()
    assert sorted(p.name for p in dialog.save_all(tmp_path / "out")) == ["户籍注销证明.pdf", "死亡证明.png"]
    assert (tmp_path / "out" / "户籍注销证明.pdf").read_bytes() == b"%PDF-1.4 stamped"
    dialog.close()

    page.buttons["approve"].click()
    assert page.table.rowCount() == 1 and "同意" in page.message.text()  # only the undecided one is left
    page.undecided.setChecked(False)
    row = _row_of(page, "死亡")
    assert (_cell(page.table, row, "状态"), _cell(page.table, row, "审核人")) == ("已同意", "admin")
    page.table.selectRow(row)
    assert not page.buttons["approve"].isEnabled() and not page.buttons["reject"].isEnabled()

    # 不同意 needs a reason: refused with the core's message, nothing decided, then with one
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a: warnings.append(text))
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("  ", True))
    page.table.selectRow(_row_of(page, "辍学"))
    page.buttons["reject"].click()
    assert "原因" in warnings[-1] and _cell(page.table, _row_of(page, "辍学"), "状态") == "待县级审核"
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("无辍学证明，请先劝返", True))
    page.table.selectRow(_row_of(page, "辍学"))
    page.buttons["reject"].click()
    row = _row_of(page, "辍学")
    assert (_cell(page.table, row, "状态"), _cell(page.table, row, "县级意见")) == ("未同意", "无辍学证明，请先劝返")
    page.school.setCurrentIndex(1)
    assert page.table.rowCount() == 2 and page.school.currentData() == school.code

    # the decisions travel down in the school's next feedback
    assert school.get_feedback(tmp_path)["change_decisions"] == 2
    assert ch.get_change(school.store.conn, death).status == ch.EFFECTIVE
    assert ch.enrolment_of(school.store, dead) == ch.LEFT
    refused = ch.get_change(school.store.conn, dropout)
    assert refused.status == ch.COUNTY_REJECTED and ch.enrolment_of(school.store, left) == ch.ENROLLED
    window.close()


def test_city_sees_the_list_without_deciding(qtbot, tmp_path):
    from xueji_desktop.ui.county_changes_page import CountyChangesPage

    city, _r, _fp = create_county_store(tmp_path / "city.xjdb", username="admin", password=PASSWORD, level="city",
                                        county={"code": "1401", "name": "太原市", "city_code": "14",
                                                "city_name": "山西省"})
    page = CountyChangesPage(city)
    qtbot.addWidget(page)
    assert page.buttons["approve"].isHidden() and page.buttons["reject"].isHidden()
    assert not page.buttons["evidence"].isHidden() and "县级的工作" in page.refused
    city.close()
