"""Forgetting a unit's registered keys, for a county (its schools) and a city (its counties) alike."""

from __future__ import annotations

from typing import Any

from ..errors import BadInput
from ..exchange import keys
from ..storage import Store


def forget_registered_key(store: Store, table: str, unit: dict[str, Any], reason: str, *, named: str,
                          whose_pc: str, action: str) -> str:
    """Forget ``unit``'s registered keys (a lost or replaced PC made new ones): its next package is confirmed
    against a new fingerprint, as a first one is. Only a leader (主管领导) may do it, with a reason; the old
    fingerprint, the reason and who approved are audited. ``named``: how messages name the unit ("学校 2114…");
    ``whose_pc``: whose computer the example reason speaks of. Returns the old fingerprint."""
    store.require("leader")
    if not reason.strip():
        raise BadInput(f"请填写重置原因（--reason），如“{whose_pc}电脑损坏，重装后生成了新密钥”。")
    if unit["signing_public"] is None:
        raise BadInput(f"{named}{unit['name']} 还没有登记密钥，无需重置。")
    old = keys.fingerprint(bytes(unit["signing_public"]))
    with store.transaction() as tx:
        # last_sequence back to 0: a unit starting again from its init package numbers from 1. Packages of the
        # old key stay refused: the next one must match the newly confirmed fingerprint.
        tx.execute(f"UPDATE {table} SET signing_public = NULL, encryption_public = NULL,"
                   " key_registered_at = NULL, last_sequence = 0 WHERE code = ?", (unit["code"],))
        tx.audit(action, table, unit["code"],
                 {"fingerprint": [old, None], "last_sequence": [unit["last_sequence"], 0],
                  "reason": [None, reason.strip()], "approved_by": [None, store.user.username]})
    return old
