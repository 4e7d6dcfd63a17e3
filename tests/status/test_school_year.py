"""School year: graduation freezes, reversal, roll-over preconditions, class caps, yearly report, a full year."""

from __future__ import annotations

from datetime import date

import pytest

from tests.conftest import PASSWORD, county_sends
from xueji_desktop.errors import BadInput, PermissionDenied
from xueji_desktop.records import changes as ch
from xueji_desktop.records import school_year as sy
from xueji_desktop.records.students import add_student, get_student, public_record, update_student
from xueji_desktop.storage import Store

YEAR = sy.current_school_year  # alias for readability


def _class(store, entry_year, number=1):
    return store.query("SELECT id FROM classes WHERE entry_year = ? AND number = ?", (entry_year, number))[0][0]


def _graduate_all_top(store, year):
    for (cid,) in store.query("SELECT id FROM classes WHERE entry_year = ?", (year - 5,)):
        sy.graduate_class(store, cid, "升入初中")


def test_graduation_freezes_basic_info_and_can_be_reverted(demo_store):
    year = YEAR(demo_store)
    with pytest.raises(BadInput, match="不是毕业年级"):
        sy.graduate_class(demo_store, _class(demo_store, year), "升入初中")
    top = _class(demo_store, year - 5)
    result = sy.graduate_class(demo_store, top, "升入初中")
    assert result.graduated == demo_store.query("SELECT count(*) FROM students WHERE class_id = ?", (top,))[0][0]
    sid = demo_store.query("SELECT id FROM students WHERE class_id = ? LIMIT 1", (top,))[0][0]
    record = public_record(get_student(demo_store, sid))
    with pytest.raises(PermissionDenied, match="已毕业"), demo_store.transaction() as tx:
        update_student(tx, sid, {**record, "current_address": "新地址新地址新地址"})
    with pytest.raises(BadInput, match="已毕业"):
        ch.apply_change(demo_store, sid, "休学", effective_date="2027-01-01", reason="x", evidence=[("a", b"b")])
    assert sy.revert_graduation(demo_store, [sid], "误操作") == 1
    with demo_store.transaction() as tx:
        update_student(tx, sid, {**record, "current_address": "新地址新地址新地址"})


def test_rollover_preconditions_and_effect(demo_store, demo_path):
    year = YEAR(demo_store)
    with pytest.raises(BadInput, match="8 月 1 日"):
        sy.rollover(demo_store, today=date(year + 1, 7, 31))
    with pytest.raises(BadInput, match="未办理毕业"):
        sy.rollover(demo_store, today=date(year + 1, 8, 1))
    _graduate_all_top(demo_store, year)
    sid = demo_store.query("SELECT id FROM students WHERE enrolment = 'enrolled' LIMIT 1")[0][0]
    cid = ch.apply_change(demo_store, sid, "休学", effective_date=f"{year + 1}-05-01", reason="病",
                          evidence=[("a.pdf", b"x")])
    with pytest.raises(BadInput, match=f"#{cid} 休学"):
        sy.rollover(demo_store, today=date(year + 1, 8, 1))
    ch.withdraw(demo_store, cid)
    grade_before = get_student(demo_store, sid)["grade"]
    result = sy.rollover(demo_store, today=date(year + 1, 8, 1), new_classes={1: 2})
    assert (result.from_year, result.to_year) == (year, year + 1)
    assert result.new_classes == [f"{year + 1}101", f"{year + 1}102"]
    assert int(get_student(demo_store, sid)["grade"]) == int(grade_before) + 1
    with pytest.raises(BadInput, match="8 月 1 日"):  # not twice in one year
        sy.rollover(demo_store, today=date(year + 1, 9, 1))


def test_class_caps_top_down(demo_store):
    year = YEAR(demo_store)
    cid = _class(demo_store, year)
    n = demo_store.query("SELECT count(*) FROM students WHERE class_id = ?", (cid,))[0][0]
    county_sends(demo_store, {"class_cap.county.1": str(n + 5)})
    with pytest.raises(BadInput, match="不能高于县级"):
        sy.set_class_cap(demo_store, 1, n + 6)
    sy.set_class_cap(demo_store, 1, n)
    assert sy.class_cap(demo_store, 1) == (n, "学校")
    from xueji_desktop.demo import generate_records

    _, record = next(generate_records(1, seed=77))
    with pytest.raises(BadInput, match=f"班额上限 {n} 人"), demo_store.transaction() as tx:
        add_student(tx, record, cid)
    assert demo_store.query("SELECT count(*) FROM students WHERE class_id = ?", (cid,))[0][0] == n


def test_change_report_window_and_excel(demo_store, tmp_path):
    from openpyxl import load_workbook

    year = YEAR(demo_store)
    sid = demo_store.query("SELECT id FROM students LIMIT 1")[0][0]
    ch.apply_change(demo_store, sid, "休学", effective_date=f"{year}-10-08", reason="病", evidence=[("a", b"x")])
    start, end = sy.report_window(year)
    assert (start, end) == (f"{year}-09-16", f"{year + 1}-09-15")
    rows = sy.change_report(demo_store, start, end)
    assert [r["异动类型"] for r in rows] == ["休学"]
    assert sy.change_report(demo_store, *sy.report_window(year - 1)) == []
    out = sy.write_change_report(rows, tmp_path / "r.xlsx")
    ws = load_workbook(out).active
    assert ws["E2"].value == "休学" and ws["C2"].value == rows[0]["身份证件号"]


def test_a_full_school_year(demo_store, demo_path):
    """Enrol → transfer out approved by the county → graduation → roll-over."""
    from xueji_desktop.demo import generate_records

    leader = Store.open(demo_path, "leader", PASSWORD)
    try:
        year = YEAR(demo_store)
        cid = _class(demo_store, year)
        _, record = next(generate_records(1, seed=2027))
        with demo_store.transaction() as tx:
            sid = add_student(tx, record, cid)
        change = ch.apply_change(demo_store, sid, "转出", effective_date=f"{year + 1}-03-01", reason="迁居")
        assert ch.school_decide(leader, change, approve=True).status == ch.COUNTY_PENDING
        with pytest.raises(BadInput, match="未办结"):
            sy.rollover(demo_store, today=date(year + 1, 8, 1))
        ch.county_decide(demo_store, change, approve=True, reason="同意转出")
        _graduate_all_top(demo_store, year)
        result = sy.rollover(demo_store, today=date(year + 1, 8, 2), new_classes={1: 1})
        assert result.to_year == year + 1
        assert ch.enrolment_of(demo_store, sid) == ch.TRANSFERRED
        kinds = [r["异动类型"] for r in sy.change_report(demo_store, *sy.report_window(year))]
        assert "转出" in kinds and "毕业" in kinds
    finally:
        leader.close()
