"""Benchmark: import-excel of a 200,000-row template vs. a bare calamine read of the same file.

    python bench/excel_import.py [--rows 200000] [--keep DIR]

Generates the file with the demo generator and our exporter (xlsxwriter), then in one run measures
(a) reading every cell with python-calamine (the fastest reader here) and
(b) the whole ``import-excel``: read, normalise, validate, match, write to the encrypted store in one
transaction with audit entries. Bar: (b) ≤ 1.5 × (a), peak memory < 1 GB (each phase runs in a fresh
child process so its peak RSS, workers included, is measured on its own).

``--floor`` adds (c): the same import with normalising and validation replaced by storing each cell as read
(``floor_prepare_slice``). It is no product path: it shows what reading, sending rows between processes and
the encrypted write cost by themselves, i.e. how much of the bar is left for validation.
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

    t = time.perf_counter()
    wb = python_calamine.CalamineWorkbook.from_path(path)
    sheet = wb.get_sheet_by_index(0)
    cells = 0
    for row in sheet.iter_rows():
        cells += len(row)
    queue.put((time.perf_counter() - t, cells, _peak_mb()))


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
                    None, (record.get("name"), record.get("id_number"))))
    return out


def floor_prepare_slice(xml: bytes, book, header_row: int, keep: list[int]) -> list[tuple]:
    """importer._prepare_slice (same slicing, parse and trimming) with floor_prepare_chunk."""
    from xueji_desktop.excel import importer
    from xueji_desktop.excel.reader import below_header
    from xueji_desktop.excel.stream import slice_rows

    rows = below_header(slice_rows(book.workbook(xml)), header_row)
    return [p for chunk in importer._chunks(rows, keep, size=None) for p in floor_prepare_chunk(chunk)]


def floor_import(path: str, db: str, queue) -> None:
    """(c): full_import with floor_prepare_slice in place of the real per-slice work (workers look it up here)."""
    from xueji_desktop.excel import importer

    # Pickled by reference: the spawned workers import this module to find them.
    importer._prepare_slice, importer._prepare_chunk = floor_prepare_slice, floor_prepare_chunk
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--keep", type=Path, default=None, help="keep the generated file here and reuse it")
    parser.add_argument("--floor", action="store_true", help="also run (c): the import without validation")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="xueji-bench-"))
    try:
        xlsx = (args.keep or work) / f"bench-{args.rows}.xlsx"
        if not xlsx.exists():
            t = time.perf_counter()
            xlsx.parent.mkdir(parents=True, exist_ok=True)
            make_file(xlsx, args.rows)
            print(f"generated {xlsx} ({xlsx.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t:.1f} s")
        db = work / "bench.xjdb"
        make_store(db)
        a, cells, (a_mem, _) = run(bare_read, str(xlsx))
        print(f"(a) bare calamine read : {a:7.2f} s  {cells:,} cells  peak {a_mem:.0f} MB")
        b, rows, (main_mem, worker_mem), inserted, pending, (main_cpu, worker_cpu), b_size = run(
            full_import, str(xlsx), str(db))
        b_mem = main_mem + 2 * worker_mem  # upper bound: both workers at the largest worker's peak
        print(f"(b) import-excel       : {b:7.2f} s  {rows:,} rows ({inserted:,} new, {pending:,} 待修正)"
              f"  peak main {main_mem:.0f} MB + 2 × worker {worker_mem:.0f} MB = {b_mem:.0f} MB")
        print(f"    CPU: main process {main_cpu:.1f} s (read, write, audit) + workers {worker_cpu:.1f} s (normalise, "
              f"validate; big sheets: parse too) = {main_cpu + worker_cpu:.1f} s on {os.cpu_count()} cores;"
              f" database {b_size:.0f} MB")
        ratio = b / a
        print(f"ratio (b)/(a) = {ratio:.2f}  (bar ≤ 1.5)   peak memory bar < 1024 MB")
        if args.floor:
            floor_db = work / "floor.xjdb"
            make_store(floor_db)
            c, c_rows, _, c_inserted, _, (c_main_cpu, c_worker_cpu), c_size = run(floor_import, str(xlsx),
                                                                                  str(floor_db))
            print(f"(c) the same import, cells stored as read (no normalising or validation): {c:7.2f} s"
                  f"  {c_inserted:,} of {c_rows:,} rows  ratio (c)/(a) = {c / a:.2f}")
            print(f"    CPU: main process {c_main_cpu:.1f} s + workers {c_worker_cpu:.1f} s"
                  f" = {c_main_cpu + c_worker_cpu:.1f} s; database {c_size:.0f} MB")
        print("PASS" if ratio <= 1.5 and b_mem < 1024 else "FAIL")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
