"""The two small pieces of the admissions plan that travel in packages (the rest is in ``admissions``): a school's
plans for its init and feedback packages, and the plan-change requests its submissions carry up."""

from __future__ import annotations

from typing import Any

from ..storage.store import Tx


def plans_for_school(conn, school_code: str) -> list[dict[str, Any]]:
    return [{"stage": st, "year": y, "count": n} for st, y, n in conn.execute(
        "SELECT stage, year, count FROM admission_plans WHERE school_code = ? ORDER BY year, stage", (school_code,))]


# ---- plan-change requests ------------------------------------------------------------------------------

def store_plan_requests(tx: Tx, school_code: str, requests: list[dict[str, Any]]) -> None:
    """From a school's submission: new requests are kept; a decided one keeps its decision."""
    for r in requests:
        tx.execute("INSERT INTO plan_requests (school_code, request_id, stage, year, count, reason, requested_at)"
                   " VALUES (?,?,?,?,?,?,?) ON CONFLICT(school_code, request_id) DO NOTHING",
                   (school_code, r["request_id"], r["stage"], r["year"], r["count"], r["reason"], r["requested_at"]))
