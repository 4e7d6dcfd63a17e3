"""Warning confirmations: recorded, audited, respected by the status, dropped when the field changes."""

from __future__ import annotations

import random
from datetime import date

import pytest

from xueji_desktop import school
from xueji_desktop.demo import demo_classes, make_id_number, make_student
from xueji_desktop.errors import BadInput
from xueji_desktop.records import students
from xueji_desktop.validation.confirm import confirm_warning, confirmed_warnings, revoke_confirmation

WARN = ("birth_date", "birth_date.age_for_grade")


def _older_student(cls) -> dict:
    rec = make_student(random.Random(4), cls)
    b = date.fromisoformat(rec["birth_date"])
    b = b.replace(year=b.year - 5)
    rec["birth_date"] = b.isoformat()
    rec["id_number"] = make_id_number(random.Random(1), b, rec["gender"] == "1", "140106")
    return rec


@pytest.fixture
def student(empty_store):
    cls = demo_classes()[0]
    with empty_store.transaction() as tx:
        info = school.add_class(tx, cls.entry_year, cls.stage, cls.number)
        sid = students.add_student(tx, _older_student(cls), info.id)
    return empty_store, sid


def _row(store, sid):
    return store.conn.execute("SELECT status, warning_count FROM students WHERE id = ?", (sid,)).fetchone()


def test_confirm_warning_counts_no_more_and_is_audited(student):
    store, sid = student
    assert _row(store, sid) == ("warning", 1)
    with store.transaction() as tx:
        assert confirm_warning(tx, sid, *WARN) == "ok"
    assert _row(store, sid) == ("ok", 0)
    assert confirmed_warnings(store.conn, sid) == {WARN}
    who = store.conn.execute("SELECT confirmed_by FROM warning_confirmations WHERE student_id = ?", (sid,)).fetchone()
    assert who == ("admin",)
    actions = [r[0] for r in store.conn.execute("SELECT action FROM audit_log WHERE record_id = ?", (str(sid),))]
    assert "确认警告" in actions


def test_unrelated_edit_keeps_confirmation_field_edit_drops_it(student):
    store, sid = student
    with store.transaction() as tx:
        confirm_warning(tx, sid, *WARN)
    rec = students.public_record(students.get_student(store, sid))
    rec["current_address"] = rec["current_address"] + "（北门）"
    with store.transaction() as tx:
        students.update_student(tx, sid, rec)
    assert _row(store, sid) == ("ok", 0)
    b = date.fromisoformat(rec["birth_date"]).replace(day=1)
    rec["birth_date"] = b.isoformat()
    rec["id_number"] = make_id_number(random.Random(1), b, rec["gender"] == "1", "140106")
    with store.transaction() as tx:
        students.update_student(tx, sid, rec)
    assert _row(store, sid) == ("warning", 1)  # a changed value needs a new look
    assert confirmed_warnings(store.conn, sid) == set()


def test_revoke(student):
    store, sid = student
    with store.transaction() as tx:
        confirm_warning(tx, sid, *WARN)
    with store.transaction() as tx:
        assert revoke_confirmation(tx, sid, *WARN) == "warning"
    assert _row(store, sid) == ("warning", 1)


def test_errors_and_unknown_warnings_cannot_be_confirmed(student):
    store, sid = student
    rec = students.public_record(students.get_student(store, sid))
    rec["name"] = ""
    with store.transaction() as tx:
        students.update_student(tx, sid, rec)
    with pytest.raises(BadInput, match="是错误，不能确认"), store.transaction() as tx:
        confirm_warning(tx, sid, "name", "required")
    with pytest.raises(BadInput, match="没有字段"), store.transaction() as tx:
        confirm_warning(tx, sid, "gender", "nothing")
    assert confirmed_warnings(store.conn, sid) == set()


def test_cli_confirm_warning(student, monkeypatch, capsys):
    from tests.conftest import PASSWORD
    from xueji_desktop.cli import main

    store, sid = student
    path = store.path
    store.close()
    monkeypatch.setenv("XUEJI_PASSWORD", PASSWORD)
    assert main(["confirm-warning", "--db", str(path), str(sid), *WARN]) == 0
    assert "正常" in capsys.readouterr().out
    assert main(["confirm-warning", "--db", str(path), str(sid), "name", "required"]) == 2
