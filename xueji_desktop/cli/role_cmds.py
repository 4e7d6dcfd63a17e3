"""Class teachers and data release: ``verify`` (已核对), ``propose`` / ``proposals`` (修改建议),
``export-request`` (依申请导出) and ``proof`` (无身份证号学生在校就读证明表)."""

from __future__ import annotations

import argparse

from ..errors import BadInput
from .common import add_db_args, open_store, print_rows


def register(sub) -> None:
    verify = sub.add_parser("verify", help="班主任核对：mark | unmark | progress（与纸质采集表逐项核对后标记已核对）")
    vsub = verify.add_subparsers(dest="verify_command", metavar="ACTION", required=True)
    for name, helptext in (("mark", "标记已核对"), ("unmark", "取消已核对标记")):
        p = vsub.add_parser(name, help=helptext)
        add_db_args(p)
        p.add_argument("students", nargs="*", metavar="STUDENT", help="学生编号或身份证件号")
        p.add_argument("--class", dest="class_text", metavar="班号", help="该班全部学生")
        p.set_defaults(func=cmd_verify_mark, checked=name == "mark")
    p = vsub.add_parser("progress", help="各班核对进度")
    add_db_args(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_verify_progress)

    p = sub.add_parser("propose", help="班主任提出修改建议（学籍管理员采纳后生效）")
    add_db_args(p)
    p.add_argument("student", help="学生编号或身份证件号")
    p.add_argument("assignments", nargs="+", metavar="FIELD=VALUE", help="如 姓名=王明 家庭成员1联系电话=138…")
    p.add_argument("--note", default="", help="说明，如“以家长签字的纸质表为准”")
    p.set_defaults(func=cmd_propose)

    proposals = sub.add_parser("proposals", help="修改建议：list | accept | reject")
    psub = proposals.add_subparsers(dest="proposals_command", metavar="ACTION", required=True)
    p = psub.add_parser("list", help="列出修改建议")
    add_db_args(p)
    p.add_argument("--state", choices=["pending", "accepted", "rejected"], help="只列该状态")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_proposals_list)
    p = psub.add_parser("accept", help="采纳（按正常规则写入记录）")
    add_db_args(p)
    p.add_argument("proposal_id", type=_number, metavar="ID")
    p.set_defaults(func=cmd_proposals_accept)
    p = psub.add_parser("reject", help="不采纳（须填理由）")
    add_db_args(p)
    p.add_argument("proposal_id", type=_number, metavar="ID")
    p.add_argument("--reason", required=True)
    p.set_defaults(func=cmd_proposals_reject)

    er = sub.add_parser("export-request", help="数据导出申请：add | list | approve | revoke（依申请导出）")
    esub = er.add_subparsers(dest="export_request_command", metavar="ACTION", required=True)
    p = esub.add_parser("add", help="登记导出申请（学籍管理员）；打印申请编号")
    add_db_args(p)
    p.add_argument("--unit", required=True, help="数据使用单位，如 区卫生健康局")
    p.add_argument("--purpose", required=True, help="用途，如 学生体检")
    p.add_argument("--fields", required=True, help="字段（采集表项目名称，逗号分隔），如 姓名,性别,班级")
    p.add_argument("--classes", default="", metavar="班号,…", help="只含这些班；默认全校")
    p.add_argument("--statuses", default="", metavar="状态,…", help="只含这些学籍状态，如 在校；默认全部")
    p.add_argument("--until", required=True, metavar="YYYY-MM-DD", help="有效期至")
    p.add_argument("--responsible", required=True, help="数据安全负责人")
    p.set_defaults(func=cmd_export_request_add)
    p = esub.add_parser("list", help="列出导出申请")
    add_db_args(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_export_request_list)
    for name, helptext in (("approve", "主管领导批准"), ("revoke", "撤销（此后不能再按此申请导出）")):
        p = esub.add_parser(name, help=helptext)
        add_db_args(p)
        p.add_argument("request_id", type=_number, metavar="ID")
        p.set_defaults(func=cmd_export_request_decide, action=name)

    proof = sub.add_parser("proof", help="无身份证号学生在校就读证明表：list | sent（打印用 print-proof）")
    prsub = proof.add_subparsers(dest="proof_command", metavar="ACTION", required=True)
    p = prsub.add_parser("list", help="需要证明表的学生及其状态（未打印 / 已打印 / 已报送）")
    add_db_args(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_proof_list)
    p = prsub.add_parser("sent", help="记录证明表已签字盖章并报送县级")
    add_db_args(p)
    p.add_argument("students", nargs="+", metavar="STUDENT", help="学生编号或身份证件号")
    p.set_defaults(func=cmd_proof_sent)


def _number(text: str) -> int:
    if not text.isdigit() or len(text) > 9:
        raise argparse.ArgumentTypeError(f"编号应为正整数：{text}")
    return int(text)


def _student_ids(store, tokens: list[str], class_text: str | None = None) -> list[int]:
    from ..printing.batch import Selection, parse_student_tokens, student_ids

    if class_text:
        return student_ids(store.conn, Selection(class_text=class_text))
    if not tokens:
        raise BadInput("请给出学生编号或身份证件号，或用 --class 指定整个班。")
    return list(parse_student_tokens(store.conn, ",".join(tokens)))


def cmd_verify_mark(args) -> int:
    from ..records.verification import mark_checked

    with open_store(args) as store:
        changed = mark_checked(store, _student_ids(store, args.students, args.class_text), args.checked)
    print(f"已{'标记' if args.checked else '取消'} {changed} 名学生的核对{'' if args.checked else '标记'}。")
    return 0


def cmd_verify_progress(args) -> int:
    from ..records.verification import class_progress

    with open_store(args) as store:
        rows = class_progress(store)
    return print_rows(args, rows, lambda r: (
        f"{r.class_code}\t{r.class_name}\t班主任 {r.head_teacher or '—'}\t已核对 {r.checked}/{r.students}"
        f"（{r.percent}%）"), as_json=lambda r: {**r.__dict__, "percent": r.percent})


def cmd_propose(args) -> int:
    from ..records.proposals import parse_assignments, propose
    from ..records.students import resolve_student

    with open_store(args) as store:
        sid = resolve_student(store.conn, args.student)
        if sid is None:
            raise BadInput(f"找不到学生：{args.student}（可用学生编号或身份证件号）。")
        number = propose(store, sid, parse_assignments(args.assignments), args.note)
    print(f"已提交修改建议 {number}，等待学籍管理员采纳。")
    return 0


def cmd_proposals_list(args) -> int:
    from ..records.proposals import field_paths, list_proposals

    with open_store(args) as store:
        rows = list_proposals(store, args.state)
    labels = {path: label for path, (_f, label) in field_paths().items()}

    def line(p) -> str:
        changes = "；".join(f"{labels.get(k, k)}：{old or '（空）'} → {new or '（空）'}"
                           for k, (old, new) in p.changes.items())
        return (f"{p.id}\t{p.to_dict()['state_name']}\t{p.class_code} {p.student_name}\t{changes}\t"
                f"{p.proposed_by} {p.proposed_at[:16]}" + (f"\t{p.decision_note}" if p.decision_note else ""))

    return print_rows(args, rows, line, as_json=lambda p: p.to_dict())


def cmd_proposals_accept(args) -> int:
    from ..records.proposals import accept

    with open_store(args) as store:
        accept(store, args.proposal_id)
    print(f"已采纳修改建议 {args.proposal_id}，记录已更新。")
    return 0


def cmd_proposals_reject(args) -> int:
    from ..records.proposals import reject

    with open_store(args) as store:
        reject(store, args.proposal_id, args.reason)
    print(f"已不采纳修改建议 {args.proposal_id}。")
    return 0


def cmd_export_request_add(args) -> int:
    from ..export_requests import add_request

    with open_store(args) as store:
        number = add_request(store, unit=args.unit, purpose=args.purpose, fields=args.fields, until=args.until,
                             responsible=args.responsible, classes=args.classes, statuses=args.statuses)
    print(number)
    print(f"已登记导出申请 {number}，须经主管领导批准（xueji export-request approve {number}）后才能导出。")
    return 0


def cmd_export_request_list(args) -> int:
    from ..export_requests import list_requests

    with open_store(args) as store:
        rows = [r.to_dict() for r in list_requests(store)]

    def line(r: dict) -> str:
        state = r["state_name"] + ("（已过期）" if r["expired"] and r["state"] != "revoked" else "")
        return (f"{r['id']}\t{state}\t{r['unit']}\t{r['purpose']}\t{','.join(r['field_labels'])}\t"
                f"至 {r['valid_until']}\t负责人 {r['responsible']}")

    return print_rows(args, rows, line)


def cmd_export_request_decide(args) -> int:
    from ..export_requests import approve, revoke

    with open_store(args) as store:
        (approve if args.action == "approve" else revoke)(store, args.request_id)
    print(f"导出申请 {args.request_id} 已{'批准' if args.action == 'approve' else '撤销'}。")
    return 0


def cmd_proof_list(args) -> int:
    from ..records.no_id_proof import needing_proof

    with open_store(args) as store:
        rows = needing_proof(store.conn)
    return print_rows(args, rows, lambda r: f"{r.student_id}\t{r.class_code}\t{r.name}\t{r.state}",
                      empty="没有需要《无身份证号学生在校就读证明表》的学生。", as_json=lambda r: r.to_dict())


def cmd_proof_sent(args) -> int:
    from ..records.no_id_proof import mark_sent

    with open_store(args) as store:
        count = mark_sent(store, _student_ids(store, args.students))
    print(f"已记录 {count} 份证明表报送县级。")
    return 0
