"""招生入学 commands. School: `xueji plan show|request`, `xueji admissions list|accept|add`,
`xueji import-preschool FILE`. County (under `xueji county`): `county plan set|list|requests|decide`,
`county admissions template|import|duplicates|keep`."""

from __future__ import annotations

from pathlib import Path

from ..errors import BadInput
from .common import add_db_args, open_store, print_json


def register(sub) -> None:
    plan = sub.add_parser("plan", help="招生计划：show 查看县级下达的计划 | request 申请变更（随上报包上报县级）")
    psub = plan.add_subparsers(dest="plan_command", metavar="ACTION", required=True)
    p = psub.add_parser("show", help="本校招生计划、已招人数、待录取人数、剩余名额，以及计划变更申请")
    add_db_args(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_plan_show)
    p = psub.add_parser("request", help="申请变更招生计划数（县级审核，结果随反馈包下发）")
    add_db_args(p)
    p.add_argument("--count", type=int, required=True, help="申请的计划人数")
    p.add_argument("--reason", required=True)
    p.add_argument("--stage", type=int, default=1, choices=[1, 2, 3])
    p.add_argument("--year", type=int, help="招生年份（默认下一学年）")
    p.set_defaults(func=cmd_plan_request)

    adm = sub.add_parser("admissions", help="招生名单：list | accept 录取入班 | add 自主招生")
    asub = adm.add_subparsers(dest="admissions_command", metavar="ACTION", required=True)
    p = asub.add_parser("list", help="县级下发的招生名单及录取状态")
    add_db_args(p)
    p.add_argument("--year", type=int)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_list)
    p = asub.add_parser("accept", help="把名单中的学生录取到班级（按身份证件号或名单序号），建立学籍")
    add_db_args(p)
    p.add_argument("ids", nargs="+", metavar="ID", help="身份证件号或名单序号")
    p.add_argument("--class", dest="class_code", required=True, help="班号或班级名称")
    p.add_argument("--accept-valid", action="store_true",
                   help="有不能录取的学生时（逐个说明原因），仍录取其余的；不加则一个也不录取")
    p.add_argument("--age-exception", default="", metavar="理由",
                   help="未达县级规定入学年龄而经批准提前入学时填写理由（记入日志，随上报包报县级）；不填则按年龄规则拒绝")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_accept)
    p = asub.add_parser("add", help="自主招生：在招生计划内新建一名学生的学籍")
    add_db_args(p)
    p.add_argument("--class", dest="class_code", required=True, help="班号或班级名称")
    p.add_argument("--name", required=True)
    p.add_argument("--gender", help="男 / 女（有身份证号时可省略）")
    p.add_argument("--birth-date", help="出生日期（有身份证号时可省略）")
    p.add_argument("--id-number", default="")
    p.add_argument("--ethnicity", help="民族，如 汉族")
    p.add_argument("--set", action="append", default=[], metavar="字段=值",
                   help="其他字段（字段名或中文名，可多次），如 --set 户口所在地=140106 --set 成员1姓名=王刚")
    p.add_argument("--age-exception", default="", metavar="理由",
                   help="未达县级规定入学年龄而经批准提前入学时填写理由（记入日志，随上报包报县级）；不填则按年龄规则拒绝")
    p.set_defaults(func=cmd_add)

    p = sub.add_parser("import-preschool", help="小学新生注册：导入学前调档名单（xlsx）为一年级新生学籍")
    add_db_args(p)
    p.add_argument("file", type=Path)
    p.add_argument("--class", dest="class_code", required=True, help="一年级班号或班级名称")
    p.add_argument("--accept-valid", action="store_true", help="有不能注册的行时，仍导入其余的行")
    p.add_argument("--age-exception", default="", metavar="理由",
                   help="未达县级规定入学年龄而经批准提前入学时填写理由（记入日志，随上报包报县级）；不填则按年龄规则拒绝")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_import_preschool)


def register_county(csub) -> None:
    plan = csub.add_parser("plan", help="招生计划：set | list | requests | decide")
    psub = plan.add_subparsers(dest="county_plan_command", metavar="ACTION", required=True)
    p = psub.add_parser("set", help="设置学校某学段某年的招生计划数（随初始化包、反馈包下发）")
    add_db_args(p)
    p.add_argument("school", metavar="SCHOOL_CODE")
    p.add_argument("--stage", type=int, required=True, choices=[1, 2, 3])
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--count", type=int, required=True)
    p.set_defaults(func=cmd_county_plan_set)
    p = psub.add_parser("list", help="各校招生计划与名单已录取人数")
    add_db_args(p)
    p.add_argument("--year", type=int)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_county_plan_list)
    p = psub.add_parser("requests", help="学校提交的招生计划变更申请")
    add_db_args(p)
    p.add_argument("--undecided", action="store_true")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_county_plan_requests)
    p = psub.add_parser("decide", help="审核计划变更申请：--approve（计划随之变更）或 --reject --reason …")
    add_db_args(p)
    p.add_argument("school", metavar="SCHOOL_CODE")
    p.add_argument("request_id", type=int)
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--approve", action="store_true")
    g.add_argument("--reject", action="store_true")
    p.add_argument("--reason", default="")
    p.set_defaults(func=cmd_county_plan_decide)

    adm = csub.add_parser("admissions", help="招生结果：template | import | duplicates | keep")
    asub = adm.add_subparsers(dest="county_admissions_command", metavar="ACTION", required=True)
    p = asub.add_parser("template", help="写出招生结果模板（xlsx）")
    add_db_args(p)
    p.add_argument("--out", type=Path, required=True)
    p.set_defaults(func=cmd_county_template)
    p = asub.add_parser("import", help="导入填好的招生结果名单（逐行检查；有问题时不导入，除非 --accept-valid）")
    add_db_args(p)
    p.add_argument("file", type=Path)
    p.add_argument("--accept-valid", action="store_true", help="有问题的行不导入，其余的行导入")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_county_import)
    p = asub.add_parser("duplicates", help="重复招生查重：同一身份证件号被两所以上学校录取")
    add_db_args(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_county_duplicates)
    p = asub.add_parser("keep", help="处理重复招生：保留在一所学校，其他学校的录取撤销")
    add_db_args(p)
    p.add_argument("id_number", metavar="身份证件号")
    p.add_argument("--school", required=True, metavar="SCHOOL_CODE", help="保留录取的学校")
    p.set_defaults(func=cmd_county_keep)


# ---- school --------------------------------------------------------------------------------------------

def cmd_plan_show(args) -> int:
    from ..records import admissions

    with open_store(args) as store:
        plans = [p.to_dict() for p in admissions.plans(store.conn)]
        requests = admissions.plan_requests(store.conn)
    if args.json:
        print_json({"plans": plans, "requests": requests})
        return 0
    if not plans:
        print("还没有县级下达的招生计划（随初始化包或反馈包下发）。")
    for p in plans:
        print(f"{p['year']} 年{p['stage_name']}：计划 {p['plan']} 人，已招 {p['enrolled']} 人，名单待录取 "
              f"{p['offered']} 人，剩余 {p['left']} 人")
    for r in requests:
        print(f"计划变更申请 #{r['request_id']}：{r['year']} 年 学段{r['stage']} 申请 {r['count']} 人（{r['reason']}）"
              f"— {r['decision_name']}{'：' + r['decision_reason'] if r['decision_reason'] else ''}")
    return 0


def cmd_plan_request(args) -> int:
    from ..records.admissions import request_plan_change

    with open_store(args) as store:
        rid = request_plan_change(store, args.count, args.reason, stage=args.stage, year=args.year)
    print(f"已提交招生计划变更申请 #{rid}，将随下一次上报数据包交县级审核。")
    return 0


def cmd_list(args) -> int:
    from ..records.admissions import admission_list

    with open_store(args) as store:
        rows = admission_list(store.conn, year=args.year)
    if args.json:
        print_json(rows)
        return 0
    if not rows:
        print("没有招生名单（县级的招生名单随反馈包下发：xueji import-feedback PKG）。")
    for r in rows:
        placed = f" → {r['class_code']} 学籍号 {r['student_number']}" if r["class_code"] else ""
        print(f"{r['id']:>5}  {r['year']} {r['stage_name']}  {r['name']}  {r['id_number'] or '（无身份证件号）'}  "
              f"{r['state_name']}{placed}")
    return 0


def cmd_accept(args) -> int:
    from ..records.admissions import RowsRefused, accept
    from .common import run_with_progress

    with open_store(args) as store:
        try:
            result = run_with_progress(accept, store, args.ids, args.class_code, accept_valid=args.accept_valid,
                                       age_exception=args.age_exception)
        except RowsRefused as exc:
            if args.json:
                print_json(exc.result.to_dict())
            raise
    if args.json:
        print_json(result.to_dict())
        return 0
    print(f"已录取 {len(result.accepted)} 名新生到 {result.class_code}：")
    for a in result.accepted:
        print(f"  {a['name']}  学籍号 {a['student_number'] or '（补全出生日期后分配）'}")
    for r in result.refused:
        print(f"  未录取 {r['name']}（序号 {r['admission_id']}）：{r['message']}")
    return 0


def cmd_add(args) -> int:
    from ..excel.columns import match_header
    from ..records.admissions import add_self_admitted, typed_record

    raw: dict = {"name": args.name, "gender": args.gender, "birth_date": args.birth_date,
                 "id_number": args.id_number, "ethnicity": args.ethnicity}
    members: list[dict] = [{}, {}]
    for item in args.set:
        key, sep, value = item.partition("=")
        col = match_header(key.strip())
        if not sep or col is None or col.field is None:
            raise BadInput(f"--set {item}：没有这个字段（写成 字段名=值，字段名如 户口所在地、成员1姓名）。")
        (raw if col.member is None else members[col.member])[col.key] = value.strip()
    record = typed_record({**raw, "members": members})
    with open_store(args) as store:
        sid = add_self_admitted(store, record, args.class_code, age_exception=args.age_exception)
        number = store.query("SELECT student_number, status FROM students WHERE id = ?", (sid,))[0]
    state = "，记录还有错误待修正" if number[1] == "pending" else ""
    print(f"已自主招生：{args.name}（学生编号 {sid}，学籍号 {number[0] or '待补全出生日期'}）{state}。")
    return 0


def cmd_import_preschool(args) -> int:
    from ..records.admissions import RowsRefused
    from ..records.preschool import import_preschool
    from .common import run_with_progress

    with open_store(args) as store:
        try:
            result = run_with_progress(import_preschool, store, args.file, args.class_code,
                                       accept_valid=args.accept_valid, age_exception=args.age_exception)
        except RowsRefused as exc:
            if args.json:
                print_json(exc.result.to_dict())
            raise
    if args.json:
        print_json(result.to_dict())
        return 0
    print(f"已注册 {result.imported} 名一年级新生到 {result.class_code}"
          + (f"，其中 {result.pending} 名有错误待修正" if result.pending else "") + "。")
    for r in result.refused:
        print(f"  未导入 第{r['row']}行 {r['name']}：{r['message']}")
    return 0


# ---- county ----------------------------------------------------------------------------------------------

def cmd_county_plan_set(args) -> int:
    from ..county.admissions import set_plan

    with open_store(args) as store:
        set_plan(store, args.school, args.stage, args.year, args.count)
    print(f"已设置 {args.school} {args.year} 年学段 {args.stage} 招生计划 {args.count} 人（随反馈包下发）。")
    return 0


def cmd_county_plan_list(args) -> int:
    from ..county.admissions import list_plans

    with open_store(args) as store:
        rows = list_plans(store, args.year)
    if args.json:
        print_json(rows)
        return 0
    for r in rows:
        print(f"{r['school_code']} {r['school_name']}  {r['year']} {r['stage_name']}  计划 {r['count']}  "
              f"名单已录取 {r['admitted']}")
    return 0


def cmd_county_plan_requests(args) -> int:
    from ..county.admissions import list_plan_requests

    with open_store(args) as store:
        rows = list_plan_requests(store, undecided_only=args.undecided)
    if args.json:
        print_json(rows)
        return 0
    if not rows:
        print("没有招生计划变更申请。")
    for r in rows:
        print(f"{r['school_code']} {r['school_name']} #{r['request_id']}  {r['year']} 学段{r['stage']}  "
              f"{r['current']} → {r['count']} 人  理由：{r['reason']}  {r['decision'] or '待审核'}")
    return 0


def cmd_county_plan_decide(args) -> int:
    from ..county.admissions import decide_plan_request

    with open_store(args) as store:
        decide_plan_request(store, args.school, args.request_id, args.approve, args.reason)
    print("已审核，结果随下一次反馈包下发学校。")
    return 0


def cmd_county_template(args) -> int:
    from ..county.admissions import write_template
    from ..county.workspace import require_county_level

    with open_store(args) as store:  # a county's template: its store says it is one, and who may write it
        require_county_level(store, "admissions")
        store.require("clerk", "leader")
        path = write_template(args.out)
    print(f"已写出招生结果模板：{path}")
    return 0


def cmd_county_import(args) -> int:
    from ..county.admissions import import_list

    with open_store(args) as store:
        result = import_list(store, args.file, accept_valid=args.accept_valid)
    if args.json:
        print_json(result.to_dict())
    else:
        for p in result.problems:
            print(f"第{p['row']}行 {p['name']}：{p['message']}")
        if result.problems and not args.accept_valid:
            print(f"{len(result.problems)} 行有问题，未导入任何记录。"
                  "改正后重新导入，或加 --accept-valid 只导入其余的行。")
        else:
            refused = f"，{len(result.problems)} 行未导入" if result.problems else ""
            held = (f"；有 {result.duplicates} 名学生被多所学校录取（xueji county admissions duplicates），"
                    "处理前不会下发") if result.duplicates else ""
            print(f"已导入 {result.imported} 条录取记录{refused}{held}。")
    return 1 if result.problems and not args.accept_valid else 0


def cmd_county_duplicates(args) -> int:
    from ..county.admissions import duplicates

    with open_store(args) as store:
        groups = duplicates(store)
    if args.json:
        print_json(groups)
        return 0
    if not groups:
        print("没有重复招生。")
    for g in groups:
        schools = "、".join(f"{a['school_code']}{a['school_name']}" for a in g["admissions"])
        print(f"{g['name']} {g['id_number']}：被 {schools} 录取（xueji county admissions keep {g['id_number']}"
              " --school 学校标识码）")
    return 0


def cmd_county_keep(args) -> int:
    from ..county.admissions import keep_admission

    with open_store(args) as store:
        n = keep_admission(store, args.id_number, args.school)
    print(f"已保留在 {args.school}，撤销其他 {n} 所学校的录取（随反馈包告知学校）。")
    return 0
