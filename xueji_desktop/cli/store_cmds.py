"""Store commands: init, demo, info, user, backup, restore, audit."""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import BadInput, XuejiError
from ..paths import user_data_dir
from .common import add_db_args, db_path, open_store, password, print_json


def register(sub) -> None:
    p = sub.add_parser("init", help="创建新的加密数据文件（学校或县级）")
    add_db_args(p)
    p.add_argument("--display-name", default="", help="用户显示名")
    p.add_argument("--mode", choices=["school", "county"], default="school", help="学校端或县级端")
    p.add_argument("--school-code", help="10 位学校标识码")
    p.add_argument("--school-name", help="学校名称")
    p.add_argument("--region-code", help="12 位统计用区划代码")
    p.add_argument("--address", default="", help="学校地址")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("demo", help="创建演示学校（若干年级、班级、几百名合成学生及照片）")
    add_db_args(p)
    p.add_argument("--students-per-class", type=int, default=30)
    p.add_argument("--classes-per-grade", type=int, default=2)
    p.add_argument("--seed", type=int, default=2022)
    p.add_argument("--no-photos", action="store_true")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("info", help="显示数据文件概况")
    add_db_args(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_info)

    user = sub.add_parser("user", help="用户管理：add | passwd | list | remove")
    usub = user.add_subparsers(dest="user_command", metavar="ACTION", required=True)
    p = usub.add_parser("add", help="添加用户（新密码取自 XUEJI_NEW_PASSWORD 或提示输入）")
    add_db_args(p)
    p.add_argument("username")
    p.add_argument("--role", required=True,
                   help="clerk(学籍管理员)、leader(主管领导)、sysadmin(系统管理员)、teacher(班主任)，可逗号分隔")
    p.add_argument("--class", dest="classes", default="", metavar="班号[,班号]",
                   help="班主任负责的班级（--role teacher 时必填）")
    p.add_argument("--display-name", default="")
    p.set_defaults(func=cmd_user_add)
    p = usub.add_parser("set-classes", help="修改班主任负责的班级")
    add_db_args(p)
    p.add_argument("username")
    p.add_argument("--class", dest="classes", required=True, metavar="班号[,班号]")
    p.set_defaults(func=cmd_user_set_classes)
    p = usub.add_parser("passwd", help="修改密码；加 --recovery-key 用恢复密钥重置")
    add_db_args(p)
    p.add_argument("username", nargs="?")
    p.add_argument("--recovery-key", help="初始化时打印的恢复密钥（也可设 XUEJI_RECOVERY_KEY）")
    p.set_defaults(func=cmd_user_passwd)
    p = usub.add_parser("list", help="列出用户")
    add_db_args(p)
    p.set_defaults(func=cmd_user_list)
    p = usub.add_parser("remove", help="删除用户")
    add_db_args(p)
    p.add_argument("username")
    p.set_defaults(func=cmd_user_remove)

    p = sub.add_parser("backup", help="写出加密备份并校验")
    add_db_args(p)
    p.add_argument("--out", help="备份文件（.xjdb）或文件夹（已有的、以 / 结尾的或不带扩展名的；不存在时创建）"
                                 "（默认：数据目录下 backups/）")
    p.add_argument("--auto", action="store_true", help="滚动自动备份：只保留最近 N 份（设置 auto_backup_count）")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help="用备份替换数据文件（原文件保留为 .before-restore）")
    add_db_args(p)
    p.add_argument("backup", type=Path)
    p.add_argument("--allow-other-unit", action="store_true",
                   help="允许用其他学校或县区（单位代码不同）的备份替换当前数据文件")
    p.set_defaults(func=cmd_restore)

    audit = sub.add_parser("audit", help="操作日志：verify | list")
    asub = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    p = asub.add_parser("verify", help="校验日志哈希链是否被改动")
    add_db_args(p)
    p.set_defaults(func=cmd_audit_verify)
    p = asub.add_parser("list", help="显示最近的日志（本地时间；同一次批量操作合为一条）")
    add_db_args(p)
    p.add_argument("--limit", type=int, default=50, help="最多显示的条数（一次批量操作算一条）")
    p.add_argument("--by", metavar="USERNAME", help="只看该用户的操作")
    p.add_argument("--action", help="只看该操作，如 修改学生")
    p.add_argument("--text", help="学生姓名、记录编号或修改内容中的文字")
    p.add_argument("--since", metavar="YYYY-MM-DD", help="自该日起")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_audit_list)

    p = sub.add_parser("settings", help="查看或修改设置（如 auto_backup_count）")
    add_db_args(p)
    p.add_argument("key", nargs="?")
    p.add_argument("value", nargs="?")
    p.set_defaults(func=cmd_settings)


def _print_recovery(recovery: str) -> None:
    print("\n恢复密钥（只显示这一次，请打印或抄写后妥善保管；忘记密码时用它重置）：")
    print(f"    {recovery}\n")


def cmd_init(args) -> int:
    from ..storage import Store

    path = db_path(args)
    school = None
    if args.mode == "school" and (args.school_code or args.school_name or args.region_code):
        school = {"code": args.school_code or "", "name": args.school_name or "",
                  "region_code": args.region_code or "", "address": args.address}
    store, recovery = Store.create(path, username=args.user, password=password("新密码：", confirm=True),
                                   display_name=args.display_name, school=school, mode=args.mode)
    store.close()
    print(f"已创建数据文件：{path}（用户 {args.user}）")
    _print_recovery(recovery)
    return 0


def cmd_demo(args) -> int:
    from ..demo import create_demo_store
    from .common import run_with_progress

    path = db_path(args)
    pw = os.environ.get("XUEJI_PASSWORD", "demo123")
    store, recovery = run_with_progress(
        create_demo_store, path, username=args.user, password=pw,
        students_per_class=args.students_per_class, classes_per_grade=args.classes_per_grade,
        seed=args.seed, photos=not args.no_photos)
    n = store.query("SELECT count(*) FROM students")[0][0]
    store.close()
    shown = "（XUEJI_PASSWORD）" if "XUEJI_PASSWORD" in os.environ else pw
    print(f"已创建演示学校：{path}，{n} 名学生。用户 {args.user} / leader，密码 {shown}")
    _print_recovery(recovery)
    return 0


def info_dict(store) -> dict:
    from .. import __version__
    from ..school import get_school_profile
    from ..storage.schema import current_version

    q = store.query
    return {
        "file": str(store.path),
        "size_bytes": store.path.stat().st_size,
        "mode": store.mode,
        "schema_version": current_version(store.conn),
        "tool_version": __version__,
        "sqlcipher": q("PRAGMA cipher_version")[0][0],
        "school": get_school_profile(store),
        "classes": q("SELECT count(*) FROM classes")[0][0],
        "students": q("SELECT count(*) FROM students")[0][0],
        "students_by_status": dict(q("SELECT status, count(*) FROM students GROUP BY status")),
        "family_members": q("SELECT count(*) FROM family_members")[0][0],
        "photos": q("SELECT count(*) FROM photos")[0][0],
        "users": [{"username": u.username, "roles": sorted(u.roles), "display_name": u.display_name}
                  for u in store.list_users()],
        "audit_entries": q("SELECT count(*) FROM audit_log")[0][0],
        "signed_in_as": store.user.username,
        **_county_info(store),
    }


def _county_info(store) -> dict:
    """A county (or city) file's counts live in its county tables, not in the school's."""
    if store.mode != "county":
        return {}
    from ..county.stats import county_summary

    summary = county_summary(store)
    return {"students": summary["students"], "students_by_status": summary["students_by_status"],
            "photos": summary["photos"], "county": summary}


def cmd_info(args) -> int:
    from ..records.students import STATUS_NAMES

    with open_store(args) as store:
        store.require_intact()  # every page read: a damaged page nothing below touches still shows
        info = info_dict(store)
        info["integrity"] = "ok"
    if args.json:
        print_json(info)
        return 0
    school = info["school"] or {}
    side = ("地市级" if info.get("county", {}).get("level") == "city" else "县级") if info["mode"] == "county" \
        else "学校"
    print(f"数据文件：{info['file']}（{info['size_bytes'] / 1e6:.1f} MB，{side}端，"
          f"结构版本 {info['schema_version']}，SQLCipher {info['sqlcipher']}）")
    if school:
        print(f"学校：{school.get('code')} {school.get('name')}（区划 {school.get('region_code')}）")
    status = "，".join(f"{STATUS_NAMES.get(k, k)} {v}" for k, v in sorted(info["students_by_status"].items()))
    if "county" in info:
        _print_county(info["county"])
        print(f"数据状态：{status or '无'}；照片 {info['photos']} 张")
    else:
        print(f"班级 {info['classes']} 个；学生 {info['students']} 名（{status or '无'}）；"
              f"家庭成员 {info['family_members']} 条；照片 {info['photos']} 张")
    print("用户：" + "；".join(f"{u['username']}（{','.join(u['roles'])}）" for u in info["users"]))
    print(f"操作日志 {info['audit_entries']} 条；完整性检查通过")
    return 0


def _print_county(c: dict) -> None:
    unit = c["unit"]
    level = "地市" if c["level"] == "city" else "县（区）"
    print(f"{level}：{unit.get('code')} {unit.get('name')}（{unit.get('city_code')} {unit.get('city_name')}）")
    states = "，".join(f"{k} {v}" for k, v in c["students_by_enrolment"].items())
    if "counties" in c:
        print(f"县（区） {c['counties']} 个（已上报 {c['reported_counties']} 个）")
    print(f"学校 {c['schools']} 所（已上报 {c['reported_schools']} 所）；学生 {c['students']} 名"
          f"（学籍状态：{states or '无'}）")
    kinds = "，".join(f"{k} {v} 组" for k, v in c["open_problems_by_kind"].items())
    print(f"未处理的问题学籍 {c['open_problems']} 组" + (f"（{kinds}）" if kinds else ""))
    n = c["nutrition"]
    if n["schools"]:
        missing = f"；未设补助标准：{'、'.join(n['missing_standards'])}" if n["missing_standards"] else ""
        if n.get("not_reported"):
            missing += f"；未上报营养计划：{'、'.join(n['not_reported'])}"
        print(f"营养改善计划：享受营养餐学校 {n['schools']} 所，在校学生 {n['students']} 名，"
              f"每学期补助 {n['subsidy']} 元{missing}")


def cmd_user_add(args) -> int:
    with open_store(args) as store:
        store.add_user(args.username, password("新用户的密码：", env="XUEJI_NEW_PASSWORD", confirm=True),
                       args.role, args.display_name, classes=args.classes)
    print(f"已添加用户 {args.username}。")
    return 0


def cmd_user_set_classes(args) -> int:
    with open_store(args) as store:
        store.set_user_classes(args.username, args.classes)
    print(f"已修改 {args.username} 负责的班级：{args.classes}。")
    return 0


def cmd_user_passwd(args) -> int:
    from ..storage import Store

    recovery = args.recovery_key or os.environ.get("XUEJI_RECOVERY_KEY")
    if recovery:
        if not args.username:
            raise BadInput("使用恢复密钥时请指定要重置密码的用户名。")
        store, _ = Store.open_with_recovery(db_path(args), recovery)
        with store:
            store.change_password(args.username, password("新密码：", env="XUEJI_NEW_PASSWORD", confirm=True))
        print(f"已用恢复密钥重置用户 {args.username} 的密码。")
        return 0
    target = args.username or args.user
    with open_store(args) as store:
        new = password("新密码：", env="XUEJI_NEW_PASSWORD", confirm=True)
        if target == store.user.username:
            store.change_password(target, new, old_password=password())
        else:
            store.change_password(target, new)
    print(f"已修改用户 {target} 的密码。")
    return 0


def cmd_user_list(args) -> int:
    from ..storage.store import ROLE_NAMES

    with open_store(args) as store:
        for u in store.list_users():
            roles = "、".join(ROLE_NAMES[r] for r in sorted(u.roles))
            classes = f"\t班级 {','.join(u.classes)}" if u.classes else ""
            print(f"{u.username}\t{u.display_name}\t{roles}{classes}")
    return 0


def cmd_user_remove(args) -> int:
    with open_store(args) as store:
        store.remove_user(args.username)
    print(f"已删除用户 {args.username}。")
    return 0


def cmd_backup(args) -> int:
    from ..storage.backup import DEFAULT_AUTO_BACKUPS, auto_backup

    with open_store(args) as store:
        if args.auto:
            keep = int(store.meta("auto_backup_count", str(DEFAULT_AUTO_BACKUPS)))
            folder = Path(args.out) if args.out else user_data_dir() / "backups"
            path = auto_backup(store, folder, keep)
        else:
            path = store.backup(args.out or (user_data_dir() / "backups"))
    print(f"已写出并校验加密备份：{path}")
    return 0


def cmd_restore(args) -> int:
    from ..storage.backup import restore, unit_of

    kept = restore(args.backup, db_path(args), args.user, password(), allow_other_unit=args.allow_other_unit)
    with open_store(args) as store:
        unit = unit_of(store.conn)[1]
    print(f"已从 {args.backup}（{unit}的备份）恢复到 {db_path(args)}。" + (f"原文件保留为 {kept}" if kept else ""))
    return 0


def cmd_audit_verify(args) -> int:
    from ..storage import audit

    with open_store(args) as store:
        store.require_intact()
        result = audit.verify(store.conn)
    if result.ok:
        print(f"日志完整：{result.entries} 条，哈希链无误。")
        return 0
    print(f"日志被改动过（共 {result.entries} 条）：")
    for p in result.problems:
        print(f"  - {p}")
    return 1


def cmd_audit_list(args) -> int:
    """The newest entries as the GUI shows them: local time, names, field labels, a batch as one entry."""
    import json

    from ..audit_view import describe

    with open_store(args) as store:
        store.require("sysadmin", "leader", "clerk")
        entries = describe(store.conn, args.limit, user=args.by or "", action=args.action or "",
                           text=args.text or "", since=args.since or "")
    if args.json:
        print(json.dumps(entries, ensure_ascii=False, indent=1))
        return 0
    for e in reversed(entries):
        print("\t".join((e["time"], e["user"], e["action"], f"{e['object']} {e['subject']}".strip(), e["details"])))
    return 0


SETTINGS = {"auto_backup_count": "自动备份保留份数"}


def cmd_settings(args) -> int:
    with open_store(args) as store:
        if args.key is None:
            for key, label in SETTINGS.items():
                print(f"{key}\t{store.meta(key, '')}\t{label}")
            return 0
        if args.key not in SETTINGS:
            raise XuejiError(f"未知设置：{args.key}。可用：{', '.join(SETTINGS)}")
        if args.value is None:
            print(store.meta(args.key, ""))
            return 0
        store.require("sysadmin")
        with store.transaction() as tx:
            store.set_meta(tx, args.key, args.value)
    return 0
