"""Enrolment states (学籍状态) of a student record, as kept in ``students.enrolment``.

Only a 在读 record is edited directly; every other state changes only through a status change
(学籍异动, :mod:`.changes`) — the write gate (:mod:`.gate`) enforces it.
"""

from __future__ import annotations

ENROLLED, SUSPENDED, ABROAD, LEFT = "enrolled", "suspended", "abroad", "left"
GRADUATED, INCOMING = "graduated", "incoming"
TRANSFERRED, COMPLETED, INCOMPLETE = "transferred", "completed", "incomplete"
ENROLMENT_NAMES = {ENROLLED: "在校", SUSPENDED: "休学", ABROAD: "出国", LEFT: "离校", GRADUATED: "毕业",
                   INCOMING: "待转入", TRANSFERRED: "转出", COMPLETED: "结业", INCOMPLETE: "肄业"}
# States that end the record at this school (the county does not count them as duplicates of the child's next
# record); 毕业 and 结业 done in error go back with 退回在校生.
FINISHED = (GRADUATED, COMPLETED, INCOMPLETE, TRANSFERRED)

# Editable directly: 在读, and a record the receiving school is still completing before 转入 takes effect.
EDITABLE = frozenset({ENROLLED, INCOMING})
# Who takes a seat in a class (班额): the enrolled and the suspended, who come back to it.
SEATED = (ENROLLED, SUSPENDED)


def enrolment_name(state: str) -> str:
    return ENROLMENT_NAMES.get(state, state)
