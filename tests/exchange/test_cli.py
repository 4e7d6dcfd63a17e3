"""The whole exchange through the CLI, in-process: county init → init package → school → export → import."""

from __future__ import annotations

import json

import pytest

from xueji_desktop.cli import main


@pytest.fixture
def env(monkeypatch):
    monkeypatch.setenv("XUEJI_PASSWORD", "cli-pass-1")
    monkeypatch.setenv("XUEJI_USER", "admin")


def test_cli_round_trip(env, tmp_path, capsys):
    county, school = str(tmp_path / "county.xjdb"), str(tmp_path / "school.xjdb")
    assert main(["county", "init", "--db", county, "--county-code", "140106", "--county-name", "迎泽区",
                 "--city-code", "1401", "--city-name", "太原市"]) == 0
    assert main(["county", "add-school", "--db", county, "2114010068", "双塔西街小学", "140106001000"]) == 0
    assert main(["county", "add-school", "--db", county, "2114010068", "重复", "140106001000"]) == 2
    assert main(["county", "make-init", "--db", county, "--out", str(tmp_path / "init")]) == 0
    init = next((tmp_path / "init").glob("*.xjpkg"))
    capsys.readouterr()
    assert main(["school", "init-from-package", "--db", school, str(init)]) == 0
    out = capsys.readouterr().out
    fingerprint = out.split("核对）：")[1].split("\n")[1].strip()
    assert len(fingerprint.split()) == 5

    # a few students so there is something to send
    from xueji_desktop import school as school_mod
    from xueji_desktop.demo import demo_classes, generate_records
    from xueji_desktop.records.students import add_student
    from xueji_desktop.storage import Store

    with Store.open(school, "admin", "cli-pass-1") as store, store.transaction() as tx:
        c = demo_classes()[0]
        info = school_mod.add_class(tx, c.entry_year, c.stage, c.number)
        for _c, record in generate_records(6, classes=[c]):
            add_student(tx, record, info.id)
    assert main(["export-package", "--db", school, "--out", str(tmp_path / "usb")]) == 0
    pkg = next((tmp_path / "usb").glob("*.xjpkg"))
    assert pkg.name.startswith("2114010068双塔西街小学_")

    capsys.readouterr()
    assert main(["county", "import", "--db", county, str(pkg)]) == 1  # fingerprint not confirmed yet
    err = capsys.readouterr().err
    assert "回执" in err and fingerprint not in err
    assert main(["county", "import", "--db", county, str(pkg), "--confirm-fingerprint", fingerprint, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["imported"][0]["students"] == 6 and not result["refused"]
    assert main(["county", "import", "--db", county, str(pkg)]) == 1  # replay
    assert "不比已导入的" in capsys.readouterr().err
    assert main(["county", "problems", "--db", county, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["county", "review", "--db", county, "2114010068", "--return"]) == 2  # reason required
    assert main(["county", "review", "--db", county, "2114010068", "--pass"]) == 0
    assert main(["county", "feedback", "--db", county, "2114010068", "--out", str(tmp_path / "fb")]) == 0
    fb = next((tmp_path / "fb").glob("*.xjpkg"))
    assert main(["import-feedback", "--db", school, str(fb)]) == 0
    assert "通过" in capsys.readouterr().out
    with Store.open(school, "admin", "cli-pass-1") as store:  # accepted by the county: key fields now locked
        assert store.query("SELECT count(*) FROM students WHERE county_accepted = 1")[0][0] == 6
    assert main(["county", "export-up", "--db", county, "--out", str(tmp_path / "up"), "--folders"]) == 0
    assert (tmp_path / "up" / "1401太原市" / "140106迎泽区" / "2114010068双塔西街小学").is_dir()
    assert main(["problems", "--db", school]) == 0
