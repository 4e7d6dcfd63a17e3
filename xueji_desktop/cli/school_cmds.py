"""School commands (the GUI's 学校信息, 年级班级 and 统计 pages): profile, class, campus, stats."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from .common import add_db_args, open_store, print_json, print_rows


def register(sub) -> None:
    school = sub.add_parser("profile", help="学校信息（学校基本信息）：show | set")
    ssub = school.add_subparsers(dest="school_command", metavar="ACTION", required=True)
    p = ssub.add_parser("show", help="显示学校信息")
    add_db_args(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_school_show)
    p = ssub.add_parser("set", help="修改学校信息，如 set name=双塔西街小学 phone=0351-4041234")
    add_db_args(p)
    p.add_argument("pairs", nargs="+", metavar="KEY=VALUE")
    p.set_defaults(func=cmd_school_set)

    cls = sub.add_parser("class", help="班级：list | add | set")
    csub = cls.add_subparsers(dest="class_command", metavar="ACTION", required=True)
    p = csub.add_parser("list", help="列出班级")
    add_db_args(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_class_list)
    p = csub.add_parser("add", help="新建班级（班号、班级名称按规则生成）")
    add_db_args(p)
    p.add_argument("--entry-year", type=int, required=True, help="入学年份，如 2024")
    p.add_argument("--stage", type=int, choices=[1, 2, 3], required=True, help="学段：1 小学 2 初中 3 高中")
    p.add_argument("--number", type=int, required=True, help="班级序号 1-99")
    p.add_argument("--head-teacher", default="", help="班主任姓名")
    p.set_defaults(func=cmd_class_add)
    p = csub.add_parser("set", help="修改班主任")
    add_db_args(p)
    p.add_argument("class_", metavar="CLASS", help="班号或班级名称")
    p.add_argument("--head-teacher", required=True)
    p.set_defaults(func=cmd_class_set)

    campus = sub.add_parser("campus", help="校区：list | add")
    msub = campus.add_subparsers(dest="campus_command", metavar="ACTION", required=True)
    p = msub.add_parser("list", help="列出校区")
    add_db_args(p)
    p.set_defaults(func=cmd_campus_list)
    p = msub.add_parser("add", help="新建校区")
    add_db_args(p)
    p.add_argument("name")
    p.add_argument("--address", default="")
    p.add_argument("--region-code", default="")
    p.add_argument("--main", action="store_true", help="主校区")
    p.set_defaults(func=cmd_campus_add)

    p = sub.add_parser("stats", help="统计：按年级、班级、性别，留守/随迁/残疾/寄宿，完整性")
    add_db_args(p)
    p.add_argument("--json", action="store_true")
    p.add_argument("--xlsx", type=Path, help="同时导出为 Excel 工作簿")
    p.set_defaults(func=cmd_stats)


def cmd_school_show(args) -> int:
    from ..school import get_school_profile

    with open_store(args) as store:
        profile = get_school_profile(store) or {}
    if args.json:
        print_json(profile)
    else:
        for key, value in profile.items():
            print(f"{key}: {value}")
    return 0


def cmd_school_set(args) -> int:
    from ..errors import BadInput
    from ..school import get_school_profile, save_school_profile

    updates = {}
    for pair in args.pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise BadInput(f"参数“{pair}”应写成 字段=值，如 name=双塔西街小学。")
        updates[key.strip()] = value.strip()
    with open_store(args) as store:
        profile = {**(get_school_profile(store) or {}), **updates}
        with store.transaction() as tx:
            save_school_profile(tx, profile)
    print("学校信息已保存。")
    return 0


def cmd_class_list(args) -> int:
    from ..school import list_classes

    with open_store(args) as store:
        classes = list_classes(store)
        counts = dict(store.query("SELECT class_id, count(*) FROM students GROUP BY class_id"))
    return print_rows(args, classes, lambda c: (
        f"{c.class_code}  {c.name}  班主任：{c.head_teacher or '—'}  学生 {counts.get(c.id, 0)} 名"),
        as_json=lambda c: {**asdict(c), "students": counts.get(c.id, 0)})


def cmd_class_add(args) -> int:
    from ..school import add_class

    with open_store(args) as store, store.transaction() as tx:
        info = add_class(tx, args.entry_year, args.stage, args.number, args.head_teacher)
    print(f"已新建班级 {info.class_code} {info.name}。")
    return 0


def cmd_class_set(args) -> int:
    from ..errors import BadInput
    from ..school import find_class, update_class

    with open_store(args) as store:
        cls = find_class(store, args.class_)
        if cls is None:
            raise BadInput(f"没有班级“{args.class_}”：请写班号（如 2024101）或班级名称（如 小学2024级(1)班）。")
        with store.transaction() as tx:
            update_class(tx, cls.id, head_teacher=args.head_teacher)
    print(f"已修改 {cls.name} 的班主任。")
    return 0


def cmd_campus_list(args) -> int:
    from ..school import list_campuses

    with open_store(args) as store:
        for c in list_campuses(store):
            print(f"{c.id}  {c.name}{'（主校区）' if c.is_main else ''}  {c.address}  {c.region_code}")
    return 0


def cmd_campus_add(args) -> int:
    from ..school import add_campus

    with open_store(args) as store, store.transaction() as tx:
        campus = add_campus(tx, args.name, args.address, args.region_code, args.main)
    print(f"已新建校区 {campus.name}。")
    return 0


def cmd_stats(args) -> int:
    from ..stats import compute_stats, export_stats_xlsx

    with open_store(args) as store:
        stats = compute_stats(store)
    if args.xlsx:
        export_stats_xlsx(stats, args.xlsx)
    if args.json:
        print_json(asdict(stats))
    else:
        for sheet, rows in stats.rows().items():
            print(f"【{sheet}】")
            for row in rows[1:]:
                print("  " + "  ".join(str(v) for v in row))
    if args.xlsx:
        print(f"已导出：{args.xlsx}")
    return 0
