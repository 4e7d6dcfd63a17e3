"""One child's failure rolls back that child only: accepting a list (and 学前调档) writes each child — record,
family members, 学籍号, audit entries, admission state — under a savepoint, so a failure after the record is
written (学籍号 used up, …) undoes that child alone with --accept-valid, and everything without it."""

from __future__ import annotations

import openpyxl
import pytest

from tests.records.admission_lists import CODE, children, list_row, send_down, write_list
from xueji_desktop import school
from xueji_desktop.county import admissions as county_adm
from xueji_desktop.errors import BadInput
from xueji_desktop.records import admissions as adm
from xueji_desktop.records import student_number
from xueji_desktop.records.preschool import import_preschool
from xueji_desktop.records.school_year import set_class_cap
from xueji_desktop.storage import audit


@pytest.fixture
def offered(county, demo_store, linked, tmp_path):
    """Three children on the county's list, received at the school; an empty grade-1 class for them."""
    year = linked
    county_adm.set_plan(county, CODE, 1, year, 100)
    kids = children(year, 3, seed=31)
    assert len({k["birth_date"] for k in kids}) == 3  # the numbering below fails for one birth date only
    write_list(tmp_path / "l.xlsx", [list_row(CODE, year, k) for k in kids])
    assert county_adm.import_list(county, tmp_path / "l.xlsx").imported == 3
    send_down(county, demo_store, tmp_path, "down")
    with demo_store.transaction() as tx:
        cls = school.add_class(tx, year, 1, 9)
    return cls, kids


def _numbers_run_out_for(monkeypatch, kid: dict) -> None:
    """Every 学籍号 of the kid's birth date is taken: the real ``_free`` refuses, after the record is written."""
    real, born = student_number._free, kid["birth_date"].replace("-", "")

    def free(stem, taken):
        return real(stem, (lambda _n: True) if stem.endswith(born) else taken)
    monkeypatch.setattr(student_number, "_free", free)


def _fails_after_the_record(monkeypatch, kid: dict) -> None:
    """The child's whole record — row, family, 学籍号, its 新增学生 audit entry — is written, then a failure."""
    real = adm.add_student

    def add(tx, record, *args, **kwargs):
        sid = real(tx, record, *args, **kwargs)
        if record["name"] == kid["name"]:
            raise BadInput("该班座位刚被占用")
        return sid
    monkeypatch.setattr(adm, "add_student", add)


def _traces(store, kid: dict) -> dict[str, int]:
    """What of ``kid`` is in the file: student row, family rows, audit entries naming it."""
    rows = store.query("SELECT id FROM students WHERE id_number = ?", (kid["id_number"],))
    return {"students": len(rows),
            "members": store.query("SELECT count(*) FROM family_members WHERE student_id NOT IN"
                                   " (SELECT id FROM students)")[0][0]
            + sum(store.query("SELECT count(*) FROM family_members WHERE student_id = ?", (r[0],))[0][0]
                  for r in rows),
            "audit": store.query("SELECT count(*) FROM audit_log WHERE changes LIKE ?",
                                 (f"%{kid['id_number']}%",))[0][0]}


@pytest.mark.parametrize("failure", [_numbers_run_out_for, _fails_after_the_record])
def test_a_failure_inside_one_child_rolls_back_that_child_only(demo_store, offered, monkeypatch, failure):
    cls, kids = offered
    set_class_cap(demo_store, 1, 2)  # two seats: the failed child's seat must be free again for the third
    failure(monkeypatch, kids[1])
    ids = [k["id_number"] for k in kids]
    students, entries = demo_store.query("SELECT count(*) FROM students")[0][0], audit.verify(demo_store.conn).entries
    # without --accept-valid: nothing at all
    with pytest.raises(adm.RowsRefused, match=kids[1]["name"]):
        adm.accept(demo_store, ids, cls.class_code)
    assert demo_store.query("SELECT count(*) FROM students")[0][0] == students
    assert audit.verify(demo_store.conn).entries == entries
    # with it: the two others are in, the failed child is named and left without a trace
    result = adm.accept(demo_store, ids, cls.class_code, accept_valid=True)
    assert [a["name"] for a in result.accepted] == [kids[0]["name"], kids[2]["name"]]
    [refused] = result.refused
    assert refused["name"] == kids[1]["name"]
    assert ("学籍号已几乎用尽" if failure is _numbers_run_out_for else "座位刚被占用") in refused["message"]
    assert _traces(demo_store, kids[1]) == {"students": 0, "members": 0, "audit": 0}
    for kid in (kids[0], kids[2]):  # (the list carries one guardian)
        trace = _traces(demo_store, kid)
        assert trace["students"] == 1 and trace["members"] == 1 and trace["audit"] >= 1
    states = {a["name"]: (a["state"], a["student_id"]) for a in adm.admission_list(demo_store.conn)}
    assert states[kids[1]["name"]] == (adm.OFFERED, None)
    assert states[kids[2]["name"]][0] == adm.ACCEPTED
    check = audit.verify(demo_store.conn)
    assert check.ok, check.problems


def test_preschool_import_rolls_back_the_failed_child_only(demo_store, offered, monkeypatch, tmp_path):
    cls, kids = offered
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["幼儿姓名", "幼儿性别", "幼儿出生日期", "幼儿身份证号", "家长姓名", "家长与幼儿关系"])
    for k in kids:
        ws.append([k["name"], "男" if k["gender"] == "1" else "女", k["birth_date"], k["id_number"], "王刚", "父亲"])
    wb.save(tmp_path / "学前调档.xlsx")
    _numbers_run_out_for(monkeypatch, kids[0])
    with pytest.raises(adm.RowsRefused, match="学籍号已几乎用尽"):
        import_preschool(demo_store, tmp_path / "学前调档.xlsx", cls.class_code)
    assert all(_traces(demo_store, k)["students"] == 0 for k in kids)
    result = import_preschool(demo_store, tmp_path / "学前调档.xlsx", cls.class_code, accept_valid=True)
    assert result.imported == 2 and [r["name"] for r in result.refused] == [kids[0]["name"]]
    assert _traces(demo_store, kids[0]) == {"students": 0, "members": 0, "audit": 0}
    assert [_traces(demo_store, k)["members"] for k in kids[1:]] == [1, 1]
    assert audit.verify(demo_store.conn).ok
