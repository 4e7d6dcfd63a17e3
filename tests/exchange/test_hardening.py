"""The holes an attack pass found around the sound crypto (issue 21): a hostile or careless school's package is
refused with one clear message, and the county store is left exactly as it was."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.exchange.helpers import (
    PASSWORD,
    FakeSchool,
    county_public,
    inner_body,
    inner_members,
    records,
    snapshot,
    write,
)
from xueji_desktop.county.intake import import_package
from xueji_desktop.county.upward import export_up
from xueji_desktop.errors import BadInput
from xueji_desktop.exchange import payload
from xueji_desktop.storage import Store


@pytest.fixture
def school(county):
    s = FakeSchool.new("2114010068", "双塔西街小学")
    s.register(county)
    return s


def _refused(county, path, match: str, fingerprint: str | None = None) -> None:
    before = snapshot(county)
    with pytest.raises(BadInput, match=match):
        import_package(county, path, confirm_fingerprint=fingerprint)
    assert snapshot(county) == before


def _crafted(tmp_path, county, school, change, recs=None, sequence: int = 1, **build_extra) -> Path:
    """A package the school signed correctly around a payload it changed with ``change(manifest, files)``."""
    manifest, files = inner_members(school, records(3) if recs is None else recs, sequence, **build_extra)
    change(manifest, files)
    body = inner_body(manifest, files)
    return write(tmp_path, "crafted.xjpkg", school.package(county_public(county), [], sequence=sequence, body=body))


def _lines(files) -> list[dict]:
    return [json.loads(line) for line in files["students.jsonl"].split(b"\n")]


def _set_lines(files, lines) -> None:
    files["students.jsonl"] = b"\n".join(json.dumps(x, ensure_ascii=False).encode() for x in lines)


# ---- 1. replay race ------------------------------------------------------------------------------------

def test_an_older_package_cannot_win_a_race_with_a_newer_one(county, school, tmp_path, monkeypatch):
    """Two imports at once (two clerks, or GUI and CLI): the older package checked its sequence before the newer
    one merged; it must still lose, because the sequence is checked and advanced in the merge transaction."""
    pub = county_public(county)
    import_package(county, write(tmp_path, "1.xjpkg", school.package(pub, records(2), sequence=1)),
                   confirm_fingerprint=school.fingerprint)
    older = write(tmp_path, "2.xjpkg", school.package(pub, records(3, seed=2), sequence=2))
    newer = write(tmp_path, "3.xjpkg", school.package(pub, records(5, seed=3), sequence=3))
    other = Store.open(county.path, "admin", PASSWORD)  # the second clerk's own connection
    real_parse = payload.parse

    def newer_lands_meanwhile(body, what):
        monkeypatch.setattr(payload, "parse", real_parse)
        import_package(other, newer)
        return real_parse(body, what)

    monkeypatch.setattr(payload, "parse", newer_lands_meanwhile)
    try:
        with pytest.raises(BadInput, match="序号 2 不比已导入的（3）新"):
            import_package(county, older)
    finally:
        other.close()
    assert county.query("SELECT last_sequence FROM county_schools WHERE code = ?", (school.code,))[0][0] == 3
    assert county.query("SELECT count(*) FROM county_students")[0][0] == 5


# ---- 2. metadata is validated and bound to the signer -------------------------------------------------------

def test_school_json_without_its_fields_is_refused_so_export_up_cannot_crash(county, school, tmp_path):
    def strip(manifest, files):
        files["school.json"] = json.dumps({"code": school.code}).encode()

    _refused(county, _crafted(tmp_path, county, school, strip), r"school\.json.*name", school.fingerprint)
    # what the county does accept (and passes: export-up carries passed schools only) still goes upward
    import_package(county, write(tmp_path, "ok.xjpkg", school.package(county_public(county), records(2))),
                   confirm_fingerprint=school.fingerprint)
    from xueji_desktop.county.review import review

    review(county, school.code, passed=True)
    assert export_up(county, tmp_path / "up")


def test_a_package_naming_another_school_is_refused(county, school, tmp_path):
    victim = FakeSchool.new("2114010099", "另一所小学")
    victim.register(county)

    def impersonate(manifest, files):
        files["school.json"] = json.dumps(victim.profile(), ensure_ascii=False).encode()

    _refused(county, _crafted(tmp_path, county, school, impersonate), "2114010099", school.fingerprint)


@pytest.mark.parametrize("field,value", [("stage", "x"), ("entry_year", None), ("class_code", 7),
                                         ("name", ["a"]), ("number", 1.5)])
def test_classes_json_with_wrong_types_is_refused(county, school, tmp_path, field, value):
    def bad_class(manifest, files):
        classes = json.loads(files["classes.json"])
        classes[0][field] = value
        files["classes.json"] = json.dumps(classes).encode()

    _refused(county, _crafted(tmp_path, county, school, bad_class), rf"classes\.json.*{field}", school.fingerprint)


@pytest.mark.parametrize("field,value", [("name", ["x"]), ("id_number", {"a": 1}), ("members", "x"),
                                         pytest.param("name", "名" * 5000, id="name-too-long")])
def test_student_records_with_wrong_types_are_refused(county, school, tmp_path, field, value):
    def bad_record(manifest, files):
        lines = _lines(files)
        lines[1]["record"][field] = value
        _set_lines(files, lines)

    _refused(county, _crafted(tmp_path, county, school, bad_record), f"第 2 行.*{field}", school.fingerprint)


def test_a_student_in_a_class_the_package_does_not_list_is_refused(county, school, tmp_path):
    def orphan(manifest, files):
        lines = _lines(files)
        lines[0]["class_code"] = "2099199"
        _set_lines(files, lines)

    _refused(county, _crafted(tmp_path, county, school, orphan), "2099199", school.fingerprint)


# ---- 4. reading what is not a file ----------------------------------------------------------------------

def _county_cli(county, *args: str, timeout: float = 60, **kw) -> subprocess.CompletedProcess:
    env = {**os.environ, "XUEJI_PASSWORD": PASSWORD, "XUEJI_USER": "admin"}
    return subprocess.run([sys.executable, "-m", "xueji_desktop", "county", "import", "--db", str(county.path),
                           *args], capture_output=True, text=True, env=env, timeout=timeout, **kw)


def _limit_memory() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_a_device_is_refused_without_reading_it(county):
    before = snapshot(county)
    r = _county_cli(county, "/dev/zero", preexec_fn=_limit_memory)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr[-2000:]
    assert "不是普通文件" in r.stderr
    assert snapshot(county) == before


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_is_refused_without_hanging(county, tmp_path):
    fifo = tmp_path / "pipe.xjpkg"
    os.mkfifo(fifo)
    r = _county_cli(county, str(fifo), timeout=30)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "不是普通文件" in r.stderr


def test_a_file_growing_past_the_cap_is_not_read_whole(tmp_path):
    from xueji_desktop.infiles import read_regular

    big = tmp_path / "big.xjpkg"
    big.write_bytes(b"\0" * 5000)
    with pytest.raises(BadInput, match="过大"):
        read_regular(big, 4096, "数据包")
    assert read_regular(big, 5000, "数据包") == b"\0" * 5000


def test_member_count_is_capped_before_the_directory_is_parsed(county, school, tmp_path):
    """A zip declaring 70,000 members is refused from its end record, without building 70,000 entries."""
    import io
    import tracemalloc

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for i in range(70_000):
            zf.writestr(zipfile.ZipInfo(f"{i}"), b"")
    data = buf.getvalue()
    from xueji_desktop.exchange.container import open_envelope

    tracemalloc.start()
    try:
        with pytest.raises(BadInput, match="成员过多"):
            open_envelope(data, "many.xjpkg")
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5 << 20, f"peak {peak / 1e6:.1f} MB: the central directory was parsed before the cap"


# ---- 5. tracebacks instead of messages -------------------------------------------------------------------

def test_a_sequence_number_of_2_to_the_63_is_refused(county, school, tmp_path):
    pkg = write(tmp_path, "big.xjpkg", school.package(county_public(county), records(2), sequence=2 ** 63))
    _refused(county, pkg, "序号", school.fingerprint)


def test_a_duplicate_uid_is_refused(county, school, tmp_path):
    def dup(manifest, files):
        lines = _lines(files)
        lines[1]["uid"] = lines[0]["uid"]
        _set_lines(files, lines)

    _refused(county, _crafted(tmp_path, county, school, dup), "uid-0000.*重复|重复.*uid-0000", school.fingerprint)


def test_a_duplicate_class_code_is_refused(county, school, tmp_path):
    def dup(manifest, files):
        classes = json.loads(files["classes.json"])
        files["classes.json"] = json.dumps(classes + classes[:1]).encode()

    _refused(county, _crafted(tmp_path, county, school, dup), "班号.*重复", school.fingerprint)


@pytest.mark.parametrize("change_id", ["abc", 1.5, None, True, 2 ** 70])
def test_a_non_integer_change_id_is_refused(county, school, tmp_path, change_id):
    change = {"change_id": change_id, "student_uid": "uid-0000", "kind": "休学", "status": "approved",
              "effective_date": "2026-09-01", "reason": "病", "applied_at": "2026-09-01", "decided_at": None,
              "data": "{}"}
    path = _crafted(tmp_path, county, school, lambda m, f: None, change_records=[change])
    _refused(county, path, "change_id", school.fingerprint)


def test_county_import_with_db_naming_a_folder(county, tmp_path, capsys):
    """`--db` given a folder (with or without a keyring beside it): one message saying so, nothing created."""
    from xueji_desktop.cli import main

    folder = tmp_path / "folder"
    folder.mkdir()
    pkg = tmp_path / "x.xjpkg"
    pkg.write_bytes(b"PK")
    os.environ["XUEJI_PASSWORD"] = PASSWORD
    try:
        assert main(["county", "import", "--db", str(folder), str(pkg)]) == 2
        assert "是文件夹" in capsys.readouterr().err
        (tmp_path / "folder.keys").write_bytes(Path(str(county.path) + ".keys").read_bytes())
        assert main(["county", "import", "--db", str(folder), str(pkg)]) == 2
        assert "是文件夹" in capsys.readouterr().err
    finally:
        del os.environ["XUEJI_PASSWORD"]
    assert not any(folder.iterdir())


def test_a_zip_entry_claiming_a_newer_zip_version_is_refused(county, school, tmp_path):
    """Found by the fuzz harness: one flipped byte in a central-directory entry's "version needed" made zipfile
    raise NotImplementedError ("zip file version 11.2"), a traceback."""
    data = bytearray(school.package(county_public(county), records(2)))
    at = data.index(b"PK\x01\x02")
    data[at + 6] = 112  # version needed to extract: 11.2
    _refused(county, write(tmp_path, "v.xjpkg", bytes(data)), "损坏|不完整|不是本程序", school.fingerprint)
