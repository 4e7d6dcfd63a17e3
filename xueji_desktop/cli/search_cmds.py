"""``xueji find TEXT``: find a student by a part of the name, pinyin initials or ID-number digits (the
GUI's Ctrl+F 查找学生)."""

from __future__ import annotations

import json

from .common import add_db_args, open_store


def register(sub) -> None:
    p = sub.add_parser("find", help="查找学生：姓名的一部分、姓名拼音首字母（如 zxx）或身份证件号中的数字")
    add_db_args(p)
    p.add_argument("text")
    p.add_argument("--limit", type=int, default=30)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_find)


def cmd_find(args) -> int:
    from ..records.search import find_students

    with open_store(args) as store:
        hits = find_students(store.conn, args.text, args.limit)
    if args.json:
        print(json.dumps([h.as_dict() for h in hits], ensure_ascii=False, indent=1))
    else:
        for h in hits:
            print(f"{h.student_id}\t{h.name}\t{h.class_name}\t{h.id_number}\t{h.status_name}")
        if not hits:
            print(f"没有找到与“{args.text}”匹配的学生。")
    return 0 if hits else 1
