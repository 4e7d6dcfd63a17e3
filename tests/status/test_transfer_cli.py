"""The transfer commands over the same core: `xueji transfer …`, `change approve T…`, `county transfers`,
`county decide-change … T…`, `county transfer-out|transfer-in`, and the cross-province sheet."""

from __future__ import annotations

import json

import pytest

from tests.conftest import PASSWORD
from tests.status.transfer_world import close_all, new_county, new_school
from xueji_desktop.cli import main
from xueji_desktop.records import changes as ch
from xueji_desktop.records import transfers as tr


@pytest.fixture
def world(tmp_path, monkeypatch):
    monkeypatch.setenv("XUEJI_PASSWORD", PASSWORD)
    county = new_county(tmp_path, "140106", "迎泽区")
    a = new_school(tmp_path, county, "2114010001", "双塔小学", seed=1)
    b = new_school(tmp_path, county, "2114010002", "桃园小学", seed=2)
    for s in (a, b):
        s.send_up(tmp_path)
    yield county, a, b
    close_all(county)


def db(unit) -> list[str]:
    return ["--db", str(unit.store.path)]


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_transfer_driven_from_the_command_line(world, tmp_path, capsys):
    county, a, b = world
    sid, number, name = a.store.query("SELECT id, id_number, name FROM students ORDER BY id LIMIT 1")[0]
    scan = tmp_path / "转学证明.jpg"
    scan.write_bytes(b"\xff\xd8 stamped")
    klass = next(iter(b.classes))
    code, _out, err = run(capsys, "transfer", "request", "--id-number", "123", "--name", name, "--from", a.code,
                          "--date", "2026-12-01", "--evidence", str(scan), *db(b))
    assert code == 2 and "身份证件号" in err and "Traceback" not in err
    code, out, _ = run(capsys, "transfer", "request", "--id-number", number, "--name", name, "--from", a.code,
                       "--date", "2026-12-01", "--evidence", str(scan), "--class", klass, *db(b))
    assert code == 0 and "T1" in out and "change approve T1" in out
    assert "T1\t" + name + "\t转入" in run(capsys, "change", "list", "--open", *db(b))[1]  # the leader sees it
    assert run(capsys, "change", "approve", "T1", *db(b))[0] == 0
    rows = json.loads(run(capsys, "transfer", "list", "--json", *db(b))[1])
    assert [(r["direction"], r["state"], r["other_school"]) for r in rows] == [("in", "sent", a.code)]
    b.send_up(tmp_path)
    [t] = json.loads(run(capsys, "county", "transfers", "--json", *db(county))[1])
    assert t["key"] == f"{b.code}-1" and t["role"] == "same" and "反馈包" in t["next_step"]
    code, _out, err = run(capsys, "county", "decide-change", b.code, "T1", "--approve", *db(county))
    assert code == 2 and "县内转学" in err
    assert run(capsys, "county", "change-evidence", b.code, "T1", "--out", str(tmp_path / "ev"), *db(county))[0] == 0
    assert (tmp_path / "ev" / "转学证明.jpg").read_bytes() == b"\xff\xd8 stamped"
    a.get_feedback(tmp_path)
    [out_row] = json.loads(run(capsys, "transfer", "list", "--json", *db(a))[1])
    assert out_row["direction"] == "out" and "change approve" in out_row["next_step"]
    assert run(capsys, "change", "approve", out_row["ref"], *db(a))[0] == 0
    a.send_up(tmp_path)
    assert run(capsys, "county", "decide-change", a.code, out_row["ref"], "--approve", *db(county))[0] == 0
    a.get_feedback(tmp_path)
    a.send_up(tmp_path)
    assert b.get_feedback(tmp_path)["arrived"] == 1
    assert ch.enrolment_of(a.store, sid) == ch.TRANSFERRED
    assert b.enrolled(number) == 1
    out = run(capsys, "transfer", "list", *db(b))[1]
    assert "已转入" in out
    code, _out, err = run(capsys, "change", "withdraw", "T1", *db(b))
    assert code == 2 and "不能撤销" in err


def test_withdraw_and_reject_with_the_change_commands(world, capsys, tmp_path):
    _county, a, b = world
    _sid, number, name = a.store.query("SELECT id, id_number, name FROM students ORDER BY id LIMIT 1")[0]
    tr.request_transfer(b.store, id_number=number, name=name, from_school=a.code, effective_date="2026-12-01",
                        evidence=[("z.jpg", b"x")])
    code, _out, err = run(capsys, "change", "reject", "T1", *db(b))
    assert code == 2 and "原因" in err
    assert run(capsys, "change", "reject", "T1", "--reason", "材料不全", *db(b))[0] == 0
    assert tr.get_request(b.store.conn, 1).state == tr.T_REJECTED
    tr.request_transfer(b.store, id_number=number, name=name, from_school=a.code, effective_date="2026-12-01",
                        evidence=[("z.jpg", b"x")])
    assert run(capsys, "change", "withdraw", "T2", "--reason", "家长撤回", *db(b))[0] == 0
    assert tr.get_request(b.store.conn, 2).state == tr.T_WITHDRAWN
    code, _out, err = run(capsys, "change", "approve", "T9", *db(b))
    assert code == 2 and "T9" in err


def test_cross_province_request_exports_the_sheet(world, capsys, tmp_path):
    from openpyxl import load_workbook

    _county, _a, b = world
    scan = tmp_path / "证明.pdf"
    scan.write_bytes(b"%PDF-1.4")
    assert run(capsys, "transfer", "request", "--id-number", "110101201501010011", "--name", "李四", "--from",
               "4401010001", "--date", "2026-12-01", "--evidence", str(scan), "--cross-province",
               "--reason", "随父母迁居", *db(b))[0] == 0
    out = tmp_path / "跨省.xlsx"
    code, _o, err = run(capsys, "transfer", "sheet", "--out", str(out), *db(b))
    assert code == 2 and "审核同意" in err and not out.exists()  # not approved yet
    run(capsys, "change", "approve", "T1", *db(b))
    assert tr.get_request(b.store.conn, 1).state == tr.T_NATIONAL
    assert run(capsys, "transfer", "sheet", "--out", str(out), *db(b))[0] == 0
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("申请编号", "学生姓名", "身份证件号")
    assert rows[1][:5] == ("T1", "李四", "110101201501010011", None, "4401010001")
    assert "证明.pdf" in rows[1][9]
    # a cross-province request never goes up in a package
    assert tr.requests_for_package(b.store.conn) == []


def test_county_transfer_packages_from_the_command_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XUEJI_PASSWORD", PASSWORD)
    x = new_county(tmp_path, "140106", "迎泽区")
    y = new_county(tmp_path, "140107", "杏花岭区")
    try:
        with y.store.transaction() as tx:
            tx.execute("INSERT INTO county_peers (code) VALUES ('140106')")
        assert run(capsys, "county", "transfer-out", "--out", str(tmp_path / "out"), *db(y))[0] == 0
        [pkg] = (tmp_path / "out").iterdir()
        code, _o, err = run(capsys, "county", "transfer-in", str(pkg), *db(x))
        assert code == 2 and "--confirm-fingerprint" in err
        code, out, _ = run(capsys, "county", "transfer-in", str(pkg), "--confirm-fingerprint", y.fingerprint, *db(x))
        assert code == 0 and "已登记对方密钥" in out
        code, _o, err = run(capsys, "county", "transfer-in", str(pkg), *db(x))
        assert code == 2 and "序号" in err
        assert run(capsys, "county", "transfers", *db(x))[1].strip() == "没有转学。"
    finally:
        close_all(x, y)
