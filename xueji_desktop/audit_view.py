"""The audit log as a person reads it: local times, field labels, student names, batches as one entry.

The log itself stays as written (``storage.audit``: one hash-chained row per change, times with their UTC
offset); this module only presents it, for the 用户与日志 page and ``xueji audit list``. Rows written in
one transaction by one user for one action and table (same ``ts``: a transaction stamps all its rows
alike) form one entry: one recheck of 360 photos is "检查照片 · 360 名学生", not 360 lines.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .validation import load_spec

TABLE_NAMES = {
    "students": "学生", "photos": "照片", "classes": "班级", "campuses": "校区", "users": "用户",
    "school": "学校信息", "meta": "设置", "change_records": "学籍变动", "packages": "数据包",
    "county_schools": "学校", "county_changes": "学校异动", "feedback_findings": "县级反馈",
    "exchange_keys": "密钥",
}
# Keys outside the student spec that the log records (school profile, classes, users, photos, settings).
OTHER_LABELS = {
    "head_teacher": "班主任", "roles": "角色", "active": "启用", "sha256": "照片文件", "checked_ok": "照片检查通过",
    "problems": "照片问题", "school_year": "学年", "auto_backup_count": "自动备份份数", "status": "状态",
    "code": "代码", "address": "地址", "phone": "电话", "category": "类别", "name_en": "英文名称",
    "fingerprint": "密钥指纹", "students": "学生数", "count": "数量", "file": "文件", "imported": "导入",
    "county_accepted": "县级已审核", "enrolment": "学籍状态", "password": "密码", "region_code": "行政区划",
    "run_by": "办学类型", "schooling": "学制", "checked": "检查", "changed": "结果有变化",
}
WARNING_PREFIX = "warning:"


def local_time(ts: str) -> str:
    """``2026-12-04T13:45:00+00:00`` -> ``2026-12-04 21:45`` on a machine in China (UTC+8).
    Text that is not a time is returned unchanged, so a damaged entry is still shown."""
    try:
        moment = datetime.fromisoformat(ts)
    except (TypeError, ValueError):
        return ts
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    return moment.strftime("%Y-%m-%d %H:%M")


def field_label(key: str, table: str = "students") -> str:
    """``members.0.phone`` -> ``家庭成员1 联系电话``; ``warning:enrol_date:…`` -> ``警告确认：入学年月``."""
    spec = load_spec()
    if key.startswith(WARNING_PREFIX):
        return "警告确认：" + field_label(key[len(WARNING_PREFIX):].split(":", 1)[0])
    if key.startswith("members."):
        _, slot, rest = [*key.split(".", 2), "", ""][:3]
        member = spec.member_by_key.get(rest)
        if slot.isdigit() and member is not None:
            return f"家庭成员{int(slot) + 1} {member.label}"
    if table in ("students", "change_records") and key in spec.student_by_key:
        return spec.student_by_key[key].label
    if key == "name":
        return {"students": "姓名", "users": "姓名"}.get(table, "名称")
    return OTHER_LABELS.get(key) or (spec.student_by_key[key].label if key in spec.student_by_key else key)


def value_text(key: str, value: Any) -> str:
    """A stored value as the form shows it: code fields by name (性别 1 -> 男), long text shortened."""
    if value is None or value == "":
        return "（空）"
    if key == "roles":
        from .storage.store import ROLE_NAMES

        return "、".join(ROLE_NAMES.get(r, r) for r in str(value).split(",") if r)
    spec = load_spec()
    base = key.split(".")[-1]
    f = spec.student_by_key.get(key) or spec.member_by_key.get(base)
    if f is not None and f.codes and str(value) in spec.codes[f.codes].by_code:
        value = spec.codes[f.codes].by_code[str(value)]
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "…"


def changes_text(changes: dict[str, Any], table: str) -> str:
    parts = []
    for key, change in changes.items():
        label = field_label(key, table)
        if isinstance(change, list) and len(change) == 2:
            old, new = change
            if key.startswith(WARNING_PREFIX):
                parts.append(f"{label}（{value_text('', new if new is not None else old)}）")
            elif old is None:
                parts.append(f"{label}：{value_text(key, new)}")
            else:
                parts.append(f"{label}：{value_text(key, old)} → {value_text(key, new)}")
        else:
            parts.append(f"{label}：{value_text(key, change)}")
    return "；".join(parts)


@dataclass(frozen=True)
class LogEntry:
    """One thing a user did: a single change or a batch written in one transaction."""

    first_id: int
    last_id: int
    ts: str
    username: str
    action: str
    table: str
    record_ids: tuple[str, ...]
    changes: tuple[str, ...]  # the JSON of each row (one per record)

    @property
    def count(self) -> int:
        return len(self.record_ids)

    @property
    def when(self) -> str:
        return local_time(self.ts)

    @property
    def what(self) -> str:
        return TABLE_NAMES.get(self.table, self.table)


class LogReader:
    """Reads grouped entries and describes them (names of students and classes looked up once per entry)."""

    def __init__(self, conn) -> None:
        self.conn = conn

    def group_keys(self, *, user: str = "", action: str = "", text: str = "", since: str = "") -> list[tuple]:
        """One key per entry, newest first: (last id, ts, username, action, table, count)."""
        clauses, params = [], []
        for column, value in (("username", user), ("action", action)):
            if value:
                clauses.append(f"{column} = ?")
                params.append(value)
        if since:
            clauses.append("ts >= ?")
            params.append(since)
        if text:
            escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            named = [str(r[0]) for r in self.conn.execute(
                "SELECT id FROM students WHERE name LIKE ? ESCAPE '\\' LIMIT 500", (f"%{escaped}%",))]
            by_name = (f" OR (table_name IN ('students', 'photos', 'change_records') AND record_id IN "
                       f"({','.join('?' * len(named))}))") if named else ""
            clauses.append(f"(record_id = ? OR changes LIKE ? ESCAPE '\\'{by_name})")
            params += [text, f"%{escaped}%", *named]
        where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
        return self.conn.execute(
            "SELECT max(id), ts, username, action, table_name, count(*) FROM audit_log" + where +
            " GROUP BY ts, username, action, table_name ORDER BY max(id) DESC", params).fetchall()

    def entry(self, key: tuple, *, limit: int = 1000) -> LogEntry:
        """The rows of one group (the first ``limit`` of a very large batch: enough to describe it)."""
        last_id, ts, username, action, table, _count = key
        rows = self.conn.execute(
            "SELECT id, record_id, changes FROM audit_log WHERE ts = ? AND username = ? AND action = ?"
            " AND table_name = ? AND id <= ? ORDER BY id DESC LIMIT ?",
            (ts, username, action, table, last_id, limit)).fetchall()
        rows.reverse()
        return LogEntry(rows[0][0] if rows else last_id, last_id, ts, username, action, table,
                        tuple(str(r[1]) for r in rows), tuple(r[2] or "{}" for r in rows))

    def subject(self, entry: LogEntry, total: int | None = None) -> str:
        """Whom or what the entry is about: a student's name, a class's name, "张三 等 360 名学生"."""
        total = total if total is not None else entry.count
        first = entry.record_ids[0] if entry.record_ids else ""
        name = self._name_of(entry.table, first, json.loads(entry.changes[0]) if entry.changes else {})
        if total <= 1:
            return name
        unit = {"students": "名学生", "photos": "名学生", "classes": "个班级"}.get(entry.table, "条")
        return f"{name} 等 {total} {unit}" if name else f"{total} {unit}"

    def details(self, entry: LogEntry, total: int | None = None) -> str:
        total = total if total is not None else entry.count
        if total > 1:  # a batch: what was done to how many, not every row
            keys = sorted({field_label(k, entry.table) for c in entry.changes for k in json.loads(c)})
            shown = "、".join(keys[:6]) + ("等" if len(keys) > 6 else "")
            return f"共 {total} 条" + (f"（{shown}）" if shown else "")
        changes = json.loads(entry.changes[0]) if entry.changes else {}
        ids = changes.get("students")
        if isinstance(ids, list) and len(ids) == 2 and isinstance(ids[1], list):  # a batch listing its students
            changes = {**changes, "students": [None, self._names(ids[1])]}
            return changes_text(changes, entry.table).replace("学生数：", "学生：")
        return changes_text(changes, entry.table)

    def _names(self, ids: list[Any], shown: int = 5) -> str:
        names = [self._name_of("students", str(i), {}) for i in ids[:shown]]
        return "、".join(names) + (f" 等 {len(ids)} 名" if len(ids) > shown else "")

    def _name_of(self, table: str, record_id: str, changes: dict[str, Any]) -> str:
        if table in ("students", "photos") and record_id.isdigit():
            row = self.conn.execute("SELECT name FROM students WHERE id = ?", (int(record_id),)).fetchone()
            if row and row[0]:
                return row[0]
            old = changes.get("name")
            if isinstance(old, list) and old[0]:
                return f"{old[0]}（已删除）"
            return f"学生（编号 {record_id}）"
        if table == "classes":
            row = self.conn.execute("SELECT name FROM classes WHERE class_code = ?", (record_id,)).fetchone()
            return row[0] if row else record_id
        if table in ("school", "meta"):
            return ""
        return record_id


def describe(conn, limit: int = 50, **filters: str) -> list[dict[str, Any]]:
    """The newest ``limit`` entries as plain dicts (``xueji audit list --json``)."""
    reader = LogReader(conn)
    out = []
    for key in reader.group_keys(**filters)[:limit]:
        entry = reader.entry(key)
        out.append({"time": entry.when, "user": entry.username, "action": entry.action, "object": entry.what,
                    "subject": reader.subject(entry, key[5]), "count": key[5],
                    "details": reader.details(entry, key[5]), "first_id": entry.first_id, "last_id": entry.last_id})
    return out
