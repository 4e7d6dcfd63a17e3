"""Files a user names that are not regular files — a FIFO (would block), /dev/zero (never ends) — are refused
with one message, for evidence scans, photos and workbooks as for packages (infiles.read_regular)."""

from __future__ import annotations

import json
import os
import sys

import pytest

from tests.conftest import PASSWORD
from xueji_desktop.cli import main
from xueji_desktop.errors import BadInput

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="FIFOs and /dev/zero are POSIX")


@pytest.fixture
def fifo(tmp_path):
    path = tmp_path / "140106201503071234.jpg"
    os.mkfifo(path)
    return path


@pytest.mark.timeout(20)
@pytest.mark.parametrize("kind", ["fifo", "zero"])
def test_evidence_that_is_not_a_file_is_refused(kind, fifo):
    from pathlib import Path

    from xueji_desktop.records.changes import read_evidence

    path = fifo if kind == "fifo" else Path("/dev/zero")
    with pytest.raises(BadInput, match="不是普通文件"):
        read_evidence([path])


@pytest.mark.timeout(20)
def test_check_photo_and_fix_photo_refuse_a_fifo(fifo, tmp_path, capsys):
    assert main(["check-photo", str(fifo)]) == 1
    assert "不是普通文件" in capsys.readouterr().out
    assert main(["fix-photo", "/dev/zero", str(tmp_path / "out.jpg")]) == 2
    assert "不是普通文件" in capsys.readouterr().err
    assert not (tmp_path / "out.jpg").exists()


@pytest.mark.timeout(30)
def test_import_photos_does_not_hang_on_a_fifo(demo_path, fifo, monkeypatch, capsys):
    monkeypatch.setenv("XUEJI_PASSWORD", PASSWORD)
    assert main(["import-photos", str(fifo.parent), "--db", str(demo_path)]) == 0
    assert "已导入 0 张照片" in capsys.readouterr().out


def test_the_photo_worker_refuses_a_fifo(fifo):
    from xueji_desktop.photos.batch import import_worker

    data, check = import_worker((str(fifo), True, False))
    assert data is None and "不是普通文件" in json.dumps(check, ensure_ascii=False)


@pytest.mark.timeout(20)
def test_workbook_that_is_a_fifo_is_refused(tmp_path, capsys):
    path = tmp_path / "学生.xlsx"
    os.mkfifo(path)
    assert main(["check-excel", str(path)]) in (1, 2)
    assert "不是普通文件" in capsys.readouterr().err
