"""Data leaving the school: only on an approved, unexpired request, only its fields and students; masked
exports need none; the audit log ties each file to its request."""

from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from tests.conftest import PASSWORD
from xueji_desktop import export_requests as er
from xueji_desktop.cli import main
from xueji_desktop.errors import BadInput, PermissionDenied
from xueji_desktop.storage import Store

UNTIL = (date.today() + timedelta(days=30)).isoformat()


@pytest.fixture
def env(demo_path, monkeypatch):
    monkeypatch.setenv("XUEJI_PASSWORD", PASSWORD)
    return demo_path


def _db(path, user="admin"):
    return ["--db", str(path), "--user", user]


def _first_class(path) -> str:
    with Store.open(path, "admin", PASSWORD) as store:
        return store.conn.execute("SELECT class_code FROM classes ORDER BY id LIMIT 1").fetchone()[0]


def test_request_lifecycle_through_the_cli(env, tmp_path, capsys):
    code = _first_class(env)
    assert main(["export-request", "add", "--unit", "区卫生健康局", "--purpose", "学生体检", "--fields",
                 "姓名,性别,班级", "--classes", code, "--until", UNTIL, "--responsible", "李医生", *_db(env)]) == 0
    number = int(capsys.readouterr().out.splitlines()[0])
    out = tmp_path / "体检.xlsx"
    # not yet approved: nothing leaves
    assert main(["export-excel", "--request", str(number), "--out", str(out), *_db(env)]) == 2
    assert "尚未经主管领导批准" in capsys.readouterr().err and not out.exists()
    assert main(["export-request", "approve", str(number), *_db(env)]) == 2  # the clerk is not a leader
    assert main(["export-request", "approve", str(number), *_db(env, "leader")]) == 0
    assert main(["export-excel", "--request", str(number), "--out", str(out), *_db(env)]) == 0

    book = load_workbook(out)
    assert book.sheetnames == ["学生数据", "导出申请"]
    rows = list(book["学生数据"].values)
    assert rows[0] == ("姓名", "性别", "班级")
    with Store.open(env, "admin", PASSWORD) as store:
        expected = store.conn.execute("SELECT count(*) FROM students s JOIN classes c ON c.id = s.class_id"
                                      " WHERE c.class_code = ?", (code,)).fetchone()[0]
        class_name = store.conn.execute("SELECT name FROM classes WHERE class_code = ?", (code,)).fetchone()[0]
        entry = store.conn.execute("SELECT changes FROM audit_log WHERE action = '按申请导出Excel'").fetchone()
    assert len(rows) - 1 == expected and {r[2] for r in rows[1:]} == {class_name}
    assert {r[1] for r in rows[1:]} <= {"男", "女"}
    about = dict(book["导出申请"].values)
    assert about["数据使用单位"] == "区卫生健康局" and about["用途"] == "学生体检"
    assert about["数据安全负责人"] == "李医生"
    changes = json.loads(entry[0])
    assert changes["sha256"][1] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert changes["rows"][1] == expected

    capsys.readouterr()
    assert main(["export-request", "list", "--json", *_db(env)]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed[0]["state"] == "approved" and listed[0]["field_labels"] == ["姓名", "性别", "班级"]

    assert main(["export-request", "revoke", str(number), *_db(env, "leader")]) == 0
    again = tmp_path / "again.xlsx"
    assert main(["export-excel", "--request", str(number), "--out", str(again), *_db(env)]) == 2
    assert "已于" in capsys.readouterr().err and not again.exists()


def test_expired_request_is_refused(demo_store):
    number = er.add_request(demo_store, unit="资助中心", purpose="资助核对", fields="姓名,是否需要申请资助",
                            until=date.today().isoformat(), responsible="张主任")
    leader = Store.open(demo_store.path, "leader", PASSWORD)
    try:
        er.approve(leader, number)
    finally:
        leader.close()
    tomorrow = date.today() + timedelta(days=1)
    with pytest.raises(PermissionDenied, match="已过期"):
        er.usable(demo_store, number, today=tomorrow)
    assert er.usable(demo_store, number).id == number


def test_bad_requests_are_refused_with_the_field_named(demo_store):
    with pytest.raises(BadInput, match="爱好"):
        er.add_request(demo_store, unit="u", purpose="p", fields="姓名,爱好", until=UNTIL, responsible="r")
    with pytest.raises(BadInput, match="已过"):
        er.add_request(demo_store, unit="u", purpose="p", fields="姓名", until="2020-01-01", responsible="r")
    with pytest.raises(BadInput, match="YYYY-MM-DD"):
        er.add_request(demo_store, unit="u", purpose="p", fields="姓名", until="明年", responsible="r")
    with pytest.raises(BadInput, match="不存在"):
        er.add_request(demo_store, unit="u", purpose="p", fields="姓名", until=UNTIL, responsible="r",
                       classes="2001109")
    with pytest.raises(BadInput, match="负责人"):
        er.add_request(demo_store, unit="u", purpose="p", fields="姓名", until=UNTIL, responsible=" ")
    assert er.list_requests(demo_store) == []


def test_a_leader_cannot_approve_own_request(demo_store):
    demo_store.add_user("boss", PASSWORD, "clerk,leader")
    boss = Store.open(demo_store.path, "boss", PASSWORD)
    try:
        number = er.add_request(boss, unit="u", purpose="p", fields="姓名", until=UNTIL, responsible="r")
        with pytest.raises(PermissionDenied, match="另一位"):
            er.approve(boss, number)
    finally:
        boss.close()


def test_masked_export_needs_no_request_and_hides_numbers(env, tmp_path):
    out = tmp_path / "masked.xlsx"
    assert main(["export-excel", "--mask", "--out", str(out), "--purpose", "家长会核对", *_db(env)]) == 0
    with Store.open(env, "admin", PASSWORD) as store:
        numbers = {r[0] for r in store.conn.execute("SELECT id_number FROM students WHERE id_number != ''")}
        phones = {json.loads(r[0]).get("phone") for r in store.conn.execute("SELECT data FROM family_members")}
        entry = json.loads(store.conn.execute("SELECT changes FROM audit_log WHERE action LIKE '导出Excel%'"
                                              " ORDER BY id DESC").fetchone()[0])
    cells = {str(c) for row in load_workbook(out).active.values for c in row if c}
    assert not cells & numbers and not cells & (phones - {None})
    assert any("*" in c for c in cells)
    assert entry["purpose"][1] == "家长会核对"
