"""Row preparation in the import's workers: parse vs prepare (normalise, validate, encode), µs per row.

    python bench/excel_prepare.py [--file X.xlsx] [--repeat 3] [--profile]

Reads a template file (default: the 20,000-row file that ``python bench/excel_import.py --keep /tmp/xb``
caches; generated there when missing) and, in this one process, times (a) calamine parsing it and
(b) preparing the parsed rows in chunks as an import worker does
(cells → normalised, validated, JSON-encoded rows) both ways: the exact path (``importer.prepare_row`` on
every row) and what the workers run (``importer._prepare_chunk``: clean rows column-wise, see
excel/fastprep.py), checking that both give the same rows. Prints µs per row.
``--profile`` adds a cProfile of (b).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DEFAULT_FILE = Path("/tmp/xb/bench-20000.xlsx")


def classes():
    """The demo school's classes as the store would list them (ids 1…), without building a store."""
    from xueji_desktop.demo import demo_classes
    from xueji_desktop.school import ClassInfo, class_code, class_name

    return [ClassInfo(i, class_code(c.entry_year, c.stage, c.number), class_name(c.entry_year, c.stage, c.number),
                      c.stage, c.entry_year, c.number)
            for i, c in enumerate(demo_classes(classes_per_grade=10), start=1)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--repeat", type=int, default=3, help="time each path this many times, keep the best")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    import xueji_desktop
    from xueji_desktop.excel import importer
    from xueji_desktop.excel.reader import find_layouts, iter_data_rows

    print(f"code: {Path(xueji_desktop.__file__).parent}")
    if not args.file.exists():
        from excel_import import make_file  # bench/excel_import.py, next to this file

        args.file.parent.mkdir(parents=True, exist_ok=True)
        make_file(args.file, 20_000)
    t = time.process_time()
    _wb, ((sheet, layout), *_) = find_layouts(args.file)
    rows = list(iter_data_rows(sheet, layout))
    parse = time.process_time() - t
    parsed = [rows[i:i + importer.CHUNK] for i in range(0, len(rows), importer.CHUNK)]
    importer._init_worker(layout.columns, classes(), date.today())
    keep = sorted(layout.columns)
    n = sum(map(len, parsed))

    def exact() -> list:
        return [p for rows in parsed for chunk in importer._chunks(iter(rows), keep, size=None)
                for p in (importer.prepare_row(r, cells) for r, cells in chunk) if p is not None]

    def fast() -> list:
        return [p for rows in parsed for chunk in importer._chunks(iter(rows), keep, size=None)
                for p in importer._prepare_chunk(chunk)]

    timings = {}
    for name, work in (("exact", exact), ("fast", fast)):
        work()  # warm the memos and caches, as the first of a worker's ~100 slices does
        best = float("inf")
        for _ in range(args.repeat):  # the best of a few: other processes only ever add time
            t = time.process_time()
            got = work()
            best = min(best, time.process_time() - t)
        timings[name] = got, best
    (reference, a), (prepared, b) = timings["exact"], timings["fast"]
    fast_path = importer._STATE.get("fast")  # absent in code from before it (to compare against main)
    accepted = 0 if fast_path is None else sum(
        len(fast_path.prepare(chunk, lambda r, cells: None))
        for rows in parsed for chunk in importer._chunks(iter(rows), keep, size=None))
    print(f"{n:,} rows ({len(prepared):,} prepared, {accepted:,} on the fast path) of {args.file.name}")
    print("CPU time of this process (less sensitive than wall time to a shared machine, still noisy):")
    print(f"parse (calamine)          : {parse / n * 1e6:6.1f} µs/row")
    print(f"prepare, exact path       : {a / n * 1e6:6.1f} µs/row  (prepare_row on every row: before)")
    print(f"prepare, _prepare_chunk   : {b / n * 1e6:6.1f} µs/row  (fast path, exact path for the rest)")
    print(f"speed-up {a / b:.2f}×; output identical: {'yes' if prepared == reference else 'NO'}")
    if args.profile:
        profiler = cProfile.Profile()
        profiler.runcall(fast)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)


if __name__ == "__main__":
    main()
