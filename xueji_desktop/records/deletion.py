"""Deleting a student record (学生信息 → 删除, ``xueji student delete``).

The write gate decides the route (``gate.deletion_route``):

- a record the county never accepted is deleted at once; the audit log keeps who, when, why and every old
  value (``students.remove_student``);
- a record the county accepted becomes a deletion request (删除学籍: 误操作删除 or 重复学籍, with 佐证 evidence).
  Like other county-level changes the school's 主管领导 approves it, the next package carries it up, the county
  decides it (``xueji county decide-change``); on approval the county drops the record from its merged data
  at once and the school drops it when it imports the feedback package.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ..errors import BadInput
from ..storage.store import Store
from .changes import DELETE_RECORD, Evidence, apply_change, list_changes
from .gate import deletion_route
from .students import get_student, remove_student

REASON_KINDS = ("误操作删除", "重复学籍")


@dataclass(frozen=True)
class Deletion:
    name: str
    deleted: bool              # True: gone now; False: a request was filed
    change_id: int | None      # the deletion request


def reason_kind_of(text: str | None, student_id: int, store: Store) -> str:
    """The request's category: as given, else 重复学籍 when the school holds the same ID number twice or the
    county's feedback reported the record as a duplicate, else 误操作删除."""
    if text:
        if text not in REASON_KINDS:
            raise BadInput(f"删除原因类别只能是 {'、'.join(REASON_KINDS)}，而不是“{text}”。")
        return text
    twin = store.query("SELECT count(*) FROM students a JOIN students b ON b.id_number = a.id_number AND b.id != a.id"
                       " WHERE a.id = ? AND a.id_number != ''", (student_id,))[0][0]
    flagged = store.query("SELECT count(*) FROM feedback_findings f JOIN students s ON s.uid = f.student_uid"
                          " WHERE s.id = ? AND f.kind LIKE 'duplicate%'", (student_id,))[0][0]
    return "重复学籍" if twin or flagged else "误操作删除"


def delete_student(store: Store, student_id: int, *, reason: str, evidence: list[Evidence] | None = None,
                   reason_kind: str | None = None) -> Deletion:
    """Delete now, or file the deletion request, as the gate routes it. Refuses without a reason, and a
    request without evidence, naming the student and what to do."""
    store.require("clerk")
    stored = get_student(store, student_id)
    if stored is None:
        raise BadInput(f"学生不存在（编号 {student_id}）。")
    name = stored.get("name") or f"编号 {student_id}"
    if not reason.strip():
        raise BadInput(f"删除 {name} 须填写原因（如“重复录入”“误操作新增”）。")
    kind = reason_kind_of(reason_kind, student_id, store)
    if list_changes(store, student_id=student_id, open_only=True):
        raise BadInput(f"{name} 有未办结的异动申请，请先办结或撤回，再删除。")
    if deletion_route(stored) == "delete":
        with store.transaction() as tx:
            remove_student(tx, student_id, "删除学生", {"reason": reason.strip(), "reason_kind": kind})
        return Deletion(name, True, None)
    if not evidence:
        raise BadInput(f"{name} 的学籍已由县级审核通过，删除须提交“删除学籍”申请（{kind}）并附佐证材料"
                       "（命令行用 --evidence 文件；界面中选择证明材料），县级审核通过后才删除。")
    change_id = apply_change(store, student_id, DELETE_RECORD, effective_date=date.today().isoformat(),
                             reason=reason, evidence=evidence, extra={"reason_kind": kind})
    return Deletion(name, False, change_id)
