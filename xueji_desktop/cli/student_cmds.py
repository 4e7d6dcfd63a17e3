"""CLI: ``xueji student list | show | set | delete`` — the 学生信息 page on the command line, through the same
core (and so the same write gate and messages). STUDENT is the record number or the ID number."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import BadInput
from .common import add_db_args, open_store, print_json, print_rows


def register(sub) -> None:
    student = sub.add_parser("student", help="学生信息：list | show | set | delete")
    ssub = student.add_subparsers(dest="student_command", metavar="ACTION", required=True)

    p = ssub.add_parser("list", help="列出学生（可按班级、状态筛选）")
    add_db_args(p)
    p.add_argument("--class", dest="class_code", help="班号或班级名称，如 2009101、小学2009级(1)班")
    p.add_argument("--status", help="信息状态（正常、有警告、待修正）或学籍状态（在校、休学、毕业……）")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_list)

    p = ssub.add_parser("show", help="显示一名学生的全部信息")
    add_db_args(p)
    p.add_argument("student", help="学生编号或身份证件号")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_show)

    p = ssub.add_parser("set", help="修改学生信息：字段=值 …（与表单同样校验；受控字段须申请变更）")
    add_db_args(p)
    p.add_argument("student", help="学生编号或身份证件号")
    p.add_argument("assignments", nargs="+", metavar="FIELD=VALUE",
                   help="如 现居住详细地址=山西省太原市…、家庭成员1联系电话=13800000000、班级=2020101")
    p.set_defaults(func=cmd_set)

    p = ssub.add_parser("delete", help="删除学生：县级未审核的立即删除（留审计记录）；已审核的提交删除学籍申请")
    add_db_args(p)
    p.add_argument("student", help="学生编号或身份证件号")
    p.add_argument("--reason", required=True, help="删除原因，如“重复录入”")
    p.add_argument("--evidence", type=Path, nargs="+", default=[], metavar="FILE",
                   help="佐证材料（县级已审核的记录必须提供）")
    p.add_argument("--kind", choices=["误操作删除", "重复学籍"], default=None,
                   help="删除学籍申请的类别（默认：本校有同一身份证件号的另一记录时为重复学籍，否则为误操作删除）")
    p.set_defaults(func=cmd_delete)


def _student_id(store, text: str) -> int:
    from ..records.students import resolve_student

    student_id = resolve_student(store.conn, text)
    if student_id is None:
        raise BadInput(f"找不到学生：{text}（可用学生编号或身份证件号；xueji student list 列出全部）。")
    return student_id


def cmd_list(args: argparse.Namespace) -> int:
    from ..records.edits import student_rows
    from ..school import find_class

    with open_store(args) as store:
        class_id = None
        if args.class_code:
            cls = find_class(store, args.class_code)
            if cls is None:
                raise BadInput(f"班级“{args.class_code}”不存在：请填写班号（如 2009101）或班级名称。")
            class_id = cls.id
        rows = student_rows(store, class_id=class_id, status=args.status)
    return print_rows(args, rows, lambda r: (
        f"{r['student_id']:>6}  {r['class']}  {r['name']}  {r['gender']}  {r['birth_date']}  {r['id_number']}"
        f"  {r['enrolment']}  {r['status']}" + ("  县级已审核" if r["county_accepted"] else "")),
        footer=f"共 {len(rows)} 名学生。")


def cmd_show(args: argparse.Namespace) -> int:
    from ..records.edits import shown_record

    with open_store(args) as store:
        shown = shown_record(store, _student_id(store, args.student))
    if args.json:
        print_json(shown)
        return 0
    print(f"{shown['name']}（编号 {shown['student_id']}，{shown['class']}，学籍状态：{shown['enrolment']}，"
          f"信息状态：{shown['status']}{'，县级已审核' if shown['county_accepted'] else ''}）")
    for label, value in shown["fields"].items():
        print(f"  {label}：{value}")
    for i, m in enumerate(shown["members"]):
        print(f"  家庭成员{i + 1}：" + "，".join(f"{k} {v}" for k, v in m.items()))
    for issue in shown["issues"]:
        print(f"  {'错误' if issue['severity'] == 'error' else '警告'}：{issue['message']}")
    return 0


def cmd_set(args: argparse.Namespace) -> int:
    from ..records.edits import parse_assignments, set_fields

    assignments = parse_assignments(args.assignments)
    with open_store(args) as store:
        student_id = _student_id(store, args.student)
        issues = set_fields(store, student_id, assignments)
    errors = [i for i in issues if i.severity == "error"]
    print(f"已保存（{'、'.join(ref.label for ref, _ in assignments)}）。" +
          (f"仍有 {len(errors)} 个错误，记录为待修正：" if errors else ""))
    for i in issues:
        print(f"  {'错误' if i.severity == 'error' else '警告'}：{i.message}")
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    from ..records.changes import read_evidence
    from ..records.deletion import delete_student

    evidence = read_evidence(args.evidence)
    with open_store(args) as store:
        done = delete_student(store, _student_id(store, args.student), reason=args.reason, evidence=evidence,
                              reason_kind=args.kind)
    if done.deleted:
        print(f"已删除 {done.name}（县级未审核过的记录；审计日志保留了删除人、时间、原因和原有信息）。")
    else:
        print(f"{done.name} 的学籍已由县级审核通过：已提交删除学籍申请 #{done.change_id}，待主管领导审核"
              "（xueji change approve），再随下次上报数据包由县级审核；县级通过后删除。")
    return 0
