"""Benchmark: ``import-photos DIR --fix`` end to end vs a Pillow draft-decode + resize + encode of the same files.

    python bench/photo_fix.py [--count 240] [--size 3000x4000] [--distinct 12] [--workers N]
    python bench/photo_fix.py --count 3000          # the "a school's 3,000 photos in < 30 s" bar
    python bench/photo_fix.py --count 120 --repeat 3 --breakdown [--sideways] [--profile]

Files: ``--count`` phone photos (default 3000×4000, ~0.8 MB, a person on an off-white wall, head 25-37 % of
the height), named by the ID numbers of a demo school's students. Making 12 MP photos with a face takes
about a second each, so ``--distinct`` different photos are made and copied (every file is still read,
decoded, fixed and stored on its own).

Sides, in one run, on the same files and the same number of worker processes, each timed end to end
including starting its worker processes:
  bare      Pillow: open → draft(358×441) → RGB → resize(358×441) → JPEG q85 → write a file (what a quick
            script does, with DCT-scaled decoding: the fastest anything can turn these files into 358×441);
  import    ``import_photos(store, DIR, fix=True)``, what ``xueji import-photos DIR --fix`` runs: match by
            name, measure each head, crop, decode only as large as the crop needs, encode under 60 KB, check
            the output (measuring again) and recrop if needed, write every photo and its check into the
            encrypted store in one transaction;
  no-fix    the same import without ``--fix`` (check from a draft decode, store a ≤ 1 MP copy).
Bars: import ≥ 0.7 × bare; with --count 3000, import < 30 s; database growth < 100 KB per photo (--fix).

On a shared machine the load changes between the two sides: ``--repeat 3`` alternates them and compares the
best of each; the CPU time of all processes per photo (printed for both) hardly depends on the load, and its
ratio is what the wall-time ratio tends to on a quiet machine.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import Image

OUT_SIZE = (358, 441)
PASSWORD = "bench-pass-1"


def bare(job: tuple[str, str]) -> int:
    src, dst = job
    data = bare_bytes(Path(src).read_bytes())
    Path(dst).write_bytes(data)
    return len(data)


def cpu_seconds() -> float:
    """CPU time of this process plus its finished children (the pool's workers, once the pool is shut down)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run_bare(files: list[Path], out: Path, workers: int) -> tuple[float, float]:
    """(wall seconds, CPU seconds of all processes) for the bare side."""
    cpu, start = cpu_seconds(), time.perf_counter()
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        list(pool.map(bare, [(str(f), str(out / f.name)) for f in files], chunksize=4))
    return time.perf_counter() - start, cpu_seconds() - cpu


def run_import(store, folder: Path):
    """(wall seconds, CPU seconds, report) for ``import_photos(store, folder, fix=True)`` into an empty table."""
    from xueji_desktop.photos.library import import_photos

    store.conn.execute("DELETE FROM photos")
    store.conn.commit()
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    cpu, start = cpu_seconds(), time.perf_counter()
    report = import_photos(store, folder, fix=True)
    return time.perf_counter() - start, cpu_seconds() - cpu, report


def make_store(path: Path, count: int):
    from xueji_desktop.demo import create_demo_store
    from xueji_desktop.photos.library import list_student_refs

    classes_per_grade = max(1, -(-count // (6 * 45)))
    store, _ = create_demo_store(path, password=PASSWORD, students_per_class=-(-count // (6 * classes_per_grade)),
                                 classes_per_grade=classes_per_grade, error_rate=0, photos=False)
    numbers = [r.id_number for r in list_student_refs(store.conn) if r.id_number]
    return store, numbers[:count]


def breakdown(files: list[Path], rounds: int = 3) -> None:
    """Where one core's time goes per photo (in this process, no pool, no database): the fix's stages against
    the bare side, and what each JPEG draft scale costs. Explains the ratio: both sides must entropy-decode
    the whole file (libjpeg's Huffman pass does not shrink with the draft scale); the fix then needs the
    scale whose crop still holds 441 rows, and two face measurements (its own and the verifying check's)."""
    import numpy as np

    from xueji_desktop.photos import fix, head, imaging
    from xueji_desktop.photos.check import check_photo_bytes

    datas = [f.read_bytes() for f in files[: min(len(files), 12)]]
    stages: dict[str, float] = {}

    def timed(name, func, *a, **kw):
        start = time.perf_counter()
        result = func(*a, **kw)
        stages[name] = stages.get(name, 0.0) + time.perf_counter() - start
        return result

    for data in datas:                                   # warm up models and caches
        fix.fix_photo_bytes(data)
    fits = {8: 0, 4: 0, 2: 0}
    for _ in range(rounds):
        for data in datas:
            timed("bare: draft 1/8 decode + resize + encode", bare_bytes, data)
            raw = Image.open(io.BytesIO(data)).size
            for denominator in fits:
                timed(f"decode alone at 1/{denominator}", _decode_at, data, raw, denominator)
            source = fix._Source(data, raw, True)
            img = timed(f"fix: first decode (long side ≥ {fix.DECODE_SIDE})", source.decode,
                        min(1.0, fix.DECODE_SIDE / max(raw)))
            shrink = max(1, max(img.size) // fix.MEASURE_SIDE)
            small = timed(f"fix: reduce to ≤ {fix.MEASURE_SIDE} px for measuring", img.reduce, shrink)
            found = timed("fix: measure head (detector + hair top)", head.measure, np.asarray(small))
            box = head.crop_box(found.head.mapped(shrink))
            rows = (box[3] - box[1]) / source.scale          # crop height in the original's rows
            for denominator in fits:
                fits[denominator] += rows / denominator >= 441
            img2, box = timed("fix: larger decode when the crop needs it", source.enough_for, img, box)
            out, _ = timed("fix: crop + resize to 358×441", fix._crop_resize, img2, box)
            jpeg, _ = timed("fix: encode under 60 KB", imaging.encode_under_limit, out)
            timed("fix: verifying check (measures again)", check_photo_bytes, jpeg)
            timed("fix_photo_bytes, whole", fix.fix_photo_bytes, data)
    n = rounds * len(datas)
    ms = {name: 1000 * total / n for name, total in stages.items()}
    for name, value in ms.items():
        print(f"  {name:45s} {value:6.1f} ms")
    share = {d: fits[d] / n for d in fits}
    print("  crops holding ≥ 441 rows at draft 1/8, 1/4, 1/2: "
          + ", ".join(f"{share[d]:.0%}" for d in fits))
    d8, d4, d2 = (ms[f"decode alone at 1/{d}"] for d in (8, 4, 2))
    quarter_first = d4 + (1 - share[4]) * d2
    eighth_first = d8 + (share[4] - share[8]) * d4 + (1 - share[4]) * d2
    print(f"  decode cost per photo: one 1/2 decode (chosen) {d2:.1f} ms; 1/4 first, 1/2 again when the crop "
          f"needs it {quarter_first:.1f} ms; 1/8 to measure, then the crop's scale {eighth_first:.1f} ms")


def _decode_at(data: bytes, raw: tuple[int, int], denominator: int) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.draft("RGB", (raw[0] // denominator, raw[1] // denominator))
    img.load()
    return img


def profile(files: list[Path]) -> None:
    """cProfile of fix_photo_bytes over a few photos: the 15 most expensive calls by own time."""
    import cProfile
    import pstats

    from xueji_desktop.photos.fix import fix_photo_bytes

    datas = [f.read_bytes() for f in files[: min(len(files), 12)]]
    for data in datas:
        fix_photo_bytes(data)
    prof = cProfile.Profile()
    prof.enable()
    for data in datas * 2:
        fix_photo_bytes(data)
    prof.disable()
    print(f"cProfile of fix_photo_bytes, {2 * len(datas)} calls, by own time:")
    pstats.Stats(prof).sort_stats("tottime").print_stats(15)


def bare_bytes(data: bytes) -> bytes:
    img = Image.open(io.BytesIO(data))
    img.draft("RGB", OUT_SIZE if img.width <= img.height else OUT_SIZE[::-1])   # 1/8 for sideways files too
    img = img.convert("RGB").resize(OUT_SIZE)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85)
    return buf.getvalue()


def stored_sideways(data: bytes) -> bytes:
    """The photo as many phones store a portrait: pixels turned 90° plus EXIF orientation 6 ("turn clockwise")."""
    exif = Image.Exif()
    exif[0x0112] = 6
    buf = io.BytesIO()
    Image.open(io.BytesIO(data)).rotate(90, expand=True).save(buf, "JPEG", quality=88, exif=exif.tobytes())
    return buf.getvalue()


def db_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=240)
    parser.add_argument("--size", default="3000x4000")
    parser.add_argument("--distinct", type=int, default=12)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeat", type=int, default=1,
                        help="run both sides this often, alternating, and compare the best of each (shared machine)")
    parser.add_argument("--sideways", action="store_true",
                        help="store the photos sideways with an EXIF rotation flag, as many phones do")
    parser.add_argument("--no-fix-side", action="store_true", help="also time the import without --fix")
    parser.add_argument("--breakdown", action="store_true", help="also print one core's time per stage")
    parser.add_argument("--profile", action="store_true", help="also print a cProfile of fix_photo_bytes")
    args = parser.parse_args()
    width, height = map(int, args.size.lower().split("x"))

    from xueji_desktop.photos import parallel
    from xueji_desktop.photos.library import import_photos
    from xueji_desktop.photos.synth import phone_photo

    parallel.worker_count = lambda: args.workers  # the import uses the same worker count as the bare side
    with tempfile.TemporaryDirectory(prefix="xueji-bench-") as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        (root / "db").mkdir()
        store, numbers = make_store(root / "db" / "school.xjdb", args.count)
        folder = root / "in"
        folder.mkdir()
        originals = [phone_photo(i, (width, height), head_ratio=0.25 + 0.03 * (i % 5))
                     for i in range(min(args.distinct, args.count))]
        if args.sideways:
            originals = [stored_sideways(data) for data in originals]
        for i, number in enumerate(numbers):
            (folder / f"{number}.jpg").write_bytes(originals[i % len(originals)])
        files = sorted(folder.iterdir())
        mb = sum(f.stat().st_size for f in files) / 1e6
        print(f"{len(files)} phone photos {width}×{height} ({len(originals)} distinct, {mb:.0f} MB), set up in "
              f"{time.perf_counter() - t0:.0f} s; {args.workers} worker processes on {os.cpu_count()} cores "
              f"(shared machine), load average before {os.getloadavg()[0]:.1f}")

        (root / "bare").mkdir()
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        before = db_bytes(store.path)
        bare_runs, fix_runs = [], []
        for _ in range(args.repeat):           # alternate the sides so a change in load hits both alike
            bare_runs.append(run_bare(files, root / "bare", args.workers))
            fix_s, fix_cpu, report = run_import(store, folder)
            fix_runs.append((fix_s, fix_cpu))
            if len(fix_runs) == 1:
                store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                growth = (db_bytes(store.path) - before) / len(files)
            if args.repeat > 1:
                print(f"  run {len(fix_runs)}: bare {bare_runs[-1][0]:.1f} s, import --fix {fix_s:.1f} s, "
                      f"ratio {bare_runs[-1][0] / fix_s:.2f}; load {os.getloadavg()[0]:.1f}")
        (bare_s, bare_cpu), (fix_s, fix_cpu) = min(bare_runs), min(fix_runs)
        passed = report.imported - len(report.failing)
        reasons = sorted({p[:12] for _, _, probs in report.failing for p in probs})
        best = " (best of each side)" if args.repeat > 1 else ""
        print(f"bare Pillow draft+resize+encode  {bare_s:6.1f} s  {len(files) / bare_s:6.1f} photos/s  "
              f"CPU {1000 * bare_cpu / len(files):5.1f} ms/photo{best}")
        print(f"import-photos --fix             {fix_s:6.1f} s  {len(files) / fix_s:6.1f} photos/s  "
              f"CPU {1000 * fix_cpu / len(files):5.1f} ms/photo  ({report.imported} stored, "
              f"{len(report.plan.matched)} matched, {passed} pass every check; "
              f"the others fail on: {'、'.join(reasons) or '-'}…)")
        ratio = bare_s / fix_s
        print(f"ratio import --fix / bare = {ratio:.2f} (bar ≥ 0.70: {'PASS' if ratio >= 0.7 else 'FAIL'}); "
              f"by CPU time (what a quiet machine's wall ratio tends to) {bare_cpu / fix_cpu:.2f}")
        print(f"database growth {growth / 1000:.1f} KB per photo (bar < 100 KB: "
              f"{'PASS' if growth < 100_000 else 'FAIL'})")
        if args.count >= 3000:
            print(f"{len(files)} photos in {fix_s:.1f} s (bar < 30 s: {'PASS' if fix_s < 30 else 'FAIL'})")
        if args.no_fix_side:
            store.conn.execute("DELETE FROM photos")
            store.conn.commit()
            store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            start = time.perf_counter()
            import_photos(store, folder)
            plain_s = time.perf_counter() - start
            print(f"import-photos (no --fix)        {plain_s:6.1f} s  {len(files) / plain_s:6.1f} photos/s")
        if args.breakdown:
            print("per photo, one core:")
            breakdown(files)
        if args.profile:
            profile(files)
        print(f"load average after {os.getloadavg()[0]:.1f}")
        store.close()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
