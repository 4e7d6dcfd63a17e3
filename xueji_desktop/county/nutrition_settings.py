"""The settings of 营养改善计划 that travel down to the schools, and reading them on either side.

The county's 补助标准 (per stage) and 每学期在校天数 are meta settings under ``nutrition.``
(records.changes.COUNTY_SETTING_PREFIXES); every init and feedback package also carries the school's own 享受营养餐
flag and the 县级责任体系 (:func:`package_settings`), and the school shows them read-only (:func:`plan_view`).
The county's work on the plan is in :mod:`.nutrition`; this module imports no other county module, so the
package writers (schools, review) can use it.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

from ..school import STAGES
from ..storage import Store

STANDARD_KEY = "nutrition.standard."   # + stage number: yuan per student per day, '' = not set
DAYS_KEY = "nutrition.school_days"      # school days per term (在校天数), for the subsidy per term
SCHOOL_KEY = "nutrition.school"         # package only: '1' this school takes part, '0' not
CONTACTS_KEY = "nutrition.contacts"     # package only: the 县级责任体系 as JSON
DEFAULT_SCHOOL_DAYS = 100               # a term is about 20 weeks of 5 school days


def list_contacts(store_or_conn) -> list[dict[str, Any]]:
    conn = getattr(store_or_conn, "conn", store_or_conn)
    return [{"id": i, "role": r, "unit": u, "person": p, "phone": ph} for i, r, u, p, ph in conn.execute(
        "SELECT id, role, unit, person, phone FROM county_nutrition_contacts ORDER BY id")]


def standards(store_or_conn) -> dict[int, Decimal]:
    """Stage number → yuan per student per day, for the stages that have one (county's own, or as received)."""
    conn = getattr(store_or_conn, "conn", store_or_conn)
    out = {}
    for key, value in conn.execute("SELECT key, value FROM meta WHERE key LIKE 'nutrition.standard.%'"):
        stage = key.removeprefix(STANDARD_KEY)
        if value and stage.isdigit() and int(stage) in STAGES:
            try:
                out[int(stage)] = Decimal(value)
            except InvalidOperation:  # never written so by the county (parse_yuan): shown as not set
                continue
    return dict(sorted(out.items()))


def school_days(store_or_conn) -> int:
    conn = getattr(store_or_conn, "conn", store_or_conn)
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (DAYS_KEY,)).fetchone()
    return int(row[0]) if row and row[0].isdigit() else DEFAULT_SCHOOL_DAYS


def package_settings(store: Store, school_code: str) -> dict[str, str]:
    """What init and feedback packages carry to the school (records.changes.apply_county_settings stores it):
    its 享受营养餐 flag, the standards (cleared ones as ''), the school days and the 县级责任体系."""
    flag = store.query("SELECT nutrition FROM county_schools WHERE code = ?", (school_code,))
    current = standards(store)
    settings = {f"{STANDARD_KEY}{n}": str(current[n]) if n in current else "" for n in STAGES}
    settings[DAYS_KEY] = str(school_days(store))
    settings[SCHOOL_KEY] = "1" if flag and flag[0][0] else "0"
    settings[CONTACTS_KEY] = json.dumps([{k: c[k] for k in ("role", "unit", "person", "phone")}
                                         for c in list_contacts(store)], ensure_ascii=False)
    return settings


# ---- what a school sees (read-only) --------------------------------------------------------------------

def plan_view(store: Store) -> dict[str, Any]:
    """The plan as it stands on this store: at the county its own standards, days and contacts; at a school
    what the county sent, with ``enjoys`` (this school takes part: True/False; None before any package)."""
    flag = store.meta(SCHOOL_KEY)
    if store.mode == "county":
        contacts = [{k: c[k] for k in ("role", "unit", "person", "phone")} for c in list_contacts(store)]
    else:
        try:
            contacts = json.loads(store.meta(CONTACTS_KEY, "[]") or "[]")
        except ValueError:
            contacts = []
    return {"enjoys": None if store.mode == "county" or flag is None else flag == "1",
            "standards": {STAGES[k]: str(v) for k, v in standards(store).items()},
            "school_days": school_days(store),
            "contacts": [c for c in contacts if isinstance(c, dict)]}
