"""Hostile packages: every one is refused with a clear message and the county database is unchanged."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from tests.exchange.helpers import FakeSchool, county_public, records, snapshot, write
from xueji_desktop.county.intake import import_package
from xueji_desktop.errors import BadInput
from xueji_desktop.exchange import keys
from xueji_desktop.exchange.container import HEADER_NAME, PAYLOAD_NAME, SIGNATURE_NAME, canonical
from xueji_desktop.exchange.safezip import write_zip


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


def test_valid_package_imports_after_fingerprint(county, school, tmp_path):
    pkg = write(tmp_path, "a.xjpkg", school.package(county_public(county), records(6)))
    _refused(county, pkg, "第一次上报")
    _refused(county, pkg, "不一致", fingerprint="0000 0000 0000 0000 0000")
    result = import_package(county, pkg, confirm_fingerprint=school.fingerprint.lower())
    assert result.students == 6
    assert county.query("SELECT count(*) FROM county_students")[0][0] == 6


def test_every_byte_outside_the_payload_and_a_sample_inside_is_protected(county, school, tmp_path):
    data = school.package(county_public(county), records(3))
    z = zipfile.ZipFile(io.BytesIO(data))
    info = z.getinfo(PAYLOAD_NAME)
    start = info.header_offset + 30 + len(PAYLOAD_NAME)
    end = start + info.compress_size
    positions = [i for i in range(len(data)) if not start <= i < end] + list(range(start, end, 13)) + [end - 1]
    before = snapshot(county)
    for i in positions:
        bad = bytearray(data)
        bad[i] ^= 0x01
        path = write(tmp_path, "t.xjpkg", bytes(bad))
        with pytest.raises(BadInput):
            import_package(county, path, confirm_fingerprint=school.fingerprint)
    assert snapshot(county) == before
    # the untouched package still imports: the refusals were about the bytes, not the school
    assert import_package(county, write(tmp_path, "ok.xjpkg", data), confirm_fingerprint=school.fingerprint)


def test_truncated_package(county, school, tmp_path):
    data = school.package(county_public(county), records(3))
    for cut in (0, 10, len(data) // 3, len(data) // 2, len(data) - 30, len(data) - 1):
        _refused(county, write(tmp_path, "t.xjpkg", data[:cut]), "损坏|不完整|截断|不是本程序", school.fingerprint)


def test_foreign_signer_for_known_school_is_refused(county, school, tmp_path):
    import_package(county, write(tmp_path, "1.xjpkg", school.package(county_public(county), records(2))),
                   confirm_fingerprint=school.fingerprint)
    impostor = FakeSchool.new(school.code, school.name)  # same identity, different key
    pkg = write(tmp_path, "2.xjpkg", impostor.package(county_public(county), records(2), sequence=5))
    _refused(county, pkg, "不是由本县登记的该校密钥", impostor.fingerprint)


def test_school_not_in_county_is_refused(county, tmp_path):
    stranger = FakeSchool.new("2114019999", "外县学校")
    pkg = write(tmp_path, "x.xjpkg", stranger.package(county_public(county), records(2)))
    _refused(county, pkg, "不在本县学校名单", stranger.fingerprint)


def test_replay_and_rollback_are_refused(county, school, tmp_path):
    pub = county_public(county)
    old = write(tmp_path, "1.xjpkg", school.package(pub, records(2, seed=1), sequence=1))
    new = write(tmp_path, "2.xjpkg", school.package(pub, records(4, seed=2), sequence=2))
    import_package(county, old, confirm_fingerprint=school.fingerprint)
    assert import_package(county, new).replaced == 2
    assert county.query("SELECT count(*) FROM county_students")[0][0] == 4
    _refused(county, new, "序号 2 不比已导入的（2）新")
    _refused(county, old, "序号 1 不比已导入的（2）新")


def test_wrong_county_key(county, school, tmp_path):
    other = keys.KeyPair.generate("x25519")
    pkg = write(tmp_path, "w.xjpkg", school.package(other.public, records(2)))
    _refused(county, pkg, "不是发给本单位", school.fingerprint)


def test_unknown_format_version(county, school, tmp_path):
    data = school.package(county_public(county), records(2))
    z = zipfile.ZipFile(io.BytesIO(data))
    header = json.loads(z.read(HEADER_NAME))
    header["format_version"] = 2
    hb = canonical(header)
    sig = keys.sign(school.signing.private, b"xueji-package-v1\n" + hb)  # correctly signed, still unknown
    crafted = write_zip([(HEADER_NAME, hb, False), (PAYLOAD_NAME, z.read(PAYLOAD_NAME), False),
                         (SIGNATURE_NAME, sig, False)])
    _refused(county, write(tmp_path, "v2.xjpkg", crafted), "格式版本 2 不受支持", school.fingerprint)


def _outer(members) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members:
            zf.writestr(name, data)
    return buf.getvalue()


@pytest.mark.parametrize("evil", ["../evil.txt", "a/../../evil.txt", "/etc/passwd", "C:/Windows/x", "a\\..\\b"])
def test_zip_slip_in_the_outer_file(county, school, tmp_path, evil):
    data = school.package(county_public(county), records(1))
    z = zipfile.ZipFile(io.BytesIO(data))
    crafted = _outer([(n, z.read(n)) for n in z.namelist()] + [(evil, b"x")])
    _refused(county, write(tmp_path, "slip.xjpkg", crafted), "路径穿越|绝对路径|不允许", school.fingerprint)
    assert not (tmp_path.parent / "evil.txt").exists()


def test_zip_slip_inside_a_correctly_signed_payload(county, school, tmp_path):
    body = write_zip([("manifest.json", b"{}", True), ("../../evil.jpg", b"x", False)])
    pkg = write(tmp_path, "s.xjpkg", school.package(county_public(county), [], body=body))
    _refused(county, pkg, "路径穿越", school.fingerprint)


def test_duplicate_member_names(county, school, tmp_path):
    data = school.package(county_public(county), records(1))
    z = zipfile.ZipFile(io.BytesIO(data))
    members = [(n, z.read(n)) for n in z.namelist()]
    with pytest.warns(UserWarning):
        crafted = _outer([*members, (PAYLOAD_NAME, b"evil")])
    _refused(county, write(tmp_path, "dup.xjpkg", crafted), "重名", school.fingerprint)


def test_decompression_bomb_outer_and_inner(county, school, tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("bomb.bin", b"\0" * (16 << 20))
    _refused(county, write(tmp_path, "bomb.xjpkg", buf.getvalue()), "压缩", school.fingerprint)
    # inside a correctly signed and encrypted payload: the ratio cap still holds
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", b"{}")
        zf.writestr("students.jsonl", b" " * (16 << 20))
    pkg = write(tmp_path, "ib.xjpkg", school.package(county_public(county), [], body=inner.getvalue()))
    _refused(county, pkg, "压缩炸弹", school.fingerprint)


def test_too_many_members_and_overlapping_entries(county, school, tmp_path):
    crafted = _outer([(f"m{i}", b"") for i in range(50)])
    _refused(county, write(tmp_path, "many.xjpkg", crafted), "成员过多", school.fingerprint)
    # CVE-2024-0450 style: two central-directory entries pointing at the same local data
    one = _outer([("aa", b"x" * 100)])
    z = zipfile.ZipFile(io.BytesIO(one))
    cd_start = z.start_dir
    cd = one[cd_start:one.index(b"PK\x05\x06")]
    end = bytearray(one[one.index(b"PK\x05\x06"):])
    end[8:10] = (2).to_bytes(2, "little")
    end[10:12] = (2).to_bytes(2, "little")
    end[12:16] = (2 * len(cd)).to_bytes(4, "little")
    crafted = one[:cd_start] + cd + cd.replace(b"aa", b"ab") + bytes(end)
    _refused(county, write(tmp_path, "overlap.xjpkg", crafted), "重叠|不一致|损坏", school.fingerprint)


def test_manifest_hash_mismatch_inside_signed_payload(county, school, tmp_path):
    from xueji_desktop.exchange import payload as payload_mod

    good = payload_mod.build(school=school.profile(), county_code="140106", classes=[], students=[], sequence=1,
                             created_at="2026-01-01", include_pending=False)
    z = zipfile.ZipFile(io.BytesIO(good))
    members = [(n, z.read(n), True) for n in z.namelist()]
    members = [(n, d + b" " if n == "school.json" else d, c) for n, d, c in members]
    pkg = write(tmp_path, "h.xjpkg", school.package(county_public(county), [], body=write_zip(members)))
    _refused(county, pkg, "SHA-256", school.fingerprint)


@pytest.mark.parametrize("mutate", [
    lambda m, files: files.__setitem__("school.json", b"[1, 2]"),
    lambda m, files: files.__setitem__("classes.json", b'["x"]'),
    lambda m, files: files.__setitem__("students.jsonl", b'{"uid": "a", "record": {}, "issues": ["x"]}'),
    lambda m, files: m.__setitem__("counts", "many"),
])
def test_signed_payload_with_wrong_shapes_is_a_clear_error(county, school, tmp_path, mutate):
    import hashlib

    from xueji_desktop.exchange import payload as payload_mod

    good = payload_mod.build(school=school.profile(), county_code="140106", classes=[], students=[], sequence=1,
                             created_at="2026-01-01", include_pending=False)
    z = zipfile.ZipFile(io.BytesIO(good))
    manifest = json.loads(z.read("manifest.json"))
    files = {n: z.read(n) for n in z.namelist() if n != "manifest.json"}
    mutate(manifest, files)
    manifest["members"] = {n: hashlib.sha256(d).hexdigest() for n, d in files.items()}
    body = write_zip([("manifest.json", json.dumps(manifest).encode(), True),
                      *((n, d, True) for n, d in files.items())])
    pkg = write(tmp_path, "shape.xjpkg", school.package(county_public(county), [], body=body))
    _refused(county, pkg, "应为|格式不对|人数", school.fingerprint)
