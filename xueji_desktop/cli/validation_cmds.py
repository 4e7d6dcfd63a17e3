"""CLI: ``xueji check-id``, ``xueji check-excel`` (no database) and ``xueji confirm-warning``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import XuejiError
from .common import add_db_args, open_store, print_json, run_with_progress


def register(sub) -> None:
    """Add this area's sub-commands to ``sub`` (an argparse subparsers object)."""
    p = sub.add_parser("check-id", help="检查一个身份证件号（退出码 0 有效，1 无效）",
                       description="检查身份证件号：有效时输出规范化后的号码（15 位旧号码升级为 18 位），"
                                   "无效时输出原因。")
    p.add_argument("number", help="证件号码")
    p.add_argument("--type", dest="id_type", default="1",
                   help="身份证件类型代码或名称（默认 1 居民身份证；6 香港、7 澳门、8 台湾、A 护照、Z 其他…）")
    p.set_defaults(func=cmd_check_id)

    p = sub.add_parser("check-excel", help="检查学籍 Excel 文件（不需要数据文件）",
                       description="按 2022 采集表规则检查 Excel 中每一行，列出错误和警告（行号为 Excel 行号）。")
    p.add_argument("file", type=Path, help=".xlsx 文件（与 import-excel 读取方式相同）")
    p.add_argument("--json", action="store_true",
                   help="以 JSON 输出 {rows, issues:[{row, column, field, severity, code, message}]}")
    p.set_defaults(func=cmd_check_excel)

    p = sub.add_parser("confirm-warning", help="确认学生的一条警告（记录确认人，写入审计日志）",
                       description="确认后该警告不再计入“有警告”状态；错误不能确认，只能修正。")
    add_db_args(p)
    p.add_argument("student_id", type=int, help="学生编号")
    p.add_argument("field", help="警告所在字段，如 birth_date 或 members.0.relation")
    p.add_argument("code", help="警告代码，如 birth_date.age_for_grade")
    p.set_defaults(func=cmd_confirm_warning)

    p = sub.add_parser("fill", help="批量填写一项（如导入的表格缺少某列后补填国籍、家长户口地址）",
                       description="为选中的学生（默认全部在校生）填写同一个值，只填空白项（--overwrite 覆盖已有值）。"
                                   "姓名、性别、出生日期、证件等关键项和班级不能批量填写。一次事务：出错或取消时数据不变。")
    add_db_args(p)
    p.add_argument("field", help="字段：名称或代码，如 国籍/地区、nationality、家庭成员1户口所在地具体地址、"
                                 "members.0.household_address")
    p.add_argument("value", help="要填写的值，与表格中的写法相同（如 中国、汉族、是）")
    p.add_argument("--class", dest="class_text", help="只填这个班（班号或班级名称）")
    p.add_argument("--status", choices=["pending", "warning", "ok"], help="只填这种状态的学生（pending 待修正）")
    p.add_argument("--overwrite", action="store_true", help="覆盖已有的值（默认只填空白）")
    p.set_defaults(func=cmd_fill)


def cmd_check_id(args: argparse.Namespace) -> int:
    from ..validation.ids import check_id
    from ..validation.normalize import normalize_value
    from ..validation.spec import load_spec

    id_type, issue = normalize_value(load_spec().student_by_key["id_type"], args.id_type)
    if issue is not None:
        raise XuejiError(f"--type {args.id_type}：{issue.message}")
    number, note = normalize_value(load_spec().student_by_key["id_number"], args.number)
    if not number:
        print("身份证件号为空。")
        return 1
    if note is not None and note.severity == "error":
        print(note.message)
        return 1
    result = check_id(str(number), str(id_type))
    errors = [i for i in result.issues if i.severity == "error"]
    if errors:
        for i in errors:
            print(i.message)
        return 1
    print(result.number)
    for i in [note, *result.issues]:
        if i is not None:
            print(f"警告：{i.message}", file=sys.stderr)
    return 0


def cmd_check_excel(args: argparse.Namespace) -> int:
    from ..excel.check import check_workbook

    report = run_with_progress(check_workbook, args.file)
    if args.json:
        print_json(report)
    else:
        errors = sum(1 for i in report["issues"] if i["severity"] == "error")
        warnings = len(report["issues"]) - errors
        for i in report["issues"]:
            kind = "错误" if i["severity"] == "error" else "警告"
            column = f"「{i['column']}」" if i["column"] else ""
            sheet = f"工作表“{i['sheet']}” " if report["sheets"] else ""
            print(f"{sheet}第 {i['row']} 行{column} {kind}：{i['message']}")
        if report["missing_columns"]:
            print("文件缺少必填列（这些项需在程序中补填）：" + "、".join(report["missing_columns"]))
        if report["unknown_headers"]:
            print("未识别的列（已忽略）：" + "、".join(
                f"{h}（最接近：{report['unknown_nearest'][h]}）" if h in report["unknown_nearest"] else h
                for h in report["unknown_headers"]))
        sheets = f"{len(report['sheets'])} 个工作表，" if report["sheets"] else ""
        print(f"共 {sheets}{report['rows']} 行：{errors} 个错误，{warnings} 个警告。")
    return 1 if any(i["severity"] == "error" for i in report["issues"]) else 0


def cmd_fill(args: argparse.Namespace) -> int:
    from ..records.bulk_fill import canonical_value, fill_field
    from ..school import find_class

    _, label = canonical_value(args.field, args.value)  # a wrong field or value: say so before opening anything
    store = open_store(args)
    try:
        sql, params = "SELECT id FROM students WHERE enrolment = 'enrolled'", []
        if args.class_text:
            cls = find_class(store, args.class_text)
            if cls is None:
                raise XuejiError(f"找不到班级“{args.class_text}”：请填写班号（如 2026101）或班级名称。")
            sql, params = sql + " AND class_id = ?", [*params, cls.id]
        if args.status:
            sql, params = sql + " AND status = ?", [*params, args.status]
        ids = [r[0] for r in store.conn.execute(sql + " ORDER BY id", params)]
        result = run_with_progress(fill_field, store, ids, args.field, args.value, overwrite=args.overwrite)
    finally:
        store.close()
    print(result.summary(label))
    return 0


def cmd_confirm_warning(args: argparse.Namespace) -> int:
    from ..validation.confirm import confirm_warning

    store = open_store(args)
    try:
        with store.transaction() as tx:
            status = confirm_warning(tx, args.student_id, args.field, args.code)
    finally:
        store.close()
    print(f"已确认。学生状态：{ {'ok': '正常', 'warning': '有警告', 'pending': '待修正'}[status] }")
    return 0
