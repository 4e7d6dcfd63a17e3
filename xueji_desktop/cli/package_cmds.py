"""Package commands at the school: export, feedback, init from the county's package, fingerprint.

The county side (`xueji county …`) is in ``county_cmds``."""

from __future__ import annotations

from pathlib import Path

from ..errors import BadInput
from .common import (
    add_db_args,
    db_path,
    open_store,
    password,
    print_fingerprint,
    print_recovery,
    print_rows,
    run_with_progress,
)


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
    p = ssub.add_parser("fingerprint", help="显示本校签名密钥指纹和本校接受的县级密钥指纹；--print 打印回执（PDF）")
    add_db_args(p)
    p.add_argument("--print", dest="print_slip", action="store_true",
                   help="写出指纹回执 PDF（盖章后交县级核对），默认 ./密钥指纹回执_学校标识码.pdf")
    p.add_argument("--out", type=Path, help="回执 PDF 的文件名（与 --print 一起用）")
    p.set_defaults(func=cmd_school_fingerprint)


# ---- school side --------------------------------------------------------------------------------

def cmd_export(args) -> int:
    from ..exchange.school_side import export_package

    with open_store(args) as store:
        path = run_with_progress(export_package, store, args.out, include_pending=args.include_pending)
    print(f"已写出上报数据包：{path}")
    return 0


def cmd_import_feedback(args) -> int:
    from ..county.schools import REVIEW_NAMES
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
    from ..records.problems import school_problems

    with open_store(args) as store:
        found = school_problems(store)
        if store.mode == "school":
            state, reason = store.meta("review_state", ""), store.meta("review_reason", "")
        else:
            state = reason = ""
    review = (f"县级审核结论：{'通过' if state == 'passed' else '退回'}" + (f"，原因：{reason}" if reason else "")
              if state else None)
    print_rows(args, found, lambda f: (
        f"[{f['source']}] {f['kind_name']}\t{f['class_name']} {f['name']}（编号 {f['student_id']}）\t{f['message']}"),
        header=review, footer=f"共 {len(found)} 条问题记录。")
    return 1 if found else 0


def cmd_school_init(args) -> int:
    from ..exchange.school_side import init_from_package

    store, recovery, fp = init_from_package(args.package, db_path(args), username=args.user,
                                            password=password("新密码：", confirm=True), display_name=args.display_name)
    with store:
        print(f"已用初始化包创建学校数据文件：{db_path(args)}")
        print_fingerprint(fp)
        _print_county_fingerprint(store)
    print_recovery(recovery)
    return 0


def cmd_school_load_init(args) -> int:
    from ..exchange.school_side import apply_init, read_init_package

    with open_store(args) as store:
        fp = apply_init(store, read_init_package(args.package))
        print("已载入初始化包。")
        print_fingerprint(fp)
        _print_county_fingerprint(store)
    return 0


def _print_county_fingerprint(store) -> None:
    from ..exchange.school_side import county_fingerprint

    fp = county_fingerprint(store.conn)
    if fp:
        print(f"本校接受的县级签名密钥（{store.meta('county_name', '')}）指纹：\n    {fp}\n"
              "请与县级公布或电话告知的指纹核对；不一致时请勿上报，立即与县级联系。\n")


def cmd_school_fingerprint(args) -> int:
    from ..exchange.school_side import key_slip_info

    with open_store(args) as store:
        info = key_slip_info(store)
        if args.print_slip:
            target = args.out or Path(f"密钥指纹回执_{info.school_code}.pdf")
            _write_slip(info, target)
            with store.transaction() as tx:
                tx.audit("打印指纹回执", "exchange_keys", "own_signing", {"file": [None, target.name]})
    print_fingerprint(info.fingerprint)
    if info.county_fingerprint:
        print(f"本校接受的县级签名密钥（{info.county_name}）指纹：\n    {info.county_fingerprint}\n")
    if args.print_slip:
        print(f"已写出指纹回执：{target}（打印、签字盖章后交县级核对）")
    return 0


def _write_slip(info, target: Path) -> None:
    from ..printing.key_slip import TITLE, key_slip
    from ..ui.print_render import write_pdf  # lazy: Qt is loaded only when a PDF is actually drawn

    if target.suffix.lower() != ".pdf":
        raise BadInput(f"回执文件应以 .pdf 结尾：{target}")
    write_pdf([key_slip(info)], target, 1, title=TITLE)


def cmd_fingerprint(args) -> int:
    from ..exchange import keystore

    with open_store(args) as store:
        fp = keystore.own_fingerprint(store.conn)
    if not fp:
        raise BadInput("本数据文件还没有签名密钥。")
    print_fingerprint(fp)
    return 0


