"""Changes that need the county travel up in the package and come back decided in the feedback package.

Includes the issue's full year: enrol → transfer out approved by the county (through real packages) →
graduation → roll-over."""

from __future__ import annotations

from datetime import date

import pytest

from tests.conftest import PASSWORD
from xueji_desktop.county.changes import county_change_evidence, decide_county_change, list_county_changes
from xueji_desktop.county.intake import import_package
from xueji_desktop.county.review import make_feedback
from xueji_desktop.county.schools import add_school, make_init_packages
from xueji_desktop.demo import DEMO_SCHOOL, generate_records
from xueji_desktop.errors import BadInput
from xueji_desktop.exchange import school_side
from xueji_desktop.records import changes as ch
from xueji_desktop.records import school_year as sy
from xueji_desktop.records.students import add_student
from xueji_desktop.storage import Store


@pytest.fixture
def leader(demo_path, demo_store):
    store = Store.open(demo_path, "leader", PASSWORD)
    yield store
    store.close()


def _init(county, demo_store, tmp_path) -> str:
    add_school(county, DEMO_SCHOOL["code"], DEMO_SCHOOL["name"], DEMO_SCHOOL["region_code"])
    [init] = make_init_packages(county, [DEMO_SCHOOL["code"]], tmp_path / "init")
    return school_side.apply_init(demo_store, school_side.read_init_package(init))


def _send_up(county, demo_store, tmp_path, fp):
    pkg = school_side.export_package(demo_store, tmp_path / "up", include_pending=True)
    import_package(county, pkg, confirm_fingerprint=fp)


def _send_down(county, demo_store, tmp_path):
    fb = make_feedback(county, DEMO_SCHOOL["code"], tmp_path / "down")
    return school_side.import_feedback(demo_store, fb)


def test_a_full_year_with_the_county_deciding_through_packages(county, demo_store, leader, tmp_path):
    fp = _init(county, demo_store, tmp_path)
    year = sy.current_school_year(demo_store)
    code = DEMO_SCHOOL["code"]
    # enrol a new student in the first grade
    class_id = demo_store.query("SELECT id FROM classes WHERE entry_year = ? LIMIT 1", (year,))[0][0]
    _, record = next(generate_records(1, seed=4242))
    with demo_store.transaction() as tx:
        sid = add_student(tx, record, class_id)
    # transfer out: the clerk applies with evidence, the school's leader approves → waits for the county
    cid = ch.apply_change(demo_store, sid, "转出", effective_date=f"{year + 1}-03-01", reason="随父母迁居外省",
                          evidence=[("转学证明.pdf", b"%PDF-1.4 transfer certificate")])
    assert ch.school_decide(leader, cid, approve=True).status == ch.COUNTY_PENDING
    _send_up(county, demo_store, tmp_path, fp)
    [pending] = list_county_changes(county, code, undecided_only=True)
    assert (pending["change_id"], pending["kind_name"], pending["student_name"]) == (cid, "转出", record["name"])
    assert county_change_evidence(county, code, cid) == [("转学证明.pdf", b"%PDF-1.4 transfer certificate")]
    with pytest.raises(BadInput, match="原因"):
        decide_county_change(county, code, cid, approve=False)
    decide_county_change(county, code, cid, approve=True, reason="同意转出")
    with pytest.raises(BadInput, match="已审核"):
        decide_county_change(county, code, cid, approve=True)
    # roll-over is refused while the change is still open at the school
    with pytest.raises(BadInput, match="未办结"):
        sy.rollover(demo_store, today=date(year + 1, 8, 1))
    result = _send_down(county, demo_store, tmp_path)
    assert result["change_decisions"] == 1
    change = ch.get_change(demo_store.conn, cid)
    assert change.status == ch.EFFECTIVE and change.data["county_reason"] == "同意转出"
    assert ch.enrolment_of(demo_store, sid) == ch.TRANSFERRED
    # graduation of the top grade, then the roll-over
    for (top,) in demo_store.query("SELECT id FROM classes WHERE entry_year = ?", (year - 5,)):
        sy.graduate_class(demo_store, top, "升入初中")
    assert sy.rollover(demo_store, today=date(year + 1, 8, 1)).to_year == year + 1
    # a later package still carries the decided change; the county keeps its decision
    _send_up(county, demo_store, tmp_path, fp)
    assert county.query("SELECT decision FROM county_changes WHERE change_id = ?", (cid,)) == [("approved",)]


def test_county_rejection_comes_back_and_a_repeated_feedback_changes_nothing(county, demo_store, leader, tmp_path):
    fp = _init(county, demo_store, tmp_path)
    code = DEMO_SCHOOL["code"]
    sid = demo_store.query("SELECT id FROM students WHERE status = 'ok' LIMIT 1")[0][0]
    cid = ch.apply_change(demo_store, sid, "其他离校", effective_date="2026-12-01", reason="出家修行",
                          evidence=[("证明.jpg", b"\xff\xd8")])
    ch.school_decide(leader, cid, approve=True)
    _send_up(county, demo_store, tmp_path, fp)
    decide_county_change(county, code, cid, approve=False, reason="证明材料不足")
    assert _send_down(county, demo_store, tmp_path)["change_decisions"] == 1
    change = ch.get_change(demo_store.conn, cid)
    assert change.status == ch.COUNTY_REJECTED and change.data["county_reason"] == "证明材料不足"
    assert ch.enrolment_of(demo_store, sid) == ch.ENROLLED
    # the next feedback repeats the decision; it is not applied twice
    assert _send_down(county, demo_store, tmp_path)["change_decisions"] == 0


def test_county_cli_lists_and_decides(county, demo_store, leader, tmp_path, monkeypatch, capsys):
    from xueji_desktop.cli import main

    fp = _init(county, demo_store, tmp_path)
    sid = demo_store.query("SELECT id FROM students WHERE status = 'ok' LIMIT 1")[0][0]
    cid = ch.apply_change(demo_store, sid, "转出", effective_date="2026-12-01", reason="迁居")
    ch.school_decide(leader, cid, approve=True)
    _send_up(county, demo_store, tmp_path, fp)
    monkeypatch.setenv("XUEJI_PASSWORD", PASSWORD)
    db = ["--db", str(county.path)]
    assert main(["county", "changes", "--undecided", *db]) == 0
    assert "转出" in capsys.readouterr().out
    assert main(["county", "decide-change", DEMO_SCHOOL["code"], str(cid), "--reject", *db]) == 2
    assert "原因" in capsys.readouterr().err
    assert main(["county", "decide-change", DEMO_SCHOOL["code"], str(cid), "--approve", *db]) == 0
    assert county.query("SELECT decision FROM county_changes")[0][0] == "approved"
    capsys.readouterr()
    assert main(["county", "changes", *db]) == 0
    assert capsys.readouterr().out.rstrip().endswith("已同意")  # the names the GUI's 学籍异动 tab shows


def test_county_settings_reach_the_school_in_init_and_feedback(county, demo_store, tmp_path):
    from xueji_desktop.records.changes import (
        apply_county_settings,
        controlled_fields,
        forbidden_kinds,
        set_forbidden_kinds,
    )

    sy.set_class_cap(county, 1, 45, level="county")
    set_forbidden_kinds(county, 1, ["开除"])
    ch.set_controlled_fields(county, ["nationality"])
    fp = _init(county, demo_store, tmp_path)
    assert sy.class_cap(demo_store, 1) == (45, "县级")
    assert forbidden_kinds(demo_store, 1) == {"expel"}
    assert "nationality" in controlled_fields(demo_store)
    with pytest.raises(BadInput, match="不能高于县级"):
        sy.set_class_cap(demo_store, 1, 50)
    # the county tightens the cap later: it arrives with the next feedback package
    _send_up(county, demo_store, tmp_path, fp)
    sy.set_class_cap(county, 1, 40, level="county")
    _send_down(county, demo_store, tmp_path)
    assert sy.class_cap(demo_store, 1) == (40, "县级")
    # a package may set only the county's own settings, never other keys of the school's file
    with pytest.raises(BadInput, match="不允许的设置项"), demo_store.transaction() as tx:
        apply_county_settings(demo_store, tx, {"school_year": "1999"})
    assert demo_store.meta("school_year") != "1999"
