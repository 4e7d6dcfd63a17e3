"""A class teacher's proposed edits (修改建议), which the clerk accepts or rejects.

The class teacher compares the record with the paper form the parents signed; where they differ the
teacher does not edit the record (only the clerk enters 学籍 data, seed 001 二/三) but proposes the fix.
The clerk accepts it — the change is then written by :func:`students.update_student`, through every rule a
form edit meets (key fields of accepted records, read-only records, validation) — or rejects it with a
reason. A proposal made against a value that has changed since is refused on acceptance, not applied
over the newer value.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..access import ensure_visible
from ..errors import BadInput, XuejiError
from ..storage.store import Store
from ..validation.issues import ERROR
from ..validation.normalize import normalize_value
from ..validation.spec import Field, load_spec
from .students import get_student, public_record, update_student

STATE_NAMES = {"pending": "待处理", "accepted": "已采纳", "rejected": "未采纳"}
MEMBERS = 2


@dataclass(frozen=True)
class Proposal:
    id: int
    student_id: int
    student_name: str
    class_code: str
    changes: dict[str, list[Any]]
    note: str
    proposed_by: str
    proposed_at: str
    state: str
    decided_by: str
    decided_at: str
    decision_note: str

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "state_name": STATE_NAMES.get(self.state, self.state)}


def field_paths() -> dict[str, tuple[Field, str]]:
    """Every editable path with its field and label: ``name`` → 姓名, ``members.0.phone`` → 家庭成员1联系电话."""
    spec = load_spec()
    out = {f.key: (f, f.label) for f in spec.fields if f.group != "member" and f.key not in ("class_code", "grade")}
    for i in range(MEMBERS):
        out.update({f"members.{i}.{f.key}": (f, f"家庭成员{i + 1}{f.label}") for f in spec.member_fields})
    return out


def parse_assignments(items: list[str]) -> dict[str, Any]:
    """``["姓名=王明", "members.0.phone=13800000000"]`` → {path: value as stored}; a wrong field or value is
    refused with the field named and nothing else read."""
    paths = field_paths()
    by_label = {label: path for path, (_f, label) in paths.items()}
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise BadInput(f"“{item}”应写成 字段=值，如 姓名=王明、户口所在地=140105000000。")
        path = key if key in paths else by_label.get(key)
        if path is None:
            raise BadInput(f"没有“{key}”这一项：请写采集表上的项目名称（如 姓名、家庭成员1联系电话）或字段名。")
        f, label = paths[path]
        canonical, issue = normalize_value(f, value.strip())
        if issue is not None and issue.severity == ERROR:
            raise BadInput(f"{label}：{issue.message}")
        out[path] = canonical
    if not out:
        raise BadInput("请给出要修改的项，如 姓名=王明。")
    return out


def _get(record: dict[str, Any], path: str) -> Any:
    if path.startswith("members."):
        _, index, key = path.split(".")
        members = record.get("members") or []
        return members[int(index)].get(key) if int(index) < len(members) else None
    return record.get(path)


def _set(record: dict[str, Any], path: str, value: Any) -> None:
    if path.startswith("members."):
        _, index, key = path.split(".")
        members = record.setdefault("members", [])
        while len(members) <= int(index):
            members.append({})
        members[int(index)][key] = value
    else:
        record[path] = value


def propose(store: Store, student_id: int, values: dict[str, Any], note: str = "") -> int:
    """File a proposal for one student (teacher of its class, or the clerk); returns its number."""
    store.require("teacher", "clerk")
    ensure_visible(store, student_id)
    record = get_student(store, student_id)
    changes = {p: [_get(record, p), v] for p, v in values.items() if (_get(record, p) or "") != (v or "")}
    if not changes:
        raise BadInput("提出的值与记录中现有的值相同，无需修改。")
    with store.transaction() as tx:
        cur = tx.execute("INSERT INTO main.edit_proposals (student_id, changes, note, proposed_by, proposed_at)"
                         " VALUES (?, ?, ?, ?, ?)",
                         (student_id, json.dumps(changes, ensure_ascii=False), note, store.user.username, tx.ts))
        tx.audit("提出修改建议", "students", student_id, changes)
    return cur.lastrowid


def list_proposals(store: Store, state: str | None = None) -> list[Proposal]:
    sql = ("SELECT p.id, p.student_id, s.name, COALESCE(c.class_code, ''), p.changes, p.note, p.proposed_by,"
           " p.proposed_at, p.state, p.decided_by, p.decided_at, p.decision_note FROM edit_proposals p"
           " JOIN students s ON s.id = p.student_id LEFT JOIN classes c ON c.id = s.class_id")
    params: tuple = ()
    if state:
        sql += " WHERE p.state = ?"
        params = (state,)
    rows = store.conn.execute(sql + " ORDER BY p.id", params).fetchall()
    return [Proposal(r[0], r[1], r[2], r[3], json.loads(r[4]), *r[5:]) for r in rows]


def _pending(store: Store, proposal_id: int) -> Proposal:
    found = [p for p in list_proposals(store) if p.id == proposal_id]
    if not found:
        raise BadInput(f"没有编号为 {proposal_id} 的修改建议（xueji proposals list 可查看）。")
    if found[0].state != "pending":
        raise BadInput(f"修改建议 {proposal_id} 已{STATE_NAMES[found[0].state]}，不能再处理。")
    return found[0]


def accept(store: Store, proposal_id: int) -> None:
    """Apply the proposal through the normal write path; refused if the record changed since."""
    store.require("clerk")
    proposal = _pending(store, proposal_id)
    record = public_record(get_student(store, proposal.student_id))
    stale = [p for p, (old, _new) in proposal.changes.items() if (_get(record, p) or "") != (old or "")]
    if stale:
        labels = "、".join(field_paths()[p][1] for p in stale if p in field_paths())
        raise BadInput(f"记录的{labels}在建议提出后已被修改：请拒绝这条建议，按现有记录重新核对。")
    for path, (_old, new) in proposal.changes.items():
        _set(record, path, new)
    with store.transaction() as tx:
        try:
            update_student(tx, proposal.student_id, record)
        except XuejiError as exc:
            raise BadInput(f"不能采纳修改建议 {proposal_id}：{exc}") from None
        tx.execute("UPDATE edit_proposals SET state = 'accepted', decided_by = ?, decided_at = ? WHERE id = ?",
                   (store.user.username, tx.ts, proposal_id))
        tx.audit("采纳修改建议", "edit_proposals", proposal_id, {"state": ["pending", "accepted"]})


def reject(store: Store, proposal_id: int, reason: str) -> None:
    store.require("clerk")
    if not reason.strip():
        raise BadInput("请填写不采纳的理由（--reason），班主任会看到。")
    _pending(store, proposal_id)
    with store.transaction() as tx:
        tx.execute("UPDATE edit_proposals SET state = 'rejected', decided_by = ?, decided_at = ?, decision_note = ?"
                   " WHERE id = ?", (store.user.username, tx.ts, reason.strip(), proposal_id))
        tx.audit("不采纳修改建议", "edit_proposals", proposal_id, {"state": ["pending", "rejected"],
                                                               "reason": [None, reason.strip()]})
