"""The county's 营养改善计划 as its upward package carries it to the city (``nutrition.json`` in the aggregate
beside ``schools.json``): the participating schools, the 补助标准 per stage, the school days per term and the
县级责任体系. The city checks it like every other member of the package and keeps it per county
(``city_counties.nutrition_plan``, replaced by each newer package); a package without it (written before the plan
travelled up) still imports and leaves that county 未上报营养计划.

A city's own upward package (to the province) carries those plans on: ``nutrition_counties.json``, a list of
{county_code, county_name, plan} (plan as the county sent it, or null for 未上报营养计划).
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
COUNTIES_MEMBER = "nutrition_counties.json"  # a city's package: every county's plan (docs/package-format.md)
MAX_COUNTIES = 500
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


def _json(raw: bytes, what: str, member: str) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise BadInput(f"{what}“{member}”不是有效的 JSON。") from None


def parse_plan(raw: bytes, what: str) -> dict[str, Any]:
    """``nutrition.json`` from a county's package, checked field by field (a refusal names the member and field)."""
    return check_plan(_json(raw, what, PLAN_MEMBER), f"{what}{PLAN_MEMBER}")


def check_plan(plan: Any, where: str) -> dict[str, Any]:
    """One county's plan as JSON gave it, checked field by field (``where`` names the member in messages); returns
    the plan as the city stores it (standards normalised to yuan with two decimals)."""
    s = shapes.Shape(where)
    s.dict(plan, "营养改善计划")
    for i, school in enumerate(s.list(plan.get("schools"), "schools", MAX_PLAN_SCHOOLS)):
        e = shapes.Shape(f"{where} 第 {i + 1} 所学校")
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
        e = shapes.Shape(f"{where} 县级责任体系第 {i + 1} 条")
        e.dict(contact, "责任人")
        for k in CONTACT_FIELDS:
            e.text(contact.get(k), k, 60)
    return {"schools": [{"code": x["code"], "name": x["name"]} for x in plan["schools"]],
            "standards": {k: str(parse_yuan(v)) for k, v in sorted(plan["standards"].items())},
            "school_days": plan["school_days"],
            "contacts": [{k: c[k] for k in CONTACT_FIELDS} for c in plan["contacts"]]}


# ---- a city's upward package: its counties' plans, one entry per county -----------------------------------

def county_plans_for_upward(store: Store, county_codes: set[str]) -> list[dict[str, Any]]:
    """A city's counties' plans as their packages brought them (``city_counties.nutrition_plan``), one entry per
    county whose schools the city's aggregate carries, by code: ``plan`` is None for a county whose package had no
    plan (未上报营养计划)."""
    return [{"county_code": code, "county_name": name, "plan": stored_plan(text)}
            for code, name, text in store.query("SELECT code, name, nutrition_plan FROM city_counties ORDER BY code")
            if code in county_codes]


def county_plans_bytes(store: Store, county_codes: set[str]) -> bytes:
    return json.dumps(county_plans_for_upward(store, county_codes), ensure_ascii=False).encode("utf-8")


def parse_county_plans(raw: bytes, what: str) -> list[dict[str, Any]]:
    """``nutrition_counties.json`` from a city's package, checked field by field: a list of {county_code,
    county_name, plan} with each plan checked as a county's ``nutrition.json`` is, or null."""
    s = shapes.Shape(f"{what}{COUNTIES_MEMBER}")
    out, seen = [], set()
    for i, entry in enumerate(s.list(_json(raw, what, COUNTIES_MEMBER), "县（区）", MAX_COUNTIES)):
        where = f"{what}{COUNTIES_MEMBER} 第 {i + 1} 个县（区）"
        e = shapes.Shape(where)
        e.dict(entry, "县（区）")
        code = e.text(entry.get("county_code"), "county_code", 6, shapes.COUNTY_CODE, empty=False)
        if code in seen:
            raise e.fail("county_code", f"重复（{code}）")
        seen.add(code)
        plan = entry.get("plan")
        out.append({"county_code": code,
                    "county_name": e.text(entry.get("county_name"), "county_name", shapes.MAX_NAME, empty=False),
                    "plan": None if plan is None else check_plan(plan, f"{where}的 plan")})
    return out


def stored_plan(text: str) -> dict[str, Any] | None:
    """A county's plan as the city stored it (written by :func:`parse_plan`), or None: 未上报营养计划."""
    return json.loads(text) if text else None


def plan_standards(plan: dict[str, Any]) -> dict[str, Decimal]:
    """Stage name → yuan per student per day, from a stored plan."""
    return {STAGES[int(k)]: Decimal(v) for k, v in plan["standards"].items()}


def is_placeholder(school: dict[str, Any]) -> bool:
    return school["code"] == PLACEHOLDER_CODE
