"""恢复入学资格 after 退学/辍学, 结业 and 肄业 (seed 001's status-change table): who may, what it does to the
record (read-only, counted apart), and the county's per-stage switches."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD, county_sends
from xueji_desktop.errors import BadInput
from xueji_desktop.records import changes as ch
from xueji_desktop.records import school_year as sy
from xueji_desktop.records.students import get_student, public_record, update_student
from xueji_desktop.stats import compute_stats
from xueji_desktop.storage import Store

EVIDENCE = [("证明.pdf", b"%PDF-1.4 scanned certificate")]


@pytest.fixture
def leader(demo_path, demo_store):
    store = Store.open(demo_path, "leader", PASSWORD)
    yield store
    store.close()


def _students(store, n: int) -> list[int]:
    return [r[0] for r in store.query("SELECT id FROM students WHERE status = 'ok' ORDER BY id LIMIT ?", (n,))]


def _effective(store, leader, sid, kind, **kw) -> ch.ChangeRecord:
    cid = ch.apply_change(store, sid, kind, effective_date="2026-11-01", reason="依规办理", evidence=EVIDENCE, **kw)
    change = ch.school_decide(leader, cid, approve=True)
    if change.status == ch.COUNTY_PENDING:
        change = ch.county_decide(store, cid, approve=True, reason="同意")
    assert change.status == ch.EFFECTIVE
    return change


def test_readmission_after_dropout_but_not_after_death_or_transfer(demo_store, leader):
    dropout, dead, moved = _students(demo_store, 3)
    with pytest.raises(BadInput, match="不能办理恢复入学资格"):
        ch.apply_change(demo_store, dropout, "恢复入学资格", effective_date="2026-11-01", reason="x", evidence=EVIDENCE)
    _effective(demo_store, leader, dropout, "辍学")
    assert ch.enrolment_of(demo_store, dropout) == ch.LEFT
    target = demo_store.query("SELECT class_id FROM students WHERE id = ?", (dropout,))[0][0]
    change = _effective(demo_store, leader, dropout, "恢复入学资格", target_class_id=target)
    assert change.data["target_class_id"] == target
    assert ch.enrolment_of(demo_store, dropout) == ch.ENROLLED
    _effective(demo_store, leader, dead, "死亡")
    with pytest.raises(BadInput, match="因死亡离校，不能恢复入学资格"):
        ch.apply_change(demo_store, dead, "恢复入学资格", effective_date="2026-11-01", reason="x", evidence=EVIDENCE)
    _effective(demo_store, leader, moved, "转出")
    with pytest.raises(BadInput, match="学籍已办结"):
        ch.apply_change(demo_store, moved, "恢复入学资格", effective_date="2026-11-01", reason="x", evidence=EVIDENCE)


def test_readmission_respects_the_class_cap(demo_store, leader):
    sid = _students(demo_store, 1)[0]
    _effective(demo_store, leader, sid, "辍学")
    class_id = demo_store.query("SELECT class_id FROM students WHERE id = ?", (sid,))[0][0]
    seated = demo_store.query("SELECT count(*) FROM students WHERE class_id = ? AND enrolment = 'enrolled'",
                              (class_id,))[0][0]
    stage = demo_store.query("SELECT stage FROM classes WHERE id = ?", (class_id,))[0][0]
    sy.set_class_cap(demo_store, stage, seated)
    cid = ch.apply_change(demo_store, sid, "恢复入学资格", effective_date="2026-11-01", reason="返校",
                          evidence=EVIDENCE)
    ch.school_decide(leader, cid, approve=True)
    with pytest.raises(BadInput, match="班额"):
        ch.county_decide(demo_store, cid, approve=True)
    assert ch.enrolment_of(demo_store, sid) == ch.LEFT


def test_completion_is_the_schools_own_in_compulsory_education_and_freezes_the_record(demo_store, leader):
    sid = _students(demo_store, 1)[0]
    cid = ch.apply_change(demo_store, sid, "结业", effective_date="2027-07-01", reason="未达到毕业要求")
    assert ch.school_decide(leader, cid, approve=True).status == ch.EFFECTIVE  # no county step for 小学
    assert ch.enrolment_of(demo_store, sid) == ch.COMPLETED
    record = public_record(get_student(demo_store, sid))
    with pytest.raises(BadInput, match="只读"), demo_store.transaction() as tx:
        update_student(tx, sid, {**record, "phone": "13800000000"})
    stats = compute_stats(demo_store)
    assert stats.by_enrolment["结业"] == 1 and stats.by_enrolment["在校"] == stats.total - 1
    assert ["结业", 1] in stats.rows()["按学籍状态"]
    # done in error: back to 在校 like a graduation
    assert sy.revert_graduation(demo_store, [sid], "误操作") == 1
    assert ch.enrolment_of(demo_store, sid) == ch.ENROLLED


def test_senior_high_completion_needs_the_county(demo_store):
    assert ch.county_required(demo_store, ch.KINDS["complete"], 3)
    assert not ch.county_required(demo_store, ch.KINDS["complete"], 1)


def test_incomplete_is_off_in_compulsory_education_unless_the_county_allows_it(demo_store, leader):
    sid = _students(demo_store, 1)[0]
    with pytest.raises(BadInput, match="不允许办理肄业"):
        ch.apply_change(demo_store, sid, "肄业", effective_date="2026-11-01", reason="x", evidence=EVIDENCE)
    county_sends(demo_store, {"changes.forbidden.1": "expel,repeat,withdraw"})  # the county allows 肄业
    _effective(demo_store, leader, sid, "肄业")
    assert ch.enrolment_of(demo_store, sid) == ch.INCOMPLETE
    assert compute_stats(demo_store).by_enrolment["肄业"] == 1
    with pytest.raises(BadInput, match="学籍已办结"):
        ch.apply_change(demo_store, sid, "休学", effective_date="2026-12-01", reason="x", evidence=EVIDENCE)
