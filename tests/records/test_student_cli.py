"""``xueji student list | show | set | delete`` over the same core and gate as the form."""

from __future__ import annotations

import json

import pytest

from tests.conftest import PASSWORD
from xueji_desktop.cli import main
from xueji_desktop.storage import Store


@pytest.fixture
def run(demo_path, monkeypatch, capsys):
    monkeypatch.setenv("XUEJI_PASSWORD", PASSWORD)

    def go(*argv: str) -> tuple[int, str, str]:
        code = main([*argv, "--db", str(demo_path)])
        out = capsys.readouterr()
        return code, out.out, out.err
    return go


def _one(demo_path, sql: str, params=()):
    with Store.open(demo_path, "admin", PASSWORD) as store:
        return store.query(sql, params)[0]


def test_list_filters_by_class_and_status_and_show_prints_labels(run, demo_path):
    code, out, _ = run("student", "list", "--json")
    everyone = json.loads(out)
    assert code == 0 and len(everyone) == _one(demo_path, "SELECT count(*) FROM students")[0]
    first = everyone[0]
    code, out, _ = run("student", "list", "--class", first["class"], "--json")
    assert {r["class"] for r in json.loads(out)} == {first["class"]}
    code, out, _ = run("student", "list", "--status", "待修正", "--json")
    assert all(r["status"] == "待修正" for r in json.loads(out))
    assert run("student", "list", "--status", "飞走了")[0] == 2
    code, out, _ = run("student", "show", first["id_number"], "--json")
    shown = json.loads(out)
    assert shown["student_id"] == first["student_id"] and shown["fields"]["性别"] in ("男", "女")
    code, out, _ = run("student", "show", str(first["student_id"]))
    assert f"姓名：{first['name']}" in out


def test_set_validates_like_the_form_and_the_gate_refuses_controlled_fields(run, demo_path):
    sid, name = _one(demo_path, "SELECT id, name FROM students WHERE status = 'ok' ORDER BY id LIMIT 1")
    code, out, _ = run("student", "set", str(sid), "现居住详细地址=山西省太原市迎泽区新路 1 号",
                       "家庭成员1联系电话=13912345678")
    assert code == 0 and "已保存" in out
    with Store.open(demo_path, "admin", PASSWORD) as store:
        from xueji_desktop.records.students import get_student

        rec = get_student(store, sid)
        assert rec["current_address"] == "山西省太原市迎泽区新路 1 号" and rec["members"][0]["phone"] == "13912345678"
        before = store.query("SELECT data FROM students WHERE id = ?", (sid,))
    code, _, err = run("student", "set", str(sid), "性别=不知道")
    assert code == 2 and "性别" in err
    code, _, err = run("student", "set", str(sid), "没有这个字段=1")
    assert code == 2 and "没有字段" in err
    with Store.open(demo_path, "admin", PASSWORD) as store:
        assert store.query("SELECT data FROM students WHERE id = ?", (sid,)) == before
        store.conn.execute("UPDATE students SET county_accepted = 1 WHERE id = ?", (sid,))
    code, _, err = run("student", "set", str(sid), "姓名=新名字")
    assert code == 2 and name in err and "姓名" in err and "关键字段变更" in err
    assert _one(demo_path, "SELECT name FROM students WHERE id = ?", (sid,))[0] == name


def test_delete_a_never_accepted_record_at_once_with_an_audit_entry(run, demo_path):
    sid, name, number = _one(demo_path, "SELECT id, name, id_number FROM students ORDER BY id LIMIT 1")
    assert run("student", "delete", str(sid), "--reason", "")[0] == 2
    code, out, _ = run("student", "delete", number, "--reason", "重复录入")
    assert code == 0 and "已删除" in out
    with Store.open(demo_path, "admin", PASSWORD) as store:
        assert store.query("SELECT count(*) FROM students WHERE id = ?", (sid,))[0][0] == 0
        assert store.query("SELECT count(*) FROM family_members WHERE student_id = ?", (sid,))[0][0] == 0
        [(who, when, changes)] = store.query("SELECT username, ts, changes FROM audit_log WHERE action = '删除学生'"
                                             " AND record_id = ?", (str(sid),))
        changes = json.loads(changes)
        assert who == "admin" and when
        assert changes["name"] == [name, None] and changes["id_number"] == [number, None]
        assert changes["reason"] == [None, "重复录入"] and "members.0.name" in changes
    assert run("student", "show", str(sid))[0] == 2
