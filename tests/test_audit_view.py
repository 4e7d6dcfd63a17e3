"""The audit log as people read it (audit_view, the 用户与日志 page and `xueji audit list`): local times,
field labels, student names, and a batch (360 photos in one transaction) as one entry."""

from __future__ import annotations

import json
from datetime import datetime

from tests.conftest import PASSWORD
from xueji_desktop.audit_view import LogReader, describe, field_label, local_time


def test_local_time_converts_utc_stamps_to_the_machine_zone():
    utc = "2026-12-04T13:45:09+00:00"
    expected = datetime.fromisoformat(utc).astimezone().strftime("%Y-%m-%d %H:%M")
    assert local_time(utc) == expected
    assert local_time("not a time") == "not a time"


def test_field_labels_for_student_member_and_warning_keys():
    assert field_label("id_number") == "身份证件号"
    assert field_label("members.1.phone") == "家庭成员2 联系电话"
    assert field_label("warning:enrol_date:enrol_date.class_year") == "警告确认：入学年月"
    assert field_label("head_teacher", "classes") == "班主任"


def test_a_batch_is_one_entry_with_names(demo_store):
    entries = describe(demo_store.conn, limit=100)
    photos = [e for e in entries if e["action"] == "导入照片"]
    assert len(photos) == 1 and photos[0]["count"] == 360  # the demo's 360 photos: one entry
    assert "等 360 名学生" in photos[0]["subject"]
    classes = next(e for e in entries if e["action"] == "新建班级")
    assert classes["subject"].startswith("小学") and "班主任" in classes["details"]
    assert all("T" not in e["time"] and "+" not in e["time"] for e in entries)


def test_a_single_edit_names_the_student_and_the_field(demo_store):
    from xueji_desktop.records.students import get_student, update_student

    sid, name = demo_store.query("SELECT id, name FROM students ORDER BY id LIMIT 1")[0]
    record = get_student(demo_store, sid)
    with demo_store.transaction() as tx:
        update_student(tx, sid, {**record, "gender": "2" if record["gender"] == "1" else "1"})
    [entry] = describe(demo_store.conn, limit=1)
    assert entry["action"] == "修改学生" and entry["subject"] == name and entry["count"] == 1
    assert "性别：" in entry["details"] and ("男 → 女" in entry["details"] or "女 → 男" in entry["details"])
    # Found by the student's name, too.
    reader = LogReader(demo_store.conn)
    assert any(k[3] == "修改学生" for k in reader.group_keys(text=name))


def test_cli_audit_list_json(demo_path, monkeypatch, capsys):
    from xueji_desktop.cli import main

    monkeypatch.setenv("XUEJI_PASSWORD", PASSWORD)
    assert main(["audit", "list", "--db", str(demo_path), "--json", "--action", "导入照片"]) == 0
    [entry] = json.loads(capsys.readouterr().out)
    assert entry["count"] == 360 and entry["object"] == "照片"
    assert main(["audit", "list", "--db", str(demo_path), "--limit", "3"]) == 0
    assert len(capsys.readouterr().out.strip().splitlines()) == 3


def test_a_photo_recheck_is_one_entry_naming_the_students(demo_store):
    from xueji_desktop.photos.library import save_checks

    ids = [r[0] for r in demo_store.query("SELECT student_id FROM photos ORDER BY student_id LIMIT 8")]
    names = [demo_store.query("SELECT name FROM students WHERE id = ?", (i,))[0][0] for i in ids]
    assert save_checks(demo_store, [(sid, False, [{"code": "size", "message": "尺寸不对"}]) for sid in ids]) == 8
    [entry] = describe(demo_store.conn, limit=1)
    assert entry["action"] == "检查照片" and entry["count"] == 1
    assert "检查：8" in entry["details"] and names[0] in entry["details"] and "等 8 名" in entry["details"]
    assert "[" not in entry["details"]
