"""The Store: an open, unlocked database plus the signed-in user.

All writes go through :meth:`Store.transaction`, which takes the write lock
(``BEGIN IMMEDIATE``), hands out a :class:`Tx` whose ``audit()`` appends to the
hash-chained log in the same transaction, and commits only if the block
finishes. An exception (including :class:`Cancelled`) or a killed process
leaves the file exactly as before.
"""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import (
    BadInput,
    Cancelled,
    DiskFull,
    PermissionDenied,
    StoreDamaged,
    StoreNotFound,
    WrongPassword,
    XuejiError,
)
from . import audit, schema
from .connection import PAGE_SIZE, DatabaseError, connect, damaged_message, integrity_ok, is_damage, quick_check
from .keyring import Keyring, keyring_path, new_database_key, new_recovery_key

SQLITE_FULL = 13  # sqlite3.h: the disk (or max_page_count) is full

ROLE_NAMES = {"clerk": "学籍管理员", "leader": "主管领导", "sysadmin": "系统管理员", "teacher": "班主任"}


def now_iso() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


@dataclass(frozen=True)
class User:
    username: str
    display_name: str = ""
    roles: frozenset[str] = field(default_factory=frozenset)
    classes: tuple[str, ...] = ()  # a class teacher's classes (班号)

    def has(self, role: str) -> bool:
        return role in self.roles

    @property
    def role_names(self) -> str:
        return "、".join(ROLE_NAMES[r] for r in sorted(self.roles) if r in ROLE_NAMES)


def parse_roles(text: str | list[str] | set[str]) -> frozenset[str]:
    items = text.split(",") if isinstance(text, str) else list(text)
    roles = frozenset(r.strip() for r in items if r.strip())
    unknown = roles - set(ROLE_NAMES)
    if unknown or not roles:
        raise BadInput(f"未知的角色：{', '.join(sorted(unknown)) or '（空）'}。可选：clerk(学籍管理员)、"
                       "leader(主管领导)、sysadmin(系统管理员)、teacher(班主任)。")
    return roles


class Tx:
    """Handle for one write transaction."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.conn = store.conn
        self.ts = now_iso()

    def execute(self, sql: str, params: Any = ()):
        return self.conn.execute(sql, params)

    def executemany(self, sql: str, rows):
        return self.conn.executemany(sql, rows)

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A part of the transaction that may fail alone (one child of a list): on a :class:`XuejiError` (not
        :class:`Cancelled`) its writes, audit entries included, are undone and the error re-raised for the caller
        to report; the rest of the transaction stands. Any other exception ends the whole transaction as usual."""
        self.conn.execute("SAVEPOINT part")
        try:
            yield
        except XuejiError as exc:
            if not isinstance(exc, Cancelled):
                self.conn.execute("ROLLBACK TO part")
                self.conn.execute("RELEASE part")
            raise
        self.conn.execute("RELEASE part")

    def audit(self, action: str, table: str = "", record_id: Any = "",
              changes: dict[str, Any] | None = None) -> None:
        audit.append(self.conn, ts=self.ts, username=self.store.user.username, action=action,
                     table=table, record_id=record_id, changes=changes)


class Store:
    def __init__(self, conn, path: Path, keyring: Keyring, user: User, key: bytes) -> None:
        self.conn = conn
        self.path = Path(path)
        self.keyring = keyring
        self.user = user
        self._key = key  # kept for backups and worker connections; never written anywhere
        self._lock = threading.RLock()

    # ---- creating and opening -----------------------------------------------
    @classmethod
    def create(cls, path: Path | str, *, username: str, password: str, display_name: str = "",
               roles: str | set[str] = "clerk,sysadmin", school: dict[str, Any] | None = None,
               mode: str = "school") -> tuple[Store, str]:
        """Create a new encrypted store; returns it and the one-time recovery key."""
        path = Path(path)
        if path.exists() or keyring_path(path).exists():
            raise XuejiError(f"文件已存在：{path}。如需重新初始化，请先备份并移走原文件。")
        _check_password(password)
        path.parent.mkdir(parents=True, exist_ok=True)
        key = new_database_key()
        recovery = new_recovery_key()
        ring = Keyring.new(keyring_path(path))
        ring.set_password(username, password, key)
        ring.set_recovery(recovery, key)
        conn = connect(path, key)
        try:
            schema.migrate(conn)
            user = User(username, display_name, parse_roles(roles))
            store = cls(conn, path, ring, user, key)
            with store.transaction() as tx:
                tx.execute("INSERT INTO meta (key, value) VALUES ('db_id', ?), ('mode', ?), ('created_at', ?)",
                           (ring.db_id, mode, tx.ts))
                tx.execute("INSERT INTO users (username, display_name, roles, created_at) VALUES (?, ?, ?, ?)",
                           (username, display_name, ",".join(sorted(user.roles)), tx.ts))
                tx.audit("创建数据文件", "users", username, {"roles": [None, ",".join(sorted(user.roles))]})
                if school:
                    from ..school import save_school_profile

                    save_school_profile(tx, school)
            ring.save()
        except BaseException:
            conn.close()
            for p in (path, keyring_path(path), Path(str(path) + "-wal"), Path(str(path) + "-shm")):
                p.unlink(missing_ok=True)
            raise
        return store, recovery

    @classmethod
    def open(cls, path: Path | str, username: str, password: str) -> Store:
        path = _existing_file(path)
        ring = Keyring.load(keyring_path(path))
        key = ring.unlock(username, password)
        return cls._open_with_key(path, ring, key, username)

    @classmethod
    def open_with_recovery(cls, path: Path | str, recovery_key: str) -> tuple[Store, list[str]]:
        """Unlock with the recovery key (as the 'recovery' pseudo-user, sysadmin only)."""
        path = _existing_file(path)
        ring = Keyring.load(keyring_path(path))
        key = ring.unlock_with_recovery(recovery_key)
        conn = connect(path, key)
        try:
            schema.migrate(conn)
        except DatabaseError as exc:
            conn.close()
            raise _damaged(path, exc) from None
        store = cls(conn, path, ring, User("recovery", "恢复密钥", frozenset({"sysadmin"})), key)
        return store, [u.username for u in store.list_users()]

    @classmethod
    def _open_with_key(cls, path: Path, ring: Keyring, key: bytes, username: str) -> Store:
        conn = connect(path, key)
        try:
            stored_id = _meta(conn, "db_id")
            if stored_id is not None and stored_id != ring.db_id:
                raise BadInput("密钥文件与数据文件不匹配（来自另一个数据文件）。")
            schema.migrate(conn)
            row = conn.execute("SELECT display_name, roles, active, classes FROM users WHERE username = ?",
                               (username,)).fetchone()
            if row is None and not quick_check(conn)[0]:  # the users table lost with a damaged page
                raise StoreDamaged(damaged_message(path, "用户表无法读取"))
            if row is None or not row[2]:
                raise WrongPassword("该用户已被停用或不存在。")
            user = User(username, row[0], parse_roles(row[1]), _class_list(row[3]))
            _scope(conn, user)
        except DatabaseError as exc:
            conn.close()
            raise _damaged(path, exc) from None
        except BaseException:
            conn.close()
            raise
        return cls(conn, path, ring, user, key)

    def reconnect(self):
        """A second connection to the same file (for worker threads/processes in this process)."""
        conn = connect(self.path, self._key, check_same_thread=False)
        _scope(conn, self.user)
        return conn

    def close(self) -> None:
        try:
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except Exception:
            pass
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---- transactions and permissions ----------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        with self._lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield Tx(self)
                self.conn.execute("COMMIT")
            except BaseException as exc:
                try:
                    self.conn.execute("ROLLBACK")
                except DatabaseError:
                    pass  # a failed COMMIT may have ended the transaction already
                if isinstance(exc, DatabaseError) and getattr(exc, "sqlite_errorcode", None) == SQLITE_FULL:
                    raise DiskFull(f"磁盘空间不足，本次操作没有保存，已全部撤销（数据文件 {self.path} 未改变）："
                                   "请清理该磁盘后重试。") from None
                if isinstance(exc, DatabaseError) and "because it is a view" in str(exc):
                    # a class teacher's connection shadows the student tables with read-only views (access.py)
                    raise PermissionDenied("班主任账号只能查看、打印、核对本班学生和提出修改建议，"
                                           "不能直接修改学籍数据：请把修改建议交给学籍管理员。") from None
                if isinstance(exc, DatabaseError):
                    raise _damaged(self.path, exc) from None
                raise

    def require(self, *roles: str) -> None:
        if not any(self.user.has(r) for r in roles):
            names = "或".join(ROLE_NAMES[r] for r in roles)
            raise PermissionDenied(f"当前用户（{self.user.role_names or '无角色'}）无权执行此操作，需要{names}角色。")

    # ---- small helpers --------------------------------------------------------
    def meta(self, key: str, default: str | None = None) -> str | None:
        value = _meta(self.conn, key)
        return default if value is None else value

    def set_meta(self, tx: Tx, key: str, value: str) -> None:
        old = self.meta(key)
        tx.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))
        if old != value:
            tx.audit("修改设置", "meta", key, {key: [old, value]})

    @property
    def mode(self) -> str:
        return self.meta("mode", "school") or "school"

    def query(self, sql: str, params: Any = ()) -> list[tuple]:
        return self.conn.execute(sql, params).fetchall()

    def query_dicts(self, sql: str, params: Any = ()) -> list[dict[str, Any]]:
        cur = self.conn.execute(sql, params)
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]

    # ---- users -----------------------------------------------------------------
    def list_users(self) -> list[User]:
        rows = self.query("SELECT username, display_name, roles, classes FROM users WHERE active = 1"
                          " ORDER BY username")
        return [User(u, d, parse_roles(r), _class_list(c)) for u, d, r, c in rows]

    def add_user(self, username: str, password: str, roles: str | set[str], display_name: str = "",
                 classes: str | list[str] = "") -> None:
        """Add an account; a class teacher (``teacher``) names the classes (班号) it is responsible for."""
        self.require("sysadmin")
        if not username or not username.replace("_", "").replace("-", "").replace(".", "").isalnum():
            raise BadInput("用户名只能包含字母、数字、下划线、连字符和点。")
        _check_password(password)
        role_set = parse_roles(roles)
        class_codes = self._teacher_classes(role_set, classes)
        existing = self.query("SELECT active FROM users WHERE username = ?", (username,))
        if existing and existing[0][0]:
            raise BadInput(f"用户 {username} 已存在。")
        with self.transaction() as tx:
            tx.execute("INSERT OR REPLACE INTO users (username, display_name, roles, active, created_at, classes)"
                       " VALUES (?, ?, ?, 1, ?, ?)",
                       (username, display_name, ",".join(sorted(role_set)), tx.ts, ",".join(class_codes)))
            changes = {"roles": [None, ",".join(sorted(role_set))]}
            if class_codes:
                changes["classes"] = [None, ",".join(class_codes)]
            tx.audit("添加用户", "users", username, changes)
            self.keyring.set_password(username, password, self._key)
            self.keyring.save()  # inside the tx: if saving the keyring fails, the user row rolls back

    def set_user_classes(self, username: str, classes: str | list[str]) -> None:
        """Change the classes a class teacher is responsible for (a new school year, a new class)."""
        self.require("sysadmin")
        row = self.conn.execute("SELECT roles, classes FROM users WHERE username = ? AND active = 1",
                                (username,)).fetchone()
        if row is None:
            raise BadInput(f"没有用户 {username}。")
        codes = self._teacher_classes(parse_roles(row[0]), classes)
        with self.transaction() as tx:
            tx.execute("UPDATE users SET classes = ? WHERE username = ?", (",".join(codes), username))
            tx.audit("修改班主任负责班级", "users", username, {"classes": [row[1], ",".join(codes)]})

    def _teacher_classes(self, roles: frozenset[str], classes: str | list[str]) -> tuple[str, ...]:
        from ..access import TEACHER, parse_class_codes

        codes = parse_class_codes(classes or "")
        if TEACHER not in roles:
            if codes:
                raise BadInput("只有班主任（teacher）账号需要指定班级：其他角色可查看全校。")
            return ()
        if not codes:
            raise BadInput("班主任账号需要指定负责的班级：--class 班号[,班号]（如 --class 2009101）。")
        known = {r[0] for r in self.conn.execute("SELECT class_code FROM classes")}
        missing = [c for c in codes if c not in known]
        if missing:
            raise BadInput(f"班级 {'、'.join(missing)} 不存在：请先在“年级班级”中建班，或检查班号。")
        return codes

    def remove_user(self, username: str) -> None:
        self.require("sysadmin")
        if username == self.user.username:
            raise BadInput("不能删除当前登录的用户。")
        if not self.query("SELECT 1 FROM users WHERE username = ? AND active = 1", (username,)):
            raise BadInput(f"没有用户 {username}。")
        admins = [u for u in self.list_users() if u.has("sysadmin") and u.username != username]
        if not admins:
            raise BadInput("至少要保留一个系统管理员。")
        with self.transaction() as tx:
            # The row stays (inactive) so the audit log keeps naming a known account.
            tx.execute("UPDATE users SET active = 0 WHERE username = ?", (username,))
            tx.audit("删除用户", "users", username, {"active": [1, 0]})
            self.keyring.remove_user(username)
            self.keyring.save()

    def change_password(self, username: str, new_password: str, old_password: str | None = None) -> None:
        """Own password needs the old one; a sysadmin (or the recovery key) may reset anyone's."""
        _check_password(new_password)
        if not self.query("SELECT 1 FROM users WHERE username = ? AND active = 1", (username,)):
            raise BadInput(f"没有用户 {username}。")
        if username == self.user.username and old_password is not None:
            self.keyring.unlock(username, old_password)  # raises WrongPassword
        else:
            self.require("sysadmin")
        with self.transaction() as tx:
            tx.audit("修改密码" if username == self.user.username else "重置密码", "users", username, {})
            self.keyring.set_password(username, new_password, self._key)
            self.keyring.save()

    # ---- backup -----------------------------------------------------------------
    def backup(self, target: Path | str) -> Path:
        """Write an encrypted copy (same key) plus its keyring, then open and check it."""
        from .backup import write_backup

        return write_backup(self, target)

    def integrity(self) -> tuple[bool, str]:
        return integrity_ok(self.conn)

    def require_intact(self) -> None:
        """Read every page (``PRAGMA quick_check``); StoreDamaged naming the file if any is damaged."""
        with self._lock:
            ok, detail = quick_check(self.conn)
        if not ok:
            raise StoreDamaged(damaged_message(self.path, detail))


def _existing_file(path: Path | str) -> Path:
    path = Path(path)
    # 0 bytes too: SQLite would take it for a new, empty database and write a schema into it.
    if path.is_file() and (path.stat().st_size % PAGE_SIZE or not path.stat().st_size):
        raise StoreDamaged(damaged_message(path))
    if path.is_dir():
        raise BadInput(f"{path} 是文件夹，不是数据文件：请用 --db 指定数据文件本身（如 {path / 'school.xjdb'}）。")
    if not path.exists():
        raise StoreNotFound(f"找不到数据文件：{path}")
    return path


def _damaged(path: Path, exc: BaseException) -> BaseException:
    """StoreDamaged for a database error that means damage; the error itself otherwise (a bug, not the file)."""
    return StoreDamaged(damaged_message(path, str(exc))) if is_damage(exc) else exc


def _class_list(text: str | None) -> tuple[str, ...]:
    return tuple(c for c in (text or "").split(",") if c)


def _scope(conn, user: User) -> None:
    """Limit a class teacher's connection to its classes (see access.py)."""
    from ..access import install_class_scope, is_class_scoped

    if is_class_scoped(user.roles):
        install_class_scope(conn, user.classes)


def _meta(conn, key: str) -> str | None:
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    except Exception:
        return None
    return row[0] if row else None


def _check_password(password: str) -> None:
    if len(password) < 6:
        raise BadInput("密码至少 6 位。")


def copy_keyring(src_db: Path, dst_db: Path) -> None:
    shutil.copyfile(keyring_path(src_db), keyring_path(dst_db))


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
