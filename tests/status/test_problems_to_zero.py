"""Problem records worked to zero, through real packages: two schools and a county.

An ID number held by both schools → the county decides who keeps it → the other school's feedback carries the
instruction → that school deletes (or corrects) its record → the county's next import no longer finds it:
``county problems`` is empty. Passing a school with open problems is refused unless forced; export-up leaves
out schools not passed and names them."""

from __future__ import annotations

import json

import pytest

from tests.conftest import PASSWORD
from xueji_desktop import school
from xueji_desktop.cli import main
from xueji_desktop.county import problems as cp
from xueji_desktop.county.intake import import_package
from xueji_desktop.county.review import make_feedback, review
from xueji_desktop.county.schools import add_school, make_init_packages
from xueji_desktop.demo import DEMO_COUNTY, demo_classes, generate_records
from xueji_desktop.errors import BadInput
from xueji_desktop.exchange import school_side
from xueji_desktop.records.deletion import delete_student
from xueji_desktop.records.problems import school_problems
from xueji_desktop.records.students import add_student

A, B = "2114010001", "2114010002"


class School:
    """A real school store made from the county's init package, with a few clean students."""

    def __init__(self, county, code: str, name: str, tmp_path, seed: int):
        add_school(county, code, name, DEMO_COUNTY["code"] + "001000")
        [init] = make_init_packages(county, [code], tmp_path / f"init-{code}")
        self.store, _recovery, self.fingerprint = school_side.init_from_package(
            init, tmp_path / f"{code}.xjdb", username="admin", password=PASSWORD)
        self.code, self.tmp = code, tmp_path
        classes = demo_classes(classes_per_grade=1)[:1]
        with self.store.transaction() as tx:
            c = classes[0]
            self.class_id = school.add_class(tx, c.entry_year, c.stage, c.number).id
            for _cls, record in generate_records(3, seed=seed, classes=classes):
                add_student(tx, record, self.class_id)
        self.sent = 0

    def send_up(self, county) -> None:
        pkg = school_side.export_package(self.store, self.tmp / f"up-{self.code}", include_pending=True)
        import_package(county, pkg, confirm_fingerprint=self.fingerprint if not self.sent else None)
        self.sent += 1

    def receive(self, county) -> dict:
        return school_side.import_feedback(self.store, make_feedback(county, self.code, self.tmp / "down"))


@pytest.fixture
def schools(county, tmp_path):
    a = School(county, A, "第一小学", tmp_path, seed=11)
    b = School(county, B, "第二小学", tmp_path, seed=12)
    yield a, b
    a.store.close()
    b.store.close()


def _plant_duplicate(a: School, b: School) -> tuple[str, int]:
    """School B enters a child under the ID number school A already holds (another name)."""
    number = a.store.query("SELECT id_number FROM students ORDER BY id LIMIT 1")[0][0]
    sid = b.store.query("SELECT id FROM students ORDER BY id LIMIT 1")[0][0]
    b.store.conn.execute("UPDATE students SET id_number = ?, data = json_set(data, '$.id_number', ?) WHERE id = ?",
                         (number, number, sid))
    return number, sid


def _problems_cli(county, monkeypatch, capsys, *extra: str) -> tuple[int, list[dict]]:
    monkeypatch.setenv("XUEJI_PASSWORD", PASSWORD)
    code = main(["county", "problems", "--json", "--db", str(county.path), *extra])
    return code, json.loads(capsys.readouterr().out)


def test_duplicate_id_decided_applied_and_gone_on_the_next_import(county, schools, monkeypatch, capsys):
    a, b = schools
    number, b_sid = _plant_duplicate(a, b)
    a.send_up(county)
    b.send_up(county)
    code, found = _problems_cli(county, monkeypatch, capsys)
    [dup] = found
    assert code == 1 and (dup["id"], dup["kind"], dup["state"]) == (f"duplicate_id:{number}", "duplicate_id", "待处理")
    assert {r["school_code"] for r in dup["records"]} == {A, B}
    # passing either school is refused while the problem is open; a forced pass needs a reason and is audited
    with pytest.raises(BadInput, match=r"1 个未解决的问题学籍.*duplicate_id"):
        review(county, B, passed=True)
    with pytest.raises(BadInput, match="--reason"):
        review(county, A, passed=True, force=True)
    # the county decides: school A keeps the record
    assert main(["county", "resolve", number, "--keep", A, "--reason", "户籍证明显示为第一小学学生",
                 "--db", str(county.path)]) == 0
    capsys.readouterr()
    [dup] = cp.county_problems(county)
    assert dup["state"] == "待处理" and dup["decision"]["keep_school"] == A
    assert cp.blocking(county, A) == [] and [p["id"] for p in cp.blocking(county, B)] == [dup["id"]]
    review(county, A, passed=True)  # A has nothing left to do
    # B's feedback carries the instruction; A's says it keeps the record
    b.receive(county)
    [finding] = [p for p in school_problems(b.store) if p["source"] == "县级反馈"]
    assert finding["student_id"] == b_sid and "由 2114010001第一小学 保留" in finding["message"]
    assert "删除" in finding["message"] and "更正身份证件号" in finding["message"]
    a.receive(county)
    assert "本校保留此学籍" in next(p for p in school_problems(a.store) if p["source"] == "县级反馈")["message"]
    # B applies it: the record was never accepted, so it goes at once (category 重复学籍 from the finding)
    done = delete_student(b.store, b_sid, reason="县级裁定由第一小学保留")
    assert done.deleted
    [(changes,)] = b.store.query("SELECT changes FROM audit_log WHERE action = '删除学生'")
    assert json.loads(changes)["reason_kind"] == [None, "重复学籍"]
    b.send_up(county)
    code, found = _problems_cli(county, monkeypatch, capsys)
    assert (code, found) == (0, [])
    code, everything = _problems_cli(county, monkeypatch, capsys, "--all")
    assert [(p["id"], p["state"]) for p in everything] == [(f"duplicate_id:{number}", "已解决")]
    review(county, B, passed=True)


def test_accepted_record_corrected_by_request_shows_school_done_then_clears(county, schools, monkeypatch,
                                                                            capsys, tmp_path):
    from xueji_desktop.county.changes import decide_county_change
    from xueji_desktop.records import changes as ch
    from xueji_desktop.storage import Store

    a, b = schools
    # both schools passed first: their records are accepted (key fields locked)
    a.send_up(county)
    b.send_up(county)
    for s in (a, b):
        review(county, s.code, passed=True)
        s.receive(county)
    number, b_sid = _plant_duplicate(a, b)  # (a later slip at school B, under a record already accepted)
    b.send_up(county)
    cp.resolve(county, number, A, "第一小学的学生")
    b.receive(county)
    # B finds the right ID number and asks for the correction with evidence (the record is accepted)
    right = "140106201501010035"
    cid = ch.request_key_field_change(b.store, b_sid, {"id_number": right}, reason="县级裁定：更正身份证件号",
                                      evidence=[("户口簿.jpg", b"\xff\xd8")])
    b.store.add_user("leader", PASSWORD, "leader")
    with Store.open(b.store.path, "leader", PASSWORD) as leader:
        ch.school_decide(leader, cid, approve=True)
    b.send_up(county)
    [dup] = cp.county_problems(county)
    assert dup["state"] == "学校已处理"
    decide_county_change(county, B, cid, approve=True)
    b.receive(county)
    assert b.store.query("SELECT id_number FROM students WHERE id = ?", (b_sid,))[0][0] == right
    b.send_up(county)
    assert cp.county_problems(county) == []


def test_export_up_leaves_out_schools_not_passed_and_names_them(county, schools, monkeypatch, capsys, tmp_path):
    a, b = schools
    a.send_up(county)
    b.send_up(county)
    review(county, A, passed=True)
    review(county, B, passed=False, reason="家长信息缺失")
    monkeypatch.setenv("XUEJI_PASSWORD", PASSWORD)
    assert main(["county", "export-up", "--out", str(tmp_path / "city"), "--db", str(county.path)]) == 0
    out = capsys.readouterr().out
    assert "未包含以下学校" in out and f"{B}第二小学（退回）" in out and f"{A}第一小学" not in out.split("未包含")[1]
    [(changes,)] = county.query("SELECT changes FROM audit_log WHERE action = '县级汇总上报'")
    assert json.loads(changes)["left_out"] == [None, [B]] and json.loads(changes)["schools"] == [None, 1]
