"""The county's 营养改善计划 as its upward package carries it to the city (``nutrition.json`` in the aggregate
beside ``schools.json``): the participating schools, the 补助标准 per stage, the school days per term and the
县级责任体系. The city checks it like every other member of the package and keeps it per county
(``city_counties.nutrition_plan``, replaced by each newer package); a package without it (written before the plan
travelled up) still imports and leaves that county 未上报营养计划.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from ..errors import BadInput
from ..exchange import shapes
from ..school import STAGES
from ..storage import Store
from .nutrition import MAX_YUAN, parse_yuan
from .nutrition_settings import list_contacts, school_days, standards
from .schools import PLACEHOLDER_CODE, list_schools

PLAN_MEMBER = "nutrition.json"
CONTACT_FIELDS = ("role", "unit", "person", "phone")
MAX_PLAN_SCHOOLS = 20_000


def plan_for_upward(store: Store) -> dict[str, Any]:
    """The county's plan as it stands: every participating school (a school still without a 标识码 by its name,
    code 0000000000), standards (stage number → yuan text), days and contacts."""
    return {"schools": [{"code": s["code"], "name": s["name"]} for s in list_schools(store, placeholders=True)
                        if s["nutrition"]],
            "standards": {str(n): str(v) for n, v in standards(store).items()},
            "school_days": school_days(store),
            "contacts": [{k: c[k] for k in CONTACT_FIELDS} for c in list_contacts(store)]}


def plan_bytes(store: Store) -> bytes:
    return json.dumps(plan_for_upward(store), ensure_ascii=False).encode("utf-8")


def parse_plan(raw: bytes, what: str) -> dict[str, Any]:
    """``nutrition.json`` from a county's package, checked field by field (a refusal names the member and field)."""
    try:
        plan = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise BadInput(f"{what}“{PLAN_MEMBER}”不是有效的 JSON。") from None
    s = shapes.Shape(f"{what}{PLAN_MEMBER}")
    s.dict(plan, "营养改善计划")
    for i, school in enumerate(s.list(plan.get("schools"), "schools", MAX_PLAN_SCHOOLS)):
        e = shapes.Shape(f"{what}{PLAN_MEMBER} 第 {i + 1} 所学校")
        e.dict(school, "学校")
        e.text(school.get("code"), "code", 10, shapes.SCHOOL_CODE, empty=False)
        e.text(school.get("name"), "name", shapes.MAX_NAME, empty=False)
    for stage, yuan in s.dict(plan.get("standards"), "standards").items():
        if not stage.isdigit() or int(stage) not in STAGES:
            raise s.fail("standards", f"中的学段“{stage[:10]}”不认识")
        try:
            parse_yuan(s.text(yuan, f"standards.{stage}", 10, empty=False))
        except BadInput:
            raise s.fail(f"standards.{stage}", f"不是 0 到 {MAX_YUAN} 元之间、到分的金额") from None
    s.int(plan.get("school_days"), "school_days", 1, 200)
    for i, contact in enumerate(s.list(plan.get("contacts"), "contacts", 200)):
        e = shapes.Shape(f"{what}{PLAN_MEMBER} 县级责任体系第 {i + 1} 条")
        e.dict(contact, "责任人")
        for k in CONTACT_FIELDS:
            e.text(contact.get(k), k, 60)
    return {"schools": [{"code": x["code"], "name": x["name"]} for x in plan["schools"]],
            "standards": {k: str(parse_yuan(v)) for k, v in sorted(plan["standards"].items())},
            "school_days": plan["school_days"],
            "contacts": [{k: c[k] for k in CONTACT_FIELDS} for c in plan["contacts"]]}


def stored_plan(text: str) -> dict[str, Any] | None:
    """A county's plan as the city stored it (written by :func:`parse_plan`), or None: 未上报营养计划."""
    return json.loads(text) if text else None


def plan_standards(plan: dict[str, Any]) -> dict[str, Decimal]:
    """Stage name → yuan per student per day, from a stored plan."""
    return {STAGES[int(k)]: Decimal(v) for k, v in plan["standards"].items()}


def is_placeholder(school: dict[str, Any]) -> bool:
    return school["code"] == PLACEHOLDER_CODE
