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


def unit_of(conn) -> tuple[str, str]:
    """(code, description) of the unit a store belongs to: the school's 学校标识码, or the county's (city's)
    region code; ('', '未设置单位') before either is set."""
    meta = dict(conn.execute("SELECT key, value FROM meta WHERE key IN ('mode', 'level', 'county_code',"
                             " 'county_name')").fetchall())
    if meta.get("mode") == "county":
        level = "地市" if meta.get("level") == "city" else "县级"
        code = meta.get("county_code", "")
        return code, f"{level}单位 {code}{meta.get('county_name', '')}"
    row = conn.execute("SELECT code, name FROM school").fetchone()
    return (row[0], f"学校 {row[0]}{row[1]}") if row else ("", "未设置单位")


def _current_unit(db_path: Path, username: str, password: str) -> tuple[str, str] | None:
    """The unit of the file about to be replaced, or None when these credentials cannot open it."""
    if not db_path.exists() or not keyring_path(db_path).exists():
        return None
    try:
        ring = Keyring.load(keyring_path(db_path))
        conn = connect(db_path, ring.unlock(username, password))
    except XuejiError:
        return None
    try:
        return unit_of(conn)
    finally:
        conn.close()


def restore(backup: Path, db_path: Path, username: str, password: str, *,
            allow_other_unit: bool = False) -> Path | None:
    """Replace ``db_path`` by a verified backup. The current file (if any) is kept as ``*.before-restore``.

    The password must open the backup, so a stranger's backup cannot be slipped in. A backup of another unit
    (another school or county) is refused unless ``allow_other_unit``: restoring a school's backup onto the
    county's file would silently turn the county into that school. When the current file cannot be opened
    with the same user and password (so its unit cannot be checked), the backup is refused the same way.
    """
    backup, db_path = Path(backup), Path(db_path)
    ring = Keyring.load(keyring_path(backup))
    key = ring.unlock(username, password)
    conn = connect(backup, key)
    row = None
    try:
        ok, detail = integrity_ok(conn)
        backup_unit = unit_of(conn) if ok else ("", "")
        if ok:
            row = conn.execute("SELECT roles FROM users WHERE username = ? AND active = 1", (username,)).fetchone()
    finally:
        conn.close()
    if not ok:
        raise XuejiError(f"备份文件已损坏，未恢复：{detail}")
    if row is None or not set(row[0].split(",")) & {"sysadmin", "clerk"}:
        raise PermissionDenied("恢复备份会替换整个数据文件，需要系统管理员或学籍管理员账号。")
    if db_path.exists() and not allow_other_unit:
        current = _current_unit(db_path, username, password)
        if current is None:
            raise BadInput(f"这是{backup_unit[1]}的备份；用这个用户名和密码打不开当前数据文件 {db_path.name}，"
                           "无法核对它属于哪个单位，未恢复。确认要用这份备份替换它，请加 --allow-other-unit。")
        if current[0] != backup_unit[0]:
            raise BadInput(f"这是{backup_unit[1]}的备份，而当前数据文件属于{current[1]}，未恢复。"
                           "确需用其他单位的备份替换当前数据，请加 --allow-other-unit。")
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
