"""Package commands: school export / init / feedback, and the county side (`xueji county …`)."""

from __future__ import annotations

import base64
import sys
from pathlib import Path

from ..errors import BadInput, XuejiError
from ..outfiles import write_file
from .common import add_db_args, db_path, open_store, password, print_json, run_with_progress


def register(sub) -> None:
    p = sub.add_parser("export-package", help="导出签名加密的上报数据包（有待修正记录时拒绝，除非 --include-pending）")
    add_db_args(p)
    p.add_argument("--out", type=Path, required=True, help="输出文件夹（如 U 盘）")
    p.add_argument("--include-pending", action="store_true", help="带上仍有错误的记录（标为待修正）")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("import-feedback", help="导入县级反馈包，在学生记录上显示县级发现的问题")
    add_db_args(p)
    p.add_argument("package", type=Path)
    p.set_defaults(func=cmd_import_feedback)

    p = sub.add_parser("problems", help="问题学籍：本校身份证件号有误、重复记录，以及县级反馈")
    add_db_args(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_school_problems)

    school = sub.add_parser("school", help="学校端数据包设置：init-from-package | load-init | fingerprint")
    ssub = school.add_subparsers(dest="school_command", metavar="ACTION", required=True)
    p = ssub.add_parser("init-from-package", help="用县级下发的初始化包创建学校数据文件并生成本校签名密钥")
    add_db_args(p)
    p.add_argument("package", type=Path)
    p.add_argument("--display-name", default="")
    p.set_defaults(func=cmd_school_init)
    p = ssub.add_parser("load-init", help="把初始化包载入已有的学校数据文件")
    add_db_args(p)
    p.add_argument("package", type=Path)
    p.set_defaults(func=cmd_school_load_init)
    p = ssub.add_parser("fingerprint", help="显示本校签名密钥指纹（电话告知县级核对）")
    add_db_args(p)
    p.set_defaults(func=cmd_fingerprint)

    county = sub.add_parser("county", help="县级端：init | add-school | schools | make-init | import | problems | "
                                           "review | feedback | export-up | fingerprint")
    csub = county.add_subparsers(dest="county_command", metavar="ACTION", required=True)
    p = csub.add_parser("init", help="创建县级数据文件和县级密钥")
    add_db_args(p)
    p.add_argument("--county-code", required=True, help="6 位县级区划代码，如 140106")
    p.add_argument("--county-name", required=True, help="县（区）名称，如 迎泽区")
    p.add_argument("--city-code", required=True, help="4 位地市代码，如 1401")
    p.add_argument("--city-name", required=True, help="地市名称，如 太原市")
    p.add_argument("--display-name", default="")
    p.set_defaults(func=cmd_county_init)
    p = csub.add_parser("add-school", help="把学校加入本县学校名单")
    add_db_args(p)
    p.add_argument("code", help="10 位学校标识码")
    p.add_argument("name", help="学校名称")
    p.add_argument("region_code", help="12 位统计用区划代码")
    p.set_defaults(func=cmd_county_add_school)
    p = csub.add_parser("schools", help="列出本县学校、密钥指纹、上报和审核状态")
    add_db_args(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_county_schools)
    p = csub.add_parser("make-init", help="为学校生成初始化包（不指定学校则为名单中全部学校）")
    add_db_args(p)
    p.add_argument("schools", nargs="*", help="学校标识码")
    p.add_argument("--out", type=Path, required=True)
    p.set_defaults(func=cmd_county_make_init)
    p = csub.add_parser("import", help="校验并导入学校数据包（每个包一个事务）")
    add_db_args(p)
    p.add_argument("packages", nargs="+", type=Path)
    p.add_argument("--confirm-fingerprint", action="append", default=[], metavar="[学校标识码=]指纹",
                   help="学校第一次上报时，确认电话核对过的密钥指纹；多个包时写成 学校标识码=指纹")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_county_import)
    p = csub.add_parser("problems", help="问题学籍：身份证件号有误、证件号重复、无证件号的同名同性别同生日")
    add_db_args(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_county_problems)
    p = csub.add_parser("review", help="审核学校上报的数据：--pass 通过 或 --return 退回（需 --reason）")
    add_db_args(p)
    p.add_argument("school")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--pass", dest="passed", action="store_true")
    g.add_argument("--return", dest="returned", action="store_true")
    p.add_argument("--reason", default="")
    p.set_defaults(func=cmd_county_review)
    p = csub.add_parser("feedback", help="生成给学校的反馈包（逐个学生的问题和审核结论）")
    add_db_args(p)
    p.add_argument("school")
    p.add_argument("--out", type=Path, required=True)
    p.set_defaults(func=cmd_county_feedback)
    p = csub.add_parser("export-up", help="县级汇总上报包；--folders 另按 地市/县区/学校 文件夹写出")
    add_db_args(p)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--folders", action="store_true")
    p.add_argument("--recipient-key", type=Path,
                   help="上级单位的 X25519 公钥文件（base64）；不给则用本县自己的公钥加密（存档用）")
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
                        help="审核学校的学籍异动：--approve 或 --reject（需 --reason）；结果随反馈包下发")
    add_db_args(p)
    p.add_argument("school")
    p.add_argument("change_id", type=int)
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--approve", action="store_true")
    g.add_argument("--reject", action="store_true")
    p.add_argument("--reason", default="")
    p.set_defaults(func=cmd_county_decide_change)
    p = csub.add_parser("change-evidence", help="把某条异动的证明材料另存到指定文件夹查看")
    add_db_args(p)
    p.add_argument("school")
    p.add_argument("change_id", type=int)
    p.add_argument("--out", type=Path, required=True)
    p.set_defaults(func=cmd_county_change_evidence)


def _print_recovery(recovery: str) -> None:
    print("\n恢复密钥（只显示这一次，请打印或抄写后妥善保管；忘记密码时用它重置）：")
    print(f"    {recovery}\n")


# ---- school side --------------------------------------------------------------------------------

def cmd_export(args) -> int:
    from ..exchange.school_side import export_package

    with open_store(args) as store:
        path = run_with_progress(export_package, store, args.out, include_pending=args.include_pending)
    print(f"已写出上报数据包：{path}")
    return 0


def cmd_import_feedback(args) -> int:
    from ..exchange.county import REVIEW_NAMES
    from ..exchange.school_side import import_feedback

    with open_store(args) as store:
        result = import_feedback(store, args.package)
    review = result["review"]
    print(f"已导入县级反馈（第 {result['sequence']} 号）：{result['findings']} 条问题；审核结论："
          f"{REVIEW_NAMES.get(review.get('state', ''), '')}"
          + (f"（{review['reason']}）" if review.get("reason") else ""))
    print("用 xueji problems 查看逐个学生的问题。")
    return 0


def cmd_school_problems(args) -> int:
    from ..exchange.problems import school_problems

    with open_store(args) as store:
        found = school_problems(store)
        if store.mode == "school":
            state, reason = store.meta("review_state", ""), store.meta("review_reason", "")
        else:
            state = reason = ""
    if args.json:
        print_json(found)
        return 1 if found else 0
    if state:
        print(f"县级审核结论：{'通过' if state == 'passed' else '退回'}" + (f"，原因：{reason}" if reason else ""))
    for f in found:
        print(f"[{f['source']}] {f['kind_name']}\t{f['class_name']} {f['name']}（编号 {f['student_id']}）"
              f"\t{f['message']}")
    print(f"共 {len(found)} 条问题记录。")
    return 1 if found else 0


def cmd_school_init(args) -> int:
    from ..exchange.school_side import init_from_package

    store, recovery, fp = init_from_package(args.package, db_path(args), username=args.user,
                                            password=password("新密码：", confirm=True), display_name=args.display_name)
    store.close()
    print(f"已用初始化包创建学校数据文件：{db_path(args)}")
    _print_fingerprint(fp)
    _print_recovery(recovery)
    return 0


def cmd_school_load_init(args) -> int:
    from ..exchange.school_side import apply_init, read_init_package

    with open_store(args) as store:
        fp = apply_init(store, read_init_package(args.package))
    print("已载入初始化包。")
    _print_fingerprint(fp)
    return 0


def _print_fingerprint(fp: str) -> None:
    print("\n本单位签名密钥指纹（请电话逐组读给县级核对）：")
    print(f"    {fp}\n")


def cmd_fingerprint(args) -> int:
    from ..exchange import keystore

    with open_store(args) as store:
        fp = keystore.own_fingerprint(store.conn)
    if not fp:
        raise BadInput("本数据文件还没有签名密钥。")
    _print_fingerprint(fp)
    return 0


# ---- county side --------------------------------------------------------------------------------

def cmd_county_init(args) -> int:
    from ..exchange.county import create_county_store

    county = {"code": args.county_code, "name": args.county_name, "city_code": args.city_code,
              "city_name": args.city_name}
    store, recovery, fp = create_county_store(db_path(args), username=args.user,
                                              password=password("新密码：", confirm=True), county=county,
                                              display_name=args.display_name)
    store.close()
    print(f"已创建县级数据文件：{db_path(args)}（{args.county_code}{args.county_name}）")
    _print_fingerprint(fp)
    _print_recovery(recovery)
    return 0


def cmd_county_add_school(args) -> int:
    from ..exchange.county import add_school

    with open_store(args) as store:
        add_school(store, args.code, args.name, args.region_code)
    print(f"已添加学校 {args.code}{args.name}。")
    return 0


def cmd_county_schools(args) -> int:
    from ..exchange.county import list_schools

    with open_store(args) as store:
        rows = list_schools(store)
    if args.json:
        print_json(rows)
        return 0
    for r in rows:
        print(f"{r['code']}\t{r['name']}\t学生 {r['students']}\t序号 {r['last_sequence']}\t"
              f"{r['review_name']}\t指纹 {r['fingerprint'] or '（未登记）'}")
    return 0


def cmd_county_make_init(args) -> int:
    from ..exchange.county import make_init_packages

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
    from ..exchange.county import import_package

    default, by_school = _confirmations(args.confirm_fingerprint)
    if default and len(args.packages) > 1:
        raise BadInput("导入多个包时，请用 --confirm-fingerprint 学校标识码=指纹 指明每个指纹属于哪所学校。")
    results, refused = [], []
    with open_store(args) as store:
        for pkg in args.packages:
            try:
                from ..exchange.county import check_package

                check, _env = check_package(store, pkg)
                confirm = by_school.get(check.school_code, default)
                r = run_with_progress(import_package, store, pkg, confirm_fingerprint=confirm)
                results.append(r)
                if not args.json:
                    print(f"已导入 {r.file}：{r.school_code}{r.school_name} 第 {r.sequence} 号，学生 {r.students} 名"
                          + (f"（替换原有 {r.replaced} 名）" if r.replaced else "")
                          + (f"，其中待修正 {r.pending} 名" if r.pending else ""))
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
    from ..exchange.problems import county_problems

    with open_store(args) as store:
        found = county_problems(store)
    if args.json:
        print_json(found)
        return 1 if found else 0
    for p in found:
        where = "；".join(f"{r['school_code']}{r['school_name']} {r['class_name']} {r['name']}" for r in p["records"])
        extra = f"：{p['message']}" if p.get("message") else ""
        print(f"{p['kind_name']}\t{p['key']}\t{where}{extra}")
    counts = {}
    for p in found:
        counts[p["kind_name"]] = counts.get(p["kind_name"], 0) + 1
    print("共 " + ("，".join(f"{k} {v} 组" for k, v in counts.items()) or "0 组") + "。")
    return 1 if found else 0


def cmd_county_review(args) -> int:
    from ..exchange.county import review

    with open_store(args) as store:
        review(store, args.school, passed=args.passed, reason=args.reason)
    print(f"已{'通过' if args.passed else '退回'}学校 {args.school} 的数据。用 xueji county feedback 生成反馈包。")
    return 0


def cmd_county_changes(args) -> int:
    from ..exchange.county import list_county_changes

    with open_store(args) as store:
        rows = list_county_changes(store, args.school, undecided_only=args.undecided)
    if args.json:
        print_json(rows)
        return 0
    decisions = {"": "待审核", "approved": "已通过", "rejected": "已驳回"}
    for r in rows:
        files = "、".join(e["filename"] for e in r["evidence"]) or "无"
        print(f"{r['school_code']}{r['school_name']}\t#{r['change_id']}\t{r['student_name']}\t{r['kind_name']}\t"
              f"{r['effective_date']}\t{r['reason']}\t证明材料：{files}\t{decisions.get(r['decision'], r['decision'])}")
    return 0


def cmd_county_decide_change(args) -> int:
    from ..exchange.county import decide_county_change

    with open_store(args) as store:
        decide_county_change(store, args.school, args.change_id, args.approve, args.reason)
    print(f"已{'通过' if args.approve else '驳回'}学校 {args.school} 的异动 #{args.change_id}；"
          "用 xueji county feedback 生成反馈包下发。")
    return 0


def cmd_county_change_evidence(args) -> int:
    from ..exchange.county import county_change_evidence

    with open_store(args) as store:
        files = county_change_evidence(store, args.school, args.change_id)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, content in files:
        # Only the base name of what the school sent: never a path taken from a package.
        target = args.out / Path(name).name
        write_file(target, content)
        print(target)
    return 0


def cmd_county_feedback(args) -> int:
    from ..exchange.county import make_feedback

    with open_store(args) as store:
        path = make_feedback(store, args.school, args.out)
    print(f"已写出反馈包：{path}")
    return 0


def cmd_county_export_up(args) -> int:
    from ..exchange.county import export_up

    recipient = None
    if args.recipient_key:
        try:
            recipient = base64.b64decode(args.recipient_key.read_text().strip(), validate=True)
        except (OSError, ValueError):
            raise BadInput(f"读不出上级公钥文件 {args.recipient_key}"
                           "（应为 base64 编码的 32 字节 X25519 公钥）。") from None
        if len(recipient) != 32:
            raise BadInput(f"上级公钥文件 {args.recipient_key} 的长度不对（应为 32 字节）。")
    with open_store(args) as store:
        paths = run_with_progress(export_up, store, args.out, folders=args.folders, recipient_public=recipient)
    for p in paths:
        print(f"已写出：{p}")
    if recipient is None:
        print("注意：未指定上级公钥（--recipient-key），汇总包用本县自己的公钥加密，只有本县能打开。",
              file=sys.stderr)
    return 0


