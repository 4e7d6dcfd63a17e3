"""CLI: ``xueji template``, ``xueji export-excel``, ``xueji import-excel`` (``--request-key-changes``,
``--dry-run``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from .common import add_db_args, open_store, print_json, run_with_progress


def register(sub) -> None:
    p = sub.add_parser("template", help="导出空白 Excel 采集模板（.xlsx，必填列红色，含下拉列表）")
    p.add_argument("--out", type=Path, required=True, help="输出文件，如 学生信息模板.xlsx")
    p.set_defaults(func=cmd_template)

    p = sub.add_parser("export-excel", help="把本校学生导出为 Excel 模板格式（可原样再导入）；"
                                            "给校外单位的数据须按已批准的导出申请导出（--request）",
                       description="不带 --request：学籍管理员本人工作用的导出（在 Excel 中修正后重新导入），记录用途；"
                                   "--mask：隐去身份证件号和电话的中间位数，无需申请；"
                                   "--request ID：按已批准的导出申请，"
                                   "只导出申请的字段和学生，另附一页写明申请。")
    add_db_args(p)
    p.add_argument("--out", type=Path, required=True, help="输出文件 .xlsx")
    p.add_argument("--class", dest="classes", action="append", default=None, metavar="班号",
                   help="只导出该班（可重复）；默认全校")
    p.add_argument("--request", type=int, default=None, metavar="ID", help="按已批准的导出申请导出（依申请导出）")
    p.add_argument("--mask", action="store_true", help="隐去身份证件号和电话号码的中间位数")
    p.add_argument("--purpose", default=None, help="本次导出的用途（记入操作日志）")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("import-excel", help="从 Excel 导入学生（整体一个事务；有错的行标为待修正）")
    add_db_args(p)
    p.add_argument("file", type=Path, help="要导入的 Excel 文件（.xlsx 或 .xls）")
    p.add_argument("--report", type=Path, default=None,
                   help="写出错误报告：输入文件的副本，错误单元格标红并加批注，另有汇总表")
    p.add_argument("--create-classes", action="store_true",
                   help="文件中写到、本校还没有的班级（班号或“小学2020级(1)班”等能确定的写法）在同一次导入中先建立")
    p.add_argument("--json", action="store_true", help="以 JSON 输出结果")
    p.add_argument("--dry-run", action="store_true",
                   help="预检：完整执行一次导入（含班额、新生注册时间、受控字段、只读学籍等全部规则），然后全部撤销，"
                        "输出正式导入将得到的结果；数据不变（不提交关键字段变更申请）")
    p.add_argument("--request-key-changes", action="store_true",
                   help="表中与县级已审核记录不同的受控字段（姓名、身份证件号……）导入时保持原值；加此项则为每名"
                        "这样的学生提交“关键字段变更”申请（须同时给出 --evidence）")
    p.add_argument("--evidence", type=Path, nargs="+", default=[], metavar="FILE",
                   help="关键字段变更申请的证明材料（户口簿、身份证扫描件等）")
    p.set_defaults(func=cmd_import)


def cmd_template(args: argparse.Namespace) -> int:
    from ..excel.template import write_template

    write_template(args.out)
    print(f"已写出模板：{args.out}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from ..errors import BadInput
    from ..excel.template import WORKING_PURPOSE, export_students
    from ..school import find_class

    if args.request is not None:
        if args.classes or args.mask:
            raise BadInput("按导出申请导出时，字段和学生范围由申请决定：请不要同时使用 --class 或 --mask。")
        from ..export_requests import export_by_request

        with open_store(args) as store:
            count = run_with_progress(export_by_request, store, args.request, args.out)
        print(f"已按导出申请 {args.request} 导出 {count} 名学生：{args.out}")
        return 0
    with open_store(args) as store:
        class_ids = None
        if args.classes:
            class_ids = []
            for text in args.classes:
                cls = find_class(store, text)
                if cls is None:
                    raise BadInput(f"班级“{text}”不存在：请填写班号（如 2009101）或班级名称（如 小学2009级(1)班）。")
                class_ids.append(cls.id)
        count = run_with_progress(export_students, store, args.out, class_ids=class_ids, mask=args.mask,
                                  purpose=args.purpose or WORKING_PURPOSE)
    print(f"已导出 {count} 名学生：{args.out}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from ..errors import BadInput
    from ..excel.columns import unknown_nearest
    from ..excel.importer import import_workbook, request_key_changes
    from ..records.changes import read_evidence

    evidence = []
    if args.request_key_changes:
        if not args.evidence:
            raise BadInput("--request-key-changes 须同时用 --evidence 给出证明材料（如户口簿、身份证扫描件）。")
        evidence = read_evidence(args.evidence)  # before importing: a missing file changes nothing
    elif args.evidence:
        raise BadInput("--evidence 只与 --request-key-changes 一起使用。")
    with open_store(args) as store:
        store.require("clerk")
        result = run_with_progress(import_workbook, store, args.file, report=args.report,
                                   create_classes=args.create_classes, dry_run=args.dry_run)
        if args.request_key_changes and not args.dry_run:
            request_key_changes(store, result, evidence)
    if args.json:
        print_json({"dry_run": result.dry_run, "file": result.file, "sheet": result.sheet,
                    "header_row": result.header_row,
                    "rows": result.rows, "inserted": result.inserted, "updated": result.updated,
                    "unchanged": result.unchanged, "ok": result.ok, "warning": result.warning,
                    "pending": result.pending, "unknown_headers": result.unknown_headers,
                    "unknown_nearest": unknown_nearest(result.unknown_headers),
                    "missing_columns": result.missing_columns,
                    "kept_cells": [k.to_dict() for k in result.kept_cells],
                    "refused_rows": [r.to_dict() for r in result.refused_rows],
                    "key_change_requests": result.key_change_requests,
                    "missing_classes": result.missing_classes, "created_classes": result.created_classes,
                    "numbers_kept": result.numbers_kept,
                    "ignored_numbers": [n.to_dict() for n in result.ignored_numbers],
                    "partial_sheets": [p.to_dict() for p in result.partial_sheets],
                    "report": result.report})
    else:
        print(result.summary())
        if args.dry_run and args.request_key_changes and result.kept_cells:
            students = len({k.student_id for k in result.kept_cells})
            print(f"预检不提交关键字段变更申请：正式导入时将为 {students} 名学生提交。")
        for p in result.bad_rows[:20]:
            for issue in p.issues:
                print(f"  第{p.row + 1}行 {p.record.get('name', '')}：{issue.message}")
        if len(result.bad_rows) > 20:
            print(f"  ……另有 {len(result.bad_rows) - 20} 行有问题" + ("，详见错误报告。" if result.report else
                                                                  "，用 --report 生成错误报告查看全部。"))
    return 0
