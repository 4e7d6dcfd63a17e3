"""County view benchmark (issue 18): the county's student browser over 200,000 merged rows, and the Excel
export of those rows against bare xlsxwriter writing the same cells.

    python bench/county_view.py [--students 200000] [--schools 40] [--keep FILE] [--no-export]

Bars: the list opens (keys read, model built, first screen painted) in < 1 s; each filter (school, name part,
ID-number prefix, 学籍状态) with its first screen in < 100 ms; `county export-excel` of every row takes at most
2 × the time bare xlsxwriter (constant_memory, to a file) needs to write the same rows' cells.

Setup (not timed) bulk-inserts the rows as an import would leave them: 2,000 demo records replicated with
fresh names and ID numbers, stored as the school's student lines (exchange/payload.py), one executemany.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from stdnum.cn import ric

from xueji_desktop.county.workspace import create_county_store
from xueji_desktop.demo import DEMO_COUNTY, demo_classes, make_student
from xueji_desktop.exchange import payload
from xueji_desktop.school import class_name
from xueji_desktop.storage import Store

PASSWORD = "bench-pass"
SCREEN_ROWS = 40
STATES = ["enrolled"] * 90 + ["suspended"] * 4 + ["left"] * 3 + ["abroad"] * 2 + ["graduated"]


def build_store(path: Path, count: int, n_schools: int) -> Store:
    store, _, _ = create_county_store(path, username="admin", password=PASSWORD, county=DEMO_COUNTY)
    classes = demo_classes(classes_per_grade=max(1, count // n_schools // 6 // 45))
    rng = random.Random(7)
    base = [make_student(rng, classes[i % len(classes)]) for i in range(2000)]
    surnames, given = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗", "伟强磊军洋勇杰涛明超辉鹏芳娜敏静丽艳娟霞婷雪"
    store.conn.execute("PRAGMA cache_size = -262144")  # setup only
    per_school = count // n_schools
    with store.transaction() as tx:
        for s in range(n_schools):
            code = f"21140{s:05d}"
            tx.execute("INSERT INTO county_schools (code, name, region_code, imported_at, last_sequence)"
                       " VALUES (?,?,?,?,1)", (code, f"测试学校{s:03d}", DEMO_COUNTY["code"] + "001000", tx.ts))
            tx.executemany("INSERT INTO county_classes (school_code, class_code, name, data) VALUES (?,?,?,?)",
                           [(code, c.code, class_name(c.entry_year, c.stage, c.number),
                             json.dumps({"class_code": c.code, "stage": c.stage, "entry_year": c.entry_year,
                                         "number": c.number})) for c in classes])
            rows = []
            for i in range(per_school):
                c = classes[i % len(classes)]
                rec = dict(base[(s * per_school + i) % len(base)])
                rec["name"] = rng.choice(surnames) + rng.choice(given) + rng.choice(given)
                body = rec["id_number"][:14] + f"{rng.randrange(1000):03d}"
                rec["id_number"] = body + ric.calc_check_digit(body + "0")
                row = payload.StudentRow(str(uuid.uuid4()), c.code, "ok", [], rec, enrolment=rng.choice(STATES))
                rows.append((code, row.uid, c.code, rec["name"], rec["gender"], rec["birth_date"], rec["id_type"],
                             rec["id_number"], "ok", row.enrolment, 0, "", payload.student_line(row)))
            tx.executemany("INSERT INTO county_students (school_code, uid, class_code, name, gender, birth_date,"
                           " id_type, id_number, status, enrolment, pending, id_problem, data)"
                           " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    return store


def paint_screen(model, first_row: int = 0) -> None:
    for r in range(first_row, min(first_row + SCREEN_ROWS, model.rowCount())):
        for c in range(model.columnCount()):
            model.data(model.index(r, c))


def timed(func) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def bare_xlsxwriter(path: Path, rows: list[list[str]], headers: list[str]) -> None:
    """The floor: the same cells written by xlsxwriter alone (constant_memory, straight to a file)."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False,
                                         "strings_to_formulas": False, "strings_to_urls": False})
    ws = wb.add_worksheet("学生信息")
    ws.write_row(0, 0, headers)
    for r, row in enumerate(rows, start=1):
        for j, value in enumerate(row):
            if value:
                ws.write_string(r, j, value)
    wb.close()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=200_000)
    parser.add_argument("--schools", type=int, default=40)
    parser.add_argument("--keep", type=Path, help="build the store at this path once and reuse it on later runs")
    parser.add_argument("--no-export", action="store_true", help="only the list (the export takes minutes)")
    args = parser.parse_args()
    from PySide6.QtWidgets import QApplication

    from xueji_desktop.county.export import SCHOOL_NAME_HEADER, export_county_excel, iter_county_rows
    from xueji_desktop.county.students import CountyFilter
    from xueji_desktop.excel.columns import columns
    from xueji_desktop.ui.county_browser import CountyStudentModel

    app = QApplication.instance() or QApplication([])
    del app
    print(f"machine: {os.cpu_count()} cores, shared with other jobs (numbers vary between runs)")
    with tempfile.TemporaryDirectory() as tmp:
        db = args.keep or Path(tmp) / "county.xjdb"
        if args.keep and args.keep.exists():
            print(f"reusing {args.keep}")
        else:
            t0 = time.perf_counter()
            build_store(db, args.students, args.schools).close()
            print(f"setup: {args.students} students bulk-inserted in {time.perf_counter() - t0:.1f} s")
        store = Store.open(db, "admin", PASSWORD)
        total = store.query("SELECT count(*) FROM county_students")[0][0]
        name = store.query("SELECT name FROM county_students LIMIT 1 OFFSET 1234")[0][0]
        id_prefix = store.query("SELECT id_number FROM county_students LIMIT 1 OFFSET 777")[0][0][:10]
        school = store.query("SELECT code FROM county_schools LIMIT 1 OFFSET 3")[0][0]
        results: list[tuple[str, float, float]] = []
        holder = {}
        results.append((f"open list ({total} rows) + first screen", 1.0, timed(
            lambda: (holder.setdefault("m", CountyStudentModel(store.conn)), paint_screen(holder["m"])))))
        model = holder["m"]
        for label, flt in [("filter: one school", CountyFilter(school=school)),
                           ("filter: name part", CountyFilter(text=name[1:])),
                           ("filter: ID number prefix (10 digits)", CountyFilter(text=id_prefix)),
                           ("filter: 学籍状态 休学", CountyFilter(enrolment="suspended")),
                           ("filter: 学籍状态 在校 (90% of rows)", CountyFilter(enrolment="enrolled")),
                           ("filter: school + 在校", CountyFilter(school=school, enrolment="enrolled")),
                           ("filter: cleared (all rows)", CountyFilter())]:
            samples = [timed(lambda f=flt: (model.set_filter(f), paint_screen(model))) for _ in range(3)]
            results.append((label + f" -> {model.rowCount()} rows", 0.100, statistics.median(samples)))
        if not args.no_export:
            out = Path(tmp) / "export.xlsx"
            ours = timed(lambda: export_county_excel(store, out))
            rows = list(iter_county_rows(store))
            headers = [c.header for c in columns()]
            headers.insert(1, SCHOOL_NAME_HEADER)
            bare = timed(lambda: bare_xlsxwriter(Path(tmp) / "bare.xlsx", rows, headers))
            results.append((f"export-excel {len(rows)} rows (bar: 2 × bare xlsxwriter {bare:.1f} s)", 2 * bare,
                            ours))
            print(f"export-excel: ours {ours:.1f} s, bare xlsxwriter {bare:.1f} s, ratio {ours / bare:.2f}"
                  f" ({out.stat().st_size / 1e6:.0f} MB vs {(Path(tmp) / 'bare.xlsx').stat().st_size / 1e6:.0f} MB)")
        store.close()
    print(f"{'measure':66} {'bar':>9} {'measured':>10} {'ratio':>7}")
    ok = True
    for label, bar, measured in results:
        ratio = measured / bar
        ok &= ratio <= 1
        print(f"{label:66} {bar * 1000:7.0f}ms {measured * 1000:8.1f}ms {ratio:7.2f}")
    print("all within bars" if ok else "SOME MEASURES EXCEED THEIR BAR")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
