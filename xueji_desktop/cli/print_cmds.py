"""``xueji print-forms`` and ``xueji print-roster``: collection forms, blank forms and class rosters as PDF.

The pages are laid out by the Qt-free core (``xueji_desktop.printing``) and drawn by the one
renderer the GUI's preview and printer also use (``xueji_desktop.ui.print_render``, QPdfWriter).
That renderer is Qt, so it is imported lazily inside the command functions: importing this module
(``xueji --help``, the other commands) never loads Qt, and the core stays Qt-free.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import XuejiError
from .common import add_db_args, open_store, run_with_progress


def register(sub) -> None:
    forms = sub.add_parser("print-forms", help="打印学生基本信息采集表（PDF，每名学生一页）",
                           description="把一个班或选定学生的学生基本信息采集表（2022修订版）输出为 PDF，每名学生一页，"
                                       "已填信息预先印好，供家长核对签字；--blank 输出空白表。")
    add_db_args(forms)
    which = forms.add_mutually_exclusive_group(required=True)
    which.add_argument("--class", dest="class_text", metavar="班号", help="班号（如 2009101）或班级名称")
    which.add_argument("--students", metavar="ID,ID", help="学生编号或身份证件号，逗号分隔")
    which.add_argument("--blank", action="store_true", help="空白采集表（印有本校名称）")
    forms.add_argument("--out", type=Path, required=True, help="输出的 PDF 文件")
    forms.set_defaults(func=_print_forms)

    roster = sub.add_parser("print-roster", help="打印班级学生信息确认名单（PDF）",
                            description="班级学生信息确认名单：姓名、性别、出生日期、身份证件号、监护人、联系电话、家长签字栏。")
    add_db_args(roster)
    rwhich = roster.add_mutually_exclusive_group(required=True)
    rwhich.add_argument("--class", dest="class_text", metavar="班号", help="班号（如 2009101）或班级名称")
    rwhich.add_argument("--students", metavar="ID,ID", help="学生编号或身份证件号，逗号分隔")
    roster.add_argument("--out", type=Path, required=True, help="输出的 PDF 文件")
    roster.add_argument("--mask", action="store_true", default=True,
                        help="隐去身份证件号和电话号码的中间位数（默认即隐去）")
    roster.add_argument("--no-mask", dest="mask", action="store_false",
                        help="印出完整的身份证件号和电话（仅学籍管理员、主管领导；名单不得带出学校）")
    roster.set_defaults(func=_print_roster)

    proof = sub.add_parser("print-proof", help="打印无身份证号学生在校就读证明表（PDF，每名学生一页）",
                           description="为国籍为中国、没有身份证件号的学生打印《无身份证号学生在校就读证明表》，"
                                       "签字盖章后报送县级学籍主管部门；默认打印全校需要的学生。")
    add_db_args(proof)
    pwhich = proof.add_mutually_exclusive_group()
    pwhich.add_argument("--class", dest="class_text", metavar="班号", help="只打印该班需要的学生")
    pwhich.add_argument("--students", metavar="ID,ID", help="学生编号或身份证件号，逗号分隔")
    proof.add_argument("--out", type=Path, required=True, help="输出的 PDF 文件")
    proof.set_defaults(func=_print_proof)


def _check_out(path: Path) -> None:
    if path.suffix.lower() != ".pdf":
        raise XuejiError(f"输出文件应以 .pdf 结尾：{path}")
    if not path.parent.exists():
        raise XuejiError(f"输出文件夹不存在：{path.parent}。请先创建或换一个位置。")


def _selection(conn, args: argparse.Namespace):
    from ..printing.batch import Selection, parse_student_tokens

    if getattr(args, "students", None):
        return Selection(student_ids=parse_student_tokens(conn, args.students))
    return Selection(class_text=getattr(args, "class_text", None) or "")


def _run(args: argparse.Namespace, kind: str, mask: bool = False) -> int:
    from ..printing.batch import Selection, check_print_allowed, pages_for, record_print
    from ..ui.print_render import write_pdf  # lazy: Qt is loaded only when a PDF is actually drawn

    _check_out(args.out)
    with open_store(args) as store:
        check_print_allowed(store, kind, mask)
        selection = _selection(store.conn, args) if kind != "blank" else Selection()

        def job(progress):
            total, pages = pages_for(store.conn, kind, selection, mask, progress=None)
            return write_pdf(pages, args.out, total, progress, title=_title(kind))

        count = run_with_progress(job)
        record_print(store, kind, selection, count, f"PDF {args.out.name}", mask)
    print(f"已生成 {args.out}（{count} 页）", file=sys.stdout)
    return 0


def _title(kind: str) -> str:
    from ..printing.batch import KINDS

    return KINDS[kind]


def _print_forms(args: argparse.Namespace) -> int:
    return _run(args, "blank" if args.blank else "form")


def _print_roster(args: argparse.Namespace) -> int:
    return _run(args, "roster", mask=args.mask)


def _print_proof(args: argparse.Namespace) -> int:
    return _run(args, "proof")
