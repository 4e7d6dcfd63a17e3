"""Photo commands: check-photo, fix-photo, import-photos, export-photos, photo-status."""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import BadInput
from .common import add_db_args, open_store, print_json, print_rows, run_with_progress


def register(sub) -> None:
    p = sub.add_parser("check-photo", help="检查照片是否符合学籍照片要求（358×441、<60KB、浅蓝背景、人脸居中…）")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.add_argument("--json", action="store_true", help="以 JSON 输出每个文件的检查结果")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("fix-photo", help="修正照片：按人脸裁剪为 358×441、300dpi、<60KB 的 JPEG")
    p.add_argument("input", type=Path, metavar="IN")
    p.add_argument("output", type=Path, metavar="OUT")
    p.add_argument("--replace-background", action="store_true",
                   help="背景颜色不对（白、灰、其他蓝、室内）时抠出人物、换成标准浅蓝 RGB(67,142,219)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_fix)

    p = sub.add_parser("import-photos", help="按命名规则批量导入照片文件夹（存入加密数据文件）")
    add_db_args(p)
    p.add_argument("folder", type=Path)
    p.add_argument("--fix", action="store_true", help="不合格的照片先自动裁剪/转码再保存（不替换背景）")
    p.add_argument("--keep-originals", action="store_true",
                   help="未修正的照片按原文件保存（默认大于 100 万像素的缩小后保存，不把手机原图存进数据文件）")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("export-photos", help="按命名规则导出照片用于上报（按年级/班级分文件夹）")
    add_db_args(p)
    p.add_argument("out", type=Path, metavar="OUT")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("photo-status", help="每个学生的照片情况：无照片 / 未检查 / 合格 / 不合格")
    add_db_args(p)
    p.add_argument("--recheck", action="store_true", help="先重新检查所有已存照片（多核并行）")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_status)


def _check_one(path: str) -> dict:
    from ..photos.check import check_photo_file

    return check_photo_file(path).to_dict()


def cmd_check(args) -> int:
    from ..photos.parallel import parallel_map

    results = run_with_progress(parallel_map, _check_one, [str(f) for f in args.files], message="检查照片")
    if args.json:
        print_json(results if len(results) > 1 else results[0])
    else:
        for r in results:
            print(f"{r['file']}：{'合格' if r['ok'] else '不合格'}")
            for p in r["problems"]:
                print(f"  - [{'错误' if p['severity'] == 'error' else '提示'}] {p['message']}")
    return 0 if all(r["ok"] for r in results) else 1


def cmd_fix(args) -> int:
    from ..photos.check import check_photo_file
    from ..photos.fix import changes, fix_photo_file

    if args.input.resolve() == args.output.resolve():
        raise BadInput("输出文件不能与输入文件相同（避免覆盖原照片），请另选 OUT。")
    result = fix_photo_file(args.input, args.output, replace_background=args.replace_background)
    changed = changes(check_photo_file(args.input), result)
    if args.json:
        print_json({**result.check.to_dict(), "quality": result.quality, "notes": result.notes,
                    "background_replaced": result.background_replaced,
                    "can_replace_background": result.can_replace_background,
                    "attempts": result.attempts, "changes": changed})
        return 0 if result.check.ok else 1
    print(f"已写出 {args.output}（358×441，300 dpi，{len(result.jpeg) / 1000:.1f} KB，JPEG 质量 {result.quality}）")
    for line in changed:
        print(f"  {line}")
    for note in result.notes:
        print(f"  注意：{note}")
    if result.background_replaced:
        print("  背景已替换为标准浅蓝，请查看效果。")
    elif result.can_replace_background:
        print("  背景颜色不对：可加 --replace-background 换成标准浅蓝（请查看效果后再使用）。")
    if not result.check.ok:
        print("  修正后仍不合格：")
        for p in result.check.problems:
            if p.severity == "error":
                print(f"  - {p.message}")
    return 0 if result.check.ok else 1


def cmd_import(args) -> int:
    from ..photos.library import import_photos

    store = open_store(args)
    try:
        report = run_with_progress(import_photos, store, args.folder, fix=args.fix,
                                   keep_originals=args.keep_originals)
    finally:
        store.close()
    data = report.to_dict()
    if args.json:
        print_json(data)
    else:
        print(f"已导入 {data['imported']} 张照片（未变化 {data['unchanged']} 张）。")
        sections = [("不合格（已保存，请修正）", "failing_checks"), ("无法读取", "unreadable"),
                    ("未匹配到学生", "unmatched"), ("匹配到多个学生（未导入）", "ambiguous"),
                    ("同一学生有多个文件（未导入）", "duplicates"), ("仍无照片的学生", "students_without_photo")]
        for title, key in sections:
            if data[key]:
                print(f"{title}：{len(data[key])}")
                for item in data[key][:50]:
                    print(f"  - {item if isinstance(item, str) else ' '.join(map(_flat, item.values()))}")
    return 0


def _flat(value) -> str:
    return "、".join(value) if isinstance(value, list) else str(value)


def cmd_export(args) -> int:
    from ..photos.library import export_photos

    store = open_store(args)
    try:
        report = run_with_progress(export_photos, store, args.out)
    finally:
        store.close()
    data = report.to_dict()
    if args.json:
        print_json(data)
    else:
        print(f"已导出 {data['written']} 张照片到 {args.out}。")
        if data["failing_checks"]:
            print(f"其中 {len(data['failing_checks'])} 张不合格，上报前请修正。")
        if data["students_without_photo"]:
            print(f"{len(data['students_without_photo'])} 名学生没有照片。")
    return 0


def cmd_status(args) -> int:
    from ..photos.library import photo_overview, recheck_stored

    store = open_store(args)
    try:
        if args.recheck:
            changed = run_with_progress(recheck_stored, store)
            print(f"已重新检查，{changed} 名学生的检查结果有变化。", file=sys.stderr)
        rows = photo_overview(store)
    finally:
        store.close()
    return print_rows(args, rows, lambda r: f"{r['class_name']}\t{r['name']}\t{r['state']}\t{r['problems']}")
