"""营养改善计划 at the city: every county's plan as its latest upward package carried it (nutrition_upward.py),
with the statistics each plan implies — participating schools, their 在校 students and the subsidy per term, by
the county's own standards and school days (nutrition.plan_stats, the county's own computation) — a table per
county and the city total. A county that has not sent its plan (a package written before the plan travelled up,
or none yet) is shown as 未上报营养计划. The city sees the plans; it cannot change them (nutrition.py refuses).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..storage import Store
from .counties import require_city
from .nutrition import NutritionStats, enrolled_by_stage, plan_stats
from .nutrition_upward import is_placeholder, plan_standards, stored_plan

NOT_REPORTED = "未上报营养计划"


@dataclass
class CountyPlan:
    code: str
    name: str
    plan: dict[str, Any] | None      # None: 未上报营养计划
    stats: NutritionStats | None

    @property
    def state(self) -> str:
        return "已上报" if self.plan is not None else NOT_REPORTED

    def standards_text(self) -> str:
        return "、".join(f"{k} {v}" for k, v in self.stats.standards.items()) if self.stats else ""


@dataclass
class CityNutritionStats:
    counties: list[CountyPlan] = field(default_factory=list)
    schools: int = 0
    reported: int = 0
    students: int = 0
    subsidy: Decimal = Decimal("0.00")

    @property
    def not_reported(self) -> list[str]:
        return [f"{c.code}{c.name}" for c in self.counties if c.plan is None]

    @property
    def rows(self) -> list[dict[str, Any]]:
        """Every county's school × stage rows, each with its county."""
        return [{"county_code": c.code, "county_name": c.name, **r} for c in self.counties if c.stats
                for r in c.stats.rows]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (money as text): the city total and, per county, its plan and statistics."""
        counties = []
        for c in self.counties:
            entry: dict[str, Any] = {"county_code": c.code, "county_name": c.name, "plan": c.state,
                                     "plan_reported": c.plan is not None}
            if c.stats is not None:
                entry.update(c.stats.to_dict())
                entry["contacts"] = c.plan["contacts"]
            counties.append(entry)
        return {"level": "city", "schools": self.schools, "reported": self.reported, "students": self.students,
                "subsidy": str(self.subsidy), "not_reported": self.not_reported, "counties": counties,
                "rows": [{**r, "yuan_per_day": _money(r["yuan_per_day"]), "subsidy": _money(r["subsidy"])}
                         for r in self.rows]}

    def county_table(self) -> list[list[Any]]:
        """按县区 (first row: header; last: 合计); money cells as Decimal, empty where there is no plan."""
        header = ["县级区划代码", "县（区）", "营养计划", "享受营养餐学校", "已上报学校", "在校学生",
                  "补助标准（元/生/天）", "每学期在校天数", "每学期补助（元）"]
        rows = [[c.code, c.name, c.state, c.stats.schools, c.stats.reported, c.stats.students, c.standards_text(),
                 c.stats.school_days, c.stats.subsidy] if c.stats else [c.code, c.name, c.state, "", "", "", "", "", ""]
                for c in self.counties]
        return [header, *rows, ["合计", "", "", self.schools, self.reported, self.students, "", "", self.subsidy]]

    def tables(self) -> dict[str, list[list[Any]]]:
        """Sheets for the workbook: 按县区, 学校×学段 (with the county), 县级责任体系 (each county's)."""
        return {
            "按县区": self.county_table(),
            "学校×学段": [["县级区划代码", "县（区）", "学校标识码", "学校名称", "学段", "在校学生",
                        "补助标准（元/生/天）", "每学期在校天数", "每学期补助（元）", "说明"]] + [
                [r["county_code"], r["county_name"], r["school_code"], r["school_name"], r["stage"], r["students"],
                 _cell(r["yuan_per_day"]), r["school_days"], _cell(r["subsidy"]), r["note"]] for r in self.rows],
            "县级责任体系": [["县级区划代码", "县（区）", "职责", "单位", "负责人", "联系电话"]] + [
                [c.code, c.name, p["role"], p["unit"], p["person"], p["phone"]] for c in self.counties if c.plan
                for p in c.plan["contacts"]],
        }


def _money(v: Decimal | None) -> str | None:
    return None if v is None else str(v)


def _cell(v: Decimal | None) -> Decimal | str:
    return "" if v is None else v


def compute_city_nutrition_stats(store: Store) -> CityNutritionStats:
    """Each county of the list with its plan's statistics (students of the schools its package carried), and
    the city total."""
    require_city(store)
    enrolled = enrolled_by_stage(store)
    imported = {code: (region[:6], bool(at)) for code, region, at in store.query(
        "SELECT code, region_code, imported_at FROM county_schools")}
    out = CityNutritionStats()
    for code, name, text in store.query("SELECT code, name, nutrition_plan FROM city_counties ORDER BY code"):
        plan = stored_plan(text)
        if plan is None:
            out.counties.append(CountyPlan(code, name, None, None))
            continue
        schools = []
        for s in plan["schools"]:
            # only this county's own schools as the city holds them count (a code the city lists under another
            # county, or one the county did not pass up, shows as not reported)
            ours = not is_placeholder(s) and imported.get(s["code"], ("", False))[0] == code
            schools.append({**s, "placeholder": is_placeholder(s), "reported": ours and imported[s["code"]][1]})
        stats = plan_stats(schools, {k: v for k, v in enrolled.items()
                                     if imported.get(k, ("", False))[0] == code},
                           plan_standards(plan), plan["school_days"])
        out.counties.append(CountyPlan(code, name, plan, stats))
        out.schools += stats.schools
        out.reported += stats.reported
        out.students += stats.students
        out.subsidy += stats.subsidy
    return out


def export_city_nutrition_xlsx(store: Store, path: Path | str, stats: CityNutritionStats | None = None) -> Path:
    """The city's statistics as a workbook (按县区 with a chart of the subsidy per county)."""
    from .stats import export_tables_xlsx

    stats = stats or compute_city_nutrition_stats(store)
    return export_tables_xlsx(stats.tables(), path, (("按县区", 1, 8, "各县（区）每学期营养餐补助（元）", 1),))
