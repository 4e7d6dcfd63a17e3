"""Status changes (学籍异动), school year (roll-over, graduation) and class caps."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from ..errors import BadInput
from .common import add_db_args, open_store, print_json


def register(sub) -> None:
    change = sub.add_parser("change",
                            help="学籍异动：apply | request-key | approve | reject | withdraw | list | report")
    csub = change.add_subparsers(dest="change_command", metavar="ACTION", required=True)

    p = csub.add_parser("apply", help="申请异动（学籍管理员）")
    add_db_args(p)
    p.add_argument("student", help="学生编号或身份证件号")
    p.add_argument("kind",
                   help="转出、转入、休学、复学、出国、回国复学、留级、跳级、退学、辍学、开除、失踪、死亡、其他离校")
    p.add_argument("--date", required=True, help="生效日期 YYYY-MM-DD")
    p.add_argument("--reason", required=True)
    p.add_argument("--evidence", type=Path, nargs="*", default=[], help="证明材料扫描件（加密保存在数据文件中）")
    p.add_argument("--target-class", help="留级/跳级转入的班号")
    p.set_defaults(func=cmd_apply)

    p = csub.add_parser("request-key", help="申请关键字段变更（县级审核通过后的记录）")
    add_db_args(p)
    p.add_argument("student")
    p.add_argument("--set", dest="sets", action="append", required=True, metavar="FIELD=VALUE")
    p.add_argument("--reason", required=True)
    p.add_argument("--evidence", type=Path, nargs="+", required=True)
    p.set_defaults(func=cmd_request_key)

    for name, helptext in (("approve", "主管领导审核通过"), ("reject", "主管领导驳回（须填原因）"),
                           ("withdraw", "撤回未办结的申请"), ("county-approve", "录入县级审核通过（反馈包）"),
                           ("county-reject", "录入县级驳回（反馈包）")):
        p = csub.add_parser(name, help=helptext)
        add_db_args(p)
        p.add_argument("change_id", help="异动编号；转入学校的转学申请写作 T编号（如 T3）")
        p.add_argument("--reason", default="")
        p.set_defaults(func=cmd_decide, action=name)

    p = csub.add_parser("list", help="列出异动记录")
    add_db_args(p)
    p.add_argument("--open", action="store_true", help="只列未办结的")
    p.add_argument("--student")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_list)

    p = csub.add_parser("report", help="异动报表（默认本学年 9 月 16 日至次年 9 月 15 日）")
    add_db_args(p)
    p.add_argument("--year", type=int, help="学年起始年份")
    p.add_argument("--from", dest="start")
    p.add_argument("--to", dest="end")
    p.add_argument("--out", type=Path, help="导出 Excel")
    p.set_defaults(func=cmd_report)

    p = csub.add_parser("forbid", help="设置某学段不允许的异动类型（县级业务开关）")
    add_db_args(p)
    p.add_argument("--stage", type=int, required=True, choices=[1, 2, 3])
    p.add_argument("kinds", nargs="*")
    p.set_defaults(func=cmd_forbid)

    p = csub.add_parser("controlled-fields", help="设置受控字段（县级；修改须申请，随初始化包/反馈包下发）")
    add_db_args(p)
    p.add_argument("fields", nargs="*", help="字段名（如 nationality ethnicity）；国家规定的关键字段总是受控")
    p.set_defaults(func=cmd_controlled_fields)

    year = sub.add_parser("year", help="学年：rollover | graduate | revert-graduation")
    ysub = year.add_subparsers(dest="year_command", metavar="ACTION", required=True)
    p = ysub.add_parser("rollover", help="学年升级（8 月 1 日或之后），可同时新建一年级班级")
    add_db_args(p)
    p.add_argument("--date", help="视为今天的日期（默认今天）")
    p.add_argument("--new-classes", type=int, default=0, help="新学年一年级班级数")
    p.add_argument("--stage", type=int, default=1, choices=[1, 2, 3], help="新班级的学段")
    p.set_defaults(func=cmd_rollover)
    p = ysub.add_parser("graduate", help="毕业班办理毕业（登记毕业去向，之后基本信息冻结）")
    add_db_args(p)
    p.add_argument("--class", dest="class_code", required=True)
    p.add_argument("--destination", required=True, help="毕业去向")
    p.set_defaults(func=cmd_graduate)
    p = ysub.add_parser("revert-graduation", help="退回在校生（毕业操作有误时）")
    add_db_args(p)
    p.add_argument("students", nargs="+")
    p.add_argument("--reason", required=True)
    p.set_defaults(func=cmd_revert)

    caps = sub.add_parser("caps", help="班额上限：show | set")
    ksub = caps.add_subparsers(dest="caps_command", metavar="ACTION", required=True)
    p = ksub.add_parser("show")
    add_db_args(p)
    p.set_defaults(func=cmd_caps_show)
    p = ksub.add_parser("set")
    add_db_args(p)
    p.add_argument("--stage", type=int, required=True, choices=[1, 2, 3])
    p.add_argument("--cap", type=int, help="人数上限；省略则取消")
    p.add_argument("--county", action="store_true", help="设置县级上限（县级下发）")
    p.set_defaults(func=cmd_caps_set)


def _student_id(store, text: str) -> int:
    from ..records.students import resolve_student

    student_id = resolve_student(store.conn, text)
    if student_id is None:
        raise BadInput(f"找不到学生：{text}（可用学生编号或身份证件号）。")
    return student_id


def _class_id(store, code: str) -> int:
    from ..school import find_class

    info = find_class(store, code)
    if info is None:
        raise BadInput(f"找不到班级：{code}")
    return info.id


def cmd_apply(args) -> int:
    from ..records.changes import apply_change, read_evidence

    with open_store(args) as store:
        sid = _student_id(store, args.student)
        target = _class_id(store, args.target_class) if args.target_class else None
        cid = apply_change(store, sid, args.kind, effective_date=args.date, reason=args.reason,
                           evidence=read_evidence(args.evidence), target_class_id=target)
    print(f"已提交异动申请 #{cid}，待主管领导审核。")
    return 0


def cmd_request_key(args) -> int:
    from ..records.changes import read_evidence, request_key_field_change

    fields = {}
    for item in args.sets:
        if "=" not in item:
            raise BadInput(f"--set 应写成 字段=新值，如 name=张三：{item}")
        key, value = item.split("=", 1)
        fields[key.strip()] = value.strip()
    with open_store(args) as store:
        cid = request_key_field_change(store, _student_id(store, args.student), fields, reason=args.reason,
                                       evidence=read_evidence(args.evidence))
    print(f"已提交关键字段变更申请 #{cid}。")
    return 0


def cmd_decide(args) -> int:
    from ..records import changes as ch
    from ..records import transfers as tr

    if tr.is_transfer_ref(args.change_id):
        return _decide_transfer(args)
    if not str(args.change_id).isdigit():
        raise BadInput(f"异动编号“{args.change_id}”应为数字（转学申请写作 T 加数字，如 T3）。")
    args.change_id = int(args.change_id)
    with open_store(args) as store:
        if args.action == "withdraw":
            ch.withdraw(store, args.change_id)
            print(f"已撤回 #{args.change_id}。")
            return 0
        if args.action in ("approve", "reject"):
            change = ch.school_decide(store, args.change_id, args.action == "approve", args.reason)
        else:
            store.require("clerk")
            change = ch.county_decide(store, args.change_id, args.action == "county-approve", args.reason)
    print(f"#{change.id} {change.kind_name}：{change.status_name}")
    return 0


def _decide_transfer(args) -> int:
    """change approve|reject|withdraw T3: the receiving school's transfer request."""
    from ..records import transfers as tr

    tid = tr.transfer_ref_id(args.change_id)
    with open_store(args) as store:
        if args.action == "withdraw":
            t = tr.withdraw_request(store, tid, args.reason)
        elif args.action in ("approve", "reject"):
            t = tr.decide_request(store, tid, args.action == "approve", args.reason)
        else:
            raise BadInput("转学申请的县级审核随反馈包到达，不能在学校端录入。")
    print(f"{t.ref} 转入 {t.name}：{t.state_name}。下一步：{tr.next_step(t)}")
    return 0


def _change_dict(store, c) -> dict:
    name = store.query("SELECT name FROM students WHERE id = ?", (c.student_id,))
    return {"id": c.id, "student_id": c.student_id, "name": name[0][0] if name else "",
            "kind": c.kind, "kind_name": c.kind_name if c.kind != "graduate" else "毕业",
            "status": c.status, "status_name": c.status_name, "effective_date": c.effective_date,
            "reason": c.reason, "applied_by": c.applied_by, "decided_by": c.decided_by}


def cmd_list(args) -> int:
    from ..records.changes import list_changes
    from ..records.transfers import list_requests

    with open_store(args) as store:
        sid = _student_id(store, args.student) if args.student else None
        rows = [_change_dict(store, c) for c in list_changes(store, student_id=sid, open_only=args.open)]
        requests = [] if sid is not None else list_requests(store, open_only=args.open)
    if args.json:
        print_json(rows)
    else:
        for r in rows:
            print(f"#{r['id']}\t{r['name']}\t{r['kind_name']}\t{r['effective_date']}\t{r['status_name']}\t{r['reason']}")
        for t in requests:  # the receiving school's transfer requests (change approve T…; transfer list for more)
            print(f"{t.ref}\t{t.name}\t转入\t{t.effective_date}\t{t.state_name}\t{t.reason}")
    return 0


def cmd_report(args) -> int:
    from ..records.school_year import change_report, current_school_year, report_window, write_change_report

    with open_store(args) as store:
        start, end = report_window(args.year or current_school_year(store))
        rows = change_report(store, args.start or start, args.end or end)
    if args.out:
        write_change_report(rows, args.out)
        print(f"已导出 {len(rows)} 条异动到 {args.out}")
    else:
        for r in rows:
            print("\t".join(str(v) for v in r.values()))
    return 0


def cmd_forbid(args) -> int:
    from ..records.changes import set_forbidden_kinds

    with open_store(args) as store:
        set_forbidden_kinds(store, args.stage, args.kinds)
    print("已设置。")
    return 0


def cmd_controlled_fields(args) -> int:
    from ..records.changes import controlled_fields, set_controlled_fields

    with open_store(args) as store:
        if args.fields:
            set_controlled_fields(store, args.fields)
        print("受控字段：" + "、".join(controlled_fields(store)))
    return 0


def cmd_rollover(args) -> int:
    from ..records.school_year import rollover

    today = date.fromisoformat(args.date) if args.date else None
    with open_store(args) as store:
        result = rollover(store, today=today, new_classes={args.stage: args.new_classes} if args.new_classes else None)
    print(f"已升级到 {result.to_year}-{result.to_year + 1} 学年。" +
          (f"新建班级：{'、'.join(result.new_classes)}" if result.new_classes else ""))
    return 0


def cmd_graduate(args) -> int:
    from ..records.school_year import graduate_class

    with open_store(args) as store:
        result = graduate_class(store, _class_id(store, args.class_code), args.destination)
    print(f"已办理毕业 {result.graduated} 人" + (f"（{result.skipped_not_enrolled} 人不在校，未处理）"
                                              if result.skipped_not_enrolled else "") + "。")
    return 0


def cmd_revert(args) -> int:
    from ..records.school_year import revert_graduation

    with open_store(args) as store:
        n = revert_graduation(store, [_student_id(store, s) for s in args.students], args.reason)
    print(f"已退回在校生 {n} 人。")
    return 0


def cmd_caps_show(args) -> int:
    from ..records.school_year import class_cap
    from ..school import STAGES

    with open_store(args) as store:
        for stage, name in STAGES.items():
            cap, who = class_cap(store, stage)
            print(f"{name}\t{cap if cap else '未设置'}\t{who}")
    return 0


def cmd_caps_set(args) -> int:
    from ..records.school_year import set_class_cap

    with open_store(args) as store:
        set_class_cap(store, args.stage, args.cap, level="county" if args.county else "school")
    print("已设置。")
    return 0
