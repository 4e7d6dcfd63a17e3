"""Batch import by naming rule, matching report, encrypted storage, cancel, export for upload."""

from __future__ import annotations

import copy
import io
import json

import pytest

from xueji_desktop.errors import BadInput, Cancelled
from xueji_desktop.photos.library import (
    NO_ID_FOLDER,
    export_photos,
    get_photo,
    import_photos,
    list_student_refs,
    photo_overview,
    plan_import,
)
from xueji_desktop.photos.synth import demo_photo_jpeg, phone_photo
from xueji_desktop.progress import Progress
from xueji_desktop.records.students import add_student, get_student
from xueji_desktop.validation.spec import load_spec


def _files_in(folder):
    return sorted(p.name for p in folder.rglob("*") if p.is_file())


def _add_namesake(store, ref):
    """A second student with the same name in the same class (different ID number)."""
    record = copy.deepcopy(get_student(store, ref.id))
    record = {k: v for k, v in record.items() if not k.startswith("_") and k not in ("class_code", "grade")}
    record["id_number"] = ""
    record["id_type"] = ""
    with store.transaction() as tx:
        return add_student(tx, record, get_student(store, ref.id)["_class_id"])


def test_import_matches_reports_and_stores_encrypted(small_school, tmp_path):
    store = small_school
    refs = list_student_refs(store.conn)
    school = "2114010068"
    folder = tmp_path / "photos" / "一年级"
    folder.mkdir(parents=True)
    (folder / f"{refs[0].id_number}.jpg").write_bytes(demo_photo_jpeg(1))
    (folder / f"{refs[1].id_number.lower()}.JPG").write_bytes(phone_photo(3, (600, 800)))  # stored, fails checks
    (folder / f"{school}_{refs[2].class_code}_{refs[2].name}.jpg").write_bytes(demo_photo_jpeg(2))
    (folder / "110101200001011234.jpg").write_bytes(demo_photo_jpeg(3))                 # no such student
    (folder / f"9999999999_{refs[3].class_code}_{refs[3].name}.jpg").write_bytes(demo_photo_jpeg(4))  # other school
    (folder / "照片 (1).jpg").write_bytes(demo_photo_jpeg(5))                             # not the naming rule
    (folder / f"{refs[4].id_number}.jpg").write_bytes(demo_photo_jpeg(6))
    (folder / "sub").mkdir()
    (folder / "sub" / f"{school}_{refs[4].class_code}_{refs[4].name}.jpg").write_bytes(demo_photo_jpeg(7))  # dup
    twin_id = _add_namesake(store, refs[5])
    (folder / f"{school}_{refs[5].class_code}_{refs[5].name}.jpg").write_bytes(demo_photo_jpeg(8))  # ambiguous
    data_dir_before = _files_in(store.path.parent)

    report = import_photos(store, tmp_path / "photos")

    data = report.to_dict()
    assert data["imported"] == 3
    assert {p.name for p, _ in report.plan.unmatched} == {"110101200001011234.jpg", "照片 (1).jpg",
                                                          f"9999999999_{refs[3].class_code}_{refs[3].name}.jpg"}
    assert any("不是本校" in why for _, why in report.plan.unmatched)
    assert [sorted(r.id for r in rs) for _, rs in report.plan.ambiguous] == [sorted([refs[5].id, twin_id])]
    assert [r.id for r, _ in report.plan.duplicates] == [refs[4].id]
    assert [r.id for _, r, _ in report.failing] == [refs[1].id]
    without = {r.id for r in report.plan.without_photo}
    assert refs[0].id not in without and refs[4].id in without and twin_id in without
    # stored with their check results
    assert get_photo(store, refs[0].id).checked_ok is True
    assert get_photo(store, refs[0].id).jpeg == demo_photo_jpeg(1)
    stored_bad = get_photo(store, refs[1].id)
    assert stored_bad.checked_ok is False and any(p["code"] == "size.pixels" for p in stored_bad.problems)
    # audited, one entry per photo plus the batch summary
    actions = [r[0] for r in store.query("SELECT action FROM audit_log")]
    assert actions.count("导入照片") == 3 and actions.count("批量导入照片") == 1
    # nothing written in clear next to the database; the photo bytes are not readable in the file
    assert _files_in(store.path.parent) == data_dir_before
    assert not any(p.suffix.lower() in (".jpg", ".jpeg", ".png") for p in store.path.parent.rglob("*"))
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw = store.path.read_bytes()
    assert demo_photo_jpeg(1)[200:264] not in raw

    overview = {r["student_id"]: r for r in photo_overview(store)}
    assert overview[refs[0].id]["state"] == "合格"
    assert overview[refs[1].id]["state"] == "不合格" and "358×441" in overview[refs[1].id]["problems"]
    assert overview[refs[4].id]["state"] == "无照片"

    # importing the same folder again changes nothing
    again = import_photos(store, tmp_path / "photos")
    assert again.imported == 0 and again.unchanged == 3


def test_import_with_fix_stores_a_passing_photo(small_school, tmp_path):
    ref = list_student_refs(small_school.conn)[0]
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / f"{ref.id_number}.jpg").write_bytes(phone_photo(4, (900, 1200), background=(67, 142, 219)))
    report = import_photos(small_school, tmp_path / "in", fix=True)
    assert report.imported == 1 and not report.failing
    assert get_photo(small_school, ref.id).checked_ok is True


class CancelAfter(Progress):
    def __init__(self, n: int) -> None:
        super().__init__()
        self.n = n

    def report(self, done, total, message):
        if done >= self.n:
            self.cancel()


@pytest.mark.slow
def test_parallel_import_cancel_changes_nothing_then_full_import(small_school, tmp_path):
    refs = list_student_refs(small_school.conn)
    (tmp_path / "in").mkdir()
    for i, ref in enumerate(refs):
        (tmp_path / "in" / f"{ref.id_number}.jpg").write_bytes(demo_photo_jpeg(i))
    audit_before = small_school.query("SELECT count(*) FROM audit_log")[0][0]
    with pytest.raises(Cancelled):
        import_photos(small_school, tmp_path / "in", progress=CancelAfter(3))
    assert small_school.query("SELECT count(*) FROM photos")[0][0] == 0
    assert small_school.query("SELECT count(*) FROM audit_log")[0][0] == audit_before
    report = import_photos(small_school, tmp_path / "in", progress=Progress())  # 12 files: process pool
    assert report.imported == len(refs) and not report.failing


def test_export_uses_naming_rule_and_grade_class_folders(small_school, tmp_path):
    store = small_school
    refs = list_student_refs(store.conn)
    twin_id = _add_namesake(store, refs[0])
    from xueji_desktop.photos.library import save_photo

    with store.transaction() as tx:
        save_photo(tx, refs[0].id, demo_photo_jpeg(1))
        save_photo(tx, twin_id, demo_photo_jpeg(2))
    report = export_photos(store, tmp_path / "upload")
    assert len(report.written) == 2
    rel = sorted(str(p.relative_to(tmp_path / "upload")) for p in report.written)
    twin = get_student(store, twin_id)
    grade = load_spec().codes["grade"].name_of(refs[0].grade)
    assert rel == sorted([f"{grade}/{refs[0].class_name}/{refs[0].id_number}.jpg",
                          f"{NO_ID_FOLDER}/2114010068_{twin['class_code']}_{twin['name']}.jpg"])
    assert (tmp_path / "upload" / rel[-1]).read_bytes() in (demo_photo_jpeg(1), demo_photo_jpeg(2))
    assert store.query("SELECT count(*) FROM audit_log WHERE action = '导出照片'")[0][0] == 1


def test_export_refuses_the_data_folder(small_school, monkeypatch):
    monkeypatch.setenv("XUEJI_DATA_DIR", str(small_school.path.parent))
    with pytest.raises(BadInput, match="数据文件夹"):
        export_photos(small_school, small_school.path.parent / "out")


def test_missing_folder_is_a_clear_error(small_school, tmp_path):
    with pytest.raises(BadInput, match="照片文件夹不存在"):
        plan_import(small_school.conn, tmp_path / "nope")


def test_cli_import_export_check_fix(small_school, tmp_path, monkeypatch, capsys):
    from tests.conftest import PASSWORD
    from xueji_desktop.cli import main

    monkeypatch.setenv("XUEJI_PASSWORD", PASSWORD)
    ref = list_student_refs(small_school.conn)[0]
    db = str(small_school.path)
    small_school.close()
    (tmp_path / "in").mkdir()
    good = tmp_path / "in" / f"{ref.id_number}.jpg"
    good.write_bytes(demo_photo_jpeg(3))
    bad = tmp_path / "in" / "nobody.jpg"
    bad.write_bytes(phone_photo(5, (600, 800)))

    assert main(["check-photo", "--json", str(good), str(bad)]) == 1
    results = json.loads(capsys.readouterr().out)
    assert [r["ok"] for r in results] == [True, False]
    assert set(results[0]) >= {"file", "ok", "problems"}
    assert all(set(p) >= {"code", "message"} for p in results[1]["problems"])

    assert main(["fix-photo", str(bad), str(tmp_path / "fixed.jpg"), "--replace-background", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True
    assert main(["fix-photo", str(bad), str(bad)]) == 2  # never overwrite the original

    assert main(["import-photos", str(tmp_path / "in"), "--db", db, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["imported"] == 1 and out["unmatched"][0]["file"].endswith("nobody.jpg")
    assert main(["export-photos", str(tmp_path / "up"), "--db", db]) == 0
    assert len(list((tmp_path / "up").rglob(f"{ref.id_number}.jpg"))) == 1



def test_recheck_stored_photos_updates_results(small_school):
    from xueji_desktop.demo import store_photo
    from xueji_desktop.photos.library import recheck_stored

    refs = list_student_refs(small_school.conn)
    with small_school.transaction() as tx:
        store_photo(tx, refs[0].id, demo_photo_jpeg(1))             # the demo writes no check result
        store_photo(tx, refs[1].id, phone_photo(2, (600, 800)))
    states = {r["student_id"]: r["state"] for r in photo_overview(small_school)}
    assert states[refs[0].id] == states[refs[1].id] == "未检查"
    assert recheck_stored(small_school) == 2
    states = {r["student_id"]: r["state"] for r in photo_overview(small_school)}
    assert (states[refs[0].id], states[refs[1].id]) == ("合格", "不合格")
    assert recheck_stored(small_school) == 0
    # One audit entry for the batch (naming both students), none for the recheck that changed nothing.
    rows = small_school.query("SELECT changes FROM audit_log WHERE action = '检查照片'")
    assert len(rows) == 1
    assert sorted(json.loads(rows[0][0])["students"][1]) == sorted([refs[0].id, refs[1].id])


def _phone_folder(store, tmp_path, count: int, size=(1500, 2000)):
    refs = [r for r in list_student_refs(store.conn) if r.id_number][:count]
    folder = tmp_path / "phone"
    folder.mkdir()
    for i, ref in enumerate(refs):
        (folder / f"{ref.id_number}.jpg").write_bytes(phone_photo(i, size, head_ratio=0.28 + 0.03 * (i % 3)))
    return folder, refs


def test_import_with_fix_stores_the_compliant_jpeg_only(small_school, tmp_path):
    from PIL import Image

    from xueji_desktop.photos.check import check_photo_bytes

    folder, refs = _phone_folder(small_school, tmp_path, 3)
    report = import_photos(small_school, folder, fix=True)
    assert report.imported == 3
    for ref in refs:
        photo = get_photo(small_school, ref.id)
        assert Image.open(io.BytesIO(photo.jpeg)).size == (358, 441) and len(photo.jpeg) < 60_000
        # Stored geometry is right (the backdrop is a white wall: only a background replacement fixes that).
        assert check_photo_bytes(photo.jpeg).codes == ["background.colour"]
        assert [p["code"] for p in photo.problems] == ["background.colour"]


def test_import_without_fix_keeps_at_most_one_megapixel_unless_asked(small_school, tmp_path):
    from PIL import Image

    folder, refs = _phone_folder(small_school, tmp_path, 2)
    import_photos(small_school, folder)
    for ref in refs:
        photo = get_photo(small_school, ref.id)
        img = Image.open(io.BytesIO(photo.jpeg))
        assert img.width * img.height <= 1_000_000 and not img.getexif()
        assert any(p["code"] == "size.pixels" and "1500×2000" in p["message"] for p in photo.problems)
    import_photos(small_school, folder, keep_originals=True)
    assert get_photo(small_school, refs[0].id).jpeg == (folder / f"{refs[0].id_number}.jpg").read_bytes()



def test_a_recheck_reads_each_photo_when_it_is_handed_out(small_school):
    """StoredPhotos lists ids only; each photo is read from the store when a worker gets it, so a recheck of a
    large school holds only the photos in flight (and a photo removed meanwhile is not resurrected)."""
    from xueji_desktop.demo import store_photo
    from xueji_desktop.photos.library import StoredPhotos

    refs = list_student_refs(small_school.conn)
    with small_school.transaction() as tx:
        store_photo(tx, refs[0].id, demo_photo_jpeg(1))
        store_photo(tx, refs[1].id, demo_photo_jpeg(2))
    photos = StoredPhotos(small_school.conn)
    assert len(photos) == 2
    with small_school.transaction() as tx:
        tx.execute("UPDATE photos SET jpeg = ? WHERE student_id = ?", (demo_photo_jpeg(3), refs[0].id))
        tx.execute("DELETE FROM photos WHERE student_id = ?", (refs[1].id,))
    assert photos[0] == (refs[0].id, demo_photo_jpeg(3))   # read now, not when listed
    assert photos[1] == (refs[1].id, b"")
