"""Deleting an accepted record: a request with evidence, approved by the school's leader, carried up in the
package, decided by the county; the record leaves the county's merged data and, by feedback, the school."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from xueji_desktop.county.changes import decide_county_change, list_county_changes
from xueji_desktop.demo import DEMO_SCHOOL
from xueji_desktop.errors import BadInput
from xueji_desktop.exchange import school_side
from xueji_desktop.records import changes as ch
from xueji_desktop.records.deletion import delete_student
from xueji_desktop.storage import Store


@pytest.fixture
def leader(demo_path, demo_store):
    store = Store.open(demo_path, "leader", PASSWORD)
    yield store
    store.close()


def _init(county, school, tmp_path):
    from xueji_desktop.county.schools import add_school, make_init_packages

    add_school(county, DEMO_SCHOOL["code"], DEMO_SCHOOL["name"], DEMO_SCHOOL["region_code"])
    [init] = make_init_packages(county, [DEMO_SCHOOL["code"]], tmp_path / "init")
    return school_side.apply_init(school, school_side.read_init_package(init))


def _up(county, school, tmp_path, fp=None):
    from xueji_desktop.county.intake import import_package

    pkg = school_side.export_package(school, tmp_path / "up", include_pending=True)
    import_package(county, pkg, confirm_fingerprint=fp)


def _down(county, school, tmp_path):
    from xueji_desktop.county.review import make_feedback

    return school_side.import_feedback(school, make_feedback(county, DEMO_SCHOOL["code"], tmp_path / "down"))


def test_accepted_record_is_deleted_only_through_a_county_approved_request(county, demo_store, leader, tmp_path):
    from xueji_desktop.county.review import review

    fp = _init(county, demo_store, tmp_path)
    _up(county, demo_store, tmp_path, fp)
    review(county, DEMO_SCHOOL["code"], passed=True, force=True, reason="演示数据中的错误证件号另行处理")
    _down(county, demo_store, tmp_path)
    sid, uid, name = demo_store.query("SELECT id, uid, name FROM students WHERE county_accepted = 1 LIMIT 1")[0]
    with pytest.raises(BadInput, match=f"{name}.*佐证"):
        delete_student(demo_store, sid, reason="误操作新增")
    done = delete_student(demo_store, sid, reason="误操作新增", evidence=[("说明.pdf", b"%PDF")])
    assert not done.deleted and ch.get_change(demo_store.conn, done.change_id).data["reason_kind"] == "误操作删除"
    assert demo_store.query("SELECT count(*) FROM students WHERE id = ?", (sid,))[0][0] == 1
    ch.school_decide(leader, done.change_id, approve=True)
    _up(county, demo_store, tmp_path)
    [pending] = list_county_changes(county, DEMO_SCHOOL["code"], undecided_only=True)
    assert (pending["kind_name"], pending["student_name"]) == ("删除学籍", name)
    decide_county_change(county, DEMO_SCHOOL["code"], done.change_id, approve=True)
    assert county.query("SELECT count(*) FROM county_students WHERE uid = ?", (uid,))[0][0] == 0
    assert _down(county, demo_store, tmp_path)["change_decisions"] == 1
    assert demo_store.query("SELECT count(*) FROM students WHERE id = ?", (sid,))[0][0] == 0
    actions = [a for (a,) in demo_store.query("SELECT action FROM audit_log")]
    assert "删除学籍生效" in actions
    # the next submission no longer carries it; the county's data stays without it
    _up(county, demo_store, tmp_path)
    assert county.query("SELECT count(*) FROM county_students WHERE uid = ?", (uid,))[0][0] == 0


def test_a_refused_deletion_request_keeps_the_record(county, demo_store, leader, tmp_path):
    from xueji_desktop.county.review import review

    fp = _init(county, demo_store, tmp_path)
    _up(county, demo_store, tmp_path, fp)
    review(county, DEMO_SCHOOL["code"], passed=True, force=True, reason="演示数据中的错误证件号另行处理")
    _down(county, demo_store, tmp_path)
    sid = demo_store.query("SELECT id FROM students WHERE county_accepted = 1 LIMIT 1")[0][0]
    done = delete_student(demo_store, sid, reason="重复", evidence=[("a.jpg", b"\xff\xd8")], reason_kind="重复学籍")
    ch.school_decide(leader, done.change_id, approve=True)
    _up(county, demo_store, tmp_path)
    decide_county_change(county, DEMO_SCHOOL["code"], done.change_id, approve=False, reason="并非重复")
    _down(county, demo_store, tmp_path)
    assert ch.get_change(demo_store.conn, done.change_id).status == ch.COUNTY_REJECTED
    assert demo_store.query("SELECT count(*) FROM students WHERE id = ?", (sid,))[0][0] == 1
