"""The status-change commands, run as a script would."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD, county_sends
from xueji_desktop.cli import main


@pytest.fixture
def env(monkeypatch, demo_path):
    monkeypatch.setenv("XUEJI_PASSWORD", PASSWORD)
    return demo_path


def test_apply_approve_list_report(env, tmp_path, capsys, monkeypatch):
    from xueji_desktop.storage import Store

    store = Store.open(env, "admin", PASSWORD)
    id_number = store.query("SELECT id_number FROM students WHERE status = 'ok' LIMIT 1")[0][0]
    store.close()
    scan = tmp_path / "证明.jpg"
    scan.write_bytes(b"\xff\xd8 scan")
    db = ["--db", str(env)]
    assert main(["change", "apply", id_number, "休学", "--date", "2026-10-09", "--reason", "因病",
                 "--evidence", str(scan), *db]) == 0
    assert main(["change", "apply", id_number, "出国", "--date", "2026-10-09", "--reason", "x",
                 "--evidence", str(scan), *db]) == 2
    assert "未办结" in capsys.readouterr().err
    assert main(["change", "approve", "1", *db]) == 2  # admin is not 主管领导
    assert "主管领导" in capsys.readouterr().err
    assert main(["change", "approve", "1", "--user", "leader", *db]) == 0
    assert "已生效" in capsys.readouterr().out
    assert main(["change", "list", *db]) == 0
    assert "休学" in capsys.readouterr().out
    out = tmp_path / "report.xlsx"
    assert main(["change", "report", "--year", "2026", "--out", str(out), *db]) == 0
    assert out.exists()


def test_year_and_caps_commands(env, capsys):
    db = ["--db", str(env)]
    assert main(["year", "rollover", "--date", "2026-12-01", *db]) == 2
    assert "8 月 1 日" in capsys.readouterr().err
    assert main(["caps", "set", "--stage", "1", "--cap", "40", "--county", *db]) == 2
    assert "是县级规则" in capsys.readouterr().err
    from xueji_desktop.storage import Store

    with Store.open(env, "admin", PASSWORD) as store:
        county_sends(store, {"class_cap.county.1": "40"})
    assert main(["caps", "set", "--stage", "1", "--cap", "45", *db]) == 2
    assert "不能高于县级" in capsys.readouterr().err
    assert main(["caps", "show", *db]) == 0
    assert "40" in capsys.readouterr().out
