"""The level above: `xueji county counties [add | reset-key]`, a city's list of its counties (county/counties.py),
and `county import-feedback`, a county taking its city's feedback. The city's other work uses the county commands
on the city file: `county import` takes the counties' upward packages, `county feedback COUNTY_CODE` writes the
city's feedback to a county, `county export-up` passes up again."""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import XuejiError
from .common import add_db_args, open_store, print_json, run_with_progress


def register_county(csub) -> None:
    p = csub.add_parser("counties", help="地市级：县（区）名单（列出 | add 添加 | reset-key 重置县级密钥）")
    add_db_args(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_counties)
    sub = p.add_subparsers(dest="counties_action", metavar="ACTION")
    a = sub.add_parser("add", help="把县（区）加入本市名单（生成县级初始化包时自动加入）")
    add_db_args(a)
    a.add_argument("code", help="6 位县级区划代码")
    a.add_argument("name", help="县（区）名称")
    a.set_defaults(func=cmd_add)
    a = sub.add_parser("reset-key", help="重置县（区）登记的签名密钥（县级换电脑、密钥丢失后；须主管领导，写明原因）")
    add_db_args(a)
    a.add_argument("code", help="6 位县级区划代码")
    a.add_argument("--reason", required=True)
    a.set_defaults(func=cmd_reset_key)
    p = csub.add_parser("import-feedback", help="县级：导入地市反馈包（跨县问题学籍和地市裁定），随本县下次给学校的"
                                                "反馈包下发")
    add_db_args(p)
    p.add_argument("package", type=Path)
    p.set_defaults(func=cmd_import_feedback)


def cmd_counties(args) -> int:
    from ..county.counties import list_counties

    with open_store(args) as store:
        rows = list_counties(store)
    if args.json:
        print_json(rows)
        return 0
    for r in rows:
        print(f"{r['code']}\t{r['name']}\t学校 {r['schools']}\t学生 {r['students']}\t序号 {r['last_sequence']}\t"
              f"指纹 {r['fingerprint'] or '（未登记）'}")
    print(f"共 {len(rows)} 个县（区），已上报 {sum(1 for r in rows if r['imported_at'])} 个。")
    return 0


def cmd_add(args) -> int:
    from ..county.counties import add_county

    with open_store(args) as store:
        add_county(store, args.code, args.name)
    print(f"已添加县（区）{args.code}{args.name.strip()}。")
    return 0


def cmd_reset_key(args) -> int:
    from ..county.counties import reset_county_key

    with open_store(args) as store:
        old = reset_county_key(store, args.code, args.reason)
    print(f"已重置县（区）{args.code} 的登记密钥（原指纹 {old}）。该县下一个汇总包导入时，"
          "须用 --confirm-fingerprint 输入该县新的密钥指纹。")
    return 0


def cmd_import_feedback(args) -> int:
    from ..county.city_feedback import import_city_feedback

    with open_store(args) as store:
        n = import_city_feedback(store, args.package)
    print(f"已导入地市反馈：{n} 条，涉及的学校在下次反馈包（xueji county feedback）中收到。")
    return 0


def feedback_at_city(store, args) -> int:
    """`county feedback COUNTY_CODE` on a city file: the city's feedback to one county."""
    from ..county.city_feedback import make_city_feedback

    path, n = make_city_feedback(store, args.school, args.out)
    print(f"已写出地市反馈包：{path}（{n} 条）")
    return 0


def import_at_city(store, args, by_unit: dict[str, str], default: str | None) -> int:
    """`county import` on a city file: each package is a county's upward package."""
    from ..county.city_intake import check_county_package, import_county_package

    results, refused = [], []
    for pkg in args.packages:
        try:
            check, _env = check_county_package(store, pkg)
            r = run_with_progress(import_county_package, store, pkg,
                                  confirm_fingerprint=by_unit.get(check.county_code, default))
            results.append(r)
            if not args.json:
                print(f"已导入 {r.file}：{r.county_code}{r.county_name} 第 {r.sequence} 号，学校 {r.schools} 所，"
                      f"学生 {r.students} 名" + (f"（替换原有 {r.replaced} 名）" if r.replaced else ""))
                for line in r.summary():  # 入学年龄例外
                    print("  " + line)
        except XuejiError as exc:
            refused.append({"file": pkg.name, "error": str(exc)})
            if not args.json:
                print(f"拒绝：{exc}", file=sys.stderr)
    if args.json:
        print_json({"imported": [r.__dict__ for r in results], "refused": refused})
    else:
        print(f"导入 {len(results)} 个，拒绝 {len(refused)} 个。")
    return 1 if refused else 0
