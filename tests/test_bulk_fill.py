"""批量填写: one value into one field for many students, in one transaction, validated and audited."""

from __future__ import annotations

import json

import pytest

from xueji_desktop.cli import main
from xueji_desktop.errors import BadInput, Cancelled
from xueji_desktop.progress import Progress
from xueji_desktop.records.bulk_fill import fill_field, fillable_fields
from xueji_desktop.storage import audit

from .conftest import PASSWORD


def _ids(store, where: str = "1 = 1", params=()) -> list[int]:
    return [r[0] for r in store.conn.execute(f"SELECT id FROM students WHERE {where} ORDER BY id", params)]


def _data(store, sid: int) -> dict:
    return json.loads(store.conn.execute("SELECT data FROM students WHERE id = ?", (sid,)).fetchone()[0])


@pytest.fixture
def gaps(demo_store):
    """Three demo students without 国籍/地区 and one without 家庭成员1's 户口所在地具体地址: 待修正 now."""
    ids = _ids(demo_store)[:4]
    with demo_store.transaction() as tx:
        for sid in ids[:3]:
            tx.execute("UPDATE students SET data = json_remove(data, '$.nationality') WHERE id = ?", (sid,))
        tx.execute("UPDATE family_members SET data = json_remove(data, '$.household_address')"
                   " WHERE student_id = ? AND seq = 1", (ids[3],))
    return ids


def test_fills_only_empty_fields_revalidates_and_audits(demo_store, gaps):
    ids = _ids(demo_store)
    given = _data(demo_store, ids[10])["nationality"]
    result = fill_field(demo_store, ids, "国籍/地区", "中国")
    assert (result.filled, result.kept) == (3, len(ids) - 3)
    assert all(_data(demo_store, sid)["nationality"] == "CHN" for sid in gaps[:3])
    assert _data(demo_store, ids[10])["nationality"] == given
    entries = demo_store.query("SELECT record_id, changes FROM audit_log WHERE action = '修改学生'")
    assert sorted(int(r) for r, _ in entries) == sorted(gaps[:3])
    assert json.loads(entries[0][1]) == {"nationality": [None, "CHN"]}
    assert audit.verify(demo_store.conn).ok


def test_a_members_field_and_the_status_follows(demo_store, gaps):
    sid = gaps[3]
    from xueji_desktop.records.students import get_student

    fill_field(demo_store, [sid], "members.0.household_address", "山西省太原市小店区平阳路30号5单元701室")
    student = get_student(demo_store, sid)
    assert student["members"][0]["household_address"] == "山西省太原市小店区平阳路30号5单元701室"
    assert not any(i["field"] == "members.0.household_address" for i in student["_issues"])


def test_overwrite_replaces_given_values(demo_store):
    ids = _ids(demo_store)[:5]
    result = fill_field(demo_store, ids, "是否寄宿生", "是", overwrite=True)
    assert result.filled + result.kept == 5
    assert all(_data(demo_store, sid)["is_boarder"] == "1" for sid in ids)


@pytest.mark.parametrize(("path", "value", "words"), [
    ("name", "王明", "不能批量填写"),                 # key fields go through change requests
    ("members.0.id_number", "110101201001011234", "不能批量填写"),
    ("nationality", "火星", "不在代码表中"),
    ("members.1.household_address", "同上", "家庭成员2户口所在地具体地址"),
    ("is_boarder", "", "请填写"),
])
def test_refuses_before_changing_anything(demo_store, path, value, words):
    before = demo_store.conn.execute("SELECT group_concat(data) FROM students").fetchone()[0]
    with pytest.raises(BadInput, match=words):
        fill_field(demo_store, _ids(demo_store), path, value)
    assert demo_store.conn.execute("SELECT group_concat(data) FROM students").fetchone()[0] == before


def test_cancel_rolls_every_student_back(demo_store, gaps):
    class CancelHalfway(Progress):
        def report(self, done, total, message):
            if done >= 50:
                self.cancel()  # the clerk presses 取消 half way

    with pytest.raises(Cancelled):
        fill_field(demo_store, _ids(demo_store), "是否寄宿生", "否", overwrite=True, progress=CancelHalfway())
    assert all("nationality" not in _data(demo_store, sid) for sid in gaps[:3])
    assert not demo_store.query("SELECT 1 FROM audit_log WHERE action = '修改学生'")


def test_fillable_fields_leave_out_identity_and_class():
    paths = {p for p, _ in fillable_fields()}
    assert {"nationality", "members.0.household_address", "members.1.ethnicity"} <= paths
    assert not paths & {"name", "gender", "birth_date", "id_type", "id_number", "class_code", "grade", "phone",
                        "members.0.name", "members.0.id_number", "members.1.relation", "members.0.phone"}


def test_cli_fills_the_pending_of_one_class(demo_store, gaps, monkeypatch, capsys):
    from xueji_desktop.school import list_classes

    class_id = demo_store.conn.execute("SELECT class_id FROM students WHERE id = ?", (gaps[0],)).fetchone()[0]
    code = next(c.class_code for c in list_classes(demo_store) if c.id == class_id)
    path = demo_store.path
    demo_store.close()
    monkeypatch.setenv("XUEJI_PASSWORD", PASSWORD)
    assert main(["fill", "国籍/地区", "中国", "--db", str(path), "--class", code, "--status", "pending"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("已为 ") and "名学生填写国籍/地区" in out
    assert main(["fill", "姓名", "王明", "--db", str(path)]) == 2
    assert "不能批量填写" in capsys.readouterr().err
