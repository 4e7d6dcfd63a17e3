"""Helpers shared by CLI command modules: --db/--user options, passwords, progress, JSON output."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import XuejiError
from ..paths import default_db_path
from ..progress import TextProgress


def add_db_args(parser: argparse.ArgumentParser, *, user: bool = True) -> None:
    parser.add_argument("--db", type=Path, default=None,
                        help="数据文件路径（默认：环境变量 XUEJI_DB 或用户数据目录下的 school.xjdb）")
    if user:
        parser.add_argument("--user", default=os.environ.get("XUEJI_USER", "admin"),
                            help="用户名（默认：环境变量 XUEJI_USER 或 admin）")


def db_path(args) -> Path:
    return args.db if args.db is not None else default_db_path()


def password(prompt: str = "密码：", env: str = "XUEJI_PASSWORD", confirm: bool = False) -> str:
    value = os.environ.get(env)
    if value is not None:
        return value
    if not sys.stdin or not sys.stdin.isatty():
        raise XuejiError(f"需要密码：请在终端中运行，或设置环境变量 {env}。")
    value = getpass.getpass(prompt)
    if confirm and getpass.getpass("再次输入：") != value:
        raise XuejiError("两次输入的密码不一致。")
    return value


def open_store(args):
    from ..storage import Store

    return Store.open(db_path(args), args.user, password())


def print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def run_with_progress(func: Callable[..., Any], *a, **kw) -> Any:
    """Run ``func(..., progress=p)`` with a text progress bar; Ctrl+C (or SIGTERM) cancels cleanly."""
    progress = TextProgress()

    def _cancel(signum, frame):
        progress.cancel()

    old = signal.signal(signal.SIGINT, _cancel)
    try:
        return func(*a, progress=progress, **kw)
    finally:
        signal.signal(signal.SIGINT, old)


def print_recovery(recovery: str) -> None:
    print("\n恢复密钥（只显示这一次，请打印或抄写后妥善保管；忘记密码时用它重置）：")
    print(f"    {recovery}\n")


def print_fingerprint(fp: str) -> None:
    print("\n本单位签名密钥指纹（请电话逐组读给县级核对）：")
    print(f"    {fp}\n")
