"""County commands (`xueji county …`): the county's store, school list, intake, review and passing up.

``register`` creates the ``county`` command; each module in ``COUNTY_COMMAND_MODULES`` adds its actions
under it with ``register_county(county_subparsers)``, so a new area of county work never edits this file's
parser code.
"""

from __future__ import annotations

import base64
import sys
from importlib import import_module
from pathlib import Path

from ..errors import BadInput, XuejiError
from ..outfiles import write_file
from .common import (
    add_db_args,
    db_path,
    open_store,
    password,
    print_fingerprint,
    print_json,
    print_recovery,
    run_with_progress,
)
from .county_school_cmds import register_school_actions
from .package_cmds import cmd_fingerprint

# Modules adding actions under `xueji county` (each with register_county(subparsers)), in --help order.
COUNTY_COMMAND_MODULES: list[str] = [
    "xueji_desktop.cli.county_view_cmds",
    "xueji_desktop.cli.county_rule_cmds",
    "xueji_desktop.cli.transfer_cmds",
    "xueji_desktop.cli.admission_cmds",
    "xueji_desktop.cli.nutrition_cmds",
    "xueji_desktop.cli.city_cmds",
]


def register(sub) -> None:
    county = sub.add_parser("county", help="县级（地市级）端：init | schools | rules | nutrition | counties | import | "
                                           "students | stats | export-excel | problems | resolve | review | "
                                           "changes | feedback | export-up | plan | admissions …（county -h 列出全部）")
    csub = county.add_subparsers(dest="county_command", metavar="ACTION", required=True)
    p = csub.add_parser("init", help="创建县级（或 --level city 地市级）数据文件和密钥；"
                                     "--from-package 用上级下发的县级初始化包（含本县学校名单）")
    add_db_args(p)
    p.add_argument("--from-package", type=Path, metavar="PKG", help="上级下发的县级初始化包")
    p.add_argument("--level", choices=["county", "city"], default="county",
                   help="city：地市级数据文件（代码写地市 4 位、上级写省 2 位）")
    p.add_argument("--county-code", help="6 位县级区划代码，如 140106（地市级：4 位地市代码）")
    p.add_argument("--county-name", help="县（区）名称，如 迎泽区（地市级：地市名称）")
    p.add_argument("--city-code", help="4 位地市代码，如 1401（地市级：2 位省级代码）")
    p.add_argument("--city-name", help="地市名称，如 太原市（地市级：省份名称）")
    p.add_argument("--display-name", default="")
    p.set_defaults(func=cmd_county_init)
    p = csub.add_parser("make-county-init",
                        help="地市级：为所辖县（区）生成县级初始化包（本市学校名单中属于该县的学校）")
    add_db_args(p)
    p.add_argument("code", help="6 位县级区划代码")
    p.add_argument("name", help="县（区）名称")
    p.add_argument("--out", type=Path, required=True)
    p.set_defaults(func=cmd_make_county_init)
    p = csub.add_parser("add-school", help="把学校加入本县（市）学校名单")
    add_db_args(p)
    p.add_argument("code", help="10 位学校标识码")
    p.add_argument("name", help="学校名称")
    p.add_argument("region_code", help="12 位统计用区划代码")
    p.set_defaults(func=cmd_county_add_school)
    p = csub.add_parser("schools", help="学校名单：列出（默认）| export | import | verify | edit | remove")
    add_db_args(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_county_schools)
    register_school_actions(p)
    p = csub.add_parser("make-init", help="为学校生成初始化包（不指定学校则为名单中全部学校）")
    add_db_args(p)
    p.add_argument("schools", nargs="*", help="学校标识码")
    p.add_argument("--out", type=Path, required=True)
    p.set_defaults(func=cmd_county_make_init)
    p = csub.add_parser("import", help="校验并导入学校数据包（每个包一个事务）；地市级：导入县级汇总上报包")
    add_db_args(p)
    p.add_argument("packages", nargs="+", type=Path)
    p.add_argument("--confirm-fingerprint", action="append", default=[], metavar="[学校标识码=]指纹",
                   help="学校第一次上报时，确认电话核对过的密钥指纹；多个包时写成 学校标识码=指纹"
                        "（地市级：县级区划代码=指纹）")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_county_import)
    p = csub.add_parser("problems", help="问题学籍：身份证件号有误、证件号重复、无证件号的同名同性别同生日"
                                         "（状态：待处理、学校已处理、已解决）")
    add_db_args(p)
    p.add_argument("--json", action="store_true")
    p.add_argument("--all", action="store_true", help="也列出已解决的（裁定过、已不再出现的）")
    p.set_defaults(func=cmd_county_problems)
    p = csub.add_parser("resolve", help="裁定重复学籍由哪所学校保留；其他学校的反馈包带去处理要求")
    add_db_args(p)
    p.add_argument("problem", help="问题编号（county problems 列出的，如 duplicate_id:1401…）或身份证件号")
    p.add_argument("--keep", required=True, metavar="SCHOOL_CODE", help="保留学籍的学校标识码")
    p.add_argument("--reason", required=True, help="裁定原因（学校会在反馈中看到）")
    p.set_defaults(func=cmd_county_resolve)
    p = csub.add_parser("review", help="审核学校上报的数据：--pass 通过 或 --return 退回（需 --reason）")
    add_db_args(p)
    p.add_argument("school")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--pass", dest="passed", action="store_true")
    g.add_argument("--return", dest="returned", action="store_true")
    p.add_argument("--reason", default="")
    p.add_argument("--force", action="store_true",
                   help="学校仍有未解决的问题学籍时也通过（须 --reason 说明原因，记入审计日志）")
    p.set_defaults(func=cmd_county_review)
    p = csub.add_parser("feedback", help="生成给学校的反馈包（逐个学生的问题和审核结论）；地市级：给县（区）的反馈包"
                                         "（跨县问题学籍和地市裁定）")
    add_db_args(p)
    p.add_argument("school", help="学校标识码（地市级：6 位县级区划代码）")
    p.add_argument("--out", type=Path, required=True)
    p.set_defaults(func=cmd_county_feedback)
    p = csub.add_parser("export-up", help="县级汇总上报包；--folders 另按 地市/县区/学校 文件夹写出")
    add_db_args(p)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--folders", action="store_true")
    p.add_argument("--recipient-key", type=Path,
                   help="上级单位的 X25519 公钥文件（base64）；不给则用本单位自己的公钥加密（存档用）")
    p.set_defaults(func=cmd_county_export_up)
    p = csub.add_parser("fingerprint", help="显示县级签名密钥指纹")
    add_db_args(p)
    p.set_defaults(func=cmd_fingerprint)
    p = csub.add_parser("changes", help="学校上报的待县级审核的学籍异动（转学、关键字段变更等）")
    add_db_args(p)
    p.add_argument("--school")
    p.add_argument("--undecided", action="store_true", help="只列尚未审核的")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_county_changes)
    p = csub.add_parser("decide-change",
                        help="审核学校的学籍异动：--approve 或 --reject（需 --reason）；结果随反馈包下发。"
                             "转入学校的转学申请写作 T编号（跨县时转入地县级先审核，用 --from-county 写明转出地县级）")
    add_db_args(p)
    p.add_argument("school")
    p.add_argument("change_id", help="异动编号，或转学申请编号 T3")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--approve", action="store_true")
    g.add_argument("--reject", action="store_true")
    p.add_argument("--reason", default="")
    p.add_argument("--from-county", default="", help="跨县转学：转出学校所在县（区）的 6 位区划代码")
    p.set_defaults(func=cmd_county_decide_change)
    p = csub.add_parser("change-evidence", help="把某条异动（或转学申请 T编号）的证明材料另存到指定文件夹查看")
    add_db_args(p)
    p.add_argument("school")
    p.add_argument("change_id", help="异动编号，或转入学校的转学申请编号 T3（转学证明）")
    p.add_argument("--out", type=Path, required=True)
    p.set_defaults(func=cmd_county_change_evidence)

    p = csub.add_parser("reset-key", help="重置学校登记的签名密钥（学校换电脑、密钥丢失后；须主管领导，写明原因）",
                        description="忘记学校登记的密钥：该校下一个数据包须按新的指纹回执重新核对后登记。"
                                    "只有主管领导（leader）能执行；原因、旧指纹和执行人记入操作日志。")
    add_db_args(p)
    p.add_argument("school", help="10 位学校标识码")
    p.add_argument("--reason", required=True, help="重置原因，如“学校电脑损坏重装”")
    p.set_defaults(func=cmd_county_reset_key)

    for name in COUNTY_COMMAND_MODULES:
        import_module(name).register_county(csub)


def cmd_county_init(args) -> int:
    if args.from_package:
        from ..county.init_package import init_from_package

        store, recovery, fp, schools = init_from_package(args.from_package, db_path(args), username=args.user,
                                                         password=password("新密码：", confirm=True),
                                                         display_name=args.display_name)
        from ..county.workspace import county_profile

        unit = county_profile(store)
        store.close()
        print(f"已用县级初始化包创建数据文件：{db_path(args)}（{unit['code']}{unit['name']}，学校 {schools} 所）")
        print("下一步：xueji county schools verify 核对学校标识码。")
    else:
        from ..county.workspace import create_county_store

        given = {"code": args.county_code, "name": args.county_name, "city_code": args.city_code,
                 "city_name": args.city_name}
        missing = [f"--{k.replace('_', '-')}" for k, v in (("county_code", args.county_code),
                                                          ("county_name", args.county_name),
                                                          ("city_code", args.city_code),
                                                          ("city_name", args.city_name)) if not v]
        if missing:
            raise BadInput(f"请给出 {' '.join(missing)}，或用 --from-package 指定上级下发的初始化包。")
        store, recovery, fp = create_county_store(db_path(args), username=args.user,
                                                  password=password("新密码：", confirm=True), county=given,
                                                  display_name=args.display_name, level=args.level)
        store.close()
        level = "地市级" if args.level == "city" else "县级"
        print(f"已创建{level}数据文件：{db_path(args)}（{args.county_code}{args.county_name}）")
    print_fingerprint(fp)
    print_recovery(recovery)
    return 0


def cmd_make_county_init(args) -> int:
    from ..county.init_package import make_county_init

    with open_store(args) as store:
        path = make_county_init(store, args.code, args.name, args.out)
    print(f"已写出县级初始化包：{path}")
    return 0


def cmd_county_add_school(args) -> int:
    from ..county.schools import add_school

    with open_store(args) as store:
        add_school(store, args.code, args.name, args.region_code)
    print(f"已添加学校 {args.code}{args.name}。")
    return 0


def cmd_county_schools(args) -> int:
    from ..county.schools import list_schools

    with open_store(args) as store:
        rows = list_schools(store, placeholders=True)
    if args.json:
        print_json(rows)
        return 0
    for r in rows:
        if r["placeholder"]:
            print(f"{r['code']}\t{r['name']}\t（待补学校标识码）")
            continue
        print(f"{r['code']}\t{r['name']}\t学生 {r['students']}\t序号 {r['last_sequence']}\t"
              f"{r['review_name']}\t指纹 {r['fingerprint'] or '（未登记）'}")
    return 0


def cmd_county_make_init(args) -> int:
    from ..county.schools import make_init_packages

    with open_store(args) as store:
        paths = make_init_packages(store, args.schools, args.out)
        from ..exchange import keystore

        fp = keystore.own_fingerprint(store.conn)
    for p in paths:
        print(f"已写出初始化包：{p}")
    print(f"县级签名密钥指纹：{fp}")
    return 0


def _confirmations(values: list[str]) -> tuple[str | None, dict[str, str]]:
    default, by_school = None, {}
    for v in values:
        if "=" in v:
            code, fp = v.split("=", 1)
            by_school[code.strip()] = fp
        else:
            default = v
    return default, by_school


def cmd_county_import(args) -> int:
    from ..county.intake import import_package
    from ..county.workspace import store_level

    default, by_school = _confirmations(args.confirm_fingerprint)
    if default and len(args.packages) > 1:
        raise BadInput("导入多个包时，请用 --confirm-fingerprint 学校标识码=指纹（地市级：县级区划代码=指纹）"
                       "指明每个指纹属于哪个单位。")
    results, refused = [], []
    with open_store(args) as store:
        if store_level(store) == "city":
            from .city_cmds import import_at_city

            return import_at_city(store, args, by_school, default)
        for pkg in args.packages:
            try:
                from ..county.intake import check_package

                check, _env = check_package(store, pkg)
                confirm = by_school.get(check.school_code, default)
                r = run_with_progress(import_package, store, pkg, confirm_fingerprint=confirm)
                results.append(r)
                if not args.json:
                    print(f"已导入 {r.file}：{r.school_code}{r.school_name} 第 {r.sequence} 号，学生 {r.students} 名"
                          + (f"（替换原有 {r.replaced} 名）" if r.replaced else "")
                          + (f"，其中待修正 {r.pending} 名" if r.pending else ""))
                    for line in r.summary():
                        print(f"  {line}")
            except XuejiError as exc:
                refused.append({"file": pkg.name, "error": str(exc)})
                if not args.json:
                    print(f"拒绝：{exc}", file=sys.stderr)
    if args.json:
        print_json({"imported": [r.__dict__ for r in results], "refused": refused})
    else:
        print(f"导入 {len(results)} 个，拒绝 {len(refused)} 个。")
    return 1 if refused else 0


def cmd_county_problems(args) -> int:
    from ..county.city_feedback import upper_findings
    from ..county.problems import county_problems

    with open_store(args) as store:
        found = county_problems(store, include_resolved=args.all)
        upper = upper_findings(store)
    unresolved = [p for p in found if p["state"] != "已解决"]
    if args.json:
        print_json(found)
        return 1 if unresolved else 0
    for p in found:
        where = "；".join(f"{r['school_code']}{r['school_name']} {r['class_name']} {r['name']}" for r in p["records"])
        extra = f"：{p['message']}" if p.get("message") else ""
        decided = f"\t裁定由 {p['decision']['keep_school']} 保留" if p.get("decision") else ""
        print(f"{p['state']}\t{p['id']}\t{p['kind_name']}\t{where}{extra}{decided}")
    counts: dict[str, int] = {}
    for p in found:
        counts[p["state"]] = counts.get(p["state"], 0) + 1
    print("共 " + ("，".join(f"{k} {v} 个" for k, v in counts.items()) or "0 个") + "问题学籍。")
    for f in upper:  # the city's findings across counties, passed on in the schools' next feedback
        print(f"地市反馈\t{f['problem_id']}\t{f['school_code']}{f['school_name']} {f['class']} {f['name']}："
              f"{f['message']}")
    return 1 if unresolved else 0


def cmd_county_resolve(args) -> int:
    from ..county.problems import resolve
    from ..county.workspace import store_level

    with open_store(args) as store:
        problem = resolve(store, args.problem, args.keep, args.reason)
        city = store_level(store) == "city"
    acting = [r for r in problem["records"] if r["school_code"] != args.keep]
    if city:  # the city's decision reaches a school through its county's feedback
        counties = sorted({f"{r['county_code']}{r['county_name']}" for r in acting})
        print(f"已裁定 {problem['id']}：由学校 {args.keep} 保留。请为县（区）{'、'.join(counties)} 生成地市反馈包"
              "（xueji county feedback 县级区划代码），该县导入后随下次反馈带给学校。")
        return 0
    others = sorted({r["school_code"] for r in acting})
    print(f"已裁定 {problem['id']}：由学校 {args.keep} 保留。请为 {'、'.join(others)} 生成反馈包"
          "（xueji county feedback），学校按要求删除或更正后重新上报。")
    return 0


def cmd_county_review(args) -> int:
    from ..county.review import review

    with open_store(args) as store:
        review(store, args.school, passed=args.passed, reason=args.reason, force=args.force)
    print(f"已{'通过' if args.passed else '退回'}学校 {args.school} 的数据。用 xueji county feedback 生成反馈包。")
    return 0


def cmd_county_changes(args) -> int:
    from ..county.changes import list_county_changes

    with open_store(args) as store:
        rows = list_county_changes(store, args.school, undecided_only=args.undecided)
    if args.json:
        print_json(rows)
        return 0
    for r in rows:
        files = "、".join(e["filename"] for e in r["evidence"]) or "无"
        print(f"{r['school_code']}{r['school_name']}\t#{r['change_id']}\t{r['student_name']}\t{r['kind_name']}\t"
              f"{r['effective_date']}\t{r['reason']}\t证明材料：{files}\t{r['decision_name']}")
    return 0


def cmd_county_decide_change(args) -> int:
    from ..county.changes import decide_county_change
    from ..records.transfers import is_transfer_ref

    if is_transfer_ref(args.change_id):
        from ..county.transfers import decide_request

        with open_store(args) as store:
            t = decide_request(store, args.school, args.change_id, args.approve, args.reason, args.from_county)
        print(f"转学申请 {t['key']}（{t['name']}）：{'已同意' if args.approve else '已拒绝'}；"
              + ("用 xueji county transfer-out 把申请发给转出地县级。" if args.approve
                 else "拒绝原因随反馈包告知转入学校。"))
        return 0
    if not args.change_id.isdigit():
        raise BadInput(f"异动编号“{args.change_id}”应为数字（转学申请写作 T 加数字，如 T3）。")
    args.change_id = int(args.change_id)
    with open_store(args) as store:
        decide_county_change(store, args.school, args.change_id, args.approve, args.reason)
    print(f"已{'通过' if args.approve else '驳回'}学校 {args.school} 的异动 #{args.change_id}；"
          "用 xueji county feedback 生成反馈包下发。")
    return 0


def cmd_county_change_evidence(args) -> int:
    from ..county.changes import county_change_evidence
    from ..county.transfers import transfer_evidence
    from ..records.transfers import is_transfer_ref

    with open_store(args) as store:
        if is_transfer_ref(args.change_id):
            files = transfer_evidence(store, args.school, args.change_id)
        elif args.change_id.isdigit():
            files = county_change_evidence(store, args.school, int(args.change_id))
        else:
            raise BadInput(f"异动编号“{args.change_id}”应为数字（转学申请写作 T 加数字，如 T3）。")
    args.out.mkdir(parents=True, exist_ok=True)
    for name, content in files:
        # Only the base name of what the school sent: never a path taken from a package.
        target = args.out / Path(name).name
        write_file(target, content)
        print(target)
    return 0


def cmd_county_feedback(args) -> int:
    from ..county.review import make_feedback
    from ..county.workspace import store_level

    with open_store(args) as store:
        if store_level(store) == "city":
            from .city_cmds import feedback_at_city

            return feedback_at_city(store, args)
        path = make_feedback(store, args.school, args.out)
    print(f"已写出反馈包：{path}")
    return 0


def cmd_county_export_up(args) -> int:
    from ..county.upward import export_up

    recipient = None
    if args.recipient_key:
        try:
            recipient = base64.b64decode(args.recipient_key.read_text().strip(), validate=True)
        except (OSError, ValueError):
            raise BadInput(f"读不出上级公钥文件 {args.recipient_key}"
                           "（应为 base64 编码的 32 字节 X25519 公钥）。") from None
        if len(recipient) != 32:
            raise BadInput(f"上级公钥文件 {args.recipient_key} 的长度不对（应为 32 字节）。")
    from ..county.upward import describe_left_out
    from ..exchange import keystore

    with open_store(args) as store:
        paths = run_with_progress(export_up, store, args.out, folders=args.folders, recipient_public=recipient)
        left_out = describe_left_out(store)
        # The level above's key normally came with this unit's init package; warn only when nothing gave one.
        own_key_only = recipient is None and keystore.get_public(store.conn, keystore.UPPER_ENCRYPTION) is None
    for p in paths:
        print(f"已写出：{p}")
    if left_out:
        print(left_out)
    if own_key_only:
        print("注意：未指定上级公钥（--recipient-key），初始化包也没有带来上级公钥，汇总包用本单位自己的公钥加密，"
              "只有本单位能打开。", file=sys.stderr)
    return 0


def cmd_county_reset_key(args) -> int:
    from ..county.schools import reset_school_key

    with open_store(args) as store:
        old = reset_school_key(store, args.school, args.reason)
    print(f"已重置学校 {args.school} 的登记密钥（原指纹 {old}）。该校下一个数据包导入时，"
          "须用 --confirm-fingerprint 输入学校新打印的指纹回执上的指纹。")
    return 0
