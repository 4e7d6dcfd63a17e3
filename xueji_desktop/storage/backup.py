"""Encrypted backups: ``VACUUM INTO`` (the copy stays encrypted under the same key), verified before
we report success; restore; and rolling automatic backups."""

from __future__ import annotations

import os
import shutil
from datetime import datetime
from pathlib import Path

from ..errors import BadInput, PermissionDenied, XuejiError
from .connection import connect, integrity_ok
from .keyring import Keyring, keyring_path

DEFAULT_AUTO_BACKUPS = 7


def backup_target(store, out: Path | str) -> Path:
    """The backup file ``out`` names. A folder — one that exists, a path ending in a separator (``D:\\备份\\``,
    ``backups/``) or a name without a file extension — gets a dated file inside it (the folder is created);
    anything else is the file itself."""
    raw = str(out)
    out = Path(out)
    if out.is_dir() or raw.endswith(("/", os.sep)) or (not out.exists() and not out.suffix):
        return out / f"{store.path.stem}_{datetime.now():%Y%m%d-%H%M%S}.xjdb"
    return out


def write_backup(store, out: Path | str) -> Path:
    target = backup_target(store, out)
    if target.exists():
        raise BadInput(f"备份文件已存在：{target}")
    created = [p for p in (target.parent, *target.parent.parents) if not p.exists()]
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        return _write_verified(store, target)
    except BaseException:
        for folder in created:  # innermost first: leave no empty folder behind a failed backup
            try:
                folder.rmdir()
            except OSError:
                break
        raise


def _write_verified(store, target: Path) -> Path:
    tmp = target.with_name(target.name + ".partial")
    tmp.unlink(missing_ok=True)
    # Its own plain connection: the whole file is copied and counted even when the signed-in account is a
    # class teacher, whose connection shows only its classes (access.py; VACUUM INTO also refuses its views).
    source = connect(store.path, store._key)
    try:
        source.execute("VACUUM INTO ?", (str(tmp),))
        check = connect(tmp, store._key)
        try:
            ok, detail = integrity_ok(check)
            counts_src = _counts(source)
            counts_dst = _counts(check)
        finally:
            check.close()
        if not ok or counts_src != counts_dst:
            raise XuejiError(f"备份校验失败，未生成备份：{detail}")
        os.replace(tmp, target)
        shutil.copyfile(keyring_path(store.path), keyring_path(target))
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise XuejiError(f"写入备份失败（磁盘已满或无写权限？）：{exc.strerror or exc}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        source.close()
    return target


def _counts(conn) -> dict[str, int]:
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


def restore(backup: Path, db_path: Path, username: str, password: str) -> Path | None:
    """Replace ``db_path`` by a verified backup. The current file (if any) is kept as ``*.before-restore``.

    The password must open the backup, so a stranger's backup cannot be slipped in.
    """
    backup, db_path = Path(backup), Path(db_path)
    ring = Keyring.load(keyring_path(backup))
    key = ring.unlock(username, password)
    conn = connect(backup, key)
    row = None
    try:
        ok, detail = integrity_ok(conn)
        if ok:
            row = conn.execute("SELECT roles FROM users WHERE username = ? AND active = 1", (username,)).fetchone()
    finally:
        conn.close()
    if not ok:
        raise XuejiError(f"备份文件已损坏，未恢复：{detail}")
    if row is None or not set(row[0].split(",")) & {"sysadmin", "clerk"}:
        raise PermissionDenied("恢复备份会替换整个数据文件，需要系统管理员或学籍管理员账号。")
    kept = None
    if db_path.exists():
        kept = db_path.with_name(db_path.name + f".before-restore-{datetime.now():%Y%m%d-%H%M%S}")
        os.replace(db_path, kept)
        if keyring_path(db_path).exists():
            os.replace(keyring_path(db_path), keyring_path(kept))
    for suffix in ("-wal", "-shm"):
        Path(str(db_path) + suffix).unlink(missing_ok=True)
    tmp = db_path.with_name(db_path.name + ".restoring")
    shutil.copyfile(backup, tmp)
    os.replace(tmp, db_path)
    shutil.copyfile(keyring_path(backup), keyring_path(db_path))
    return kept


def auto_backup(store, folder: Path, keep: int = DEFAULT_AUTO_BACKUPS) -> Path:
    """Rolling backup: write a new one into ``folder`` and delete all but the newest ``keep``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = write_backup(store, folder / f"auto_{datetime.now():%Y%m%d-%H%M%S-%f}.xjdb")
    backups = sorted(folder.glob("auto_*.xjdb"))
    for old in backups[:-keep] if keep > 0 else []:
        old.unlink(missing_ok=True)
        keyring_path(old).unlink(missing_ok=True)
    return path
