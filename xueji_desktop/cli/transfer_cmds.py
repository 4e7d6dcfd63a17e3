"""Transfers (转学): `xueji transfer …` at the school, and `county transfers | transfer-out | transfer-in`.

The receiving school's leader approves, rejects or the clerk withdraws a request with the change commands
(`xueji change approve|reject|withdraw T3`), as every other 学籍异动; the sending school's 转出 is an ordinary
change record (`change approve 12`). See docs/transfers.md for who does what.
"""

from __future__ import annotations

from pathlib import Path

from .common import add_db_args, open_store, print_rows


def register(sub) -> None:
    transfer = sub.add_parser("transfer", help="转学（转入学校发起）：request | list | sheet")
    tsub = transfer.add_subparsers(dest="transfer_command", metavar="ACTION", required=True)

    p = tsub.add_parser("request", help="发起转入申请（转入学校学籍管理员；主管领导用 change approve T编号 审核）")
    add_db_args(p)
    p.add_argument("--id-number", required=True, help="学生身份证件号")
    p.add_argument("--name", required=True, help="学生姓名（与转出学校学籍一致）")
    p.add_argument("--from", dest="from_school", required=True, help="转出学校标识码（10 位）")
    p.add_argument("--date", required=True, help="转入日期 YYYY-MM-DD")
    p.add_argument("--evidence", type=Path, nargs="+", required=True, help="本校盖章的转学证明（扫描件或照片）")
    p.add_argument("--class", dest="class_code", help="转入班号（可稍后分班）")
    p.add_argument("--reason", default="", help="转学原因，如“随父母工作调动”")
    p.add_argument("--cross-province", action="store_true",
                   help="跨省转学：在全国学籍系统中办理（transfer sheet 导出申请表），不随数据包上报")
    p.set_defaults(func=cmd_request)

    p = tsub.add_parser("list", help="列出转入、转出，各方（转入学校、转入地县级、转出学校、转出地县级）的状态"
                                     "和下一步")
    add_db_args(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_list)

    p = tsub.add_parser("sheet", help="导出跨省转学申请表（在全国学籍系统中录入）")
    add_db_args(p)
    p.add_argument("refs", nargs="*", metavar="T编号", help="默认：全部待办的跨省申请")
    p.add_argument("--out", type=Path, required=True, help="Excel 文件（.xlsx）")
    p.set_defaults(func=cmd_sheet)


def register_county(csub) -> None:
    p = csub.add_parser("transfers", help="转学：本县作为转入地或转出地的全部转学，各方状态和下一步")
    add_db_args(p)
    p.add_argument("--open", action="store_true", help="只列办理中的")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_county_transfers)
    p = csub.add_parser("transfer-out", help="生成给其他县（区）的县际转学包（签名并加密；首次为密钥介绍包）")
    add_db_args(p)
    p.add_argument("--out", type=Path, required=True)
    p.set_defaults(func=cmd_transfer_out)
    p = csub.add_parser("transfer-in", help="导入其他县（区）的县际转学包（首次须核对对方指纹）")
    add_db_args(p)
    p.add_argument("package", type=Path)
    p.add_argument("--confirm-fingerprint", help="对方县级读出或盖章发来的签名密钥指纹（首次导入时）")
    p.set_defaults(func=cmd_transfer_in)


def _parties_line(parties: dict) -> str:
    from ..records.transfers import PARTY_NAMES, PARTY_STATE_NAMES

    return "，".join(f"{PARTY_NAMES[p]}{PARTY_STATE_NAMES.get(parties.get(p, {}).get('state', ''), '')}"
                    for p in ("rs", "rc", "ss", "sc"))


def cmd_request(args) -> int:
    from ..records.changes import read_evidence
    from ..records.transfers import request_transfer
    from ..school import find_class

    with open_store(args) as store:
        class_id = None
        if args.class_code:
            info = find_class(store, args.class_code)
            if info is None:
                from ..errors import BadInput

                raise BadInput(f"找不到班级：{args.class_code}（xueji class list 列出本校班级）。")
            class_id = info.id
        t = request_transfer(store, id_number=args.id_number, name=args.name, from_school=args.from_school,
                             effective_date=args.date, evidence=read_evidence(args.evidence), class_id=class_id,
                             reason=args.reason, cross_province=args.cross_province)
    print(f"已提交转入申请 {t.ref}（{t.name}，{t.id_number}），待主管领导审核：xueji change approve {t.ref}")
    return 0


def cmd_list(args) -> int:
    from ..records.transfers import transfer_overview

    with open_store(args) as store:
        rows = transfer_overview(store)

    def line(r: dict) -> str:
        arrow = f"由 {r['other_school']}{r['other_school_name']} 转入" if r["direction"] == "in" else \
            f"转出到 {r['other_school']}{r['other_school_name']}"
        return (f"{r['ref']}\t{r['name']}\t{arrow}\t{r['state_name']}" +
                (f"\t{_parties_line(r['parties'])}" if r["parties"] else "") + f"\n\t下一步：{r['next_step']}")

    return print_rows(args, rows, line, empty="没有转学记录。")


def cmd_sheet(args) -> int:
    from ..records.transfer_sheet import write_sheet

    with open_store(args) as store:
        n = write_sheet(store, args.refs, args.out)
    print(f"已导出 {n} 条跨省转学申请到 {args.out}；请在全国学籍系统中逐条录入（转入学校发起跨省转学）。")
    return 0


def cmd_county_transfers(args) -> int:
    from ..county.transfers import list_transfers
    from ..county.workspace import require_county

    with open_store(args) as store:
        require_county(store)
        rows = list_transfers(store, open_only=args.open)
    return print_rows(args, rows, lambda r: (
        f"{r['key']}\t{r['name']}\t{r['from_school']}{r['from_school_name']} → {r['to_school']}"
        f"{r['to_school_name']}\t{r['state_name']}\t{_parties_line(r['parties'])}\n\t下一步：{r['next_step']}"),
        empty="没有转学。")


def cmd_transfer_out(args) -> int:
    from ..county.transfer_packages import transfer_out

    with open_store(args) as store:
        written = transfer_out(store, args.out)
    if not written:
        print("没有需要发给其他县（区）的转学信息。")
    for path in written:
        print(f"已写出 {path}")
    return 0


def cmd_transfer_in(args) -> int:
    from ..county.transfer_packages import transfer_in

    with open_store(args) as store:
        r = transfer_in(store, args.package, confirm_fingerprint=args.confirm_fingerprint)
    print(f"已导入 {r['county']}{r['name']} 的县际转学包（序号 {r['sequence']}）"
          + ("，已登记对方密钥" if r["registered"] else "")
          + f"：申请 {r['requests']} 条，进度更新 {r['updates']} 条。")
    for line in r["refused"]:
        print(f"  未受理：{line}")
    return 0
