"""``xueji``: the command-line front end over the same core as the GUI.

Each area registers its sub-commands from its own module (``register(subparsers)``),
so adding a command never touches the others. Every command takes ``--db``;
the password comes from a prompt or from ``XUEJI_PASSWORD`` for scripts.
Exit codes: 0 ok, 1 the checked thing is invalid / the operation was refused, 2 usage or file error.
"""

from __future__ import annotations

import argparse
import os
import sys
from importlib import import_module

from .. import __version__
from ..errors import Cancelled, XuejiError
from ..storage.connection import DatabaseError, damaged_message, is_damage
from .common import db_path

# One module per area, each with register(subparsers). Keep in this order for `xueji --help`.
COMMAND_MODULES = [
    "xueji_desktop.cli.store_cmds",
    "xueji_desktop.cli.school_cmds",
    "xueji_desktop.cli.search_cmds",
    "xueji_desktop.cli.validation_cmds",
    "xueji_desktop.cli.student_cmds",
    "xueji_desktop.cli.excel_cmds",
    "xueji_desktop.cli.photo_cmds",
    "xueji_desktop.cli.package_cmds",
    "xueji_desktop.cli.county_cmds",
    "xueji_desktop.cli.status_cmds",
    "xueji_desktop.cli.transfer_cmds",
    "xueji_desktop.cli.admission_cmds",
    "xueji_desktop.cli.print_cmds",
    "xueji_desktop.cli.role_cmds",
    "xueji_desktop.cli.selftest_cmds",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="xueji", description="学籍信息采集离线客户端（命令行）")
    parser.add_argument("--version", action="version", version=f"xueji-desktop {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    _utf8_stdio()
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        result = args.func(args)
        sys.stdout.flush()  # a closed pipe shows here, inside the try, not at interpreter exit
    except Cancelled as exc:
        print(f"已取消：{exc}", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print("\n已取消，数据未改变。", file=sys.stderr)
        return 130
    except XuejiError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return _pipe_closed()
    except DatabaseError as exc:
        if not is_damage(exc):
            raise
        print(f"错误：{damaged_message(db_path(args) if hasattr(args, 'db') else '', str(exc))}", file=sys.stderr)
        return 2
    return int(result or 0)


def _pipe_closed() -> int:
    """The reader of our output went away (``xueji … | head -1``): say so once, exit 1, and point stdout at
    nothing so that Python's own flush at exit cannot fail again with a traceback."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
    print("输出管道已关闭（如 | head），其余输出未显示。", file=sys.stderr)
    return 1


def _utf8_stdio() -> None:
    # Windows consoles default to a legacy code page; Chinese messages must not crash the CLI.
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(encoding="utf-8", errors="replace")
        except (AttributeError, ValueError):
            pass


if __name__ == "__main__":
    sys.exit(main())
