"""`xueji county nutrition …`: 营养改善计划 (seed 001) — 享受营养餐的学校, 县级责任体系, 补助标准, statistics and
init packages for the schools that take part. The work is done in county/nutrition.py; at a city ``stats``,
``standard`` and ``contacts list`` show every county's plan as its upward package carried it
(county/city_nutrition.py), and the edits are refused."""

from __future__ import annotations

from pathlib import Path

from .common import add_db_args, open_store, print_json, print_rows


def register_county(csub) -> None:
    nutrition = csub.add_parser("nutrition", help="营养改善计划：schools（享受营养餐学校）| contacts（县级责任体系）| "
                                                  "standard（补助标准）| stats | init-packages")
    nsub = nutrition.add_subparsers(dest="nutrition_action", metavar="ACTION", required=True)

    p = nsub.add_parser("schools", help="享受营养餐学校：列出（默认）| set 学校… --enjoy 是|否")
    add_db_args(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_schools)
    ssub = p.add_subparsers(dest="schools_action", metavar="ACTION")
    q = ssub.add_parser("set", help="把学校设为享受（是）或不享受（否）营养餐")
    add_db_args(q)
    q.add_argument("schools", nargs="+", metavar="SCHOOL", help="学校标识码；还没有标识码的学校写名称")
    q.add_argument("--enjoy", required=True, choices=["是", "否"])
    q.set_defaults(func=cmd_schools_set)

    p = nsub.add_parser("contacts", help="县级责任体系（责任单位、负责人、电话）：add | list | remove")
    csub2 = p.add_subparsers(dest="contacts_action", metavar="ACTION", required=True)
    q = csub2.add_parser("add", help="添加一条：--role 职责 --unit 单位 --person 负责人 --phone 电话")
    add_db_args(q)
    q.add_argument("--role", required=True, help="职责，如 县级牵头部门、财政部门、食品安全监管")
    q.add_argument("--unit", required=True, help="责任单位，如 迎泽区教育局")
    q.add_argument("--person", required=True, help="负责人姓名")
    q.add_argument("--phone", required=True, help="11 位手机号，或带区号的固定电话如 0351-4041234")
    q.set_defaults(func=cmd_contacts_add)
    q = csub2.add_parser("list", help="列出县级责任体系")
    add_db_args(q)
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_contacts_list)
    q = csub2.add_parser("remove", help="删除一条（编号见 list）")
    add_db_args(q)
    q.add_argument("id", type=int)
    q.set_defaults(func=cmd_contacts_remove)

    p = nsub.add_parser("standard", help="补助标准：列出（默认）| set --stage 小学 --yuan 5 | days N（每学期在校天数）")
    add_db_args(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_standard_show)
    ssub = p.add_subparsers(dest="standard_action", metavar="ACTION")
    q = ssub.add_parser("set", help="某学段的补助标准（元/生/天）；--clear 清除")
    add_db_args(q)
    q.add_argument("--stage", required=True, help="小学、初中或高中")
    g = q.add_mutually_exclusive_group(required=True)
    g.add_argument("--yuan", help="每生每天多少元，如 5 或 4.50")
    g.add_argument("--clear", action="store_true")
    q.set_defaults(func=cmd_standard_set)
    q = ssub.add_parser("days", help="每学期在校天数（计算每学期补助用，默认 100）")
    add_db_args(q)
    q.add_argument("days", type=int)
    q.set_defaults(func=cmd_standard_days)

    p = nsub.add_parser("stats", help="享受营养餐的学校、在校学生（按学校、学段）和每学期补助金额；"
                                      "地市级：各县（区）上报的营养改善计划、按县区的表和全市合计")
    add_db_args(p)
    p.add_argument("--json", action="store_true")
    p.add_argument("--xlsx", type=Path, metavar="FILE", help="另存为 Excel（含图表）")
    p.set_defaults(func=cmd_stats)

    p = nsub.add_parser("init-packages", help="只为享受营养餐的学校生成初始化包（带本校营养改善计划设置）")
    add_db_args(p)
    p.add_argument("--out", type=Path, required=True, metavar="DIR")
    p.set_defaults(func=cmd_init_packages)


def cmd_schools(args) -> int:
    from ..county.nutrition import nutrition_schools

    with open_store(args) as store:
        rows = nutrition_schools(store)

    def line(r: dict) -> str:
        students = "（待补标识码）" if r["placeholder"] else str(r["students"]) if r["reported"] else "（未上报）"
        return f"{r['code']}\t{r['name']}\t{'是' if r['nutrition'] else '否'}\t{students}"

    return print_rows(args, rows, line, header="学校标识码\t学校名称\t享受营养餐\t在校学生",
                      footer=f"共 {len(rows)} 所，享受营养餐 {sum(r['nutrition'] for r in rows)} 所。")


def cmd_schools_set(args) -> int:
    from ..county.nutrition import set_participation

    with open_store(args) as store:
        changed = set_participation(store, args.schools, args.enjoy == "是")
    print(f"已设置 {changed} 所学校为{'享受' if args.enjoy == '是' else '不享受'}营养餐"
          f"（其余 {len(set(args.schools)) - changed} 所原本如此）。")
    return 0


def cmd_contacts_add(args) -> int:
    from ..county.nutrition import add_contact

    with open_store(args) as store:
        cid = add_contact(store, args.role, args.unit, args.person, args.phone)
    print(f"已添加县级责任体系第 {cid} 条。")
    return 0


def cmd_contacts_list(args) -> int:
    from ..county.nutrition import require_nutrition_county
    from ..county.nutrition_settings import list_contacts

    city = _city_plans(args)
    if city is not None:
        rows = [{"county_code": c.code, "county_name": c.name, **p} for c in city.counties if c.plan
                for p in c.plan["contacts"]]
        return print_rows(args, rows, lambda c: (
            f"{c['county_code']}\t{c['county_name']}\t{c['role']}\t{c['unit']}\t{c['person']}\t{c['phone']}"),
            header="县级区划代码\t县（区）\t职责\t单位\t负责人\t联系电话")
    with open_store(args) as store:
        require_nutrition_county(store)
        rows = list_contacts(store)
    return print_rows(args, rows, lambda c: f"{c['id']}\t{c['role']}\t{c['unit']}\t{c['person']}\t{c['phone']}",
                      empty="县级责任体系还是空的：用 xueji county nutrition contacts add 添加。",
                      header="编号\t职责\t单位\t负责人\t联系电话")


def cmd_contacts_remove(args) -> int:
    from ..county.nutrition import remove_contact

    with open_store(args) as store:
        remove_contact(store, args.id)
    print(f"已删除县级责任体系第 {args.id} 条。")
    return 0


def cmd_standard_show(args) -> int:
    from ..county.nutrition import require_nutrition_county
    from ..county.nutrition_settings import plan_view
    from ..school import STAGES

    city = _city_plans(args)
    if city is not None:
        plans = {f"{c.code}{c.name}": {"standards": {k: str(v) for k, v in c.stats.standards.items()},
                                       "school_days": c.stats.school_days} if c.stats else None
                 for c in city.counties}
        if args.json:
            print_json(plans)
            return 0
        for county, plan in plans.items():
            if plan is None:
                print(f"{county}：未上报营养计划")
                continue
            yuan = "；".join(f"{k} {v} 元/生/天" for k, v in plan["standards"].items()) or "未设补助标准"
            print(f"{county}：{yuan}；每学期在校天数 {plan['school_days']}")
        return 0
    with open_store(args) as store:
        require_nutrition_county(store)
        plan = plan_view(store)
    if args.json:
        print_json({"standards": plan["standards"], "school_days": plan["school_days"]})
        return 0
    for stage in STAGES.values():
        yuan = plan["standards"].get(stage)
        print(f"{stage}：{f'{yuan} 元/生/天' if yuan else '未设置'}")
    print(f"每学期在校天数：{plan['school_days']}")
    return 0


def cmd_standard_set(args) -> int:
    from ..county.nutrition import parse_stage, set_standard
    from ..school import STAGES

    with open_store(args) as store:
        value = set_standard(store, args.stage, None if args.clear else args.yuan)
    stage = STAGES[parse_stage(args.stage)]
    print(f"已清除{stage}的补助标准。" if value is None else f"{stage}补助标准：{value} 元/生/天。"
          "生成初始化包或反馈包时下发给学校。")
    return 0


def cmd_standard_days(args) -> int:
    from ..county.nutrition import set_school_days

    with open_store(args) as store:
        set_school_days(store, args.days)
    print(f"每学期在校天数：{args.days}。")
    return 0


def _city_plans(args):
    """At a city: every county's plan and statistics; None at a county."""
    from ..county.city_nutrition import compute_city_nutrition_stats
    from ..county.workspace import store_level

    with open_store(args) as store:
        return compute_city_nutrition_stats(store) if store_level(store) == "city" else None


def cmd_stats(args) -> int:
    from ..county.nutrition import compute_nutrition_stats, export_nutrition_xlsx
    from ..county.workspace import store_level

    with open_store(args) as store:
        if store_level(store) == "city":
            return _city_stats(store, args)
        stats = compute_nutrition_stats(store)
        if args.xlsx:
            export_nutrition_xlsx(store, args.xlsx, stats)
    if args.json:
        print_json(stats.to_dict())
        return 0
    print(f"享受营养餐的学校 {stats.schools} 所（已上报 {stats.reported} 所）；在校学生 {stats.students} 名；"
          f"每学期补助 {stats.subsidy} 元（每学期在校 {stats.school_days} 天）")
    print("学校标识码\t学校名称\t学段\t在校学生\t元/生/天\t每学期补助（元）\t说明")
    for r in stats.rows:
        print(f"{r['school_code']}\t{r['school_name']}\t{r['stage']}\t{r['students']}\t{r['yuan_per_day'] or ''}\t"
              f"{r['subsidy'] or ''}\t{r['note']}")
    for stage, t in stats.by_stage.items():
        print(f"{stage}：{t['students']} 名，" + (f"{t['yuan_per_day']} 元/生/天，每学期 {t['subsidy']} 元"
                                                 if t["yuan_per_day"] is not None else "未设补助标准"))
    if stats.missing_standards:
        print(f"注意：{'、'.join(stats.missing_standards)}有享受营养餐的学生，但还没有补助标准"
              "（xueji county nutrition standard set --stage … --yuan …），未计入补助金额。")
    if args.xlsx:
        print(f"已写出：{args.xlsx}")
    return 0


def _city_stats(store, args) -> int:
    from ..county.city_nutrition import compute_city_nutrition_stats, export_city_nutrition_xlsx

    stats = compute_city_nutrition_stats(store)
    if args.xlsx:
        export_city_nutrition_xlsx(store, args.xlsx, stats)
    if args.json:
        print_json(stats.to_dict())
        return 0
    print(f"全市享受营养餐的学校 {stats.schools} 所（已上报 {stats.reported} 所）；在校学生 {stats.students} 名；"
          f"每学期补助 {stats.subsidy} 元（按各县（区）自己的补助标准和在校天数）")
    for row in stats.county_table():
        print("\t".join(str(v) for v in row))
    if stats.not_reported:
        print(f"注意：{'、'.join(stats.not_reported)}还没有上报营养改善计划（其汇总包由旧版程序写出或尚未上报），"
              "未计入合计。")
    if args.xlsx:
        print(f"已写出：{args.xlsx}")
    return 0


def cmd_init_packages(args) -> int:
    from ..county.nutrition import make_nutrition_init_packages

    with open_store(args) as store:
        paths, skipped = make_nutrition_init_packages(store, args.out)
    for p in paths:
        print(f"已写出初始化包：{p}")
    if skipped:
        print(f"未生成（还没有学校标识码）：{'、'.join(skipped)}；补全标识码后再生成。")
    print(f"共 {len(paths)} 所享受营养餐的学校。")
    return 0
