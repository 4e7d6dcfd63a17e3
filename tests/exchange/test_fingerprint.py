"""Confirming a school's key confirms something (issue 21, hole 3): the county types the fingerprint from the
school's stamped slip; no message shows the package's own fingerprint to copy back; the school sees the county
key it accepted; a leader can reset a school's key after a lost PC, with a reason, audited."""

from __future__ import annotations

import json

import pytest

from tests.exchange.helpers import PASSWORD, FakeSchool, county_public, records, snapshot, write
from xueji_desktop.cli import main
from xueji_desktop.county.intake import import_package
from xueji_desktop.errors import BadInput, PermissionDenied


@pytest.fixture
def school(county):
    s = FakeSchool.new("2114010068", "双塔西街小学")
    s.register(county)
    return s


def test_no_refusal_shows_the_fingerprint_it_asks_for(county, school, tmp_path):
    pkg = write(tmp_path, "1.xjpkg", school.package(county_public(county), records(3)))
    before = snapshot(county)
    for typed in (None, "1234 5678 9ABC DEF0 1234", school.fingerprint[:14]):
        with pytest.raises(BadInput) as refused:
            import_package(county, pkg, confirm_fingerprint=typed)
        message = str(refused.value)
        assert school.name in message
        assert school.fingerprint not in message and school.fingerprint.replace(" ", "") not in message
        assert school.fingerprint[:9] not in message
    assert snapshot(county) == before
    assert import_package(county, pkg, confirm_fingerprint=school.fingerprint).students == 3


def test_another_key_for_a_registered_school_does_not_show_the_impostors_fingerprint(county, school, tmp_path):
    import_package(county, write(tmp_path, "1.xjpkg", school.package(county_public(county), records(2))),
                   confirm_fingerprint=school.fingerprint)
    impostor = FakeSchool.new(school.code, school.name)
    pkg = write(tmp_path, "2.xjpkg", impostor.package(county_public(county), records(2), sequence=2))
    with pytest.raises(BadInput, match="reset-key") as refused:
        import_package(county, pkg, confirm_fingerprint=impostor.fingerprint)
    assert impostor.fingerprint not in str(refused.value)


def test_school_prints_a_slip_and_sees_the_county_key_it_accepted(qapp, tmp_path, monkeypatch, capsys):
    """(qapp: the PDF is drawn with Qt; in the CLI a headless app is made, in tests pytest-qt owns the one app.)"""
    monkeypatch.setenv("XUEJI_PASSWORD", PASSWORD)
    county, school = str(tmp_path / "county.xjdb"), str(tmp_path / "school.xjdb")
    assert main(["county", "init", "--db", county, "--county-code", "140106", "--county-name", "迎泽区",
                 "--city-code", "1401", "--city-name", "太原市"]) == 0
    county_fp = capsys.readouterr().out.split("核对）：")[1].split("\n")[1].strip()
    assert main(["county", "add-school", "--db", county, "2114010068", "双塔西街小学", "140106001000"]) == 0
    assert main(["county", "make-init", "--db", county, "--out", str(tmp_path / "init")]) == 0
    init = next((tmp_path / "init").glob("*.xjpkg"))
    capsys.readouterr()
    assert main(["school", "init-from-package", "--db", school, str(init)]) == 0
    assert county_fp in capsys.readouterr().out  # the school is shown the county key it accepted
    slip = tmp_path / "回执.pdf"
    assert main(["school", "fingerprint", "--db", school, "--print", "--out", str(slip)]) == 0
    out = capsys.readouterr().out
    assert county_fp in out and str(slip) in out
    assert slip.read_bytes().startswith(b"%PDF") and slip.stat().st_size > 1000

    from xueji_desktop.exchange.school_side import key_slip_info
    from xueji_desktop.printing.key_slip import key_slip
    from xueji_desktop.storage import Store

    with Store.open(school, "admin", PASSWORD) as store:
        info = key_slip_info(store)
        logged = store.query("SELECT action FROM audit_log ORDER BY id DESC LIMIT 1")[0][0]
    texts = " ".join(key_slip(info).texts())
    assert info.fingerprint in texts and county_fp in texts and "双塔西街小学" in texts and "盖章" in texts
    assert logged == "打印指纹回执"


def test_a_leader_resets_a_schools_key_with_a_reason(county, school, tmp_path, monkeypatch, capsys):
    pub = county_public(county)
    import_package(county, write(tmp_path, "1.xjpkg", school.package(pub, records(2), sequence=4)),
                   confirm_fingerprint=school.fingerprint)
    county.add_user("lingdao", "leader-pass", "leader")
    db = str(county.path)
    monkeypatch.setenv("XUEJI_PASSWORD", PASSWORD)
    assert main(["county", "reset-key", "--db", db, school.code, "--reason", "电脑重装"]) == 2  # a clerk
    assert "主管领导" in capsys.readouterr().err
    monkeypatch.setenv("XUEJI_PASSWORD", "leader-pass")
    assert main(["county", "reset-key", "--db", db, "--user", "lingdao", school.code, "--reason", " "]) == 2
    assert main(["county", "reset-key", "--db", db, "--user", "lingdao", school.code, "--reason", "电脑重装"]) == 0
    action, user, changes = county.query("SELECT action, username, changes FROM audit_log ORDER BY id DESC LIMIT 1")[0]
    changes = json.loads(changes)
    assert action == "重置学校密钥" and user == "lingdao"
    assert changes["reason"] == [None, "电脑重装"] and changes["fingerprint"] == [school.fingerprint, None]
    assert changes["approved_by"] == [None, "lingdao"]

    # the new PC starts again from its init package: new key, sequence 1, confirmed against the new slip
    new_pc = FakeSchool.new(school.code, school.name)
    pkg = write(tmp_path, "2.xjpkg", new_pc.package(pub, records(3), sequence=1))
    with pytest.raises(BadInput, match="回执"):
        import_package(county, pkg)
    with pytest.raises(BadInput, match="不一致"):
        import_package(county, pkg, confirm_fingerprint=school.fingerprint)  # the old slip does not do
    assert import_package(county, pkg, confirm_fingerprint=new_pc.fingerprint).students == 3
    old_key = write(tmp_path, "3.xjpkg", school.package(pub, records(2), sequence=9))
    with pytest.raises(BadInput, match="不是由本县登记"):
        import_package(county, old_key)


def test_reset_needs_the_leader_role_in_the_core(county, school):
    with pytest.raises(PermissionDenied):
        from xueji_desktop.county.schools import reset_school_key

        reset_school_key(county, school.code, "x")
