"""City import benchmark (issue 18): a city store imports 10 county upward packages × 20,000 students.

    python bench/city_import.py [--counties 10] [--students 20000] [--schools 10]

Bar: importing every county's package (verify, decrypt, check every school's payload, merge in one transaction per
county) and then finding the problem records across the whole city take < 60 s together.

Setup (not timed) builds each county's package straight from generated records, as ``county export-up`` writes it
(one submission payload per school, ``county/upward.aggregate_body``, signed by the county and encrypted to the
city), without a county store: 2,000 demo records replicated with fresh names and ID numbers (unique, as real ones:
area, month and day of birth and sequence digits spell a running number), as bench/county_view.py does. Each
county's first student repeats an ID number of the previous county, so the cross-county check has something to find.
"""

from __future__ import annotations

import argparse
import itertools
import random
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
from xueji_desktop.demo import AREAS, demo_classes, make_student
from xueji_desktop.exchange import keys, keystore, payload
from xueji_desktop.exchange.container import seal
from xueji_desktop.school import class_name

CITY = {"code": "1401", "name": "太原市", "city_code": "14", "city_name": "山西省"}
COUNTIES = [("140105", "小店区"), ("140106", "迎泽区"), ("140107", "杏花岭区"), ("140108", "尖草坪区"),
            ("140109", "万柏林区"), ("140110", "晋源区"), ("140121", "清徐县"), ("140122", "阳曲县"),
            ("140123", "娄烦县"), ("140181", "古交市")]
CREATED = "2026-06-10T09:30:00+08:00"
SURNAMES, GIVEN = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗", "伟强磊军洋勇杰涛明超辉鹏芳娜敏静丽艳娟霞婷雪"


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
                # month and day of birth and sequence digits (9 × 12 × 28 × 100 combinations per birth year)
                k = next(serial)
                born = record["birth_date"][:5] + f"{k // 9 % 12 + 1:02d}-{k // 108 % 28 + 1:02d}"
                sex = int(record["id_number"][16]) % 2  # the 17th digit's parity is the sex: keep it
                body = AREAS[k % 9] + born.replace("-", "") + f"{k // 3024 % 100:02d}{k // 302400 % 5 * 2 + sex}"
                record["id_number"], record["birth_date"] = body + ric.calc_check_digit(body + "0"), born
                rows.append(payload.StudentRow(str(uuid.UUID(int=rng.getrandbits(128))), c.code, "ok", [], record))
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
                    recipient_x25519=city_public, sequence=1, created_at=CREATED, body=aggregate_body(schools, bodies))
        path = folder / f"{county}{name}_20260610-0930.xjpkg"
        path.write_bytes(data)
        out.append((path, keys.fingerprint(signing.public)))
        print(f"\rsetup: built {n + 1}/{n_counties} county packages", end="", file=sys.stderr)
    print(file=sys.stderr)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--counties", type=int, default=10)
    ap.add_argument("--students", type=int, default=20_000, help="per county")
    ap.add_argument("--schools", type=int, default=10, help="per county")
    args = ap.parse_args()
    if not 1 <= args.counties <= len(COUNTIES):
        raise SystemExit(f"--counties: 1 to {len(COUNTIES)}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        city, _r, _fp = create_county_store(folder / "city.xjdb", username="admin", password="bench-123",
                                            county=CITY, level="city")
        for code, name in COUNTIES[:args.counties]:
            add_county(city, code, name)
        t = time.perf_counter()
        packages = build_packages(folder, keystore.get_public(city.conn, keystore.OWN_ENCRYPTION), args.counties,
                                  args.students, args.schools)
        setup = time.perf_counter() - t
        size = sum(p.stat().st_size for p, _ in packages) / 1e6

        per_package = []
        t, c = time.perf_counter(), time.process_time()
        for path, fp in packages:
            start = time.perf_counter()
            import_county_package(city, path, confirm_fingerprint=fp)
            per_package.append(time.perf_counter() - start)
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
          f"(per county {min(per_package):.2f}–{max(per_package):.2f} s)")
    print(f"problem detection across the city: {t_problems:.2f} s ({len(found)} problem groups, {len(cross)} ID "
          f"numbers in two counties; planted cross-county duplicates found: {len(planted & pairs)}/{len(planted)})")
    print(f"TOTAL import + problems: {total:.2f} s wall ({cpu:.2f} s CPU of this process)   bar: < 60 s   "
          f"{'PASS' if total < 60 else 'FAIL'}")


if __name__ == "__main__":
    main()
