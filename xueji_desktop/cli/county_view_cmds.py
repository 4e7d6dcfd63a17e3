"""`xueji county students | stats | export-excel`: the county's view of its merged data."""

from __future__ import annotations

from pathlib import Path

from .common import add_db_args, open_store, print_json, print_rows, run_with_progress


def register_county(csub) -> None:
    p = csub.add_parser("students", help="列出本县（市）已导入的学生：可按学校、姓名或身份证件号、学籍状态筛选")
    add_db_args(p)
    p.add_argument("--school", help="10 位学校标识码")
    p.add_argument("--county", help="地市级：6 位县（区）代码，只列该县（区）的学生")
    p.add_argument("--search", default="", help="姓名的一部分，或身份证件号的开头几位")
    p.add_argument("--status", help="学籍状态：在校、休学、出国、离校、毕业、待转入、转出、结业、肄业")
    p.add_argument("--limit", type=int, help="最多列出多少名")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_students)

    p = csub.add_parser("stats", help="县级统计：学校×年级×学籍状态人数，各校数据完整性")
    add_db_args(p)
    p.add_argument("--json", action="store_true")
    p.add_argument("--xlsx", type=Path, metavar="FILE", help="另存为 Excel（含图表）")
    p.set_defaults(func=cmd_stats)

    p = csub.add_parser("export-excel", help="按国家模板导出本县（市）学生（另加学校标识码、学校名称）")
    add_db_args(p)
    p.add_argument("--out", type=Path, required=True, metavar="FILE")
    p.add_argument("--school", help="只导出这所学校（10 位学校标识码）")
    p.set_defaults(func=cmd_export_excel)


def cmd_students(args) -> int:
    from ..county.students import ROW_COLUMNS, CountyFilter, list_students, parse_enrolment

    flt = CountyFilter(args.school, args.search, parse_enrolment(args.status) if args.status is not None else None,
                       args.county)
    with open_store(args) as store:
        rows = list_students(store, flt, args.limit)
    keys = [k for k, _title in ROW_COLUMNS]
    return print_rows(args, rows, lambda r: "\t".join(str(r[k]) for k in keys),
                      header="\t".join(title for _k, title in ROW_COLUMNS), footer=f"共 {len(rows)} 名。")


def cmd_stats(args) -> int:
    from ..county.stats import compute_county_stats, export_county_stats_xlsx

    with open_store(args) as store:
        stats = compute_county_stats(store)
    if args.xlsx:
        export_county_stats_xlsx(stats, args.xlsx)
    if args.json:
        print_json(stats.to_dict())
        return 0
    print(f"学校 {stats.schools} 所，已上报 {stats.reported} 所；学生 {stats.students} 名")
    for c in stats.by_county:  # a city's counties
        print(f"{c['county_code']}{c['county_name']}：学校 {c['schools']} 所（已上报 {c['reported']} 所），"
              f"学生 {c['students']} 名，有错误 {c['with_errors']}，无照片 {c['without_photo']}")
    print("学籍状态：" + ("，".join(f"{k} {v}" for k, v in stats.by_enrolment.items()) or "无"))
    print("年级：" + ("，".join(f"{k} {v}" for k, v in stats.by_grade.items()) or "无"))
    print("学校标识码\t学校名称\t已上报\t学生\t有错误\t无照片\t审核")
    for c in stats.completeness:
        print(f"{c.school_code}\t{c.school_name}\t{'是' if c.reported else '否'}\t{c.students}\t{c.with_errors}\t"
              f"{c.without_photo}\t{c.review}")
    if stats.not_reported:
        print("未上报：" + "、".join(c.school_code + c.school_name for c in stats.not_reported))
    if args.xlsx:
        print(f"已写出：{args.xlsx}")
    return 0


def cmd_export_excel(args) -> int:
    from ..county.export import export_county_excel

    with open_store(args) as store:
        count = run_with_progress(export_county_excel, store, args.out, school=args.school)
    print(f"已导出 {count} 名学生：{args.out}")
    return 0
