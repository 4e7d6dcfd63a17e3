"""无身份证号学生在校就读证明表: the students who need it, the printed form, and the sent mark."""

from __future__ import annotations

import json

import pytest

from tests.conftest import PASSWORD
from xueji_desktop.cli import main
from xueji_desktop.records.students import get_student, public_record, update_student
from xueji_desktop.storage import Store


@pytest.fixture
def no_id_school(demo_path, monkeypatch):
    """The demo school with one Chinese student whose ID number is unknown (type 其他, a guardian's ID)."""
    monkeypatch.setenv("XUEJI_PASSWORD", PASSWORD)
    with Store.open(demo_path, "admin", PASSWORD) as store:
        sid = store.conn.execute("SELECT id FROM students WHERE id_number != '' ORDER BY id LIMIT 1").fetchone()[0]
        record = public_record(get_student(store, sid))
        record.update(id_type="Z", id_number="", nationality="CHN")
        with store.transaction() as tx:
            update_student(tx, sid, record)
        name = record["name"]
    return demo_path, sid, name


def test_list_print_and_mark_sent(no_id_school, tmp_path, capsys, qapp):
    from tests.printing.conftest import pdf_pages_text

    path, sid, name = no_id_school
    db = ["--db", str(path)]
    assert main(["proof", "list", "--json", *db]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(r["student_id"], r["state"]) for r in listed] == [(sid, "未打印")]

    pdf = tmp_path / "proof.pdf"
    assert main(["print-proof", "--out", str(pdf), *db]) == 0
    pages = pdf_pages_text(pdf)
    assert len(pages) == 1
    assert "无身份证号学生在校就读证明表" in pages[0] and name in pages[0] and "县级学籍主管部门审核意见" in pages[0]
    capsys.readouterr()
    assert main(["proof", "list", "--json", *db]) == 0
    assert json.loads(capsys.readouterr().out)[0]["state"] == "已打印"

    assert main(["proof", "sent", str(sid), *db]) == 0
    capsys.readouterr()
    assert main(["proof", "list", "--json", *db]) == 0
    row = json.loads(capsys.readouterr().out)[0]
    assert row["state"] == "已报送" and row["sent_by"] == "admin"


def test_students_with_an_id_number_need_no_proof(no_id_school, capsys):
    path, _, _ = no_id_school
    with Store.open(path, "admin", PASSWORD) as store:
        other = store.conn.execute("SELECT id FROM students WHERE id_number != '' LIMIT 1").fetchone()[0]
    assert main(["proof", "sent", str(other), "--db", str(path)]) == 2
    assert "不需要" in capsys.readouterr().err
    assert main(["print-proof", "--students", str(other), "--out", "x.pdf", "--db", str(path)]) == 2
    assert "没有需要" in capsys.readouterr().err
