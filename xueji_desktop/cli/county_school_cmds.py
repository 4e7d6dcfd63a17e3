"""`xueji county schools export | import | verify | edit | remove`: the county's school list."""

from __future__ import annotations

from pathlib import Path

from .common import add_db_args, open_store, print_json, print_rows


def register_school_actions(schools_parser) -> None:
    ssub = schools_parser.add_subparsers(dest="school_action", metavar="ACTION")
    p = ssub.add_parser("export", help="把学校名单导出为 Excel（核对、补全标识码用）")
    add_db_args(p)
    p.add_argument("--out", type=Path, required=True, metavar="schools.xlsx")
    p.set_defaults(func=cmd_export)
    p = ssub.add_parser("import", help="导入学校名单 Excel（学校标识码、学校名称、统计用区划代码[、享受营养餐]）；"
                                       "有任何一行不对则整份不导入")
    add_db_args(p)
    p.add_argument("file", type=Path, metavar="schools.xlsx")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_import)
    p = ssub.add_parser("verify", help="学校标识码核对：10 位数字、区划属本县（市）、名称重复、待补标识码的学校")
    add_db_args(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_verify)
    p = ssub.add_parser("edit", help="修改学校名称、区划代码或标识码（待补标识码的学校用名称指明）")
    add_db_args(p)
    p.add_argument("school", help="学校标识码；还没有标识码的学校写它的名称")
    p.add_argument("--name")
    p.add_argument("--region-code")
    p.add_argument("--code", help="新的 10 位学校标识码（学校还没有数据时才能改）")
    p.set_defaults(func=cmd_edit)
    p = ssub.add_parser("remove", help="删除还没有任何数据的学校")
    add_db_args(p)
    p.add_argument("school", help="学校标识码；还没有标识码的学校写它的名称")
    p.set_defaults(func=cmd_remove)


def cmd_export(args) -> int:
    from ..county.school_sheet import export_school_sheet

    with open_store(args) as store:
        export_school_sheet(store, args.out)
    print(f"已导出学校名单：{args.out}")
    return 0


def cmd_import(args) -> int:
    from ..county.school_sheet import import_school_sheet

    with open_store(args) as store:
        result = import_school_sheet(store, args.file)
    if args.json:
        print_json(result)
    else:
        print(f"已导入学校名单：新增 {result['added']} 所，修改 {result['updated']} 所，"
              f"未变 {result['unchanged']} 所。")
    return 0


def cmd_verify(args) -> int:
    from ..county.schools import verify_schools

    with open_store(args) as store:
        found = verify_schools(store)
    print_rows(args, found, lambda f: f"{f['code']}\t{f['name']}\t{f['problem']}",
               footer=f"核对完毕：{len(found)} 处需要处理。" if found else "核对完毕：学校名单无误。")
    return 1 if found else 0


def cmd_edit(args) -> int:
    from ..county.schools import edit_school

    with open_store(args) as store:
        code = edit_school(store, args.school, name=args.name, region_code=args.region_code, new_code=args.code)
    print(f"已修改学校 {code}。")
    return 0


def cmd_remove(args) -> int:
    from ..county.schools import remove_school

    with open_store(args) as store:
        remove_school(store, args.school)
    print(f"已删除学校 {args.school}。")
    return 0
