"""City benchmark (issue 18): a city store imports 10 county upward packages × 20,000 students; then the city's
screens over what it imported.

    python bench/city_import.py [--counties 10] [--students 20000] [--schools 10] [--keep FILE]
    python bench/city_import.py --students 200000 --schools 100 --keep $TMPDIR/city.xjdb   # a real city: 2,000,000

Bars, import: importing every county's package (verify, decrypt, check every school's payload, merge in one
transaction per county) and then finding the problem records across the whole city take < 60 s together at
200,000 students; at a real city's size (10 × 200,000) each county's package, as big as a whole county, gets the
60 s a county's own import of 200,000 gets, and the problems across the city the same (they run after each import).
Bars, screens: each filter and search with its first screen < 100 ms (the county's bar from bench/county_view.py,
whatever the size). Opening the 学生数据 page reads every student's list keys once (one scan of an index, ~1.2 µs
per student through SQLCipher here): the county's < 1 s at 200,000 becomes < 3 s at a city's 2,000,000, and so
for `xueji county students --name`, which reads the same keys. 统计 (`county stats`), 营养改善计划 (city
statistics) and `xueji info` each read every student's entry of a small index once: < 2 s at a city.

Setup (not timed) builds each county's package straight from generated records, as ``county export-up`` writes it
(one submission payload per school, ``county/upward.aggregate_body``, signed by the county and encrypted to the
city), without a county store: 2,000 demo records replicated with fresh names and ID numbers (unique, as real ones:
area, month and day of birth and sequence digits spell a running number), as bench/county_view.py does. Each
county's first student repeats an ID number of the previous county, so the cross-county check has something to find.
学籍状态 are spread as in bench/county_view.py; every county's plan (营养改善计划) names half its schools.
``--keep FILE`` keeps the city store (built the first time, reused without importing on later runs).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stdnum.cn import ric

from xueji_desktop.county.city_intake import import_county_package
from xueji_desktop.county.counties import add_county
from xueji_desktop.county.problems import county_problems
from xueji_desktop.county.upward import aggregate_body
from xueji_desktop.county.workspace import create_county_store
from xueji_desktop.demo import demo_classes, make_student
from xueji_desktop.exchange import keys, keystore, payload
from xueji_desktop.exchange.container import seal
from xueji_desktop.school import class_name

CITY = {"code": "1401", "name": "太原市", "city_code": "14", "city_name": "山西省"}
COUNTIES = [("140105", "小店区"), ("140106", "迎泽区"), ("140107", "杏花岭区"), ("140108", "尖草坪区"),
            ("140109", "万柏林区"), ("140110", "晋源区"), ("140121", "清徐县"), ("140122", "阳曲县"),
            ("140123", "娄烦县"), ("140181", "古交市")]
PASSWORD = "bench-123"
CREATED = "2026-06-10T09:30:00+08:00"
# birthplaces of the generated ID numbers: Shanxi county codes valid for every birth year 2000–2023
BIRTH_AREAS = ["140105", "140106", "140107", "140108", "140109", "140110", "140121", "140122", "140123", "140181",
               "140302", "140303", "140311", "140321", "140322", "140423", "140425", "140426"]
STATES = ["enrolled"] * 90 + ["suspended"] * 4 + ["left"] * 3 + ["abroad"] * 2 + ["graduated"]  # as county_view.py
SURNAMES, GIVEN = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗", "伟强磊军洋勇杰涛明超辉鹏芳娜敏静丽艳娟霞婷雪"


def nutrition_plan(schools: list[dict]) -> bytes:
    """A county's 营养改善计划 as its package carries it (nutrition_upward.py): half its schools take part."""
    return json.dumps({"schools": [{"code": s["code"], "name": s["name"]} for s in schools[::2]],
                       "standards": {"1": "5.00", "2": "6.00"}, "school_days": 100,
                       "contacts": [{"role": "分管领导", "unit": "教育局", "person": "王明", "phone": "13800000000"}]},
                      ensure_ascii=False).encode()


def build_packages(folder: Path, city_public: bytes, n_counties: int, per_county: int,
                   per_school_count: int) -> list[tuple[Path, str]]:
    """One aggregate per county: (file, the county's key fingerprint)."""
    rng = random.Random(7)
    classes = demo_classes(classes_per_grade=max(1, per_county // per_school_count // 6 // 45))
    class_dicts = [{"class_code": c.code, "name": class_name(c.entry_year, c.stage, c.number), "stage": c.stage,
                    "entry_year": c.entry_year, "number": c.number, "head_teacher": ""} for c in classes]
    base = [make_student(rng, classes[i % len(classes)]) for i in range(2000)]
    out: list[tuple[Path, str]] = []
    previous_id = ""
    serial = itertools.count()
    for n, (county, name) in enumerate(COUNTIES[:n_counties]):
        signing, enc = keys.KeyPair.generate("ed25519"), keys.KeyPair.generate("x25519")
        schools, bodies = [], []
        for s in range(per_school_count):
            code = f"2114{n:02d}{s:04d}"
            profile = {"code": code, "name": f"{name}第{s + 1}小学", "region_code": county + f"{s:03d}000"}
            rows = []
            for i in range(per_county // per_school_count):
                c = classes[i % len(classes)]
                record = dict(base[(s * 7919 + i) % len(base)])
                record["name"] = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
                # a fresh ID number, unique as real ones are: the student's running number k spelt as area,
                # month and day of birth and sequence digits (18 × 12 × 28 × 500 combinations per birth year and
                # sex: a city of 2,000,000 has no chance duplicates either)
                k = next(serial)
                born = record["birth_date"][:5] + f"{k // 18 % 12 + 1:02d}-{k // 216 % 28 + 1:02d}"
                sex = int(record["id_number"][16]) % 2  # the 17th digit's parity is the sex: keep it
                body = (BIRTH_AREAS[k % 18] + born.replace("-", "")
                        + f"{k // 6048 % 100:02d}{k // 604800 % 5 * 2 + sex}")
                record["id_number"], record["birth_date"] = body + ric.calc_check_digit(body + "0"), born
                rows.append(payload.StudentRow(str(uuid.UUID(int=rng.getrandbits(128))), c.code, "ok", [], record,
                                               enrolment=rng.choice(STATES) if i > 1 else "enrolled"))
            if s == 0:
                if previous_id:
                    rows[0].record["id_number"] = previous_id
                previous_id = rows[1].record["id_number"]
            bodies.append((code, payload.build(school=profile, county_code=county, classes=class_dicts,
                                               students=rows, sequence=1, created_at=CREATED,
                                               include_pending=False)))
            schools.append({**profile, "county_code": county, "review_state": "passed", "review_reason": "",
                            "students": len(rows)})
        data = seal(kind="aggregate", sender={"code": county, "name": name,
                                              "encryption_public": keys.b64(enc.public)},
                    signing_private=signing.private, recipient={"level": "city", "code": CITY["code"]},
                    recipient_x25519=city_public, sequence=1, created_at=CREATED,
                    body=aggregate_body(schools, bodies, nutrition_plan(schools)))
        path = folder / f"{county}{name}_20260610-0930.xjpkg"
        path.write_bytes(data)
        out.append((path, keys.fingerprint(signing.public)))
        print(f"\rsetup: built {n + 1}/{n_counties} county packages", end="", file=sys.stderr)
    print(file=sys.stderr)
    return out


def import_all(city_path: Path, folder: Path, args) -> None:
    """Build the packages (not timed), import them into a new city store at ``city_path``, find the problems."""
    city, _r, _fp = create_county_store(city_path, username="admin", password=PASSWORD, county=CITY, level="city")
    for code, name in COUNTIES[:args.counties]:
        add_county(city, code, name)
    t = time.perf_counter()
    packages = build_packages(folder, keystore.get_public(city.conn, keystore.OWN_ENCRYPTION), args.counties,
                              args.students, args.schools)
    setup = time.perf_counter() - t
    size = sum(p.stat().st_size for p, _ in packages) / 1e6

    per_package = []
    t, c = time.perf_counter(), time.process_time()
    for n, (path, fp) in enumerate(packages):
        start = time.perf_counter()
        import_county_package(city, path, confirm_fingerprint=fp)
        per_package.append(time.perf_counter() - start)
        path.unlink()
        print(f"\rimported {n + 1}/{len(packages)} ({per_package[-1]:.1f} s)", end="", file=sys.stderr)
    print(file=sys.stderr)
    t_import = time.perf_counter() - t
    t = time.perf_counter()
    found = county_problems(city)
    t_problems = time.perf_counter() - t
    cpu = time.process_time() - c
    students = city.query("SELECT count(*) FROM county_students")[0][0]
    city.close()

    cross = [p for p in found if p["kind"] == "duplicate_id"
             and len({r.get("county_code") for r in p["records"]}) > 1]
    pairs = {tuple(sorted(r["school_code"] for r in p["records"])) for p in cross}
    planted = {(f"2114{n - 1:02d}0000", f"2114{n:02d}0000") for n in range(1, args.counties)}
    total = t_import + t_problems
    print(f"{args.counties} counties × {args.students} students ({args.schools} schools each) = {students} students; "
          f"packages {size:.1f} MB; setup (not timed) {setup:.1f} s")
    print(f"import (verify + decrypt + check every school + merge): {t_import:.2f} s "
          f"(per county {min(per_package):.2f}–{max(per_package):.2f} s; bar per county < 60 s: "
          f"{'PASS' if max(per_package) < 60 else 'FAIL'})")
    print(f"problem detection across the city: {t_problems:.2f} s ({len(found)} problem groups, {len(cross)} ID "
          f"numbers in two counties; planted cross-county duplicates found: {len(planted & pairs)}/{len(planted)})")
    print(f"TOTAL import + problems: {total:.2f} s wall ({cpu:.2f} s CPU of this process)   bar at 200,000: < 60 s   "
          f"{'PASS' if total < 60 else 'FAIL'}")
    print(f"peak memory after import: {peak_mb():.0f} MB")


def peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_screens(city_path: Path) -> bool:
    """The city's screens over its 2,000,000 (or however many) students, each against its bar."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from county_view import paint_screen, timed
    from PySide6.QtWidgets import QApplication

    from xueji_desktop.county.city_nutrition import compute_city_nutrition_stats
    from xueji_desktop.county.stats import compute_county_stats, county_summary
    from xueji_desktop.county.students import CountyFilter, list_students
    from xueji_desktop.storage import Store
    from xueji_desktop.ui.county_browser import CountyStudentsPage

    app = QApplication.instance() or QApplication([])
    del app
    store = Store.open(city_path, "admin", PASSWORD)
    name = store.query("SELECT name FROM county_students LIMIT 1 OFFSET 1234")[0][0]
    id_prefix = store.query("SELECT id_number FROM county_students LIMIT 1 OFFSET 777")[0][0][:10]
    school = store.query("SELECT code FROM county_schools LIMIT 1 OFFSET 3")[0][0]
    county = store.query("SELECT code FROM city_counties ORDER BY code LIMIT 1 OFFSET 1")[0][0]
    results: list[tuple[str, float, float]] = []
    holder = {}

    def open_page() -> None:
        holder["page"] = CountyStudentsPage(store)
        paint_screen(holder["page"].model)

    opened = timed(open_page)
    model = holder["page"].model
    city_size = len(model.keys) > 500_000  # the bars above: a city's where they differ from a county's
    keys_bar, screen_bar = (3.0, 2.0) if city_size else (1.0, 1.0)
    results.append(("学生数据 page opens (lists, keys, first screen)", keys_bar, opened))
    print(f"学生数据: {model.rowCount()} rows; peak memory {peak_mb():.0f} MB")
    for label, flt in [("filter: one county", CountyFilter(county=county)),
                       ("filter: one school", CountyFilter(school=school)),
                       ("search: name part", CountyFilter(text=name[1:])),
                       ("search: ID number prefix (10 digits)", CountyFilter(text=id_prefix)),
                       ("filter: 学籍状态 休学", CountyFilter(enrolment="suspended")),
                       ("filter: 学籍状态 在校 (90% of rows)", CountyFilter(enrolment="enrolled")),
                       ("filter: county + 休学", CountyFilter(enrolment="suspended", county=county)),
                       ("filter: cleared (all rows)", CountyFilter())]:
        samples = [timed(lambda f=flt: (model.set_filter(f), paint_screen(model))) for _ in range(3)]
        results.append((label + f" -> {model.rowCount()} rows", 0.100, statistics.median(samples)))
    results.append((f"xueji county students --name {name[1:]}", keys_bar,
                    timed(lambda: list_students(store, CountyFilter(text=name[1:])))))
    results.append(("county stats (统计)", screen_bar, timed(lambda: compute_county_stats(store))))
    results.append(("营养改善计划 city statistics", screen_bar, timed(lambda: compute_city_nutrition_stats(store))))
    results.append(("xueji info", screen_bar, timed(lambda: county_summary(store))))
    store.close()
    print(f"{'measure':66} {'bar':>9} {'measured':>10} {'ratio':>7}")
    ok = True
    for label, bar, measured in results:
        ratio = measured / bar
        ok &= ratio <= 1
        print(f"{label:66} {bar * 1000:7.0f}ms {measured * 1000:8.1f}ms {ratio:7.2f}")
    print(f"peak memory: {peak_mb():.0f} MB")
    return ok


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--counties", type=int, default=10)
    ap.add_argument("--students", type=int, default=20_000, help="per county")
    ap.add_argument("--schools", type=int, default=10, help="per county")
    ap.add_argument("--keep", type=Path, help="the city store: built and imported the first time, reused after")
    args = ap.parse_args()
    if not 1 <= args.counties <= len(COUNTIES):
        raise SystemExit(f"--counties: 1 to {len(COUNTIES)}")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} (shared: numbers vary)")
    with tempfile.TemporaryDirectory() as tmp:
        city_path = args.keep or Path(tmp) / "city.xjdb"
        if args.keep and args.keep.exists():
            print(f"reusing {args.keep} (no import)")
        else:
            import_all(city_path, Path(tmp), args)
        ok = measure_screens(city_path)
    verdict = "all within bars" if ok else "SOME MEASURES EXCEED THEIR BAR"
    print(f"load average now {os.getloadavg()[0]:.1f}; {verdict}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
