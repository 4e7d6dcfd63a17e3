"""`xueji county rules …`: the rules the county sets for its schools (shown read-only at a school)."""

from __future__ import annotations

from .common import add_db_args, open_store, print_json


def register_county(csub) -> None:
    rules = csub.add_parser("rules", help="县级规则：show（学校端只读）| set-window | set-entry-age；"
                                          "班额、异动开关、受控字段见 xueji caps / xueji changes")
    rsub = rules.add_subparsers(dest="rules_action", metavar="ACTION", required=True)
    p = rsub.add_parser("show", help="显示县级规则（学校端显示县级下发的规则）")
    add_db_args(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_show)
    p = rsub.add_parser("set-window", help="设置工作时间：new_students 新生注册 | registration 在校生注册 | "
                                           "graduation 毕业；--start 09-01 --end 10-31，都不给则清除")
    add_db_args(p)
    p.add_argument("window", choices=["new_students", "registration", "graduation"])
    p.add_argument("--start", metavar="MM-DD")
    p.add_argument("--end", metavar="MM-DD")
    p.set_defaults(func=cmd_set_window)
    p = rsub.add_parser("set-entry-age", help="一年级入学年龄：8 月 31 日前满 N 周岁；不给 N 则清除")
    add_db_args(p)
    p.add_argument("years", type=int, nargs="?")
    p.set_defaults(func=cmd_set_entry_age)


def cmd_show(args) -> int:
    from ..county.rules import county_rules, describe_rules

    with open_store(args) as store:
        rules = county_rules(store)
    if args.json:
        print_json(rules)
        return 0
    if rules["set_by"]:
        print(f"以下规则由 {rules['set_by']} 设置（只读，随县级数据包更新）：")
    for item, value in describe_rules(rules):
        print(f"{item}：{value}")
    return 0


def cmd_set_window(args) -> int:
    from ..county.rules import set_window

    with open_store(args) as store:
        set_window(store, args.window, args.start, args.end)
    print("已设置；生成初始化包或反馈包时下发给学校。")
    return 0


def cmd_set_entry_age(args) -> int:
    from ..county.rules import set_entry_age

    with open_store(args) as store:
        set_entry_age(store, args.years)
    print("已设置；生成初始化包或反馈包时下发给学校。")
    return 0
