"""check-excel throughput: bare calamine read of a workbook vs the full check (read + normalise + validate).

Usage: python bench/check_excel.py [ROWS]   (default 20,000; the file is written to a temp dir and removed)
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import xlsxwriter
from python_calamine import CalamineWorkbook

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from xueji_desktop.demo import demo_classes, make_student
from xueji_desktop.excel.check import check_workbook
from xueji_desktop.validation.spec import load_spec


def write(path: Path, n: int) -> None:
    spec = load_spec()
    student = [f for f in spec.student_fields if f.key not in ("grade",)]
    members = spec.member_fields
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet()
    ws.write_row(0, 0, [f.excel for f in student] + [f"成员{i}{f.excel}" for i in (1, 2) for f in members])
    rng = random.Random(5)
    classes = demo_classes(date.today())
    for r in range(1, n + 1):
        cls = classes[r % len(classes)]
        rec = make_student(rng, cls)
        rec["class_code"] = cls.code
        cells = []
        for f in student:
            v = rec.get(f.key, "")
            cells.append(spec.codes[f.codes].by_code.get(v, v) if f.codes and v else v)
        for m in rec["members"]:
            for f in members:
                v = m.get(f.key, "")
                cells.append(spec.codes[f.codes].by_code.get(v, v) if f.codes and v else v)
        ws.write_row(r, 0, [str(c) for c in cells])
    wb.close()


def main(n: int = 20_000) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.xlsx"
        write(path, n)
        t = time.perf_counter()
        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
        count = sum(1 for _ in sheet.iter_rows())
        bare = time.perf_counter() - t
        t = time.perf_counter()
        report = check_workbook(path)
        full = time.perf_counter() - t
    errors = sorted({i["code"] for i in report["issues"] if i["severity"] == "error"})
    print(f"rows: {report['rows']} ({count - 1} in the sheet); error codes: {errors}"
          " (only id.duplicate expected: the demo generator repeats an ID now and then)")
    print(f"bare calamine read:     {bare:6.2f} s")
    print(f"check-excel (full):     {full:6.2f} s   ratio {full / bare:.1f}x")
    print(f"per row beyond the read: {(full - bare) / n * 1e6:.0f} µs")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)
