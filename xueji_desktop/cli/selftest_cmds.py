"""``xueji self-test``: the headless smoke run of :mod:`xueji_desktop.selftest` (also ``xueji-desktop --self-test``)."""

from __future__ import annotations

import argparse
import sys


def register(sub) -> None:
    p = sub.add_parser("self-test", help="自检：在临时文件中走一遍加密存储、校验、导入、照片、数据包、打印",
                       description="在临时文件夹中运行自检，逐项打印结果和用时；全部通过时退出码为 0。"
                                   "不读写用户数据。")
    add_selftest_args(p)
    p.set_defaults(func=_cmd_self_test)


def add_selftest_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--allow-missing", action="store_true",
                        help="尚未合并的功能记为“未包含”而不算失败（仅供开发中的构建使用）")


def _cmd_self_test(args) -> int:
    return run_self_test_cli(allow_missing=args.allow_missing)


def run_self_test_cli(argv: list[str] | None = None, *, allow_missing: bool | None = None) -> int:
    """Print each step (✓/✗/– and timing) and a summary; 0 only when the run passed.

    Also the body of ``xueji-desktop --self-test``, which passes its own argv.
    """
    from ..selftest import environment_lines, run_self_test

    if allow_missing is None:
        parser = argparse.ArgumentParser(prog="xueji-desktop --self-test")
        parser.add_argument("--self-test", action="store_true")
        add_selftest_args(parser)
        args, _rest = parser.parse_known_args(argv if argv is not None else sys.argv[1:])
        allow_missing = args.allow_missing
    _ensure_console()
    for line in environment_lines():
        print(line, flush=True)
    report = run_self_test(allow_missing=allow_missing, report=lambda r: print(r.line(), flush=True))
    print(report.summary(), flush=True)
    return 0 if report.passed else 1


def _ensure_console() -> None:
    """A windowed Windows executable starts without stdout: attach to the console it was started from."""
    if sys.stdout is not None and sys.stderr is not None:
        return
    if sys.platform == "win32":
        import ctypes

        if ctypes.windll.kernel32.AttachConsole(-1):  # ATTACH_PARENT_PROCESS
            sys.stdout = open("CONOUT$", "w", encoding="utf-8", errors="replace")
            sys.stderr = sys.stdout
            return
    import os

    # No console at all (double-clicked): results still decide the exit code; the text goes nowhere.
    sys.stdout = sys.stderr = open(os.devnull, "w", encoding="utf-8")
