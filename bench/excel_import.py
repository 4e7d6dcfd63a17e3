"""Benchmark: import-excel of 3,000- and 20,000-row templates vs. a bare calamine read of the same file.

    python bench/excel_import.py [--rows 3000,20000] [--keep DIR] [--floor] [--exact]

Schools hold at most ~20,000 students (issue 22). For each size the file is generated with the demo generator
(2 % of rows with errors) and our exporter, then one run measures
(a) reading every cell with python-calamine (the fastest reader here) and
(b) the whole ``import-excel``: read, normalise, validate, match, write to the encrypted store in one
transaction with audit entries. Bar: at 20,000 rows (b) ≤ 2.5 × (a). Each phase runs in a fresh child process
so its peak memory (workers included) is measured on its own.

``--floor`` adds (c): the same import with normalising and validation replaced by storing each cell as read
(no product path: what reading, moving rows between processes and the encrypted write cost by themselves).
``--exact`` adds (d): the import with every row on the exact path, i.e. without ``excel/fastprep.py``: what
the column-wise fast path pays at these sizes.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PASSWORD = "bench-pass-1"
BAR = 2.5  # issue 22: a 20,000-row import with validation ≤ 2.5 × the bare read


def make_file(path: Path, rows: int) -> None:
    from xueji_desktop.demo import DEMO_SCHOOL, demo_classes, generate_records
    from xueji_desktop.excel.template import record_row, write_workbook
    from xueji_desktop.school import class_name

    classes = demo_classes(classes_per_grade=10)
    names = {c.code: class_name(c.entry_year, c.stage, c.number) for c in classes}
    gen = (record_row(r, DEMO_SCHOOL["code"], names[c.code])
           for c, r in generate_records(rows, seed=7, classes=classes, error_rate=0.02))
    write_workbook(path, gen, total=rows)


def make_store(path: Path):
    from xueji_desktop import school
    from xueji_desktop.demo import DEMO_SCHOOL, demo_classes
    from xueji_desktop.storage import Store

    store, _ = Store.create(path, username="admin", password=PASSWORD, school=DEMO_SCHOOL)
    with store.transaction() as tx:
        for c in demo_classes(classes_per_grade=10):
            school.add_class(tx, c.entry_year, c.stage, c.number)
    store.close()


def bare_read(path: str, queue) -> None:
    import python_calamine

    t, c = time.perf_counter(), time.process_time()
    wb = python_calamine.CalamineWorkbook.from_path(path)
    sheet = wb.get_sheet_by_index(0)
    cells = 0
    for row in sheet.iter_rows():
        cells += len(row)
    queue.put((time.perf_counter() - t, cells, _peak_mb(), time.process_time() - c))


def full_import(path: str, db: str, queue) -> None:
    from xueji_desktop.excel.importer import import_workbook
    from xueji_desktop.storage import Store

    store = Store.open(db, "admin", PASSWORD)
    t, c = time.perf_counter(), time.process_time()
    result = import_workbook(store, path)
    elapsed, main_cpu = time.perf_counter() - t, time.process_time() - c
    store.close()
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    queue.put((elapsed, result.rows, _peak_mb(), result.inserted, result.pending,
               (main_cpu, kids.ru_utime + kids.ru_stime), os.path.getsize(db) / 1e6))


def floor_prepare_chunk(chunk: list[tuple[int, list]]) -> list[tuple]:
    """importer._prepare_chunk without normalising or validating: each row's cells stored as read, as 正常.

    Same Prepared tuples as the real path, so the main process writes the same tables, indexes and audit
    entries; only the per-row Python of rows/normalize/validation is gone. Option cells keep their names
    (汉族 where the real path stores 01), which makes the database a little bigger (both sizes are printed)."""
    from xueji_desktop.excel import importer
    from xueji_desktop.records.students import CORE_COLUMNS

    plan = [(j, key, member) for j, key, member, _path, kind, _memo in importer._STATE["plan"]
            if kind not in ("grade", "class")]
    student = [(j, key) for j, key, member in plan if member is None]
    members = sorted({m for _, _, m in plan if m is not None})
    member_cols = [[(j, key) for j, key, m in plan if m == i] for i in members]
    dumps, out = importer._dumps, []
    for row, cells in chunk:
        record = {key: cells[j] for j, key in student if j < len(cells) and cells[j] != ""}
        kin = [{key: cells[j] for j, key in cols if j < len(cells) and cells[j] != ""} for cols in member_cols]
        core = tuple(str(record.get(k, "")) for k in CORE_COLUMNS)
        out.append((row, None, "", core, "ok", 0, 0, dumps(record), "[]",
                    tuple((str(m.get("name", "")), str(m.get("relation", "")), str(m.get("id_number", "")),
                           dumps(m)) for m in kin if m),
                    None, (record.get("name"), record.get("id_number")), None))
    return out


def floor_import(path: str, db: str, queue) -> None:
    """(c): full_import with floor_prepare_chunk in place of the real per-chunk work (workers look it up here)."""
    from xueji_desktop.excel import importer

    # Pickled by reference: the spawned workers import this module to find it.
    importer._prepare_chunk = floor_prepare_chunk
    full_import(path, db, queue)


def _peak_mb() -> tuple[float, float]:
    """(this process's peak, the largest worker's peak) in MB; ru_maxrss is KiB on Linux."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, kids


def run(target, *args):
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=target, args=(*args, queue))
    proc.start()
    out = queue.get()
    proc.join()
    return out


def exact_prepare_chunk(chunk: list[tuple[int, list]]) -> list[tuple]:
    """importer._prepare_chunk with every row on the exact path (importer.prepare_row), no column-wise fast path."""
    from xueji_desktop.excel import importer

    return [p for r, cells in chunk if (p := importer.prepare_row(r, cells)) is not None]


def exact_import(path: str, db: str, queue) -> None:
    """(d): full_import with exact_prepare_chunk, to show what excel/fastprep.py pays."""
    from xueji_desktop.excel import importer

    importer._prepare_chunk = exact_prepare_chunk
    full_import(path, db, queue)


def measure(rows: int, keep: Path | None, work: Path, floor: bool, exact: bool) -> float:
    """One size: (a), (b) [, (c), (d)] printed; returns (b)/(a)."""
    xlsx = (keep or work) / f"bench-{rows}.xlsx"
    if not xlsx.exists():
        t = time.perf_counter()
        xlsx.parent.mkdir(parents=True, exist_ok=True)
        make_file(xlsx, rows)
        print(f"generated {xlsx} ({xlsx.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t:.1f} s")
    print(f"--- {rows:,} rows ---")
    a, cells, (a_mem, _), a_cpu = run(bare_read, str(xlsx))
    print(f"(a) bare calamine read : {a:7.2f} s  {cells:,} cells  peak {a_mem:.0f} MB  CPU {a_cpu:.2f} s")

    def imported(label: str, target) -> float:
        db = work / f"bench-{rows}-{label}.xjdb"
        make_store(db)
        t, n, (main_mem, worker_mem), inserted, pending, (main_cpu, worker_cpu), size = run(target, str(xlsx), str(db))
        print(f"({label}) {t:7.2f} s  ratio to (a) {t / a:.2f}  {n:,} rows ({inserted:,} new, {pending:,} 待修正)"
              f"  CPU main {main_cpu:.2f} s + workers {worker_cpu:.2f} s  peak main {main_mem:.0f} MB,"
              f" worker {worker_mem:.0f} MB  database {size:.0f} MB")
        # On a busy shared machine wall times stretch; CPU does much less. The main process is the critical path
        # (the workers run beside it), so main CPU / (a) CPU is what the wall ratio tends to when cores are free.
        print(f"    CPU ratios to (a): main {main_cpu / a_cpu:.2f}, all {(main_cpu + worker_cpu) / a_cpu:.2f}")
        return t

    print("(b) = import-excel: read, normalise, validate, match, write with audit")
    b = imported("b", full_import)
    if floor:
        print("(c) = the same import, cells stored as read (no normalising or validation)")
        imported("c", floor_import)
    if exact:
        print("(d) = the import with every row on the exact path (no excel/fastprep.py)")
        d = imported("d", exact_import)
        print(f"    fastprep saves {(d - b) / d:.0%} of (d)'s time; (d)/(b) = {d / b:.2f}")
    print(f"ratio (b)/(a) at {rows:,} rows = {b / a:.2f}")
    return b / a


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", default="3000,20000", help="sizes, comma-separated (default 3000,20000)")
    parser.add_argument("--keep", type=Path, default=None, help="keep the generated files here and reuse them")
    parser.add_argument("--floor", action="store_true", help="also run (c): the import without validation")
    parser.add_argument("--exact", action="store_true", help="also run (d): the import without the fast path")
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} (a shared machine: re-run when quieter)")
    work = Path(tempfile.mkdtemp(prefix="xueji-bench-"))
    try:
        ratios = {n: measure(n, args.keep, work, args.floor, args.exact)
                  for n in (int(x) for x in args.rows.split(","))}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    big = max(ratios)
    print(f"bar: (b)/(a) ≤ {BAR} at {big:,} rows: {ratios[big]:.2f} → {'PASS' if ratios[big] <= BAR else 'FAIL'}")


if __name__ == "__main__":
    main()
