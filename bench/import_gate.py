"""Benchmark: what the write gate (records/gate.py) costs ``import-excel`` (issue 17: at most +10 %).

    python bench/import_gate.py [--rows 20000] [--runs 3]

``bench/excel_import.py`` imports into an empty store, where the gate only counts class seats. Here the gate
has the most to do: a store holding the file's students, every record county-accepted, class caps set (high
enough to fit), and a re-import of the same file with one column changed in every row and the name changed in
every 10th (a controlled field: kept, listed, re-validated). Each run imports that file twice into fresh copies
of the store, (a) with the gate's checks replaced by "nothing refused" and (b) with the gate, alternating the
order; the best of ``--runs`` of each is compared. Prints both and (b)/(a); bar ≤ 1.10.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PASSWORD = "bench-pass-1"
BAR = 1.10


def build(folder: Path, rows: int) -> tuple[Path, Path]:
    """(a store holding the students, accepted, caps set; the changed workbook to re-import)."""
    import openpyxl

    from bench.excel_import import make_file, make_store
    from xueji_desktop.excel.importer import import_workbook
    from xueji_desktop.records.changes import mark_county_accepted
    from xueji_desktop.records.school_year import set_class_cap
    from xueji_desktop.storage import Store

    first = folder / "first.xlsx"
    make_file(first, rows)
    db = folder / "base.xjdb"
    make_store(db)
    with Store.open(db, "admin", PASSWORD) as store:
        import_workbook(store, first)
        with store.transaction() as tx:
            mark_county_accepted(tx, [r[0] for r in store.query("SELECT id FROM students")])
        set_class_cap(store, 1, 200)
    wb = openpyxl.load_workbook(first)
    ws = wb.active
    header = [c.value for c in ws[1]]
    address, name = header.index("现住址") + 1, header.index("姓名") + 1
    for r in range(2, ws.max_row + 1):
        ws.cell(r, address).value = f"山西省太原市迎泽区新建路 {r} 号"
        if r % 10 == 0:
            ws.cell(r, name).value = f"{ws.cell(r, name).value}改"
    second = folder / "second.xlsx"
    wb.save(second)
    return db, second


def timed_import(db: Path, xlsx: Path, folder: Path, gate: bool) -> float:
    from xueji_desktop.excel.importer import import_workbook
    from xueji_desktop.records import gate as gate_mod
    from xueji_desktop.storage import Store

    copy = folder / f"run-{'gate' if gate else 'nogate'}.xjdb"
    shutil.copyfile(db, copy)
    shutil.copyfile(str(db) + ".keys", str(copy) + ".keys")
    saved = gate_mod.Gate.check, gate_mod.Gate.seat_refusal
    if not gate:
        gate_mod.Gate.check = lambda self, *a, **k: []
        gate_mod.Gate.seat_refusal = lambda self, *a, **k: None
    try:
        with Store.open(copy, "admin", PASSWORD) as store:
            t = time.perf_counter()
            result = import_workbook(store, xlsx, parallel=False)
            elapsed = time.perf_counter() - t
    finally:
        gate_mod.Gate.check, gate_mod.Gate.seat_refusal = saved
    assert result.updated == result.rows and (len(result.kept_cells) > 0) == gate
    copy.unlink()
    Path(str(copy) + ".keys").unlink()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t = time.perf_counter()
        db, xlsx = build(folder, args.rows)
        print(f"built a {args.rows:,}-student store (accepted, caps set) and its changed workbook in "
              f"{time.perf_counter() - t:.1f} s")
        without, with_gate = [], []
        for i in range(args.runs):
            for gate in ((False, True) if i % 2 == 0 else (True, False)):
                (with_gate if gate else without).append(timed_import(db, xlsx, folder, gate))
        a, b = min(without), min(with_gate)
        print(f"(a) re-import, gate off : {a:7.2f} s   (runs: {', '.join(f'{x:.2f}' for x in without)})")
        print(f"(b) re-import, gate on  : {b:7.2f} s   (runs: {', '.join(f'{x:.2f}' for x in with_gate)})")
        print(f"ratio (b)/(a) = {b / a:.3f}  (bar ≤ {BAR})")
        print("PASS" if b / a <= BAR else "FAIL")


if __name__ == "__main__":
    main()
