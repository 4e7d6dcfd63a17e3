"""Status changes (学籍异动): approval flow, paired types, stage switches, key-field lock, evidence."""

from __future__ import annotations

from datetime import date

import pytest

from tests.conftest import PASSWORD, county_sends
from xueji_desktop.errors import BadInput, PermissionDenied
from xueji_desktop.records import changes as ch
from xueji_desktop.records.students import get_student, public_record, update_student
from xueji_desktop.storage import Store

EVIDENCE = [("证明.pdf", b"%PDF-1.4 scanned certificate")]


@pytest.fixture
def leader(demo_path, demo_store):
    store = Store.open(demo_path, "leader", PASSWORD)
    yield store
    store.close()


def _student(store, stage_entry_year: int | None = None) -> int:
    sql = "SELECT s.id FROM students s JOIN classes c ON c.id = s.class_id WHERE s.status = 'ok'"
    params: tuple = ()
    if stage_entry_year is not None:
        sql += " AND c.entry_year = ?"
        params = (stage_entry_year,)
    return store.query(sql + " ORDER BY s.id LIMIT 1", params)[0][0]


def test_suspend_then_resume_with_school_approval(demo_store, leader):
    sid = _student(demo_store)
    with pytest.raises(BadInput, match="复学只能在休学之后办理"):
        ch.apply_change(demo_store, sid, "复学", effective_date="2026-10-01", reason="康复", evidence=EVIDENCE)
    cid = ch.apply_change(demo_store, sid, "休学", effective_date="2026-10-01", reason="因病住院", evidence=EVIDENCE)
    assert ch.get_change(demo_store.conn, cid).status == ch.APPLIED
    assert ch.enrolment_of(demo_store, sid) == ch.ENROLLED  # nothing happens before approval
    assert ch.school_decide(leader, cid, approve=True).status == ch.EFFECTIVE
    assert ch.enrolment_of(demo_store, sid) == ch.SUSPENDED
    assert ch.evidence_of(demo_store.conn, cid) == EVIDENCE
    cid2 = ch.apply_change(demo_store, sid, "resume", effective_date="2027-03-01", reason="康复返校", evidence=EVIDENCE)
    ch.school_decide(leader, cid2, approve=True)
    assert ch.enrolment_of(demo_store, sid) == ch.ENROLLED


def test_only_one_open_change_and_rejection_needs_reason(demo_store, leader):
    sid = _student(demo_store)
    cid = ch.apply_change(demo_store, sid, "出国", effective_date="2026-12-01", reason="随父母出国", evidence=EVIDENCE)
    with pytest.raises(BadInput, match="未办结"):
        ch.apply_change(demo_store, sid, "休学", effective_date="2026-12-01", reason="x", evidence=EVIDENCE)
    with pytest.raises(BadInput, match="原因"):
        ch.school_decide(leader, cid, approve=False)
    assert ch.school_decide(leader, cid, approve=False, reason="材料不全").status == ch.REJECTED
    assert ch.enrolment_of(demo_store, sid) == ch.ENROLLED


@pytest.mark.parametrize("kind", ["留级", "退学", "开除"])
def test_compulsory_education_forbids_by_default_and_county_can_switch(demo_store, kind):
    sid = _student(demo_store)
    with pytest.raises(BadInput, match="小学阶段不允许办理"):
        ch.apply_change(demo_store, sid, kind, effective_date="2026-12-01", reason="x", evidence=EVIDENCE,
                        target_class_id=1)
    with pytest.raises(BadInput, match="是县级规则"):
        ch.set_forbidden_kinds(demo_store, 1, ["开除"])
    county_sends(demo_store, {"changes.forbidden.1": "expel"})
    if kind == "开除":
        with pytest.raises(BadInput, match="不允许"):
            ch.apply_change(demo_store, sid, kind, effective_date="2026-12-01", reason="x", evidence=EVIDENCE)
    elif kind == "退学":
        assert ch.apply_change(demo_store, sid, kind, effective_date="2026-12-01", reason="x", evidence=EVIDENCE)


def test_evidence_and_roles_required(demo_store, leader):
    sid = _student(demo_store)
    with pytest.raises(BadInput, match="证明材料"):
        ch.apply_change(demo_store, sid, "休学", effective_date="2026-10-01", reason="因病")
    with pytest.raises(PermissionDenied, match="学籍管理员"):
        ch.apply_change(leader, sid, "休学", effective_date="2026-10-01", reason="因病", evidence=EVIDENCE)
    cid = ch.apply_change(demo_store, sid, "休学", effective_date="2026-10-01", reason="因病", evidence=EVIDENCE)
    with pytest.raises(PermissionDenied, match="主管领导"):
        ch.school_decide(demo_store, cid, approve=True)


def test_transfer_out_waits_for_county_and_keeps_the_record(demo_store, leader):
    sid = _student(demo_store)
    cid = ch.apply_change(demo_store, sid, "转出", effective_date="2026-12-10", reason="随父母迁居外省")
    assert ch.school_decide(leader, cid, approve=True).status == ch.COUNTY_PENDING
    assert ch.enrolment_of(demo_store, sid) == ch.ENROLLED
    assert ch.county_decide(demo_store, cid, approve=True, reason="同意").status == ch.EFFECTIVE
    assert ch.enrolment_of(demo_store, sid) == ch.TRANSFERRED
    assert get_student(demo_store, sid) is not None


def test_key_fields_lock_after_county_acceptance(demo_store, leader):
    sid = _student(demo_store)
    with demo_store.transaction() as tx:
        ch.mark_county_accepted(tx, [sid])
    record = public_record(get_student(demo_store, sid))
    with pytest.raises(PermissionDenied, match="关键字段"), demo_store.transaction() as tx:
        update_student(tx, sid, {**record, "name": "改名字"})
    with demo_store.transaction() as tx:  # other fields stay editable
        update_student(tx, sid, {**record, "current_address": record["current_address"] + "（新）"})
    cid = ch.request_key_field_change(demo_store, sid, {"name": "改名字"}, reason="户口簿更名",
                                      evidence=[("户籍证明.jpg", b"\xff\xd8scan")])
    change = ch.school_decide(leader, cid, approve=True)
    assert change.status == ch.COUNTY_PENDING and change.data["fields"] == {"name": [record["name"], "改名字"]}
    ch.county_decide(demo_store, cid, approve=True)
    assert get_student(demo_store, sid)["name"] == "改名字"


def test_non_controlled_field_needs_no_request(demo_store):
    sid = _student(demo_store)
    with pytest.raises(BadInput, match="不是受控字段"):
        ch.request_key_field_change(demo_store, sid, {"current_address": "x"}, reason="r", evidence=EVIDENCE)


def test_repeat_moves_to_a_younger_class_in_senior_high(tmp_path):
    from xueji_desktop.demo import DEMO_SCHOOL, generate_records
    from xueji_desktop.records.students import add_student
    from xueji_desktop.school import add_class

    store, _ = Store.create(tmp_path / "h.xjdb", username="admin", password=PASSWORD, roles="clerk,leader,sysadmin",
                            school=DEMO_SCHOOL)
    with store.transaction() as tx:
        old = add_class(tx, 2025, 3, 1)
        young = add_class(tx, 2026, 3, 1)
        _, record = next(generate_records(1))
        sid = add_student(tx, record, old.id)
    with pytest.raises(BadInput, match="入学年份为 2026"):
        ch.apply_change(store, sid, "留级", effective_date="2026-12-01", reason="病休", evidence=EVIDENCE,
                        target_class_id=old.id)
    cid = ch.apply_change(store, sid, "留级", effective_date="2026-12-01", reason="病休", evidence=EVIDENCE,
                          target_class_id=young.id)
    ch.school_decide(store, cid, approve=True)
    ch.county_decide(store, cid, approve=True)
    assert store.query("SELECT class_id FROM students WHERE id = ?", (sid,))[0][0] == young.id
    store.close()


def test_dates_are_checked(demo_store):
    with pytest.raises(BadInput, match="YYYY-MM-DD"):
        ch.apply_change(demo_store, _student(demo_store), "休学", effective_date="2026/10/01", reason="x",
                        evidence=EVIDENCE)
    assert date.fromisoformat("2026-10-01")
