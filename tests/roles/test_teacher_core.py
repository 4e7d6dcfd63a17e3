"""The class teacher's account, enforced in the core: the connection sees only its classes, it cannot
write records, it marks 已核对 and proposes edits that the clerk accepts."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from tests.roles.helpers import student_of
from xueji_desktop.errors import BadInput, PermissionDenied
from xueji_desktop.records import proposals, verification
from xueji_desktop.records.students import get_student, public_record, resolve_student, update_student
from xueji_desktop.school import find_class, list_classes
from xueji_desktop.stats import compute_stats


def test_teacher_sees_only_own_class(teacher, clerk, teacher_school):
    own_count = clerk.conn.execute("SELECT count(*) FROM students s JOIN classes c ON c.id = s.class_id"
                                   " WHERE c.class_code = ?", (teacher_school.own,)).fetchone()[0]
    assert own_count > 0
    assert teacher.conn.execute("SELECT count(*) FROM students").fetchone()[0] == own_count
    assert [c.class_code for c in list_classes(teacher)] == [teacher_school.own]
    assert compute_stats(teacher).total == own_count
    members = teacher.conn.execute("SELECT count(DISTINCT student_id) FROM family_members").fetchone()[0]
    assert 0 < members <= own_count
    # a worker connection (exports, printing off the UI thread) is scoped the same way
    worker = teacher.reconnect()
    try:
        assert worker.execute("SELECT count(*) FROM students").fetchone()[0] == own_count
    finally:
        worker.close()


def test_other_class_is_refused_naming_the_rule(teacher, teacher_school):
    other_id, other_number = student_of(teacher, teacher_school.other)
    own_id, own_number = student_of(teacher, teacher_school.own)
    assert resolve_student(teacher.conn, own_number) == own_id
    with pytest.raises(PermissionDenied, match="负责的班级"):
        resolve_student(teacher.conn, other_number)
    with pytest.raises(PermissionDenied, match="负责的班级"):
        resolve_student(teacher.conn, str(other_id))
    with pytest.raises(PermissionDenied, match=teacher_school.other):
        find_class(teacher, teacher_school.other)
    assert get_student(teacher, other_id) is None
    with pytest.raises(PermissionDenied):
        verification.mark_checked(teacher, [other_id])


def test_teacher_cannot_write_records(teacher, teacher_school):
    own_id, _ = student_of(teacher, teacher_school.own)
    record = public_record(get_student(teacher, own_id))
    record["name"] = "改名"
    head = teacher.meta("audit_head")
    with pytest.raises(PermissionDenied), teacher.transaction() as tx:
        update_student(tx, own_id, record)
    # even a raw write through the connection is stopped by SQLite (the table is a read-only view), and the
    # transaction turns it into the same kind of refusal
    with pytest.raises(PermissionDenied, match="班主任"), teacher.transaction() as tx:
        tx.execute("UPDATE students SET name = '改名' WHERE id = ?", (own_id,))
    assert get_student(teacher, own_id)["name"] != "改名"
    assert teacher.meta("audit_head") == head


def test_checked_mark_goes_stale_when_the_record_changes(teacher, clerk, teacher_school):
    own_id, _ = student_of(teacher, teacher_school.own)
    assert verification.mark_checked(teacher, [own_id]) == 1
    assert verification.check_info(teacher, own_id)["checked_by"] == "teacher1"
    assert verification.mark_checked(teacher, [own_id]) == 0  # already checked: nothing to do
    progress = {p.class_code: p for p in verification.class_progress(clerk)}
    assert progress[teacher_school.own].checked == 1
    assert progress[teacher_school.other].checked == 0
    # the clerk edits the record: the teacher checked an older version, so it is no longer 已核对
    record = public_record(get_student(clerk, own_id))
    record["specialty"] = "书法"
    clerk.conn.execute("UPDATE students SET updated_at = '2000-01-01T00:00:00+08:00' WHERE id = ?", (own_id,))
    with clerk.transaction() as tx:
        update_student(tx, own_id, record)
    assert not verification.is_checked(clerk, own_id)
    assert {p.class_code: p for p in verification.class_progress(clerk)}[teacher_school.own].checked == 0


def test_proposal_accepted_goes_through_the_normal_write(teacher, clerk, teacher_school):
    own_id, _ = student_of(teacher, teacher_school.own)
    before = get_student(clerk, own_id)
    values = proposals.parse_assignments(["特长=书法", "家庭成员1联系电话=13912345678"])
    number = proposals.propose(teacher, own_id, values, "以家长签字的纸质表为准")
    with pytest.raises(PermissionDenied):
        proposals.accept(teacher, number)  # a teacher cannot accept its own proposal
    pending = proposals.list_proposals(clerk, "pending")
    assert [p.id for p in pending] == [number]
    assert pending[0].changes["specialty"] == [before.get("specialty"), "书法"]
    proposals.accept(clerk, number)
    after = get_student(clerk, own_id)
    assert after["specialty"] == "书法" and after["members"][0]["phone"] == "13912345678"
    assert proposals.list_proposals(teacher)[0].state == "accepted"
    with pytest.raises(BadInput, match="已采纳"):
        proposals.accept(clerk, number)


def test_proposal_against_a_changed_value_is_not_applied(teacher, clerk, teacher_school):
    own_id, _ = student_of(teacher, teacher_school.own)
    number = proposals.propose(teacher, own_id, proposals.parse_assignments(["特长=书法"]))
    record = public_record(get_student(clerk, own_id))
    record["specialty"] = "围棋"
    with clerk.transaction() as tx:
        update_student(tx, own_id, record)
    with pytest.raises(BadInput, match="特长"):
        proposals.accept(clerk, number)
    assert get_student(clerk, own_id)["specialty"] == "围棋"
    proposals.reject(clerk, number, "已按家长电话更正")
    assert proposals.list_proposals(clerk)[0].decision_note == "已按家长电话更正"


def test_bad_proposal_values_name_the_field():
    with pytest.raises(BadInput, match="性别"):
        proposals.parse_assignments(["性别=不知道"])
    with pytest.raises(BadInput, match="没有“爱好”"):
        proposals.parse_assignments(["爱好=游泳"])
    with pytest.raises(BadInput, match="字段=值"):
        proposals.parse_assignments(["姓名"])


def test_teacher_account_needs_existing_classes(clerk, teacher_school):
    with pytest.raises(BadInput, match="--class"):
        clerk.add_user("t2", PASSWORD, "teacher")
    with pytest.raises(BadInput, match="不存在"):
        clerk.add_user("t2", PASSWORD, "teacher", classes="2001109")
    with pytest.raises(BadInput, match="只有班主任"):
        clerk.add_user("t2", PASSWORD, "clerk", classes=teacher_school.own)
    clerk.add_user("t2", PASSWORD, "teacher", classes=f"{teacher_school.own},{teacher_school.other}")
    assert {u.username: u.classes for u in clerk.list_users()}["t2"] == (teacher_school.own, teacher_school.other)
    clerk.set_user_classes("t2", teacher_school.other)
    assert {u.username: u.classes for u in clerk.list_users()}["t2"] == (teacher_school.other,)


def test_teacher_who_is_also_clerk_sees_everything(clerk, teacher_school):
    from xueji_desktop.storage import Store

    clerk.add_user("both", PASSWORD, "teacher,clerk", classes=teacher_school.own)
    with Store.open(teacher_school.path, "both", PASSWORD) as store:
        assert len(list_classes(store)) == len(list_classes(clerk))
