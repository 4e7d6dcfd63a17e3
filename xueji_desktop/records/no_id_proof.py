"""无身份证号学生在校就读证明表: which students need one, and whether it was printed and sent up.

Seed 001 (首次数据采集方案 三.1): "没有居民身份证件号的中国公民学生，须由学校开具《无身份证号学生在校就读证明表》
(附件2-3)", sent up with the data for the county to check; and the parents' letter: "对于无身份证号的中国籍学生
…由学校发《无身份证号学生在校就读证明表》逐一向上级部门申请审核". Such a record also risks one child holding
two records (seed 001: "对无身份证号的同一人有可能产生一人多学籍"), which is why the county wants the proof.

A student needs the form when the record's 国籍/地区 is 中国 and it has no 身份证件号. The form itself is laid
out in ``printing/proof.py``; this module keeps the list and the printed / sent marks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..access import ensure_visible
from ..errors import BadInput
from ..storage.store import Store

CHINA = "CHN"  # GB/T 2659 alpha-3 code of 中国, as the 国籍/地区 field stores it


@dataclass(frozen=True)
class ProofState:
    student_id: int
    name: str
    class_code: str
    printed_at: str
    sent_at: str
    sent_by: str

    @property
    def state(self) -> str:
        return "已报送" if self.sent_at else ("已打印" if self.printed_at else "未打印")

    def to_dict(self) -> dict[str, str | int]:
        return {**self.__dict__, "state": self.state}


def needing_proof(conn) -> list[ProofState]:
    """Chinese students without an ID number, in class order, with their proof's state."""
    rows = conn.execute(
        "SELECT s.id, s.name, COALESCE(c.class_code, ''), COALESCE(p.printed_at, ''), COALESCE(p.sent_at, ''),"
        " COALESCE(p.sent_by, '') FROM students s LEFT JOIN classes c ON c.id = s.class_id"
        " LEFT JOIN no_id_proofs p ON p.student_id = s.id"
        " WHERE s.id_number = '' AND json_extract(s.data, '$.nationality') = ?"
        " AND s.enrolment NOT IN ('graduated', 'left')"
        " ORDER BY c.stage, c.entry_year DESC, c.number, s.id", (CHINA,)).fetchall()
    return [ProofState(*r) for r in rows]


def _check_needs(store: Store, ids: Iterable[int]) -> list[int]:
    ids = list(dict.fromkeys(ids))
    needing = {p.student_id for p in needing_proof(store.conn)}
    for sid in ids:
        ensure_visible(store, sid)
        if sid not in needing:
            name = store.conn.execute("SELECT name FROM students WHERE id = ?", (sid,)).fetchone()[0]
            raise BadInput(f"{name} 有身份证件号或不是中国籍学生，不需要《无身份证号学生在校就读证明表》。")
    return ids


def record_printed(store: Store, student_ids: Iterable[int]) -> None:
    store.require("clerk")
    ids = _check_needs(store, student_ids)
    with store.transaction() as tx:
        for sid in ids:
            tx.execute("INSERT INTO main.no_id_proofs (student_id, printed_at, printed_by) VALUES (?, ?, ?)"
                       " ON CONFLICT(student_id) DO UPDATE SET printed_at = excluded.printed_at,"
                       " printed_by = excluded.printed_by", (sid, tx.ts, store.user.username))
        tx.audit("打印无身份证号学生在校就读证明表", "students", ",".join(map(str, ids[:200])),
                 {"students": [None, len(ids)]})


def mark_sent(store: Store, student_ids: Iterable[int]) -> int:
    """Record that the signed and sealed proofs went up to the county; returns how many were marked."""
    store.require("clerk")
    ids = _check_needs(store, student_ids)
    if not ids:
        raise BadInput("请指定已报送证明表的学生。")
    with store.transaction() as tx:
        for sid in ids:
            tx.execute("INSERT INTO no_id_proofs (student_id, sent_at, sent_by) VALUES (?, ?, ?)"
                       " ON CONFLICT(student_id) DO UPDATE SET sent_at = excluded.sent_at, sent_by = excluded.sent_by",
                       (sid, tx.ts, store.user.username))
            tx.audit("报送无身份证号学生在校就读证明表", "students", sid, {"sent": [None, True]})
    return len(ids)
