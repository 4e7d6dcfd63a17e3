"""The 转学 pages driven like a user: the receiving school's request dialog (an error, then fixed), approval
by button, the sending school approving its 转出, and the county seeing each party's state."""

from __future__ import annotations

import pytest

from tests.status.transfer_world import close_all, new_county, new_school
from xueji_desktop.county.changes import decide_county_change
from xueji_desktop.records import transfers as tr

pytestmark = pytest.mark.gui


@pytest.fixture
def world(tmp_path):
    county = new_county(tmp_path, "140106", "迎泽区")
    a = new_school(tmp_path, county, "2114010001", "双塔小学", seed=1)
    b = new_school(tmp_path, county, "2114010002", "桃园小学", seed=2)
    for s in (a, b):
        s.send_up(tmp_path)
    yield county, a, b
    close_all(county)


def _cell(table, row: int, header: str) -> str:
    for c in range(table.columnCount()):
        if table.horizontalHeaderItem(c).text() == header:
            return table.item(row, c).text()
    raise KeyError(header)


def test_transfer_pages_at_both_schools_and_the_county(qtbot, world, tmp_path):
    from xueji_desktop.ui.transfer_page import CountyTransferPage, TransferPage, TransferRequestDialog

    county, a, b = world
    number, name = a.store.query("SELECT id_number, name FROM students ORDER BY id LIMIT 1")[0]
    dialog = TransferRequestDialog(b.store)
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.id_number, number)
    dialog.name.insert(name)
    qtbot.keyClicks(dialog.from_school, a.code)
    dialog.klass.setCurrentIndex(1)
    dialog.submit()
    assert "转学证明" in dialog.error.text() and dialog.request is None
    assert dialog.id_number.text() == number  # nothing typed is lost
    scan = tmp_path / "转学证明.jpg"
    scan.write_bytes(b"\xff\xd8 stamped")
    dialog.evidence.add_file(scan)
    dialog.submit()
    assert dialog.request is not None and dialog.result() == dialog.DialogCode.Accepted

    page_b = TransferPage(b.store)
    qtbot.addWidget(page_b)
    assert page_b.table.rowCount() == 1
    assert _cell(page_b.table, 0, "状态") == "待本校主管领导审核"
    assert "change approve T1" in _cell(page_b.table, 0, "下一步")
    page_b.table.selectRow(0)
    page_b.buttons["approve"].click()
    assert tr.get_request(b.store.conn, 1).state == tr.T_SENT
    assert _cell(page_b.table, 0, "转入学校") == "已同意"

    b.send_up(tmp_path)
    a.get_feedback(tmp_path)
    page_a = TransferPage(a.store)
    qtbot.addWidget(page_a)
    assert _cell(page_a.table, 0, "方向") == "转出" and b.code in _cell(page_a.table, 0, "对方学校")
    page_a.table.selectRow(0)
    page_a.buttons["withdraw"].click()
    assert "只有转入学校可以撤销" in page_a.message.text()
    page_a.buttons["approve"].click()
    change_id = int(page_a.rows[0]["ref"])
    assert _cell(page_a.table, 0, "状态") == "待县级审核"

    a.send_up(tmp_path)
    page_c = CountyTransferPage(county.store)
    qtbot.addWidget(page_c)
    assert _cell(page_c.table, 0, "转出学校") == "已同意" and _cell(page_c.table, 0, "转出地县级") == "未到"
    assert "decide-change" in _cell(page_c.table, 0, "下一步")
    decide_county_change(county.store, a.code, change_id, approve=True)
    page_c.refresh()
    assert _cell(page_c.table, 0, "转出地县级") == "已同意" and _cell(page_c.table, 0, "转入地县级") == "已同意"
    a.get_feedback(tmp_path)
    a.send_up(tmp_path)
    b.get_feedback(tmp_path)
    page_b.refresh()
    assert _cell(page_b.table, 0, "状态") == "已转入"
