"""Photos inside the encrypted store: naming rule, batch import, export for upload, overview.

Naming rule (spec README §5): ``<ID number>.jpg`` for students with an ID number (export: per grade and
class folders); ``<学校标识码>_<班号>_<姓名>.jpg`` for students without one (export: one folder).
Photos live only as BLOBs in the SQLCipher database; import never writes any file.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import BadInput
from ..outfiles import write_file
from ..progress import Progress, tick
from ..school import get_school_profile, get_school_profile_conn
from ..storage.store import Tx, now_iso
from .batch import check_blob_worker, import_worker
from .check import CheckResult, check_photo_bytes
from .parallel import parallel_iter, parallel_map

PHOTO_SUFFIXES = {".jpg", ".jpeg", ".png"}
_ID_NAME = re.compile(r"^[0-9A-Za-z]{6,20}$")
_SCHOOL_NAME = re.compile(r"^(\d{10})_(\d{7})_(.+)$")
NO_ID_FOLDER = "无身份证号"


# ---- storing one photo ---------------------------------------------------------------------------

def save_photo(tx: Tx, student_id: int, jpeg: bytes, check: CheckResult | None = None, action: str = "") -> None:
    """Store (or replace) a student's photo with its check result, audited in the same transaction."""
    check = check or check_photo_bytes(jpeg)
    digest = hashlib.sha256(jpeg).hexdigest()
    old = tx.execute("SELECT sha256 FROM photos WHERE student_id = ?", (student_id,)).fetchone()
    if old and old[0] == digest:
        return
    tx.execute("INSERT OR REPLACE INTO photos (student_id, jpeg, sha256, checked_ok, problems, updated_at)"
               " VALUES (?, ?, ?, ?, ?, ?)",
               (student_id, jpeg, digest, int(check.ok), json.dumps([p.to_dict() for p in check.problems],
                                                                   ensure_ascii=False), now_iso()))
    tx.audit(action or ("更换照片" if old else "导入照片"), "photos", student_id,
             {"sha256": [old[0] if old else None, digest], "checked_ok": [None, int(check.ok)]})


def delete_photo(tx: Tx, student_id: int) -> None:
    old = tx.execute("SELECT sha256 FROM photos WHERE student_id = ?", (student_id,)).fetchone()
    if old:
        tx.execute("DELETE FROM photos WHERE student_id = ?", (student_id,))
        tx.audit("删除照片", "photos", student_id, {"sha256": [old[0], None]})


@dataclass
class StoredPhoto:
    student_id: int
    jpeg: bytes
    checked_ok: bool | None
    problems: list[dict[str, str]]
    updated_at: str


def get_photo(store_or_conn, student_id: int) -> StoredPhoto | None:
    conn = getattr(store_or_conn, "conn", store_or_conn)
    row = conn.execute("SELECT jpeg, checked_ok, problems, updated_at FROM photos WHERE student_id = ?",
                       (student_id,)).fetchone()
    if row is None:
        return None
    return StoredPhoto(student_id, bytes(row[0]), None if row[1] is None else bool(row[1]), json.loads(row[2]),
                       row[3])


# ---- students and the naming rule ----------------------------------------------------------------

@dataclass(frozen=True)
class StudentRef:
    id: int
    name: str
    id_number: str
    class_code: str
    class_name: str
    grade: str

    @property
    def label(self) -> str:
        return f"{self.class_name} {self.name}"


def list_student_refs(conn) -> list[StudentRef]:
    from ..school import grade_code

    rows = conn.execute(
        "SELECT s.id, s.name, s.id_number, c.class_code, c.name, c.stage, c.entry_year FROM students s"
        " LEFT JOIN classes c ON c.id = s.class_id ORDER BY c.stage, c.entry_year DESC, c.number, s.id").fetchall()
    return [StudentRef(r[0], r[1], (r[2] or "").upper(), r[3] or "", r[4] or "",
                       (grade_code(r[5], r[6]) or "") if r[3] else "") for r in rows]


def upload_name(school_code: str, ref: StudentRef) -> str:
    if ref.id_number:
        return f"{ref.id_number}.jpg"
    return f"{school_code}_{ref.class_code}_{ref.name}.jpg"


@dataclass
class ImportPlan:
    matched: list[tuple[Path, StudentRef]] = field(default_factory=list)
    unmatched: list[tuple[Path, str]] = field(default_factory=list)
    ambiguous: list[tuple[Path, list[StudentRef]]] = field(default_factory=list)
    duplicates: list[tuple[StudentRef, list[Path]]] = field(default_factory=list)
    without_photo: list[StudentRef] = field(default_factory=list)


def plan_import(conn, folder: Path) -> ImportPlan:
    """Match every photo file under ``folder`` (any depth) to a student by the naming rule."""
    folder = Path(folder)
    if not folder.is_dir():
        raise BadInput(f"照片文件夹不存在：{folder}")
    profile = get_school_profile_conn(conn)
    school_code = profile.get("code", "") if profile else ""
    refs = list_student_refs(conn)
    by_id: dict[str, list[StudentRef]] = defaultdict(list)
    by_class_name: dict[tuple[str, str], list[StudentRef]] = defaultdict(list)
    for r in refs:
        if r.id_number:
            by_id[r.id_number].append(r)
        by_class_name[(r.class_code, r.name)].append(r)
    plan = ImportPlan()
    files_for: dict[int, list[Path]] = defaultdict(list)
    ref_of: dict[int, StudentRef] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in PHOTO_SUFFIXES):
        stem = path.stem.strip()
        m = _SCHOOL_NAME.match(stem)
        if m:
            if school_code and m.group(1) != school_code:
                plan.unmatched.append((path, f"学校标识码 {m.group(1)} 不是本校（{school_code}）"))
                continue
            candidates = by_class_name.get((m.group(2), m.group(3).strip()), [])
            why = f"班号 {m.group(2)} 中没有名为 {m.group(3)} 的学生"
        elif _ID_NAME.match(stem):
            candidates = by_id.get(stem.upper(), [])
            why = "没有这个身份证件号的学生"
        else:
            plan.unmatched.append((path, "文件名不符合命名规则（身份证件号.jpg 或 学校标识码_班号_姓名.jpg）"))
            continue
        if not candidates:
            plan.unmatched.append((path, why))
        elif len(candidates) > 1:
            plan.ambiguous.append((path, candidates))
        else:
            files_for[candidates[0].id].append(path)
            ref_of[candidates[0].id] = candidates[0]
    for sid, paths in files_for.items():
        if len(paths) == 1:
            plan.matched.append((paths[0], ref_of[sid]))
        else:
            plan.duplicates.append((ref_of[sid], paths))
    have = {r[0] for r in conn.execute("SELECT student_id FROM photos")}
    matched_ids = {ref.id for _, ref in plan.matched}
    plan.without_photo = [r for r in refs if r.id not in have and r.id not in matched_ids]
    return plan


# ---- batch import -------------------------------------------------------------------------------

@dataclass
class ImportReport:
    plan: ImportPlan
    imported: int = 0
    unchanged: int = 0
    failing: list[tuple[Path, StudentRef, list[str]]] = field(default_factory=list)   # stored, but not ok
    unreadable: list[tuple[Path, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        p = self.plan
        return {
            "imported": self.imported,
            "unchanged": self.unchanged,
            "failing_checks": [{"file": str(f), "student": r.label, "problems": probs} for f, r, probs in self.failing],
            "unreadable": [{"file": str(f), "reason": why} for f, why in self.unreadable],
            "unmatched": [{"file": str(f), "reason": why} for f, why in p.unmatched],
            "ambiguous": [{"file": str(f), "students": [r.label for r in rs]} for f, rs in p.ambiguous],
            "duplicates": [{"student": r.label, "files": [str(f) for f in fs]} for r, fs in p.duplicates],
            "students_without_photo": [r.label for r in p.without_photo],
        }


def _jobs(plan: ImportPlan, fix: bool, keep_originals: bool) -> list[tuple[str, bool, bool]]:
    return [(str(path), fix, keep_originals) for path, _ in plan.matched]


def store_import(store, plan: ImportPlan, results, *, progress: Progress | None = None) -> ImportReport:
    """Write the checked photos in one audited transaction (all or nothing). ``results`` is a list in plan
    order, or an iterator of (index, result) that is consumed as it comes."""
    store.require("clerk")
    report = ImportReport(plan)
    total = len(plan.matched)
    items = enumerate(results) if isinstance(results, list) else results
    stored = []
    with store.transaction() as tx:
        for n, (i, result) in enumerate(items):
            tick(progress, n, total, "保存照片")
            stored.append((i, _store_one(tx, report, *plan.matched[i], result)))
        tx.audit("批量导入照片", "photos", "", {"imported": [None, report.imported],
                                              "unmatched": [None, len(plan.unmatched)],
                                              "ambiguous": [None, len(plan.ambiguous)]})
        tick(progress, total, total, "保存照片")
    # Report in file order, whatever order the workers finished in.
    report.failing.sort(key=lambda item: str(item[0]))
    report.unreadable.sort(key=lambda item: str(item[0]))
    return report


def _store_one(tx: Tx, report: ImportReport, path: Path, ref: StudentRef, result) -> None:
    from .check import Problem

    data, check = result
    probs = check["problems"]
    if data is None:
        report.unreadable.append((path, probs[0]["message"]))
        return
    old = tx.execute("SELECT sha256 FROM photos WHERE student_id = ?", (ref.id,)).fetchone()
    if old and old[0] == hashlib.sha256(data).hexdigest():
        report.unchanged += 1
        return
    result = CheckResult(str(path), [Problem(p["code"], p["message"], p["severity"]) for p in probs])
    save_photo(tx, ref.id, data, result)
    report.imported += 1
    if not check["ok"]:
        report.failing.append((path, ref, [p["message"] for p in probs if p["severity"] == "error"]))


def import_photos(store, folder: Path, *, fix: bool = False, keep_originals: bool = False,
                  progress: Progress | None = None) -> ImportReport:
    """Match, then ``import_planned``: what ``xueji import-photos`` runs."""
    store.require("clerk")
    return import_planned(store, plan_import(store.conn, Path(folder)), fix=fix, keep_originals=keep_originals,
                          progress=progress)


def import_planned(store, plan: ImportPlan, *, fix: bool = False, keep_originals: bool = False,
                   progress: Progress | None = None) -> ImportReport:
    """Check (and with ``fix`` repair geometry/format of failing photos, never the backdrop) the plan's files on
    all cores, writing each photo into one audited transaction as it arrives: only a few photos per worker
    are in flight, so memory stays flat for a school's 3,000. Cancelling before the end changes nothing.
    The GUI runs this on a worker thread with its own connection (``ui.jobs.on_worker``)."""
    store.require("clerk")
    results = parallel_iter(import_worker, _jobs(plan, fix, keep_originals), progress=progress,
                            message="检查照片")
    return store_import(store, plan, results)


# ---- export for upload ----------------------------------------------------------------------------

@dataclass
class ExportReport:
    written: list[Path] = field(default_factory=list)
    failing: list[tuple[StudentRef, list[str]]] = field(default_factory=list)   # exported, but not ok
    without_photo: list[StudentRef] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"written": len(self.written),
                "failing_checks": [{"student": r.label, "problems": p} for r, p in self.failing],
                "students_without_photo": [r.label for r in self.without_photo]}


@dataclass
class ExportItem:
    target: Path
    jpeg: bytes
    ref: StudentRef
    problems: list[str] | None   # None when the photo passed its check


def prepare_export(store, out: Path) -> tuple[list[ExportItem], ExportReport]:
    """Read the photos to export (database part, quick). Targets: ``<年级>/<班级>/<身份证件号>.jpg``, or
    ``无身份证号/<学校标识码>_<班号>_<姓名>.jpg``; ``out`` is a folder the user chose for upload."""
    from ..paths import user_data_dir
    from ..validation.spec import load_spec

    out = Path(out)
    if out.resolve().is_relative_to(user_data_dir().resolve()) or out.resolve() == store.path.parent.resolve():
        raise BadInput(f"不能导出到程序数据文件夹（{out}），那里不允许存放明文照片。请选择其他文件夹。")
    code = (get_school_profile(store) or {}).get("code", "")
    grades = load_spec().codes["grade"]
    refs = {r.id: r for r in list_student_refs(store.conn)}
    have = {r[0] for r in store.query("SELECT student_id FROM photos")}
    report = ExportReport(without_photo=[r for sid, r in refs.items() if sid not in have])
    items = []
    for sid in sorted(have):
        ref = refs.get(sid)
        photo = get_photo(store, sid)
        if ref is None or photo is None:
            continue
        if ref.id_number:
            grade = grades.name_of(ref.grade) or ref.grade or "未分年级"
            folder = out / _safe(grade) / _safe(ref.class_name or "未分班")
        else:
            folder = out / NO_ID_FOLDER
        problems = None if photo.checked_ok is not False else \
            [p["message"] for p in photo.problems if p.get("severity") == "error"]
        items.append(ExportItem(folder / _safe(upload_name(code, ref)), photo.jpeg, ref, problems))
    return items, report


def write_export(items: list[ExportItem], report: ExportReport, *, progress: Progress | None = None) -> ExportReport:
    """Write the files (no database; the GUI runs this on a worker thread)."""
    for i, item in enumerate(items):
        tick(progress, i, len(items), "导出照片")
        item.target.parent.mkdir(parents=True, exist_ok=True)
        write_file(item.target, item.jpeg)
        report.written.append(item.target)
        if item.problems is not None:
            report.failing.append((item.ref, item.problems))
    tick(progress, len(items), len(items), "导出照片")
    return report


def record_export(store, out: Path, report: ExportReport) -> None:
    with store.transaction() as tx:
        tx.audit("导出照片", "photos", "", {"count": [None, len(report.written)], "folder": [None, str(out)]})


def export_photos(store, out: Path, *, progress: Progress | None = None) -> ExportReport:
    items, report = prepare_export(store, out)
    write_export(items, report, progress=progress)
    record_export(store, out, report)
    return report


def _safe(name: str) -> str:
    return re.sub(r'[\\/:*?"<>|]', "_", name)


# ---- overview ------------------------------------------------------------------------------------

def photo_overview(store) -> list[dict[str, Any]]:
    """One row per student: class, name, whether a photo is stored, its check state and problems."""
    photos = {r[0]: (r[1], json.loads(r[2])) for r in store.query(
        "SELECT student_id, checked_ok, problems FROM photos")}
    rows = []
    for ref in list_student_refs(store.conn):
        ok, problems = photos.get(ref.id, (None, []))
        state = "无照片" if ref.id not in photos else "未检查" if ok is None else "合格" if ok else "不合格"
        rows.append({"student_id": ref.id, "class_name": ref.class_name, "name": ref.name, "state": state,
                     "problems": "；".join(p["message"] for p in problems if p.get("severity") == "error")})
    return rows


# ---- re-checking stored photos ---------------------------------------------------------------------

class StoredPhotos(Sequence):
    """The stored photos as ``(student_id, jpeg)``, each read when it is handed to a worker: a recheck holds only
    the photos in flight, not all of them (20,000 photos are about 1 GB)."""

    def __init__(self, conn) -> None:
        self.conn = conn
        self.ids = [sid for (sid,) in conn.execute("SELECT student_id FROM photos ORDER BY student_id")]

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, index):  # type: ignore[override]  # one item; slices are not needed here
        sid = self.ids[index]
        row = self.conn.execute("SELECT jpeg FROM photos WHERE student_id = ?", (sid,)).fetchone()
        return sid, bytes(row[0]) if row else b""  # removed meanwhile: checked as unreadable, then not saved


def check_stored(store, *, progress: Progress | None = None) -> list:
    """Check every stored photo on all cores; the results, for :func:`save_checks`. ``store`` may be a worker
    thread's own connection (ui.jobs.on_worker)."""
    return parallel_map(check_blob_worker, StoredPhotos(store.conn), progress=progress, message="检查照片")


def save_checks(store, results: list) -> int:
    """Store fresh check results in one transaction; returns how many changed. One audit entry for the whole
    batch (how many were checked, which students' results changed), not one per photo: a recheck of 3,000
    photos is one act of the clerk's, and the audit log stays readable."""
    changed: list[int] = []
    with store.transaction() as tx:
        for sid, ok, problems in results:
            old = tx.execute("SELECT checked_ok, problems FROM photos WHERE student_id = ?", (sid,)).fetchone()
            new_problems = json.dumps(problems, ensure_ascii=False)
            if old is None or (old[0] == int(ok) and old[1] == new_problems):
                continue
            tx.execute("UPDATE photos SET checked_ok = ?, problems = ? WHERE student_id = ?",
                       (int(ok), new_problems, sid))
            changed.append(sid)
        if changed:
            tx.audit("检查照片", "photos", "", {"checked": [None, len(results)], "changed": [None, len(changed)],
                                              "students": [None, changed]})
    return len(changed)


def recheck_stored(store, *, progress: Progress | None = None) -> int:
    return save_checks(store, check_stored(store, progress=progress))
